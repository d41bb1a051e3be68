"""The district monitor: indicator series with their sources, snapshots of what the platform
itself counts, and the region's profile. Slim tables; the rules are in ``domain/``.

A value is kept as its source states it: a value stated as a change on the previous period
is an observation of the ``change_percent`` unit (or carries ``change_percent`` beside a
level), never turned into an invented level. Two sources may state a value for the same
indicator, territory and period: both are kept side by side (``flagged``), never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from distretto.bilingual import BilingualMixin
from distretto.monitor.enums import SnapshotTrigger, TerritoryKind, Unit


class Indicator(BilingualMixin, models.Model):
    """What is measured: a name, a unit and a definition."""

    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    definition_it = models.TextField(_("definition (Italian)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    featured = models.BooleanField(_("on the dashboard"), default=False)
    computed = models.BooleanField(
        _("computed by the platform"),
        default=False,
        help_text=_("Counted from the platform's own records by a snapshot."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "name_en"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.tr("name")

    def get_absolute_url(self) -> str:
        return reverse("monitor:indicator", args=[self.slug])


class Observation(models.Model):
    """One value of an indicator for a territory and a period, as a source states it."""

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("indicator"),
    )
    territory_kind = models.CharField(
        _("territory kind"), max_length=20, choices=TerritoryKind.choices
    )
    territory_code = models.CharField(_("territory code"), max_length=20)
    period = models.CharField(
        _("period"),
        max_length=21,
        blank=True,
        help_text=_("2025, 2025-Q1, 2024-H1, 2025-03 ...; empty when the source states none"),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True, db_index=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    qualifier = models.CharField(
        _("qualifier"),
        max_length=10,
        blank=True,
        choices=[("about", _("about")), ("over", _("over"))],
        help_text=_("As the source states it: about, over."),
    )
    change_percent = models.DecimalField(
        _("change on the previous period (%)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("As the source states it beside the value."),
    )
    source = models.TextField(_("source"))
    source_url = models.URLField(_("source link"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    flagged = models.BooleanField(
        _("another source states another value"),
        default=False,
        help_text=_("Kept side by side with the other source's value, never overwritten."),
    )
    snapshot = models.ForeignKey(
        "Snapshot",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="observations",
        verbose_name=_("snapshot"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        ordering = ["indicator", "territory_kind", "territory_code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory_kind", "territory_code", "period", "source"],
                name="observation_once_per_source",
            )
        ]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def __str__(self) -> str:
        return f"{self.indicator} · {self.territory_code} · {self.period}: {self.value}"


class Snapshot(models.Model):
    """What the platform counted from its own records at a moment (history is kept)."""

    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=SnapshotTrigger.choices)
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}"


class RegionProfile(BilingualMixin, models.Model):
    """The region's profile on the smart-specialisation platforms, kept by facilitators."""

    nuts_code = models.CharField(_("NUTS code"), max_length=5, unique=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    innovation_group_it = models.CharField(
        _("innovation performance group (Italian)"), max_length=100, blank=True
    )
    innovation_group_en = models.CharField(
        _("innovation performance group (English)"), max_length=100, blank=True
    )
    innovation_group_year = models.PositiveSmallIntegerField(
        _("of the year"), null=True, blank=True
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("population of the year"), null=True, blank=True
    )
    density = models.DecimalField(
        _("inhabitants per km²"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    over_65_percent = models.DecimalField(
        _("share older than 65 (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    focus_it = models.TextField(_("focus areas (Italian)"), blank=True)
    focus_en = models.TextField(_("focus areas (English)"), blank=True)
    initiatives = models.TextField(_("initiatives"), blank=True)
    networks = models.TextField(_("networks the region belongs to"), blank=True)
    seeks_it = models.TextField(_("seeks collaboration on (Italian)"), blank=True)
    seeks_en = models.TextField(_("seeks collaboration on (English)"), blank=True)
    source = models.TextField(_("source"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("region profile")
        verbose_name_plural = _("region profiles")

    def __str__(self) -> str:
        return f"{self.nuts_code} {self.tr('name')}"
