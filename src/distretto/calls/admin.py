"""Funding calls in the back office: facilitators enter calls and their rules.

The rules are a JSON document (``docs/call-rules-format.md``); the form refuses
one that does not parse or contradicts itself, naming every problem and where,
so a call is never saved with rules the eligibility check cannot read.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from distretto.accounts.admin import FacilitatorOnly
from distretto.calls import services
from distretto.calls.models import Call, ConsortiumDraft, ConsortiumPartner


class CallAdminForm(forms.ModelForm):
    link = forms.URLField(label=_("link"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Call
        fields = [*services.CALL_FIELDS, "codes"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "rules" in cleaned and not self.has_error("rules"):
            try:
                services.parse_call_rules(cleaned["rules"])
            except ValidationError as error:
                for message in error.message_dict["rules"]:
                    self.add_error("rules", message)
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", services.check_call_dates_message())
        return cleaned


@admin.register(Call)
class CallAdmin(FacilitatorOnly, admin.ModelAdmin):
    form = CallAdminForm
    list_display = ["title", "programme", "closes_on", "status"]
    list_filter = ["status", "programme"]
    search_fields = ["title", "programme", "identifier"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["codes"]


class PartnerInline(FacilitatorOnly, admin.TabularInline):
    model = ConsortiumPartner
    extra = 0
    fields = ["organisation", "role", "status", "budget"]
    readonly_fields = ["organisation", "role", "status", "budget"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(ConsortiumDraft)
class ConsortiumDraftAdmin(FacilitatorOnly, admin.ModelAdmin):
    """Facilitators see every draft; the lead changes it on its own pages."""

    list_display = ["title", "call", "lead", "status", "updated_at"]
    list_filter = ["status", "call"]
    search_fields = ["title", "lead__name"]
    inlines = [PartnerInline]
    readonly_fields = ["call", "lead", "title", "idea", "needs", "status", "created_by"]
    exclude = ["result"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False
