"""Privacy from the person's side (My account, the notice), the back office and the shell."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from distretto import cli
from distretto.accounts import privacy
from distretto.accounts.enums import ConsentPurpose
from distretto.accounts.models import AuditEntry, Consent, User
from distretto.accounts.services import SYSTEM
from distretto.registry.models import Person
from tests import factories
from tests.admin.test_organisation_admin import form_data as organisation_form

ACCOUNT = "/en/accounts/"
PASSWORD = "correct horse battery staple"  # the factories' password


@pytest.fixture
def own_contact(member, organisation):
    """The member's own contact record at Acme Medical, shown publicly."""
    person = factories.PersonFactory(
        organisation=organisation, full_name="Mario Membro", user=member
    )
    privacy.record_consent(
        SYSTEM, person=person, purpose=ConsentPurpose.VISIBLE_PUBLIC, granted=True
    )
    return person


# --- My account ---------------------------------------------------------------------


def test_my_account_needs_a_login(client, db):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert client.get(ACCOUNT + "export/").status_code == 302
    assert client.post(ACCOUNT + "erase/").status_code == 302


def test_my_account_lists_my_consents_and_my_contact_records(client, member, own_contact):
    client.force_login(member)
    page = client.get(ACCOUNT).content.decode()
    assert "My consents" in page
    assert str(privacy.CONSENT_TEXTS[ConsentPurpose.DIGESTS]) in page
    assert "As contact person of Acme Medical (Mario Membro)" in page
    assert privacy.CONSENT_TEXT_VERSION in page
    # The user menu of every page leads here.
    assert f'href="{ACCOUNT}"' in client.get("/en/").content.decode()


def test_withdrawing_on_my_account_hides_my_contact_at_once(client, member, own_contact):
    page = f"/en/organisations/{own_contact.organisation.slug}/"
    assert "Mario Membro" in client.get(page).content.decode()
    client.force_login(member)
    response = client.post(
        ACCOUNT + "consent/",
        {"purpose": "visible_public", "granted": "0", "person": own_contact.pk},
    )
    assert response.status_code == 302
    own_contact.refresh_from_db()
    assert own_contact.consent_public is False
    latest = Consent.objects.filter(person=own_contact).order_by("-recorded_at", "-pk").first()
    assert (latest.granted, latest.recorded_by) == (False, member)
    client.logout()
    assert "Mario Membro" not in client.get(page).content.decode()


def test_consent_to_digests_is_given_and_withdrawn_on_my_account(client, member):
    client.force_login(member)
    client.post(ACCOUNT + "consent/", {"purpose": "digests", "granted": "1"})
    client.post(ACCOUNT + "consent/", {"purpose": "digests", "granted": "0"})
    assert list(
        Consent.objects.filter(user=member).order_by("recorded_at", "pk").values_list("granted")
    ) == [(True,), (False,)]
    assert not privacy.digests_allowed(member)
    assert client.get(ACCOUNT + "consent/").status_code == 405


def test_saved_searches_from_before_consents_count_as_consent_to_digests(client, member):
    from distretto.alerts.models import SavedSearch

    client.force_login(member)
    assert "not given" in client.get(ACCOUNT).content.decode()
    SavedSearch.objects.create(owner=member, name="Old search", params={"q": ["pumps"]})
    page = client.get(ACCOUNT).content.decode()
    assert "not given" not in page
    assert "Withdraw" in page
    assert privacy.digests_allowed(member)


def test_i_cannot_record_consent_for_someone_elses_contact(client, member, other_member):
    stranger = factories.PersonFactory(full_name="Someone Else", user=other_member)
    client.force_login(member)
    response = client.post(
        ACCOUNT + "consent/", {"purpose": "contact", "granted": "1", "person": stranger.pk}
    )
    assert response.status_code == 404
    assert not Consent.objects.filter(person=stranger).exists()


def test_download_my_data(client, member, other_member, own_contact):
    client.force_login(member)
    response = client.get(ACCOUNT + "export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-user-{member.pk}.json"'
    )
    data = json.loads(response.content)
    assert data["account"]["username"] == "member"
    assert [r["full_name"] for r in data["contact_records"]] == ["Mario Membro"]
    assert "othermember" not in response.content.decode()


