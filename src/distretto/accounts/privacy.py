"""Privacy: consent records, a person's data export and erasure, and the retention purge.

One function per action, each taking the acting user explicitly, checking permission
and running in one transaction (GDPR Art. 7, 15, 17, 20; ``docs/privacy.md`` is the
record of processing activities these functions implement). Web pages, the back
office and the ``distretto privacy ...`` commands call these.

Consent records (``Consent``) are only ever added: the latest record of a subject
and purpose is the current choice. The booleans of ``registry.Person`` are the
current state the pages and the API filter on, and ``record_consent`` changes them
in the same transaction as it adds the record, so a withdrawal hides a contact at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distretto.accounts import audit
from distretto.accounts.enums import ConsentPurpose
from distretto.accounts.models import ApiToken, AuditEntry, Consent, Membership, User
from distretto.accounts.roles import is_facilitator
from distretto.accounts.services import SystemOperator
from distretto.alerts.models import SavedSearch
from distretto.registry.models import Person
from distretto.registry.rules import can_edit_organisation

# --- consent texts ----------------------------------------------------------------

# The version of the consent texts below. Change it whenever a text changes in
# substance: each consent record keeps the version the person was shown.
CONSENT_TEXT_VERSION = "2026-11-30"

CONSENT_TEXTS: dict[str, Promise] = {
    ConsentPurpose.VISIBLE_MEMBERS: gettext_lazy(
        "My name and role are shown, on the page of my organisation and through the API, "
        "to people logged in as members of the district's organisations."
    ),
    ConsentPurpose.VISIBLE_PUBLIC: gettext_lazy(
        "My name and role are shown, on the page of my organisation and through the API, "
        "to every visitor of the site, without logging in."
    ),
    ConsentPurpose.CONTACT: gettext_lazy(
        "My e-mail address and phone number are shown to whoever may see my name, so that "
        "they can contact me about cooperation in the district; event organisers may "
        "e-mail me about the events my organisation registers for."
    ),
    ConsentPurpose.DIGESTS: gettext_lazy(
        "Distretto e-mails me digests of the new results of my saved searches and alerts "
        "of funding calls, as often as I chose for each."
    ),
}

# The purposes a contact person of the registry consents to, and the Person field
# that holds the current state of each.
PERSON_PURPOSES: dict[str, str] = {
    ConsentPurpose.VISIBLE_MEMBERS: "consent_members",
    ConsentPurpose.VISIBLE_PUBLIC: "consent_public",
    ConsentPurpose.CONTACT: "consent_contact",
}
# The purposes a user account consents to.
USER_PURPOSES: tuple[str, ...] = (ConsentPurpose.DIGESTS,)

# The user name prefix of erased accounts (``erased-<id>``).
ERASED = "erased"

# Fields never exported, whatever model they are on.
SECRET_FIELDS = frozenset({"password", "key_hash"})
# Values of these fields are replaced in audit entries of an erased user or person.
USER_PERSONAL_FIELDS = frozenset({"username", "first_name", "last_name", "email", "password"})
PERSON_PERSONAL_FIELDS = frozenset({"full_name", "role", "email", "phone"})
SAVED_SEARCH_FIELDS = frozenset({"name", "params", "seen"})

EXPORT_FORMAT = "distretto-personal-data/1"


def consent_text(purpose: str) -> str:
    return str(CONSENT_TEXTS[purpose])


def _account(actor: Any) -> User | None:
    """The acting user as a User row (None for the system operator of the CLI)."""
    return actor if isinstance(actor, User) and actor.pk is not None else None


def _is_self(actor: Any, user: User) -> bool:
    """The acting user is ``user`` (an inactive account cannot log in to act anyway)."""
    return bool(
        getattr(actor, "is_authenticated", False) and actor.pk is not None and actor.pk == user.pk
    )


def _owns_person(actor: Any, person: Person) -> bool:
    """The person's own account (a contact record linked to the acting user)."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", False)
        and actor.pk is not None
        and person.user_id == actor.pk
    )


