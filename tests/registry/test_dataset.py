"""The Mirandola dataset and its loader: contents, idempotence, edits kept, bad data refused."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from distretto.registry import dataset
from distretto.registry.dataset import (
    database_is_empty,
    dataset_is_loaded,
    load_dataset,
    load_dataset_file,
)
from distretto.registry.domain.dataset_records import DatasetError
from distretto.registry.management.commands.load_dataset import Command
from distretto.registry.models import (
    District,
    DistrictFact,
    DistrictFigure,
    Organisation,
    OrganisationFact,
    Programme,
    ProgrammeParticipant,
    Project,
    ProjectPartner,
    Site,
    Tie,
)
from distretto.taxonomy.models import Code, Municipality, Taxonomy
from tests import factories

# What the shipped dataset holds, counted from mirandola.yaml and taxonomy/data/.
EXPECTED_CREATED = {
    "taxonomy.Taxonomy": 8,
    "taxonomy.Code": 6451,
    "taxonomy.Municipality": 28,
    "registry.District": 1,
    "registry.DistrictFigure": 20,
    "registry.DistrictFact": 15,
    "registry.Organisation": 24,
    "registry.Site": 14,
    "registry.OrganisationFact": 23,
    "registry.Tie": 16,
    "registry.Programme": 4,
    "registry.ProgrammeParticipant": 1,
    "registry.Project": 2,
    "registry.ProjectPartner": 4,
    "calls.Call": 2,
    "monitor.Indicator": 10,
    "monitor.Observation": 20,
    "monitor.RegionProfile": 1,
}
TOTAL = sum(EXPECTED_CREATED.values())

SOURCED_MODELS = [
    Taxonomy,
    Code,
    Municipality,
    District,
    DistrictFigure,
    DistrictFact,
    Organisation,
    Site,
    OrganisationFact,
    Tie,
    Programme,
    ProgrammeParticipant,
    Project,
    ProjectPartner,
]
DUMPED_MODELS = [
    *SOURCED_MODELS,
    District.nuts_codes.through,
    District.municipalities.through,
    Organisation.codes.through,
]


def dump() -> dict[str, list[dict]]:
    """Every row the loader may write, in primary-key order."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in DUMPED_MODELS
    }


