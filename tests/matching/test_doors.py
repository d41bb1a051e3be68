import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from distretto.matching.management.commands.search import Command as SearchCommand
from tests.api.conftest import problems
from tests.matching.conftest import organisation


@pytest.fixture
def api():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def registry(lexical_only):
    organisation("Alpha", "Oxygenators and blood filters", slug="alpha")
    organisation("Beta", "Blood filters", slug="beta")


# --- API ---------------------------------------------------------------------------


def test_api_search_returns_ranked_items_with_reasons(registry, api):
    response = api.get("/api/v1/search", {"q": "oxygenators", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["type"], item["name"], item["slug"], item["score"]) == (
        "organisation",
        "Alpha",
        "alpha",
        0.6349,
    )
    assert item["reasons"] == {
        "terms": ["oxygenators"],
        "phrases": [],
        "codes": [],
        "distance_km": None,
        "shares": {"lexical": 1.0, "semantic": 0.0, "codes": 0.0},
        "complementary": [],
    }
    assert (item["subtype"], item["summary"], item["url"], item["owner"]) == (
        "sme",
        "Oxygenators and blood filters",
        "/en/organisations/alpha/",
        "",
    )


def test_api_search_filters_by_kind(registry, api):
    response = api.get("/api/v1/search", {"q": "filters", "kind": "university"})
    assert response.json() == {"count": 0, "items": []}


def test_api_search_refuses_bad_input_naming_the_field(registry, api):
    empty = api.get("/api/v1/search", {"q": ""})
    assert (empty.status_code, empty.json()) == (
        422,
        problems(("q", "Type what you are looking for.")),
    )
    limit = api.get("/api/v1/search", {"q": "filters", "limit": 0})
    assert (limit.status_code, limit.json()) == (
        422,
        problems(("limit", "Ensure the limit is between 1 and 100.")),
    )
    distance = api.get("/api/v1/search", {"q": "filters", "distance_km": 5})
    assert (distance.status_code, distance.json()) == (
        422,
        problems(("distance_km", "A distance needs a point: give lat and lon as well.")),
    )
    not_a_number = api.get("/api/v1/search", {"q": "filters", "limit": "many"})
    assert (not_a_number.status_code, not_a_number.json()) == (
        422,
        problems(("limit", "Enter a whole number.")),
    )


# --- CLI ---------------------------------------------------------------------------


def test_cli_search_json_is_one_line_of_results(registry):
    out = StringIO()
    call_command("search", "blood filters", "--json", stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert [(r["type"], r["name"]) for r in json.loads(lines[0])] == [
        ("organisation", "Beta"),
        ("organisation", "Alpha"),
    ]


def test_cli_batch_answers_one_json_line_per_query(registry, tmp_path):
    batch = tmp_path / "queries.txt"
    batch.write_text("oxygenators\n\nblood\nnothing like this\n", encoding="utf-8")
    out = StringIO()
    call_command("search", "--batch", str(batch), "--json", stdout=out, stderr=StringIO())
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [[r["name"] for r in answer] for answer in answers] == [
        ["Alpha"],
        ["Beta", "Alpha"],
        [],
    ]


def test_cli_search_prints_results_with_reasons(registry):
    out = StringIO()
    call_command("search", "oxygenators", stdout=out, stderr=StringIO())
    assert out.getvalue().splitlines() == [
        "  1. Alpha  (0.635)",
        "     matches: oxygenators",
        "     score from: lexical 100%, semantic 0%, codes 0%",
    ]


def test_cli_search_bad_input_exits_with_1(registry, capsys):
    with pytest.raises(SystemExit) as exited:
        SearchCommand().run_from_argv(["distretto", "search", "filters", "--limit", "0"])
    assert exited.value.code == 1
    assert "CommandError: Ensure the limit is between 1 and 100." in capsys.readouterr().err


def test_cli_search_needs_text_or_batch(registry):
    with pytest.raises(CommandError) as raised:
        call_command("search", stdout=StringIO(), stderr=StringIO())
    assert str(raised.value) == "Give either a search TEXT or --batch FILE."


def test_cli_index_rebuild_counts_the_organisations(registry):
    err = StringIO()
    call_command("index_rebuild", stdout=StringIO(), stderr=err)
    assert err.getvalue() == "Indexed 2 organisations and 0 offers and requests.\n"


def test_cli_index_rebuild_is_for_facilitators(registry, member):
    with pytest.raises(CommandError) as raised:
        call_command("index_rebuild", "--as", "member", stdout=StringIO(), stderr=StringIO())
    assert str(raised.value) == "Only facilitators may rebuild the search index."


def test_cli_aliases_reach_the_commands():
    from distretto import cli

    assert cli.translate(["index", "rebuild"]) == ["index_rebuild"]
    assert cli.translate(["search", "x", "--json"]) == ["search", "x", "--json"]


@pytest.fixture
def with_profiles(registry):
    from distretto.registry.models import Organisation
    from tests.matching.test_profiles import profile

    alpha = Organisation.objects.get(slug="alpha")
    profile(alpha, "Oxygenator offer", "Oxygenators to license")
    profile(alpha, "Filter request", "Blood filters wanted", profile_type="technology_request")


def test_cli_kind_chooses_the_records(with_profiles):
    def run(*args):
        out = StringIO()
        call_command("search", *args, "--json", stdout=out, stderr=StringIO())
        return [(r["type"], r["name"]) for r in json.loads(out.getvalue())]

    assert sorted(run("oxygenators")) == [
        ("organisation", "Alpha"),
        ("profile", "Oxygenator offer"),
    ]
    assert run("oxygenators", "--kind", "profile") == [("profile", "Oxygenator offer")]
    assert run("oxygenators", "--kind", "organisation") == [("organisation", "Alpha")]
    assert sorted(run("oxygenators", "--kind", "all")) == sorted(run("oxygenators"))
    assert run("filters", "--kind", "profile", "--profile-type", "technology_request") == [
        ("profile", "Filter request")
    ]
    assert run("filters", "--org-kind", "university") == []


def test_cli_batch_json_lines_carry_type_id_name_score_and_reasons(with_profiles, tmp_path):
    batch = tmp_path / "queries.txt"
    batch.write_text("oxygenators\nblood filters\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "search",
        "--batch",
        str(batch),
        "--json",
        "--kind",
        "profile",
        stdout=out,
        stderr=StringIO(),
    )
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [[r["name"] for r in answer] for answer in answers] == [
        ["Oxygenator offer"],
        ["Filter request"],
    ]
    first = answers[0][0]
    assert {"type", "id", "name", "score", "reasons", "owner", "url", "subtype"} <= set(first)
    assert first["owner"] == "Alpha"


def test_cli_prints_profiles_with_their_type_and_owner(with_profiles):
    out = StringIO()
    call_command("search", "oxygenators", "--kind", "profile", stdout=out, stderr=StringIO())
    assert (
        out.getvalue()
        .splitlines()[0]
        .startswith("  1. [technology_offer] Oxygenator offer, Alpha  (")
    )


def test_cli_kind_refuses_unknown_record_types(with_profiles, capsys):
    with pytest.raises(SystemExit):
        SearchCommand().run_from_argv(["distretto", "search", "x", "--kind", "castle"])
    assert "invalid choice: 'castle'" in capsys.readouterr().err


def test_cli_index_rebuild_counts_organisations_and_profiles(with_profiles):
    err = StringIO()
    call_command("index_rebuild", stdout=StringIO(), stderr=err)
    assert err.getvalue() == "Indexed 2 organisations and 2 offers and requests.\n"
