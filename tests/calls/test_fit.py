"""Which open calls fit an organisation: the service, the calls page's section, the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from distretto.alerts.models import SavedSearch
from distretto.calls import fit, services
from tests import factories
from tests.web.html import parse

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def lexical_only(db, settings):
    """No embedding model in the way: an organisation fits a call by its words and codes."""
    settings.SEARCH_EMBEDDER = "none"


@pytest.fixture
def organisation(organisation):
    """Acme Medical, an oxygenator maker in the province of Modena (NUTS ITH54)."""
    organisation.summary_en = "Oxygenators and heart-lung circuits for cardiac surgery"
    organisation.save()
    factories.SiteFactory(organisation=organisation, is_headquarters=True)
    return organisation


def make_call(facilitator, slug: str, title: str, **fields):
    data = {
        "programme": fields.pop("programme", "Regional call"),
        "title": title,
        "slug": slug,
        "closes_on": TODAY + timedelta(days=30),
        "status": "published",
        **fields,
    }
    return services.save_call(facilitator, data)


def slugs(fits) -> list[str]:
    return [f.call.slug for f in fits]


def test_a_matching_call_is_listed_with_reasons_and_a_foreign_one_is_not(
    db, facilitator, member, organisation
):
    factories.OrganisationFactory(name="Soft", summary_en="Hospital software and apps")
    make_call(
        facilitator,
        "oxygenators",
        "Oxygenators of the next generation",
        topics_en="cardiac surgery, extracorporeal circulation",
        topics_it="cardiochirurgia",
    )
    make_call(facilitator, "ceramics", "Ceramic tiles", topics_en="kilns, glazes, tiles")

    [found] = fit.fitting_calls(member, organisation)

    assert found.call.slug == "oxygenators"
    assert 0 < found.score <= 1
    assert found.days_left == 30
    assert found.in_regions is None  # the call names no region
    assert found.opens_on is None
    assert any(r.startswith("In common: ") and "oxygenators" in r.lower() for r in found.reasons)
    assert fit.fit_phrase(found.score) in ("strong fit", "good fit", "some fit")


def test_the_best_fitting_organisation_scores_1(db, facilitator, member, organisation):
    factories.OrganisationFactory(name="Half", summary_en="Oxygenators only")
    make_call(facilitator, "oxy", "Oxygenators for cardiac surgery")
    [found] = fit.fitting_calls(member, organisation)
    assert found.score == 1.0
    assert fit.fit_phrase(found.score) == "strong fit"


def test_shared_codes_are_reasons(db, facilitator, member, organisation):
    segment = factories.CodeFactory(
        taxonomy=factories.TaxonomyFactory(slug="segment"),
        code="cardiac",
        label_it="Cardiochirurgia",
        label_en="Cardiac surgery",
    )
    organisation.codes.add(segment)
    organisation.save()
    call = make_call(facilitator, "heart", "Heart devices")
    call.codes.set([segment])
    [found] = fit.fitting_calls(member, organisation)
    assert "Shared codes: Cardiac surgery" in found.reasons


def test_closed_draft_and_archived_calls_are_not_listed_and_coming_ones_are(
    db, facilitator, member, organisation
):
    text = {"topics_en": "oxygenators, cardiac surgery"}
    make_call(facilitator, "open", "Open call", **text)
    make_call(facilitator, "no-deadline", "No deadline", closes_on=None, **text)
    make_call(facilitator, "closed", "Closed", closes_on=TODAY - timedelta(days=1), **text)
    make_call(facilitator, "draft", "Draft", status="draft", **text)
    make_call(facilitator, "archived", "Archived", status="archived", **text)
    make_call(
        facilitator,
        "coming",
        "Coming",
        opens_on=TODAY + timedelta(days=10),
        closes_on=TODAY + timedelta(days=60),
        **text,
    )

    fits = {f.call.slug: f for f in fit.fitting_calls(member, organisation)}

    assert set(fits) == {"open", "no-deadline", "coming"}
    assert fits["no-deadline"].days_left is None
    assert fits["coming"].opens_on == TODAY + timedelta(days=10)
    assert any(r.startswith("Opens on ") for r in fits["coming"].reasons)
    assert fits["open"].opens_on is None
    # A facilitator sees drafts elsewhere, but only published calls fit.
    assert "draft" not in slugs(fit.fitting_calls(facilitator, organisation))


def test_a_call_whose_regions_leave_the_organisation_out_comes_last_with_a_warning(
    db, facilitator, member, organisation
):
    # The Lombardy call fits better by its words, yet comes after the Emilia-Romagna one.
    make_call(
        facilitator,
        "lombardy",
        "Oxygenators and heart-lung circuits for cardiac surgery",
        eligible_regions="ITC4",
    )
    make_call(facilitator, "emilia", "Oxygenators", eligible_regions="ITH5")

    fits = fit.fitting_calls(member, organisation)

    assert slugs(fits) == ["emilia", "lombardy"]
    emilia, lombardy = fits
    assert emilia.in_regions is True
    assert "Your organisation is in an eligible region." in emilia.reasons
    assert lombardy.in_regions is False
    assert (
        "Warning: your organisation is not in the call's eligible regions (ITC4)."
        in lombardy.reasons
    )
    assert lombardy.score >= emilia.score


def test_without_a_known_place_the_region_is_unknown(db, facilitator, member, organisation):
    organisation.sites.all().delete()
    make_call(facilitator, "emilia", "Oxygenators", eligible_regions="ITH5")
    [found] = fit.fitting_calls(member, organisation)
    assert found.in_regions is None
    assert not any("region" in r for r in found.reasons)


def test_only_members_and_facilitators_may_ask(db, facilitator, other_member, organisation):
    make_call(facilitator, "oxy", "Oxygenators")
    for user in (other_member, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            fit.fitting_calls(user, organisation)
    assert slugs(fit.fitting_calls(facilitator, organisation)) == ["oxy"]


# --- the calls page -------------------------------------------------------------------------


def test_a_member_sees_the_calls_that_fit_and_the_alert_form(
    client, db, facilitator, member, organisation
):
    make_call(facilitator, "oxy", "Oxygenators for cardiac surgery")
    make_call(facilitator, "tiles", "Ceramic tiles")
    client.force_login(member)

    page = parse(client.get("/en/calls/").content)

    section = page.one(".calls-fit")
    assert "Open calls that fit Acme Medical" in section.one("h2").text
    assert section.texts(".item-title") == ["Oxygenators for cardiac surgery"]
    assert "strong fit" in section.one(".fit-score").text
    assert "30 days left" in section.one(".item-meta").text
    assert "In common:" in section.one(".fit-reasons").text
    form = section.one("form.save-calls-alert")
    assert form.attrs["action"] == "/en/calls/alerts/new/"
    assert "Alert me of new calls that fit Acme Medical" in form.text
    assert section.select("select#fit-organisation") == []  # one organisation: no choice


def test_a_member_of_several_organisations_chooses_one(
    client, db, facilitator, member, organisation
):
    second = factories.OrganisationFactory(name="Zeta Tiles", summary_en="Ceramic tiles")
    factories.MembershipFactory(user=member, organisation=second)
    make_call(facilitator, "tiles", "Ceramic tiles")
    client.force_login(member)

    page = parse(client.get("/en/calls/").content)
    assert page.one(".calls-fit h2").text.strip() == "Open calls that fit Acme Medical"
    assert len(page.select("select#fit-organisation option")) == 2

    page = parse(client.get("/en/calls/", {"organisation": second.pk}).content)
    assert page.one(".calls-fit h2").text.strip() == "Open calls that fit Zeta Tiles"
    assert page.one(".calls-fit").texts(".item-title") == ["Ceramic tiles"]


def test_anonymous_visitors_and_non_members_see_nothing_of_it(
    client, db, facilitator, organisation, other_member
):
    make_call(facilitator, "oxy", "Oxygenators")
    response = client.get("/en/calls/")
    assert response.status_code == 200
    assert parse(response.content).select(".calls-fit") == []
    assert (
        parse(client.get("/en/calls/", {"organisation": organisation.pk}).content).select(
            ".calls-fit"
        )
        == []
    )

    client.force_login(other_member)
    assert client.get("/en/calls/", {"organisation": organisation.pk}).status_code == 403
    assert client.get("/en/calls/", {"organisation": "abc"}).status_code == 404
    assert client.get("/en/calls/", {"organisation": 999999}).status_code == 404


def test_the_alert_form_saves_an_alert_and_says_so(client, db, facilitator, member, organisation):
    make_call(facilitator, "oxy", "Oxygenators")
    client.force_login(member)

    response = client.post(
        "/en/calls/alerts/new/", {"organisation": organisation.pk, "frequency": "daily"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/en/calls/?organisation={organisation.pk}"
    saved = SavedSearch.objects.get()
    assert (saved.owner, saved.name, saved.frequency) == (member, "Calls for Acme Medical", "daily")
    page = parse(client.get(response["Location"]).content)
    assert "Alert “Calls for Acme Medical” saved" in page.text
    # Saved once: the form gives way to a note.
    assert page.select("form.save-calls-alert") == []


def test_the_alert_form_needs_a_login_a_post_the_csrf_token_and_membership(
    db, client, member, other_member, organisation
):
    data = {"organisation": organisation.pk, "frequency": "weekly"}
    response = client.post("/en/calls/alerts/new/", data)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(member)
    assert client.get("/en/calls/alerts/new/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post("/en/calls/alerts/new/", data).status_code == 403
    client.force_login(other_member)
    assert client.post("/en/calls/alerts/new/", data).status_code == 403
    assert not SavedSearch.objects.exists()


def test_a_bad_frequency_comes_back_as_a_message(client, db, member, organisation):
    client.force_login(member)
    response = client.post(
        "/en/calls/alerts/new/",
        {"organisation": organisation.pk, "frequency": "hourly"},
        follow=True,
    )
    assert "Choose how often: daily, weekly." in response.content.decode()
    assert not SavedSearch.objects.exists()


# --- the API --------------------------------------------------------------------------------


def test_the_api_lists_the_fits_of_ones_organisation(
    client, db, facilitator, member, other_member, organisation
):
    make_call(facilitator, "emilia", "Oxygenators", eligible_regions="ITH5")
    make_call(facilitator, "tiles", "Ceramic tiles")
    url = "/api/v1/calls/fitting"

    assert client.get(url, {"organisation": organisation.slug}).status_code == 401
    client.force_login(member)
    response = client.get(url, {"organisation": organisation.slug}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    [item] = response.json()
    assert item["slug"] == "emilia"
    assert item["title"] == "Oxygenators"
    assert item["closes_on"] == (TODAY + timedelta(days=30)).isoformat()
    assert item["days_left"] == 30
    assert item["score"] == 1.0
    assert item["fit"] == "strong fit"
    assert item["in_regions"] is True
    assert "Your organisation is in an eligible region." in item["reasons"]

    assert client.get(url, {"organisation": "nobody"}).status_code == 404
    assert client.get(url).status_code == 422
    client.force_login(other_member)
    assert client.get(url, {"organisation": organisation.slug}).status_code == 403


def test_fitting_is_not_taken_for_a_call_slug(client, db, facilitator):
    make_call(facilitator, "oxy", "Oxygenators")
    assert client.get("/api/v1/calls/oxy").json()["slug"] == "oxy"
    assert client.get("/api/v1/calls/fitting").status_code == 401


def test_today_can_be_given(db, facilitator, member, organisation):
    make_call(facilitator, "oxy", "Oxygenators", closes_on=date(2030, 1, 31))
    [found] = fit.fitting_calls(member, organisation, today=date(2030, 1, 1))
    assert found.days_left == 30
    assert fit.fitting_calls(member, organisation, today=date(2030, 2, 1)) == []
