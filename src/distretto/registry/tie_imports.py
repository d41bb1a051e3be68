"""Import of ties (the edges of the district network): the service behind the page and the CLI.

``import_ties`` reads a CSV or XLSX file, checks every row (the pure rules are in
``domain/tie_rows.py``: organisations named by address name, VAT number or
name, the type, the process step, the years, duplicates), and writes the good
rows in one transaction: all or nothing, unless the user chose to skip bad
rows. A dry run runs every check and writes nothing. It works like the
organisation import in ``imports.py`` and shares its helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator
from distretto.registry.domain import tie_rows
from distretto.registry.domain.import_rows import RowProblem
from distretto.registry.domain.tie_rows import (
    COLUMN_NAMES,
    PROCESS_STEP_TAXONOMY,
    KnownOrganisation,
    KnownTieValues,
    TieKey,
    TieRecord,
)
from distretto.registry.domain.validation import N_
from distretto.registry.enums import TieKind
from distretto.registry.imports import (
    ImportOutcome,
    read_rows,
    sorted_errors,
)
from distretto.registry.models import Organisation, Tie
from distretto.taxonomy.models import Code

# progress(phase, done, total); phase is "check" or "write".
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PlannedTie:
    """A tie the import creates (or, in a dry run, would create)."""

    row: int
    from_name: str
    to_name: str
    kind: str
    kind_label: str
    process_step: str = ""
    process_step_label: str = ""
    year_from: int | None = None
    year_to: int | None = None
    from_slug: str = ""
    to_slug: str = ""

    @property
    def years(self) -> str:
        """``2015–2020``, ``2015–`` (still on), ``–2020``, or empty."""
        if self.year_from is None and self.year_to is None:
            return ""
        return f"{self.year_from or ''}–{self.year_to or ''}"


@dataclass
class TieImportResult(ImportOutcome):
    """What a tie import did, or in a dry run would do."""

    ties: list[PlannedTie] = field(default_factory=list)


def can_import_ties(user: Any) -> bool:
    """Importing creates records in bulk: facilitators only (the CLI acts as one)."""
    return is_facilitator(user)


def ensure_can_import_ties(user: Any) -> None:
    """Raise PermissionDenied unless ``user`` may import ties."""
    if not can_import_ties(user):
        raise PermissionDenied(_("Only facilitators may import ties."))


def known_tie_values() -> KnownTieValues:
    """What the database knows, as the plain values the domain checks rows against."""
    organisations = tuple(
        KnownOrganisation(pk, slug, name, vat or "")
        for pk, slug, name, vat in Organisation.objects.order_by("pk").values_list(
            "pk", "slug", "name", "vat_number"
        )
    )
    existing: set[TieKey] = {
        (source, target, kind, step or "", year_from, year_to)
        for source, target, kind, step, year_from, year_to in Tie.objects.values_list(
            "from_organisation_id",
            "to_organisation_id",
            "kind",
            "process_step__code",
            "year_from",
            "year_to",
        )
    }
    steps = Code.objects.filter(taxonomy__slug=PROCESS_STEP_TAXONOMY).values_list("code", flat=True)
    return KnownTieValues(
        organisations=organisations,
        kinds=tuple(TieKind.values),
        process_steps=frozenset(steps),
        existing=frozenset(existing),
    )


def _process_steps(records: list[TieRecord]) -> dict[str, Code]:
    wanted = {record.process_step for record in records if record.process_step}
    if not wanted:
        return {}
    codes = Code.objects.filter(taxonomy__slug=PROCESS_STEP_TAXONOMY, code__in=sorted(wanted))
    return {code.code: code for code in codes}


def _plan(record: TieRecord, steps: dict[str, Code]) -> PlannedTie:
    step = steps.get(record.process_step)
    return PlannedTie(
        row=record.row,
        from_name=record.source.name,
        to_name=record.target.name,
        kind=record.kind,
        kind_label=str(TieKind(record.kind).label),
        process_step=record.process_step,
        process_step_label=step.label if step else "",
        year_from=record.year_from,
        year_to=record.year_to,
        from_slug=record.source.slug,
        to_slug=record.target.slug,
    )


# The model's field names as the file's column names, for the model's own messages.
_FIELD_COLUMNS = {
    "from_organisation": "source",
    "to_organisation": "target",
    "kind": "type",
    "source": "source_of_fact",
}


def _write(record: TieRecord, steps: dict[str, Code]) -> RowProblem | None:
    """Create the tie of ``record``; a problem instead if the database has it by now."""
    step = steps.get(record.process_step)
    same = Tie.objects.filter(
        from_organisation_id=record.source.key,
        to_organisation_id=record.target.key,
        kind=record.kind,
        process_step=step,
        year_from=record.year_from,
        year_to=record.year_to,
    )
    if same.exists():  # another import, or the back office, added it since the check
        return tie_rows.existing_tie_problem(record)
    tie = Tie(
        from_organisation_id=record.source.key,
        to_organisation_id=record.target.key,
        kind=record.kind,
        process_step=step,
        year_from=record.year_from,
        year_to=record.year_to,
        note_it=record.note_it,
        note_en=record.note_en,
        source=record.fact_source,
    )
    tie.full_clean()
    tie.save()
    return None


def _late_problems(record: TieRecord, exc: ValidationError | IntegrityError) -> list[RowProblem]:
    if isinstance(exc, IntegrityError):
        # A constraint of the table failed although the checks passed: say which.
        message = N_("This tie could not be saved: %(reason)s")
        return [RowProblem(record.row, "", message, (("reason", str(exc)),))]
    return [
        RowProblem(record.row, _FIELD_COLUMNS.get(name, name if name in COLUMN_NAMES else ""), text)
        for name, messages in exc.message_dict.items()
        for text in messages
    ]


def import_ties(
    user: Any,
    content: bytes,
    *,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    progress: ProgressCallback | None = None,
) -> TieImportResult:
    """Import ties between organisations already in the registry from a CSV or XLSX file.

    Every row is checked first. Without ``skip_bad_rows`` one bad row means
    nothing is written; with it, the good rows are written and the bad ones
    reported. All writing happens in one transaction. Facilitators only.
    """
    ensure_can_import_ties(user)
    result = TieImportResult(dry_run=dry_run, skip_bad_rows=skip_bad_rows)
    cells = read_rows(
        result, content, tie_rows.normalise_header_name, tie_rows.check_columns, COLUMN_NAMES
    )
    if cells is None:
        return result

    parsed = tie_rows.parse_rows(cells, known_tie_values())
    if progress:
        progress("check", parsed.rows_read, parsed.rows_read)
    result.rows_read = parsed.rows_read
    problems = list(parsed.problems)
    good = list(parsed.records)
    steps = _process_steps(good)
    result.errors = sorted_errors(problems, COLUMN_NAMES)
    result.ties = [_plan(record, steps) for record in good]
    if dry_run or (problems and not skip_bad_rows):
        return result

    created: list[PlannedTie] = []
    late: list[RowProblem] = []
    with transaction.atomic():
        for done, record in enumerate(good, start=1):
            try:
                # A savepoint per row: a row failing here (someone just added the same
                # tie, or deleted an organisation) is rolled back alone and reported.
                with transaction.atomic():
                    problem = _write(record, steps)
            except (ValidationError, IntegrityError) as exc:
                late.extend(_late_problems(record, exc))
            else:
                if problem is None:
                    created.append(_plan(record, steps))
                else:
                    late.append(problem)
            if progress:
                progress("write", done, len(good))
        if late and not skip_bad_rows:
            transaction.set_rollback(True)
    if late:
        result.errors = sorted_errors([*problems, *late], COLUMN_NAMES)
    if late and not skip_bad_rows:
        late_rows = {problem.row for problem in late}
        result.ties = [planned for planned in result.ties if planned.row not in late_rows]
        return result
    result.ties = created
    result.written = True
    return result
