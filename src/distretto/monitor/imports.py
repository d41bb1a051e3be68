"""Import of indicator values (observations): the service behind the page and the CLI.

``import_observations`` reads a CSV or XLSX file, checks every row (the pure
rules are in ``domain/rows.py``: the indicator and its unit, the territory and
its code, the period, the number, the source, duplicates), and writes the good
rows in one transaction: all or nothing, unless the user chose to skip bad
rows. A dry run runs every check and writes nothing. It works like the
organisation and tie imports of the registry and shares their helpers.

Nothing is ever overwritten. A value for a point (indicator, territory, period)
that another source states differently is kept beside it, and both are flagged;
the result lists these conflicts. The same source again with the same value is
skipped and reported as already there; with another value it is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from distretto.accounts import audit
from distretto.accounts.roles import is_facilitator
from distretto.monitor.domain import rows as observation_rows
from distretto.monitor.domain.rows import (
    COLUMN_NAMES,
    NUTS_TAXONOMY,
    Conflict,
    KnownIndicator,
    KnownObservationValues,
    ObservationRecord,
    PointKey,
    StoredValue,
    format_number,
    source_key,
)
from distretto.monitor.enums import TerritoryKind, Unit
from distretto.monitor.models import Indicator, Observation
from distretto.registry.domain.import_rows import RowProblem
from distretto.registry.domain.validation import N_
from distretto.registry.imports import (
    ImportOutcome,
    RowError,
    read_rows,
    sorted_errors,
    translate_problem,
)
from distretto.registry.models import District
from distretto.taxonomy.models import Code, Municipality

# progress(phase, done, total); phase is "check" or "write".
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PlannedObservation:
    """A value the import writes (or, in a dry run, would write)."""

    row: int
    indicator: str  # the indicator's name in the user's language
    indicator_slug: str
    territory_kind: str
    territory_code: str
    territory: str  # as people read it: "Mirandola (036022)", "MO", "Emilia-Romagna (ITH5)"
    period: str
    value: str  # as the file would write it: 131, 2.5
    unit: str
    unit_label: str
    source: str
    flagged: bool = False


@dataclass(frozen=True)
class ObservationConflict:
    """A value kept side by side with another source's different value (both flagged)."""

    row: int
    indicator: str
    territory: str
    period: str
    source: str
    value: str
    other_source: str
    other_value: str
    other_row: int | None  # the row of the file, or None: the other value is stored already
    message: str  # in the user's language


@dataclass
class ObservationImportResult(ImportOutcome):
    """What an import of indicator values did, or in a dry run would do."""

    observations: list[PlannedObservation] = field(default_factory=list)
    conflicts: list[ObservationConflict] = field(default_factory=list)
    already_there: list[RowError] = field(default_factory=list)  # rows skipped, not errors


# --- who may import -----------------------------------------------------------------------


def can_import_observations(user: Any) -> bool:
    """Importing writes indicator values in bulk: facilitators only (the CLI acts as one)."""
    return is_facilitator(user)


def ensure_can_import_observations(user: Any) -> None:
    """Raise PermissionDenied unless ``user`` may import indicator values."""
    if not can_import_observations(user):
        raise PermissionDenied(_("Only facilitators may import indicator values."))


# --- what the database knows --------------------------------------------------------------


def known_observation_values(slugs: Sequence[str] = ()) -> KnownObservationValues:
    """What the database knows, as plain values; the stored values only of the
    indicators named by ``slugs`` (those of the file)."""
    indicators = tuple(
        KnownIndicator(
            indicator.pk, indicator.slug, str(indicator), indicator.unit, indicator.computed
        )
        for indicator in Indicator.objects.order_by("pk")
    )
    nuts = {code.code: code.label for code in Code.objects.filter(taxonomy__slug=NUTS_TAXONOMY)}
    municipalities = Municipality.objects.values_list("istat_code", "name", "province")
    territories: dict[str, dict[str, str]] = {
        TerritoryKind.DISTRICT: {d.slug: str(d) for d in District.objects.all()},
        TerritoryKind.MUNICIPALITY: {code: name for code, name, _province in municipalities},
        TerritoryKind.PROVINCE: {province: "" for _code, _name, province in municipalities},
        TerritoryKind.NUTS: nuts,
        TerritoryKind.COUNTRY: {
            country: nuts.get(country, "")
            for country in observation_rows.country_codes(sorted(nuts))
        },
    }
    wanted = {slug.strip().casefold() for slug in slugs}
    keys = [i.key for i in indicators if i.slug.casefold() in wanted]
    existing: dict[PointKey, list[StoredValue]] = {}
    stored = Observation.objects.filter(indicator_id__in=keys).values_list(
        "indicator_id", "territory_kind", "territory_code", "period", "source", "value"
    )
    for key, kind, code, period, source, value in stored.order_by("pk"):
        existing.setdefault((key, kind, code, period), []).append(StoredValue(source, value))
    return KnownObservationValues(
        indicators=indicators,
        units=tuple(Unit.values),
        territories=territories,
        existing=existing,
    )


# --- planning and writing -----------------------------------------------------------------


def _territory(kind: str, code: str, known: KnownObservationValues) -> str:
    name = known.territories.get(kind, {}).get(code, "")
    return f"{name} ({code})" if name and name != code else code


def _plan(record: ObservationRecord, known: KnownObservationValues) -> PlannedObservation:
    return PlannedObservation(
        row=record.row,
        indicator=record.indicator.name,
        indicator_slug=record.indicator.slug,
        territory_kind=record.territory_kind,
        territory_code=record.territory_code,
        territory=_territory(record.territory_kind, record.territory_code, known),
        period=record.period,
        value=format_number(record.value),
        unit=record.unit,
        unit_label=str(Unit(record.unit).label),
        source=record.source,
        flagged=record.flagged,
    )


