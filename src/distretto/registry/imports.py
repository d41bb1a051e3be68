"""Import and export of organisations: the services behind the web page and the CLI.

``import_organisations`` reads a CSV or XLSX file, checks every row (the pure
rules are in ``domain/import_rows.py``; duplicates against the database and the
model's own validation are checked here), and writes all the good rows in one
transaction: all or nothing, unless the user chose to skip bad rows. A dry run
runs every check and writes nothing.

``export_organisations`` writes what the acting user may see in the same column
layout, so that an export imports again.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator
from distretto.registry import rules, services, tabular
from distretto.registry.domain import import_rows
from distretto.registry.domain.import_rows import (
    CODE_COLUMNS,
    COLUMN_NAMES,
    EXTRA_CELLS,
    KnownValues,
    OrganisationRecord,
    RowProblem,
)
from distretto.registry.domain.validation import N_
from distretto.registry.enums import OrganisationKind, StaffBand, Status, TurnoverBand
from distretto.registry.models import Organisation, Site
from distretto.taxonomy.models import Code, Municipality

# progress(phase, done, total); phase is "check" or "write".
ProgressCallback = Callable[[str, int, int], None]

EXPORT_FORMATS = ("csv", "xlsx", "json")


# --- results -----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem in the user's language: the row (None: the whole file), the column, the message."""

    row: int | None
    column: str
    message: str


@dataclass(frozen=True)
class PlannedOrganisation:
    """An organisation the import creates (or, in a dry run, would create)."""

    row: int
    name: str
    kind: str
    kind_label: str
    municipality: str
    municipality_name: str
    code_count: int
    slug: str = ""


@dataclass
class ImportOutcome:
    """What an import of any kind did, or in a dry run would do: each kind adds the list of
    what it creates."""

    dry_run: bool
    skip_bad_rows: bool
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    fatal: bool = False  # the file or its header is wrong: no row can be imported
    written: bool = False

    @property
    def skipped_rows(self) -> list[int]:
        """Rows left out because they have errors (with skip_bad_rows, or in a preview of it)."""
        return sorted({e.row for e in self.errors if e.row is not None})


@dataclass
class ImportResult(ImportOutcome):
    """What an import of organisations did, or in a dry run would do."""

    organisations: list[PlannedOrganisation] = field(default_factory=list)


# --- who may import -----------------------------------------------------------------


def can_import_organisations(user: Any) -> bool:
    """Importing creates records in bulk: facilitators only (the CLI acts as one)."""
    return is_facilitator(user)


def ensure_can_import(user: Any) -> None:
    """Raise PermissionDenied unless ``user`` may import organisations."""
    if not can_import_organisations(user):
        raise PermissionDenied(_("Only facilitators may import organisations."))


# --- importing ------------------------------------------------------------------------


# The helpers below serve every tabular import of the registry (organisations, ties).


def translate_problem(problem: RowProblem) -> RowError:
    """A problem of the pure rules as an error in the user's language."""
    message = _(problem.message)
    params = problem.params_dict()
    if params:
        message = message % params
    return RowError(problem.row, problem.column, message)


def table_error(exc: tabular.TableError) -> RowError:
    """A file that cannot be read as a table, as an error of the whole file."""
    message = _(exc.message) % exc.params if exc.params else _(exc.message)
    return RowError(None, "", message)


def sorted_errors(
    problems: Iterable[RowProblem], columns: Sequence[str] = COLUMN_NAMES
) -> list[RowError]:
    """The problems translated, by row, then in the order of ``columns`` (others last)."""

    def position(column: str) -> int:
        return columns.index(column) if column in columns else len(columns)

    ordered = sorted(problems, key=lambda p: (p.row or 0, position(p.column)))
    return [translate_problem(problem) for problem in ordered]


def known_values() -> KnownValues:
    """What the database knows, as the plain values the domain checks rows against."""
    codes: dict[str, set[str]] = {taxonomy: set() for taxonomy in CODE_COLUMNS.values()}
    for taxonomy, code in Code.objects.filter(taxonomy__slug__in=list(codes)).values_list(
        "taxonomy__slug", "code"
    ):
        codes[taxonomy].add(code)
    return KnownValues(
        kinds=tuple(OrganisationKind.values),
        statuses=tuple(Status.values),
        staff_bands=tuple(StaffBand.values),
        turnover_bands=tuple(TurnoverBand.values),
        municipalities=frozenset(Municipality.objects.values_list("istat_code", flat=True)),
        codes={taxonomy: frozenset(values) for taxonomy, values in codes.items()},
        current_year=timezone.localdate().year,
        default_status=Status.DRAFT,
    )


def upload_limits() -> tabular.Limits:
    """What an import file may be (DISTRETTO_MAX_UPLOAD_MB and the workbook checks)."""
    return tabular.Limits(max_bytes=settings.MAX_UPLOAD_BYTES)