def _one_subject(user: User | None, person: Person | None) -> None:
    if (user is None) == (person is None):
        raise ValueError("Give exactly one of user and person.")


# --- consent ----------------------------------------------------------------------


def may_record_consent(
    actor: Any, *, person: Person | None = None, user: User | None = None
) -> bool:
    """A user records their own consents; a contact person's are recorded by their own
    account, by the administrators of their organisation or by a facilitator."""
    if user is not None:
        return is_facilitator(actor) or _is_self(actor, user)
    assert person is not None
    return _owns_person(actor, person) or can_edit_organisation(actor, person.organisation)


@transaction.atomic
def record_consent(
    actor: Any,
    *,
    person: Person | None = None,
    user: User | None = None,
    purpose: str,
    granted: bool,
    text_version: str = CONSENT_TEXT_VERSION,
    at: datetime | None = None,
) -> Consent:
    """Record that ``person`` (a contact of the registry) or ``user`` gave or withdrew consent.

    Adds a ``Consent`` row and, for a contact person, sets the matching Person field
    in the same transaction: a withdrawal takes effect at once. The display, contact
    and visibility purposes belong to contact people, the digests purpose to users.
    """
    _one_subject(user, person)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if person is not None and purpose not in PERSON_PURPOSES:
        raise ValidationError({"purpose": _("This purpose concerns user accounts.")})
    if user is not None and purpose not in USER_PURPOSES:
        raise ValidationError({"purpose": _("This purpose concerns contact people.")})
    if not may_record_consent(actor, person=person, user=user):
        raise PermissionDenied(_("You may not record consent for this person."))
    now = at or timezone.now()
    consent = Consent.objects.create(
        person=person,
        user=user,
        purpose=purpose,
        granted=bool(granted),
        text_version=text_version,
        recorded_at=now,
        recorded_by=_account(actor),
    )
    if person is not None:
        name = PERSON_PURPOSES[purpose]
        setattr(person, name, bool(granted))
        person.consent_recorded_at = now
        person.save(update_fields=[name, "consent_recorded_at"])
    return consent


def person_consent_state(person: Person) -> dict[str, bool]:
    """The consent fields of ``person`` as they are now (to compare after a change)."""
    return {name: bool(getattr(person, name)) for name in PERSON_PURPOSES.values()}


def record_person_changes(
    actor: Any, person: Person, before: Mapping[str, bool], *, at: datetime | None = None
) -> list[Consent]:
    """Record a consent row for each consent field of ``person`` that differs from ``before``.

    For forms that set the fields themselves (the organisation editor, the back
    office): call after saving the person, inside the same transaction.
    """
    recorded = []
    for purpose, name in PERSON_PURPOSES.items():
        now = bool(getattr(person, name))
        if bool(before.get(name, False)) != now:
            recorded.append(
                record_consent(actor, person=person, purpose=purpose, granted=now, at=at)
            )
    return recorded


def current_consents(
    *, person: Person | None = None, user: User | None = None
) -> dict[str, Consent | None]:
    """The latest record of each purpose of the subject (None where nothing was recorded)."""
    _one_subject(user, person)
    purposes = PERSON_PURPOSES if person is not None else USER_PURPOSES
    records = Consent.objects.filter(person=person) if person else Consent.objects.filter(user=user)
    latest: dict[str, Consent | None] = dict.fromkeys(purposes)
    for consent in records.order_by("-recorded_at", "-pk"):
        if consent.purpose in latest and latest[consent.purpose] is None:
            latest[consent.purpose] = consent
    return latest


