"""The documents of a brokerage event: calendars, printable agendas, grids and spreadsheets.

This is a presentation layer: it receives plain dataclasses (built by the views from
the models) and returns bytes. It reads no models and no database. Labels go through
Django's translation; times are shown in the current time zone.

- ``agenda_ical``: a participant's meetings as an RFC 5545 calendar (icalendar);
- ``agenda_pdf``: a participant's printable agenda, A4 portrait (fpdf2);
- ``grid_pdf``: the organiser's grid of slots × tables, A4 landscape;
- ``table_sheets_pdf``: one page per table, to lay on the table;
- ``programme_xlsx``: the whole programme as a workbook (openpyxl).

The PDFs build on ``distretto.web.pdf.DocumentPdf``: DejaVu Sans when its files are
present, else the core Helvetica font with the text folded to latin-1 (``to_latin1``),
so a document never fails on a name.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FontFace, XPos, YPos
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from distretto.registry.tabular import defuse_xlsx_cell
from distretto.web.pdf import DEJAVU, DocumentPdf, FontFiles, to_latin1
from distretto.web.pdf import HEADING_FILL as _HEADING_FILL
from distretto.web.pdf import generated as _generated
from distretto.web.pdf import one_line as _one_line
from distretto.web.pdf import paragraph as _paragraph
from distretto.web.pdf import shorten as _shorten
from distretto.web.pdf import without_controls as _without_controls

__all__ = [
    "DEJAVU",
    "Agenda",
    "AgendaItem",
    "FontFiles",
    "Grid",
    "GridSlot",
    "agenda_ical",
    "agenda_pdf",
    "grid_pdf",
    "programme_xlsx",
    "table_sheets_pdf",
    "to_latin1",
]


# ---------------------------------------------------------------------------
# Data in
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    """One meeting of a participant's agenda, seen from that participant."""

    starts_at: datetime  # aware
    ends_at: datetime  # aware
    table: int | None  # None: not scheduled yet
    with_name: str  # the other organisation
    with_people: str  # its people attending, joined
    reason: str  # why meet (may be "")
    session: str  # session name, e.g. "Morning"
    meeting_id: int


@dataclass(frozen=True)
class Agenda:
    """A participant's agenda at an event."""

    event_name: str
    event_slug: str
    venue: str
    address: str
    participant_name: str  # the organisation
    people: list[str]
    items: list[AgendaItem]
    generated_at: datetime
    site_domain: str  # for iCal UIDs, e.g. "distretto.example"


@dataclass(frozen=True)
class GridSlot:
    """One time slot of the event's grid."""

    label: str  # "09:00–09:20"
    session: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Grid:
    """The whole programme of an event: who meets whom, when and at which table."""

    event_name: str
    venue: str
    day_label: str
    slots: list[GridSlot]
    tables: int
    # (slot index, table number starting at 1) -> (organisation A, organisation B)
    cells: dict[tuple[int, int], tuple[str, str]]
    booths: dict[int, str]  # table number -> organisation hosting a fixed booth there
    generated_at: datetime


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

_LONGEST_PEOPLE = 400
_LONGEST_REASON = 600


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _hm(moment: datetime) -> str:
    return formats.time_format(_local(moment), "H:i")


def _span(starts_at: datetime, ends_at: datetime) -> str:
    return f"{_hm(starts_at)}–{_hm(ends_at)}"


def _scheduled(items: Iterable[AgendaItem]) -> list[AgendaItem]:
    """The scheduled items, by time then table."""
    return sorted(
        (item for item in items if item.table is not None),
        key=lambda item: (item.starts_at, item.table or 0, item.meeting_id),
    )


def _table_numbers(grid: Grid) -> list[int]:
    """Table numbers from 1 to the highest one the grid mentions."""
    highest = max(
        [grid.tables, *(table for _slot, table in grid.cells), *grid.booths],
        default=0,
    )
    return list(range(1, highest + 1))


def _grid_meetings(grid: Grid) -> list[tuple[int, int, str, str]]:
    """(slot index, table, organisation A, organisation B) for each meeting, in order."""
    return sorted(
        (slot, table, first, second)
        for (slot, table), (first, second) in grid.cells.items()
        if 0 <= slot < len(grid.slots) and table >= 1
    )


