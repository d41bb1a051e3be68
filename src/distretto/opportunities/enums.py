"""Choice lists of cooperation profiles; their values are the codes used by the API.

The types, stages, IPR statuses and partnership types follow the Enterprise Europe
Network partnering model, plus the district's incubation types.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProfileType(models.TextChoices):
    BUSINESS_OFFER = "business_offer", _("Business offer")
    BUSINESS_REQUEST = "business_request", _("Business request")
    TECHNOLOGY_OFFER = "technology_offer", _("Technology offer")
    TECHNOLOGY_REQUEST = "technology_request", _("Technology request")
    RD_PARTNER_REQUEST = "rd_partner_request", _("R&D partner request")
    MENTORING_OFFER = "mentoring_offer", _("Mentoring offer")
    STARTUP_SUPPORT_REQUEST = "startup_support_request", _("Start-up support request")


class DevelopmentStage(models.TextChoices):
    CONCEPT = "concept", _("Concept")
    UNDER_DEVELOPMENT = "under_development", _("Under development")
    LAB_TESTED = "lab_tested", _("Lab tested")
    DEMONSTRATION = "demonstration", _("Available for demonstration")
    ON_THE_MARKET = "on_the_market", _("On the market")


class IprStatus(models.TextChoices):
    NONE = "none", _("No IPR")
    SECRET_KNOW_HOW = "secret_know_how", _("Secret know-how")
    APPLIED = "applied", _("Patent applied for")
    GRANTED = "granted", _("Patent granted")


class PartnershipType(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial agreement")
    SUPPLIER = "supplier", _("Supplier agreement")
    OUTSOURCING = "outsourcing", _("Outsourcing agreement")
    LICENCE = "licence", _("Licence agreement")
    INVESTMENT = "investment", _("Investment")
    COMMERCIAL_TECHNICAL = "commercial_technical", _("Commercial with technical assistance")
    RESEARCH = "research", _("Research cooperation")
    JOINT_VENTURE = "joint_venture", _("Joint venture")


class ProfileStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Under review")
    PUBLISHED = "published", _("Published")
    ON_HOLD = "on_hold", _("On hold")
    EXPIRED = "expired", _("Expired")
    ARCHIVED = "archived", _("Archived")


class ProfileLanguage(models.TextChoices):
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")


class InterestStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class DeclineReason(models.TextChoices):
    TOO_EARLY = "too_early", _("Too early a stage")
    BENEFIT_UNCLEAR = "benefit_unclear", _("Benefit unclear")
    DESCRIPTION_UNCLEAR = "description_unclear", _("Description unclear")
    NOT_OUR_FIELD = "not_our_field", _("Not our field")
    OTHER = "other", _("Other")
