"""The district report on the Mirandola dataset: its data with every source, the HTML page,
the PDF turned into page images (not blank, charts drawn, the text layer holding the
headings and figures), hostile text, and the CLI writing both formats."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal

import numpy
import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.http import Http404
from django.test import RequestFactory
from PIL import Image
from pypdf import PdfReader

from distretto import cli
from distretto.accounts.services import SYSTEM
from distretto.monitor import report_views
from distretto.monitor.report import (
    CodeCount,
    Dependency,
    EventFigures,
    FigurePoint,
    KeyFigure,
    NetworkHeadline,
    OutcomeCount,
    RankedOrganisation,
    Report,
    Source,
    report_data,
)
from distretto.monitor.report_html import render_report
from distretto.monitor.report_pdf import ACCENT, report_pdf
from distretto.web.pdf import DEJAVU
from tests import factories
from tests.web.html import parse

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
EXPORTS_SOURCE = "OpportunItaly (Monitor dei Distretti)"
HEADINGS = ("Key figures", "Market segments", "The network", "Brokerage events", "Sources")


@pytest.fixture
def dataset(db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")


def figure(report: Report, slug: str) -> KeyFigure:
    return next(f for f in report.key_figures if f.slug == slug)


def pages_of(pdf: bytes, scale: float = 1.0) -> list[Image.Image]:
    """Each page of ``pdf`` as an RGB image (rendered by PDFium)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            document[n].render(scale=scale).to_pil().convert("RGB") for n in range(len(document))
        ]
    finally:
        document.close()


def inked(image: Image.Image) -> float:
    """The share of the page's pixels that are not (nearly) white."""
    grey = image.convert("L")
    dark = sum(grey.histogram()[:235])
    return dark / (grey.width * grey.height)


def accent_pixels(image: Image.Image) -> int:
    """Pixels of the charts' line colour (the section rules use it too, thinly)."""
    pixels = numpy.asarray(image, dtype=numpy.int16)
    near = numpy.abs(pixels - numpy.array(ACCENT, dtype=numpy.int16)).max(axis=2) < 30
    return int(near.sum())


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# --- the data --------------------------------------------------------------------------------


def test_the_report_holds_the_featured_figures_each_with_period_and_source(dataset):
    report = report_data(AnonymousUser(), today=TODAY)
    assert report.district == "Mirandola Biomedical District"
    assert report.date == TODAY
    exports = figure(report, "exports")
    assert (exports.latest.value, exports.latest.period, exports.latest.source) == (
        "EUR 131 million",
        "Q1 2025",
        EXPORTS_SOURCE,
    )
    assert exports.territory == "Mirandola Biomedical District"
    assert [p.period for p in exports.points] == ["2022", "H1 2024", "Q1 2025"]
    assert exports.previous is None  # no quarter before it: never a year or a half-year
    firms = figure(report, "firms")
    assert firms.previous is not None
    assert (firms.previous.value, firms.previous.period, firms.previous.source) == (
        "105",
        "2007",
        "provincia.modena.it",
    )
    employees = figure(report, "employees")
    assert [p.value for p in employees.trend] == ["4,949", "4,878", "about 5,000"]
    # Every value of every key figure has a source, and every source is listed.
    listed = {s.text for s in report.sources}
    assert all(p.source and p.source in listed for f in report.key_figures for p in f.points)
    assert EXPORTS_SOURCE in listed
    # What the platform counts itself cites "Distretto, <date>".
    assert report.platform_source == "Distretto, March 2, 2026"
    assert report.network.source == report.events.source == report.platform_source
    assert report.sources[-1] == Source("Distretto, March 2, 2026")


