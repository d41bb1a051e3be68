"""The indicator-values import file, row by row: pure parsing and validation, no Django.

One row is one value of an indicator for a territory and a period, as a source
states it. The service reads the file into rows (``dict`` of column name to cell
text), gathers what the database knows (the indicators with their units, the
territory codes of each kind, the values already stored for the indicators the
file names) into a :class:`KnownObservationValues`, and calls
:func:`normalise_header_name`, :func:`check_columns` and :func:`parse_rows`.

Problems are :class:`~distretto.registry.domain.import_rows.RowProblem` values,
as for the organisation and tie imports: the row as the user sees it (the header
is row 1), the column (its English name) and an English source message with its
parameters, translated by the caller. Where those imports have the same message,
the same text is used, so one translation serves all.

Numbers: a value is written with digits and at most one decimal separator, ``.``
or ``,`` (``1234.5`` and ``1234,5`` are the same number). A thousands separator
(``1.234,5``, ``1,234.5``, ``1 234``) is refused with its own message rather than
guessed: a single separator is always the decimal one, so ``1.234`` is one point
two three four. The exponent form a spreadsheet may write for very large or small
numbers (``1e-05``) is read too.

Two sources may state a value for the same indicator, territory and period:
that is not an error. The new value is kept beside the other and, when the two
values differ, both are flagged and the row carries a :class:`Conflict`. The same
source again is a duplicate (an error) unless it states the same value, which is
then reported as already there and not written again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from distretto.registry.domain import import_rows
from distretto.registry.domain.import_rows import (
    EXTRA_CELLS,
    FIRST_DATA_ROW,
    ISTAT_DIGITS,
    Column,
    RowProblem,
    normalise_column_name,
    normalise_website,
)
from distretto.registry.domain.periods import parse_period
from distretto.registry.domain.validation import N_

COLUMNS: tuple[Column, ...] = (
    Column("indicator", N_("address name of the indicator, e.g. exports"), required=True),
    Column("territory_kind", N_("kind of territory (see below)"), required=True),
    Column(
        "territory_code",
        N_("code of the territory (see below), e.g. MO"),
        required=True,
        max_length=20,
    ),
    Column("period", N_("one period, e.g. 2025, 2025-Q1 or 2025-03"), required=True),
    Column("value", N_("the number, e.g. 1234.5 or 1234,5"), required=True),
    Column("unit", N_("the indicator's unit (see below)"), required=True),
    Column("change_percent", N_("change on the previous period, percent")),
    Column("source", N_("publication or data set the value comes from"), required=True),
    Column("source_url", N_("web address of the source, http or https"), max_length=500),
    Column("licence", N_("licence of the source's data, e.g. CC BY 4.0"), max_length=200),
    Column("notes", N_("notes")),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

# Italian names a header may use instead (after normalisation: lower case, no accents,
# so "unità" is "unita").
ALIASES: dict[str, str] = {
    "indicatore": "indicator",
    "tipo_territorio": "territory_kind",
    "codice_territorio": "territory_code",
    "periodo": "period",
    "valore": "value",
    "unita": "unit",
    "variazione_percentuale": "change_percent",
    "fonte": "source",
    "link_fonte": "source_url",
    "licenza": "licence",
    "note": "notes",
}

# The kinds of territory (the values of monitor.enums.TerritoryKind) and how their codes look.
DISTRICT = "district"
MUNICIPALITY = "municipality"
PROVINCE = "province"
NUTS = "nuts"
COUNTRY = "country"
TERRITORY_KINDS: tuple[str, ...] = (DISTRICT, MUNICIPALITY, PROVINCE, NUTS, COUNTRY)
NUTS_TAXONOMY = "nuts"

# The EU member states by their ISO 3166-1 alpha-2 codes: countries a value may be
# stated for, besides the country-level codes of the NUTS taxonomy.
# fmt: off
EU_COUNTRIES: frozenset[str] = frozenset((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
))
# fmt: on
# NUTS writes two countries differently from ISO 3166.
NUTS_TO_ISO: dict[str, str] = {"EL": "GR", "UK": "GB"}

EARLIEST_YEAR = 1800
LATEST_YEAR = 2100
# The database columns: value DECIMAL(18, 4), change_percent DECIMAL(9, 2).
VALUE_DIGITS, VALUE_PLACES = 18, 4
CHANGE_DIGITS, CHANGE_PLACES = 9, 2

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[\s'’.,]\d{3})+(?:[.,]\d+)?$")
_DIGITS = re.compile(r"^\d+$")
_FIRST_MONTH = {"quarter": 3, "half": 6}

# (indicator key, territory kind, territory code, period): one series point.
PointKey = tuple[int, str, str, str]


@dataclass(frozen=True)
class KnownIndicator:
    """An indicator a row may name, as plain values (``key`` is its primary key)."""

    key: int
    slug: str
    name: str
    unit: str
    computed: bool = False


@dataclass(frozen=True)
class StoredValue:
    """A value already in the database for a point: who states it and what."""

    source: str
    value: Decimal


@dataclass(frozen=True)
class KnownObservationValues:
    """What the database knows, as plain values the rows are checked against.

    ``territories`` maps each kind of territory to its known codes and their names
    (the name may be empty); ``existing`` the values already stored, by point.
    """

    indicators: Sequence[KnownIndicator]
    units: tuple[str, ...]
    territories: Mapping[str, Mapping[str, str]]
    existing: Mapping[PointKey, Sequence[StoredValue]]


@dataclass(frozen=True)
class ObservationRecord:
    """One good row, ready to be written."""

    row: int
    indicator: KnownIndicator
    territory_kind: str
    territory_code: str
    period: str
    period_start: date
    value: Decimal
    unit: str
    source: str
    change_percent: Decimal | None = None
    source_url: str = ""
    licence: str = ""
    notes: str = ""
    flagged: bool = False  # another source states another value for the same point

    @property
    def point(self) -> PointKey:
        return (self.indicator.key, self.territory_kind, self.territory_code, self.period)


@dataclass(frozen=True)
class Conflict:
    """A row whose point has another source's different value: both are kept, flagged.

    ``other_row`` is the row of the file that states the other value, or None when
    it is stored already.
    """

    row: int
    source: str
    value: Decimal
    other_source: str
    other_value: Decimal
    other_row: int | None = None

    def problem(self) -> RowProblem:
        """The conflict as a note (not an error) to translate and show."""
        params = {
            "source": self.source,
            "value": format_number(self.value),
            "other_source": self.other_source,
            "other_value": format_number(self.other_value),
        }
        if self.other_row is None:
            message = N_(
                'Kept side by side with the value already stored: "%(other_source)s" says '
                '%(other_value)s, "%(source)s" says %(value)s. Both are flagged.'
            )
        else:
            message = N_(
                'Kept side by side with row %(other_row)s: "%(other_source)s" says '
                '%(other_value)s, "%(source)s" says %(value)s. Both are flagged.'
            )
            params["other_row"] = str(self.other_row)
        return _problem(self.row, "value", message, **params)


@dataclass(frozen=True)
class ParsedObservations:
    """The outcome of :func:`parse_rows`.

    ``records``: the good rows to write; ``problems``: the errors of the bad rows;
    ``already_there``: notes on rows skipped because the same source states the same
    value already; ``conflicts``: rows kept side by side with another source's value.
    """

    records: tuple[ObservationRecord, ...]
    problems: tuple[RowProblem, ...]
    already_there: tuple[RowProblem, ...]
    conflicts: tuple[Conflict, ...]
    rows_read: int


# --- plain helpers ------------------------------------------------------------------------


def format_number(value: Decimal) -> str:
    """A value as the file would write it: ``131``, ``2.5``, ``-0.25`` (no trailing zeros)."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "+0"} else text


