"""The district report as a PDF: A4 portrait, drawn with fpdf2 on ``web.pdf.DocumentPdf``.

A presentation layer: a ``Report`` (plain values, see ``report.py``) in, bytes out; it
reads no database. The first page opens with the district and the date; then the key
figures as a table (value, period, territory, the value before, the source), a line
chart per featured indicator with a trend (axes, ticks, a dot and its value per period,
drawn with fpdf2's lines from ``domain.charts.line_chart``), the organisations by segment
and process step, the network's headline, the brokerage events, and the list of sources.
Every page but the first repeats the district and the date at its head; every page is
numbered ("Page 1 of 3").

Any text may be long or hostile (control characters, characters the font lacks, words
longer than a column): each goes through ``one_line`` or ``shorten`` and
``DocumentPdf.clean``, and a table cell holds at most a dozen lines, so no row grows
taller than a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from django.utils.translation import gettext as _
from fpdf import FontFace, XPos, YPos
from fpdf.enums import MethodReturnValue

from distretto.monitor.report import CodeCount, EventFigures, NetworkHeadline, Report, share
from distretto.monitor.report_html import ChartFigure, chart_of, number
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

__all__ = ["report_pdf"]

ACCENT = (14, 90, 112)  # the charts' line and the section rules: the site's teal
GRID = (222, 228, 235)
AXIS = (140, 152, 165)
INK = (31, 41, 51)

TEXT_SIZE = 8.8
LINE_HEIGHT = 4.2
PADDING = 1.5
MOST_LINES = 12  # a cell holds at most this many lines of its widest characters
WIDEST_CHAR = 3.2  # mm, "W" in bold at TEXT_SIZE
LONGEST_CELL = 300

# A chart: two side by side, each CHART_W x CHART_H mm under its title (in tenths of mm
# for the geometry, which works in whole units).
CHART_GAP = 8.0
CHART_H = 50.0
CHART_TITLE_H = 9.0
CHART_CAPTION_H = 11.0


def _limit(width: float) -> int:
    """The longest text of a cell ``width`` mm wide: ``MOST_LINES`` lines of "W"."""
    per_line = max(1, int((width - 2 * PADDING) / WIDEST_CHAR))
    return min(per_line * MOST_LINES, LONGEST_CELL)


def _cell(pdf: DocumentPdf, text: str, width: float) -> str:
    return pdf.clean(one_line(text, _limit(width)))


def _fit(pdf: DocumentPdf, text: str, width: float, lines: int) -> str:
    """``text`` (made printable) cut to what ``lines`` lines ``width`` mm wide hold in the
    current font, an ellipsis marking the cut."""
    text = pdf.clean(one_line(text, 400))
    mark = pdf.clean("…")  # "..." in the core font

    def fits(candidate: str) -> bool:
        found = pdf.multi_cell(width, 4, candidate, dry_run=True, output=MethodReturnValue.LINES)
        return isinstance(found, list) and len(found) <= lines

    if fits(text):
        return text
    low, high = 0, len(text)  # text[:low] + mark fits; text[:high] + mark does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(text[:middle].rstrip() + mark):
            low = middle
        else:
            high = middle
    return text[:low].rstrip() + mark


def _heading(pdf: DocumentPdf, text: str, *, room: float = 40.0) -> None:
    """A section heading with a rule under it, on a new page unless ``room`` mm are left."""
    if pdf.will_page_break(room):
        pdf.add_page()
    else:
        pdf.ln(4)
    pdf.set_font(pdf.family_name, "B", 13)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(
        0, 6.5, pdf.clean(one_line(text, 90)), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
    )
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.l_margin + pdf.epw, pdf.get_y() + 0.5)
    pdf.set_text_color(0)
    pdf.ln(3)


def _subheading(pdf: DocumentPdf, text: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(1.5)
    pdf.write_lines(one_line(text, 160), size=10, bold=True)
    pdf.ln(1)


def _source(pdf: DocumentPdf, text: str) -> None:
    pdf.ln(1)
    pdf.write_lines(f"{_('Source:')} {one_line(text)}", size=7.8, grey=True)


def _note(pdf: DocumentPdf, text: str) -> None:
    pdf.write_lines(shorten(text, 2000), size=TEXT_SIZE)


def _table(
    pdf: DocumentPdf,
    widths: Sequence[float],
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    align: Sequence[str] | None = None,
    first_bold: bool = False,
    padding: float = PADDING,
) -> None:
    """A table across the page, its heading row (if any) repeated on each page."""
    pdf.set_font(pdf.family_name, "", TEXT_SIZE)
    pdf.set_text_color(0)
    pdf.set_fill_color(255)
    pdf.set_draw_color(200, 206, 214)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        align="LEFT",
        line_height=LINE_HEIGHT,
        padding=padding,
        text_align=tuple(align) if align else "LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        first_row_as_headings=header is not None,
        repeat_headings=1,
        borders_layout="HORIZONTAL_LINES",
        v_align="TOP",
    ) as table:
        if header is not None:
            heading = table.row()
            for label, width in zip(header, widths, strict=True):
                heading.cell(_cell(pdf, label, width))
        for cells in rows:
            row = table.row()
            for index, (text, width) in enumerate(zip(cells, widths, strict=True)):
                limit = _limit(width)
                # Line breaks are kept (a value and its source); each line made safe.
                lines = [one_line(line, limit) for line in str(text).split("\n")]
                content = pdf.clean(shorten("\n".join(line for line in lines if line), limit))
                style = FontFace(emphasis="BOLD") if first_bold and index == 0 else None
                row.cell(content, style=style)


# --- the sections ------------------------------------------------------------------------


def _title(pdf: DocumentPdf, report: Report) -> None:
    pdf.set_font(pdf.family_name, "", 9)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 5, pdf.clean(f"Distretto · {_('District report')}"))
    pdf.ln(7)
    pdf.set_text_color(0)
    pdf.write_lines(one_line(report.district, 90) or "–", size=22, bold=True)
    pdf.ln(1)
    pdf.set_text_color(*ACCENT)
    pdf.write_lines(
        _("District report of %(date)s") % {"date": report.date_text}, size=13, bold=True
    )
    pdf.set_text_color(0)
    pdf.ln(2)
    pdf.write_lines(
        _(
            "The key figures as their sources state them, the organisations by segment and "
            "process step, the network and the brokerage events. Every figure names its "
            "source; those the platform counts itself cite “%(platform)s”."
        )
        % {"platform": one_line(report.platform_source)},
        size=9,
        grey=True,
    )


def _key_figures(pdf: DocumentPdf, report: Report) -> None:
    _heading(pdf, _("Key figures"))
    if not report.key_figures:
        _note(pdf, _("No figure yet: a facilitator imports them, or loads the district's dataset."))
        return
    widths = (34.0, 29.0, 21.0, 30.0, 38.0, 34.0)
    header = (
        _("Indicator"),
        _("Latest value"),
        _("Period"),
        _("Territory"),
        _("Before"),
        _("Source"),
    )
    rows = []
    for f in report.key_figures:
        value = f.latest.value
        if f.latest.flagged:
            value += f"\n({_('another source differs')})"
        before = "–"
        if f.previous is not None:
            before = f"{f.previous.value} ({f.previous.period})\n{f.previous.source}"
        rows.append((f.indicator, value, f.latest.period, f.territory, before, f.latest.source))
    _table(pdf, widths, header, rows, first_bold=True)


def _draw_chart(pdf: DocumentPdf, found: ChartFigure, x: float, y: float, width: float) -> None:
    """One chart: its title, the plot at (x, y + title) ``width`` mm wide, the sources."""
    figure, chart = found.figure, found.chart
    pdf.set_xy(x, y)
    pdf.set_font(pdf.family_name, "B", 9)
    title = f"{one_line(figure.indicator, 120)} · {one_line(figure.territory, 80)}"
    pdf.multi_cell(width, 4.2, _fit(pdf, title, width, 2), align="L")
    top = y + CHART_TITLE_H
    scale = width / chart.width

    def at(px: float, py: float) -> tuple[float, float]:
        return x + px * scale, top + py * scale

    right = chart.width - chart.right
    baseline = chart.height - chart.bottom
    # The value axis: a grid line and a label per tick, smaller if the labels are wide.
    size = 6.5
    pdf.set_font(pdf.family_name, "", size)
    room = chart.left * scale - 2
    widest = max(
        (pdf.get_string_width(pdf.clean(label)) for _p, label in found.y_labels), default=0
    )
    if widest > room:
        size = max(4.0, size * room / widest)
    pdf.set_font(pdf.family_name, "", size)
    pdf.set_line_width(0.15)
    for position, label in found.y_labels:
        x1, y1 = at(chart.left, position)
        x2, _y2 = at(right, position)
        pdf.set_draw_color(*GRID)
        pdf.line(x1, y1, x2, y1)
        pdf.set_text_color(*GREY)
        pdf.set_xy(x1 - 1.5 - room, y1 - 1.5)
        pdf.cell(room, 3, pdf.clean(label), align="R")
    # The axes.
    pdf.set_draw_color(*AXIS)
    pdf.set_line_width(0.3)
    pdf.line(*at(chart.left, chart.top), *at(chart.left, baseline))
    pdf.line(*at(chart.left, baseline), *at(right, baseline))
    if chart.zero is not None:
        pdf.line(*at(chart.left, chart.zero), *at(right, chart.zero))
    # The time axis: a tick and the year.
    pdf.set_font(pdf.family_name, "", 6.5)
    for position, label in found.x_labels:
        tx, ty = at(position, baseline)
        pdf.line(tx, ty, tx, ty + 1.2)
        pdf.set_xy(tx - 10, ty + 1.4)
        pdf.cell(20, 3, pdf.clean(label), align="C")
    # The line, then the dots with their values.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    dots = [at(d.x, d.y) for d in chart.dots]
    for (x1, y1), (x2, y2) in pairwise(dots):
        pdf.line(x1, y1, x2, y2)
    pdf.set_fill_color(*ACCENT)
    pdf.set_text_color(*INK)
    radius = 0.9
    for (dx, dy), (_px, _py, label, _ly) in zip(dots, found.dot_labels, strict=True):
        pdf.circle(dx, dy, radius, style="F")
        pdf.set_xy(dx - 12, dy - 4.6)
        pdf.cell(24, 3, pdf.clean(label), align="C")
    # The sources of the values drawn.
    pdf.set_text_color(*GREY)
    pdf.set_font(pdf.family_name, "", 6.8)
    pdf.set_xy(x, top + chart.height * scale + 1)
    caption = _("Sources: %(sources)s") % {"sources": "; ".join(found.sources)}
    pdf.multi_cell(width, 3.2, _fit(pdf, caption, width, 3), align="L")
    pdf.set_text_color(0)
    pdf.set_fill_color(255)


def _charts(pdf: DocumentPdf, report: Report) -> None:
    width = (pdf.epw - CHART_GAP) / 2
    # Tenths of a millimetre: whole units for the geometry, room on the left for labels.
    size = {
        "width": round(width * 10),
        "height": round(CHART_H * 10),
        "left": 120,
        "right": 40,
        "top": 55,
        "bottom": 55,
    }
    found = [c for c in (chart_of(f, **size) for f in report.key_figures) if c is not None]
    if not found:
        return
    block = CHART_TITLE_H + CHART_H + CHART_CAPTION_H + 4
    _subheading(pdf, _("Trends"))
    for start in range(0, len(found), 2):
        if pdf.will_page_break(block):
            pdf.add_page()
        y = pdf.get_y()
        for column, chart in enumerate(found[start : start + 2]):
            _draw_chart(pdf, chart, pdf.l_margin + column * (width + CHART_GAP), y, width)
        pdf.set_xy(pdf.l_margin, y + block)
    widest = max(len(f.points) - len(f.trend) for f in report.key_figures)
    if widest > 0:
        pdf.write_lines(
            _(
                "The charts draw the values of periods like the latest one (years with "
                "years, quarters with quarters); values of other periods are on the "
                "indicator's page of the monitor."
            ),
            size=7.8,
            grey=True,
        )


def _codes(pdf: DocumentPdf, title: str, codes: Sequence[CodeCount], source: str) -> None:
    carried = [c for c in codes if c.organisations]
    missing = [c for c in codes if not c.organisations]
    _heading(pdf, title, room=min(30 + 7.5 * len(carried), 120))
    if carried:
        widths = (118.0, 34.0, 34.0)
        header = (title, _("Published organisations"), _("of which in the district"))
        rows = [
            (("– " if c.level > 1 else "") + c.label, str(c.organisations), str(c.in_district))
            for c in carried
        ]
        _table(pdf, widths, header, rows, align=("LEFT", "RIGHT", "RIGHT"))
    else:
        _note(pdf, _("No published organisation carries one of these codes yet."))
    if carried and missing:
        pdf.ln(1)
        _note(
            pdf,
            _("No published organisation yet: %(codes)s")
            % {"codes": "; ".join(one_line(c.label, 120) for c in missing)},
        )
    _source(pdf, source)


def _network(pdf: DocumentPdf, n: NetworkHeadline) -> None:
    _heading(pdf, _("The network"), room=80)
    betweenness = ", ".join(o.name for o in n.betweenness) or "–"
    rows = [
        (_("Published organisations"), str(n.organisations)),
        (_("Ties"), str(n.ties)),
        (
            _("Connected parts"),
            f"{n.components} · "
            + _("the largest holds %(share)s of the organisations")
            % {"share": share(n.largest_component_share)},
        ),
        (_("Density"), number(n.density)),
        (_("Communities"), f"{n.communities} ({_('modularity')} {number(n.modularity)})"),
        (_("Brokers"), ", ".join(n.brokers) or "–"),
        (_("Most between others"), betweenness),
    ]
    _table(pdf, (56.0, 130.0), None, rows, first_bold=True, padding=1.1)
    _subheading(pdf, _("Single-supplier dependencies"))
    if n.single_supplier:
        _table(
            pdf,
            (62.0, 62.0, 62.0),
            (_("Customer"), _("Process step"), _("Its only supplier")),
            [(d.customer, d.step, d.supplier) for d in n.single_supplier],
        )
        if n.single_supplier_total > len(n.single_supplier):
            _note(
                pdf,
                _("The first %(shown)s of %(total)s.")
                % {"shown": len(n.single_supplier), "total": n.single_supplier_total},
            )
    else:
        _note(
            pdf,
            _(
                "No customer depends on a single supplier for a process step, as far as "
                "the recorded ties show."
            ),
        )
    if n.single_source_steps:
        pdf.ln(1)
        _note(
            pdf,
            _("Steps only one district organisation carries:")
            + " "
            + "; ".join(
                f"{one_line(s, 120)} ({one_line(o, 120)})" for s, o in n.single_source_steps
            ),
        )
    if n.no_district_source:
        pdf.ln(1)
        _note(
            pdf,
            _("Steps no district organisation carries:")
            + " "
            + "; ".join(one_line(s, 120) for s in n.no_district_source),
        )
    _source(pdf, n.source)


def _events(pdf: DocumentPdf, e: EventFigures) -> None:
    _heading(pdf, _("Brokerage events"), room=32 + 6.4 * (4 + len(e.outcomes)))
    rows = [
        (_("Events held"), str(e.events_held)),
        (_("Events to come"), str(e.events_upcoming)),
        (_("Meetings scheduled"), str(e.meetings_scheduled)),
        (_("Meetings held"), str(e.meetings_held)),
        *((_("Outcome: %(outcome)s") % {"outcome": o.label}, str(o.meetings)) for o in e.outcomes),
    ]
    _table(pdf, (90.0, 30.0), None, rows, align=("LEFT", "RIGHT"), padding=1.1)
    pdf.ln(1)
    pdf.write_lines(
        _(
            "Meetings held are those a participant reported as held; each counts once, "
            "under the best outcome either side reports."
        ),
        size=7.8,
        grey=True,
    )
    _source(pdf, e.source)


def _sources(pdf: DocumentPdf, report: Report) -> None:
    _heading(pdf, _("Sources"), room=30)
    pdf.set_font(pdf.family_name, "", TEXT_SIZE)
    for index, source in enumerate(report.sources, start=1):
        text = one_line(source.text, 400)
        if source.url:
            text += f" – {one_line(source.url, 300)}"
        if source.licence:
            text += f" · {one_line(source.licence, 120)}"
        pdf.set_x(pdf.l_margin)
        pdf.cell(8, LINE_HEIGHT + 0.4, f"{index}.")
        pdf.multi_cell(
            0, LINE_HEIGHT + 0.4, pdf.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
        )


# --- the document --------------------------------------------------------------------------


def report_pdf(report: Report, *, fonts: FontFiles | None = DEJAVU) -> bytes:
    """The district report as a PDF (A4 portrait). ``fonts=None`` prints with the core
    Helvetica font (text folded to latin-1)."""
    district = one_line(report.district, 70)
    pdf = DocumentPdf(landscape=False, fonts=fonts, title=f"{_('District report')} · {district}")
    pdf.set_author("Distretto")
    pdf.footer_note = f"{_('District report')} · {generated(report.generated_at)}"
    pdf.alias_nb_pages()
    pdf.add_page()
    # From the second page on (the running head is printed by add_page).
    pdf.running_head = f"{district} · {_('District report')} · {report.date_text}"
    _title(pdf, report)
    _key_figures(pdf, report)
    _charts(pdf, report)
    _codes(pdf, report.segments_title, report.segments, report.platform_source)
    _codes(pdf, report.steps_title, report.steps, report.platform_source)
    _network(pdf, report.network)
    _events(pdf, report.events)
    _sources(pdf, report)
    return pdf.to_bytes()
