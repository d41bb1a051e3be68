"""Choice lists of brokerage events; their values are the codes used by the API and files."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class ParticipantKind(models.TextChoices):
    COMPANY = "company", _("Company")
    RESEARCH = "research", _("Research")
    INVESTOR = "investor", _("Investor")
    STARTUP = "startup", _("Start-up")
    AUTHORITY = "authority", _("Public authority")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Other")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.IntegerChoices):
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    VERY_HIGH = 3, _("Very high")


class Outcome(models.TextChoices):
    NO_FOLLOW_UP = "no_follow_up", _("No follow-up")
    FURTHER_CONTACT = "further_contact", _("Further contact")
    NEGOTIATION = "negotiation", _("Agreement under negotiation")
    SIGNED = "signed", _("Agreement signed")


class AgreementType(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial")
    TECHNICAL = "technical", _("Technical cooperation")
    RESEARCH = "research", _("Research cooperation")
    LICENCE = "licence", _("Licence")
    JOINT_VENTURE = "joint_venture", _("Joint venture")
    INVESTMENT = "investment", _("Investment")
    SUPPLIER = "supplier", _("Supplier")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
