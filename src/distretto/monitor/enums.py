"""The choices of the monitor (a leaf module: it imports nothing else of its app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritoryKind(models.TextChoices):
    DISTRICT = "district", _("District")
    MUNICIPALITY = "municipality", _("Municipality (ISTAT code)")
    PROVINCE = "province", _("Province")
    NUTS = "nuts", _("NUTS region")
    COUNTRY = "country", _("Country")


class Unit(models.TextChoices):
    COUNT = "count", _("count")
    EUR_MILLION = "eur_million", _("EUR million")
    PERCENT = "percent", _("percent")
    CHANGE_PERCENT = "change_percent", _("change on the previous period, percent")
    PEOPLE = "people", _("people")
    PER_KM2 = "per_km2", _("per km²")


class SnapshotTrigger(models.TextChoices):
    ON_DEMAND = "on_demand", _("on demand")
    SCHEDULED = "scheduled", _("scheduled (monthly)")
