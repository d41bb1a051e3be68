"""Loading the taxonomies and municipalities shipped in taxonomy/data/."""

from __future__ import annotations

import shutil
from decimal import Decimal

import ateco
import pytest

from distretto.taxonomy import loading
from distretto.taxonomy.loading import TaxonomyDataError, load_taxonomies
from distretto.taxonomy.models import Code, Municipality, Taxonomy

CODES_PER_TAXONOMY = {
    "segment": 8,
    "process_step": 18,
    "value_chain": 4,
    "certification": 4,
    "emdn": 13,
    "ateco2025": 3257,
    "ateco2007": 3138,
    "nuts": 9,
}


def counts_by_taxonomy() -> dict[str, int]:
    return {t.slug: t.codes.count() for t in Taxonomy.objects.all()}


@pytest.mark.django_db
def test_load_taxonomies_into_empty_database_creates_every_code():
    report = load_taxonomies()

    assert counts_by_taxonomy() == CODES_PER_TAXONOMY
    assert Municipality.objects.count() == 28
    assert report.tallies["taxonomy.Taxonomy"].created == 8
    assert report.tallies["taxonomy.Code"].created == 6451
    assert report.tallies["taxonomy.Municipality"].created == 28
    assert (report.created, report.updated, report.unchanged) == (8 + 6451 + 28, 0, 0)


@pytest.mark.django_db
def test_load_taxonomies_ateco_counts_match_the_package():
    load_taxonomies()

    assert Code.objects.filter(taxonomy__slug="ateco2007").count() == (
        ateco.get_edition("2007").node_count
    )
    assert Code.objects.filter(taxonomy__slug="ateco2025").count() == (
        ateco.get_edition("2025").node_count
    )
    code = Code.objects.get(taxonomy__slug="ateco2007", code="32.50.11")
    assert code.label_it == "Fabbricazione di materiale medico-chirurgico e veterinario"
    assert code.label_en == ""
    assert code.parent.code == "32.50.1"
    assert code.level == 6
    assert Code.objects.get(taxonomy__slug="ateco2025", code="C").level == 1


@pytest.mark.django_db
def test_load_taxonomies_labels_are_bilingual_except_ateco_english():
    load_taxonomies()

    assert Code.objects.filter(label_it="").count() == 0
    assert (
        Code.objects.filter(label_en="")
        .exclude(taxonomy__slug__in=["ateco2007", "ateco2025"])
        .count()
        == 0
    )
    assert Code.objects.filter(source="").count() == 0
    assert Taxonomy.objects.filter(source="").count() == 0
    assert Municipality.objects.filter(source="").count() == 0


@pytest.mark.django_db
def test_load_taxonomies_builds_the_hierarchies():
    load_taxonomies()

    iso7 = Code.objects.get(taxonomy__slug="process_step", code="cleanroom_iso7")
    assert (iso7.parent.code, iso7.level) == ("cleanroom_assembly", 2)
    gamma = Code.objects.get(taxonomy__slug="process_step", code="sterilisation_gamma")
    assert gamma.parent.code == "sterilisation"
    modena = Code.objects.get(taxonomy__slug="nuts", code="ITH54")
    assert [modena.parent.code, modena.parent.parent.code, modena.parent.parent.parent.code] == [
        "ITH5",
        "ITH",
        "IT",
    ]
    filters = Code.objects.get(taxonomy__slug="emdn", code="B0201")
    assert (filters.label_en, filters.parent.code, filters.level) == (
        "LEUKOREDUCTION FILTERS",
        "B02",
        3,
    )
    assert Code.objects.get(taxonomy__slug="emdn", code="C03010301").level == 5
    assert list(Taxonomy.objects.filter(is_filter=True).values_list("slug", flat=True)) == [
        "segment",
        "process_step",
        "value_chain",
        "certification",
    ]


@pytest.mark.django_db
def test_load_taxonomies_municipality_has_istat_code_and_coordinates():
    load_taxonomies()

    borgocarbonara = Municipality.objects.get(istat_code="020073")
    assert (borgocarbonara.name, borgocarbonara.province, borgocarbonara.nuts3) == (
        "Borgocarbonara",
        "MN",
        "ITC4B",
    )
    assert (borgocarbonara.latitude, borgocarbonara.longitude) == (
        Decimal("45.034383"),
        Decimal("11.214786"),
    )
    assert Municipality.objects.get(istat_code="037006").nuts3 == "ITH55"


@pytest.mark.django_db
def test_load_taxonomies_twice_changes_nothing():
    load_taxonomies()
    before = list(Code.objects.order_by("pk").values())

    report = load_taxonomies()

    assert (report.created, report.updated, report.unchanged) == (0, 0, 8 + 6451 + 28)
    assert list(Code.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_load_taxonomies_restores_a_changed_label():
    load_taxonomies()
    Code.objects.filter(taxonomy__slug="segment", code="dialysis").update(label_en="Dialisys")
    Municipality.objects.filter(istat_code="036022").update(name="Mirandola!")

    report = load_taxonomies()

    assert Code.objects.get(taxonomy__slug="segment", code="dialysis").label_en == "Dialysis"
    assert Municipality.objects.get(istat_code="036022").name == "Mirandola"
    assert (report.tallies["taxonomy.Code"].updated, report.updated) == (1, 2)


@pytest.mark.django_db
def test_load_taxonomies_never_changes_codes_of_an_excerpt():
    # EMDN ships as an excerpt: the official file, loaded by its importer, wins.
    load_taxonomies()
    Code.objects.filter(taxonomy__slug="emdn", code="B0201").update(
        label_it="FILTRI PER DELEUCOCITAZIONE", sort_order=4000
    )

    report = load_taxonomies()

    code = Code.objects.get(taxonomy__slug="emdn", code="B0201")
    assert (code.label_it, code.sort_order) == ("FILTRI PER DELEUCOCITAZIONE", 4000)
    assert report.updated == 0


@pytest.mark.django_db
def test_load_taxonomies_broken_file_saves_nothing(tmp_path):
    for path in loading.DATA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "zz_broken.yaml").write_text(
        "slug: broken\nname_it: Rotta\nname_en: Broken\nsource: test\n"
        "codes:\n  - code: a\n    label_it: A\n    label_en: A\n"
        "  - code: a\n    label_it: A again\n    label_en: A again\n",
        encoding="utf-8",
    )

    with pytest.raises(TaxonomyDataError) as error:
        load_taxonomies(data_dir=tmp_path)

    assert str(error.value) == "zz_broken.yaml: code 'a' appears twice"
    assert (Taxonomy.objects.count(), Code.objects.count(), Municipality.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.django_db
def test_load_taxonomies_unquoted_istat_code_is_refused(tmp_path):
    for path in loading.DATA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "municipalities.yaml").write_text(
        "source: test\nmunicipalities:\n"
        "  - {istat_code: 036022, name: Mirandola, province: MO, nuts3: ITH54,"
        ' latitude: "44.887207", longitude: "11.066106"}\n',
        encoding="utf-8",
    )

    with pytest.raises(TaxonomyDataError) as error:
        load_taxonomies(data_dir=tmp_path)

    # YAML reads 036022 as an octal number: the message says to quote it.
    assert str(error.value) == (
        "municipalities.yaml: ISTAT code 15378 must be six digits, in quotes"
    )
    assert Taxonomy.objects.count() == 0


@pytest.mark.django_db
def test_load_taxonomies_reports_progress_per_file():
    calls = []

    load_taxonomies(progress=lambda what, done, total: calls.append((done, total)))

    assert calls == [(n, 9) for n in range(1, 10)]