def test_erasing_my_account_needs_my_password_and_logs_me_out(client, member, own_contact):
    client.force_login(member)
    assert "Your password" in client.get(ACCOUNT + "erase/").content.decode()
    wrong = client.post(ACCOUNT + "erase/", {"password": "not it"})
    assert wrong.status_code == 200
    assert "The password is not correct." in wrong.content.decode()
    assert User.objects.get(pk=member.pk).is_active

    response = client.post(ACCOUNT + "erase/", {"password": PASSWORD})
    assert response.status_code == 302
    erased = User.objects.get(pk=member.pk)
    assert (erased.username, erased.email, erased.is_active) == (f"erased-{member.pk}", "", False)
    assert not Person.objects.filter(pk=own_contact.pk).exists()
    assert client.get(ACCOUNT).status_code == 302  # logged out
    # The erasure's own entries in the audit log do not name the user either.
    assert not AuditEntry.objects.filter(actor_id=member.pk).exists()
    assert not AuditEntry.objects.filter(actor_label="member").exists()
    assert AuditEntry.objects.filter(model="accounts.user", actor_label="erased").exists()


# --- the privacy notice ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "heading", "rights"),
    [
        ("/privacy/", "<h1>", "/accounts/"),
        ("/en/privacy/", "Privacy notice", "/en/accounts/"),
    ],
)
def test_the_privacy_notice_is_public_in_both_languages(client, db, settings, url, heading, rights):
    settings.PRIVACY_CONTROLLER = "Consorzio Distretto Biomedicale"
    settings.PRIVACY_CONTACT = "privacy@district.example"
    settings.PRIVACY_RETENTION_DAYS = 730
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert heading in page
    assert "Consorzio Distretto Biomedicale" in page
    assert 'href="mailto:privacy@district.example"' in page
    assert f'href="{rights}"' in page
    assert "730" in page
    assert privacy.CONSENT_TEXT_VERSION in page
    assert f'href="{url}"' in page  # the footer links it


def test_the_privacy_notice_is_in_italian_by_default(client, db):
    page = client.get("/privacy/").content.decode()
    assert '<html lang="it">' in page


def test_the_notice_shows_the_consent_texts_in_english(client, db):
    page = client.get("/en/privacy/").content.decode()
    for purpose in ConsentPurpose.values:
        assert str(privacy.CONSENT_TEXTS[purpose]).replace("'", "&#x27;") in page


# --- the back office -------------------------------------------------------------------


def changelist(model: str) -> str:
    return reverse(f"admin:{model}_changelist")


