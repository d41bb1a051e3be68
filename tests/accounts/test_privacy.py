"""Privacy services: consent records, data export and erasure (accounts.privacy)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from distretto.accounts import audit, privacy
from distretto.accounts.enums import ConsentPurpose
from distretto.accounts.models import ApiToken, AuditEntry, Consent, Membership, User
from distretto.accounts.services import SYSTEM
from distretto.alerts import services as alerts
from distretto.alerts.models import SavedSearch
from distretto.network.models import Scenario
from distretto.registry import services as registry
from distretto.registry.models import Person
from tests import factories

MEMBERS = ConsentPurpose.VISIBLE_MEMBERS
PUBLIC = ConsentPurpose.VISIBLE_PUBLIC
CONTACT = ConsentPurpose.CONTACT
DIGESTS = ConsentPurpose.DIGESTS


@pytest.fixture
def anna(organisation):
    """A contact person of Acme Medical who agreed to be shown publicly and contacted."""
    person = factories.PersonFactory(
        organisation=organisation,
        full_name="Anna Contatto",
        role="CTO",
        email="anna@example.org",
        phone="+39 0535 111",
    )
    privacy.record_consent(SYSTEM, person=person, purpose=PUBLIC, granted=True)
    privacy.record_consent(SYSTEM, person=person, purpose=CONTACT, granted=True)
    return person


# --- consent ----------------------------------------------------------------------------


def test_consents_are_a_history_and_the_latest_is_the_current_state(db, anna, org_admin):
    privacy.record_consent(org_admin, person=anna, purpose=CONTACT, granted=False)
    privacy.record_consent(org_admin, person=anna, purpose=CONTACT, granted=True)

    history = list(
        Consent.objects.filter(person=anna, purpose=CONTACT)
        .order_by("recorded_at", "pk")
        .values_list("granted", "text_version", "recorded_by__username")
    )
    version = privacy.CONSENT_TEXT_VERSION
    assert history == [
        (True, version, None),
        (False, version, "orgadmin"),
        (True, version, "orgadmin"),
    ]
    current = privacy.current_consents(person=anna)
    assert {p: (c.granted if c else None) for p, c in current.items()} == {
        MEMBERS: None,
        PUBLIC: True,
        CONTACT: True,
    }
    anna.refresh_from_db()
    assert (anna.consent_public, anna.consent_contact, anna.consent_members) == (True, True, False)


def test_withdrawing_hides_the_contact_at_once_on_the_page_and_in_the_api(client, anna, org_admin):
    page = f"/en/organisations/{anna.organisation.slug}/"
    api = f"/api/v1/organisations/{anna.organisation.slug}"
    assert "Anna Contatto" in client.get(page).content.decode()
    assert client.get(api).json()["people"][0]["email"] == "anna@example.org"

    privacy.record_consent(org_admin, person=anna, purpose=CONTACT, granted=False)
    assert client.get(api).json()["people"] == [
        {"full_name": "Anna Contatto", "role": "CTO", "email": None, "phone": None}
    ]
    assert "anna@example.org" not in client.get(page).content.decode()

    privacy.record_consent(org_admin, person=anna, purpose=PUBLIC, granted=False)
    assert "Anna Contatto" not in client.get(page).content.decode()
    assert client.get(api).json()["people"] == []


def test_the_organisation_editor_records_each_change_of_consent(db, organisation, org_admin):
    person = registry.add_person(
        org_admin, organisation, {"full_name": "Bruno", "consent_members": True}
    )
    assert list(Consent.objects.filter(person=person).values_list("purpose", "granted")) == [
        (MEMBERS, True)
    ]
    registry.update_person(
        org_admin, person, {"consent_members": False, "consent_contact": True, "role": "R&D"}
    )
    registry.update_person(org_admin, person, {"role": "CEO"})  # no change of consent
    rows = Consent.objects.filter(person=person).order_by("recorded_at", "pk")
    assert [(c.purpose, c.granted) for c in rows] == [
        (MEMBERS, True),
        (MEMBERS, False),
        (CONTACT, True),
    ]
    assert {c.recorded_by for c in rows} == {org_admin}


def test_only_the_person_their_organisation_admins_or_facilitators_record_consent(
    db, anna, member, other_member, facilitator
):
    for outsider in (member, other_member):
        with pytest.raises(PermissionDenied):
            privacy.record_consent(outsider, person=anna, purpose=CONTACT, granted=False)
    anna.user = member
    anna.save()
    privacy.record_consent(member, person=anna, purpose=CONTACT, granted=False)
    with pytest.raises(PermissionDenied):
        privacy.record_consent(other_member, user=member, purpose=DIGESTS, granted=False)
    privacy.record_consent(facilitator, user=member, purpose=DIGESTS, granted=False)
    with pytest.raises(ValidationError):
        privacy.record_consent(member, user=member, purpose=CONTACT, granted=True)
    with pytest.raises(ValidationError):
        privacy.record_consent(member, person=anna, purpose=DIGESTS, granted=True)


# --- digests ----------------------------------------------------------------------------


@pytest.fixture
def lexical_search(settings):
    settings.SEARCH_EMBEDDER = "none"


def test_no_digest_after_the_consent_to_digests_is_withdrawn(db, member, lexical_search):
    saved = alerts.save_search(member, {"q": ["oxygenators"]}, "daily")
    assert privacy.current_consent_granted(member, DIGESTS)  # saving asked for the e-mails
    factories.OrganisationFactory(name="Oxy", summary_en="Oxygenators for ECMO")
    now = timezone.now()

    privacy.record_consent(member, user=member, purpose=DIGESTS, granted=False)
    assert alerts.due_searches(now) == []
    assert alerts.send_digests(now) == 0
    assert mail.outbox == []

    privacy.record_consent(member, user=member, purpose=DIGESTS, granted=True)
    assert alerts.due_searches(now) == [saved]
    assert alerts.send_digests(now) == 1
    assert mail.outbox[0].to == [member.email]


def test_saving_an_alert_records_the_consent_once(db, member, lexical_search):
    alerts.save_search(member, {"q": ["oxygenators"]}, "daily")
    alerts.save_search(member, {"q": ["dialysis"]}, "weekly")
    assert Consent.objects.filter(user=member, purpose=DIGESTS, granted=True).count() == 1


# --- export -----------------------------------------------------------------------------


@pytest.fixture
def rich_member(member, organisation, lexical_search):
    """A member with a linked contact record, consents, a saved search, a token, a scenario."""
    member.first_name, member.last_name = "Maria", "Bianchi"
    member.save()
    person = factories.PersonFactory(
        organisation=organisation, full_name="Maria Bianchi", email="maria@example.org"
    )
    person.user = member
    person.save()
    privacy.record_consent(member, person=person, purpose=PUBLIC, granted=True)
    alerts.save_search(member, {"q": ["oxygenators"]}, "weekly", "My oxygenators")
    ApiToken.issue(member, "CRM sync")
    Scenario.objects.create(name="Flood", kind="circle", created_by=member)
    return member


def test_the_export_holds_the_persons_data_and_no_secret(rich_member):
    data = privacy.export_personal_data(rich_member, user=rich_member)
    text = json.dumps(data)

    assert data["format"] == privacy.EXPORT_FORMAT
    assert data["account"]["username"] == "member"
    assert data["account"]["first_name"] == "Maria"
    assert [m["organisation"] for m in data["memberships"]] == ["Acme Medical"]
    [record] = data["contact_records"]
    assert (record["full_name"], record["email"], record["visible_publicly"]) == (
        "Maria Bianchi",
        "maria@example.org",
        True,
    )
    assert [(c["purpose"], c["granted"]) for c in record["consents"]] == [(PUBLIC, True)]
    assert [(c["purpose"], c["granted"]) for c in data["consents"]] == [(DIGESTS, True)]
    assert [s["name"] for s in data["saved_searches"]] == ["My oxygenators"]
    [token] = data["api_tokens"]
    assert token["name"] == "CRM sync"
    scenarios = [r for r in data["records"] if r["type"] == "network.scenario"]
    assert [i["name"] for i in scenarios[0]["items"]] == ["Flood"]
    # Never the password hash or a token's key hash.
    password = User.objects.get(pk=rich_member.pk).password
    key_hash = ApiToken.objects.get().key_hash
    assert password not in text and key_hash not in text
    assert "password" not in data["account"] and "key_hash" not in token


def test_the_export_lists_the_changes_the_person_made(rich_member, organisation):
    rich_member.memberships.update(role="admin")
    rich_member = User.objects.get(pk=rich_member.pk)
    with audit.acting_as(rich_member):
        registry.update_organisation(rich_member, organisation, {"summary_en": "Pumps"})
    data = privacy.export_personal_data(rich_member, user=rich_member)
    changes = [c for c in data["changes_made"] if c["record_type"] == "registry.organisation"]
    assert changes and "summary_en" in changes[-1]["fields"]


def test_a_user_cannot_export_or_erase_someone_else(db, member, other_member, anna):
    for action in (privacy.export_personal_data, privacy.erase_personal_data):
        with pytest.raises(PermissionDenied):
            action(member, user=other_member)
        with pytest.raises(PermissionDenied):
            action(other_member, person=anna)
    assert User.objects.get(pk=other_member.pk).username == "othermember"
    assert Person.objects.filter(pk=anna.pk).exists()


def test_a_facilitator_exports_a_contact_person(db, facilitator, anna):
    data = privacy.export_personal_data(facilitator, person=anna)
    assert data["contact_record"]["full_name"] == "Anna Contatto"
    assert [c["purpose"] for c in data["contact_record"]["consents"]] == [PUBLIC, CONTACT]


# --- erasure ----------------------------------------------------------------------------


def test_erasure_removes_the_data_anonymises_history_and_keeps_records(
    rich_member, organisation, facilitator
):
    person = rich_member.contact_records.get()
    with audit.acting_as(rich_member):
        scenario = Scenario.objects.create(name="Earthquake", kind="circle", created_by=rich_member)
    assert AuditEntry.objects.filter(actor=rich_member).exists()

    report = privacy.erase_personal_data(facilitator, user=rich_member)

    user = User.objects.get(pk=rich_member.pk)
    assert (user.username, user.first_name, user.last_name, user.email) == (
        f"erased-{user.pk}",
        "",
        "",
        "",
    )
    assert not user.is_active and not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert not SavedSearch.objects.filter(owner=user).exists()
    assert not Consent.objects.filter(user=user).exists()
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Consent.objects.filter(person_id=person.pk).exists()
    assert report.contact_records == 1 and report.memberships == 1
    # The scenarios stay, without their author.
    assert set(Scenario.objects.values_list("name", "created_by")) == {
        ("Flood", None),
        ("Earthquake", None),
    }
    assert Scenario.objects.filter(pk=scenario.pk).exists()
    # The history: no entry names the user as author, none holds their names.
    assert not AuditEntry.objects.filter(actor_id=user.pk).exists()
    assert AuditEntry.objects.filter(actor_label=audit.ERASED_ACTOR).exists()
    everything = json.dumps(
        list(AuditEntry.objects.values("before", "after", "object_repr", "actor_label")),
        ensure_ascii=False,
    )
    for personal in ("Maria", "Bianchi", "maria@example.org", "member@example.org"):
        assert personal not in everything
    assert "member ·" not in everything  # a membership reads "user · organisation"


def test_erasure_is_idempotent_and_ends_the_sessions(client, rich_member):
    client.force_login(rich_member)
    assert client.get("/en/accounts/").status_code == 200
    privacy.erase_personal_data(SYSTEM, user=rich_member)
    again = privacy.erase_personal_data(SYSTEM, user=User.objects.get(pk=rich_member.pk))
    assert (again.contact_records, again.memberships, again.saved_searches) == (0, 0, 0)
    # The session's password hash no longer matches: the user is logged out.
    assert client.get("/en/accounts/").status_code == 302


def test_erasing_a_contact_person_deletes_the_record_and_scrubs_its_history(
    db, anna, org_admin, facilitator
):
    with audit.acting_as(org_admin):
        registry.update_person(org_admin, anna, {"phone": "+39 0535 222"})
    privacy.erase_personal_data(facilitator, person=anna)
    assert not Person.objects.filter(pk=anna.pk).exists()
    entries = AuditEntry.objects.filter(model="registry.person", object_id=str(anna.pk))
    assert entries.exists()
    text = json.dumps(list(entries.values("before", "after", "object_repr")))
    for personal in ("Anna", "anna@example.org", "0535 111", "0535 222", "CTO"):
        assert personal not in text
    # Who made the changes is not personal data of Anna: it stays.
    assert entries.filter(actor=org_admin).exists()


def test_a_superuser_is_erased_only_by_a_superuser_or_the_shell(db, facilitator):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        privacy.erase_personal_data(facilitator, user=root)
    privacy.erase_personal_data(SYSTEM, user=root)
    assert User.objects.get(pk=root.pk).username == f"erased-{root.pk}"


# --- retention --------------------------------------------------------------------------


def test_the_purge_erases_accounts_unused_past_the_retention(db, settings, facilitator):
    settings.PRIVACY_RETENTION_DAYS = 730
    now = timezone.now()
    long_ago = now - timedelta(days=731)
    stale = factories.UserFactory(username="stale")
    User.objects.filter(pk=stale.pk).update(last_login=long_ago, date_joined=long_ago)
    never_used = factories.UserFactory(username="never")
    User.objects.filter(pk=never_used.pk).update(last_login=None, date_joined=long_ago)
    recent = factories.UserFactory(username="recent")
    User.objects.filter(pk=recent.pk).update(
        last_login=now - timedelta(days=10), date_joined=long_ago
    )
    new = factories.UserFactory(username="new")  # joined now, never logged in
    User.objects.filter(pk=facilitator.pk).update(last_login=long_ago, date_joined=long_ago)

    dry = privacy.purge_stale_data(SYSTEM, now, dry_run=True)
    assert dry.users == ["stale", "never"]
    assert User.objects.filter(username="stale").exists()

    report = privacy.purge_stale_data(SYSTEM, now)
    assert report.users == ["stale", "never"]
    names = dict(User.objects.values_list("pk", "username"))
    assert names[stale.pk] == f"erased-{stale.pk}"
    assert names[never_used.pk] == f"erased-{never_used.pk}"
    assert (names[recent.pk], names[new.pk], names[facilitator.pk]) == (
        "recent",
        "new",
        "facilitator",
    )
    # Erased accounts are not erased again.
    assert privacy.purge_stale_data(SYSTEM, now).total == 0


def test_the_purge_deletes_contacts_who_withdrew_every_consent_long_ago(db, settings, anna):
    settings.PRIVACY_RETENTION_DAYS = 365
    now = timezone.now()
    long_ago = now - timedelta(days=400)
    privacy.record_consent(SYSTEM, person=anna, purpose=PUBLIC, granted=False, at=long_ago)
    privacy.record_consent(SYSTEM, person=anna, purpose=CONTACT, granted=False, at=long_ago)
    recent = factories.PersonFactory(organisation=anna.organisation, full_name="Recent")
    privacy.record_consent(SYSTEM, person=recent, purpose=PUBLIC, granted=False)
    never_asked = factories.PersonFactory(
        organisation=anna.organisation, full_name="Never", consent_recorded_at=long_ago
    )
    with_account = factories.PersonFactory(
        organisation=anna.organisation, user=factories.UserFactory(username="linked")
    )
    privacy.record_consent(SYSTEM, person=with_account, purpose=PUBLIC, granted=False, at=long_ago)
    Person.objects.filter(pk=with_account.pk).update(consent_recorded_at=long_ago)

    report = privacy.purge_stale_data(SYSTEM, now)

    assert report.people == [f"#{anna.pk} (Acme Medical)"]
    assert set(Person.objects.values_list("pk", flat=True)) == {
        recent.pk,
        never_asked.pk,
        with_account.pk,
    }


def test_retention_zero_purges_nothing(db, settings, facilitator):
    settings.PRIVACY_RETENTION_DAYS = 0
    old = factories.UserFactory(username="old")
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(days=5000))
    assert privacy.purge_stale_data(SYSTEM).total == 0
    assert User.objects.filter(username="old").exists()


def test_only_facilitators_purge(db, member):
    with pytest.raises(PermissionDenied):
        privacy.purge_stale_data(member)


def test_the_purge_task_runs_the_purge(db, settings):
    from distretto.accounts.tasks import purge_personal_data_task

    settings.PRIVACY_RETENTION_DAYS = 30
    old = factories.UserFactory(username="old")
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(days=31))
    result = purge_personal_data_task.enqueue()
    assert result.return_value == 1
    assert User.objects.get(pk=old.pk).username == f"erased-{old.pk}"


def test_erasure_deletes_nothing_of_the_organisations_through_a_cascade():
    """A contact person's deletion cascades only to their consents; the user row is kept,
    so nothing cascades from it, and every other reference to it can be cleared."""
    from django.db import models

    cascading = {
        relation.related_model._meta.label
        for relation in Person._meta.related_objects
        if relation.on_delete is models.CASCADE
    }
    assert cascading == {"accounts.Consent"}
    for model, fk in privacy._user_references():
        if issubclass(model, privacy._HANDLED):
            continue
        assert fk.null or model._meta.label == "admin.LogEntry", model
