"""Reading and writing tables: CSV (UTF-8, comma or semicolon) and XLSX (first sheet).

No Django here and no knowledge of organisations: a table is a header and rows
of text cells. Problems reading a file are raised as :class:`TableError`, with
an English source message the caller translates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from distretto.registry.domain.validation import N_

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
CSV_DELIMITERS = (",", ";", "\t")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableError(Exception):
    """The file cannot be read as a table; ``message`` is English source text."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = {key: str(value) for key, value in params.items()}


@dataclass(frozen=True)
class Table:
    """A header row and the data rows below it, every cell as text."""

    header: list[str]
    rows: list[list[str]]
    file_format: str  # "csv" or "xlsx"


def read_table(content: bytes) -> Table:
    """Read CSV or XLSX ``content`` (told apart by its first bytes, not its name)."""
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content)
    if content.startswith(OLE_MAGIC):
        raise TableError(
            N_("Old Excel files (.xls) cannot be read; save the sheet as .xlsx or as CSV UTF-8.")
        )
    return _read_csv(content)


def _read_csv(content: bytes) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(
            N_(
                "The file is not UTF-8 text (byte %(position)s). Save it as "
                '"CSV UTF-8" or as an .xlsx workbook.'
            ),
            position=exc.start + 1,
        ) from exc
    if "\x00" in text:
        raise TableError(N_("The file is neither CSV text nor an .xlsx workbook."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise TableError(N_("The CSV file is malformed: %(reason)s."), reason=exc) from exc
    return _table(records, "csv")


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user typed: whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(content: bytes) -> Table:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it ignores (styles, data validation); the
            # cell values it reads are still right, and users cannot act on those warnings.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise TableError(N_("The workbook has no sheet."))
                sheet = workbook.worksheets[0]
                records = [
                    [_cell_text(value) for value in row]
                    for row in sheet.iter_rows(values_only=True)
                ]
            finally:
                workbook.close()
    except TableError:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise TableError(N_("The file could not be read as an .xlsx workbook.")) from exc
    return _table(records, "xlsx")


def _table(records: list[list[str]], file_format: str) -> Table:
    if not any(cell.strip() for record in records for cell in record):
        raise TableError(N_("The file is empty: it needs a header row with the column names."))
    if not any(cell.strip() for cell in records[0]):
        # Guessing where the header is would shift every row number the user is told.
        raise TableError(N_("The first row must be the header row with the column names."))
    header = [cell.strip() for cell in records[0]]
    while header and not header[-1]:
        header.pop()
    return Table(header=header, rows=records[1:], file_format=file_format)


def write_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """CSV as UTF-8 with a byte-order mark, so spreadsheet programs read accents right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(header: Sequence[str], rows: Sequence[Sequence[object]], title: str) -> bytes:
    """A workbook of one sheet named ``title``: the header row frozen, then the rows.

    Text cells stay text, so codes with leading zeros (ISTAT, VAT) survive, and text that
    starts with "=" is stored as text, never as a formula a spreadsheet would run.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new Workbook always has one sheet
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
