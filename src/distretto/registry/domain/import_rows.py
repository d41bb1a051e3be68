"""The organisation import file, row by row: pure parsing and validation, no Django.

The service reads the file into rows (``dict`` of column name to cell text),
gathers what the database knows (kinds, municipalities, taxonomy codes) into a
:class:`KnownValues`, and calls :func:`check_columns` and :func:`parse_rows`.
Every problem names the row as the user sees it in the file (the header is
row 1), the column and what is wrong, as an English source message with its
parameters; the caller translates it.

The column layout is defined once, in :data:`COLUMNS`: the command's ``--help``,
the export and ``docs/import-format.md`` all follow it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from distretto.registry.domain import validation
from distretto.registry.domain.validation import N_

HEADER_ROW = 1
FIRST_DATA_ROW = 2

# Key under which a row holds cells to the right of the last named column.
EXTRA_CELLS = ""

# Separator of several codes in one cell.
CODE_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    """One column of the import file: its name, whether it is required, and what it holds."""

    name: str
    help: str  # English source text, marked for translation
    required: bool = False
    taxonomy: str = ""  # for code columns: the taxonomy slug the codes belong to
    max_length: int = 0  # for text columns stored in a bounded database field


COLUMNS: tuple[Column, ...] = (
    Column("name", N_("name of the organisation"), required=True, max_length=200),
    Column("kind", N_("one of the organisation kinds (see below)"), required=True),
    Column("legal_name", N_("registered legal name"), max_length=300),
    Column("summary_it", N_("short description in Italian"), max_length=300),
    Column("summary_en", N_("short description in English"), max_length=300),
    Column("description_it", N_("description in Italian")),
    Column("description_en", N_("description in English")),
    Column("municipality", N_("ISTAT code of the headquarters' municipality, e.g. 036022")),
    Column(
        "address", N_("street address of the headquarters (needs municipality)"), max_length=300
    ),
    Column("website", N_("web address, e.g. https://www.example.com")),
    Column(
        "vat_number", N_("Italian partita IVA (11 digits) or EU VAT number with country prefix")
    ),
    Column("founded", N_("year founded, not in the future")),
    Column("staff_band", N_("staff band (see below)")),
    Column("staff_year", N_("year the staff band refers to")),
    Column("turnover_band", N_("turnover band in EUR million (see below)")),
    Column("turnover_year", N_("year the turnover band refers to")),
    Column("status", N_("draft (default), review, published or archived")),
    Column("source", N_("where the facts of this record come from")),
    Column("segments", N_("market segment codes"), taxonomy="segment"),
    Column("process_steps", N_("process step codes"), taxonomy="process_step"),
    Column("certifications", N_("certification codes"), taxonomy="certification"),
    Column("value_chains", N_("value chain codes"), taxonomy="value_chain"),
    Column("ateco", N_("ATECO 2025 codes"), taxonomy="ateco2025"),
    Column("ateco2007", N_("ATECO 2007 codes"), taxonomy="ateco2007"),
    Column("emdn", N_("EMDN codes (European Medical Device Nomenclature)"), taxonomy="emdn"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
CODE_COLUMNS: dict[str, str] = {c.name: c.taxonomy for c in COLUMNS if c.taxonomy}
_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

# Columns that are fields of the organisation itself, by the name the registry uses.
TEXT_FIELDS = (
    "name",
    "legal_name",
    "kind",
    "summary_it",
    "summary_en",
    "description_it",
    "description_en",
    "website",
    "staff_band",
    "turnover_band",
    "vat_number",
    "source",
)
YEAR_FIELDS = ("founded", "staff_year", "turnover_year")
EARLIEST_BAND_YEAR = 1800
WEBSITE_MAX_LENGTH = 200  # checked after https:// is added to a bare host

ISTAT_DIGITS = 6
VAT_DIGITS = 11
_DIGITS = re.compile(r"^\d+$")
_YEAR = re.compile(r"^\d{1,4}$")
_HOST_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$", re.UNICODE)


@dataclass(frozen=True)
class KnownValues:
    """What the database knows, as plain values: the allowed choices and the existing codes."""

    kinds: tuple[str, ...]
    statuses: tuple[str, ...]
    staff_bands: tuple[str, ...]
    turnover_bands: tuple[str, ...]
    municipalities: frozenset[str]
    codes: Mapping[str, frozenset[str]]  # taxonomy slug -> its codes
    current_year: int
    default_status: str = "draft"


@dataclass(frozen=True)
class RowProblem:
    """One problem: the row as the user sees it (None: the whole file), the column, the message."""

    row: int | None
    column: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    def params_dict(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(frozen=True)
class OrganisationRecord:
    """One good row, ready to be written: organisation fields, its headquarters and its codes."""

    row: int
    fields: Mapping[str, str | int | None]
    status: str
    municipality: str
    address: str
    codes: Mapping[str, tuple[str, ...]]  # taxonomy slug -> canonical codes, in file order

    @property
    def name(self) -> str:
        return str(self.fields["name"])

    @property
    def kind(self) -> str:
        return str(self.fields["kind"])

    @property
    def vat_number(self) -> str:
        return str(self.fields.get("vat_number") or "")

    @property
    def code_count(self) -> int:
        return sum(len(codes) for codes in self.codes.values())


@dataclass(frozen=True)
class ParsedRows:
    """The outcome of :func:`parse_rows`: the good records and the problems of the bad rows."""

    records: tuple[OrganisationRecord, ...]
    problems: tuple[RowProblem, ...]
    rows_read: int

    @property
    def bad_rows(self) -> tuple[int, ...]:
        """Rows with at least one problem, in file order."""
        return tuple(sorted({p.row for p in self.problems if p.row is not None}))


def problem(row: int | None, column: str, message: str, /, **params: object) -> RowProblem:
    """A row's problem: the message (marked with ``N_``) and its parameters."""
    return RowProblem(row, column, message, tuple((k, str(v)) for k, v in params.items()))