def test_a_facilitator_exports_a_users_data_from_the_back_office(client, facilitator, member):
    client.force_login(facilitator)
    response = client.post(
        changelist("accounts_user"),
        {"action": "export_personal_data", "_selected_action": [member.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-user-{member.pk}.json"'
    )
    assert json.loads(response.content)["account"]["username"] == "member"


def test_a_facilitator_erases_after_confirming(client, facilitator, member):
    client.force_login(facilitator)
    url = changelist("accounts_user")
    data = {"action": "erase_personal_data", "_selected_action": [member.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200
    assert "Yes, erase their personal data" in confirm.content.decode()
    assert User.objects.get(pk=member.pk).username == "member"

    done = client.post(url, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert User.objects.get(pk=member.pk).username == f"erased-{member.pk}"


def test_contact_people_are_exported_and_erased_from_the_back_office(client, facilitator):
    person = factories.PersonFactory(full_name="Piera Contatto")
    client.force_login(facilitator)
    url = changelist("registry_person")
    exported = client.post(url, {"action": "export_personal_data", "_selected_action": [person.pk]})
    assert json.loads(exported.content)["contact_record"]["full_name"] == "Piera Contatto"
    client.post(
        url, {"action": "erase_personal_data", "_selected_action": [person.pk], "confirm": "yes"}
    )
    assert not Person.objects.filter(pk=person.pk).exists()


def test_the_back_office_actions_are_for_facilitators_only(client, member, other_member):
    staff = factories.UserFactory(username="staffer", is_staff=True)
    for user in (member, staff):
        client.force_login(user)
        response = client.post(
            changelist("accounts_user"),
            {
                "action": "erase_personal_data",
                "_selected_action": [other_member.pk],
                "confirm": "yes",
            },
        )
        assert response.status_code in (302, 403)
    assert User.objects.get(pk=other_member.pk).username == "othermember"


def test_the_consent_history_is_read_only_in_the_back_office(client, facilitator, member):
    privacy.record_consent(member, user=member, purpose=ConsentPurpose.DIGESTS, granted=False)
    client.force_login(facilitator)
    page = client.get(changelist("accounts_consent"))
    assert page.status_code == 200
    assert "member" in page.content.decode()
    assert client.get(reverse("admin:accounts_consent_add")).status_code == 403
    record = Consent.objects.get()
    assert (
        client.post(reverse("admin:accounts_consent_delete", args=[record.pk])).status_code == 403
    )


def test_consent_changes_in_the_back_office_are_recorded(client, facilitator, organisation):
    person = factories.PersonFactory(organisation=organisation, full_name="Rita")
    client.force_login(facilitator)
    url = reverse("admin:registry_person_change", args=[person.pk])
    response = client.post(
        url,
        {
            "organisation": organisation.pk,
            "full_name": "Rita",
            "role": "",
            "email": "",
            "phone": "",
            "consent_members": "on",
            "user": "",
        },
    )
    assert response.status_code == 302
    assert list(Consent.objects.filter(person=person).values_list("purpose", "granted")) == [
        ("visible_members", True)
    ]
    assert list(
        Consent.objects.filter(person=person).values_list("recorded_by__username", flat=True)
    ) == ["facilitator"]


def test_consent_changes_in_the_organisations_people_are_recorded(admin_client, organisation):
    person = factories.PersonFactory(organisation=organisation, full_name="Pia")
    response = admin_client.post(
        reverse("admin:registry_organisation_change", args=[organisation.pk]),
        organisation_form(
            name="Acme Medical",
            slug=organisation.slug,
            status="published",
            **{
                "people-TOTAL_FORMS": "1",
                "people-INITIAL_FORMS": "1",
                "people-0-id": str(person.pk),
                "people-0-organisation": str(organisation.pk),
                "people-0-full_name": "Pia",
                "people-0-role": person.role,
                "people-0-email": person.email,
                "people-0-consent_public": "on",
                "people-0-consent_contact": "on",
            },
        ),
    )
    assert response.status_code == 302
    assert set(Consent.objects.filter(person=person).values_list("purpose", "granted")) == {
        ("visible_public", True),
        ("contact", True),
    }


# --- the shell --------------------------------------------------------------------------


def test_the_cli_words_map_to_the_privacy_commands():
    assert cli.translate(["privacy", "purge", "--dry-run"]) == ["privacy_purge", "--dry-run"]
    assert cli.translate(["privacy", "export", "--user", "x"]) == ["privacy_export", "--user", "x"]
    assert cli.translate(["privacy", "erase", "--user", "x"]) == ["privacy_erase", "--user", "x"]


def test_privacy_export_prints_or_writes_the_json(db, member, capsys, tmp_path):
    call_command("privacy_export", user="member")
    assert json.loads(capsys.readouterr().out)["account"]["username"] == "member"
    target = tmp_path / "out.json"
    call_command("privacy_export", user="member", output=str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["account"]["email"] == member.email
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        call_command("privacy_export", user="nobody")


def test_privacy_erase_asks_unless_yes(db, member, capsys, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError, match="Nothing erased"):
        call_command("privacy_erase", user="member")
    assert User.objects.get(pk=member.pk).username == "member"
    call_command("privacy_erase", user="member", yes=True)
    assert User.objects.get(pk=member.pk).username == f"erased-{member.pk}"
    assert "1 membership(s)" in capsys.readouterr().out


def test_privacy_erase_a_contact_person(db, capsys):
    person = factories.PersonFactory(full_name="Gone Soon")
    call_command("privacy_erase", person=person.pk, yes=True)
    assert not Person.objects.filter(pk=person.pk).exists()


def test_privacy_purge_dry_run_and_run(db, settings, capsys):
    from datetime import timedelta

    from django.utils import timezone

    settings.PRIVACY_RETENTION_DAYS = 100
    old = factories.UserFactory(username="old")
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(days=101))
    call_command("privacy_purge", dry_run=True)
    out = capsys.readouterr().out
    assert "account old: would be erased" in out
    assert "dry run" in out
    assert User.objects.filter(username="old").exists()
    call_command("privacy_purge")
    assert "account old: erased" in capsys.readouterr().out
    assert not User.objects.filter(username="old").exists()

    settings.PRIVACY_RETENTION_DAYS = 0
    call_command("privacy_purge")
    assert "nothing is purged" in capsys.readouterr().out
