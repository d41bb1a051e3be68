"""API test helpers: a client speaking English, bearer tokens for each role."""

from __future__ import annotations

import pytest
from django.test import Client

from distretto.accounts.enums import TokenScope
from distretto.accounts.models import ApiToken


@pytest.fixture
def api():
    """A client asking for English, as the assertions on messages are in English."""
    return Client(headers={"accept-language": "en"})


def bearer(user, scope: str = TokenScope.WRITE) -> dict[str, str]:
    """Headers authenticating ``user`` with a freshly issued API token (write scope by default)."""
    _token, raw = ApiToken.issue(user, "tests", scope=scope)
    return {"authorization": f"Bearer {raw}", "accept-language": "en"}


def problems(*pairs: tuple[str | None, str]) -> dict:
    """The API's error body for ``(field, message)`` pairs."""
    return {"detail": [{"field": field, "message": message} for field, message in pairs]}
