"""Funding calls with their rules, and consortium drafts with their invited partners.

Slim tables: the rules format and the eligibility check live in ``domain/rules.py``,
the consortium builder in ``domain/builder.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from distretto.bilingual import BilingualMixin
from distretto.calls.enums import CallStatus, DraftStatus, InvitationStatus, PartnerRole
from distretto.registry.models import Organisation
from distretto.taxonomy.models import Code


class Call(BilingualMixin, models.Model):
    """A funding call: what it funds, when, where, and its eligibility rules."""

    programme = models.CharField(_("programme"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("address name"), max_length=120, unique=True)
    identifier = models.CharField(_("call identifier"), max_length=120, blank=True)
    link = models.URLField(_("link"), blank=True)
    budget = models.DecimalField(
        _("budget (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    opens_on = models.DateField(_("opens"), null=True, blank=True)
    closes_on = models.DateField(_("closes"), null=True, blank=True)
    topics_it = models.TextField(_("topics (Italian)"), blank=True)
    topics_en = models.TextField(_("topics (English)"), blank=True)
    codes = models.ManyToManyField(Code, blank=True, related_name="calls", verbose_name=_("codes"))
    eligible_regions = models.CharField(
        _("eligible regions (NUTS codes)"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. ITH5. Empty: any region."),
    )
    rules = models.JSONField(
        _("rules"),
        default=dict,
        blank=True,
        help_text=_("The eligibility rules, in the format of docs/call-rules-format.md."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CallStatus.choices, default=CallStatus.DRAFT
    )
    source = models.TextField(_("source"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last update"), auto_now=True)

    class Meta:
        ordering = ["closes_on", "title"]
        verbose_name = _("funding call")
        verbose_name_plural = _("funding calls")

    def __str__(self) -> str:
        return f"{self.programme}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", kwargs={"slug": self.slug})


class ConsortiumDraft(models.Model):
    """A lead organisation's consortium for a call: the idea, the needs, the partners."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="drafts")
    lead = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="led_drafts", verbose_name=_("lead")
    )
    title = models.CharField(_("project title"), max_length=200)
    idea = models.TextField(_("project idea"), max_length=4000)
    needs = models.JSONField(_("competences needed"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DraftStatus.choices, default=DraftStatus.DRAFT
    )
    result = models.JSONField(_("builder's proposal"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last update"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("consortium draft")
        verbose_name_plural = _("consortium drafts")

    def __str__(self) -> str:
        return f"{self.title} ({self.call})"

    def get_absolute_url(self) -> str:
        return reverse("calls:draft", kwargs={"pk": self.pk})


class ConsortiumPartner(models.Model):
    """An organisation in a draft, with its role, budget and answer to the invitation."""

    draft = models.ForeignKey(ConsortiumDraft, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="consortium_places",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.PARTNER
    )
    budget = models.DecimalField(
        _("budget (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("invitation"),
        max_length=20,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PROPOSED,
    )
    why = models.TextField(_("why it is in"), blank=True)
    answer_note = models.CharField(_("answer"), max_length=300, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["role", "organisation__name"]
        verbose_name = _("consortium partner")
        verbose_name_plural = _("consortium partners")
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "organisation"], name="consortium_partner_once"
            ),
            models.UniqueConstraint(
                fields=["draft"],
                condition=models.Q(role="coordinator"),
                name="consortium_one_coordinator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"
