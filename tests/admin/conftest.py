"""Back-office test helpers."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin_client(client, facilitator):
    """A browser logged in to the back office as a facilitator."""
    client.force_login(facilitator)
    return client
