"""Alerts of new funding calls that fit an organisation: saved searches of ``calls_for``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from distretto.accounts.models import Membership
from distretto.accounts.roles import forget_roles
from distretto.alerts import queries, services
from distretto.alerts.models import SavedSearch
from distretto.calls import services as calls
from tests import factories

TODAY = timezone.localdate()


@pytest.fixture
def member(member):
    """The member of Acme Medical, reading e-mail in English."""
    member.language = "en"
    member.save()
    return member


@pytest.fixture
def organisation(organisation):
    organisation.summary_en = "Oxygenators and heart-lung circuits for cardiac surgery"
    organisation.save()
    return organisation


def make_call(facilitator, slug: str, title: str, **fields):
    data = {
        "programme": "Regional call",
        "title": title,
        "slug": slug,
        "closes_on": TODAY + timedelta(days=30),
        "status": "published",
        **fields,
    }
    return calls.save_call(facilitator, data)


def test_the_alert_is_saved_with_the_calls_fitting_now_as_seen(
    db, facilitator, member, organisation
):
    fitting = make_call(facilitator, "oxy", "Oxygenators")
    make_call(facilitator, "tiles", "Ceramic tiles")

    saved = services.save_calls_alert(member, organisation, "daily")

    assert saved.owner == member
    assert saved.name == "Calls for Acme Medical"
    assert saved.params == {"calls_for": [str(organisation.pk)]}
    assert saved.frequency == "daily"
    assert saved.seen == [f"call:{fitting.pk}"]
    assert queries.calls_for(saved.params) == organisation.pk
    assert queries.search_page_path(saved.params) == f"/en/calls/?organisation={organisation.pk}"


def test_a_bad_frequency_is_refused_naming_the_field_and_nothing_is_saved(db, member, organisation):
    with pytest.raises(ValidationError) as raised:
        services.save_calls_alert(member, organisation, "hourly")
    assert raised.value.message_dict == {"frequency": ["Choose how often: daily, weekly."]}
    assert not SavedSearch.objects.exists()


def test_only_members_may_save_one(db, other_member, organisation):
    for user in (other_member, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.save_calls_alert(user, organisation, "weekly")
    assert not SavedSearch.objects.exists()


def test_one_alert_per_organisation_and_the_limit_counts(db, member, organisation, monkeypatch):
    services.save_calls_alert(member, organisation, "weekly")
    with pytest.raises(ValidationError) as raised:
        services.save_calls_alert(member, organisation, "daily")
    assert raised.value.messages == ["You already have an alert of new calls for Acme Medical."]

    second = factories.OrganisationFactory(name="Beta")
    factories.MembershipFactory(user=member, organisation=second)
    forget_roles(member)
    monkeypatch.setattr(services, "MAX_SAVED_SEARCHES", 1)
    with pytest.raises(ValidationError) as raised:
        services.save_calls_alert(member, second, "daily")
    assert "the most allowed" in raised.value.messages[0]
    assert SavedSearch.objects.count() == 1


def test_a_new_fitting_call_is_sent_in_the_digest(db, facilitator, member, organisation):
    now = timezone.now()
    old = make_call(facilitator, "oxy", "Oxygenators")
    saved = services.save_calls_alert(member, organisation, "daily")
    assert services.send_digests(now) == 0

    make_call(facilitator, "tiles", "Ceramic tiles")  # does not fit
    make_call(facilitator, "draft", "Oxygenators, a draft", status="draft")
    new = make_call(
        facilitator,
        "heart",
        "Heart-lung circuits",
        programme="PR FESR",
        closes_on=TODAY + timedelta(days=45),
    )
    assert services.send_digests(now) == 1

    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "1 new result for your saved searches"
    assert "== Calls for Acme Medical ==" in message.body
    assert "* Heart-lung circuits (Funding call)" in message.body
    assert "https://district.example/en/calls/heart/" in message.body
    assert "PR FESR · deadline" in message.body
    assert "Oxygenators" not in message.body.replace("Calls for Acme Medical", "")
    assert "Ceramic" not in message.body
    assert (
        "All results of this search: "
        f"https://district.example/en/calls/?organisation={organisation.pk}" in message.body
    )
    html = message.alternatives[0][0]
    assert 'href="https://district.example/en/calls/heart/"' in html
    saved.refresh_from_db()
    assert saved.seen == [f"call:{old.pk}", f"call:{new.pk}"]
    assert saved.last_sent_at == now

    # Nothing new the next day: no e-mail.
    assert services.send_digests(now + timedelta(days=1)) == 0


def test_a_former_member_gets_nothing(db, facilitator, member, organisation):
    now = timezone.now()
    services.save_calls_alert(member, organisation, "daily")
    Membership.objects.filter(user=member).delete()
    make_call(facilitator, "oxy", "Oxygenators")
    assert services.send_digests(now) == 0
    assert mail.outbox == []


def test_a_deleted_organisation_gets_nothing(db, facilitator, member, organisation):
    services.save_calls_alert(member, organisation, "daily")
    organisation.delete()
    make_call(facilitator, "oxy", "Oxygenators")
    assert services.send_digests(timezone.now()) == 0


def test_the_saved_searches_page_and_api_show_the_alert(client, db, member, organisation):
    saved = services.save_calls_alert(member, organisation, "weekly")
    client.force_login(member)

    page = client.get("/en/alerts/").content.decode()
    assert "Calls for Acme Medical" in page
    assert f'href="/en/calls/?organisation={organisation.pk}"' in page

    [item] = client.get("/api/v1/saved-searches").json()["items"]
    assert item["id"] == saved.pk
    assert item["params"] == {"calls_for": [str(organisation.pk)]}
    # The API's paths carry no language (as for the searches).
    assert item["search_path"] == f"/calls/?organisation={organisation.pk}"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"calls_for": ["12"]}, 12),
        ({"calls_for": 12}, 12),
        ({"calls_for": "12"}, 12),
        ({"calls_for": ["x"]}, None),
        ({"calls_for": ["1", "2"]}, None),
        ({"calls_for": True}, None),
        ({"q": ["oxygenators"]}, None),
    ],
)
def test_calls_for_reads_the_organisation_id(params, expected):
    assert queries.calls_for(params) == expected