def test_the_report_counts_published_organisations_by_segment_and_the_network(dataset):
    from distretto.registry.enums import Status
    from distretto.registry.models import Organisation

    report = report_data(AnonymousUser(), today=TODAY)
    published = Organisation.objects.filter(status=Status.PUBLISHED).count()
    assert report.network.organisations == published
    assert report.network.ties > 0 and report.network.brokers
    segments = {c.code: c for c in report.segments}
    dialysis = segments["dialysis"]
    assert dialysis.label == "Dialysis" and dialysis.organisations >= 1
    assert dialysis.in_district <= dialysis.organisations
    assert [c.level for c in report.steps if c.code == "cleanroom_iso7"] == [2]

    # A record taken off the directory leaves the report, whoever asks for it: the
    # report holds public figures only.
    carrier = Organisation.objects.filter(status=Status.PUBLISHED, codes__code="dialysis").first()
    assert carrier is not None
    Organisation.objects.filter(pk=carrier.pk).update(status=Status.DRAFT)
    for user in (AnonymousUser(), SYSTEM):
        again = report_data(user, today=TODAY)
        assert again.network.organisations == published - 1
        assert {c.code: c for c in again.segments}["dialysis"].organisations == (
            dialysis.organisations - 1
        )
    assert replace(report_data(SYSTEM, today=TODAY), generated_at=report.generated_at) == replace(
        report_data(AnonymousUser(), today=TODAY), generated_at=report.generated_at
    )


def test_the_report_counts_events_meetings_and_the_best_outcome_of_each_meeting(db):
    from distretto.events.enums import EventStatus, MeetingStatus, ParticipantKind
    from distretto.events.models import (
        Event,
        Meeting,
        MeetingReport,
        ParticipationType,
        Registration,
        Session,
        Slot,
    )

    def event(slug: str, day: date, status: str) -> Event:
        moment = datetime(2025, 1, 1, tzinfo=UTC)
        return Event.objects.create(
            name=slug,
            slug=slug,
            venue="Tecnopolo",
            starts_on=day,
            ends_on=day,
            registration_opens=moment,
            registration_closes=moment,
            booking_opens=moment,
            booking_closes=moment,
            status=status,
        )

    held = event("held", date(2026, 2, 10), EventStatus.CLOSED)
    event("coming", date(2026, 6, 10), EventStatus.PUBLISHED)
    draft = event("draft", date(2026, 1, 10), EventStatus.DRAFT)
    kind = ParticipationType.objects.create(
        event=held, name="Companies", kind=ParticipantKind.COMPANY
    )
    session = Session.objects.create(
        event=held, name="Morning", day=held.starts_on, start=time(9), end=time(11)
    )
    slot = Slot.objects.create(
        session=session,
        starts_at=datetime(2026, 2, 10, 8, tzinfo=UTC),
        ends_at=datetime(2026, 2, 10, 8, 20, tzinfo=UTC),
    )
    people = [
        Registration.objects.create(
            event=held,
            organisation=factories.OrganisationFactory(),
            participation_type=kind,
            max_meetings=5,
        )
        for _ in range(4)
    ]
    a, b, c, d = people

    def meeting(first: Registration, second: Registration, **fields) -> Meeting:
        return Meeting.objects.create(event=held, requester=first, recipient=second, **fields)

    signed = meeting(a, b, status=MeetingStatus.ACCEPTED, slot=slot, table=1)
    contact = meeting(c, d, status=MeetingStatus.ACCEPTED, slot=slot, table=2)
    missed = meeting(a, c, status=MeetingStatus.ACCEPTED, slot=slot, table=3)
    meeting(b, d, status=MeetingStatus.DECLINED)
    # The two sides disagree: the meeting counts once, under the best outcome.
    MeetingReport.objects.create(meeting=signed, registration=a, took_place=True, outcome="signed")
    MeetingReport.objects.create(
        meeting=signed, registration=b, took_place=True, outcome="negotiation"
    )
    MeetingReport.objects.create(
        meeting=contact, registration=c, took_place=True, outcome="further_contact"
    )
    MeetingReport.objects.create(meeting=missed, registration=a, took_place=False)
    # A draft event is nobody's business but its organiser's.
    other = Registration.objects.create(
        event=draft,
        organisation=a.organisation,
        participation_type=ParticipationType.objects.create(
            event=draft, name="Companies", kind=ParticipantKind.COMPANY
        ),
        max_meetings=5,
    )
    Meeting.objects.create(
        event=draft,
        requester=other,
        recipient=Registration.objects.create(
            event=draft,
            organisation=b.organisation,
            participation_type=other.participation_type,
            max_meetings=5,
        ),
        status=MeetingStatus.ACCEPTED,
    )

    events = report_data(AnonymousUser(), today=TODAY).events
    assert (events.events_held, events.events_upcoming) == (1, 1)
    assert (events.meetings_scheduled, events.meetings_held) == (3, 2)
    assert {o.code: o.meetings for o in events.outcomes} == {
        "signed": 1,
        "negotiation": 0,
        "further_contact": 1,
        "no_follow_up": 0,
    }
    assert events.outcomes[0].label == "Agreement signed"


