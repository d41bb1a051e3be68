"""The documents of a consortium draft: its partner table as a printable PDF.

This is a presentation layer: it receives a plain dataclass (built by the views from
the draft, with ``services.partner_table`` for the header and rows) and returns bytes.
It reads no models and no database. Labels go through Django's translation; dates are
shown in the current language and time zone.

- ``partner_table_pdf``: the partner table, A4 landscape (fpdf2), the header row
  repeated on every page.

The PDF builds on ``distretto.web.pdf.DocumentPdf``: DejaVu Sans when its files are
present, else the core Helvetica font with the text folded to latin-1, so a document
never fails on a name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FontFace, XPos, YPos

from distretto.web.pdf import (
    DEJAVU,
    GREY,
    HEADING_FILL,
    DocumentPdf,
    FontFiles,
    generated,
    one_line,
    shorten,
)

__all__ = ["PartnerTable", "partner_table_pdf"]


@dataclass(frozen=True)
class PartnerTable:
    """A consortium draft's partner table with what identifies it on paper."""

    call_title: str
    call_programme: str
    call_identifier: str  # may be ""
    call_closes_on: date | None  # the call's deadline, if known
    draft_title: str
    lead_name: str
    generated_at: datetime  # aware
    header: list[str]  # column labels, e.g. organisation, role, kind, region, invitation
    rows: list[list[str]]  # one per partner, in the header's order


_ROW_FILL = (246, 247, 249)
_LABEL_WIDTH = 34.0
_TEXT_SIZE = 9.5
_LINE_HEIGHT = 4.6
_PADDING = 1.8
# A cell holds at most this many lines of its widest characters ("W", bold), so that
# no row grows taller than a page, and never more than _LONGEST_CELL characters.
_MOST_LINES = 12
_WIDEST_CHAR = 3.5  # mm, at _TEXT_SIZE
_LONGEST_CELL = 200
_NARROWEST = 14.0  # mm, a column: room for a few characters besides its padding


def _columns(table: PartnerTable, width: float) -> int:
    """How many columns to print: the header's or the longest row's count.

    At most as many as fit ``width`` mm, ``_NARROWEST`` each; further ones are left out.
    """
    wanted = max([len(table.header), *(len(row) for row in table.rows), 1])
    return min(wanted, int(width // _NARROWEST))


def _padded(cells: Sequence[str], count: int) -> list[str]:
    return [str(cell) for cell in cells[:count]] + [""] * (count - len(cells))


def _widths(header: list[str], rows: list[list[str]], total: float) -> list[float]:
    """Column widths in mm adding up to ``total``, each at least ``_NARROWEST``.

    Shared by each column's longest text, within bounds; the first column (the
    organisation) gets room for long names.
    """
    weights = []
    for index, label in enumerate(header):
        longest = max([len(one_line(label)), *(len(one_line(row[index])) for row in rows)])
        least, most = (24, 60) if index == 0 else (8, 30)
        weights.append(min(max(longest, least), most))
    narrow: set[int] = set()  # columns held at _NARROWEST
    while True:
        free = sum(weight for index, weight in enumerate(weights) if index not in narrow)
        if not free:
            return [total / len(weights)] * len(weights)
        spare = total - _NARROWEST * len(narrow)
        widths = [
            _NARROWEST if index in narrow else spare * weight / free
            for index, weight in enumerate(weights)
        ]
        too_narrow = {index for index, width in enumerate(widths) if width < _NARROWEST}
        if not too_narrow - narrow:
            return widths
        narrow |= too_narrow


def _cell_limit(width: float) -> int:
    """The longest text of a cell ``width`` mm wide: ``_MOST_LINES`` lines of "W"."""
    per_line = max(1, int((width - 2 * _PADDING) / _WIDEST_CHAR))
    return min(per_line * _MOST_LINES, _LONGEST_CELL)


def _meta(pdf: DocumentPdf, label: str, value: str) -> None:
    """One "label  value" line under the heading, the value wrapped."""
    pdf.set_font(pdf.family_name, "B", _TEXT_SIZE)
    pdf.set_text_color(*GREY)
    pdf.cell(_LABEL_WIDTH, 5, pdf.clean(label))
    pdf.set_text_color(0)
    pdf.set_font(pdf.family_name, "", _TEXT_SIZE)
    pdf.multi_cell(0, 5, pdf.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def partner_table_pdf(table: PartnerTable, *, fonts: FontFiles | None = DEJAVU) -> bytes:
    """The draft's partner table: A4 landscape, one row per partner.

    A heading with the draft's title, the call (programme, title, identifier, deadline),
    the lead and when it was generated; then the table, its header row repeated on each
    page, long names wrapped. ``fonts=None`` prints with the core Helvetica font (text
    folded to latin-1).
    """
    pdf = DocumentPdf(landscape=True, fonts=fonts, title=table.draft_title)
    pdf.footer_note = one_line(table.draft_title, 80)
    pdf.alias_nb_pages()
    pdf.add_page()
    # From the second page on (the running head is printed by add_page).
    call = " · ".join(
        part for part in (one_line(table.call_programme), one_line(table.call_title)) if part
    )
    pdf.running_head = " · ".join(
        part for part in (one_line(table.draft_title, 120), shorten(call, 160)) if part
    )

    pdf.write_lines(one_line(table.draft_title) or "–", size=18, bold=True)
    pdf.ln(2)
    if call:
        _meta(pdf, _("Call"), call)
    if one_line(table.call_identifier):
        _meta(pdf, _("Call identifier"), one_line(table.call_identifier))
    if table.call_closes_on is not None:
        _meta(pdf, _("Deadline"), formats.date_format(table.call_closes_on, "DATE_FORMAT"))
    if one_line(table.lead_name):
        _meta(pdf, _("Lead"), one_line(table.lead_name))
    pdf.ln(1)
    pdf.write_lines(generated(table.generated_at), size=8.5, grey=True)
    pdf.ln(5)
    pdf.write_lines(_("Partners"), size=12, bold=True)
    pdf.ln(2)

    if not table.rows:
        pdf.write_lines(_("No partners yet."), size=10)
        return pdf.to_bytes()

    count = _columns(table, pdf.epw)
    header = _padded(table.header, count)
    rows = [_padded(row, count) for row in table.rows]
    widths = _widths(header, rows, pdf.epw)
    limits = [_cell_limit(width) for width in widths]
    pdf.set_font(pdf.family_name, "", _TEXT_SIZE)
    with pdf.table(
        col_widths=tuple(widths),
        width=pdf.epw,
        line_height=_LINE_HEIGHT,
        padding=_PADDING,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        repeat_headings=1,
        cell_fill_color=_ROW_FILL,
        cell_fill_mode="ROWS",
        v_align="MIDDLE",
    ) as pdf_table:
        heading = pdf_table.row()
        for label, limit in zip(header, limits, strict=True):
            heading.cell(pdf.clean(one_line(label, limit)))
        for cells in rows:
            row = pdf_table.row()
            for index, (text, limit) in enumerate(zip(cells, limits, strict=True)):
                style = FontFace(emphasis="BOLD") if index == 0 else None
                row.cell(pdf.clean(one_line(text, limit)), style=style)
    return pdf.to_bytes()
