"""The tie import file, row by row: pure parsing and validation, no Django.

A tie is an edge of the district network: one organisation supplies, is a
member of, works with ... another. The service reads the file into rows
(``dict`` of column name to cell text), gathers what the database knows (the
organisations, the tie types, the process-step codes, the ties already there)
into a :class:`KnownTieValues`, and calls :func:`normalise_header`,
:func:`check_columns` and :func:`parse_rows`.

Problems are :class:`~distretto.registry.domain.import_rows.RowProblem` values,
as for the organisation import: the row as the user sees it (the header is row
1), the column (its English name) and an English source message with its
parameters, translated by the caller. Where the organisation import has the
same message, the same text is used, so one translation serves both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from distretto.registry.domain import import_rows, validation
from distretto.registry.domain.import_rows import (
    EXTRA_CELLS,
    FIRST_DATA_ROW,
    VAT_DIGITS,
    Column,
    RowProblem,
    normalise_column_name,
)
from distretto.registry.domain.validation import N_

COLUMNS: tuple[Column, ...] = (
    Column(
        "source",
        N_("organisation it goes from: address name, VAT or name"),
        required=True,
    ),
    Column(
        "target",
        N_("organisation it goes to: address name, VAT or name"),
        required=True,
    ),
    Column("type", N_("type of tie (see below)"), required=True),
    Column("process_step", N_("process step code, only for ties of type supplies")),
    Column("year_from", N_("year the tie began")),
    Column("year_to", N_("year the tie ended (empty: still on)")),
    Column(
        "source_of_fact",
        N_("where the fact comes from (a document, a web page)"),
        required=True,
    ),
    Column("note_it", N_("note in Italian"), max_length=300),
    Column("note_en", N_("note in English"), max_length=300),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

# Italian names a header may use instead (after normalisation: lower case, no accents).
ALIASES: dict[str, str] = {
    "origine": "source",
    "destinazione": "target",
    "tipo": "type",
    "fase": "process_step",
    "dal": "year_from",
    "al": "year_to",
    "fonte": "source_of_fact",
    "nota_it": "note_it",
    "nota_en": "note_en",
}

SUPPLIES = "supplies"  # the one type of tie that may name a process step
PROCESS_STEP_TAXONOMY = "process_step"
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
_WHOLE_NUMBER = re.compile(r"^[0-9]+$")

# (from, to, type, process step or "", year_from, year_to): what makes two ties the same.
TieKey = tuple[int, int, str, str, int | None, int | None]


@dataclass(frozen=True)
class KnownOrganisation:
    """An organisation a row may name, as plain values (``key`` is its primary key)."""

    key: int
    slug: str
    name: str
    vat_number: str = ""


@dataclass(frozen=True)
class KnownTieValues:
    """What the database knows, as plain values the rows are checked against."""

    organisations: Sequence[KnownOrganisation]
    kinds: tuple[str, ...]
    process_steps: frozenset[str]
    existing: frozenset[TieKey] = frozenset()


@dataclass(frozen=True)
class TieRecord:
    """One good row, ready to be written."""

    row: int
    source: KnownOrganisation
    target: KnownOrganisation
    kind: str
    process_step: str  # canonical code, or ""
    year_from: int | None
    year_to: int | None
    fact_source: str
    note_it: str = ""
    note_en: str = ""

    @property
    def key(self) -> TieKey:
        return (
            self.source.key,
            self.target.key,
            self.kind,
            self.process_step,
            self.year_from,
            self.year_to,
        )


@dataclass(frozen=True)
class ParsedTies:
    """The outcome of :func:`parse_rows`: the good records and the problems of the bad rows."""

    records: tuple[TieRecord, ...]
    problems: tuple[RowProblem, ...]
    rows_read: int


# --- the header ----------------------------------------------------------------------


def normalise_header_name(raw: str) -> str:
    """A header cell as a column name (accents dropped, Italian aliases understood)."""
    return import_rows.normalise_header_name(raw, ALIASES)


def check_columns(header: Sequence[str]) -> list[RowProblem]:
    """Problems of the (normalised) header row: unnamed, unknown, repeated or missing columns.

    Any problem here is fatal: without the right columns no row can be read.
    """
    return import_rows.header_problems(header, COLUMN_NAMES, REQUIRED_COLUMNS)


# --- naming organisations ---------------------------------------------------------------


def _fold_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def vat_key(raw: str) -> str:
    """A VAT number as the organisation import stores it (so the two compare equal):
    compact, upper case, an Italian number without ``IT`` and with the leading zeros
    a spreadsheet drops put back."""
    vat = validation.normalise_vat(raw)
    if vat.isdigit() and 8 <= len(vat) < VAT_DIGITS:
        vat = vat.zfill(VAT_DIGITS)
    if not vat or validation.check_vat_number(vat):
        return ""
    return validation.canonical_vat(vat)


class OrganisationIndex:
    """Finds the organisation a cell names: by address name, VAT number or exact name."""

    def __init__(self, organisations: Iterable[KnownOrganisation]) -> None:
        self.by_slug: dict[str, KnownOrganisation] = {}
        self.by_vat: dict[str, KnownOrganisation] = {}
        self.by_name: dict[str, list[KnownOrganisation]] = {}
        for organisation in organisations:
            self.by_slug[organisation.slug.casefold()] = organisation
            vat = vat_key(organisation.vat_number)
            if vat:
                self.by_vat.setdefault(vat, organisation)
            self.by_name.setdefault(_fold_name(organisation.name), []).append(organisation)

    def find(self, value: str) -> tuple[KnownOrganisation | None, list[KnownOrganisation]]:
        """The organisation ``value`` names, or None with every organisation of that name
        when it names several (an empty list: it names none)."""
        found = self.by_slug.get(value.strip().casefold())
        if found is not None:
            return found, []
        vat = vat_key(value)
        if vat and vat in self.by_vat:
            return self.by_vat[vat], []
        named = self.by_name.get(_fold_name(value), [])
        if len(named) == 1:
            return named[0], []
        return None, named


def describe_organisation(organisation: KnownOrganisation) -> str:
    """An organisation as messages name it: ``Alpha Medical (alpha-medical)``."""
    return f"{organisation.name} ({organisation.slug})"


# --- rows -------------------------------------------------------------------------------


_problem = import_rows.problem


class _TieRowReader(import_rows.CellReader):
    """Reads the cells of one row, collecting its problems."""

    def __init__(self, row_number: int, cells: Mapping[str, str]) -> None:
        super().__init__(row_number, cells, _BY_NAME)

    def organisation(self, column: str, index: OrganisationIndex) -> KnownOrganisation | None:
        value = self.text(column)
        if not value:
            self.add(column, N_("The organisation is required; this cell is empty."))
            return None
        found, named = index.find(value)
        if found is not None:
            return found
        if named:
            self.add(
                column,
                N_(
                    '"%(value)s" is the name of several organisations: %(matches)s. '
                    "Use the address name or the VAT number instead."
                ),
                value=value,
                matches=", ".join(describe_organisation(o) for o in named),
            )
        else:
            self.add(
                column,
                N_(
                    'Unknown organisation "%(value)s": give its address name, '
                    "VAT number or exact name."
                ),
                value=value,
            )
        return None

    def kind(self, allowed: Sequence[str]) -> str:
        value = self.text("type")
        if not value:
            self.add("type", N_("The type of tie is required; this cell is empty."))
            return ""
        wanted = normalise_column_name(value)  # "Part of group" is part_of_group
        for kind in allowed:
            if kind.casefold() == wanted:
                return kind
        self.add(
            "type",
            N_('Unknown type of tie "%(value)s". Use one of: %(allowed)s.'),
            value=value,
            allowed=", ".join(allowed),
        )
        return ""

    def process_step(self, kind: str, codes: frozenset[str]) -> str:
        value = self.text("process_step")
        if not value:
            return ""
        if kind and kind != SUPPLIES:
            self.add(
                "process_step",
                N_('Only ties of type "%(supplies)s" have a process step; this one is "%(kind)s".'),
                supplies=SUPPLIES,
                kind=kind,
            )
            return ""
        folded = {code.casefold(): code for code in codes}
        if value.casefold() in folded:
            return folded[value.casefold()]
        if not codes:
            message = N_('Unknown code "%(code)s": the taxonomy "%(taxonomy)s" has no codes yet.')
        else:
            message = N_('Unknown code "%(code)s" in the taxonomy "%(taxonomy)s".')
        self.add("process_step", message, code=value, taxonomy=PROCESS_STEP_TAXONOMY)
        return ""

    def year(self, column: str) -> int | None:
        """The year in ``column``: None when empty (or wrong, with a problem added)."""
        value = self.text(column)
        if not value:
            return None
        if value.endswith(".0"):  # a year typed into a number cell and saved as a float
            value = value[:-2]
        if not _WHOLE_NUMBER.match(value):
            self.add(
                column,
                N_('"%(value)s" is not a year; write it with four digits, e.g. 1985.'),
                value=value,
            )
            return None
        year = int(value)
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            self.add(
                column,
                N_("The year must be between %(min)s and %(max)s."),
                min=EARLIEST_YEAR,
                max=LATEST_YEAR,
            )
            return None
        return year


def _parse_row(
    row_number: int, cells: Mapping[str, str], known: KnownTieValues, index: OrganisationIndex
) -> TieRecord | list[RowProblem]:
    reader = _TieRowReader(row_number, cells)
    if (cells.get(EXTRA_CELLS) or "").strip():
        reader.add("", N_("This row has more cells than the header row has columns."))
    source = reader.organisation("source", index)
    target = reader.organisation("target", index)
    if source is not None and target is not None and source.key == target.key:
        reader.add(
            "target",
            N_("A tie cannot go from an organisation to itself: %(name)s."),
            name=describe_organisation(source),
        )
    kind = reader.kind(known.kinds)
    process_step = reader.process_step(kind, known.process_steps)
    year_from = reader.year("year_from")
    year_to = reader.year("year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        reader.add(
            "year_to",
            N_("The tie ends before it begins: year_to %(end)s is before year_from %(start)s."),
            start=year_from,
            end=year_to,
        )
    fact_source = reader.text("source_of_fact")
    if not fact_source:
        reader.add(
            "source_of_fact",
            N_(
                "Say where the fact comes from (a document, a web page, an interview); "
                "this cell is empty."
            ),
        )
    note_it = reader.text("note_it")
    note_en = reader.text("note_en")
    if reader.problems or source is None or target is None:
        return reader.problems
    return TieRecord(
        row=row_number,
        source=source,
        target=target,
        kind=kind,
        process_step=process_step,
        year_from=year_from,
        year_to=year_to,
        fact_source=fact_source,
        note_it=note_it,
        note_en=note_en,
    )


def _is_blank(cells: Mapping[str, str]) -> bool:
    return not any((value or "").strip() for value in cells.values())


def describe_tie(record: TieRecord) -> str:
    """A tie as messages name it.

    ``Alpha (alpha) → supplies [moulding] → Beta (beta), 2015–2020``
    """
    step = f" [{record.process_step}]" if record.process_step else ""
    text = (
        f"{describe_organisation(record.source)} → {record.kind}{step} → "
        f"{describe_organisation(record.target)}"
    )
    if record.year_from is not None or record.year_to is not None:
        text += f", {record.year_from or ''}–{record.year_to or ''}"
    return text


def existing_tie_problem(record: TieRecord) -> RowProblem:
    """The problem of a row whose tie is in the database already."""
    message = N_("This tie already exists: %(tie)s.")
    return _problem(record.row, "source", message, tie=describe_tie(record))


def parse_rows(
    rows: Sequence[Mapping[str, str]], known: KnownTieValues, first_row: int = FIRST_DATA_ROW
) -> ParsedTies:
    """Parse and check the data rows of a tie import file (``rows[0]`` is row ``first_row``).

    Blank rows are skipped (they keep their number). A tie that is already in the
    database, or in an earlier row of the file (the same organisations, type,
    process step and years), is an error of the later row.
    """
    index = OrganisationIndex(known.organisations)
    records: list[TieRecord] = []
    problems: list[RowProblem] = []
    seen: dict[TieKey, int] = {}
    rows_read = 0
    for offset, cells in enumerate(rows):
        row_number = first_row + offset
        if _is_blank(cells):
            continue
        rows_read += 1
        parsed = _parse_row(row_number, cells, known, index)
        if not isinstance(parsed, TieRecord):
            problems.extend(parsed)
            continue
        if parsed.key in known.existing:
            problems.append(existing_tie_problem(parsed))
            continue
        if parsed.key in seen:
            problems.append(
                _problem(
                    row_number,
                    "source",
                    N_("The same tie is already in row %(row)s."),
                    row=seen[parsed.key],
                )
            )
            continue
        seen[parsed.key] = row_number
        records.append(parsed)
    return ParsedTies(records=tuple(records), problems=tuple(problems), rows_read=rows_read)


def columns_help() -> str:
    """The column layout as plain text, for ``--help`` (English, like the column names),
    with each column's Italian alias."""
    aliases = {name: alias for alias, name in ALIASES.items()}
    width = max(len(c.name) for c in COLUMNS) + 2
    alias_width = max(len(alias) for alias in ALIASES) + 2
    lines = []
    for column in COLUMNS:
        flag = "; required" if column.required else ""
        alias = aliases.get(column.name, "")
        lines.append(f"  {column.name:<{width}}{alias:<{alias_width}}{column.help}{flag}")
    return "\n".join(lines)
