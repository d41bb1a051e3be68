"""Who may use the back office: facilitators; staff who are not facilitators see nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

REGISTRY_MODELS = [
    ("registry", "organisation", "Select organisation to change"),
    ("registry", "person", "Select person to change"),
    ("registry", "tie", "Select tie to change"),
    ("registry", "programme", "Select programme or call to change"),
    ("registry", "project", "Select project to change"),
    ("registry", "district", "Select district to change"),
    ("taxonomy", "taxonomy", "Select taxonomy to change"),
    ("taxonomy", "code", "Select code to change"),
    ("taxonomy", "municipality", "Select municipality to change"),
    ("accounts", "user", "Select user to change"),
    ("accounts", "membership", "Select membership to change"),
    ("accounts", "apitoken", "Select API token to change"),
]


@pytest.fixture
def staff_only(db):
    return factories.UserFactory(username="staffer", is_staff=True)


@pytest.mark.parametrize(("app", "model", "title"), REGISTRY_MODELS)
def test_changelist_renders_for_a_facilitator(client, facilitator, app, model, title):
    client.force_login(facilitator)

    list_page = client.get(reverse(f"admin:{app}_{model}_changelist"))
    add_page = client.get(reverse(f"admin:{app}_{model}_add"))

    assert (list_page.status_code, add_page.status_code) == (200, 200)
    assert f"<h1>{title}</h1>" in list_page.content.decode()


@pytest.mark.parametrize(("app", "model", "title"), REGISTRY_MODELS)
def test_changelist_refused_to_staff_who_are_not_facilitators(
    client, staff_only, app, model, title
):
    client.force_login(staff_only)

    response = client.get(reverse(f"admin:{app}_{model}_changelist"))

    assert response.status_code == 403
    assert title not in response.content.decode()


def test_staff_non_facilitator_cannot_change_an_organisation(client, staff_only, organisation):
    client.force_login(staff_only)

    response = client.post(
        reverse("admin:registry_organisation_changelist"),
        {"action": "archive", "_selected_action": [organisation.pk]},
    )

    organisation.refresh_from_db()
    assert (response.status_code, organisation.status) == (403, "published")


def test_admin_index_lists_registry_for_facilitators_only(client, facilitator, staff_only):
    client.force_login(facilitator)
    as_facilitator = client.get(reverse("admin:index")).content.decode()
    client.force_login(staff_only)
    as_staff = client.get(reverse("admin:index")).content.decode()

    assert 'href="/en/admin/registry/organisation/"' in as_facilitator
    assert 'href="/en/admin/registry/organisation/"' not in as_staff
    assert "You don’t have permission to view or edit anything." in as_staff


def test_admin_refuses_organisation_admins_who_are_not_staff(client, org_admin):
    client.force_login(org_admin)

    response = client.get(reverse("admin:registry_organisation_changelist"))

    assert (response.status_code, response["Location"]) == (
        302,
        "/en/admin/login/?next=/en/admin/registry/organisation/",
    )