def current_consent_granted(user: User, purpose: str) -> bool:
    """Whether the latest consent record of ``user`` for ``purpose`` is a grant."""
    latest = (
        Consent.objects.filter(user_id=user.pk, purpose=purpose)
        .order_by("-recorded_at", "-pk")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


def latest_user_consent(purpose: str, user_ref: str = "pk") -> Subquery:
    """For annotating users (or rows pointing at users through ``user_ref``): the ``granted``
    of the latest consent record of ``purpose``, NULL when none was recorded."""
    return Subquery(
        Consent.objects.filter(user_id=OuterRef(user_ref), purpose=purpose)
        .order_by("-recorded_at", "-pk")
        .values("granted")[:1]
    )


def digests_allowed(user: User) -> bool:
    """False when the user's latest consent to digests is a withdrawal.

    A user who never stated anything asked for digests by saving a search (saving
    one records the consent since this record existed).
    """
    latest = current_consents(user=user)[ConsentPurpose.DIGESTS]
    return latest is None or latest.granted


# --- export -----------------------------------------------------------------------


def _may_act_on(actor: Any, *, user: User | None, person: Person | None) -> bool:
    if is_facilitator(actor):
        return True
    if user is not None:
        return _is_self(actor, user)
    assert person is not None
    return _owns_person(actor, person)


def _row(obj: models.Model) -> dict[str, Any]:
    """A record's own fields, by column name (``organisation_id``); never a secret."""
    data: dict[str, Any] = {}
    for concrete in obj._meta.concrete_fields:
        if concrete.name in SECRET_FIELDS:
            continue
        data[concrete.attname] = concrete.value_from_object(obj)
    data["record"] = str(obj)
    return data


def _user_references() -> Iterator[tuple[type[models.Model], models.ForeignKey[Any, Any]]]:
    """Every foreign key to the user model in the project, as (model, field)."""
    for relation in User._meta.get_fields(include_hidden=True):
        if relation.one_to_many and relation.auto_created and not relation.concrete:
            model = relation.related_model
            if model._meta.auto_created:  # type: ignore[union-attr]
                continue  # the tables of many-to-many fields (groups, permissions)
            fk = relation.field  # type: ignore[union-attr]
            yield model, fk  # type: ignore[misc]


# Models whose rows about a user the export and the erasure handle one by one.
_HANDLED = (Membership, ApiToken, Consent, SavedSearch, Person, AuditEntry)


def _consents_out(records: QuerySet[Consent]) -> list[dict[str, Any]]:
    return [
        {
            "purpose": c.purpose,
            "purpose_label": str(c.get_purpose_display()),
            "granted": c.granted,
            "text_version": c.text_version,
            "recorded_at": c.recorded_at,
            "recorded_by": c.recorded_by.username if c.recorded_by else None,
        }
        for c in records.select_related("recorded_by").order_by("recorded_at", "pk")
    ]


def _without_secrets(values: Any) -> Any:
    if isinstance(values, dict):
        return {k: v for k, v in values.items() if k not in SECRET_FIELDS}
    return values


def _audit_about(model: type[models.Model], object_id: int) -> list[dict[str, Any]]:
    """The history of one record about the person: who changed what, and when."""
    entries = AuditEntry.objects.filter(model=audit.model_label(model), object_id=str(object_id))
    return [
        {
            "at": e.at,
            "by": e.actor_label,
            "action": e.action,
            "record_type": e.model,
            "record_id": e.object_id,
            "before": _without_secrets(e.before),
            "after": _without_secrets(e.after),
        }
        for e in entries.order_by("at", "pk")
    ]


def _person_out(person: Person) -> dict[str, Any]:
    registration = apps.get_model("events", "Registration")
    profile = apps.get_model("opportunities", "CooperationProfile")
    return {
        "id": person.pk,
        "organisation": {
            "id": person.organisation_id,
            "name": person.organisation.name,
            "slug": person.organisation.slug,
        },
        "full_name": person.full_name,
        "role": person.role,
        "email": person.email,
        "phone": person.phone,
        "visible_to_members": person.consent_members,
        "visible_publicly": person.consent_public,
        "may_be_contacted": person.consent_contact,
        "consent_recorded_at": person.consent_recorded_at,
        "user_account": person.user.username if person.user else None,
        "consents": _consents_out(Consent.objects.filter(person=person)),
        "contact_of_offers_and_requests": [
            {"id": p.pk, "title": p.title}
            for p in profile.objects.filter(contact=person).order_by("pk")
        ],
        "attending_events": [
            {"event": r.event.name, "organisation": r.organisation.name}
            for r in registration.objects.filter(people=person)
            .select_related("event", "organisation")
            .order_by("pk")
        ],
        "history": _audit_about(Person, person.pk),
    }


def _user_out(user: User) -> dict[str, Any]:
    people = list(user.contact_records.select_related("organisation", "user"))
    records = []
    for model, fk in _user_references():
        if issubclass(model, _HANDLED):
            continue
        rows = model._base_manager.filter(**{fk.name: user}).order_by("pk")
        items = [_row(obj) for obj in rows]
        if items:
            records.append(
                {
                    "type": model._meta.label_lower,
                    "type_name": str(model._meta.verbose_name_plural),
                    "relation": fk.name,
                    "items": items,
                }
            )
    return {
        "account": {
            "id": user.pk,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": user.language,
            "is_active": user.is_active,
            "is_facilitator": user.is_facilitator,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "memberships": [
            {
                "organisation": m.organisation.name,
                "organisation_slug": m.organisation.slug,
                "role": m.role,
                "since": m.created_at,
            }
            for m in user.memberships.select_related("organisation").order_by("pk")
        ],
        "consents": _consents_out(Consent.objects.filter(user=user)),
        "contact_records": [_person_out(p) for p in people],
        "saved_searches": [
            {
                "name": s.name,
                "search": s.params,
                "frequency": s.frequency,
                "active": s.active,
                "created_at": s.created_at,
                "last_sent_at": s.last_sent_at,
            }
            for s in user.saved_searches.order_by("pk")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "scope": t.scope,
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
                "last_used_at": t.last_used_at,
            }
            for t in ApiToken.objects.filter(user=user).defer("key_hash").order_by("pk")
        ],
        "records": records,
        # What the user changed: when, which record and which fields; the values are
        # left out, as they may be other people's data.
        "changes_made": [
            {
                "at": e.at,
                "action": e.action,
                "record_type": e.model,
                "record_id": e.object_id,
                "record": e.object_repr,
                "fields": sorted(set(e.before or {}) | set(e.after or {})),
            }
            for e in AuditEntry.objects.filter(actor=user).order_by("at", "pk")
        ],
        "history": _audit_about(User, user.pk),
    }


def export_personal_data(
    actor: Any, *, user: User | None = None, person: Person | None = None
) -> dict[str, Any]:
    """Everything Distretto holds about ``user`` or a contact ``person``, as plain JSON data.

    The user themself (for their account), a contact person's own account, or a
    facilitator. Never a password hash or a token's key.
    """
    _one_subject(user, person)
    if not _may_act_on(actor, user=user, person=person):
        raise PermissionDenied(_("You may not export this person's data."))
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "site": settings.SITE_URL,
        "controller": settings.PRIVACY_CONTROLLER,
        "consent_text_version": CONSENT_TEXT_VERSION,
    }
    if user is not None:
        data["subject"] = {"type": "user", "id": user.pk}
        data.update(_user_out(user))
    else:
        assert person is not None
        data["subject"] = {"type": "person", "id": person.pk}
        data["contact_record"] = _person_out(person)
    # Dates, decimals and lazy texts become strings: the result is JSON as it is.
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def export_filename(*, user: User | None = None, person: Person | None = None) -> str:
    if user is not None:
        return f"personal-data-user-{user.pk}.json"
    assert person is not None
    return f"personal-data-person-{person.pk}.json"


