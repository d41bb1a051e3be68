"""The pages of saved searches: saving from the search page, the list, changes, deletion."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from distretto.alerts import services
from distretto.alerts.models import SavedSearch
from tests.alerts.conftest import organisation, params
from tests.web.html import parse


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_saving_needs_a_login(client, db):
    response = client.post("/en/alerts/save/", {"q": "oxygenators", "frequency": "daily"})
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert not SavedSearch.objects.exists()


def test_saving_needs_the_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/en/alerts/save/", {"q": "oxygenators", "frequency": "daily"})
    assert response.status_code == 403
    assert not SavedSearch.objects.exists()


def test_saving_is_a_post(client, alice):
    client.force_login(alice)
    assert client.get("/en/alerts/save/?q=oxygenators").status_code == 405


def test_the_search_form_saves_its_parameters_and_returns_to_the_search(client, alice):
    organisation("Oxy", "Oxygenators")
    client.force_login(alice)
    response = client.post(
        "/en/alerts/save/",
        {"q": "oxygenators", "kind": ["sme", "startup"], "frequency": "daily"},
    )
    saved = SavedSearch.objects.get()
    assert (saved.owner, saved.name, saved.frequency) == (alice, "oxygenators", "daily")
    assert saved.params == {"q": ["oxygenators"], "kind": ["sme", "startup"]}
    assert response.status_code == 302
    assert response["Location"] == "/en/search/?q=oxygenators&kind=sme&kind=startup"
    assert messages_of(response) == [
        "Search “oxygenators” saved: you will receive new results by e-mail (daily)."
    ]


def test_bad_parameters_return_to_the_search_with_a_message_naming_the_field(client, alice):
    client.force_login(alice)
    response = client.post(
        "/en/alerts/save/", {"q": "filters", "lat": "north", "lon": "11", "frequency": "daily"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/en/search/?q=filters&lat=north")
    assert messages_of(response) == ["The search was not saved. latitude: Enter a number."]
    assert not SavedSearch.objects.exists()


def test_over_the_limit_a_message_says_so(client, alice):
    for n in range(services.MAX_SAVED_SEARCHES):
        services.save_search(alice, params(f"filters {n}"))
    client.force_login(alice)
    response = client.post("/en/alerts/save/", {"q": "one more", "frequency": "weekly"})
    assert messages_of(response) == [
        "The search was not saved. You already have 20 saved searches, the most allowed: "
        "delete one to save another."
    ]


def test_the_list_shows_only_ones_own_searches_with_their_links(client, alice, bob):
    mine = services.save_search(alice, params("oxygenators"), "daily")
    services.save_search(bob, params("dialysis"))
    client.force_login(alice)
    page = parse(client.get("/en/alerts/").content)
    rows = page.select(".data-table tbody tr")
    assert len(rows) == 1
    assert rows[0].select("td")[0].text == "oxygenators"
    links = {a.text: a.attrs["href"] for a in rows[0].select("a")}
    assert links == {
        "Run now": "/en/search/?q=oxygenators",
        "Delete": f"/en/alerts/{mine.pk}/delete/",
    }
    assert page.one(".main-nav a[aria-current=page]").text == "Saved searches"


def test_the_list_needs_a_login(client, db):
    response = client.get("/en/alerts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_the_owner_changes_the_frequency_and_pauses_and_resumes(client, alice):
    saved = services.save_search(alice, params("oxygenators"), "weekly")
    client.force_login(alice)
    response = client.post(f"/en/alerts/{saved.pk}/update/", {"frequency": "daily"})
    assert (response.status_code, response["Location"]) == (302, "/en/alerts/")
    assert messages_of(response) == ["“oxygenators” will be sent daily."]
    client.post(f"/en/alerts/{saved.pk}/update/", {"action": "pause"})
    saved.refresh_from_db()
    assert (saved.frequency, saved.active) == ("daily", False)
    page = parse(client.get("/en/alerts/").content)
    assert page.texts(".data-table button[name=action]") == ["Resume"]
    client.post(f"/en/alerts/{saved.pk}/update/", {"action": "resume"})
    saved.refresh_from_db()
    assert saved.active is True


def test_a_bad_frequency_is_refused_with_a_message(client, alice):
    saved = services.save_search(alice, params("oxygenators"), "weekly")
    client.force_login(alice)
    response = client.post(f"/en/alerts/{saved.pk}/update/", {"frequency": "hourly"})
    assert messages_of(response) == ["frequency: Choose how often: daily, weekly."]
    saved.refresh_from_db()
    assert saved.frequency == "weekly"


def test_delete_asks_for_confirmation_then_deletes(client, alice):
    saved = services.save_search(alice, params("oxygenators"))
    client.force_login(alice)
    page = parse(client.get(f"/en/alerts/{saved.pk}/delete/").content)
    assert page.one("h1").text == "Delete saved search"
    assert SavedSearch.objects.exists()
    response = client.post(f"/en/alerts/{saved.pk}/delete/")
    assert (response.status_code, response["Location"]) == (302, "/en/alerts/")
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", "delete/"), ("post", "delete/"), ("post", "update/")]
)
def test_another_persons_search_is_not_found(client, alice, bob, method, suffix):
    saved = services.save_search(alice, params("oxygenators"))
    client.force_login(bob)
    response = getattr(client, method)(f"/en/alerts/{saved.pk}/{suffix}", {"action": "pause"})
    assert response.status_code == 404
    saved.refresh_from_db()
    assert saved.active is True


def test_the_italian_list_page(client, alice):
    services.save_search(alice, params("oxygenators"))
    client.force_login(alice)
    response = client.get("/alerts/")
    assert response.status_code == 200
    assert parse(response.content).one("html").attrs["lang"] == "it"


def test_facilitators_see_saved_searches_in_the_back_office(client, alice, facilitator):
    services.save_search(alice, params("oxygenators"))
    client.force_login(facilitator)
    response = client.get("/en/admin/alerts/savedsearch/")
    assert response.status_code == 200
    assert "oxygenators" in response.content.decode()
    assert client.get("/en/admin/alerts/savedsearch/add/").status_code == 403


def test_the_search_pages_save_form_saves_the_search_shown(client, alice):
    organisation("Oxy", "Oxygenators")
    client.force_login(alice)
    page = parse(client.get("/en/search/?q=oxygenators&kind=sme").content)
    form = page.one("form#save-search-form")
    fields = [
        (field.attrs["name"], field.attrs.get("value", ""))
        for field in page.select("input[form=save-search-form]")
    ]
    data: dict[str, list[str]] = {}
    for name, value in [*fields, ("frequency", "daily")]:
        data.setdefault(name, []).append(value)
    response = client.post(form.attrs["action"], data)
    assert response.status_code == 302
    saved = SavedSearch.objects.get()
    assert (saved.name, saved.frequency) == ("oxygenators", "daily")
    assert saved.params["kind"] == ["sme"]
