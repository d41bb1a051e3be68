"""Back office for accounts: users, memberships of organisations, API tokens, consents.

The back office is the facilitators' tool. ``FacilitatorOnly`` makes every model
admin of Distretto follow ``roles.is_facilitator`` instead of Django's per-model
permissions, so a staff account that is not a facilitator sees and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, QuerySet
from django.forms import IntegerField, ModelChoiceField, ModelForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from distretto.accounts import privacy, services
from distretto.accounts.models import ApiToken, Consent, Membership, User
from distretto.accounts.roles import is_facilitator


class FacilitatorOnly:
    """Admin permissions for Distretto's models: facilitators may do everything, others nothing."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_facilitator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_facilitator(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_facilitator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_facilitator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_facilitator(request.user)


class FacilitatorReadOnly(FacilitatorOnly):
    """Records facilitators read in the back office and nobody adds, changes or deletes there."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- privacy requests: the same actions on users and on contact people ----------------


def _subject(obj: Any) -> dict[str, Any]:
    return {"user": obj} if isinstance(obj, User) else {"person": obj}


@admin.action(description=gettext_lazy("Export personal data (JSON)"))
def export_personal_data(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse:
    """Download everything held about the selected people, as ``privacy`` exports it."""
    objects = list(queryset)
    exports = [privacy.export_personal_data(request.user, **_subject(obj)) for obj in objects]
    if len(exports) == 1:
        data: dict[str, Any] = exports[0]
        filename = privacy.export_filename(**_subject(objects[0]))
    else:
        data = {"format": privacy.EXPORT_FORMAT, "exports": exports}
        filename = "personal-data.json"
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.action(description=gettext_lazy("Erase personal data"))
def erase_personal_data(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    """Erase the selected people's data, after a confirmation page (``privacy``)."""
    objects = list(queryset)
    if request.POST.get("confirm") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "objects": objects,
            "opts": modeladmin.model._meta,
            "action": "erase_personal_data",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/erase_personal_data.html", context)
    erased = 0
    for obj in objects:
        label = str(obj)
        try:
            privacy.erase_personal_data(request.user, **_subject(obj))
        except PermissionDenied as error:
            modeladmin.message_user(
                request,
                _("%(name)s: %(problem)s") % {"name": label, "problem": error},
                messages.ERROR,
            )
        else:
            erased += 1
    if erased:
        modeladmin.message_user(
            request,
            ngettext(
                "The personal data of %(count)d person were erased.",
                "The personal data of %(count)d people were erased.",
                erased,
            )
            % {"count": erased},
            messages.SUCCESS,
        )
    return None


PRIVACY_ACTIONS = [export_personal_data, erase_personal_data]


class MembershipInline(FacilitatorOnly, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(FacilitatorOnly, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (gettext_lazy("Distretto"), {"fields": ("is_facilitator", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (gettext_lazy("Distretto"), {"fields": ("email", "is_facilitator", "language")}),
    )
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "is_facilitator",
        "is_staff",
        "is_active",
    ]
    list_filter = ["is_facilitator", "is_staff", "is_active", "language"]
    inlines = [MembershipInline]
    actions = PRIVACY_ACTIONS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Only a superuser hands out superuser rights or Django's raw permissions;
        # otherwise a facilitator could raise themself above facilitator.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly


@admin.register(Membership)
class MembershipAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Consent)
class ConsentAdmin(FacilitatorReadOnly, admin.ModelAdmin):
    """The history of consents, for reading: records are added only by ``privacy.record_consent``
    (the person's own page, the organisation editor, the back office's forms)."""

    list_display = ["recorded_at", "person", "user", "purpose", "granted", "text_version"]
    list_filter = ["purpose", "granted", "text_version"]
    list_select_related = ["person", "user"]
    search_fields = ["person__full_name", "user__username"]
    date_hierarchy = "recorded_at"
    readonly_fields = [
        "person",
        "user",
        "purpose",
        "granted",
        "text_version",
        "recorded_at",
        "recorded_by",
    ]


class ApiTokenAddForm(ModelForm):
    days = IntegerField(
        label=gettext_lazy("Days until it expires"),
        min_value=0,
        max_value=services.MAX_TOKEN_DAYS,
        initial=settings.API_TOKEN_DAYS,
        help_text=gettext_lazy("0: the token never expires."),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope"]


@admin.register(ApiToken)
class ApiTokenAdmin(FacilitatorOnly, admin.ModelAdmin):
    """Tokens are issued here (add) or with ``distretto createapitoken``; the raw key is
    shown once, in a message right after adding. Only its hash is kept, and never shown.
    A token is revoked (never deleted, so its history stays) with the list's action.
    """

    list_display = [
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["scope"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    fields = [*readonly_fields[:2], "name", *readonly_fields[2:]]
    add_form = ApiTokenAddForm
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user", "name", "scope", "days"] if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # The form offers active users only and requires a name, so the service's own
        # checks fail here only in a race; the model fields are copied for the log entry.
        token, raw_key = services.issue_api_token(
            request.user,
            obj.user.username,
            obj.name,
            scope=obj.scope,
            days=form.cleaned_data["days"],
        )
        obj.pk = token.pk
        obj.key_hash = token.key_hash
        obj.prefix = token.prefix
        obj.created_at = token.created_at
        obj.expires_at = token.expires_at
        messages.warning(
            request,
            _("The key of the token “%(name)s”, shown only this once; copy it now: %(key)s")
            % {"name": token.name, "key": raw_key},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the token's record stays

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(services.revoke_api_token(request.user, token) for token in queryset)
        messages.success(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked},
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return super().get_queryset(request).defer("key_hash")