# --- erasure ----------------------------------------------------------------------


@dataclass
class Erasure:
    """What an erasure removed and anonymised (counts of rows)."""

    subject: str
    contact_records: int = 0
    memberships: int = 0
    api_tokens: int = 0
    saved_searches: int = 0
    consents: int = 0
    history_anonymised: int = 0
    references_cleared: int = 0


def erased_username(user: User) -> str:
    return f"{ERASED}-{user.pk}"


def may_erase(actor: Any, *, user: User | None = None, person: Person | None = None) -> bool:
    """The person themself or a facilitator; a superuser's account only by a superuser
    (or by the system operator at the server's shell). A contact person also by the
    administrators of their organisation, who may delete the record anyway."""
    if user is not None:
        if user.is_superuser and not _is_self(actor, user):
            return bool(getattr(actor, "is_superuser", False)) or isinstance(actor, SystemOperator)
        return _may_act_on(actor, user=user, person=None)
    assert person is not None
    return _owns_person(actor, person) or can_edit_organisation(actor, person.organisation)


def _scrub_admin_log(model: type[models.Model], object_id: int) -> int:
    """The back office's own log names the record it changed: that name goes too."""
    if not apps.is_installed("django.contrib.admin"):
        return 0
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(object_id)
    ).update(object_repr=audit.ERASED)


