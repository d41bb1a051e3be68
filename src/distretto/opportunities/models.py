"""Cooperation profiles (offers and requests) and expressions of interest. Slim tables.

The multi-valued choice fields (types of partnership, kinds and sizes of partner
sought) are JSON lists checked against their choices rather than tables: each is a
short, fixed list of codes that is read with the profile and never joined on its
own, and a JSON list stays the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from distretto.opportunities.domain import validation
from distretto.opportunities.enums import (
    DeclineReason,
    DevelopmentStage,
    InterestStatus,
    IprStatus,
    PartnershipType,
    ProfileLanguage,
    ProfileStatus,
    ProfileType,
)
from distretto.opportunities.validators import ChoiceList
from distretto.registry.enums import OrganisationKind, StaffBand
from distretto.registry.models import Organisation, Person
from distretto.taxonomy.models import Code


def _text(label: StrOrPromise, max_length: int = validation.TEXT_MAX) -> models.TextField:
    return models.TextField(label, blank=True, validators=[MaxLengthValidator(max_length)])


class CooperationProfile(models.Model):
    """An offer or request of a member, following the EEN partnering profile."""

    profile_type = models.CharField(_("type"), max_length=30, choices=ProfileType.choices)
    title = models.CharField(_("title"), max_length=validation.TITLE_MAX)
    summary = models.TextField(
        _("summary"), validators=[MaxLengthValidator(validation.SUMMARY_MAX)]
    )
    description = models.TextField(
        _("description"), validators=[MaxLengthValidator(validation.DESCRIPTION_MAX)]
    )
    advantages = _text(_("advantages and innovation"))
    stage = models.CharField(
        _("stage of development"), max_length=20, choices=DevelopmentStage.choices, blank=True
    )
    ipr_status = models.CharField(
        _("IPR status"), max_length=20, choices=IprStatus.choices, blank=True
    )
    partner_role = _text(_("expected role of the partner"))
    partnership_types = models.JSONField(
        _("types of partnership sought"),
        default=list,
        blank=True,
        validators=[ChoiceList(list(PartnershipType.values))],
    )
    partner_kinds = models.JSONField(
        _("kinds of partner sought"),
        default=list,
        blank=True,
        validators=[ChoiceList(list(OrganisationKind.values))],
    )
    partner_sizes = models.JSONField(
        _("sizes of partner sought"),
        default=list,
        blank=True,
        validators=[ChoiceList(list(StaffBand.values))],
    )
    codes = models.ManyToManyField(
        Code, blank=True, related_name="cooperation_profiles", verbose_name=_("codes")
    )
    target_countries = models.CharField(
        _("target countries"),
        max_length=300,
        blank=True,
        help_text=_("Country codes separated by commas, e.g. IT, DE, FR."),
    )
    target_regions = models.CharField(
        _("target regions"),
        max_length=300,
        blank=True,
        help_text=_("NUTS codes separated by commas, e.g. ITH5."),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=ProfileLanguage.choices,
        default=ProfileLanguage.ITALIAN,
    )
    expires_on = models.DateField(_("expiry date"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProfileStatus.choices,
        default=ProfileStatus.DRAFT,
        db_index=True,
    )
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="cooperation_profiles",
        verbose_name=_("owner organisation"),
    )
    contact = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cooperation_profiles",
        verbose_name=_("contact person"),
    )
    # The call of an R&D partner request; empty for the other types (domain.validation).
    call_programme = models.CharField(_("programme"), max_length=200, blank=True)
    call_identifier = models.CharField(_("call identifier"), max_length=100, blank=True)
    call_link = models.URLField(_("call link"), blank=True)
    call_interest_deadline = models.DateField(
        _("deadline for expressions of interest"), null=True, blank=True
    )
    call_deadline = models.DateField(_("call deadline"), null=True, blank=True)
    call_coordinator_required = models.BooleanField(_("coordinator required"), default=False)
    call_budget = models.DecimalField(
        _("budget (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    call_duration_months = models.PositiveSmallIntegerField(
        _("duration in months"), null=True, blank=True
    )
    call_acronym = models.CharField(_("project acronym"), max_length=40, blank=True)
    reminded_on = models.DateField(_("expiry reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last update"), auto_now=True)
    # Bumped by every edit: an editor saves only over the version it read (optimistic
    # concurrency, ``distretto.concurrency``).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("cooperation profile")
        verbose_name_plural = _("cooperation profiles")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("opportunities:profile", kwargs={"pk": self.pk})


class ExpressionOfInterest(models.Model):
    """A member organisation's interest in a published profile, and the owner's answer."""

    profile = models.ForeignKey(
        CooperationProfile,
        on_delete=models.CASCADE,
        related_name="interests",
        verbose_name=_("profile"),
    )
    from_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="sent_interests",
        verbose_name=_("from organisation"),
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_interests",
        verbose_name=_("sent by"),
    )
    message = models.TextField(
        _("message"), validators=[MaxLengthValidator(validation.MESSAGE_MAX)]
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InterestStatus.choices,
        default=InterestStatus.SENT,
        db_index=True,
    )
    decline_reason = models.CharField(
        _("reason for declining"), max_length=30, choices=DeclineReason.choices, blank=True
    )
    decline_text = models.TextField(
        _("explanation"), blank=True, validators=[MaxLengthValidator(validation.MESSAGE_MAX)]
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last update"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open expression of interest per organisation and profile.
            models.UniqueConstraint(
                fields=["profile", "from_organisation"],
                condition=models.Q(status="sent"),
                name="interest_one_open_per_organisation",
            )
        ]
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")

    def __str__(self) -> str:
        return f"{self.from_organisation} → {self.profile}"
