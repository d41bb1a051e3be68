"""The saved-searches API: the caller's own, token or session, errors naming fields."""

from __future__ import annotations

import json

from distretto.alerts import services
from distretto.alerts.models import SavedSearch
from tests.alerts.conftest import organisation, params
from tests.api.conftest import bearer, problems

URL = "/api/v1/saved-searches"


def post(client, body, headers):
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)


def test_anonymous_callers_are_refused(client, db):
    headers = {"accept-language": "en"}
    assert client.get(URL, headers=headers).status_code == 401
    response = post(client, {"params": {"q": "x"}}, headers)
    assert response.status_code == 401
    assert response.json() == problems(
        (None, "Log in, or send an API token: Authorization: Bearer dst_...")
    )


def test_save_list_change_and_delete_with_a_token(client, alice):
    organisation("Oxy", "Oxygenators")
    headers = bearer(alice)
    response = post(
        client,
        {"params": {"q": "oxygenators", "kind": ["sme"]}, "frequency": "daily"},
        headers,
    )
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "oxygenators"
    assert created["params"] == {"q": ["oxygenators"], "kind": ["sme"]}
    assert (created["frequency"], created["active"], created["last_sent_at"]) == (
        "daily",
        True,
        None,
    )
    assert created["search_path"].endswith("?q=oxygenators&kind=sme")

    listed = client.get(URL, headers=headers).json()
    assert (listed["count"], [i["id"] for i in listed["items"]]) == (1, [created["id"]])

    response = client.patch(
        f"{URL}/{created['id']}",
        json.dumps({"active": False, "frequency": "weekly"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["frequency"]) == (False, "weekly")

    response = client.delete(f"{URL}/{created['id']}", headers=headers)
    assert response.status_code == 204
    assert not SavedSearch.objects.exists()


def test_bad_input_answers_422_naming_the_field(client, alice):
    headers = bearer(alice)
    response = post(client, {"params": {"q": "filters", "lat": "north", "lon": "11"}}, headers)
    assert response.status_code == 422
    assert response.json() == problems(("lat", "Enter a number."))
    response = post(client, {"params": {"q": "filters"}, "frequency": "hourly"}, headers)
    assert response.json() == problems(("frequency", "Choose how often: daily, weekly."))
    response = post(client, {"params": {"q": "filters"}, "colour": "red"}, headers)
    assert response.json() == problems(("colour", "This field cannot be set."))
    assert not SavedSearch.objects.exists()


def test_over_the_limit_answers_422(client, alice):
    for n in range(services.MAX_SAVED_SEARCHES):
        services.save_search(alice, params(f"filters {n}"))
    response = post(client, {"params": {"q": "one more"}}, bearer(alice))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] is None


def test_another_persons_search_is_not_found_and_not_listed(client, alice, bob):
    saved = services.save_search(alice, params("oxygenators"))
    headers = bearer(bob)
    assert client.get(URL, headers=headers).json()["count"] == 0
    assert client.delete(f"{URL}/{saved.pk}", headers=headers).status_code == 404
    response = client.patch(
        f"{URL}/{saved.pk}",
        json.dumps({"active": False}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404
    assert SavedSearch.objects.get().active is True


def test_the_session_works_with_the_csrf_token(alice):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    browser.force_login(alice)
    assert browser.get(URL).status_code == 200
    response = browser.post(
        URL, json.dumps({"params": {"q": "x"}}), content_type="application/json"
    )
    assert response.status_code == 403
    browser.get("/en/alerts/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        URL,
        json.dumps({"params": {"q": "oxygenators"}}),
        content_type="application/json",
        headers={"x-csrftoken": token},
    )
    assert response.status_code == 201
