"""Spreadsheets the platform writes never turn user text into formulas."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from distretto.registry.tabular import write_xlsx


def test_text_that_looks_like_a_formula_stays_text():
    content = write_xlsx(["name"], [['=HYPERLINK("http://evil.example","x")'], ["0123"]], "t")
    cell = load_workbook(io.BytesIO(content)).active["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil.example","x")', "s")
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
