"""Taxonomy actions. One function per user action, taking the acting user explicitly.

``import_emdn`` loads the official EMDN file: the file is checked in full
(``domain/emdn.py``) and, when it has no problem, upserted into the ``emdn``
taxonomy in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

# The one role question, from the leaf module every app asks it of (no models imported).
from distretto.accounts.roles import is_facilitator
from distretto.taxonomy.domain import emdn
from distretto.taxonomy.models import Code, Taxonomy

EMDN_SLUG = "emdn"
BULK_BATCH = 1000

# progress(done, total)
ProgressCallback = Callable[[int, int], None]

# The taxonomy as created when the file is loaded into a database that lacks it;
# the same names and flags as the excerpt shipped in taxonomy/data/emdn.yaml.
EMDN_TAXONOMY = {
    "name_it": "EMDN – Nomenclatura europea dei dispositivi medici",
    "name_en": "EMDN – European Medical Device Nomenclature",
    "description_it": (
        "La nomenclatura europea dei dispositivi medici (EMDN), derivata dalla "
        "Classificazione Nazionale dei Dispositivi medici (CND)."
    ),
    "description_en": (
        "The European Medical Device Nomenclature (EMDN), derived from the Italian "
        "national classification of medical devices (CND)."
    ),
    "hierarchical": True,
    "is_filter": False,
    "sort_order": 50,
}


@dataclass(frozen=True)
class LineError:
    """A problem of the file, in the user's language: line (None: whole file), column, message."""

    line: int | None
    column: str
    message: str


@dataclass
class EmdnImportResult:
    """What loading an EMDN file did (or, in a dry run, would do)."""

    dry_run: bool
    title: str = ""
    terms: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)
    written: bool = False


def can_import_taxonomies(user: Any) -> bool:
    """Standard code lists are district-wide reference data: facilitators only."""
    return is_facilitator(user)


def _translate(problem: emdn.LineProblem) -> LineError:
    message = _(problem.message)
    params = problem.params_dict()
    return LineError(problem.line, problem.column, message % params if params else message)


def _decode(content: bytes) -> str | None:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _stored_codes(taxonomy: Taxonomy | None) -> dict[str, emdn.StoredCode]:
    if taxonomy is None:
        return {}
    rows = Code.objects.filter(taxonomy=taxonomy).values_list(
        "code", "label_it", "label_en", "parent__code", "level", "sort_order"
    )
    return {row[0]: emdn.StoredCode(*row) for row in rows}


def import_emdn(
    user: Any,
    content: bytes,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> EmdnImportResult:
    """Load the official EMDN file into the ``emdn`` taxonomy (created if missing).

    A file with any problem loads nothing. Codes are created or updated (English
    label = the term; Italian labels someone wrote are kept, else the term); codes
    not in the file stay. Loading the same file twice changes nothing.
    """
    if not can_import_taxonomies(user):
        raise PermissionDenied(_("Only facilitators may load taxonomies."))
    result = EmdnImportResult(dry_run=dry_run)
    text = _decode(content)
    if text is None:
        result.errors = [LineError(None, "", _("The file is not UTF-8 text."))]
        return result
    parsed = emdn.parse_emdn(text)
    result.title = parsed.title
    result.terms = len(parsed.terms)
    if parsed.problems:
        result.errors = [_translate(problem) for problem in parsed.problems]
        return result

    with transaction.atomic():
        taxonomy = Taxonomy.objects.select_for_update().filter(slug=EMDN_SLUG).first()
        plan = emdn.plan_upsert(parsed.terms, _stored_codes(taxonomy))
        result.created, result.updated, result.unchanged = (
            len(plan.create),
            len(plan.update),
            plan.unchanged,
        )
        if dry_run:
            return result
        source = f"{parsed.title or 'EMDN'}, European Commission."
        if taxonomy is None:
            taxonomy = Taxonomy.objects.create(slug=EMDN_SLUG, source=source, **EMDN_TAXONOMY)
        _write(taxonomy, plan, source, progress)
    result.written = True
    return result


def _write(
    taxonomy: Taxonomy, plan: emdn.EmdnPlan, source: str, progress: ProgressCallback | None
) -> None:
    """Create (parents first, level by level) and update codes in bulk."""
    ids = dict(Code.objects.filter(taxonomy=taxonomy).values_list("code", "pk"))
    total = len(plan.create) + len(plan.update)
    done = 0
    levels = sorted({c.level for c in plan.create})
    for level in levels:
        batch = [c for c in plan.create if c.level == level]
        created = Code.objects.bulk_create(
            [
                Code(
                    taxonomy=taxonomy,
                    code=c.code,
                    label_it=c.label_it,
                    label_en=c.label_en,
                    parent_id=ids[c.parent] if c.parent else None,
                    level=c.level,
                    sort_order=c.sort_order,
                    source=source,
                )
                for c in batch
            ],
            batch_size=BULK_BATCH,
        )
        if any(code.pk is None for code in created):
            # A backend that does not return keys from bulk inserts: read them back.
            ids.update(
                Code.objects.filter(taxonomy=taxonomy, level=level).values_list("code", "pk")
            )
        else:
            ids.update((code.code, code.pk) for code in created)
        done += len(batch)
        if progress:
            progress(done, total)
    if plan.update:
        wanted = {c.code: c for c in plan.update}
        codes = list(Code.objects.filter(taxonomy=taxonomy, code__in=list(wanted)))
        for code in codes:
            change = wanted[code.code]
            code.label_it = change.label_it
            code.label_en = change.label_en
            code.parent_id = ids[change.parent] if change.parent else None
            code.level = change.level
            code.sort_order = change.sort_order
            code.source = code.source or source
        for start in range(0, len(codes), BULK_BATCH):
            chunk = codes[start : start + BULK_BATCH]
            Code.objects.bulk_update(
                chunk, ["label_it", "label_en", "parent", "level", "sort_order", "source"]
            )
            done += len(chunk)
            if progress:
                progress(done, total)
