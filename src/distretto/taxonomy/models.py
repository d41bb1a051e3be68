"""Taxonomies as data: every code list the district uses, with Italian and English labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from distretto.bilingual import BilingualMixin


class Taxonomy(BilingualMixin, models.Model):
    """A code list: segments, process steps, value chains, certifications, ATECO, EMDN, NUTS."""

    slug = models.SlugField(_("identifier"), max_length=40, unique=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    hierarchical = models.BooleanField(_("hierarchical"), default=False)
    # Shown as a directory filter; large standard lists (ATECO, EMDN) are not.
    is_filter = models.BooleanField(_("directory filter"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.tr("name")


class Code(BilingualMixin, models.Model):
    """One code of a taxonomy, e.g. segment ``dialysis`` or EMDN ``F0106``."""

    taxonomy = models.ForeignKey(
        Taxonomy, on_delete=models.PROTECT, related_name="codes", verbose_name=_("taxonomy")
    )
    code = models.CharField(_("code"), max_length=40)
    label_it = models.CharField(_("label (Italian)"), max_length=500)
    label_en = models.CharField(_("label (English)"), max_length=500, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["taxonomy__sort_order", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="code_unique_in_taxonomy")
        ]
        verbose_name = _("code")
        verbose_name_plural = _("codes")

    def __str__(self) -> str:
        return f"{self.code} · {self.tr('label')}"

    @property
    def label(self) -> str:
        return self.tr("label")


class Municipality(models.Model):
    """An Italian municipality, identified by its ISTAT code."""

    istat_code = models.CharField(_("ISTAT code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=200)
    province = models.CharField(_("province"), max_length=2)
    nuts3 = models.CharField(_("NUTS 3 region"), max_length=5, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return f"{self.name} ({self.province})"
