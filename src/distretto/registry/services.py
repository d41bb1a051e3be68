"""Registry actions. One function per user action; each takes the acting user explicitly,
checks permission (``rules.py``), and runs in one transaction. Web views, the API and
the CLI call these; reading is in ``queries.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from distretto.accounts import privacy
from distretto.concurrency import claim_version
from distretto.registry.domain import validation
from distretto.registry.enums import Status
from distretto.registry.models import Organisation, Person
from distretto.registry.queries import get_organisation
from distretto.registry.rules import can_create_organisation, can_edit_organisation, can_set_status
from distretto.taxonomy.models import Code

# Fields a user may set through create_organisation / update_organisation.
EDITABLE_FIELDS = (
    "name",
    "legal_name",
    "kind",
    "summary_it",
    "summary_en",
    "description_it",
    "description_en",
    "website",
    "founded",
    "staff_band",
    "staff_year",
    "turnover_band",
    "turnover_year",
    "vat_number",
    "source",
)


# --- changing ---------------------------------------------------------------------


def unique_slug(name: str, exclude_pk: int | None = None) -> str:
    """A URL name for ``name`` that no other organisation uses."""
    base = slugify(name)[:200] or "organisation"
    slug, n = base, 2
    others = Organisation.objects.exclude(pk=exclude_pk) if exclude_pk else Organisation.objects
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def find_duplicate(
    name: str, vat_number: str, municipality_codes: Iterable[str], exclude_pk: int | None = None
) -> tuple[str, Organisation] | None:
    """An existing organisation with the same VAT number, or the same name in the same municipality.

    Returns ``(field, organisation)`` naming the field that collides.
    """
    others = Organisation.objects.exclude(pk=exclude_pk) if exclude_pk else Organisation.objects
    vat = validation.canonical_vat(vat_number) if vat_number else ""
    if vat:
        match = others.filter(vat_number=vat).first()
        if match:
            return "vat_number", match
    folded = validation.duplicate_key(name, "")[0]
    codes = [c for c in municipality_codes if c]
    if codes:
        # Stored names have their spaces collapsed (see _apply_fields), so the database
        # narrows the candidates by name; the folded comparison then settles case
        # beyond ASCII, which SQLite's iexact does not fold.
        candidates = others.filter(
            sites__municipality__istat_code__in=codes, name__iexact=" ".join(name.split())
        ).distinct()
        for candidate in candidates.only("pk", "name"):
            if validation.duplicate_key(candidate.name, "")[0] == folded:
                return "name", candidate
    return None


def _apply_fields(organisation: Organisation, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    for name, value in data.items():
        if name == "vat_number" and value:
            value = validation.canonical_vat(value)
        if name == "name" and isinstance(value, str):
            value = " ".join(value.split())
        setattr(organisation, name, value)


def duplicate_error(field_name: str, other: Organisation) -> ValidationError:
    """The error naming the field on which a new or changed record collides with ``other``."""
    if field_name == "vat_number":
        message = _("An organisation with this VAT number already exists: %(name)s.")
    else:
        message = _("An organisation with this name already exists in this municipality: %(name)s.")
    return ValidationError({field_name: message % {"name": other.name}})


def _check_duplicate(organisation: Organisation, municipality_codes: Iterable[str] = ()) -> None:
    municipalities = list(municipality_codes)
    if organisation.pk:
        municipalities += list(
            organisation.sites.values_list("municipality__istat_code", flat=True)
        )
    duplicate = find_duplicate(
        organisation.name, organisation.vat_number, municipalities, exclude_pk=organisation.pk
    )
    if duplicate:
        raise duplicate_error(*duplicate)


@transaction.atomic
def create_organisation(
    user: Any,
    data: Mapping[str, Any],
    codes: Iterable[Code] = (),
    municipality_code: str = "",
) -> Organisation:
    """Create an organisation (draft unless a facilitator says otherwise). Facilitators only."""
    if not can_create_organisation(user):
        raise PermissionDenied(_("Only facilitators may add organisations."))
    organisation = Organisation(status=Status.DRAFT)
    _apply_fields(organisation, data)
    organisation.slug = unique_slug(organisation.name)
    # Duplicates get their own message naming the field, so constraints are checked there.
    organisation.full_clean(validate_constraints=False)
    _check_duplicate(organisation, [municipality_code] if municipality_code else [])
    organisation.save()
    organisation.codes.set(list(codes))
    return organisation


@transaction.atomic
def update_organisation(
    user: Any,
    organisation: Organisation,
    data: Mapping[str, Any],
    codes: Iterable[Code] | None = None,
    *,
    only_taxonomies: Iterable[str] | None = None,
    version: int | None = None,
) -> Organisation:
    """Change an organisation's fields and, if ``codes`` is given, its codes.

    With ``only_taxonomies`` the given codes replace only the codes of those
    taxonomies (a form showing segments leaves the EMDN codes alone); without it
    they replace all codes.

    ``version`` is the version the editor read (default: the one ``organisation`` was
    read with): if someone else saved the organisation since, nothing is saved and
    ``EditConflict`` says so (no lost update).
    """
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    _apply_fields(organisation, data)
    organisation.full_clean(exclude=["slug"], validate_constraints=False)
    _check_duplicate(organisation)
    claim_version(organisation, version, conflict_message())
    # Only what an editor changes: a status moved meanwhile (publication) is left alone.
    organisation.save(update_fields=[*EDITABLE_FIELDS, "version", "updated_at"])
    if codes is not None:
        new_codes = list(codes)
        if only_taxonomies is not None:
            kept = organisation.codes.exclude(taxonomy__slug__in=list(only_taxonomies))
            new_codes += list(kept)
        organisation.codes.set(new_codes)
    return organisation


def conflict_message() -> str:
    return _(
        "Someone else saved this organisation after you opened it; your changes were not "
        "saved. Here is the current version: check it, then apply your changes again."
    )


def get_organisation_for_edit(user: Any, slug: str) -> Organisation:
    """The organisation ``user`` is about to edit: 404 if hidden from them, 403 if read-only."""
    organisation = get_organisation(user, slug)
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    return organisation


def get_person_for_edit(user: Any, organisation: Organisation, person_id: int) -> Person:
    """One contact person of an organisation ``user`` may edit; 404 for another organisation's."""
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    person = organisation.people.filter(pk=person_id).first()
    if person is None:
        raise Http404(_("No such person."))
    return person


