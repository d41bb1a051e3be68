"""Bearer tokens: accepted for the right user, refused when wrong, revoked or inactive."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from distretto.accounts.enums import TokenScope
from distretto.accounts.models import ApiToken
from distretto.registry.enums import Status
from tests import factories
from tests.api.conftest import problems

LIST = "/api/v1/organisations"
REFUSED = problems(
    (
        None,
        "The API token is not valid: it may be mistyped, expired or revoked, or its user inactive.",
    )
)


def test_token_authenticates_a_write_and_records_its_use(api, facilitator):
    token, raw = ApiToken.issue(facilitator, "script", scope=TokenScope.WRITE)

    response = api.post(
        LIST,
        {"name": "By Script", "kind": "sme"},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )

    token.refresh_from_db()
    assert (response.status_code, response.json()["name"]) == (201, "By Script")
    assert token.last_used_at is not None
    assert token.key_hash != raw and raw not in token.prefix


def test_token_lets_a_member_read_own_draft(api, organisation, member):
    organisation.status = Status.DRAFT
    organisation.save()
    _token, raw = ApiToken.issue(member, "script", scope=TokenScope.WRITE)

    response = api.get(f"{LIST}/{organisation.slug}", headers={"authorization": f"Bearer {raw}"})

    assert (response.status_code, response.json()["status"]) == (200, "draft")


def test_token_wrong_key_is_refused_even_for_reads(api, organisation, facilitator):
    _token, raw = ApiToken.issue(facilitator, "script", scope=TokenScope.WRITE)
    for key in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "not-a-token", ""):
        headers = {"authorization": f"Bearer {key}"}

        read = api.get(LIST, headers=headers)
        write = api.post(LIST, {}, content_type="application/json", headers=headers)

        assert (read.status_code, read.json()) == (401, REFUSED)
        assert (write.status_code, write.json()) == (401, REFUSED)


def test_token_of_inactive_user_is_refused(api, facilitator):
    _token, raw = ApiToken.issue(facilitator, "script", scope=TokenScope.WRITE)
    facilitator.is_active = False
    facilitator.save()

    response = api.post(
        LIST,
        {"name": "X", "kind": "sme"},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )

    assert (response.status_code, response.json()) == (401, REFUSED)


def test_token_of_deleted_token_is_refused(api, facilitator):
    token, raw = ApiToken.issue(facilitator, "script", scope=TokenScope.WRITE)
    token.delete()

    response = api.get(LIST, headers={"authorization": f"Bearer {raw}"})

    assert (response.status_code, response.json()) == (401, REFUSED)


def test_token_use_is_recorded_at_most_once_a_minute(api, facilitator):
    token, raw = ApiToken.issue(facilitator, "script", scope=TokenScope.WRITE)
    recent = timezone.now() - timedelta(seconds=10)
    stale = timezone.now() - timedelta(minutes=5)
    headers = {"authorization": f"Bearer {raw}"}

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    api.get(LIST, headers=headers)
    token.refresh_from_db()
    after_recent = token.last_used_at
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    api.get(LIST, headers=headers)
    token.refresh_from_db()

    assert after_recent == recent
    assert token.last_used_at > stale + timedelta(minutes=4)


def test_token_of_an_org_admin_may_patch_own_organisation(api, organisation, org_admin):
    other = factories.OrganisationFactory(name="Other")
    _token, raw = ApiToken.issue(org_admin, "script", scope=TokenScope.WRITE)
    headers = {"authorization": f"Bearer {raw}"}

    own = api.patch(
        f"{LIST}/{organisation.slug}",
        {"legal_name": "Acme S.p.A."},
        content_type="application/json",
        headers=headers,
    )
    foreign = api.patch(
        f"{LIST}/{other.slug}",
        {"legal_name": "Mine"},
        content_type="application/json",
        headers=headers,
    )

    assert (own.status_code, own.json()["legal_name"]) == (200, "Acme S.p.A.")
    assert (foreign.status_code, foreign.json()) == (
        403,
        problems((None, "You may not change this organisation.")),
    )
