"""The district's centre and radius: loaded from the dataset, checked, and read for the map."""

from __future__ import annotations

from pathlib import Path

import pytest

from distretto.registry import dataset
from distretto.registry.dataset import load_dataset, load_dataset_file
from distretto.registry.domain.dataset_records import DatasetError
from distretto.registry.models import District
from distretto.registry.queries import district_area
from distretto.taxonomy.models import Municipality
from tests import factories

CENTRE_LINES = '  centre: "036022"\n  radius_km: 25\n'


def copy_with(tmp_path: Path, new: str) -> Path:
    """The shipped dataset with its district's centre and radius lines replaced by ``new``."""
    text = (dataset.DATA_DIR / "mirandola.yaml").read_text(encoding="utf-8")
    assert text.count(CENTRE_LINES) == 1
    path = tmp_path / "district.yaml"
    path.write_text(text.replace(CENTRE_LINES, new), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(DatasetError) as error:
        load_dataset_file(path)
    assert not District.objects.exists()
    return [p.describe() for p in error.value.problems]


def test_load_dataset_sets_the_centre_mirandola_and_a_radius_of_25_km(db):
    load_dataset("mirandola")

    district = District.objects.get(slug="mirandola")
    assert district.centre is not None
    assert (district.centre.istat_code, district.centre.name) == ("036022", "Mirandola")
    assert district.radius_km == 25


def test_district_area_is_mirandola_with_25_km(db):
    load_dataset("mirandola")

    assert district_area() == (44.887207, 11.066106, 25)


def test_load_dataset_keeps_an_edited_radius(db):
    load_dataset("mirandola")
    District.objects.filter(slug="mirandola").update(radius_km=30)

    report = load_dataset("mirandola")

    assert report.tallies["registry.District"].kept == 1
    assert District.objects.get(slug="mirandola").radius_km == 30


def test_load_dataset_keeps_a_removed_centre(db):
    load_dataset("mirandola")
    District.objects.filter(slug="mirandola").update(centre=None)

    report = load_dataset("mirandola")

    assert report.tallies["registry.District"].kept == 1
    assert district_area() is None


def test_load_dataset_without_centre_and_radius_leaves_them_empty(db, tmp_path):
    load_dataset_file(copy_with(tmp_path, ""))

    district = District.objects.get(slug="mirandola")
    assert (district.centre, district.radius_km) == (None, None)
    assert district_area() is None


def test_load_dataset_unknown_centre_is_refused(db, tmp_path):
    path = copy_with(tmp_path, '  centre: "036099"\n  radius_km: 25\n')

    assert problems(path) == ["district, centre: Unknown municipality (ISTAT code 036099)."]


def test_load_dataset_unquoted_centre_is_refused(db, tmp_path):
    path = copy_with(tmp_path, "  centre: 36022\n  radius_km: 25\n")

    assert problems(path) == [
        'district, centre: An ISTAT code is six digits in quotes, e.g. "036022" (not 36022).'
    ]


@pytest.mark.parametrize("radius", ["0", "far", "201", "2.5", "true"])
def test_load_dataset_radius_not_a_whole_number_from_1_to_200_is_refused(db, tmp_path, radius):
    path = copy_with(tmp_path, f'  centre: "036022"\n  radius_km: {radius}\n')

    assert problems(path) == [
        "district, radius_km: Expected a whole number from 1 to 200 "
        f"(not {'True' if radius == 'true' else radius})."
    ]


def test_district_area_is_none_without_a_district(db):
    assert district_area() is None


def test_district_area_is_none_without_centre_or_radius(db):
    factories.MunicipalityFactory()
    mirandola = Municipality.objects.get(istat_code="036022")
    district = District.objects.create(
        slug="mirandola", name_it="Distretto", name_en="District", source="Test"
    )
    assert district_area() is None

    district.radius_km = 25
    district.save()
    assert district_area() is None

    district.centre, district.radius_km = mirandola, None
    district.save()
    assert district_area() is None

    district.radius_km = 25
    district.save()
    assert district_area() == (44.887207, 11.066106, 25)
