"""distretto createapitoken: issues a token and prints its key once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from distretto.accounts.models import ApiToken, hash_token
from distretto.accounts.services import authenticate_token
from tests import factories


def test_createapitoken_prints_a_working_key_once(db):
    user = factories.UserFactory(username="robot")
    out = StringIO()

    call_command("createapitoken", "robot", "--name", "nightly export", stdout=out)

    token = ApiToken.objects.get()
    lines = out.getvalue().splitlines()
    key = lines[-1]
    assert lines[0] == (
        f"API token 'nightly export' issued for robot (prefix {token.prefix}, scope read, "
        f"expires {token.expires_at:%Y-%m-%d}). The key is shown once; copy it now:"
    )
    assert (token.name, token.key_hash, key.startswith("dst_")) == (
        "nightly export",
        hash_token(key),
        True,
    )
    assert authenticate_token(key) == user


def test_createapitoken_unknown_user_is_an_error(db):
    with pytest.raises(CommandError) as error:
        call_command("createapitoken", "nobody", "--name", "x", stdout=StringIO())

    assert str(error.value) == "username: There is no user with this username."
    assert ApiToken.objects.count() == 0


def test_createapitoken_inactive_user_or_blank_name_is_an_error(db):
    factories.UserFactory(username="gone", is_active=False)
    factories.UserFactory(username="robot")

    with pytest.raises(CommandError) as inactive:
        call_command("createapitoken", "gone", "--name", "x", stdout=StringIO())
    with pytest.raises(CommandError) as blank:
        call_command("createapitoken", "robot", "--name", "  ", stdout=StringIO())

    assert str(inactive.value) == "username: This account is inactive."
    assert str(blank.value) == (
        "name: Give the token a name, e.g. the script or service that uses it."
    )
