"""The facilitators' back office for the registry (Django admin).

Permissions follow ``roles.is_facilitator`` (see ``accounts.admin.FacilitatorOnly``).
Status changes, from the list actions or from the form, go through
``services.set_status``; duplicates are refused with ``services.find_duplicate``,
the same rules the API, the web and the import use.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from distretto.accounts import privacy
from distretto.accounts.admin import PRIVACY_ACTIONS, FacilitatorOnly
from distretto.registry import services
from distretto.registry.domain import validation
from distretto.registry.enums import Status
from distretto.registry.models import (
    District,
    DistrictFact,
    DistrictFigure,
    Organisation,
    OrganisationFact,
    Person,
    Programme,
    ProgrammeParticipant,
    Project,
    ProjectPartner,
    Site,
    Tie,
)
from distretto.taxonomy.models import Code

# Links typed without a scheme are taken as https (Django 6's default, chosen now).
HTTPS_URLS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}
COMPACT_TEXT: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    **HTTPS_URLS,
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
}


def https_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


# --- filters ----------------------------------------------------------------------


class CodeFilter(admin.SimpleListFilter):
    """Organisations carrying one code of a taxonomy; subclasses name the taxonomy."""

    taxonomy_slug = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = Code.objects.filter(taxonomy__slug=self.taxonomy_slug).order_by(
            "sort_order", "code"
        )
        return [(code.code, code.label) for code in codes]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Organisation]
    ) -> QuerySet[Organisation]:
        if not self.value():
            return queryset
        # A subquery, not a join, so an organisation never appears twice in the list.
        carriers = Organisation.codes.through.objects.filter(
            code__taxonomy__slug=self.taxonomy_slug, code__code=self.value()
        ).values("organisation_id")
        return queryset.filter(pk__in=carriers)


class SegmentFilter(CodeFilter):
    title = gettext_lazy("market segment")
    parameter_name = "segment"
    taxonomy_slug = "segment"


class ProcessStepFilter(CodeFilter):
    title = gettext_lazy("process step")
    parameter_name = "process_step"
    taxonomy_slug = "process_step"


class CertificationFilter(CodeFilter):
    title = gettext_lazy("certification")
    parameter_name = "certification"
    taxonomy_slug = "certification"


# --- organisation form and inlines -------------------------------------------------


class OrganisationForm(forms.ModelForm):
    """The model's own validation (VAT number, founding year) plus the duplicate check.

    It also carries the version of the record the facilitator opened: saving over a
    version someone else saved meanwhile (on the web, through the API or here) is
    refused, as the web form and the API refuse it (``distretto.concurrency``).
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Organisation
        formfield_callback = https_formfield
        # The back office edits the whole record; ModelAdmin.fieldsets lays the fields out.
        fields = [
            "name",
            "slug",
            "legal_name",
            "kind",
            "status",
            "parent",
            "summary_it",
            "summary_en",
            "description_it",
            "description_en",
            "website",
            "vat_number",
            "founded",
            "staff_band",
            "staff_year",
            "turnover_band",
            "turnover_year",
            "codes",
            "source",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locked_version: int | None = None
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean_seen_version(self) -> int | None:
        """Refuse the save if the record moved on since it was opened.

        The row stays locked until the save's transaction ends (the back office saves
        in one), so nobody can slip a save in between this check and this save.
        """
        seen = self.cleaned_data.get("seen_version")
        if not self.instance.pk:
            return seen
        current = (
            Organisation.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        self.locked_version = current
        if seen is not None and current is not None and seen != current:
            # Shown again with the stored version: saving once more overwrites on purpose.
            data = QueryDict(mutable=True)
            data.update(self.data)
            data[self.add_prefix("seen_version")] = str(current)
            self.data = data
            raise ValidationError(
                _(
                    "Someone else saved this organisation after you opened it; nothing was "
                    "saved. Open it again to see their changes, or save once more to "
                    "overwrite them with what is in this form."
                )
            )
        return seen

    def clean_vat_number(self) -> str:
        vat: str = self.cleaned_data.get("vat_number") or ""
        # Stored the way the API and the import store it, so duplicates are found.
        return validation.canonical_vat(vat) if vat else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        name = data.get("name")
        if not name:
            return data
        # Sites added in this same form are checked by SiteFormSet; here the saved ones.
        municipalities = (
            list(self.instance.sites.values_list("municipality__istat_code", flat=True))
            if self.instance.pk
            else []
        )
        duplicate = services.find_duplicate(
            name, data.get("vat_number") or "", municipalities, exclude_pk=self.instance.pk
        )
        if duplicate is not None:
            field_name, other = duplicate
            self.add_error(field_name, services.duplicate_error(field_name, other).messages)
        return data


class SiteFormSet(BaseInlineFormSet):
    """Refuses a site that would make the organisation a duplicate by name and municipality."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        codes = [
            form.cleaned_data["municipality"].istat_code
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("municipality")
        ]
        name = self.instance.name
        if not name or not codes:
            return
        duplicate = services.find_duplicate(name, "", codes, exclude_pk=self.instance.pk)
        if duplicate is not None:
            raise ValidationError(services.duplicate_error(*duplicate).messages)


class SiteInline(FacilitatorOnly, admin.StackedInline):
    model = Site
    formset = SiteFormSet
    extra = 0
    autocomplete_fields = ["municipality"]
    formfield_overrides = COMPACT_TEXT
    fields = [
        ("name", "is_headquarters"),
        ("address", "municipality"),
        ("latitude", "longitude"),
        ("activities_it", "activities_en"),
        "source",
    ]


class PersonInline(FacilitatorOnly, admin.TabularInline):
    model = Person
    extra = 0
    autocomplete_fields = ["user"]
    fields = [*services.PERSON_FIELDS, "consent_recorded_at", "user"]
    readonly_fields = ["consent_recorded_at"]


class FactInline(FacilitatorOnly, admin.TabularInline):
    model = OrganisationFact
    extra = 0
    formfield_overrides = COMPACT_TEXT
    fields = ["text_it", "text_en", "period", "source", "sort_order"]


class TieInline(FacilitatorOnly, admin.TabularInline):
    model = Tie
    fk_name = "from_organisation"
    extra = 0
    autocomplete_fields = ["to_organisation", "process_step"]
    formfield_overrides = COMPACT_TEXT
    fields = [
        "kind",
        "to_organisation",
        "process_step",
        "year_from",
        "year_to",
        "note_it",
        "note_en",
        "source",
    ]
    verbose_name = gettext_lazy("tie to another organisation")
    verbose_name_plural = gettext_lazy("ties to other organisations")


CONSENT_FIELDS = ("consent_members", "consent_public", "consent_contact")


# --- organisations ----------------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(FacilitatorOnly, admin.ModelAdmin):
    form = OrganisationForm
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "kind", "status", "main_municipality", "updated_at"]
    list_filter = [
        "status",
        "kind",
        SegmentFilter,
        ProcessStepFilter,
        CertificationFilter,
        ("sites__municipality", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "legal_name", "vat_number", "summary_it", "summary_en"]
    autocomplete_fields = ["parent", "codes"]
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SiteInline, PersonInline, FactInline, TieInline]
    actions = ["publish", "submit_for_review", "archive"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "legal_name", "kind", "status", "parent", "seen_version"]},
        ),
        (
            gettext_lazy("Descriptions"),
            {"fields": ["summary_it", "summary_en", "description_it", "description_en"]},
        ),
        (
            gettext_lazy("Company facts"),
            {
                "fields": [
                    "website",
                    "vat_number",
                    "founded",
                    ("staff_band", "staff_year"),
                    ("turnover_band", "turnover_year"),
                ]
            },
        ),
        (gettext_lazy("Codes"), {"fields": ["codes"]}),
        (gettext_lazy("Sources"), {"fields": ["source", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                models.Prefetch("sites", queryset=Site.objects.select_related("municipality"))
            )
        )

    @admin.display(description=gettext_lazy("main municipality"))
    def main_municipality(self, organisation: Organisation) -> str:
        # Sites are ordered headquarters first, so the first is the main one.
        sites = list(organisation.sites.all())
        return sites[0].municipality.name if sites else "–"

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # A status chosen in the form moves like the list actions, through set_status.
        wanted = obj.status
        if "status" in form.changed_data:
            obj.status = form.initial.get("status", Status.DRAFT) if change else Status.DRAFT
        if change and form.locked_version is not None:
            obj.version = form.locked_version + 1
        super().save_model(request, obj, form, change)
        if wanted != obj.status:
            services.set_status(request.user, obj, wanted)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Person:
            super().save_formset(request, form, formset, change)
            return
        # When consent was given or withdrawn is part of the record (GDPR art. 7(1)).
        changed_consents = []
        for person_form in formset.forms:
            person = person_form.instance
            changed = set(person_form.changed_data) & set(CONSENT_FIELDS)
            if changed or (person.pk is None and person_form.has_changed()):
                person.consent_recorded_at = timezone.now()
            if changed:
                before = {
                    name: bool(person_form.initial.get(name, False)) for name in CONSENT_FIELDS
                }
                changed_consents.append((person, before))
        super().save_formset(request, form, formset, change)
        # Each change of consent is recorded with the version of its text (accounts.privacy).
        for person, before in changed_consents:
            if person.pk is not None and Person.objects.filter(pk=person.pk).exists():
                privacy.record_person_changes(
                    request.user, person, before, at=person.consent_recorded_at
                )

    def _move(self, request: HttpRequest, queryset: QuerySet[Organisation], status: str) -> int:
        moved = 0
        for organisation in queryset:
            try:
                services.set_status(request.user, organisation, status)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(
                    request,
                    _("%(name)s: %(problem)s")
                    % {"name": organisation.name, "problem": " ".join(_messages(exc))},
                )
            else:
                moved += 1
        return moved

    @admin.action(description=gettext_lazy("Publish the selected organisations"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        moved = self._move(request, queryset, Status.PUBLISHED)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d organisation published.",
                    "%(count)d organisations published.",
                    moved,
                )
                % {"count": moved},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Submit the selected organisations for review"))
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        moved = self._move(request, queryset, Status.REVIEW)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d organisation submitted for review.",
                    "%(count)d organisations submitted for review.",
                    moved,
                )
                % {"count": moved},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Archive the selected organisations"))
    def archive(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        moved = self._move(request, queryset, Status.ARCHIVED)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d organisation archived.",
                    "%(count)d organisations archived.",
                    moved,
                )
                % {"count": moved},
                messages.SUCCESS,
            )


def _messages(exc: Exception) -> list[str]:
    return list(getattr(exc, "messages", None) or [str(exc)])


# --- the other registry records ---------------------------------------------------


@admin.register(Person)
class PersonAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["full_name", "organisation", "role", *CONSENT_FIELDS]
    list_filter = list(CONSENT_FIELDS)
    list_select_related = ["organisation"]
    search_fields = ["full_name", "email", "role", "organisation__name"]
    autocomplete_fields = ["organisation", "user"]
    readonly_fields = ["consent_recorded_at"]
    # A person's data exported or erased on request (accounts.privacy).
    actions = PRIVACY_ACTIONS

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        before = {name: bool(form.initial.get(name, False)) for name in CONSENT_FIELDS}
        if set(form.changed_data) & set(CONSENT_FIELDS) or not change:
            obj.consent_recorded_at = timezone.now()
        super().save_model(request, obj, form, change)
        # Each change of consent is recorded with the version of its text.
        privacy.record_person_changes(request.user, obj, before, at=obj.consent_recorded_at)


@admin.register(Tie)
class TieAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["from_organisation", "kind", "to_organisation", "process_step", "year_from"]
    list_filter = ["kind"]
    list_select_related = ["from_organisation", "to_organisation", "process_step"]
    search_fields = ["from_organisation__name", "to_organisation__name", "note_it", "note_en"]
    autocomplete_fields = ["from_organisation", "to_organisation", "process_step"]
    formfield_overrides = COMPACT_TEXT


class ProgrammeParticipantInline(FacilitatorOnly, admin.TabularInline):
    model = ProgrammeParticipant
    extra = 0
    autocomplete_fields = ["organisation"]
    formfield_overrides = COMPACT_TEXT


@admin.register(Programme)
class ProgrammeAdmin(FacilitatorOnly, admin.ModelAdmin):
    formfield_overrides = COMPACT_TEXT
    list_display = ["name", "kind", "edition", "year", "organiser"]
    list_filter = ["kind", "year"]
    list_select_related = ["organiser"]
    search_fields = ["name", "slug", "edition"]
    autocomplete_fields = ["organiser"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ProgrammeParticipantInline]


class ProjectPartnerInline(FacilitatorOnly, admin.TabularInline):
    model = ProjectPartner
    extra = 0
    autocomplete_fields = ["organisation"]
    formfield_overrides = COMPACT_TEXT


@admin.register(Project)
class ProjectAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["acronym", "name", "programme", "year_start", "year_end"]
    list_filter = ["year_start"]
    list_select_related = ["programme"]
    search_fields = ["acronym", "name", "slug"]
    autocomplete_fields = ["programme"]
    prepopulated_fields = {"slug": ("acronym",)}
    inlines = [ProjectPartnerInline]


class DistrictFigureInline(FacilitatorOnly, admin.TabularInline):
    model = DistrictFigure
    extra = 0
    formfield_overrides = COMPACT_TEXT


class DistrictFactInline(FacilitatorOnly, admin.TabularInline):
    model = DistrictFact
    extra = 0
    formfield_overrides = COMPACT_TEXT


@admin.register(District)
class DistrictAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["slug", "name_it", "name_en"]
    search_fields = ["slug", "name_it", "name_en"]
    autocomplete_fields = ["nuts_codes", "municipalities", "centre"]
    inlines = [DistrictFigureInline, DistrictFactInline]
