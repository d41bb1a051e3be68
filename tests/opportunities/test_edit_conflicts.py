"""Two people edit the same offer or request at once: no lost update."""

from __future__ import annotations

from datetime import date

from django.test import Client

from distretto.concurrency import EditConflict
from distretto.opportunities import services
from distretto.opportunities.models import CooperationProfile
from tests import factories
from tests.opportunities.test_web import profile_post
from tests.threads import run_together

CONFLICT = (
    "Someone else saved this offer or request after you opened it; your changes were not saved."
)


def test_second_save_over_a_changed_profile_is_refused_and_keeps_the_input(
    db, organisation, org_admin, facilitator
):
    profile = factories.CooperationProfileFactory(owner=organisation, status="draft")
    url = f"/en/profiles/{profile.pk}/edit/"
    owner, reviewer = Client(), Client()
    owner.force_login(org_admin)
    reviewer.force_login(facilitator)
    for client in (owner, reviewer):
        assert 'name="version" value="1"' in client.get(url).content.decode()

    saved = reviewer.post(url, profile_post(title="Distributor for Austria", version="1"))
    assert saved.status_code == 302
    refused = owner.post(url, profile_post(title="Distributor for Bavaria", version="1"))

    page = refused.content.decode()
    assert refused.status_code == 200
    assert CONFLICT in page
    assert 'value="Distributor for Bavaria"' in page  # the input, kept
    assert "Distributor for Austria" in page  # the current version, shown
    assert 'name="version" value="2"' in page
    profile.refresh_from_db()
    assert (profile.title, profile.version) == ("Distributor for Austria", 2)


def test_an_edit_leaves_a_status_changed_meanwhile_alone(db, organisation, org_admin):
    profile = factories.CooperationProfileFactory(owner=organisation, status="draft")
    stale = CooperationProfile.objects.get(pk=profile.pk)
    services.submit_profile(org_admin, profile)
    services.update_profile(org_admin, stale, {"title": "Renamed"}, today=date.today())
    profile.refresh_from_db()
    assert (profile.status, profile.title, profile.version) == ("review", "Renamed", 2)


def test_concurrent_saves_of_the_same_version_one_wins(transactional_db):
    organisation = factories.OrganisationFactory(name="Race Medical")
    admin = factories.UserFactory(username="raceadmin")
    factories.MembershipFactory(user=admin, organisation=organisation, role="admin")
    profile = factories.CooperationProfileFactory(owner=organisation, status="draft")

    def edit(n: int):
        def call():
            mine = CooperationProfile.objects.get(pk=profile.pk)
            services.update_profile(
                admin, mine, {"title": f"edit {n}"}, today=date.today(), version=1
            )
            return n

        return call

    results = run_together([edit(n) for n in range(5)])

    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(isinstance(r, EditConflict) for r in results if r not in winners), results
    profile.refresh_from_db()
    assert (profile.title, profile.version) == (f"edit {winners[0]}", 2)