def _conflict(
    conflict: Conflict, records: dict[int, ObservationRecord], known: KnownObservationValues
) -> ObservationConflict:
    record = records[conflict.row]
    return ObservationConflict(
        row=conflict.row,
        indicator=record.indicator.name,
        territory=_territory(record.territory_kind, record.territory_code, known),
        period=record.period,
        source=conflict.source,
        value=format_number(conflict.value),
        other_source=conflict.other_source,
        other_value=format_number(conflict.other_value),
        other_row=conflict.other_row,
        message=translate_problem(conflict.problem()).message,
    )


@dataclass(frozen=True)
class _Written:
    """What writing one record did: created it (flagging others), or found it there."""

    observation: Observation | None = None
    note: RowProblem | None = None  # already there
    problem: RowProblem | None = None  # the same source states another value by now


def _write(user: Any, record: ObservationRecord) -> _Written:
    """Write ``record`` beside the values already stored for its point, flagging the
    other sources' different values; never change a stored value."""
    same_point = list(
        Observation.objects.select_for_update().filter(
            indicator_id=record.indicator.key,
            territory_kind=record.territory_kind,
            territory_code=record.territory_code,
            period=record.period,
        )
    )
    mine = [o for o in same_point if source_key(o.source) == source_key(record.source)]
    if mine:  # another import, or the back office, added it since the check
        stored = StoredValue(mine[0].source, mine[0].value)
        if stored.value == record.value:
            return _Written(note=observation_rows.already_there_note(record, stored))
        return _Written(problem=observation_rows.same_source_problem(record, stored))
    others = [o for o in same_point if o.value != record.value]
    observation = Observation(
        indicator_id=record.indicator.key,
        territory_kind=record.territory_kind,
        territory_code=record.territory_code,
        period=record.period,
        period_start=record.period_start,
        value=record.value,
        change_percent=record.change_percent,
        source=record.source,
        source_url=record.source_url,
        licence=record.licence,
        notes=record.notes,
        flagged=bool(others),
        created_by=user if getattr(user, "pk", None) else None,
    )
    observation.full_clean()
    observation.save()
    unflagged = [o.pk for o in others if not o.flagged]
    if unflagged:
        audit.update_recorded(Observation.objects.filter(pk__in=unflagged), flagged=True)
    return _Written(observation=observation)


def _late_problems(
    record: ObservationRecord, exc: ValidationError | IntegrityError
) -> list[RowProblem]:
    if isinstance(exc, IntegrityError):
        # A constraint of the table failed although the checks passed: say which.
        message = N_("This value could not be saved: %(reason)s")
        return [RowProblem(record.row, "", message, (("reason", str(exc)),))]
    return [
        RowProblem(record.row, name if name in COLUMN_NAMES else "", text)
        for name, messages in exc.message_dict.items()
        for text in messages
    ]


def import_observations(
    user: Any,
    content: bytes,
    *,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    progress: ProgressCallback | None = None,
) -> ObservationImportResult:
    """Import indicator values from a CSV or XLSX file.

    Every row is checked first. Without ``skip_bad_rows`` one bad row means
    nothing is written; with it, the good rows are written and the bad ones
    reported. All writing happens in one transaction, a savepoint per row.
    Facilitators only.
    """
    ensure_can_import_observations(user)
    result = ObservationImportResult(dry_run=dry_run, skip_bad_rows=skip_bad_rows)
    cells = read_rows(
        result,
        content,
        observation_rows.normalise_header_name,
        observation_rows.check_columns,
        COLUMN_NAMES,
    )
    if cells is None:
        return result
    known = known_observation_values([row.get("indicator") or "" for row in cells])
    parsed = observation_rows.parse_rows(cells, known)
    if progress:
        progress("check", parsed.rows_read, parsed.rows_read)
    result.rows_read = parsed.rows_read
    problems = list(parsed.problems)
    good = list(parsed.records)
    by_row = {record.row: record for record in good}
    result.errors = sorted_errors(problems, COLUMN_NAMES)
    result.already_there = sorted_errors(parsed.already_there, COLUMN_NAMES)
    result.conflicts = [_conflict(conflict, by_row, known) for conflict in parsed.conflicts]
    result.observations = [_plan(record, known) for record in good]
    if dry_run or (problems and not skip_bad_rows):
        return result

    created: list[PlannedObservation] = []
    late: list[RowProblem] = []
    late_notes: list[RowProblem] = []
    with transaction.atomic():
        for done, record in enumerate(good, start=1):
            try:
                # A savepoint per row: a row failing here (someone just stored the same
                # source's value) is rolled back alone and reported.
                with transaction.atomic():
                    written = _write(user, record)
            except (ValidationError, IntegrityError) as exc:
                late.extend(_late_problems(record, exc))
            else:
                if written.problem is not None:
                    late.append(written.problem)
                elif written.note is not None:
                    late_notes.append(written.note)
                else:
                    flagged = bool(written.observation and written.observation.flagged)
                    planned = _plan(record, known)
                    created.append(replace(planned, flagged=flagged))
            if progress:
                progress("write", done, len(good))
        if late and not skip_bad_rows:
            transaction.set_rollback(True)
    if late:
        result.errors = sorted_errors([*problems, *late], COLUMN_NAMES)
    if late and not skip_bad_rows:
        late_rows = {problem.row for problem in late}
        result.observations = [p for p in result.observations if p.row not in late_rows]
        return result
    if late_notes:
        result.already_there = sorted_errors([*parsed.already_there, *late_notes], COLUMN_NAMES)
    written_rows = {planned.row for planned in created}
    result.conflicts = [c for c in result.conflicts if c.row in written_rows]
    result.observations = created
    result.written = True
    return result