def source_key(source: str) -> str:
    """Two sources are the same when they differ only in case and spacing."""
    return " ".join(source.split()).casefold()


def period_start(text: str) -> date | None:
    """The first day of a period of one value (a year, half, quarter, month or day)."""
    parsed = parse_period(text)
    if parsed is None or parsed.kind in {"none", "range", "since"}:
        return None
    if parsed.kind == "day":
        return date(parsed.year, parsed.month, parsed.day)
    if parsed.kind == "month":
        return date(parsed.year, parsed.month, 1)
    if parsed.kind in _FIRST_MONTH:
        return date(parsed.year, (parsed.part - 1) * _FIRST_MONTH[parsed.kind] + 1, 1)
    return date(parsed.year, 1, 1)


def country_codes(nuts_codes: Sequence[str]) -> frozenset[str]:
    """The countries a value may be stated for: the EU member states and the
    country-level (two-letter) NUTS codes, as ISO 3166 codes."""
    nuts_countries = {NUTS_TO_ISO.get(code, code) for code in nuts_codes if len(code) == 2}
    return EU_COUNTRIES | frozenset(nuts_countries)


# --- the header ---------------------------------------------------------------------------


def normalise_header_name(raw: str) -> str:
    """A header cell as a column name (accents dropped, Italian aliases understood)."""
    return import_rows.normalise_header_name(raw, ALIASES)