def _anonymise_history(model: type[models.Model], object_id: int, fields: frozenset[str]) -> int:
    """Scrub the personal values from the audit entries and admin log of one record."""
    return audit.scrub_record(model, object_id, fields) + _scrub_admin_log(model, object_id)


def _erase_people(person_ids: list[int]) -> int:
    """Delete contact records: their consents go with them, offers and requests and
    event registrations lose the reference to them and stay."""
    deleted = 0
    for person_id in person_ids:
        deleted += Person.objects.filter(pk=person_id).delete()[1].get(Person._meta.label, 0)
    return deleted


def _scrub_people(person_ids: list[int]) -> int:
    return sum(_anonymise_history(Person, pk, PERSON_PERSONAL_FIELDS) for pk in person_ids)


@transaction.atomic
def erase_personal_data(
    actor: Any, *, user: User | None = None, person: Person | None = None
) -> Erasure:
    """Remove a person's data, anonymise the history, keep the district's aggregates.

    For a user: names and e-mail blanked, username ``erased-<id>``, an unusable
    password (every session of theirs ends), inactive, no roles; memberships, API
    tokens, saved searches, consents and the contact records linked to the account
    deleted; the account's author references on other records (meetings requested,
    drafts, scenarios...) cleared, the records kept; audit entries by them anonymised
    and those about them scrubbed of personal values. For a contact person: the
    record deleted and its history scrubbed. Safe to repeat.
    """
    _one_subject(user, person)
    if not may_erase(actor, user=user, person=person):
        raise PermissionDenied(_("You may not erase this person's data."))
    if person is not None:
        report = Erasure(subject=f"person {person.pk}")
        report.contact_records = _erase_people([person.pk])
        report.history_anonymised = _scrub_people([person.pk])
        return report

    assert user is not None
    user = User.objects.select_for_update().get(pk=user.pk)
    report = Erasure(subject=f"user {user.pk}")
    old_username = user.username
    person_ids = list(user.contact_records.values_list("pk", flat=True))
    saved_ids = list(SavedSearch.objects.filter(owner=user).values_list("pk", flat=True))
    token_ids = list(ApiToken.objects.filter(user=user).values_list("pk", flat=True))
    membership_ids = list(Membership.objects.filter(user=user).values_list("pk", flat=True))
    report.contact_records = _erase_people(person_ids)
    report.memberships = Membership.objects.filter(user=user).delete()[0]
    report.api_tokens = ApiToken.objects.filter(pk__in=token_ids).delete()[0]
    report.saved_searches = SavedSearch.objects.filter(pk__in=saved_ids).delete()[0]
    report.consents = Consent.objects.filter(user=user).delete()[0]

    # Records the user made stay (they are the district's: meetings, drafts, figures);
    # only the reference to their author goes.
    for model, fk in _user_references():
        if model is AuditEntry or not fk.null:
            continue
        if fk.remote_field.on_delete is not models.SET_NULL:
            continue
        report.references_cleared += model._base_manager.filter(**{fk.name: user}).update(
            **{fk.name: None}
        )

    user.username = erased_username(user)
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.is_facilitator = False
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    if apps.is_installed("axes") and old_username != user.username:
        for name in ("AccessAttempt", "AccessLog", "AccessFailureLog"):
            try:
                apps.get_model("axes", name).objects.filter(username=old_username).delete()
            except LookupError:
                continue

    # Last, so that the entries the changes above wrote are scrubbed too (a user erasing
    # their own account is the author of those). Who did what stays in the log, with
    # the author erased.
    report.history_anonymised += audit.anonymise_actor(user)
    report.history_anonymised += AuditEntry.objects.filter(
        actor__isnull=True, actor_label=old_username
    ).update(actor_label=audit.ERASED_ACTOR)
    report.history_anonymised += _anonymise_history(User, user.pk, USER_PERSONAL_FIELDS)
    report.history_anonymised += _scrub_people(person_ids)
    for pk in saved_ids:
        report.history_anonymised += audit.scrub_record(SavedSearch, pk, SAVED_SEARCH_FIELDS)
    for pk in token_ids:
        report.history_anonymised += audit.scrub_record(ApiToken, pk, {"name"})
    for pk in membership_ids:  # their names read "user · organisation"
        report.history_anonymised += audit.scrub_record(Membership, pk, ())
    return report


