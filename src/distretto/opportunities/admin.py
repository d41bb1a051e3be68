"""The facilitators' back office for offers and requests (Django admin).

Permissions follow ``roles.is_facilitator`` (``accounts.admin.FacilitatorOnly``).
The status is read-only in the form: it moves only through the list actions, which
call ``services.move_profile``, the same workflow the web and the API follow.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from distretto.accounts.admin import FacilitatorOnly
from distretto.opportunities import services
from distretto.opportunities.domain import validation
from distretto.opportunities.enums import ProfileStatus
from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest


class ProfileAdminForm(forms.ModelForm):
    """Checks the profile's own rules (call fields only for R&D requests) like the services."""

    call_link = forms.URLField(
        label=gettext_lazy("call link"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = CooperationProfile
        # The status is not here: it moves only by the list actions, through the services.
        fields = ["owner", *services.EDITABLE_FIELDS, "codes"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values = {name: cleaned.get(name) for name in validation.CALL_FIELDS}
        for problem in validation.check_call_fields(cleaned.get("profile_type", ""), values):
            if problem.field in self.fields:
                self.add_error(problem.field, _(problem.message))
        return cleaned


class InterestInline(FacilitatorOnly, admin.TabularInline):
    model = ExpressionOfInterest
    extra = 0
    fields = ["from_organisation", "status", "decline_reason", "created_at"]
    readonly_fields = ["from_organisation", "status", "decline_reason", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False


@admin.register(CooperationProfile)
class CooperationProfileAdmin(FacilitatorOnly, admin.ModelAdmin):
    form = ProfileAdminForm
    list_display = ["title", "profile_type", "owner", "status", "expires_on", "updated_at"]
    list_filter = ["status", "profile_type", "language"]
    search_fields = ["title", "summary", "owner__name"]
    autocomplete_fields = ["owner", "codes"]
    readonly_fields = ["status", "created_at", "updated_at"]
    list_select_related = ["owner"]
    inlines = [InterestInline]
    actions = ["publish", "put_on_hold", "archive"]

    def _move(
        self, request: HttpRequest, queryset: QuerySet[CooperationProfile], status: str
    ) -> int:
        moved = 0
        for profile in queryset:
            try:
                services.move_profile(request.user, profile, status)
            except (PermissionDenied, ValidationError) as exc:
                problem = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                messages.error(
                    request,
                    _("%(name)s: %(problem)s") % {"name": profile.title, "problem": problem},
                )
            else:
                moved += 1
        return moved

    @admin.action(description=gettext_lazy("Publish the selected profiles"))
    def publish(self, request: HttpRequest, queryset: QuerySet[CooperationProfile]) -> None:
        moved = self._move(request, queryset, ProfileStatus.PUBLISHED)
        if moved:
            self.message_user(
                request,
                ngettext("%(count)d profile published.", "%(count)d profiles published.", moved)
                % {"count": moved},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Put the selected profiles on hold"))
    def put_on_hold(self, request: HttpRequest, queryset: QuerySet[CooperationProfile]) -> None:
        moved = self._move(request, queryset, ProfileStatus.ON_HOLD)
        if moved:
            self.message_user(
                request,
                ngettext("%(count)d profile put on hold.", "%(count)d profiles put on hold.", moved)
                % {"count": moved},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Archive the selected profiles"))
    def archive(self, request: HttpRequest, queryset: QuerySet[CooperationProfile]) -> None:
        moved = self._move(request, queryset, ProfileStatus.ARCHIVED)
        if moved:
            self.message_user(
                request,
                ngettext("%(count)d profile archived.", "%(count)d profiles archived.", moved)
                % {"count": moved},
                messages.SUCCESS,
            )


@admin.register(ExpressionOfInterest)
class ExpressionOfInterestAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["profile", "from_organisation", "status", "decline_reason", "created_at"]
    list_filter = ["status", "decline_reason"]
    search_fields = ["profile__title", "from_organisation__name"]
    list_select_related = ["profile", "from_organisation"]
    readonly_fields = [
        "profile",
        "from_organisation",
        "from_user",
        "message",
        "status",
        "decline_reason",
        "decline_text",
        "created_at",
        "answered_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        # Interests are sent by members from the profile page, never made up here.
        return False
