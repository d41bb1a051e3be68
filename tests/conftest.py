"""Shared fixtures: users of every role over a small registry built with factories."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests import factories


@pytest.fixture(autouse=True)
def english_by_default():
    """Tests assert English messages unless they switch language themselves."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users made by the factories get a password; a slow hasher would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Background tasks run inline, in order; a test of the queue itself sets its own backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def login_lockout_off(settings):
    """django-axes needs the request at every authenticate(), which the test client's
    login() does not pass; the lockout is tested on its own, through the login page."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def api_rate_limits_out_of_the_way(settings):
    """The API's rate limits are tested on their own; elsewhere they must not interfere.

    Each test process counts in its own memory: the data directory's shared folder
    would let one test worker's requests count against another's limits.
    """
    settings.API_RATE_ANONYMOUS = "100000/min"
    settings.API_RATE_USER = "100000/min"
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle-tests",
        },
    }


@pytest.fixture
def facilitator(db):
    return factories.UserFactory(is_facilitator=True, is_staff=True, username="facilitator")


@pytest.fixture
def organisation(db):
    return factories.OrganisationFactory(name="Acme Medical")


@pytest.fixture
def org_admin(organisation):
    user = factories.UserFactory(username="orgadmin")
    factories.MembershipFactory(user=user, organisation=organisation, role="admin")
    return user


@pytest.fixture
def member(organisation):
    user = factories.UserFactory(username="member")
    factories.MembershipFactory(user=user, organisation=organisation, role="member")
    return user


@pytest.fixture
def other_member(db):
    other = factories.OrganisationFactory(name="Other Firm")
    user = factories.UserFactory(username="othermember")
    factories.MembershipFactory(user=user, organisation=other, role="admin")
    return user
