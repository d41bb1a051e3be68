"""Saved disruption scenarios: an area (organisations, a circle, municipalities) and what
its loss does to the district's supply chain, kept so that scenarios can be compared."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ScenarioKind(models.TextChoices):
    ORGANISATIONS = "organisations", _("Organisations removed")
    CIRCLE = "circle", _("Everything within a radius")
    MUNICIPALITIES = "municipalities", _("Municipalities")


class Scenario(models.Model):
    """An area taken out of the network (an earthquake, a flood, a plant closure)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ScenarioKind.choices)
    # {"lat": .., "lon": .., "radius_km": ..} | {"municipalities": [istat...]}
    # | {"organisations": [ids...]}
    area = models.JSONField(_("area"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:scenario", args=[self.pk])
