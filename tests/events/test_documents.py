"""The documents of a brokerage event, read back with the libraries that parse them."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
import zoneinfo
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from distretto.events.documents import (
    DEJAVU,
    Agenda,
    AgendaItem,
    Grid,
    GridSlot,
    agenda_ical,
    agenda_pdf,
    grid_pdf,
    programme_xlsx,
    table_sheets_pdf,
    to_latin1,
)

# 08:00 UTC is 09:00 in Rome (TIME_ZONE) on this March day, before summer time.
START = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
TRICKY_NAME = "Rossi, Bianchi; Ferri\nSàrl – Ünïcode"
HOSTILE = "<script>alert(1)</script>"


def item(
    index: int,
    *,
    table: int | None,
    name: str | None = None,
    reason: str = "Joint proposal",
) -> AgendaItem:
    starts_at = START + timedelta(minutes=20 * index)
    return AgendaItem(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=20),
        table=table,
        with_name=name if name is not None else f"Organisation {index:02d}",
        with_people="Anna Rossi, Marco Bianchi",
        reason=reason,
        session="Morning",
        meeting_id=100 + index,
    )


def agenda(items: list[AgendaItem]) -> Agenda:
    return Agenda(
        event_name="Brokerage Day 2026",
        event_slug="brokerage-day-2026",
        venue="Palazzo dei Congressi",
        address="Via Roma 1, 00100 Roma",
        participant_name="Acme Medical S.p.A.",
        people=["Giulia Verdi", "Paolo Neri"],
        items=items,
        generated_at=START - timedelta(days=1),
        site_domain="distretto.example",
    )


def grid(*, tables: int = 3, cells: dict[tuple[int, int], tuple[str, str]] | None = None) -> Grid:
    slots = [
        GridSlot(
            label=f"{9 + index // 3:02d}:{index % 3 * 20:02d}",
            session="Morning" if index < 3 else "Afternoon",
            starts_at=START + timedelta(minutes=20 * index),
            ends_at=START + timedelta(minutes=20 * index + 20),
        )
        for index in range(4)
    ]
    return Grid(
        event_name="Brokerage Day 2026",
        venue="Palazzo dei Congressi",
        day_label="12 March 2026",
        slots=slots,
        tables=tables,
        cells=cells
        if cells is not None
        else {
            (0, 1): ("Alpha Srl", "Beta Spa"),
            (0, 2): ("Gamma Srl", "Delta Spa"),
            (1, 1): ("Alpha Srl", "Epsilon Srl"),
            (3, 3): ("Zeta Srl", "Eta Spa"),
        },
        booths={3: "Zeta Srl"},
        generated_at=START,
    )


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def events_of(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


# iCalendar


def test_ical_has_each_scheduled_meeting_as_an_event():
    items = [item(0, table=4), item(1, table=7), item(2, table=None)]
    data = agenda_ical(agenda(items))

    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert "Distretto" in str(calendar["PRODID"])
    assert "Brokerage Day 2026" in str(calendar["X-WR-CALNAME"])
    events = events_of(data)
    assert set(events) == {"meeting-100@distretto.example", "meeting-101@distretto.example"}
    for meeting in items[:2]:
        event = events[f"meeting-{meeting.meeting_id}@distretto.example"]
        assert event.decoded("DTSTART") == meeting.starts_at
        assert event.decoded("DTEND") == meeting.ends_at
        assert event.decoded("DTSTAMP") == START - timedelta(days=1)
        summary = str(event["SUMMARY"])
        assert meeting.with_name in summary
        assert f"table {meeting.table}" in summary
        location = str(event["LOCATION"])
        assert "Palazzo dei Congressi" in location
        assert "Via Roma 1, 00100 Roma" in location
        assert location.endswith(f"table {meeting.table}")
        description = str(event["DESCRIPTION"])
        assert "Anna Rossi, Marco Bianchi" in description
        assert "Joint proposal" in description
        assert "Morning" in description


def test_ical_times_are_in_utc_whatever_the_input_zone():
    rome = zoneinfo.ZoneInfo("Europe/Rome")
    meeting = item(0, table=1)
    summer = dataclasses.replace(
        item(1, table=2),
        starts_at=datetime(2026, 7, 1, 15, 0, tzinfo=rome),
        ends_at=datetime(2026, 7, 1, 15, 20, tzinfo=rome),
    )
    data = agenda_ical(agenda([meeting, summer]))

    assert b"DTSTART:20260312T080000Z" in data
    assert b"DTEND:20260312T082000Z" in data
    assert b"DTSTART:20260701T130000Z" in data  # 15:00 summer time in Rome
    assert b"DTSTAMP:20260311T080000Z" in data
    assert b"TZID" not in data  # no zone for clients to resolve
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Rome"
    assert calendar.get_missing_tzids() == set()


def test_ical_escapes_commas_semicolons_and_newlines():
    data = agenda_ical(agenda([item(0, table=3, name=TRICKY_NAME, reason="A; B, C\nD")]))

    (event,) = events_of(data).values()
    assert str(event["SUMMARY"]) == f"Meeting with {TRICKY_NAME} – table 3"
    assert "Reason: A; B, C\nD" in str(event["DESCRIPTION"])
    unfolded = data.replace(b"\r\n ", b"")
    assert "SUMMARY:Meeting with Rossi\\, Bianchi\\; Ferri\\nSàrl".encode() in unfolded


def test_ical_calendar_name_is_one_escaped_line():
    tricky = dataclasses.replace(agenda([item(0, table=1)]), participant_name=TRICKY_NAME)
    data = agenda_ical(tricky)

    unfolded = data.replace(b"\r\n ", b"")
    line = "X-WR-CALNAME:Brokerage Day 2026 – Rossi\\, Bianchi\\; Ferri Sàrl – Ünïcode\r\n"
    assert line.encode() in unfolded


def test_ical_leaves_out_unscheduled_meetings():
    data = agenda_ical(agenda([item(0, table=None), item(1, table=2)]))

    assert set(events_of(data)) == {"meeting-101@distretto.example"}


# Agenda PDF


def test_agenda_pdf_shows_participant_meetings_times_and_tables():
    items = [item(0, table=73), item(4, table=58, name="Beta Biotech"), item(5, table=None)]
    text = "\n".join(pdf_pages(agenda_pdf(agenda(items))))

    assert "Brokerage Day 2026" in text
    assert "Palazzo dei Congressi" in text
    assert "Acme Medical S.p.A." in text
    assert "Giulia Verdi, Paolo Neri" in text
    assert "Organisation 00" in text
    assert "Beta Biotech" in text
    assert "09:00–09:20" in text  # local time: 08:00 UTC
    assert "10:20–10:40" in text
    assert re.search(r"\b73\b", text)
    assert re.search(r"\b58\b", text)
    not_scheduled = text.index("Not scheduled yet")
    assert text.index("Organisation 05") > not_scheduled
    assert text.index("Beta Biotech") < not_scheduled


def test_agenda_pdf_of_forty_meetings_runs_over_pages_repeating_the_heading():
    items = [item(index, table=index % 12 + 1) for index in range(40)]
    pages = pdf_pages(agenda_pdf(agenda(items)))

    assert len(pages) > 1
    for page in pages:
        assert "Meeting with" in page
        assert "Their people" in page
    assert "Page 1 of" in pages[0]
    text = "\n".join(pages)
    for index in range(40):
        assert f"Organisation {index:02d}" in text


@pytest.mark.parametrize("fonts", [DEJAVU, None], ids=["dejavu", "core"])
def test_agenda_pdf_prints_names_outside_latin1(fonts):
    items = [
        item(0, table=1, name="Łódź Medtech ✓"),
        item(1, table=2, name="Ελληνική Τεχνολογία Α.Ε."),
        item(2, table=3, name="东方 Robotics"),
    ]
    text = "\n".join(pdf_pages(agenda_pdf(agenda(items), fonts=fonts)))

    if fonts is None:
        assert "Lódz Medtech v" in text
    else:
        if not DEJAVU.regular.is_file():
            pytest.skip("DejaVu fonts are not installed")
        assert "Łódź Medtech ✓" in text
        assert "Ελληνική Τεχνολογία" in text
    assert "Robotics" in text


def test_agenda_pdf_prints_hostile_text_as_text():
    items = [item(0, table=1, name="<b>Evil</b> & Co", reason=f"{HOSTILE} **bold**")]
    text = "\n".join(pdf_pages(agenda_pdf(agenda(items))))

    assert "<b>Evil</b> & Co" in text
    assert HOSTILE in text
    assert "**bold**" in text


def test_agenda_pdf_wraps_a_long_unbroken_name():
    long_name = "Supercalifragilistic" * 6
    pages = pdf_pages(agenda_pdf(agenda([item(0, table=1, name=long_name)])))

    assert len(pages) == 1
    assert long_name in re.sub(r"\s+", "", pages[0])


def test_agenda_pdf_without_meetings():
    text = "\n".join(pdf_pages(agenda_pdf(agenda([]))))

    assert "No meetings scheduled yet." in text


def test_to_latin1_folds_what_latin1_lacks():
    assert to_latin1("Łódź – “Medtech” ✓ Straße") == 'Lódz - "Medtech" v Straße'
    assert to_latin1("Ωmega") == "?mega"
    assert to_latin1("Città") == "Città"


# Grid and table sheets


def test_grid_pdf_holds_every_meeting_and_booth():
    text = "\n".join(pdf_pages(grid_pdf(grid())))

    for name in ("Alpha Srl", "Beta Spa", "Gamma Srl", "Delta Spa", "Epsilon Srl", "Eta Spa"):
        assert name in text
    assert "Booth: Zeta Srl" in text
    assert "09:00" in text
    assert "10:00" in text
    assert "Afternoon" in text


def test_grid_pdf_splits_many_tables_in_column_groups():
    cells = {(0, table): (f"Host {table:02d}", f"Guest {table:02d}") for table in range(1, 11)}
    pages = pdf_pages(grid_pdf(grid(tables=10, cells=cells), tables_per_page=8))

    assert len(pages) == 2
    assert re.search(r"Table 8\b", pages[0])
    assert not re.search(r"Table 9\b", pages[0])
    assert "Host 08" in pages[0]
    assert re.search(r"Table 9\b", pages[1])
    assert re.search(r"Table 10\b", pages[1])
    assert "Guest 10" in pages[1]
    assert "Host 08" not in pages[1]


def test_table_sheets_give_each_table_its_page():
    pages = pdf_pages(table_sheets_pdf(grid()))

    assert len(pages) == 3
    assert "Alpha Srl" in pages[0]
    assert "Epsilon Srl" in pages[0]
    assert "Gamma Srl" not in pages[0]
    assert "Gamma Srl" in pages[1]
    assert "Booth: Zeta Srl" in pages[2]
    assert "Eta Spa" in pages[2]
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"^\s*{number}\s*$", page, re.MULTILINE)


# Workbook


def test_programme_xlsx_has_grid_and_meetings():
    workbook = load_workbook(io.BytesIO(programme_xlsx(grid())))

    assert workbook.sheetnames == ["Grid", "Meetings"]
    sheet = workbook["Grid"]
    assert [cell.value for cell in sheet[1]] == [
        "Session",
        "Time",
        "Table 1",
        "Table 2",
        "Table 3 (booth: Zeta Srl)",
    ]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "C2"
    assert sheet["B2"].value == "09:00"
    assert sheet["C2"].value == "Alpha Srl\nBeta Spa"
    assert sheet["D2"].value == "Gamma Srl\nDelta Spa"
    assert sheet["E2"].value is None
    assert sheet["E5"].value == "Zeta Srl\nEta Spa"
    assert sheet.column_dimensions["C"].width >= 10

    meetings = workbook["Meetings"]
    assert meetings.freeze_panes == "A2"
    assert meetings["A1"].font.bold
    rows = [tuple(row) for row in meetings.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        (
            "Morning",
            datetime(2026, 3, 12, 9, 0),
            datetime(2026, 3, 12, 9, 20),
            1,
            "Alpha Srl",
            "Beta Spa",
        ),
        (
            "Morning",
            datetime(2026, 3, 12, 9, 0),
            datetime(2026, 3, 12, 9, 20),
            2,
            "Gamma Srl",
            "Delta Spa",
        ),
        (
            "Morning",
            datetime(2026, 3, 12, 9, 20),
            datetime(2026, 3, 12, 9, 40),
            1,
            "Alpha Srl",
            "Epsilon Srl",
        ),
        (
            "Afternoon",
            datetime(2026, 3, 12, 10, 0),
            datetime(2026, 3, 12, 10, 20),
            3,
            "Zeta Srl",
            "Eta Spa",
        ),
    ]


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","click")', "+1+2", "-3+4", "@SUM(A1:A2)", "=1+1"]
)
def test_programme_xlsx_stores_formula_like_names_as_text(name):
    data = programme_xlsx(grid(cells={(0, 1): (name, "Beta Spa")}))

    workbook = load_workbook(io.BytesIO(data))
    first = workbook["Meetings"]["E2"]
    assert first.value == name
    assert first.data_type == "s"
    assert first.quotePrefix
    assert workbook["Grid"]["C2"].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets
        for sheet in sheets:
            assert b"<f>" not in archive.read(sheet)  # no formula anywhere