_problem = problem


class CellReader:
    """Reads the cells of one row of an import, collecting its problems; ``columns`` gives
    each column's limits (``max_length``)."""

    def __init__(
        self, row_number: int, cells: Mapping[str, str], columns: Mapping[str, Column]
    ) -> None:
        self.row = row_number
        self.cells = cells
        self.columns = columns
        self.problems: list[RowProblem] = []

    def add(self, column: str, message: str, **params: object) -> None:
        self.problems.append(problem(self.row, column, message, **params))

    def text(self, column: str) -> str:
        value = (self.cells.get(column) or "").strip()
        limit = self.columns[column].max_length
        if limit and len(value) > limit:
            self.add(
                column,
                N_("This text is too long: %(length)s characters, at most %(max)s."),
                length=len(value),
                max=limit,
            )
        return value


def normalise_column_name(raw: str) -> str:
    """A header cell as a column name: trimmed, lower case, spaces and dashes as underscores."""
    return re.sub(r"[\s\-]+", "_", (raw or "").strip().lower())


def normalise_header_name(raw: str, aliases: Mapping[str, str]) -> str:
    """A header cell as a column name, accents dropped and an alias (an Italian name)
    replaced by the column's English name."""
    decomposed = unicodedata.normalize("NFKD", raw or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    name = normalise_column_name(plain)
    return aliases.get(name, name)


def header_problems(
    header: Sequence[str], names: Sequence[str], required: Iterable[str]
) -> list[RowProblem]:
    """Problems of a (normalised) header row against the columns ``names``: unnamed,
    unknown, repeated or missing required columns. Any is fatal: no row can be read."""
    problems: list[RowProblem] = []
    seen: set[str] = set()
    known = set(names)
    allowed = ", ".join(names)
    for position, name in enumerate(header, start=1):
        if not name:
            message = N_("Column %(number)s has no name in the header row.")
            problems.append(problem(HEADER_ROW, "", message, number=position))
        elif name not in known:
            message = N_('Unknown column "%(column)s". The columns are: %(allowed)s.')
            problems.append(problem(HEADER_ROW, name, message, column=name, allowed=allowed))
        elif name in seen:
            message = N_('The column "%(column)s" appears more than once in the header row.')
            problems.append(problem(HEADER_ROW, name, message, column=name))
        seen.add(name)
    for name in required:
        if name not in seen:
            message = N_('The required column "%(column)s" is missing from the header row.')
            problems.append(problem(HEADER_ROW, name, message, column=name))
    return problems


def check_columns(header: Sequence[str]) -> list[RowProblem]:
    """Problems of the (normalised) header row of an organisations file (see
    ``header_problems``)."""
    return header_problems(header, COLUMN_NAMES, REQUIRED_COLUMNS)


def split_codes(cell: str) -> list[str]:
    """The codes of a ``;``-separated cell, trimmed, without empties or repeats, in order."""
    codes = (part.strip() for part in (cell or "").split(CODE_SEPARATOR))
    return list(dict.fromkeys(code for code in codes if code))


def normalise_website(raw: str) -> str | None:
    """The web address to store, or None when it is not one.

    A bare host (``www.example.com``) gets ``https://``; only http and https
    addresses with a host name of dotted labels are accepted.
    """
    value = raw.strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    if any(ch.isspace() for ch in value):
        return None
    try:
        parts = urlsplit(value)
        has_port = parts.port is not None  # reading the port rejects a malformed one
    except ValueError:
        return None
    if has_port and not parts.netloc:
        return None
    if parts.scheme.lower() not in {"http", "https"}:
        return None
    host = (parts.hostname or "").rstrip(".")
    labels = host.split(".")
    if host != "localhost" and (
        len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels)
    ):
        return None
    if labels[-1].isdigit() and not all(label.isdigit() for label in labels):
        return None
    return value