def codes_of(slug: str) -> list[str]:
    organisation = Organisation.objects.get(slug=slug)
    return sorted(f"{c.taxonomy.slug}:{c.code}" for c in organisation.codes.all())


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped dataset with ``old`` replaced by ``new`` (which must occur once)."""
    text = (dataset.DATA_DIR / "mirandola.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.fixture
def loaded(db):
    return load_dataset("mirandola")


# --- contents ---------------------------------------------------------------------------


def test_load_dataset_into_empty_database_creates_the_expected_counts(loaded):
    created = {label: tally.created for label, tally in loaded.tallies.items()}
    assert created == EXPECTED_CREATED
    assert (loaded.created, loaded.updated, loaded.unchanged, loaded.kept) == (TOTAL, 0, 0, 0)
    for model in SOURCED_MODELS:
        assert model.objects.count() == EXPECTED_CREATED[model._meta.label]


def test_load_dataset_bellco_is_part_of_medtronic_since_2016(loaded):
    bellco = Organisation.objects.get(slug="bellco")
    assert bellco.parent.slug == "medtronic"
    assert (bellco.founded, bellco.staff_band, bellco.staff_year) == (1973, "500-999", 2020)
    tie = Tie.objects.get(from_organisation=bellco, kind="part_of_group")
    assert (tie.to_organisation.slug, tie.year_from) == ("medtronic", 2016)
    assert codes_of("bellco") == ["emdn:F", "segment:dialysis"]


def test_load_dataset_eurosets_founded_1991_with_its_2019_staff_band(loaded):
    eurosets = Organisation.objects.get(slug="eurosets")
    assert eurosets.founded == 1991
    assert (eurosets.staff_band, eurosets.staff_year) == ("50-249", 2019)
    assert (eurosets.turnover_band, eurosets.turnover_year) == ("50-250", 2024)
    assert eurosets.parent.slug == "gvm-care-research"
    assert codes_of("eurosets") == ["emdn:C03010102", "emdn:C03010301", "segment:cardiac_surgery"]
    assert list(eurosets.facts.values_list("period", "text_en")) == [
        ("1991", "Founded in 1991."),
        ("1998/", "Owned by GVM Care & Research."),
        ("2019", "220 staff and EUR 36.4 million revenue, 78% of it exported."),
        ("2024", "EUR 80 million revenue."),
    ]


def test_load_dataset_haemotronic_has_a_site_in_borgocarbonara(loaded):
    sites = Site.objects.filter(organisation__slug="haemotronic").order_by("pk")
    assert [(s.municipality.istat_code, s.municipality.name) for s in sites] == [
        ("036022", "Mirandola"),
        ("020073", "Borgocarbonara"),
    ]
    carbonara = sites[1]
    assert (carbonara.name, carbonara.activities_en) == (
        "Carbonara di Po",
        "Blood lines are made here.",
    )
    # No exact position in the sources: maps use the municipality's centre.
    assert carbonara.point == (45.034383, 11.214786)


def test_load_dataset_fresenius_hemocare_has_emdn_b0201(loaded):
    assert codes_of("fresenius-hemocare-italia") == ["emdn:B0201", "segment:transfusion"]
    assert Organisation.objects.get(slug="fresenius-hemocare-italia").parent.slug == "fresenius"
    tie = Tie.objects.get(from_organisation__slug="fresenius-hemocare-italia")
    assert (tie.kind, tie.to_organisation.slug, tie.year_from) == (
        "part_of_group",
        "fresenius",
        1994,
    )


def test_load_dataset_every_record_has_a_source(loaded):
    for model in SOURCED_MODELS:
        assert model.objects.filter(source="").count() == 0, model


def test_load_dataset_published_organisations_have_both_summaries(loaded):
    published = Organisation.objects.filter(status="published")
    assert published.count() == 24
    assert published.filter(summary_it="").count() == 0
    assert published.filter(summary_en="").count() == 0


def test_load_dataset_district_has_its_territory_and_featured_figures(loaded):
    district = District.objects.get(slug="mirandola")
    assert sorted(district.nuts_codes.values_list("code", flat=True)) == ["ITC4B", "ITH54"]
    assert sorted(district.municipalities.values_list("name", flat=True)) == [
        "Cavezzo",
        "Concordia sulla Secchia",
        "Medolla",
        "Mirandola",
        "Poggio Rusco",
        "San Felice sul Panaro",
        "San Possidonio",
        "San Prospero",
    ]
    assert list(
        district.figures.filter(featured=True).values_list(
            "label_en", "period", "number", "unit", "qualifier"
        )
    ) == [
        ("Firms", "2020", Decimal(98), "count", ""),
        ("Exports", "2022", Decimal(479), "eur_million", ""),
        ("Local units", "2022", Decimal(230), "count", ""),
        ("Employees", "2022", Decimal(4878), "count", ""),
        ("Exports", "2025-Q1", Decimal(131), "eur_million", ""),
        (
            "People working in the district's firms and their suppliers",
            "2025",
            Decimal(5000),
            "count",
            "about",
        ),
    ]
    province = district.figures.get(label_en="Biomedical exports")
    assert (
        province.number,
        province.unit,
        province.change_percent,
        province.period,
        province.territory_en,
    ) == (Decimal(591), "eur_million", Decimal("22.5"), "2023", "Province of Modena")
    # The two regional workforce shares have no period in their source: left empty.
    assert list(district.figures.filter(period="").values_list("label_en", flat=True)) == [
        "Technical profiles in the workforce",
        "Women in the workforce",
    ]


def test_load_dataset_district_facts_cover_history_and_region(loaded):
    topics = list(DistrictFact.objects.values_list("topic", flat=True))
    assert topics == [
        "history",
        "history",
        "history",
        "history",
        "earthquake",
        "supply_chain",
        "segments",
        "investment",
        "training",
        "region_profile",
        "region_profile",
        "region_focus",
        "region_focus",
        "region_membership",
        "region_collaboration",
    ]
    assert (
        DistrictFact.objects.filter(topic__startswith="region").exclude(territory="ITH5").count()
        == 0
    )
    population = DistrictFact.objects.get(topic="region_profile", period="2019")
    assert population.text_en == (
        "Population: 4,459,477; 202 inhabitants per km²; 23.95% older than 65."
    )


def test_load_dataset_ties_programmes_and_projects_come_from_the_facts(loaded):
    tpm_partners = sorted(
        Tie.objects.filter(
            from_organisation__slug="tecnopolo-mirandola", kind="collaborates_with"
        ).values_list("to_organisation__slug", flat=True)
    )
    assert tpm_partners == ["b-braun", "baxter", "fresenius", "unibo", "unife", "unimore"]
    assert Tie.objects.get(
        from_organisation__slug="tecnopolo-mirandola", kind="run_by"
    ).to_organisation.slug == ("democenter-sipe")
    assert Tie.objects.get(kind="coordinated_by").to_organisation.slug == "art-er"
    assert sorted(Project.objects.get(slug="fare").partners.values_list("slug", flat=True)) == [
        "bellco",
        "medica",
    ]
    assert sorted(Project.objects.get(slug="icl").partners.values_list("slug", flat=True)) == [
        "b-braun-avitum-italy",
        "lean",
    ]
    second = Programme.objects.get(slug="distretti-tecnologici-2")
    assert (second.kind, second.edition, second.year) == ("regional_call", "II", 2012)
    assert list(second.participants.values_list("slug", flat=True)) == ["democenter-sipe"]
    assert Programme.objects.get(slug="distretti-day").organiser.slug == "democenter-sipe"
    assert Programme.objects.get(slug="matcher").organiser.slug == "art-er"
    assert Organisation.objects.get(slug="clust-er-salute").codes.count() == 4


def test_load_dataset_marks_the_kinds_the_sources_do_not_state(loaded):
    for slug in ("lean", "medica"):
        organisation = Organisation.objects.get(slug=slug)
        assert (organisation.kind, organisation.staff_band) == ("sme", "")
        assert "does not state" in organisation.source


# --- loading again ----------------------------------------------------------------------


def test_load_dataset_twice_changes_nothing(loaded):
    before = dump()

    report = load_dataset("mirandola")

    assert dump() == before
    assert (report.created, report.updated, report.unchanged, report.kept) == (0, 0, TOTAL, 0)


def test_load_dataset_never_overwrites_an_edit(loaded):
    Organisation.objects.filter(slug="bellco").update(summary_en="Edited by a facilitator.")
    Tie.objects.filter(from_organisation__slug="eurosets").update(note_en="Checked.")
    before = dump()

    report = load_dataset("mirandola")

    assert dump() == before
    assert Organisation.objects.get(slug="bellco").summary_en == "Edited by a facilitator."
    kept = {label: tally.kept for label, tally in report.tallies.items() if tally.kept}
    assert kept == {
        "registry.Organisation": 1,
        "registry.Site": 1,
        "registry.OrganisationFact": 5,
        "registry.Tie": 1,
    }
    assert (report.created, report.updated) == (0, 0)


def test_load_dataset_brings_back_a_deleted_record(loaded):
    Organisation.objects.filter(slug="emotech").delete()
    Tie.objects.filter(kind="coordinated_by").delete()

    report = load_dataset("mirandola")

    emotech = Organisation.objects.get(slug="emotech")
    assert (emotech.founded, emotech.staff_band, emotech.staff_year) == (1983, "10-49", 2021)
    assert codes_of("emotech") == ["emdn:B0105"]
    created = {label: tally.created for label, tally in report.tallies.items() if tally.created}
    assert created == {
        "registry.Organisation": 1,
        "registry.Site": 1,
        "registry.OrganisationFact": 1,
        "registry.Tie": 1,
    }


def test_database_is_empty_until_the_dataset_is_loaded(db):
    assert database_is_empty() is True
    assert dataset_is_loaded("mirandola") is False

    load_dataset("mirandola")

    assert database_is_empty() is False
    assert dataset_is_loaded("mirandola") is True


def test_database_is_empty_false_with_an_organisation(db):
    factories.OrganisationFactory()

    assert database_is_empty() is False
    assert dataset_is_loaded("mirandola") is False


# --- bad data ----------------------------------------------------------------------------


def assert_nothing_saved() -> None:
    assert {model._meta.label: model.objects.count() for model in SOURCED_MODELS} == {
        model._meta.label: 0 for model in SOURCED_MODELS
    }


def test_load_dataset_unknown_code_raises_and_saves_nothing(db, tmp_path):
    path = broken_copy(
        tmp_path, "[segment:transfusion, emdn:B0201]", "[segment:transfusion, emdn:Z9999]"
    )

    with pytest.raises(DatasetError) as error:
        load_dataset_file(path)

    assert [p.describe() for p in error.value.problems] == [
        "organisations[fresenius-hemocare-italia], codes: Unknown code emdn:Z9999."
    ]
    assert_nothing_saved()


def test_load_dataset_unknown_municipality_raises_and_saves_nothing(db, tmp_path):
    path = broken_copy(tmp_path, '- municipality: "020073"', '- municipality: "020099"')

    with pytest.raises(DatasetError) as error:
        load_dataset_file(path)

    assert [p.describe() for p in error.value.problems] == [
        "organisations[haemotronic].sites[1], municipality: "
        "Unknown municipality (ISTAT code 020099)."
    ]
    assert_nothing_saved()


def test_load_dataset_unknown_organisation_key_raises_and_saves_nothing(db, tmp_path):
    path = broken_copy(tmp_path, "    to: gvm-care-research\n", "    to: gvm\n")

    with pytest.raises(DatasetError) as error:
        load_dataset_file(path)

    assert [p.describe() for p in error.value.problems] == [
        "ties[3] (eurosets → gvm), to: No organisation has the key gvm."
    ]
    assert_nothing_saved()


def test_load_dataset_lists_every_structural_problem(db, tmp_path):
    text = (dataset.DATA_DIR / "mirandola.yaml").read_text(encoding="utf-8")
    text = text.replace("    summary_en: Devices for cord-blood stem cells, in Medolla.\n", "")
    text = text.replace(
        "  - key: lean\n    name: Lean\n    kind: sme\n",
        "  - key: lean\n    name: Lean\n    kind: firm\n",
    )
    text = text.replace("    staff_year: 2019\n", "    staff_yaer: 2019\n")
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(DatasetError) as error:
        load_dataset_file(path)

    assert [p.describe() for p in error.value.problems] == [
        "organisations[eurosets], staff_yaer: Unknown field; check its spelling.",
        "organisations[eurosets], staff_year: "
        "A band needs the year it refers to, and a year its band.",
        "organisations[emotech], summary_it: "
        "A published organisation needs summaries in Italian and English.",
        "organisations[lean], kind: Unknown value firm; use one of: association, hospital, "
        "investor, large_company, patient_association, public_authority, research_centre, "
        "sme, startup, technology_transfer, training, university.",
    ]
    assert_nothing_saved()


def test_load_dataset_bad_period_names_the_field(db, tmp_path):
    path = broken_copy(tmp_path, '    period: "2005"\n', f"    period: {'9' * 41}\n")

    with pytest.raises(DatasetError) as error:
        load_dataset_file(path)

    assert [p.describe() for p in error.value.problems] == [
        "figures[0], period: Write the period as 2022, 2012-05, 1991-11-11, 2025-Q1, 2024-H1, "
        "2017/2021 (a range) or 2014/ (since), or leave it empty."
    ]
    assert_nothing_saved()


def test_load_dataset_field_too_long_names_the_field(db, tmp_path):
    path = broken_copy(tmp_path, "  - label_it: Fatturato\n", f"  - label_it: {'x' * 201}\n")

    with pytest.raises(DatasetError) as error:
        load_dataset_file(path)

    assert [p.describe() for p in error.value.problems] == [
        "figures[0], label_it: Ensure this value has at most 200 characters (it has 201)."
    ]
    assert_nothing_saved()


# --- the command ---------------------------------------------------------------------------


def test_load_dataset_command_prints_the_report(db):
    out = StringIO()

    call_command("load_dataset", "mirandola", stdout=out)
    call_command("load_dataset", "mirandola", stdout=out)

    lines = out.getvalue().splitlines()
    assert f"{TOTAL} created, 0 updated, 0 unchanged" in lines
    assert lines[-1] == f"0 created, 0 updated, {TOTAL} unchanged"
    assert Organisation.objects.count() == 24


def test_load_dataset_command_help_names_the_datasets():
    help_text = Command().create_parser("distretto", "load_dataset").format_help()

    assert "{mirandola}" in help_text
    assert "The dataset never overwrites your edits." in help_text


def test_available_datasets_lists_the_shipped_files():
    assert dataset.available_datasets() == ["mirandola"]
    with pytest.raises(ValueError, match=r"No dataset named 'nowhere'; available: mirandola\."):
        load_dataset("nowhere")


def test_load_dataset_progress_counts_every_step(db):
    calls = []

    load_dataset("mirandola", progress=lambda what, done, total: calls.append((done, total)))

    # 9 taxonomy files, the district, 24 organisations, the ties, 4 programmes, 2 projects.
    assert calls == [(n, 41) for n in range(1, 42)]


def test_load_dataset_site_coordinates_are_empty_for_the_municipality_centre(loaded):
    assert Site.objects.exclude(latitude=None).count() == 0
    assert Municipality.objects.get(istat_code="036021").latitude == Decimal("44.846673")
