"""The audit log: who changed which record, when, before and after; back office, retention."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from distretto.accounts import audit
from distretto.accounts.enums import AuditAction
from distretto.accounts.models import ApiToken, AuditEntry, Membership, User
from distretto.accounts.tasks import prune_audit_task
from distretto.registry.models import Organisation, Person
from tests import factories


def entries(model: str, object_id=None, action=None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(model=model).order_by("pk")
    if object_id is not None:
        found = found.filter(object_id=str(object_id))
    if action is not None:
        found = found.filter(action=action)
    return list(found)


profile_post = factories.organisation_form_data


# --- who, what, before and after --------------------------------------------------------


def test_web_edit_records_the_user_and_the_changed_fields_only(client, organisation, org_admin):
    AuditEntry.objects.all().delete()
    client.force_login(org_admin)

    response = client.post(
        f"/en/organisations/{organisation.slug}/edit/",
        profile_post(organisation, summary_en="Blood lines", website="https://acme.example"),
    )

    assert response.status_code == 302
    [entry] = entries("registry.organisation", organisation.pk, AuditAction.UPDATE)
    assert (entry.actor, entry.actor_label, entry.object_repr) == (
        org_admin,
        "orgadmin",
        "Acme Medical",
    )
    assert entry.before["summary_en"] == "Medical device maker"
    assert entry.after["summary_en"] == "Blood lines"
    assert (entry.before["website"], entry.after["website"]) == ("", "https://acme.example")
    assert "name" not in entry.after  # unchanged
    assert "updated_at" not in entry.after  # bookkeeping, not a change
    assert abs(entry.at - timezone.now()) < timedelta(minutes=1)


def test_api_write_with_a_bearer_token_records_the_tokens_user(db, organisation, org_admin):
    _token, raw = ApiToken.issue(org_admin, "script", scope="write")
    api = Client(headers={"accept-language": "en"})

    response = api.patch(
        f"/api/v1/organisations/{organisation.slug}",
        json.dumps({"summary_en": "From the script"}),
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )

    assert response.status_code == 200
    [entry] = entries("registry.organisation", organisation.pk, AuditAction.UPDATE)
    assert (entry.actor, entry.actor_label) == (org_admin, "orgadmin")
    assert (entry.before["summary_en"], entry.after["summary_en"]) == (
        "Medical device maker",
        "From the script",
    )


def test_anonymous_request_and_code_outside_any_request(client, db):
    organisation = factories.OrganisationFactory(name="Outside")
    [created] = entries("registry.organisation", organisation.pk)
    assert (created.actor, created.actor_label, created.action) == (None, "system", "create")
    assert created.after["name"] == "Outside"
    assert created.before is None


def test_acting_as_a_label_or_a_user(db, facilitator):
    with audit.acting_as("import script"):
        first = factories.OrganisationFactory(name="First")
    with audit.acting_as(facilitator):
        second = factories.OrganisationFactory(name="Second")
    assert entries("registry.organisation", first.pk)[0].actor_label == "import script"
    by_user = entries("registry.organisation", second.pk)[0]
    assert (by_user.actor, by_user.actor_label) == (facilitator, "facilitator")


def test_cli_import_records_the_command(db, tmp_path):
    factories.import_reference_data()
    path = tmp_path / "orgs.csv"
    path.write_text("name,kind\nAlpha Medical,sme\n", encoding="utf-8")

    call_command("import_organisations", str(path), stdout=StringIO(), stderr=StringIO())

    alpha = Organisation.objects.get(name="Alpha Medical")
    [entry] = entries("registry.organisation", alpha.pk)
    assert (entry.actor, entry.actor_label, entry.action) == (
        None,
        "command: import organisations",
        AuditAction.CREATE,
    )


def test_cli_with_as_records_the_user_beside_the_command(db, tmp_path, facilitator):
    factories.import_reference_data()
    path = tmp_path / "orgs.csv"
    path.write_text("name,kind\nBeta Lab,university\n", encoding="utf-8")

    call_command(
        "import_organisations",
        str(path),
        "--as",
        "facilitator",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    [entry] = entries("registry.organisation", Organisation.objects.get(name="Beta Lab").pk)
    assert (entry.actor, entry.actor_label) == (facilitator, "command: import organisations")


@task()
def rename_organisation_task(pk: int, name: str) -> None:
    organisation = Organisation.objects.get(pk=pk)
    organisation.name = name
    organisation.save()


def test_background_task_records_the_task(organisation):
    with audit.acting_as("outer"):
        rename_organisation_task.enqueue(organisation.pk, "Renamed")
        factories.OrganisationFactory(name="After the task")

    [entry] = entries("registry.organisation", organisation.pk, AuditAction.UPDATE)
    assert entry.actor_label == "task: rename_organisation_task"
    assert (entry.before, entry.after) == ({"name": "Acme Medical"}, {"name": "Renamed"})
    after = Organisation.objects.get(name="After the task")
    assert entries("registry.organisation", after.pk)[0].actor_label == "outer"


def test_delete_records_the_values_it_had_and_cascades(db, organisation):
    person = factories.PersonFactory(organisation=organisation, full_name="Anna Rossi")
    with audit.acting_as("cleanup"):
        organisation.delete()

    [deleted] = entries("registry.organisation", action=AuditAction.DELETE)
    assert (deleted.object_repr, deleted.before["name"], deleted.after) == (
        "Acme Medical",
        "Acme Medical",
        None,
    )
    [cascaded] = entries("registry.person", person.pk, AuditAction.DELETE)
    assert (cascaded.actor_label, cascaded.before["full_name"]) == ("cleanup", "Anna Rossi")
    assert str(cascaded.before["organisation"]) == deleted.object_id


def test_queryset_delete_is_recorded_row_by_row(db):
    factories.OrganisationFactory(name="One", status="draft")
    factories.OrganisationFactory(name="Two", status="draft")
    Organisation.objects.filter(status="draft").delete()
    assert sorted(e.object_repr for e in entries("registry.organisation", action="delete")) == [
        "One",
        "Two",
    ]


def test_many_to_many_changes_are_recorded_on_the_record_from_either_side(db, organisation):
    dialysis = factories.CodeFactory(code="dialysis")
    imaging = factories.CodeFactory(code="imaging")
    AuditEntry.objects.all().delete()

    organisation.codes.add(dialysis, imaging)
    organisation.codes.remove(imaging)
    organisation.codes.add(dialysis)  # already there: no change
    dialysis.organisations.remove(organisation)  # the reverse side
    organisation.codes.set([imaging])
    organisation.codes.clear()

    changes = [
        (e.before["codes"], e.after["codes"])
        for e in entries("registry.organisation", organisation.pk, AuditAction.UPDATE)
    ]
    d, i = dialysis.pk, imaging.pk
    assert changes == [
        ([], sorted([d, i])),
        (sorted([d, i]), [d]),
        ([d], []),
        ([], [i]),
        ([i], []),
    ]


def test_a_save_that_changes_nothing_records_nothing(db, organisation):
    AuditEntry.objects.all().delete()
    organisation.save()
    organisation.refresh_from_db()
    organisation.summary_en = "Medical device maker"  # the same text
    organisation.save()
    assert AuditEntry.objects.count() == 0


def test_values_are_plain_json(db, organisation):
    AuditEntry.objects.all().delete()
    organisation.founded = 1985
    organisation.parent = factories.OrganisationFactory(name="Group")
    organisation.save()
    [entry] = entries("registry.organisation", organisation.pk, AuditAction.UPDATE)
    assert entry.after == {"founded": 1985, "parent": organisation.parent_id}


def test_password_hash_is_never_stored(db):
    user = factories.UserFactory(username="anna")
    user.set_password("a new secret")
    user.save()

    [created] = entries("accounts.user", user.pk, AuditAction.CREATE)
    [changed] = entries("accounts.user", user.pk, AuditAction.UPDATE)
    assert created.after["password"] == "[hidden]"
    assert (changed.before, changed.after) == ({"password": "[hidden]"}, {"password": "[hidden]"})
    stored = json.dumps([[e.before, e.after] for e in AuditEntry.objects.all()])
    assert user.password not in stored
    assert "md5$" not in stored


def test_api_token_key_hash_is_hidden_and_its_use_not_logged(db, member):
    token, _raw = ApiToken.issue(member, "script")
    [created] = entries("accounts.apitoken", token.pk)
    assert created.after["key_hash"] == "[hidden]"
    assert token.key_hash not in json.dumps(created.after)
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    assert len(entries("accounts.apitoken", token.pk)) == 1


def test_logins_are_not_changes_to_the_account(client, member):
    count = AuditEntry.objects.count()
    client.force_login(member)
    assert client.get("/en/").status_code == 200
    assert AuditEntry.objects.count() == count


def test_derived_data_is_not_logged(db, organisation):
    labels = set(AuditEntry.objects.values_list("model", flat=True))
    assert labels.isdisjoint(audit.EXCLUDED_MODELS)
    assert "matching.indexchange" not in labels


def test_a_user_deleting_their_own_account_keeps_the_log_consistent(client, member):
    with audit.acting_as(member):
        member.delete()
    [entry] = entries("accounts.user", action=AuditAction.DELETE)
    assert (entry.actor, entry.actor_label) == (None, "member")
    membership = entries("accounts.membership", action=AuditAction.DELETE)
    assert [e.actor for e in membership] == [None]
    assert not User.objects.filter(username="member").exists()


def test_a_change_rolled_back_leaves_no_entry(db, organisation):
    from django.db import transaction

    AuditEntry.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        organisation.name = "Never"
        organisation.save()
        raise RuntimeError
    assert AuditEntry.objects.count() == 0


# --- bulk writes --------------------------------------------------------------------------


def test_update_recorded_writes_an_entry_per_changed_row(db):
    one = factories.OrganisationFactory(name="One", status="draft")
    two = factories.OrganisationFactory(name="Two", status="published")
    AuditEntry.objects.all().delete()
    with audit.acting_as("bulk"):
        count = audit.update_recorded(Organisation.objects.all(), status="archived")
    assert count == 2
    got = {e.object_id: (e.before, e.after, e.actor_label) for e in AuditEntry.objects.all()}
    assert got == {
        str(one.pk): ({"status": "draft"}, {"status": "archived"}, "bulk"),
        str(two.pk): ({"status": "published"}, {"status": "archived"}, "bulk"),
    }


def test_bulk_update_and_bulk_create_recorded(db, organisation):
    AuditEntry.objects.all().delete()
    people = Person.objects.bulk_create(
        [
            Person(organisation=organisation, full_name="Anna", role="CEO"),
            Person(organisation=organisation, full_name="Bruno", role="CTO"),
        ]
    )
    audit.record_bulk(AuditAction.CREATE, people)
    people[0].role = "Chair"
    audit.bulk_update_recorded(people, ["role"])
    created = entries("registry.person", action=AuditAction.CREATE)
    assert sorted(e.after["full_name"] for e in created) == ["Anna", "Bruno"]
    [updated] = entries("registry.person", action=AuditAction.UPDATE)
    assert (updated.object_id, updated.before, updated.after) == (
        str(people[0].pk),
        {"role": "CEO"},
        {"role": "Chair"},
    )


def test_expired_profiles_are_recorded(db, organisation):
    from distretto.opportunities import services
    from distretto.opportunities.models import CooperationProfile

    profile = factories.CooperationProfileFactory(
        owner=organisation, expires_on=timezone.localdate() - timedelta(days=1)
    )
    AuditEntry.objects.all().delete()
    with audit.acting_as("command: profiles expire"):
        assert services.expire_profiles(timezone.now()) == 1
    [entry] = entries("opportunities.cooperationprofile", profile.pk)
    assert entry.after == {"status": CooperationProfile.objects.get(pk=profile.pk).status}
    assert entry.actor_label == "command: profiles expire"


# --- the back office ----------------------------------------------------------------------


def test_facilitator_reads_the_log_with_a_readable_diff(client, facilitator, organisation):
    organisation.summary_en = "Blood <lines>"
    organisation.save()
    entry = entries("registry.organisation", organisation.pk, AuditAction.UPDATE)[0]
    client.force_login(facilitator)

    listing = client.get(reverse("admin:accounts_auditentry_changelist"))
    detail = client.get(reverse("admin:accounts_auditentry_change", args=[entry.pk]))
    filtered = client.get(
        reverse("admin:accounts_auditentry_changelist"),
        {"model": "registry.organisation", "object_id": organisation.pk, "action": "update"},
    )

    assert listing.status_code == 200
    assert [e.pk for e in filtered.context["cl"].result_list] == [entry.pk]
    page = detail.content.decode()
    assert detail.status_code == 200
    assert "Medical device maker" in page
    assert "Blood &lt;lines&gt;" in page
    assert "Blood <lines>" not in page
    assert 'name="_save"' not in page  # read only
    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    delete = client.post(reverse("admin:accounts_auditentry_delete", args=[entry.pk]))
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_search_by_actor_label(client, facilitator, organisation):
    with audit.acting_as("command: import organisations"):
        factories.OrganisationFactory(name="Imported")
    client.force_login(facilitator)
    response = client.get(reverse("admin:accounts_auditentry_changelist"), {"q": "import"})
    assert [e.object_repr for e in response.context["cl"].result_list] == ["Imported"]


def test_record_page_in_the_back_office_links_to_its_entries(client, facilitator, organisation):
    client.force_login(facilitator)
    page = client.get(
        reverse("admin:registry_organisation_change", args=[organisation.pk])
    ).content.decode()
    assert (
        f"/admin/accounts/auditentry/?model=registry.organisation&amp;object_id={organisation.pk}"
        in page
    )


def test_non_facilitators_cannot_see_the_log(client, member, organisation):
    url = reverse("admin:accounts_auditentry_changelist")
    entry = AuditEntry.objects.first()
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

    staff = factories.UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:accounts_auditentry_change", args=[entry.pk])).status_code in (
        403,
        302,
    )
    index = client.get(reverse("admin:index"))
    assert "auditentry" not in index.content.decode()


# --- retention ----------------------------------------------------------------------------


def make_entry(days_ago: int) -> AuditEntry:
    return AuditEntry.objects.create(
        at=timezone.now() - timedelta(days=days_ago),
        actor_label="test",
        action=AuditAction.UPDATE,
        model="registry.organisation",
        object_id="1",
    )


@pytest.fixture
def aged(db, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    AuditEntry.objects.all().delete()
    return {"old": make_entry(31), "older": make_entry(400), "recent": make_entry(29)}


def test_prune_dry_run_counts_and_deletes_nothing(aged):
    out = StringIO()
    call_command("audit_prune", "--dry-run", stdout=out)
    assert out.getvalue().strip() == (
        "2 audit entries are older than 30 days and would be deleted."
    )
    assert AuditEntry.objects.count() == 3


def test_prune_deletes_only_entries_past_retention(aged):
    out = StringIO()
    call_command("audit_prune", stdout=out)
    assert out.getvalue().strip() == "2 audit entries older than 30 days deleted."
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [aged["recent"].pk]


def test_prune_task_does_the_same(aged):
    result = prune_audit_task.enqueue()
    assert result.return_value == 2
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [aged["recent"].pk]


def test_retention_zero_keeps_everything(aged, settings):
    settings.AUDIT_RETENTION_DAYS = 0
    out = StringIO()
    call_command("audit_prune", stdout=out)
    assert "kept forever" in out.getvalue()
    assert AuditEntry.objects.count() == 3


def test_cli_alias():
    from distretto.cli import translate

    assert translate(["audit", "prune", "--dry-run"]) == ["audit_prune", "--dry-run"]


# --- privacy ------------------------------------------------------------------------------


def test_anonymise_actor_and_scrub_record(db, organisation, org_admin):
    with audit.acting_as(org_admin):
        person = factories.PersonFactory(organisation=organisation, full_name="Anna Rossi")
        person.email = "anna@example.org"
        person.save()
    Membership.objects.filter(user=org_admin).update(role="member")

    assert audit.anonymise_actor(org_admin) == 2
    assert audit.scrub_record(Person, person.pk, ["full_name", "email"]) == 2

    for entry in entries("registry.person", person.pk):
        assert (entry.actor, entry.actor_label, entry.object_repr) == (None, "erased", "[erased]")
        text = json.dumps([entry.before, entry.after])
        assert "Anna" not in text
        assert "anna@example.org" not in text
    created = entries("registry.person", person.pk, AuditAction.CREATE)[0]
    assert created.after["full_name"] == "[erased]"
    assert created.after["organisation"] == organisation.pk  # not personal: kept