def _pad_digits(value: str, width: int, shortest: int) -> str:
    """Spreadsheets drop leading zeros of numbers: pad a digit string back to ``width``."""
    if _DIGITS.match(value) and shortest <= len(value) < width:
        return value.zfill(width)
    return value


class _RowReader:
    """Reads the cells of one row, collecting its problems."""

    def __init__(self, row_number: int, cells: Mapping[str, str]) -> None:
        self.row = row_number
        self.cells = cells
        self.problems: list[RowProblem] = []

    def text(self, column: str) -> str:
        value = (self.cells.get(column) or "").strip()
        spec = _BY_NAME[column]
        if spec.max_length and len(value) > spec.max_length:
            self.add(
                column,
                N_("This text is too long: %(length)s characters, at most %(max)s."),
                length=len(value),
                max=spec.max_length,
            )
        return value

    def add(self, column: str, message: str, **params: object) -> None:
        self.problems.append(_problem(self.row, column, message, **params))

    def choice(self, column: str, allowed: Sequence[str], default: str = "") -> str:
        value = self.text(column)
        if not value:
            return default
        folded = {choice.casefold(): choice for choice in allowed}
        if value.casefold() in folded:
            return folded[value.casefold()]
        if column == "kind":
            message = N_('Unknown kind "%(value)s". Use one of: %(allowed)s.')
        else:
            message = N_('Unknown value "%(value)s". Use one of: %(allowed)s.')
        self.add(column, message, value=value, allowed=", ".join(allowed))
        return default

    def year(self, column: str, current_year: int) -> int | None:
        value = self.text(column)
        if not value:
            return None
        if value.endswith(".0"):  # a year typed into a number cell and saved as a float
            value = value[:-2]
        if not _YEAR.match(value):
            self.add(
                column,
                N_('"%(value)s" is not a year; write it with four digits, e.g. 1985.'),
                value=value,
            )
            return None
        year = int(value)
        if column == "founded":
            reason = validation.check_founded_year(year, current_year)
            if reason:
                self.add(column, reason, value=year)
                return None
        elif not EARLIEST_BAND_YEAR <= year <= current_year:
            self.add(
                column,
                N_("The year must be between %(min)s and %(max)s."),
                min=EARLIEST_BAND_YEAR,
                max=current_year,
            )
            return None
        return year


def _parse_row(
    row_number: int, cells: Mapping[str, str], known: KnownValues, folded_codes: FoldedCodes
) -> tuple[OrganisationRecord | None, list[RowProblem]]:
    reader = _RowReader(row_number, cells)
    if (cells.get(EXTRA_CELLS) or "").strip():
        reader.add("", N_("This row has more cells than the header row has columns."))
    fields: dict[str, str | int | None] = {}
    for column in TEXT_FIELDS:
        fields[column] = reader.text(column)
    name = " ".join(str(fields["name"]).split())
    fields["name"] = name
    if not name:
        reader.add("name", N_("The name is required; this cell is empty."))
    kind = (cells.get("kind") or "").strip()
    if not kind:
        reader.add("kind", N_("The kind is required; this cell is empty."))
    fields["kind"] = reader.choice("kind", known.kinds)
    fields["staff_band"] = reader.choice("staff_band", known.staff_bands)
    fields["turnover_band"] = reader.choice("turnover_band", known.turnover_bands)
    status = reader.choice("status", known.statuses, default=known.default_status)
    for column in YEAR_FIELDS:
        fields[column] = reader.year(column, known.current_year)

    website = normalise_website(str(fields["website"]))
    if website is None:
        reader.add(
            "website",
            N_('"%(value)s" is not a web address; write it like https://www.example.com.'),
            value=fields["website"],
        )
    elif len(website) > WEBSITE_MAX_LENGTH:
        reader.add(
            "website",
            N_("This text is too long: %(length)s characters, at most %(max)s."),
            length=len(website),
            max=WEBSITE_MAX_LENGTH,
        )
    else:
        fields["website"] = website

    vat = _pad_digits(validation.normalise_vat(str(fields["vat_number"])), VAT_DIGITS, 8)
    if vat:
        reason = validation.check_vat_number(vat)
        if reason:
            reader.add("vat_number", reason, value=fields["vat_number"])
        else:
            vat = validation.canonical_vat(vat)
    fields["vat_number"] = vat

    municipality = _pad_digits(reader.text("municipality"), ISTAT_DIGITS, 4)
    address = reader.text("address")
    if municipality:
        reason = validation.check_istat_code(municipality)
        if reason:
            reader.add("municipality", reason, value=municipality)
        elif municipality not in known.municipalities:
            reader.add(
                "municipality",
                N_('Unknown municipality code "%(code)s": no municipality has this ISTAT code.'),
                code=municipality,
            )
    elif address:
        reader.add(
            "address",
            N_("An address needs a municipality: give its ISTAT code in the municipality column."),
        )

    codes: dict[str, tuple[str, ...]] = {}
    for column, taxonomy in CODE_COLUMNS.items():
        found: list[str] = []
        for code in split_codes(cells.get(column) or ""):
            canonical = folded_codes.lookup(taxonomy, code)
            if canonical is not None:
                found.append(canonical)
            elif not known.codes.get(taxonomy):
                reader.add(
                    column,
                    N_('Unknown code "%(code)s": the taxonomy "%(taxonomy)s" has no codes yet.'),
                    code=code,
                    taxonomy=taxonomy,
                )
            else:
                reader.add(
                    column,
                    N_('Unknown code "%(code)s" in the taxonomy "%(taxonomy)s".'),
                    code=code,
                    taxonomy=taxonomy,
                )
        if found:
            codes[taxonomy] = tuple(dict.fromkeys(found))

    if reader.problems:
        return None, reader.problems
    record = OrganisationRecord(
        row=row_number,
        fields=fields,
        status=status,
        municipality=municipality,
        address=address,
        codes=codes,
    )
    return record, []


