"""Saving, changing and deleting saved searches: validation, the limit, who may."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from distretto.alerts import domain, services
from distretto.alerts.models import SavedSearch
from tests.alerts.conftest import organisation, params


def errors_of(user, search_params, frequency="weekly", name=""):
    with pytest.raises(ValidationError) as raised:
        services.save_search(user, search_params, frequency, name)
    return raised.value.message_dict


def test_a_search_is_saved_with_its_text_as_name_and_its_results_seen(alice):
    found = organisation("Oxy", "Oxygenators for ECMO")
    organisation("Soft", "Hospital software")
    saved = services.save_search(alice, params("  oxygenators   ECMO "), "daily")
    assert saved.name == "oxygenators ECMO"
    assert saved.params["q"] == ["oxygenators ECMO"]
    assert saved.frequency == "daily"
    assert saved.active is True
    assert saved.last_sent_at is None
    assert saved.seen == [f"organisation:{found.pk}"]


def test_a_given_name_is_kept(alice):
    saved = services.save_search(alice, params("oxygenators"), "weekly", "  Oxy   suppliers ")
    assert saved.name == "Oxy suppliers"


@pytest.mark.parametrize(
    ("search_params", "field"),
    [
        ({"q": [""]}, "q"),
        ({}, "q"),
        ({"q": ["filters"], "kind": ["spaceship"]}, "kind"),
        ({"q": ["filters"], "lat": ["north"], "lon": ["11"]}, "lat"),
        ({"q": ["filters"], "lat": ["44.5"]}, "lon"),
        ({"q": ["filters"], "limit": ["1000"]}, "limit"),
        ({"q": ["filters"], "distance_km": ["5"]}, "distance_km"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field_and_nothing_is_saved(
    alice, search_params, field
):
    assert field in errors_of(alice, search_params)
    assert not SavedSearch.objects.exists()


def test_a_bad_frequency_and_a_long_name_are_refused_with_the_search_errors(alice):
    errors = errors_of(alice, {"q": [""]}, "monthly", "x" * 201)
    assert errors["frequency"] == ["Choose how often: daily, weekly."]
    assert errors["name"] == ["Ensure the name has at most 200 characters (it has 201)."]
    assert "q" in errors
    assert not SavedSearch.objects.exists()


def test_a_person_keeps_at_most_the_maximum_of_saved_searches(alice, bob):
    for n in range(services.MAX_SAVED_SEARCHES):
        services.save_search(alice, params(f"filters {n}"))
    errors = errors_of(alice, params("one more"))
    assert errors == {
        "__all__": [
            "You already have 20 saved searches, the most allowed: delete one to save another."
        ]
    }
    assert SavedSearch.objects.filter(owner=alice).count() == services.MAX_SAVED_SEARCHES
    # The limit is each person's own.
    services.save_search(bob, params("filters"))


def test_anonymous_visitors_cannot_save_searches(db):
    with pytest.raises(PermissionDenied):
        services.save_search(AnonymousUser(), params("filters"))


def test_the_owner_changes_frequency_pauses_resumes_and_renames(alice):
    saved = services.save_search(alice, params("filters"))
    services.update_saved_search(alice, saved, frequency="daily", active=False, name=" New ")
    saved.refresh_from_db()
    assert (saved.frequency, saved.active, saved.name) == ("daily", False, "New")
    services.update_saved_search(alice, saved, active=True)
    saved.refresh_from_db()
    assert (saved.frequency, saved.active) == ("daily", True)


def test_bad_changes_are_refused(alice):
    saved = services.save_search(alice, params("filters"))
    with pytest.raises(ValidationError) as raised:
        services.update_saved_search(alice, saved, frequency="hourly", name="  ")
    assert set(raised.value.message_dict) == {"frequency", "name"}
    saved.refresh_from_db()
    assert saved.frequency == "weekly"


def test_only_the_owner_changes_or_deletes(alice, bob, facilitator):
    saved = services.save_search(alice, params("filters"))
    for intruder in (bob, facilitator):
        with pytest.raises(PermissionDenied):
            services.update_saved_search(intruder, saved, active=False)
        with pytest.raises(PermissionDenied):
            services.delete_saved_search(intruder, saved)
    services.delete_saved_search(alice, saved)
    assert not SavedSearch.objects.exists()


def test_domain_new_keys_and_remember():
    assert domain.new_keys(["a", "b", "a", "c"], ["b"]) == ["a", "c"]
    assert domain.remember(["a", "b"], ["b", "c", "d"], limit=3) == ["b", "c", "d"]
