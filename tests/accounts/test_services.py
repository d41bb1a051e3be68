from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from distretto.accounts import services
from distretto.accounts.models import User
from distretto.accounts.roles import administered_organisation_ids, is_facilitator


def test_create_facilitator_generates_a_password(db):
    user, password = services.create_facilitator(services.SYSTEM, "anna", "anna@example.org")
    assert (user.is_facilitator, user.is_staff, user.check_password(password)) == (True, True, True)
    assert len(password) >= 12


def test_create_facilitator_refuses_non_facilitators(member):
    for actor in (AnonymousUser(), member):
        with pytest.raises(PermissionDenied):
            services.create_facilitator(actor, "x")
    assert User.objects.filter(username="x").exists() is False


def test_create_facilitator_rejects_weak_password_and_duplicates(facilitator):
    with pytest.raises(ValidationError) as weak:
        services.create_facilitator(facilitator, "bob", password="123")
    assert list(weak.value.message_dict) == ["password"]
    with pytest.raises(ValidationError) as taken:
        services.create_facilitator(facilitator, "FACILITATOR")
    assert taken.value.message_dict == {"username": ["This username is already taken."]}


def test_add_membership_by_org_admin_and_role_cache(organisation, org_admin, other_member):
    newcomer = User.objects.create_user("newcomer")
    services.add_membership(org_admin, newcomer, organisation, "admin")
    assert administered_organisation_ids(newcomer) == {organisation.pk}
    with pytest.raises(PermissionDenied):
        services.add_membership(other_member, newcomer, organisation)


def test_inactive_facilitator_is_not_a_facilitator(facilitator):
    facilitator.is_active = False
    assert is_facilitator(facilitator) is False
