"""Load the code lists and municipalities that ship with Distretto.

The data lives in ``taxonomy/data/``: one YAML file per taxonomy (its name,
flags and codes; hierarchical codes nest under ``children``), plus
``municipalities.yaml``. A taxonomy file may instead name ``codes_from`` a
Python package (ATECO comes from the ``ateco`` package, read at load time).

Loading is an upsert by natural key (taxonomy slug, taxonomy and code, ISTAT
code): what is missing is created, what differs from the file is updated, the
rest is left alone, so loading twice changes nothing. Codes are never deleted:
organisations may carry them. A file marked ``excerpt: true`` ships a few codes
of a standard loaded in full by its own importer (EMDN): its codes are created
when missing and never updated, so the official file always wins.

Nothing here commits on its own: callers run it inside their transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from django.apps import apps
from django.db import models, transaction
from django.utils.translation import gettext as _

from distretto.bilingual import active_language
from distretto.taxonomy.models import Code, Municipality, Taxonomy

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_FILE = "municipalities.yaml"

# progress(what is being loaded, steps done, steps in all)
Progress = Callable[[str, int, int], None]

TAXONOMY_FIELDS = (
    "name_it",
    "name_en",
    "description_it",
    "description_en",
    "hierarchical",
    "is_filter",
    "sort_order",
    "source",
)
TAXONOMY_KEYS = {"slug", "codes", "codes_from", "excerpt", *TAXONOMY_FIELDS}
CODE_KEYS = {"code", "label_it", "label_en", "source", "children"}
CODE_FIELDS = ("label_it", "label_en", "parent_id", "level", "sort_order", "source")
MUNICIPALITY_KEYS = {"istat_code", "name", "province", "nuts3", "latitude", "longitude", "source"}
MUNICIPALITY_FIELDS = ("name", "province", "nuts3", "latitude", "longitude", "source")
BULK_BATCH = 500


# --- the report every loader returns ----------------------------------------------


@dataclass
class Tally:
    """What happened to the records of one table.

    ``kept``: records that exist with the same key but differ from the data
    shipped; they were left as they are (someone edited them).
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0


@dataclass
class LoadReport:
    """Counts of created, updated, unchanged and kept records, per table."""

    tallies: dict[str, Tally] = field(default_factory=dict)

    def add(self, model: type[models.Model], outcome: str, n: int = 1) -> None:
        """Count ``n`` records of ``model`` with ``outcome`` (created/updated/unchanged/kept)."""
        tally = self.tallies.setdefault(model._meta.label, Tally())
        setattr(tally, outcome, getattr(tally, outcome) + n)

    def merge(self, other: LoadReport) -> None:
        """Add the counts of ``other`` to this report."""
        for label, theirs in other.tallies.items():
            mine = self.tallies.setdefault(label, Tally())
            for outcome in ("created", "updated", "unchanged", "kept"):
                setattr(mine, outcome, getattr(mine, outcome) + getattr(theirs, outcome))

    def total(self, outcome: str) -> int:
        return sum(getattr(tally, outcome) for tally in self.tallies.values())

    @property
    def created(self) -> int:
        return self.total("created")

    @property
    def updated(self) -> int:
        return self.total("updated")

    @property
    def unchanged(self) -> int:
        return self.total("unchanged")

    @property
    def kept(self) -> int:
        return self.total("kept")

    @property
    def changed_nothing(self) -> bool:
        return self.created == 0 and self.updated == 0

    def rows(self) -> list[tuple[str, Tally]]:
        """(table name in the active language, tally) in loading order."""
        return [
            (str(apps.get_model(label)._meta.verbose_name_plural), tally)
            for label, tally in self.tallies.items()
        ]

    def __str__(self) -> str:
        text = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.kept:
            text += ", " + _("%(kept)d kept as edited") % {"kept": self.kept}
        return text


class TaxonomyDataError(ValueError):
    """A taxonomy or municipality file that cannot be loaded; says which file and what."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


# --- reading the files ---------------------------------------------------------------


@dataclass(frozen=True)
class CodeRow:
    code: str
    label_it: str
    label_en: str
    parent: str
    level: int
    sort_order: int
    source: str


@dataclass(frozen=True)
class TaxonomyFile:
    slug: str
    fields: dict[str, Any]
    excerpt: bool
    codes: tuple[CodeRow, ...]


def taxonomy_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The taxonomy files shipped, in name order (the municipality file is not one)."""
    return sorted(p for p in data_dir.glob("*.yaml") if p.name != MUNICIPALITIES_FILE)


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TaxonomyDataError(path.name, "the file must hold a mapping")
    return data


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _walk_codes(
    file: str, items: Any, parent: str, level: int, hierarchical: bool
) -> Iterator[tuple[dict[str, Any], str, int]]:
    if not isinstance(items, list):
        raise TaxonomyDataError(file, "'codes' and 'children' must be lists")
    for item in items:
        if not isinstance(item, dict):
            raise TaxonomyDataError(file, f"a code must be a mapping, not {item!r}")
        unknown = set(item) - CODE_KEYS
        if unknown:
            raise TaxonomyDataError(
                file, f"code {item.get('code')!r}: unknown keys {sorted(unknown)}"
            )
        yield item, parent, level
        if "children" in item:
            if not hierarchical:
                raise TaxonomyDataError(file, "children in a taxonomy that is not hierarchical")
            yield from _walk_codes(file, item["children"], _text(item["code"]), level + 1, True)


