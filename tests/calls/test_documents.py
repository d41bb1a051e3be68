"""The partner table of a consortium draft as a PDF, read back with pypdf."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.utils import translation
from pypdf import PdfReader

from distretto.calls.documents import PartnerTable, partner_table_pdf
from distretto.web.pdf import DEJAVU

HEADER = ["Organisation", "Role", "Kind", "Region", "Invitation"]
ROWS = [
    ["Eurosets", "Coordinator", "Large company", "ITH54", "Accepted"],
    ["Tecnopolo di Mirandola", "Partner", "Technology-transfer centre", "ITH54", "Invited"],
    [
        "Università di Modena e Reggio Emilia (UNIMORE)",
        "Partner",
        "University or department",
        "ITH54",
        "Proposed",
    ],
]
LONG_NAME = "X" * 5_000


def partner_table(rows: list[list[str]] | None = None, **changes: object) -> PartnerTable:
    table = PartnerTable(
        call_title="Extracorporeal circulation devices",
        call_programme="Horizon Europe",
        call_identifier="HORIZON-HLTH-2026-TOOL-03",
        call_closes_on=date(2026, 9, 16),
        draft_title="ECMO-NEXT consortium",
        lead_name="Eurosets",
        generated_at=datetime(2026, 5, 4, 12, 30, tzinfo=UTC),
        header=list(HEADER),
        rows=rows if rows is not None else [list(row) for row in ROWS],
    )
    return dataclasses.replace(table, **changes)  # type: ignore[arg-type]


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def base_fonts(data: bytes) -> set[str]:
    fonts: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def test_pdf_has_heading_call_lead_and_every_partner():
    data = partner_table_pdf(partner_table())
    pages = pdf_pages(data)

    assert len(pages) == 1
    text = pages[0]
    assert "ECMO-NEXT consortium" in text
    assert "Horizon Europe · Extracorporeal circulation devices" in text
    assert "HORIZON-HLTH-2026-TOOL-03" in text
    assert "Sept. 16, 2026" in text
    assert re.search(r"Lead\s+Eurosets", text)
    assert "Generated on May 4, 2026" in text
    for label in HEADER:
        assert label in text
    for row in ROWS:
        for cell in row:
            assert cell in text
    assert "Page 1 of 1" in text
    assert PdfReader(io.BytesIO(data)).metadata.title == "ECMO-NEXT consortium"


def test_pdf_leaves_out_a_missing_identifier_and_deadline():
    text = pdf_pages(partner_table_pdf(partner_table(call_identifier="", call_closes_on=None)))[0]

    assert "Call identifier" not in text
    assert "Deadline" not in text
    assert "Extracorporeal circulation devices" in text


def test_pdf_of_eighty_partners_repeats_the_header_on_every_page():
    rows = [
        [f"Organisation {index:02d}", "Partner", "SME", "ITH54", "Invited"] for index in range(80)
    ]
    pages = pdf_pages(partner_table_pdf(partner_table(rows)))

    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert re.search(r"Organisation\s+Role\s+Kind\s+Region\s+Invitation", page)
        assert f"Page {number} of {len(pages)}" in page
    assert "ECMO-NEXT consortium" in pages[1]  # the running head of a continuation page
    text = "\n".join(pages)
    for index in range(80):
        assert f"Organisation {index:02d}" in text


@pytest.mark.parametrize("fonts", [DEJAVU, None], ids=["dejavu", "core"])
def test_pdf_survives_hostile_text(fonts):
    if fonts is not None and not DEJAVU.regular.is_file():
        pytest.skip("DejaVu fonts are not installed")
    hostile = [
        ["Łódź € Medtech\x00\x07\x1b\u200b", "Partner\r\nRole", "😀 Start-up", "PL711", "Invited"],
        [LONG_NAME, "Partner", "SME", "ITH54", "Invited"],
        ["Emoji 🚀🧬 Srl", "Partner", "SME", "ITH54\t", "Invited"],
        ["Eurosets"],  # fewer cells than the header
    ]
    data = partner_table_pdf(
        partner_table(hostile, draft_title="Draft \x0c€ 😀", lead_name="Ł" * 3_000),
        fonts=fonts,
    )
    text = "\n".join(pdf_pages(data))

    if fonts is None:
        assert "Lódz EUR Medtech" in text
    else:
        assert "Łódź € Medtech" in text
    assert "\x00" not in text
    assert "\x07" not in text
    assert "Emoji" in text
    assert "Srl" in text
    assert "Partner Role" in text
    assert "X" * 40 in re.sub(r"\s+", "", text)  # the long name, wrapped and cut short
    assert "Eurosets" in text


def test_pdf_without_fonts_falls_back_to_helvetica():
    data = partner_table_pdf(partner_table(), fonts=None)
    text = pdf_pages(data)[0]

    assert all("Helvetica" in font for font in base_fonts(data))
    assert "Università di Modena e Reggio Emilia (UNIMORE)" in text
    assert "Horizon Europe · Extracorporeal circulation devices" in text
    assert "Page 1 of 1" in text


def test_pdf_with_dejavu_embeds_it():
    if not DEJAVU.regular.is_file():
        pytest.skip("DejaVu fonts are not installed")
    fonts = base_fonts(partner_table_pdf(partner_table()))

    assert any("DejaVu" in font for font in fonts)


def test_pdf_without_partners_says_so():
    text = pdf_pages(partner_table_pdf(partner_table([])))[0]

    assert "No partners yet." in text
    assert "ECMO-NEXT consortium" in text


def test_pdf_labels_follow_the_language():
    with translation.override("it"):
        text = pdf_pages(partner_table_pdf(partner_table()))[0]

    assert "Pagina 1 di 1" in text
    assert "Eurosets" in text


def test_pdf_survives_many_wide_columns():
    header = [f"Column {index}" for index in range(30)]
    rows = [["W" * 300] * 30, ["Eurosets"]]
    text = "\n".join(pdf_pages(partner_table_pdf(partner_table(rows, header=header))))

    assert "Column0" in re.sub(r"\s+", "", text)  # wrapped in its narrow column
    assert "Eurosets" in text
