"""Choice lists of the registry. Their values are the codes used by import, export and API."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    LARGE_COMPANY = "large_company", _("Large company")
    SME = "sme", _("SME")
    STARTUP = "startup", _("Start-up")
    RESEARCH_CENTRE = "research_centre", _("Research centre")
    UNIVERSITY = "university", _("University or department")
    HOSPITAL = "hospital", _("Hospital or health facility")
    TRAINING = "training", _("Training institution")
    TECHNOLOGY_TRANSFER = "technology_transfer", _("Technology-transfer centre")
    ASSOCIATION = "association", _("Cluster or trade association")
    PUBLIC_AUTHORITY = "public_authority", _("Public authority")
    INVESTOR = "investor", _("Investor")
    PATIENT_ASSOCIATION = "patient_association", _("Patient association")


class StaffBand(models.TextChoices):
    """Staff bands; the first three are the EU's micro, small and medium enterprise bands."""

    MICRO = "1-9", _("1–9 (micro)")
    SMALL = "10-49", _("10–49 (small)")
    MEDIUM = "50-249", _("50–249 (medium)")
    LARGE_250 = "250-499", _("250–499")
    LARGE_500 = "500-999", _("500–999")
    LARGE_1000 = "1000+", _("1,000 or more")


class TurnoverBand(models.TextChoices):
    UNDER_2 = "0-2", _("under EUR 2 million")
    FROM_2 = "2-10", _("EUR 2–10 million")
    FROM_10 = "10-50", _("EUR 10–50 million")
    FROM_50 = "50-250", _("EUR 50–250 million")
    OVER_250 = "250+", _("over EUR 250 million")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Under review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class TieKind(models.TextChoices):
    SUPPLIES = "supplies", _("supplies")
    PART_OF_GROUP = "part_of_group", _("is part of the group")
    MEMBER_OF = "member_of", _("is a member of")
    PROJECT_PARTNER = "project_partner", _("is a project partner of")
    SPIN_OFF_OF = "spin_off_of", _("is a spin-off of")
    COLLABORATES_WITH = "collaborates_with", _("works with")
    RUN_BY = "run_by", _("is run by")
    COORDINATED_BY = "coordinated_by", _("is coordinated by")
    MEETING_OUTCOME = "meeting_outcome", _("met at a brokerage event")


class ProgrammeKind(models.TextChoices):
    REGIONAL_CALL = "regional_call", _("Regional call")
    EU_CALL = "eu_call", _("EU call")
    PROGRAMME = "programme", _("Programme")
    EVENT = "event", _("Event")


class PartnerRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner")


class FigureUnit(models.TextChoices):
    """How a key figure's number is shown; the words come from the translation catalogue."""

    COUNT = "count", _("number")
    EUR_MILLION = "eur_million", _("EUR million")
    PERCENT = "percent", _("per cent")
    CHANGE_PERCENT = "change_percent", _("change on the previous period, per cent")


class FigureQualifier(models.TextChoices):
    EXACT = "", _("as stated")
    ABOUT = "about", _("about")
    OVER = "over", _("over")
