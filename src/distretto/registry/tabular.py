"""Reading and writing tables: CSV (UTF-8, comma or semicolon) and XLSX (first sheet).

No Django here and no knowledge of organisations: a table is a header and rows
of text cells. Problems reading a file are raised as :class:`TableError`, with
an English source message the caller translates.

Every file is distrusted (see :class:`Limits`): it is refused when it is too large,
when it is neither UTF-8 text nor an .xlsx workbook, and a workbook is looked at as
a zip archive before openpyxl parses any of it (too many members, too much data
once unpacked, a suspicious compression ratio, macros, links to other workbooks).
openpyxl parses the XML through defusedxml (entity expansion refused), and a cell of
the first sheet holding a formula is refused: imports take values, not calculations.

Writing is the other way round: :func:`defuse_cell` keeps a text cell that starts
like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) from being run by
the spreadsheet that opens an export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from distretto.registry.domain.validation import N_

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
CSV_DELIMITERS = (",", ";", "\t")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MEGABYTE = 1024 * 1024
# The content types of a workbook's main part ([Content_Types].xml): a workbook or a
# template is read; a macro-enabled one is refused.
WORKBOOK_PART_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
MACRO_PART_TYPES = (
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
)
# What a damaged zip raises on the way (a bad directory, a bad deflate stream, a cut file,
# a compression method Python lacks); the reader answers each as an unreadable workbook.
BROKEN_ZIP = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    struct.error,
    NotImplementedError,
    OSError,
    ValueError,
    OverflowError,
)
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# A text cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Limits:
    """How much of an uploaded file is read before it is refused.

    ``max_bytes`` is the file itself (DISTRETTO_MAX_UPLOAD_MB); a workbook may unpack
    to ``unpacked_factor`` times that, in at most ``max_members`` parts, and a part
    larger than ``ratio_floor`` bytes may not be more than ``max_ratio`` times
    smaller packed (a "zip bomb" packs gigabytes of zeros in a few kilobytes).
    """

    max_bytes: int = 10 * MEGABYTE
    unpacked_factor: int = 20
    max_members: int = 500
    max_ratio: int = 100
    ratio_floor: int = MEGABYTE

    @property
    def max_unpacked(self) -> int:
        return self.max_bytes * self.unpacked_factor


def megabytes(size: int) -> str:
    """``size`` in bytes as megabytes for a message: "10.5 MB"."""
    return f"{size / MEGABYTE:.1f} MB"


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


def read_table(content: bytes, limits: Limits | None = None) -> Table:
    """Read CSV or XLSX ``content`` (told apart by its first bytes, not its name)."""
    limits = limits or Limits()
    if len(content) > limits.max_bytes:
        raise TableError(
            N_("The file is too large (%(size)s); the limit is %(limit)s."),
            size=megabytes(len(content)),
            limit=megabytes(limits.max_bytes),
        )
    if content.startswith(XLSX_MAGIC):
        check_workbook_archive(content, limits)
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
        # NUL is no character of any text (and PostgreSQL refuses it in a text column).
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


def check_workbook_archive(content: bytes, limits: Limits) -> None:
    """Refuse a workbook by its zip directory alone, before any of its XML is parsed:
    a zip bomb, macros, links to other workbooks, or a zip that is no workbook."""
    unreadable = TableError(N_("The file could not be read as an .xlsx workbook."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except BROKEN_ZIP as exc:
        raise unreadable from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise TableError(
                N_("The workbook has too many parts (%(count)s; at most %(limit)s)."),
                count=len(members),
                limit=limits.max_members,
            )
        unpacked = sum(member.file_size for member in members)
        if unpacked > limits.max_unpacked:
            raise TableError(
                N_(
                    "The workbook unpacks to %(size)s, more than the %(limit)s allowed; "
                    "it may be a zip bomb."
                ),
                size=megabytes(unpacked),
                limit=megabytes(limits.max_unpacked),
            )
        for member in members:
            if member.file_size > limits.ratio_floor and member.file_size > limits.max_ratio * max(
                member.compress_size, 1
            ):
                raise TableError(
                    N_(
                        'The workbook\'s part "%(part)s" is compressed more than %(ratio)s '
                        "to 1; it may be a zip bomb."
                    ),
                    part=member.filename[:80],
                    ratio=limits.max_ratio,
                )
        names = {member.filename.lower(): member.filename for member in members}
        if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
            raise TableError(N_("The workbook contains macros; save it as a plain .xlsx workbook."))
        if any(name.startswith("xl/externallinks/") for name in names):
            raise TableError(
                N_(
                    "The workbook links to other workbooks (external links); "
                    "paste the values and save it again."
                )
            )
        if "[content_types].xml" not in names:
            raise TableError(
                N_("The file is a zip archive but not an .xlsx workbook (no [Content_Types].xml).")
            )
        try:
            types = parse_xml(archive.read(names["[content_types].xml"]))
        except (ParseError, DefusedXmlException, *BROKEN_ZIP) as exc:
            raise unreadable from exc
    part_types = {
        (override.get("PartName") or "").lstrip("/").lower(): override.get("ContentType") or ""
        for override in types.iter(f"{_CONTENT_TYPES_NS}Override")
    }
    if any(kind in MACRO_PART_TYPES for kind in part_types.values()):
        raise TableError(N_("The workbook contains macros; save it as a plain .xlsx workbook."))
    workbook_parts = [part for part, kind in part_types.items() if kind in WORKBOOK_PART_TYPES]
    if not workbook_parts or not all(part in names for part in workbook_parts):
        raise TableError(
            N_("The file is a zip archive but not an .xlsx workbook (no workbook part).")
        )


def _read_xlsx(content: bytes) -> Table:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it ignores (styles, data validation); the
            # cell values it reads are still right, and users cannot act on those warnings.
            warnings.simplefilter("ignore")
            # data_only=False: a formula cell reads as its formula, so it can be refused.
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
            try:
                if not workbook.worksheets:
                    raise TableError(N_("The workbook has no sheet."))
                sheet = workbook.worksheets[0]
                records = []
                for row in sheet.iter_rows():
                    for cell in row:
                        if getattr(cell, "data_type", None) == "f":
                            raise TableError(
                                N_(
                                    'Sheet "%(sheet)s", cell %(cell)s holds a formula: '
                                    "formulas are not accepted; paste values."
                                ),
                                sheet=sheet.title,
                                cell=cell.coordinate,
                            )
                    texts = [_cell_text(cell.value) for cell in row]
                    for cell, text in zip(row, texts, strict=True):
                        if "\x00" in text:  # an "_x0000_" escape: no text holds NUL
                            raise TableError(
                                N_(
                                    'Sheet "%(sheet)s", cell %(cell)s holds a NUL character, '
                                    "which no text may contain."
                                ),
                                sheet=sheet.title,
                                cell=cell.coordinate,
                            )
                    records.append(texts)
            finally:
                workbook.close()
    except TableError:
        raise
    except (
        DefusedXmlException,
        InvalidFileException,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        ParseError,
        *BROKEN_ZIP,
    ) as exc:
        if _caused_by_entities(exc):
            raise TableError(
                N_("The workbook's XML declares entities, which are not accepted.")
            ) from exc
        raise TableError(N_("The file could not be read as an .xlsx workbook.")) from exc
    return _table(records, "xlsx")


def _caused_by_entities(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps its error in a ValueError)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


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


def defuse_cell(value: str) -> str:
    """A CSV text cell a spreadsheet will not run as a formula: a leading ``'`` when it
    starts like one (the mark spreadsheets themselves use for "this is text"). A plain
    number ("-12.5") is left as it is: a spreadsheet reads it as the number it is."""
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return f"'{value}"
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text (CRLF line ends), every text cell through :func:`defuse_cell`;
    numbers and other values are written as they are (their text cannot be a formula,
    and a negative number keeps its sign)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([defuse_cell(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue()


def write_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """CSV as UTF-8 with a byte-order mark, so spreadsheet programs read accents right.

    A text cell that starts like a formula gets a leading ``'`` (:func:`defuse_cell`).
    """
    return csv_text([header, *rows]).encode("utf-8-sig")


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
            defuse_xlsx_cell(cell)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def defuse_xlsx_cell(cell: Any) -> None:
    """Keep an openpyxl cell's text a string: openpyxl turns text starting with "=" into a
    formula; the cell is set back to text, and text that starts like a formula gets
    Excel's quote prefix, so it stays text when edited too."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