# --- retention --------------------------------------------------------------------


@dataclass
class Purge:
    """What the retention purge erased (or, in a dry run, would erase)."""

    cutoff: datetime | None
    users: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return len(self.users) + len(self.people)


def retention_cutoff(now: datetime, days: int | None = None) -> datetime | None:
    """Personal data untouched since before this moment is stale; None: kept forever."""
    days = settings.PRIVACY_RETENTION_DAYS if days is None else days
    if days <= 0:
        return None
    return now - timedelta(days=days)


def stale_accounts(cutoff: datetime) -> QuerySet[User]:
    """Accounts nobody logged into (or, never used, created) before ``cutoff``.

    Facilitators', staff and superuser accounts are kept: they run the platform and
    are removed by hand. Accounts already erased are left out.
    """
    return (
        User.objects.filter(is_facilitator=False, is_staff=False, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Q(is_active=False) & Q(username__startswith=f"{ERASED}-") & Q(email=""))
        .order_by("pk")
    )


def stale_contacts(cutoff: datetime) -> QuerySet[Person]:
    """Contact people who withdrew every consent before ``cutoff`` and have no account.

    Such a record is shown to nobody but the organisation's editors; a contact who
    never consented to anything (and so never withdrew) is left to the organisation.
    """
    withdrew = Consent.objects.filter(person_id=OuterRef("pk"), granted=False)
    return (
        Person.objects.filter(
            user__isnull=True,
            consent_members=False,
            consent_public=False,
            consent_contact=False,
            consent_recorded_at__lt=cutoff,
        )
        .filter(models.Exists(withdrew))
        .select_related("organisation")
        .order_by("pk")
    )


def purge_stale_data(
    actor: Any, now: datetime | None = None, *, dry_run: bool = False, days: int | None = None
) -> Purge:
    """Erase the accounts and contact records kept longer than the retention period.

    ``DISTRETTO_PRIVACY_RETENTION_DAYS`` (``days`` overrides it; 0: keep forever).
    Facilitators only (and the system operator: ``distretto privacy purge``, the
    ``purge_task`` task). Each subject is erased as ``erase_personal_data`` does.
    """
    if not is_facilitator(actor):
        raise PermissionDenied(_("Only facilitators may purge personal data."))
    cutoff = retention_cutoff(now or timezone.now(), days)
    report = Purge(cutoff=cutoff, dry_run=dry_run)
    if cutoff is None:
        return report
    for user in stale_accounts(cutoff):
        report.users.append(user.username)
        if not dry_run:
            erase_personal_data(actor, user=user)
    for person in stale_contacts(cutoff):
        report.people.append(f"#{person.pk} ({person.organisation.name})")
        if not dry_run:
            erase_personal_data(actor, person=person)
    return report
