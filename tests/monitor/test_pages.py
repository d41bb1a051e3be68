"""The monitor's pages on the Mirandola dataset: dashboard, indicator, open data, region,
comparison; and the charts' geometry."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from distretto.monitor.domain import charts
from distretto.monitor.domain.periods import period_start
from tests.web.html import parse


@pytest.fixture
def dataset(db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")


def test_the_dataset_brings_every_figure_of_the_facts_sheet_as_a_sourced_value(dataset):
    from distretto.monitor.models import Indicator, Observation

    exports = Indicator.objects.get(slug="exports")
    values = {(o.territory_code, o.period): (o.value, o.source) for o in exports.observations.all()}
    assert values[("mirandola", "2025-Q1")] == (131, "OpportunItaly (Monitor dei Distretti)")
    assert values[("MO", "2023")][0] == 591
    change = Indicator.objects.get(slug="exports-change")
    assert change.unit == "change_percent"  # a change stays a change, not an invented level
    assert sorted(o.period for o in change.observations.all()) == ["2015", "2018-Q1"]
    assert Observation.objects.count() == 20
    assert all(o.source for o in Observation.objects.all())


def test_the_dashboard_shows_key_figures_with_period_source_and_trend(client, dataset):
    page = parse(client.get("/en/monitor/").content)
    cards = {c.one(".card-title").text: c for c in page.select(".monitor-card")}
    exports = cards["Exports"]
    assert exports.one(".monitor-value").text == "EUR 131 million"
    assert "Q1 2025" in exports.text and "OpportunItaly (Monitor dei Distretti)" in exports.text
    employees = cards["Employees"]
    assert employees.one(".monitor-value").text == "about 5,000"
    assert employees.select("svg.sparkline path")
    assert "Before:" in employees.text and "4,878" in employees.text
    assert employees.one(".monitor-change").text == "+2.5%"  # 5,000 on 4,878
    italian = parse(client.get("/monitor/").content)
    cards_it = {c.one(".card-title").text: c for c in italian.select(".monitor-card")}
    assert cards_it["Esportazioni"].one(".monitor-value").text == "131 milioni di euro"


def test_an_indicator_page_draws_its_series_and_lists_every_value_with_its_source(client, dataset):
    page = parse(client.get("/en/monitor/indicators/employees/").content)
    district = page.select(".monitor-series")[0]
    assert district.select("svg.line-chart path.line")
    assert len(district.select("svg.line-chart circle.dot")) == 3
    rows = [r.texts("td") for r in district.select("tbody tr")]
    assert [r[0] for r in rows] == ["2007", "2022", "2025"]
    assert rows[2][1] == "about 5,000"
    assert client.get("/en/monitor/indicators/nothing/").status_code == 404


def test_open_data_as_csv_and_json_with_sources(client, dataset):
    content = client.get("/en/monitor/indicators/exports/data.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert {r["period"]: r["value"] for r in rows if r["territory_code"] == "mirandola"} == {
        "2022": "479",
        "2024-H1": "320",
        "2025-Q1": "131",
    }
    data = json.loads(client.get("/en/monitor/indicators/exports/data.json").content)
    assert data["observations"][0]["source"]
    assert "licence" in data["observations"][0]


def test_the_region_profile_and_a_comparison(client, dataset):
    region = parse(client.get("/en/monitor/region/ITH5/").content)
    assert "4459477" in region.text.replace(",", "") and "Strong" in region.text
    page = parse(
        client.get(
            "/en/monitor/compare/?indicator=firms&territory=district:mirandola&territory=province:MO"
        ).content
    )
    rows = {r.one("th").text: r.texts("td") for r in page.select(".compare-table tbody tr")}
    assert rows["2020"] == ["98", "—"]
    assert rows["2023"] == ["—", "74"]
    periods = parse(
        client.get(
            "/en/monitor/compare/?indicator=employees&territory=district:mirandola"
            "&period=2007&period=2022"
        ).content
    )
    rows = {r.one("th").text: r.texts("td") for r in periods.select(".compare-table tbody tr")}
    assert rows == {"2007": ["4,949"], "2022": ["4,878"], "Change": ["-1.4%"]}


def test_periods_start_where_they_should():
    assert period_start("2025-Q1") == date(2025, 1, 1)
    assert period_start("2024-H2") == date(2024, 7, 1)
    assert period_start("2025-Q3") == date(2025, 7, 1)
    assert period_start("2012-05") == date(2012, 5, 1)
    assert period_start("2014/") is None and period_start("") is None


def test_the_chart_places_values_on_time_and_nice_ticks():
    chart = charts.line_chart(
        [date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1)], [10.0, 30.0, 20.0]
    )
    xs = [d.x for d in chart.dots]
    ys = [d.y for d in chart.dots]
    assert xs == sorted(xs) and xs[0] == chart.left
    assert ys[1] < ys[2] < ys[0]  # higher values are drawn higher
    assert chart.y_ticks[0].value == 0
    assert chart.path.startswith("M")
    assert charts.nice_ticks(0, 131) == [0, 50, 100, 150]
    assert charts.sparkline([1.0]) == ""
    assert charts.line_chart([], []).path == ""
