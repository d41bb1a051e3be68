"""The monitor's open-data API: indicators, their values with sources, CSV and JSON files,
the latest snapshot."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from distretto.monitor.models import Indicator, Observation
from distretto.monitor.snapshots import take_snapshot
from distretto.registry.models import District
from tests import factories
from tests.api.conftest import problems

pytestmark = pytest.mark.django_db

HEADER = [
    "indicator",
    "unit",
    "territory_kind",
    "territory_code",
    "period",
    "value",
    "qualifier",
    "change_percent",
    "source",
    "source_url",
    "licence",
    "notes",
    "flagged",
]


@pytest.fixture
def exports(db):
    """Exports of the district, two years of values from two sources (2024 twice: flagged)."""
    indicator = Indicator.objects.create(
        slug="exports",
        name_it="Esportazioni",
        name_en="Exports",
        unit="eur_million",
        definition_en="Exports of the district's firms.",
        featured=True,
    )
    District.objects.create(
        slug=settings.DISTRICT_SLUG, name_it="Distretto", name_en="District", source="test"
    )
    common = {"indicator": indicator, "territory_kind": "district"}
    Observation.objects.create(
        **common,
        territory_code=settings.DISTRICT_SLUG,
        period="2023",
        period_start=date(2023, 1, 1),
        value=Decimal("1000.5000"),
        source="Intesa Sanpaolo, Monitor dei distretti",
        source_url="https://example.org/monitor",
        licence="CC BY 4.0",
    )
    for source, value, qualifier in [
        ("ISTAT", "1100", "about"),
        ("Camera di Commercio", "1150", ""),
    ]:
        Observation.objects.create(
            **common,
            territory_code=settings.DISTRICT_SLUG,
            period="2024",
            period_start=date(2024, 1, 1),
            value=Decimal(value),
            qualifier=qualifier,
            change_percent=Decimal("9.95") if source == "ISTAT" else None,
            source=source,
            flagged=True,
        )
    return indicator


def test_the_indicators_are_listed_with_their_number_of_values(api, exports):
    Indicator.objects.create(slug="empty", name_it="Vuoto", name_en="Empty", unit="count")

    response = api.get("/api/v1/indicators")

    assert response.status_code == 200
    listed = {item["slug"]: item for item in response.json()}
    assert listed["exports"] == {
        "slug": "exports",
        "name_it": "Esportazioni",
        "name_en": "Exports",
        "unit": "eur_million",
        "definition_it": "",
        "definition_en": "Exports of the district's firms.",
        "computed": False,
        "featured": True,
        "value_count": 3,
    }
    assert listed["empty"]["value_count"] == 0


def test_an_indicator_has_every_value_with_its_source(api, exports):
    response = api.get("/api/v1/indicators/exports")

    assert response.status_code == 200
    body = response.json()
    assert body["value_count"] == 3
    assert body["values"][0] == {
        "territory_kind": "district",
        "territory_code": settings.DISTRICT_SLUG,
        "territory": "District",
        "period": "2023",
        "value": "1000.5",
        "qualifier": "",
        "change_percent": None,
        "source": "Intesa Sanpaolo, Monitor dei distretti",
        "source_url": "https://example.org/monitor",
        "licence": "CC BY 4.0",
        "notes": "",
        "flagged": False,
    }
    assert [(v["period"], v["source"], v["value"], v["flagged"]) for v in body["values"][1:]] == [
        ("2024", "ISTAT", "1100", True),
        ("2024", "Camera di Commercio", "1150", True),
    ]
    assert body["values"][1]["change_percent"] == "9.95"
    assert body["values"][1]["qualifier"] == "about"


def test_the_data_as_csv_has_the_header_and_a_row_per_value(api, exports):
    response = api.get("/api/v1/indicators/exports/data?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="exports.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == HEADER
    assert len(rows) == 4
    assert rows[1][:6] == [
        "exports",
        "eur_million",
        "district",
        settings.DISTRICT_SLUG,
        "2023",
        "1000.5",
    ]
    assert rows[1][8:11] == [
        "Intesa Sanpaolo, Monitor dei distretti",
        "https://example.org/monitor",
        "CC BY 4.0",
    ]


def test_the_data_as_json_has_the_licence_and_source_fields(api, exports):
    default = api.get("/api/v1/indicators/exports/data")
    response = api.get("/api/v1/indicators/exports/data?format=json")

    assert response.status_code == 200
    assert default.json() == response.json()
    body = response.json()
    assert (body["indicator"], body["name_en"], body["unit"]) == (
        "exports",
        "Exports",
        "eur_million",
    )
    assert body["sources"] == [
        "Camera di Commercio",
        "ISTAT",
        "Intesa Sanpaolo, Monitor dei distretti",
    ]
    assert body["licences"] == ["CC BY 4.0"]
    assert len(body["observations"]) == 3
    assert list(body["observations"][0]) == HEADER
    assert body["observations"][0]["licence"] == "CC BY 4.0"
    assert body["observations"][0]["source_url"] == "https://example.org/monitor"


def test_an_unknown_format_is_refused(api, exports):
    response = api.get("/api/v1/indicators/exports/data?format=xlsx")

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "format"


@pytest.mark.parametrize(
    "path", ["/api/v1/indicators/nothing", "/api/v1/indicators/nothing/data?format=csv"]
)
def test_an_unknown_indicator_is_404(api, exports, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response.json() == problems((None, "No such indicator."))


def test_the_latest_snapshot_is_public(api, db):
    assert api.get("/api/v1/indicators/snapshots/latest").json() == problems(
        (None, "No snapshot has been taken yet.")
    )
    factories.OrganisationFactory(kind="startup")
    rome = ZoneInfo("Europe/Rome")
    take_snapshot("scheduled", now=datetime(2026, 10, 31, 9, 0, tzinfo=rome))
    latest = take_snapshot("on_demand", now=datetime(2026, 11, 30, 10, 2, tzinfo=rome))

    response = api.get("/api/v1/indicators/snapshots/latest")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["trigger"]) == (latest.pk, "on_demand")
    assert body["taken_at"].startswith("2026-11-30T")
    assert body["figures"]["organisations"]["by_kind"] == {"startup": 1}
    # The computed indicators are listed like any other, marked as computed.
    listed = {i["slug"]: i for i in api.get("/api/v1/indicators").json()}
    assert listed["platform-organisations"]["computed"] is True


def test_an_indicator_called_snapshots_is_still_reachable(api, db):
    Indicator.objects.create(slug="snapshots", name_it="S", name_en="S", unit="count")

    assert api.get("/api/v1/indicators/snapshots").json()["slug"] == "snapshots"
    assert api.get("/api/v1/indicators/snapshots/latest").status_code == 404


def test_a_wrong_token_is_refused_even_on_public_reads(api, exports):
    response = api.get("/api/v1/indicators", headers={"authorization": "Bearer dst_wrong"})

    assert response.status_code == 401