# ---------------------------------------------------------------------------
# iCalendar
# ---------------------------------------------------------------------------


def _ical_text(text: str) -> str:
    """Text for an iCalendar TEXT value: line breaks kept, other controls dropped."""
    return _without_controls(text, keep_newlines=True).strip()


def agenda_ical(agenda: Agenda) -> bytes:
    """The participant's scheduled meetings as an RFC 5545 calendar (METHOD:PUBLISH).

    Each meeting is a VEVENT with a stable UID (``meeting-<id>@<site_domain>``), so a
    calendar imported again updates its events instead of duplicating them. Start and
    end are in UTC, which every client reads right and shows in its own zone: the
    VTIMEZONE the library derives from zoneinfo lists transitions as RDATEs, which some
    clients (Outlook) ignore, shifting summer meetings by an hour. X-WR-TIMEZONE names
    the current zone for clients that display a subscribed calendar in it.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Distretto//Brokerage events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is TEXT by default (RFC 5545 §3.8.8.2) but the library writes it
    # raw: escape it as text, on one line.
    name = _("%(event)s – %(participant)s") % {
        "event": _one_line(agenda.event_name),
        "participant": _one_line(agenda.participant_name),
    }
    calendar.add("x-wr-calname", icalendar.vText(name))
    zone_key = getattr(timezone.get_current_timezone(), "key", None)
    if zone_key:
        calendar.add("x-wr-timezone", zone_key)

    stamp = agenda.generated_at.astimezone(UTC)
    place = ", ".join(part for part in (agenda.venue.strip(), agenda.address.strip()) if part)
    own_people = ", ".join(agenda.people)
    for item in _scheduled(agenda.items):
        table_label = _("table %(number)s") % {"number": item.table}
        event = icalendar.Event()
        event.add("uid", f"meeting-{item.meeting_id}@{agenda.site_domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(UTC))
        event.add("dtend", item.ends_at.astimezone(UTC))
        event.add(
            "summary",
            _ical_text(
                _("Meeting with %(name)s – table %(number)s")
                % {"name": item.with_name, "number": item.table}
            ),
        )
        event.add("location", _ical_text(f"{place} – {table_label}" if place else table_label))
        description = [
            _("Event: %(event)s") % {"event": agenda.event_name},
            _("Session: %(session)s") % {"session": item.session},
            _("Attending for %(name)s: %(people)s")
            % {"name": item.with_name, "people": item.with_people or "–"},
        ]
        if own_people:
            description.append(
                _("Attending for %(name)s: %(people)s")
                % {"name": agenda.participant_name, "people": own_people}
            )
        if item.reason.strip():
            description.append(_("Reason: %(reason)s") % {"reason": item.reason})
        event.add("description", _ical_text("\n".join(description)))
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

_BOOTH_FILL = (255, 244, 214)


def agenda_pdf(agenda: Agenda, *, fonts: FontFiles | None = DEJAVU) -> bytes:
    """The participant's printable agenda: A4 portrait, one row per meeting by time.

    Unscheduled meetings are listed after the timetable, under "Not scheduled yet".
    ``fonts=None`` prints with the core Helvetica font (text folded to latin-1).
    """
    pdf = DocumentPdf(landscape=False, fonts=fonts, title=agenda.event_name)
    pdf.footer_note = _generated(agenda.generated_at)
    pdf.alias_nb_pages()
    pdf.add_page()
    # From the second page on (the running head is printed by add_page).
    pdf.running_head = f"{_one_line(agenda.event_name)} · {_one_line(agenda.participant_name)}"

    scheduled = _scheduled(agenda.items)
    waiting = sorted(
        (item for item in agenda.items if item.table is None),
        key=lambda item: (item.starts_at, item.meeting_id),
    )
    days = sorted({_local(item.starts_at).date() for item in scheduled})

    pdf.write_lines(_one_line(agenda.event_name), size=18, bold=True)
    place = ", ".join(part for part in (_one_line(agenda.venue), _one_line(agenda.address)) if part)
    if place:
        pdf.write_lines(place, size=10)
    if days:
        pdf.write_lines(", ".join(formats.date_format(day, "DATE_FORMAT") for day in days), size=10)
    pdf.ln(4)
    pdf.write_lines(
        _("Agenda of %(name)s") % {"name": _one_line(agenda.participant_name)}, size=14, bold=True
    )
    if agenda.people:
        people = ", ".join(_one_line(person) for person in agenda.people)
        pdf.write_lines(
            _("Attending: %(people)s") % {"people": _shorten(people, _LONGEST_PEOPLE)}, size=10
        )
    pdf.ln(5)

    text_size = 9.0
    if scheduled:
        several_days = len(days) > 1
        pdf.set_font(pdf.family_name, "", text_size)
        with pdf.table(
            col_widths=(26, 16, 44, 38, 62),
            line_height=4.4,
            padding=1.6,
            text_align=("LEFT", "CENTER", "LEFT", "LEFT", "LEFT"),
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEADING_FILL),
            repeat_headings=1,
            v_align="MIDDLE",
        ) as table:
            heading = table.row()
            for label in (_("Time"), _("Table"), _("Meeting with"), _("Their people"), _("Reason")):
                heading.cell(pdf.clean(label))
            for item in scheduled:
                when = _span(item.starts_at, item.ends_at)
                if several_days:
                    day = formats.date_format(_local(item.starts_at), "SHORT_DATE_FORMAT")
                    when = f"{day}\n{when}"
                if item.session.strip():
                    when += f"\n{_one_line(item.session, 60)}"
                row = table.row(min_height=12)
                row.cell(pdf.clean(when))
                row.cell(str(item.table), style=FontFace(emphasis="BOLD", size_pt=20))
                row.cell(pdf.clean(_one_line(item.with_name)), style=FontFace(emphasis="BOLD"))
                row.cell(pdf.clean(_paragraph(item.with_people, _LONGEST_PEOPLE)))
                row.cell(pdf.clean(_paragraph(item.reason, _LONGEST_REASON)))
    else:
        pdf.write_lines(_("No meetings scheduled yet."), size=11)

    if waiting:
        pdf.ln(6)
        pdf.write_lines(_("Not scheduled yet"), size=12, bold=True)
        pdf.ln(2)
        pdf.set_font(pdf.family_name, "", text_size)
        with pdf.table(
            col_widths=(50, 60, 76),
            line_height=4.4,
            padding=1.6,
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEADING_FILL),
            repeat_headings=1,
        ) as table:
            heading = table.row()
            for label in (_("Meeting with"), _("Their people"), _("Reason")):
                heading.cell(pdf.clean(label))
            for item in waiting:
                row = table.row()
                row.cell(pdf.clean(_one_line(item.with_name)), style=FontFace(emphasis="BOLD"))
                row.cell(pdf.clean(_paragraph(item.with_people, _LONGEST_PEOPLE)))
                row.cell(pdf.clean(_paragraph(item.reason, _LONGEST_REASON)))
    return pdf.to_bytes()


def _table_heading(number: int, host: str | None) -> str:
    label = _("Table %(number)s") % {"number": number}
    if host:
        label += "\n" + _("Booth: %(host)s") % {"host": _one_line(host, 80)}
    return label


def _cell_text(pair: tuple[str, str] | None) -> str:
    if pair is None:
        return ""
    return f"{_one_line(pair[0], 120)}\n↔ {_one_line(pair[1], 120)}"


def _chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def grid_pdf(grid: Grid, *, tables_per_page: int = 8, fonts: FontFiles | None = DEJAVU) -> bytes:
    """The organiser's grid: A4 landscape, rows are slots, columns are tables.

    Tables are split in groups of ``tables_per_page`` columns, each group starting on a
    new page; rows continue on further pages with the heading row repeated. Each cell
    holds the two organisations meeting there; booth tables show their host.
    """
    pdf = DocumentPdf(landscape=True, fonts=fonts, title=grid.event_name)
    pdf.footer_note = _generated(grid.generated_at)
    pdf.alias_nb_pages()
    numbers = _table_numbers(grid)
    groups = _chunks(numbers, max(1, tables_per_page)) or [[]]
    title = " · ".join(
        part
        for part in (_one_line(grid.event_name), _one_line(grid.venue), _one_line(grid.day_label))
        if part
    )
    for group in groups:
        if group:
            tables = _("Tables %(first)s–%(last)s of %(count)s") % {
                "first": group[0],
                "last": group[-1],
                "count": len(numbers),
            }
            pdf.running_head = f"{title}\n{tables}"
        else:
            pdf.running_head = title
        pdf.add_page()
        if not grid.slots or not group:
            pdf.write_lines(_("No meetings scheduled yet."), size=11)
            continue
        time_width = 26.0
        table_width = (pdf.epw - time_width) / tables_per_page
        pdf.set_font(pdf.family_name, "", 7.5)
        with pdf.table(
            col_widths=(time_width, *([table_width] * len(group))),
            width=time_width + table_width * len(group),
            align="LEFT",
            line_height=3.4,
            padding=1.2,
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEADING_FILL),
            repeat_headings=1,
            v_align="MIDDLE",
        ) as table:
            heading = table.row()
            heading.cell(pdf.clean(_("Time")))
            for number in group:
                host = grid.booths.get(number)
                heading.cell(
                    pdf.clean(_table_heading(number, host)),
                    style=FontFace(emphasis="BOLD", fill_color=_BOOTH_FILL) if host else None,
                )
            for index, slot in enumerate(grid.slots):
                row = table.row(min_height=9)
                when = _one_line(slot.label, 40)
                if slot.session.strip():
                    when += f"\n{_one_line(slot.session, 60)}"
                row.cell(pdf.clean(when))
                for number in group:
                    row.cell(pdf.clean(_cell_text(grid.cells.get((index, number)))))
    return pdf.to_bytes()


def table_sheets_pdf(grid: Grid, *, fonts: FontFiles | None = DEJAVU) -> bytes:
    """One A4 page per table: its number very large, its host if a booth, its meetings."""
    pdf = DocumentPdf(landscape=False, fonts=fonts, title=grid.event_name)
    pdf.footer_note = " · ".join(
        part for part in (_one_line(grid.event_name, 80), _one_line(grid.day_label)) if part
    )
    pdf.alias_nb_pages()
    meetings = _grid_meetings(grid)
    numbers = _table_numbers(grid) or [0]
    for number in numbers:
        pdf.running_head = ""
        pdf.add_page()
        # Only on a continuation page of the same table.
        pdf.running_head = _("Table %(number)s") % {"number": number}
        pdf.write_lines(
            " · ".join(
                part
                for part in (
                    _one_line(grid.event_name),
                    _one_line(grid.venue),
                    _one_line(grid.day_label),
                )
                if part
            ),
            size=11,
            grey=True,
        )
        if number == 0:
            pdf.write_lines(_("No tables."), size=14)
            continue
        pdf.ln(6)
        pdf.set_font(pdf.family_name, "B", 26)
        pdf.cell(0, 12, pdf.clean(_("Table")), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(pdf.family_name, "B", 150)
        pdf.cell(0, 52, str(number), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        host = grid.booths.get(number)
        if host:
            pdf.set_font(pdf.family_name, "B", 20)
            pdf.multi_cell(
                0,
                9,
                pdf.clean(_("Booth: %(host)s") % {"host": _one_line(host)}),
                align="C",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        pdf.ln(8)
        here = [(slot, first, second) for slot, table, first, second in meetings if table == number]
        if not here:
            pdf.write_lines(_("No meetings at this table."), size=12)
            continue
        pdf.set_font(pdf.family_name, "", 11)
        with pdf.table(
            col_widths=(34, 30, 61, 61),
            line_height=5.2,
            padding=1.8,
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEADING_FILL),
            repeat_headings=1,
            v_align="MIDDLE",
        ) as table:
            heading = table.row()
            for label in (_("Time"), _("Session"), _("Organisation"), _("Organisation")):
                heading.cell(pdf.clean(label))
            for slot_index, first, second in here:
                slot = grid.slots[slot_index]
                row = table.row()
                row.cell(pdf.clean(_one_line(slot.label, 40)), style=FontFace(emphasis="BOLD"))
                row.cell(pdf.clean(_one_line(slot.session, 60)))
                row.cell(pdf.clean(_one_line(first)))
                row.cell(pdf.clean(_one_line(second)))
    return pdf.to_bytes()


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------

_LONGEST_CELL = 32_767
_HEADER_FILL = PatternFill("solid", fgColor="E1E5EB")


def _put(sheet: Worksheet, row: int, column: int, value: object) -> None:
    """Write ``value``; text is always stored as text, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:_LONGEST_CELL]
        cell.value = text
        defuse_xlsx_cell(cell)  # text, never a formula, even when edited
    else:
        cell.value = value