@transaction.atomic
def set_status(user: Any, organisation: Organisation, status: str) -> Organisation:
    """Move an organisation through draft → under review → published → archived."""
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not can_set_status(user, organisation, status):
        raise PermissionDenied(_("You may not change the status of this organisation."))
    organisation.status = status
    organisation.save(update_fields=["status", "updated_at"])
    return organisation


# --- contact people -----------------------------------------------------------------

PERSON_FIELDS = (
    "full_name",
    "role",
    "email",
    "phone",
    "consent_members",
    "consent_public",
    "consent_contact",
)


def _apply_person_fields(person: Person, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    consent_before = (person.consent_members, person.consent_public, person.consent_contact)
    for name, value in data.items():
        setattr(person, name, value)
    consent_after = (person.consent_members, person.consent_public, person.consent_contact)
    if consent_after != consent_before or person.consent_recorded_at is None:
        # When consent was given or withdrawn is part of the record (GDPR art. 7(1)).
        person.consent_recorded_at = timezone.now()


@transaction.atomic
def add_person(user: Any, organisation: Organisation, data: Mapping[str, Any]) -> Person:
    """Add a contact person to ``organisation``; facilitators and its organisation admins."""
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    person = Person(organisation=organisation)
    before = privacy.person_consent_state(person)
    _apply_person_fields(person, data)
    person.full_clean()
    person.save()
    # Each consent given is recorded, with the version of its text (accounts.privacy).
    privacy.record_person_changes(user, person, before, at=person.consent_recorded_at)
    return person


@transaction.atomic
def update_person(user: Any, person: Person, data: Mapping[str, Any]) -> Person:
    """Change a contact person, including what they consented to."""
    if not can_edit_organisation(user, person.organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    before = privacy.person_consent_state(person)
    _apply_person_fields(person, data)
    person.full_clean()
    person.save()
    privacy.record_person_changes(user, person, before, at=person.consent_recorded_at)
    return person


@transaction.atomic
def remove_person(user: Any, person: Person) -> None:
    """Delete a contact person's record (their personal data goes with it)."""
    if not can_edit_organisation(user, person.organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    person.delete()
