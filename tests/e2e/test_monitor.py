"""The district monitor in a browser: a visitor reads the dashboard in English and Italian
with sources and trends; a facilitator imports a new quarter of exports from a spreadsheet
(a test value, from a test source), sees the chart update, and downloads the district
report as a PDF."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def monitor(transactional_db, tmp_path):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    factories.UserFactory(username="anna", is_facilitator=True, is_staff=True)
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "indicatore",
            "tipo_territorio",
            "codice_territorio",
            "periodo",
            "valore",
            "unità",
            "fonte",
        ]
    )
    sheet.append(
        ["exports", "district", "mirandola", "2025-Q2", "140", "eur_million", "test spreadsheet"]
    )
    path = tmp_path / "exports-q2.xlsx"
    book.save(path)
    return path


def test_visitor_reads_the_dashboard_and_a_facilitator_adds_a_quarter(
    browser, live_server, screenshots, monitor
):
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watch = Watch(page, urlsplit(base).netloc)

    page.goto(f"{base}/en/monitor/")
    exports = page.locator(".monitor-card", has_text="Exports")
    expect(exports.locator(".monitor-value")).to_have_text("EUR 131 million")
    expect(exports).to_contain_text("OpportunItaly (Monitor dei Distretti)")
    page.screenshot(path=screenshots / "monitor-dashboard-en.png", full_page=True)
    page.goto(f"{base}/monitor/")
    expect(page.locator("h1")).to_have_text("Monitor del distretto")
    expect(
        page.locator(".monitor-card", has_text="Esportazioni").locator(".monitor-value")
    ).to_have_text("131 milioni di euro")
    page.screenshot(path=screenshots / "monitor-dashboard-it.png", full_page=True)

    # Before: one quarter only, so no quarterly line is drawn for the district.
    page.goto(f"{base}/en/monitor/indicators/exports/")
    district = page.locator(".monitor-series").first
    expect(district.locator("svg.line-chart")).to_have_count(0)

    page.goto(f"{base}/en/accounts/login/?next=/en/monitor/import/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("input[type=file]").set_input_files(str(monitor))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("body")).to_contain_text("Exports")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("body")).to_contain_text("Imported 1 value")

    page.goto(f"{base}/en/monitor/indicators/exports/")
    district = page.locator(".monitor-series").first
    expect(district.locator("svg.line-chart circle.dot")).to_have_count(2)
    expect(district.locator("tbody")).to_contain_text("test spreadsheet")
    page.screenshot(path=screenshots / "monitor-indicator-en.png", full_page=True)
    page.goto(f"{base}/en/monitor/")
    expect(
        page.locator(".monitor-card", has_text="Exports").locator(".monitor-value")
    ).to_have_text("EUR 140 million")

    with page.expect_download() as info:
        page.get_by_role("link", name="District report (PDF)").click()
    pdf = PdfReader(io.BytesIO(info.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Exports" in text and "140" in text and "test spreadsheet" in text
    assert watch.problems == []
    page.close()