def ateco_rows(edition: str, source: str) -> tuple[CodeRow, ...]:
    """The codes of one ATECO edition from the ``ateco`` package (Italian titles, no English)."""
    payload = json.loads(
        resources.files("ateco").joinpath("data", edition, "nodes.json").read_text(encoding="utf-8")
    )
    nodes = payload["nodes"]
    level: dict[str, int] = {}
    rows = []
    # The package lists every parent before its children.
    for order, node in enumerate(nodes):
        parent = node.get("parent") or ""
        level[node["code"]] = level[parent] + 1 if parent else 1
        rows.append(
            CodeRow(
                code=node["code"],
                label_it=node["title"].strip(),
                label_en="",
                parent=parent,
                level=level[node["code"]],
                sort_order=order,
                source=source,
            )
        )
    return tuple(rows)


def read_taxonomy_file(path: Path) -> TaxonomyFile:
    """Read and check one taxonomy file; raises TaxonomyDataError naming what is wrong."""
    data = _read_yaml(path)
    unknown = set(data) - TAXONOMY_KEYS
    if unknown:
        raise TaxonomyDataError(path.name, f"unknown keys {sorted(unknown)}")
    slug = _text(data.get("slug"))
    if not slug or not _text(data.get("name_it")) or not _text(data.get("name_en")):
        raise TaxonomyDataError(path.name, "slug, name_it and name_en are required")
    fields: dict[str, Any] = {
        "name_it": _text(data["name_it"]),
        "name_en": _text(data["name_en"]),
        "description_it": _text(data.get("description_it")),
        "description_en": _text(data.get("description_en")),
        "hierarchical": bool(data.get("hierarchical", False)),
        "is_filter": bool(data.get("is_filter", False)),
        "sort_order": int(data.get("sort_order", 100)),
        "source": _text(data.get("source")),
    }
    if not fields["source"]:
        raise TaxonomyDataError(path.name, "source is required")
    if "codes_from" in data:
        spec = data["codes_from"] or {}
        if spec.get("package") != "ateco":
            raise TaxonomyDataError(path.name, "codes_from supports the 'ateco' package only")
        rows = ateco_rows(_text(spec.get("edition")), fields["source"])
    else:
        rows = tuple(_code_rows(path.name, data.get("codes") or [], fields))
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            raise TaxonomyDataError(path.name, f"code {row.code!r} appears twice")
        seen.add(row.code)
    return TaxonomyFile(slug=slug, fields=fields, excerpt=bool(data.get("excerpt")), codes=rows)


def _code_rows(file: str, items: Any, fields: Mapping[str, Any]) -> Iterator[CodeRow]:
    for order, (item, parent, level) in enumerate(
        _walk_codes(file, items, "", 1, fields["hierarchical"])
    ):
        row = CodeRow(
            code=_text(item.get("code")),
            label_it=_text(item.get("label_it")),
            label_en=_text(item.get("label_en")),
            parent=parent,
            level=level,
            sort_order=order,
            source=_text(item.get("source")) or fields["source"],
        )
        if not row.code or not row.label_it or not row.label_en:
            raise TaxonomyDataError(
                file, f"code {row.code!r}: code, label_it and label_en are required"
            )
        yield row


def read_municipalities(path: Path) -> list[dict[str, Any]]:
    """Read and check the municipality file: a default ``source`` and a list of municipalities."""
    data = _read_yaml(path)
    default_source = _text(data.get("source"))
    rows = []
    seen: set[str] = set()
    for item in data.get("municipalities") or []:
        unknown = set(item) - MUNICIPALITY_KEYS
        code = _text(item.get("istat_code"))
        if unknown:
            raise TaxonomyDataError(
                path.name, f"municipality {code!r}: unknown keys {sorted(unknown)}"
            )
        if len(code) != 6 or not code.isdigit():
            raise TaxonomyDataError(
                path.name, f"ISTAT code {item.get('istat_code')!r} must be six digits, in quotes"
            )
        if code in seen:
            raise TaxonomyDataError(path.name, f"ISTAT code {code} appears twice")
        seen.add(code)
        try:
            latitude = Decimal(_text(item.get("latitude")))
            longitude = Decimal(_text(item.get("longitude")))
        except InvalidOperation as exc:
            raise TaxonomyDataError(path.name, f"municipality {code}: bad coordinates") from exc
        rows.append(
            {
                "istat_code": code,
                "name": _text(item.get("name")),
                "province": _text(item.get("province")),
                "nuts3": _text(item.get("nuts3")),
                "latitude": latitude,
                "longitude": longitude,
                "source": _text(item.get("source")) or default_source,
            }
        )
    return rows


