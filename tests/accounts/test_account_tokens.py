"""My account: a person issues, sees and revokes their own API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from distretto.accounts.enums import TokenScope
from distretto.accounts.models import ApiToken
from distretto.accounts.services import issue_api_token


def test_a_member_issues_a_token_sees_its_key_once_and_it_works(client, member):
    client.force_login(member)

    response = client.post(
        "/en/accounts/tokens/",
        {"name": "My CRM", "scope": "write", "days": "30"},
        follow=True,
    )

    page = response.content.decode()
    key = re.search(r"dst_[A-Za-z0-9_-]{40,}", page).group(0)
    token = ApiToken.objects.get(user=member)
    assert (token.name, token.scope) == ("My CRM", TokenScope.WRITE)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert client.get("/en/accounts/").content.decode().count(key) == 0
    api = client.get("/api/v1/organisations", headers={"authorization": f"Bearer {key}"})
    assert api.status_code == 200


def test_bad_token_input_names_the_field_and_makes_nothing(client, member):
    client.force_login(member)

    response = client.post("/en/accounts/tokens/", {"name": "", "scope": "root", "days": "0"})

    form = response.context["token_form"]
    assert response.status_code == 422
    assert set(form.errors) == {"name", "scope", "days"}
    assert not ApiToken.objects.exists()


def test_a_member_revokes_own_token_but_not_anyone_elses(client, member, other_member):
    mine, _raw = issue_api_token(member, member.username, "mine")
    theirs, _raw = issue_api_token(other_member, other_member.username, "theirs")
    client.force_login(member)

    refused = client.post(f"/en/accounts/tokens/{theirs.pk}/revoke/")
    done = client.post(f"/en/accounts/tokens/{mine.pk}/revoke/", follow=True)

    assert refused.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert "revoked" in done.content.decode()


def test_the_page_lists_only_my_tokens_and_their_state(client, member, other_member):
    issue_api_token(member, member.username, "reader")
    old, _raw = issue_api_token(member, member.username, "old one", days=1)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    issue_api_token(other_member, other_member.username, "someone else's")
    client.force_login(member)

    page = client.get("/en/accounts/").content.decode()

    assert "reader" in page and "old one" in page and "expired" in page
    assert "someone else" not in page


def test_anonymous_visitors_cannot_issue_tokens(client, db):
    response = client.post("/en/accounts/tokens/", {"name": "x", "scope": "read", "days": "1"})

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not ApiToken.objects.exists()