def check_columns(header: Sequence[str]) -> list[RowProblem]:
    """Problems of the (normalised) header row: unnamed, unknown, repeated or missing columns.

    Any problem here is fatal: without the right columns no row can be read.
    """
    return import_rows.header_problems(header, COLUMN_NAMES, REQUIRED_COLUMNS)


# --- rows ---------------------------------------------------------------------------------


_problem = import_rows.problem


class _ObservationRowReader(import_rows.CellReader):
    """Reads the cells of one row, collecting its problems."""

    def __init__(self, row_number: int, cells: Mapping[str, str]) -> None:
        super().__init__(row_number, cells, _BY_NAME)

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            self.add(column, N_("This cell is required; it is empty."))
        return value

    def indicator(self, by_slug: Mapping[str, KnownIndicator]) -> KnownIndicator | None:
        value = self.required("indicator")
        if not value:
            return None
        indicator = by_slug.get(value.casefold())
        if indicator is None:
            self.add(
                "indicator",
                N_('Unknown indicator "%(value)s": give the address name of an indicator.'),
                value=value,
            )
        elif indicator.computed:
            self.add(
                "indicator",
                N_(
                    'The indicator "%(indicator)s" is counted by the platform from its own '
                    "records; its values cannot be imported."
                ),
                indicator=indicator.slug,
            )
            return None
        return indicator

    def territory_kind(self) -> str:
        value = self.required("territory_kind")
        if not value:
            return ""
        kind = normalise_column_name(value)
        if kind in TERRITORY_KINDS:
            return kind
        self.add(
            "territory_kind",
            N_('Unknown kind of territory "%(value)s". Use one of: %(allowed)s.'),
            value=value,
            allowed=", ".join(TERRITORY_KINDS),
        )
        return ""

    def territory_code(self, kind: str, territories: Mapping[str, Mapping[str, str]]) -> str:
        value = self.required("territory_code")
        if not value or not kind:
            return ""
        code = _canonical_code(kind, value)
        if code in territories.get(kind, {}):
            return code
        messages = {
            DISTRICT: N_('Unknown district "%(code)s": give the address name of a district.'),
            MUNICIPALITY: N_(
                'Unknown municipality code "%(code)s": no municipality has this ISTAT code.'
            ),
            PROVINCE: N_(
                'Unknown province "%(code)s": give the abbreviation of a province of a '
                "known municipality, e.g. MO."
            ),
            NUTS: N_('Unknown code "%(code)s" in the taxonomy "%(taxonomy)s".'),
            COUNTRY: N_(
                'Unknown country "%(code)s": give a two-letter ISO 3166 code, e.g. IT, '
                "of a country the platform knows."
            ),
        }
        self.add("territory_code", messages[kind], code=value, taxonomy=NUTS_TAXONOMY)
        return ""

    def period(self) -> tuple[str, date | None]:
        value = self.required("period")
        if not value:
            return "", None
        text = value.upper()  # 2025-q1 is 2025-Q1
        parsed = parse_period(text)
        if parsed is not None and parsed.kind in {"range", "since"}:
            self.add(
                "period",
                N_(
                    '"%(value)s" is a span of years; a value belongs to one period: '
                    "a year, half, quarter, month or day, e.g. 2025 or 2025-Q1."
                ),
                value=value,
            )
            return "", None
        start = period_start(text)
        if start is None:
            self.add(
                "period",
                N_(
                    '"%(value)s" is not a period. Write it as 2025, 2024-H1, 2025-Q1, '
                    "2025-03 or 2025-03-31."
                ),
                value=value,
            )
            return "", None
        if not EARLIEST_YEAR <= start.year <= LATEST_YEAR:
            self.add(
                "period",
                N_("The year must be between %(min)s and %(max)s."),
                min=EARLIEST_YEAR,
                max=LATEST_YEAR,
            )
            return "", None
        return text, start

    def number(self, column: str, max_digits: int, places: int) -> Decimal | None:
        """The number in ``column``: None when empty (or wrong, with a problem added)."""
        value = self.text(column)
        if not value:
            return None
        compact = value.replace("\u00a0", " ").replace("\u202f", " ")
        if _GROUPED.match(compact) and (
            not _NUMBER.match(compact) or compact.count(".") + compact.count(",") > 1
        ):
            self.add(
                column,
                N_(
                    '"%(value)s" has a thousands separator; write the number without it, '
                    'with "." or "," only before the decimals, e.g. 1234567.5 or 1234567,5.'
                ),
                value=value,
            )
            return None
        if not _NUMBER.match(compact):
            self.add(
                column,
                N_(
                    '"%(value)s" is not a number. Write it with digits and at most one '
                    'decimal separator, "." or ",", e.g. 1234.5 or 1234,5.'
                ),
                value=value,
            )
            return None
        try:
            number = Decimal(compact.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
        normal = number.normalize()
        exponent = normal.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if decimals > places:
            self.add(
                column,
                N_("%(value)s has too many decimals: at most %(places)s."),
                value=value,
                places=places,
            )
            return None
        if normal != 0 and normal.adjusted() + 1 > max_digits - places:
            self.add(
                column,
                N_("%(value)s is too large: at most %(digits)s digits before the decimals."),
                value=value,
                digits=max_digits - places,
            )
            return None
        return normal

    def unit(self, units: Sequence[str], indicator: KnownIndicator | None) -> str:
        value = self.required("unit")
        if not value:
            return ""
        unit = normalise_column_name(value)
        if unit not in units:
            self.add(
                "unit",
                N_('Unknown unit "%(value)s". Use one of: %(allowed)s.'),
                value=value,
                allowed=", ".join(units),
            )
            return ""
        if indicator is not None and unit != indicator.unit:
            self.add(
                "unit",
                N_(
                    'The indicator "%(indicator)s" is measured in "%(expected)s"; '
                    'this row says "%(unit)s".'
                ),
                indicator=indicator.slug,
                expected=indicator.unit,
                unit=unit,
            )
            return ""
        return unit

    def source_url(self) -> str:
        value = self.text("source_url")
        if not value:
            return ""
        url = normalise_website(value)
        if url is None:
            self.add(
                "source_url",
                N_('"%(value)s" is not a web address; write it as https://www.example.com/data.'),
                value=value,
            )
            return ""
        return url


def _canonical_code(kind: str, value: str) -> str:
    """A territory code as it is stored: district slugs in lower case, ISTAT codes with
    the leading zeros a spreadsheet drops, the other codes in upper case."""
    if kind == DISTRICT:
        return value.casefold()
    if kind == MUNICIPALITY:
        if _DIGITS.match(value) and 4 <= len(value) < ISTAT_DIGITS:
            return value.zfill(ISTAT_DIGITS)
        return value
    return value.upper()


def _parse_row(
    row_number: int,
    cells: Mapping[str, str],
    known: KnownObservationValues,
    by_slug: Mapping[str, KnownIndicator],
) -> ObservationRecord | list[RowProblem]:
    reader = _ObservationRowReader(row_number, cells)
    if (cells.get(EXTRA_CELLS) or "").strip():
        reader.add("", N_("This row has more cells than the header row has columns."))
    indicator = reader.indicator(by_slug)
    kind = reader.territory_kind()
    code = reader.territory_code(kind, known.territories)
    period, start = reader.period()
    value_text = reader.required("value")
    value = reader.number("value", VALUE_DIGITS, VALUE_PLACES) if value_text else None
    unit = reader.unit(known.units, indicator)
    change = reader.number("change_percent", CHANGE_DIGITS, CHANGE_PLACES)
    source = " ".join(reader.text("source").split())
    if not source:
        reader.add(
            "source",
            N_("Say where the value comes from (a publication, a data set); this cell is empty."),
        )
    source_url = reader.source_url()
    licence = reader.text("licence")
    notes = reader.text("notes")
    if reader.problems or indicator is None or start is None or value is None:
        return reader.problems
    return ObservationRecord(
        row=row_number,
        indicator=indicator,
        territory_kind=kind,
        territory_code=code,
        period=period,
        period_start=start,
        value=value,
        unit=unit,
        source=source,
        change_percent=change,
        source_url=source_url,
        licence=licence,
        notes=notes,
    )


def _is_blank(cells: Mapping[str, str]) -> bool:
    return not any((value or "").strip() for value in cells.values())


def same_source_problem(record: ObservationRecord, stored: StoredValue) -> RowProblem:
    """The error of a row whose source states another value for a point already stored."""
    message = N_(
        '"%(source)s" already states %(stored)s for this indicator, territory and period; '
        "this row says %(value)s. Nothing is overwritten: correct the stored value in the "
        "back office, or give the source of this value."
    )
    return _problem(
        record.row,
        "value",
        message,
        source=stored.source,
        stored=format_number(stored.value),
        value=format_number(record.value),
    )


def already_there_note(record: ObservationRecord, stored: StoredValue) -> RowProblem:
    """The note of a row skipped because its source states the same value already."""
    message = N_('Already there: "%(source)s" states %(value)s for this point; row skipped.')
    return _problem(
        record.row, "value", message, source=stored.source, value=format_number(stored.value)
    )


def parse_rows(
    rows: Sequence[Mapping[str, str]],
    known: KnownObservationValues,
    first_row: int = FIRST_DATA_ROW,
) -> ParsedObservations:
    """Parse and check the data rows of an indicator-values file (``rows[0]`` is row
    ``first_row``).

    Blank rows are skipped (they keep their number). A point (indicator, territory,
    period) stated twice by one source in the file is an error of the later row; by
    one source in the database, an error unless the value is the same (then the row
    is noted as already there). Another source's different value, stored or in an
    earlier row, is a conflict: both are kept and flagged.
    """
    by_slug = {indicator.slug.casefold(): indicator for indicator in known.indicators}
    good: list[ObservationRecord] = []
    problems: list[RowProblem] = []
    already: list[RowProblem] = []
    seen: dict[tuple[PointKey, str], int] = {}
    rows_read = 0
    for offset, cells in enumerate(rows):
        row_number = first_row + offset
        if _is_blank(cells):
            continue
        rows_read += 1
        parsed = _parse_row(row_number, cells, known, by_slug)
        if not isinstance(parsed, ObservationRecord):
            problems.extend(parsed)
            continue
        key = (parsed.point, source_key(parsed.source))
        if key in seen:
            message = N_(
                "The same indicator, territory, period and source are already in row %(row)s."
            )
            problems.append(_problem(row_number, "source", message, row=seen[key]))
            continue
        seen[key] = row_number
        stored = [
            value
            for value in known.existing.get(parsed.point, ())
            if source_key(value.source) == key[1]
        ]
        if stored and stored[0].value == parsed.value:
            already.append(already_there_note(parsed, stored[0]))
            continue
        if stored:
            problems.append(same_source_problem(parsed, stored[0]))
            continue
        good.append(parsed)
    records, conflicts = _side_by_side(good, known)
    return ParsedObservations(
        records=tuple(records),
        problems=tuple(problems),
        already_there=tuple(already),
        conflicts=tuple(conflicts),
        rows_read=rows_read,
    )


def _side_by_side(
    good: Sequence[ObservationRecord], known: KnownObservationValues
) -> tuple[list[ObservationRecord], list[Conflict]]:
    """Flag the records whose point has another source's different value, stored or in
    another good row, and note each conflict on the later row."""
    conflicts: list[Conflict] = []
    flagged: set[int] = set()
    earlier: dict[PointKey, list[ObservationRecord]] = {}
    for record in good:
        for stored in known.existing.get(record.point, ()):
            if stored.value != record.value:
                flagged.add(record.row)
                conflicts.append(
                    Conflict(record.row, record.source, record.value, stored.source, stored.value)
                )
        for other in earlier.get(record.point, []):
            if other.value != record.value:
                flagged.update({record.row, other.row})
                conflicts.append(
                    Conflict(
                        record.row,
                        record.source,
                        record.value,
                        other.source,
                        other.value,
                        other.row,
                    )
                )
        earlier.setdefault(record.point, []).append(record)
    records = [
        replace(record, flagged=True) if record.row in flagged else record for record in good
    ]
    return records, conflicts


def columns_help() -> str:
    """The column layout as plain text, for ``--help`` (English, like the column names),
    with each column's Italian alias."""
    aliases: dict[str, str] = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, alias)
    width = max(len(c.name) for c in COLUMNS) + 2
    alias_width = max(len(alias) for alias in ALIASES) + 2
    lines = []
    for column in COLUMNS:
        flag = "; required" if column.required else ""
        alias = aliases.get(column.name, "")
        lines.append(f"  {column.name:<{width}}{alias:<{alias_width}}{column.help}{flag}")
    return "\n".join(lines)