@dataclass
class FoldedCodes:
    """Codes of each taxonomy looked up without regard to case (``f0106`` is ``F0106``)."""

    by_taxonomy: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, codes: Mapping[str, Iterable[str]]) -> FoldedCodes:
        return cls({slug: {c.casefold(): c for c in values} for slug, values in codes.items()})

    def lookup(self, taxonomy: str, code: str) -> str | None:
        return self.by_taxonomy.get(taxonomy, {}).get(code.casefold())


def _is_blank(cells: Mapping[str, str]) -> bool:
    return not any((value or "").strip() for value in cells.values())


def parse_rows(
    rows: Sequence[Mapping[str, str]], known: KnownValues, first_row: int = FIRST_DATA_ROW
) -> ParsedRows:
    """Parse and check the data rows of an import file (``rows[0]`` is row ``first_row``).

    Blank rows are skipped (they keep their number). Two rows describing the
    same organisation, by VAT number or by name in the same municipality, are
    reported on the later row. Checks against organisations already in the
    database are the service's job.
    """
    folded_codes = FoldedCodes.of(known.codes)
    records: list[OrganisationRecord] = []
    problems: list[RowProblem] = []
    by_vat: dict[str, int] = {}
    by_name: dict[tuple[str, str], int] = {}
    rows_read = 0
    for offset, cells in enumerate(rows):
        row_number = first_row + offset
        if _is_blank(cells):
            continue
        rows_read += 1
        record, row_problems = _parse_row(row_number, cells, known, folded_codes)
        if record is None:
            problems.extend(row_problems)
            continue
        duplicates: list[RowProblem] = []
        if record.vat_number and record.vat_number in by_vat:
            duplicates.append(
                _problem(
                    row_number,
                    "vat_number",
                    N_("The same VAT number is already in row %(row)s."),
                    row=by_vat[record.vat_number],
                )
            )
        key = validation.duplicate_key(record.name, record.municipality)
        if record.municipality and key in by_name:
            duplicates.append(
                _problem(
                    row_number,
                    "name",
                    N_(
                        "An organisation with this name and municipality is already in row %(row)s."
                    ),
                    row=by_name[key],
                )
            )
        if duplicates:
            problems.extend(duplicates)
            continue
        if record.vat_number:
            by_vat[record.vat_number] = row_number
        if record.municipality:
            by_name[key] = row_number
        records.append(record)
    return ParsedRows(records=tuple(records), problems=tuple(problems), rows_read=rows_read)


def columns_help() -> str:
    """The column layout as plain text, for ``--help`` (English, like the column names)."""
    width = max(len(c.name) for c in COLUMNS) + 2
    lines = []
    for column in COLUMNS:
        flag = "; required" if column.required else ""
        lines.append(f"  {column.name:<{width}}{column.help}{flag}")
    return "\n".join(lines)
