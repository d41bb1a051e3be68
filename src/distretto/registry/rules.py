"""Who may see and change what in the registry: the permission rules every service asks.

Pure questions (no writes); the services raise PermissionDenied or Http404 on a "no".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from distretto.accounts.roles import (
    administered_organisation_ids,
    is_facilitator,
    is_member,
    member_organisation_ids,
)
from distretto.registry.enums import Status
from distretto.registry.models import Organisation, Person


def can_view_organisation(user: Any, organisation: Organisation) -> bool:
    """Published records are public; others only for facilitators and the organisation's members."""
    if organisation.status == Status.PUBLISHED:
        return True
    return is_facilitator(user) or organisation.pk in member_organisation_ids(user)


def can_edit_organisation(user: Any, organisation: Organisation) -> bool:
    """Facilitators edit everything; an organisation admin edits its own organisation."""
    return is_facilitator(user) or organisation.pk in administered_organisation_ids(user)


def can_create_organisation(user: Any) -> bool:
    return is_facilitator(user)


def can_set_status(user: Any, organisation: Organisation, status: str) -> bool:
    """Facilitators move records anywhere; an organisation admin may only submit for review."""
    if is_facilitator(user):
        return True
    return (
        status == Status.REVIEW
        and organisation.status == Status.DRAFT
        and organisation.pk in administered_organisation_ids(user)
    )


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations ``user`` may see: published ones, plus own or all for facilitators."""
    qs = Organisation.objects.all()
    if is_facilitator(user):
        return qs
    own = member_organisation_ids(user)
    return qs.filter(Q(status=Status.PUBLISHED) | Q(pk__in=own))


def visible_people(user: Any, organisation: Organisation) -> list[Person]:
    """Contact persons of ``organisation`` that ``user`` may see, by each person's consent."""
    people = list(organisation.people.all())
    if can_edit_organisation(user, organisation):
        return people
    if is_member(user):
        return [p for p in people if p.consent_members or p.consent_public]
    return [p for p in people if p.consent_public]


def may_see_contact_details(user: Any, organisation: Organisation, person: Person) -> bool:
    """E-mail and phone: shown to the organisation's editors, else only with consent to contact."""
    return can_edit_organisation(user, organisation) or person.consent_contact