# --- the page ----------------------------------------------------------------------------


def test_the_html_report_has_every_section_with_charts_figures_and_sources(dataset):
    request = RequestFactory().get("/en/monitor/report/")
    request.user = AnonymousUser()
    response = report_views.report(request)
    assert response.status_code == 200
    page = parse(response.content)
    assert page.one("h1").text == "Mirandola Biomedical District"
    for section in ("key-figures", "segments", "supply-chain", "network", "events", "sources"):
        assert page.select(f"section#{section} h2"), section
    assert [page.one(f"#{s}-title").text for s in ("key-figures", "network", "events")] == [
        "Key figures",
        "The network",
        "Brokerage events",
    ]
    rows = {row.one("th").text: row.texts("td") for row in page.select("#key-figures tbody tr")}
    assert rows["Exports"][:3] == ["EUR 131 million", "Q1 2025", "Mirandola Biomedical District"]
    assert rows["Exports"][-1] == EXPORTS_SOURCE
    # A chart per featured indicator with a trend (firms and employees), its dots labelled.
    charts = page.select("#key-figures figure svg")
    assert len(charts) == 2
    assert len(charts[1].select("circle")) == 3
    assert "Sources:" in page.select("#key-figures figcaption")[1].text
    assert EXPORTS_SOURCE in page.texts("#sources li")
    assert page.texts("#sources li")[-1].startswith("Distretto, ")
    assert page.one(".page-tools a").attrs["href"] == "/en/monitor/report/?format=pdf"
    assert "style=" not in response.content.decode()


def test_an_unknown_format_is_not_found(db):
    request = RequestFactory().get("/en/monitor/report/", {"format": "docx"})
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        report_views.report(request)


# --- the PDF -----------------------------------------------------------------------------


def test_the_pdf_renders_pages_that_are_not_blank_with_charts_headings_and_figures(dataset):
    request = RequestFactory().get("/en/monitor/report/", {"format": "pdf"})
    request.user = AnonymousUser()
    response = report_views.report(request)
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="report-mirandola-')
    pdf = response.content
    images = pages_of(pdf)
    assert len(images) >= 2
    for number, image in enumerate(images, start=1):
        assert abs(image.width - 595) <= 1 and abs(image.height - 842) <= 1  # A4 portrait
        assert inked(image) > 0.01, f"page {number} is blank"
    # The first page draws the charts: their line and dots in the accent colour.
    assert accent_pixels(images[0]) > 400
    texts = text_of(pdf)
    whole = "\n".join(texts)
    assert "Mirandola Biomedical District" in texts[0]
    assert "District report of" in texts[0]
    for heading in HEADINGS:
        assert heading in whole, heading
    for value in (
        "EUR 131 million",
        "Q1 2025",
        EXPORTS_SOURCE,
        "about 5,000",
        "provincia.modena.it",
    ):
        assert value in whole, value
    assert "Distretto, " in texts[-1]
    assert all(f"Page {n} of {len(texts)}" in t for n, t in enumerate(texts, start=1))