def read_rows(
    result: ImportOutcome,
    content: bytes,
    normalise: Callable[[str], str],
    check: Callable[[Sequence[str]], list[RowProblem]],
    columns: Sequence[str],
) -> list[dict[str, str]] | None:
    """The file's rows as ``column -> cell`` (header names through ``normalise``); None, with
    ``result`` marked fatal and its errors set, when the file or its header is wrong.

    Every import reads its file here: a file over DISTRETTO_MAX_UPLOAD_MB, neither UTF-8
    text nor an .xlsx workbook, a hostile workbook (zip bomb, macros, external links,
    XML entities) or one with formulas is refused before any row is looked at."""
    try:
        table = tabular.read_table(content, upload_limits())
    except tabular.TableError as exc:
        result.errors = [table_error(exc)]
        result.fatal = True
        return None
    header = [normalise(name) for name in table.header]
    problems = check(header)
    if problems:
        result.errors = sorted_errors(problems, columns)
        result.fatal = True
        return None
    return rows_as_dicts(header, table.rows)


def rows_as_dicts(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """Each row as ``column -> cell``; cells right of the header go under EXTRA_CELLS."""
    width = len(header)
    result = []
    for cells in rows:
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        row[EXTRA_CELLS] = " ".join(cell for cell in cells[width:] if cell.strip())
        result.append(row)
    return result


def _model_problems(record: OrganisationRecord) -> list[RowProblem]:
    """The model's own validation, for anything the row rules do not cover."""
    organisation = Organisation(**record.fields, status=record.status)
    try:
        organisation.full_clean(exclude=["slug"], validate_constraints=False)
    except ValidationError as exc:
        return [
            RowProblem(record.row, name if name in COLUMN_NAMES else "", message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


def _database_problems(record: OrganisationRecord) -> list[RowProblem]:
    duplicate = services.find_duplicate(
        record.name, record.vat_number, [record.municipality] if record.municipality else []
    )
    if duplicate is None:
        return []
    field_name, other = duplicate
    # The same messages as services.duplicate_error, so one translation serves both.
    if field_name == "vat_number":
        message = N_("An organisation with this VAT number already exists: %(name)s.")
    else:
        message = N_(
            "An organisation with this name already exists in this municipality: %(name)s."
        )
    return [RowProblem(record.row, field_name, message, (("name", other.name),))]


def _codes_for(records: Sequence[OrganisationRecord]) -> dict[tuple[str, str], Code]:
    wanted: dict[str, set[str]] = {}
    for record in records:
        for taxonomy, record_codes in record.codes.items():
            wanted.setdefault(taxonomy, set()).update(record_codes)
    if not wanted:
        return {}
    condition = Q()
    for taxonomy, codes in wanted.items():
        condition |= Q(taxonomy__slug=taxonomy, code__in=sorted(codes))
    return {
        (code.taxonomy.slug, code.code): code
        for code in Code.objects.filter(condition).select_related("taxonomy")
    }


def _plan(
    record: OrganisationRecord, municipalities: dict[str, Municipality], slug: str = ""
) -> PlannedOrganisation:
    municipality = municipalities.get(record.municipality)
    return PlannedOrganisation(
        row=record.row,
        name=record.name,
        kind=record.kind,
        kind_label=str(OrganisationKind(record.kind).label),
        municipality=record.municipality,
        municipality_name=municipality.name if municipality else "",
        code_count=record.code_count,
        slug=slug,
    )


def _write_record(
    user: Any,
    record: OrganisationRecord,
    codes: dict[tuple[str, str], Code],
    municipalities: dict[str, Municipality],
) -> Organisation:
    organisation = services.create_organisation(
        user,
        record.fields,
        codes=[
            codes[(taxonomy, code)] for taxonomy, values in record.codes.items() for code in values
        ],
        municipality_code=record.municipality,
    )
    if record.municipality:
        Site.objects.create(
            organisation=organisation,
            municipality=municipalities[record.municipality],
            address=record.address,
            is_headquarters=True,
            source=str(record.fields.get("source") or ""),
        )
    if record.status != organisation.status:
        services.set_status(user, organisation, record.status)
    return organisation


def import_organisations(
    user: Any,
    content: bytes,
    *,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import organisations (with their headquarters and codes) from a CSV or XLSX file.

    Every row is checked first. Without ``skip_bad_rows`` one bad row means
    nothing is written; with it, the good rows are written and the bad ones
    reported. All writing happens in one transaction. Facilitators only.
    """
    ensure_can_import(user)
    result = ImportResult(dry_run=dry_run, skip_bad_rows=skip_bad_rows)
    cells = read_rows(
        result, content, import_rows.normalise_column_name, import_rows.check_columns, COLUMN_NAMES
    )
    if cells is None:
        return result

    parsed = import_rows.parse_rows(cells, known_values())
    result.rows_read = parsed.rows_read
    problems = list(parsed.problems)
    good: list[OrganisationRecord] = []
    for done, record in enumerate(parsed.records, start=1):
        record_problems = _model_problems(record) or _database_problems(record)
        problems.extend(record_problems)
        if not record_problems:
            good.append(record)
        if progress:
            progress("check", done, len(parsed.records))
    municipalities = {
        m.istat_code: m
        for m in Municipality.objects.filter(istat_code__in={r.municipality for r in good})
    }
    result.errors = sorted_errors(problems)
    result.organisations = [_plan(record, municipalities) for record in good]
    if dry_run or (problems and not skip_bad_rows):
        return result

    codes = _codes_for(good)
    created: list[PlannedOrganisation] = []
    late: list[RowProblem] = []
    with transaction.atomic():
        for done, record in enumerate(good, start=1):
            try:
                # A savepoint per row: a row failing here (another user just created the
                # same organisation) is rolled back alone and reported.
                with transaction.atomic():
                    organisation = _write_record(user, record, codes, municipalities)
            except ValidationError as exc:
                late.extend(
                    RowProblem(record.row, name if name in COLUMN_NAMES else "", message)
                    for name, messages in exc.message_dict.items()
                    for message in messages
                )
            else:
                created.append(_plan(record, municipalities, organisation.slug))
            if progress:
                progress("write", done, len(good))
        if late and not skip_bad_rows:
            transaction.set_rollback(True)
    if late:
        result.errors = sorted_errors([*problems, *late])
    if late and not skip_bad_rows:
        result.organisations = [
            p for p in result.organisations if p.row not in {e.row for e in late}
        ]
        return result
    result.organisations = created
    result.written = True
    return result


# --- exporting -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """An export ready to send or save."""

    content: bytes
    content_type: str
    filename: str
    count: int  # organisations in the file


def _name_order(organisation: Organisation) -> tuple[str, str, int]:
    """Alphabetical ignoring case and accents (Ärzte between Alpha and Beta), the same on
    every database, whatever its collation."""
    decomposed = unicodedata.normalize("NFKD", organisation.name)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return folded, organisation.name, organisation.pk


def export_records(user: Any) -> list[dict[str, Any]]:
    """The organisations ``user`` may see, by name, as dicts in the import's column layout.

    By name means alphabetically, ignoring case and accents, the same on every database.

    Years are int or None, codes lists (in each taxonomy's order); the
    municipality and address are those of the headquarters (else the first site).
    """
    organisations = (
        rules.visible_organisations(user)
        # One Prefetch per call: django-stubs cannot type two of different models in one.
        .prefetch_related(Prefetch("codes", queryset=Code.objects.select_related("taxonomy")))
        .prefetch_related(
            Prefetch(
                "sites",
                queryset=Site.objects.select_related("municipality").order_by(
                    "-is_headquarters", "pk"
                ),
            )
        )
    )
    by_taxonomy = {taxonomy: column for column, taxonomy in CODE_COLUMNS.items()}
    records = []
    for organisation in sorted(organisations, key=_name_order):
        record: dict[str, Any] = {}
        for name in import_rows.TEXT_FIELDS:
            record[name] = getattr(organisation, name) or ""
        for name in import_rows.YEAR_FIELDS:
            record[name] = getattr(organisation, name)
        sites = list(organisation.sites.all())
        record["municipality"] = sites[0].municipality.istat_code if sites else ""
        record["address"] = sites[0].address if sites else ""
        record["status"] = organisation.status
        for column in CODE_COLUMNS:
            record[column] = []
        for code in sorted(organisation.codes.all(), key=lambda c: (c.sort_order, c.code)):
            code_column = by_taxonomy.get(code.taxonomy.slug)
            if code_column:
                record[code_column].append(code.code)
        records.append({name: record[name] for name in COLUMN_NAMES})
    return records


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return import_rows.CODE_SEPARATOR.join(value)
    return value


def export_organisations(user: Any, file_format: str) -> ExportFile:
    """The directory as ``user`` may see it, as CSV, XLSX or JSON (anyone may export)."""
    if file_format not in EXPORT_FORMATS:
        raise ValidationError(
            {
                "format": _('Unknown export format "%(format)s"; use csv, xlsx or json.')
                % {"format": file_format}
            }
        )
    records = export_records(user)
    stem = f"organisations-{timezone.localdate().isoformat()}"
    if file_format == "json":
        content = json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        return ExportFile(content, "application/json", f"{stem}.json", len(records))
    rows = [[_cell(record[name]) for name in COLUMN_NAMES] for record in records]
    if file_format == "xlsx":
        content = tabular.write_xlsx(COLUMN_NAMES, rows, title="organisations")
        return ExportFile(content, tabular.XLSX_CONTENT_TYPE, f"{stem}.xlsx", len(records))
    text_rows = [[str(cell) for cell in row] for row in rows]
    content = tabular.write_csv(COLUMN_NAMES, text_rows)
    return ExportFile(content, tabular.CSV_CONTENT_TYPE, f"{stem}.csv", len(records))