def _header(sheet: Worksheet, labels: Sequence[str]) -> None:
    for column, label in enumerate(labels, start=1):
        _put(sheet, 1, column, label)
        cell = sheet.cell(row=1, column=column)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)


def _fit_columns(sheet: Worksheet, *, least: float = 8, most: float = 45) -> None:
    """Column widths from the longest line of each column, within bounds."""
    widths: dict[int, float] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            if isinstance(cell.value, datetime):
                length = 17.0
            else:
                length = max(len(line) for line in str(cell.value).split("\n"))
            column = cell.column
            assert isinstance(column, int)
            widths[column] = max(widths.get(column, 0.0), length)
    for column, length in widths.items():
        width = min(max(length + 2, least), most)
        sheet.column_dimensions[get_column_letter(column)].width = width


def _excel_time(moment: datetime) -> datetime:
    """Local wall-clock time without zone: spreadsheets hold no time zones."""
    return _local(moment).replace(tzinfo=None)


def programme_xlsx(grid: Grid) -> bytes:
    """The whole programme as a workbook: a "Grid" sheet and a "Meetings" sheet.

    Grid: one row per slot, one column per table, each cell the two organisations (one
    per line). Meetings: one row per meeting (session, start, end, table, organisation
    A, organisation B), times in the current time zone. All text is stored as text.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = _("Grid")[:31]
    numbers = _table_numbers(grid)
    headings = [_("Session"), _("Time")]
    for number in numbers:
        host = grid.booths.get(number)
        label = _("Table %(number)s") % {"number": number}
        if host:
            label += f" ({_('booth')}: {_one_line(host)})"
        headings.append(label)
    _header(sheet, headings)
    wrap = Alignment(vertical="top", wrap_text=True)
    for index, slot in enumerate(grid.slots):
        row = index + 2
        _put(sheet, row, 1, slot.session)
        _put(sheet, row, 2, slot.label)
        for column, number in enumerate(numbers, start=3):
            pair = grid.cells.get((index, number))
            if pair is not None:
                _put(sheet, row, column, f"{pair[0]}\n{pair[1]}")
                sheet.cell(row=row, column=column).alignment = wrap
    sheet.freeze_panes = "C2"
    _fit_columns(sheet, most=32)

    meetings = workbook.create_sheet(_("Meetings")[:31])
    _header(
        meetings,
        [_("Session"), _("Start"), _("End"), _("Table"), _("Organisation A"), _("Organisation B")],
    )
    for row, (slot_index, table, first, second) in enumerate(_grid_meetings(grid), start=2):
        slot = grid.slots[slot_index]
        _put(meetings, row, 1, slot.session)
        _put(meetings, row, 2, _excel_time(slot.starts_at))
        _put(meetings, row, 3, _excel_time(slot.ends_at))
        _put(meetings, row, 4, table)
        _put(meetings, row, 5, first)
        _put(meetings, row, 6, second)
        for column in (2, 3):
            meetings.cell(row=row, column=column).number_format = "yyyy-mm-dd hh:mm"
    meetings.freeze_panes = "A2"
    _fit_columns(meetings, most=50)
    if meetings.max_row > 1:
        meetings.auto_filter.ref = meetings.dimensions

    workbook.properties.creator = "Distretto"
    workbook.properties.title = _one_line(grid.event_name)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
