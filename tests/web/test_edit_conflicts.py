"""Two people edit the same organisation at once: no lost update.

Each edit form carries the version it was opened with; the second save over a
changed record is refused with a clear message, keeping the input, and saves
nothing. Concurrent service calls: exactly one of them wins.
"""

from __future__ import annotations

import pytest
from django.test import Client

from distretto.concurrency import EditConflict
from distretto.registry import services
from distretto.registry.models import Organisation
from tests import factories
from tests.threads import run_together
from tests.web.test_editing import edit_url, profile_post

CONFLICT = "Someone else saved this organisation after you opened it; your changes were not saved."


def opened_version(client: Client, organisation: Organisation) -> str:
    page = client.get(edit_url(organisation)).content.decode()
    marker = 'name="version" value="'
    assert marker in page
    return page.split(marker, 1)[1].split('"', 1)[0]


@pytest.fixture
def second_admin(organisation):
    user = factories.UserFactory(username="secondadmin")
    factories.MembershipFactory(user=user, organisation=organisation, role="admin")
    return user


def test_second_save_over_a_changed_organisation_is_refused_and_keeps_the_input(
    db, organisation, org_admin, second_admin
):
    first, second = Client(), Client()
    first.force_login(org_admin)
    second.force_login(second_admin)
    # Both open the form at the same version.
    assert opened_version(first, organisation) == opened_version(second, organisation) == "1"

    saved = first.post(
        edit_url(organisation),
        profile_post(organisation, summary_en="Dialysis lines", version="1"),
    )
    assert saved.status_code == 302
    refused = second.post(
        edit_url(organisation),
        profile_post(
            organisation, summary_en="Blood tubing", legal_name="Acme S.r.l.", version="1"
        ),
    )

    page = refused.content.decode()
    assert refused.status_code == 200
    assert CONFLICT in page
    # The input is kept; the current stored value is shown beside it.
    assert 'value="Blood tubing"' in page
    assert 'value="Acme S.r.l."' in page
    assert "Dialysis lines" in page
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert 'name="version" value="2"' in page
    organisation.refresh_from_db()
    assert (organisation.summary_en, organisation.legal_name, organisation.version) == (
        "Dialysis lines",
        "",
        2,
    )

    again = second.post(
        edit_url(organisation),
        profile_post(organisation, summary_en="Blood tubing", version="2"),
    )
    assert again.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.summary_en, organisation.version) == ("Blood tubing", 3)


def test_a_form_without_a_version_saves_over_the_current_one(db, organisation, org_admin):
    client = Client()
    client.force_login(org_admin)
    response = client.post(edit_url(organisation), profile_post(organisation, summary_en="New"))
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.summary_en, organisation.version) == ("New", 2)


def test_an_edit_leaves_a_status_changed_meanwhile_alone(db, organisation, org_admin, facilitator):
    stale = Organisation.objects.get(pk=organisation.pk)
    services.set_status(facilitator, organisation, "archived")
    services.update_organisation(org_admin, stale, {"summary_en": "Still here"})
    organisation.refresh_from_db()
    assert (organisation.status, organisation.summary_en) == ("archived", "Still here")


def test_concurrent_saves_of_the_same_version_one_wins(transactional_db):
    organisation = factories.OrganisationFactory(name="Race Medical")
    admin = factories.UserFactory(username="raceadmin")
    factories.MembershipFactory(user=admin, organisation=organisation, role="admin")

    def edit(n: int):
        def call():
            mine = Organisation.objects.get(pk=organisation.pk)
            services.update_organisation(admin, mine, {"summary_en": f"edit {n}"}, version=1)
            return n

        return call

    results = run_together([edit(n) for n in range(6)])

    winners = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, EditConflict)]
    assert len(winners) == 1, results
    assert len(refused) == 5, results
    assert all(r.current_version == 2 for r in refused)
    organisation.refresh_from_db()
    assert (organisation.summary_en, organisation.version) == (f"edit {winners[0]}", 2)