# --- writing -------------------------------------------------------------------------


def _differs(instance: models.Model, values: Mapping[str, Any]) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


def _load_taxonomy(spec: TaxonomyFile, report: LoadReport) -> None:
    taxonomy = Taxonomy.objects.filter(slug=spec.slug).first()
    if taxonomy is None:
        taxonomy = Taxonomy.objects.create(slug=spec.slug, **spec.fields)
        report.add(Taxonomy, "created")
    elif spec.excerpt or not _differs(taxonomy, spec.fields):
        report.add(Taxonomy, "unchanged")
    else:
        for name, value in spec.fields.items():
            setattr(taxonomy, name, value)
        taxonomy.save()
        report.add(Taxonomy, "updated")

    existing = {code.code: code for code in Code.objects.filter(taxonomy=taxonomy)}
    pk_by_code = {code: obj.pk for code, obj in existing.items()}
    new_by_level: dict[int, list[CodeRow]] = defaultdict(list)
    for row in spec.codes:
        if row.code not in existing:
            new_by_level[row.level].append(row)
    # Parents sit one level above their children: create level by level so that
    # each level can point at the one before.
    for level in sorted(new_by_level):
        rows = new_by_level[level]
        Code.objects.bulk_create(
            [
                Code(
                    taxonomy=taxonomy,
                    code=row.code,
                    label_it=row.label_it,
                    label_en=row.label_en,
                    parent_id=pk_by_code[row.parent] if row.parent else None,
                    level=row.level,
                    sort_order=row.sort_order,
                    source=row.source,
                )
                for row in rows
            ],
            batch_size=BULK_BATCH,
        )
        pk_by_code.update(
            Code.objects.filter(taxonomy=taxonomy, code__in=[row.code for row in rows]).values_list(
                "code", "pk"
            )
        )
        report.add(Code, "created", len(rows))

    changed = []
    for row in spec.codes:
        current = existing.get(row.code)
        if current is None:
            continue
        values = {
            "label_it": row.label_it,
            "label_en": row.label_en,
            "parent_id": pk_by_code[row.parent] if row.parent else None,
            "level": row.level,
            "sort_order": row.sort_order,
            "source": row.source,
        }
        if spec.excerpt or not _differs(current, values):
            report.add(Code, "unchanged")
            continue
        for name, value in values.items():
            setattr(current, name, value)
        changed.append(current)
    if changed:
        Code.objects.bulk_update(changed, list(CODE_FIELDS), batch_size=BULK_BATCH)
        report.add(Code, "updated", len(changed))


def _load_municipalities(rows: list[dict[str, Any]], report: LoadReport) -> None:
    existing = {m.istat_code: m for m in Municipality.objects.all()}
    new = []
    for row in rows:
        current = existing.get(row["istat_code"])
        values = {name: row[name] for name in MUNICIPALITY_FIELDS}
        if current is None:
            new.append(Municipality(istat_code=row["istat_code"], **values))
        elif _differs(current, values):
            for name, value in values.items():
                setattr(current, name, value)
            current.save()
            report.add(Municipality, "updated")
        else:
            report.add(Municipality, "unchanged")
    Municipality.objects.bulk_create(new, batch_size=BULK_BATCH)
    report.add(Municipality, "created", len(new))


def step_count(data_dir: Path = DATA_DIR) -> int:
    """How many progress steps ``load_taxonomies`` reports: one per file."""
    return len(taxonomy_files(data_dir)) + 1


@transaction.atomic
def load_taxonomies(*, progress: Progress | None = None, data_dir: Path = DATA_DIR) -> LoadReport:
    """Create or update every taxonomy, its codes, and the municipalities shipped in ``data_dir``.

    Idempotent: a second run reports only unchanged records. Every file is read
    and checked before anything is written, so a broken file saves nothing.
    """
    specs = [read_taxonomy_file(path) for path in taxonomy_files(data_dir)]
    municipalities = read_municipalities(data_dir / MUNICIPALITIES_FILE)
    total = len(specs) + 1
    report = LoadReport()
    for done, spec in enumerate(specs, start=1):
        _load_taxonomy(spec, report)
        if progress:
            progress(spec.fields[f"name_{active_language()}"], done, total)
    _load_municipalities(municipalities, report)
    if progress:
        progress(str(Municipality._meta.verbose_name_plural), total, total)
    return report