HOSTILE = "Ac\x00me\u200b <script>alert(1)</script> \u202eevil\u202c 🧪 Łódź ﷽ " + "W" * 300


def hostile_report() -> Report:
    point = FigurePoint(
        period=HOSTILE,
        start=date(2020, 1, 1),
        number=1e9,
        value=HOSTILE,
        source=HOSTILE * 3,
        source_url="https://example.org/" + "x" * 500,
        flagged=True,
    )
    later = replace(point, start=date(2024, 1, 1), number=-3.5)
    figure = KeyFigure(
        slug="x",
        indicator=HOSTILE,
        definition=HOSTILE,
        unit="count",
        territory=HOSTILE,
        latest=later,
        previous=point,
        trend=(point, later),
        points=(point, later),
    )
    codes = tuple(CodeCount(f"c{n}", HOSTILE, 1 + n % 2, n, n // 2) for n in range(60))
    return Report(
        district=HOSTILE,
        district_slug="x",
        date=TODAY,
        date_text="2 March 2026",
        generated_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        platform_source="Distretto, 2 March 2026",
        key_figures=(figure,) * 7,
        segments_title=HOSTILE,
        segments=codes,
        steps_title=HOSTILE,
        steps=codes[:3] + tuple(replace(c, organisations=0) for c in codes[3:]),
        network=NetworkHeadline(
            organisations=10**6,
            ties=10**7,
            components=3,
            largest_component_share=0.3333,
            density=0.0001,
            communities=12,
            modularity=0.5,
            brokers=(HOSTILE,) * 10,
            betweenness=(RankedOrganisation(HOSTILE, 0.5),) * 10,
            single_supplier=(Dependency(HOSTILE, HOSTILE, HOSTILE),) * 20,
            single_supplier_total=500,
            single_source_steps=((HOSTILE, HOSTILE),) * 5,
            no_district_source=(HOSTILE,) * 5,
            source=HOSTILE,
        ),
        events=EventFigures(
            events_held=1,
            events_upcoming=0,
            meetings_scheduled=2,
            meetings_held=1,
            outcomes=(OutcomeCount("signed", HOSTILE, 1),),
            source=HOSTILE,
        ),
        sources=tuple(
            Source(f"{HOSTILE} {n}", "https://example.org/" + "y" * 400, HOSTILE) for n in range(30)
        ),
    )


@pytest.mark.parametrize("fonts", [DEJAVU, None], ids=["dejavu", "core-font"])
def test_hostile_or_long_text_never_breaks_the_pdf(fonts):
    pdf = report_pdf(hostile_report(), fonts=fonts)
    images = pages_of(pdf, scale=0.5)
    assert len(images) > 3
    assert all(inked(image) > 0.005 for image in images)
    whole = "\n".join(text_of(pdf))
    assert "<script>" in whole  # printed as text, never interpreted
    assert "\x00" not in whole


def test_hostile_text_is_escaped_in_the_html():
    html = render_report(hostile_report())
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the CLI -------------------------------------------------------------------------------


def test_the_cli_writes_the_report_in_both_formats(dataset, tmp_path, capsys):
    assert cli.translate(["report", "--format", "pdf"]) == ["report", "--format", "pdf"]
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    call_command("report", "--format", "html", "--output", str(html))
    call_command("report", "--format", "pdf", "--output", str(pdf))
    page = parse(html.read_text(encoding="utf-8"))
    assert page.one("h1").text == "Mirandola Biomedical District"
    assert EXPORTS_SOURCE in page.texts("#sources li")
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-")
    assert "EUR 131 million" in "\n".join(text_of(content))
    assert "report.pdf" in capsys.readouterr().err


def test_the_figures_are_worded_in_italian_too(dataset):
    from django.utils import translation

    with translation.override("it"):
        report = report_data(AnonymousUser(), today=TODAY)
    exports = figure(report, "exports")
    assert exports.latest.value == "131 milioni di euro"
    assert exports.latest.number == float(Decimal("131"))
