"""API tokens have a scope, an expiry date and can be revoked; the API limits request rates."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from distretto.accounts import services
from distretto.accounts.enums import TokenScope
from distretto.accounts.models import ApiToken
from distretto.registry.models import Organisation
from tests.api.conftest import problems

LIST = "/api/v1/organisations"
REFUSED = problems(
    (
        None,
        "The API token is not valid: it may be mistyped, expired or revoked, or its user inactive.",
    )
)


def _post(api, raw, name="By Script"):
    return api.post(
        LIST,
        {"name": name, "kind": "sme"},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )


def test_a_read_token_reads_but_may_not_write(api, facilitator, organisation):
    _token, raw = services.issue_api_token(facilitator, facilitator.username, "reader")

    read = api.get(f"{LIST}/{organisation.slug}", headers={"authorization": f"Bearer {raw}"})
    write = _post(api, raw)

    assert read.status_code == 200
    assert write.status_code == 403
    assert "may only read" in write.json()["detail"][0]["message"]
    assert not Organisation.objects.filter(name="By Script").exists()


def test_a_write_token_writes(api, facilitator):
    _token, raw = services.issue_api_token(
        facilitator, facilitator.username, "writer", scope=TokenScope.WRITE
    )

    assert _post(api, raw).status_code == 201


def test_an_expired_token_is_refused(api, facilitator):
    token, raw = services.issue_api_token(
        facilitator, facilitator.username, "old", scope=TokenScope.WRITE, days=30
    )
    assert token.expires_at is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    read = api.get(LIST, headers={"authorization": f"Bearer {raw}"})
    write = _post(api, raw)

    assert (read.status_code, read.json()) == (401, REFUSED)
    assert (write.status_code, write.json()) == (401, REFUSED)


def test_new_tokens_expire_after_the_configured_days_unless_zero(facilitator, settings):
    settings.API_TOKEN_DAYS = 10
    default, _raw = services.issue_api_token(facilitator, facilitator.username, "default")
    forever, _raw = services.issue_api_token(facilitator, facilitator.username, "forever", days=0)

    assert timedelta(days=9) < default.expires_at - timezone.now() <= timedelta(days=10)
    assert forever.expires_at is None
    assert default.scope == TokenScope.READ


def test_bad_scope_or_lifetime_is_refused_naming_the_field(facilitator):
    with pytest.raises(ValidationError) as scope:
        services.issue_api_token(facilitator, facilitator.username, "x", scope="admin")
    with pytest.raises(ValidationError) as days:
        services.issue_api_token(facilitator, facilitator.username, "x", days=-1)

    assert list(scope.value.message_dict) == ["scope"]
    assert list(days.value.message_dict) == ["days"]
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused_at_once(api, facilitator):
    token, raw = services.issue_api_token(
        facilitator, facilitator.username, "script", scope=TokenScope.WRITE
    )
    assert _post(api, raw, "First").status_code == 201

    assert services.revoke_api_token(facilitator, token) is True
    assert services.revoke_api_token(facilitator, token) is False

    assert (_post(api, raw, "Second").status_code, _post(api, raw, "Second").json()) == (
        401,
        REFUSED,
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_only_the_owner_or_a_facilitator_revokes(member, other_member, facilitator):
    token, _raw = services.issue_api_token(member, member.username, "mine")

    with pytest.raises(PermissionDenied):
        services.revoke_api_token(other_member, token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert services.revoke_api_token(member, token) is True


def test_cli_issues_scoped_expiring_tokens_and_revokes_them(api, facilitator):
    out = StringIO()
    call_command(
        "createapitoken",
        facilitator.username,
        "--name",
        "sync",
        "--scope",
        "write",
        "--days",
        "7",
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(name="sync")
    assert "scope write" in out.getvalue() and token.scope == TokenScope.WRITE
    assert _post(api, raw).status_code == 201

    revoked = StringIO()
    # Typed with dst_, as the admin guide says: a prefix may start with a dash.
    call_command("revokeapitoken", f"dst_{token.prefix}", stdout=revoked)

    assert "revoked" in revoked.getvalue()
    assert _post(api, raw, "Again").status_code == 401
    with pytest.raises(CommandError, match="prefix"):
        call_command("revokeapitoken", "zzzzzzzz", stdout=StringIO())


def test_back_office_revokes_instead_of_deleting(client, facilitator, member):
    token, _raw = services.issue_api_token(member, member.username, "crm")
    client.force_login(facilitator)

    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert client.get(f"/admin/accounts/apitoken/{token.pk}/delete/").status_code == 403


def test_back_office_issues_a_scoped_token(client, facilitator, member):
    client.force_login(facilitator)

    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"user": member.pk, "name": "from admin", "scope": "write", "days": "3"},
        follow=True,
    )

    token = ApiToken.objects.get(name="from admin")
    assert response.status_code == 200
    assert token.scope == TokenScope.WRITE
    assert timedelta(days=2) < token.expires_at - timezone.now() <= timedelta(days=3)


def test_anonymous_clients_are_limited_per_address(api, settings, organisation):
    settings.API_RATE_ANONYMOUS = "3/min"
    from django.core.cache import caches

    caches["throttle"].clear()
    statuses = [api.get(LIST).status_code for _ in range(4)]
    other_address = api.get(LIST, REMOTE_ADDR="10.0.0.9")
    limited = api.get(LIST)

    assert statuses == [200, 200, 200, 429]
    assert other_address.status_code == 200
    assert int(limited["Retry-After"]) >= 1
    assert "Too many requests" in limited.json()["detail"][0]["message"]


def test_users_get_their_own_larger_allowance(api, settings, facilitator):
    settings.API_RATE_ANONYMOUS = "1/min"
    settings.API_RATE_USER = "3/min"
    from django.core.cache import caches

    caches["throttle"].clear()
    _token, raw = services.issue_api_token(facilitator, facilitator.username, "r")
    headers = {"authorization": f"Bearer {raw}"}
    made_up = {"authorization": "Bearer dst_made-up"}

    as_user = [api.get(LIST, headers=headers).status_code for _ in range(4)]
    anonymous = [api.get(LIST, headers=made_up).status_code for _ in range(2)]

    assert as_user == [200, 200, 200, 429]
    # A made-up token counts against the address, and is refused anyway.
    assert anonymous == [401, 429]
