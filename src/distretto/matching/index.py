"""The in-process search index over published organisations and cooperation profiles.

Each process keeps one index in memory, built from the database with a few bulk
``values_list`` queries (no model instances). Two version rows say when it is
stale (``IndexVersion``):

- ``search`` moves on every change a search could see (``signals.py``), which
  also notes the records it touched (``IndexChange``): the next search updates
  those records (``update_index``), or past a few, rebuilds the lexical part,
  the code postings and the filters (``build_index``), reading the stored
  embeddings; it never embeds in the request. A record whose text has no
  up-to-date embedding keeps its previous vector, or none (the lowest semantic
  score), and a background task (``tasks.py``) embeds it;
- ``search-vectors`` moves when that task stored new embeddings: the next
  search fills them in without rebuilding the rest.

The index also remembers the day it was built: a profile leaves the search the
day after its expiry date even when nothing else changed.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import chain
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, FloatField, Max
from django.db.models.functions import Cast
from django.utils import timezone
from numpy.typing import NDArray

from distretto.matching.domain.codes import CodeNode, rarity
from distretto.matching.domain.dense import centre_rows, similarities
from distretto.matching.domain.lexical import LexicalIndex
from distretto.matching.domain.text import Field, Tokenizer, stems
from distretto.matching.embedding import EMBEDDERS, Embedder, get_embedder
from distretto.matching.models import Embedding, IndexChange, IndexVersion
from distretto.opportunities.enums import ProfileStatus
from distretto.opportunities.models import CooperationProfile
from distretto.registry.enums import Status
from distretto.registry.models import Organisation, OrganisationFact, Site

logger = logging.getLogger(__name__)

VERSION_NAME = "search"
VECTORS_NAME = "search-vectors"
ORGANISATION = "organisation"
PROFILE = "profile"
RECORD_TYPES = (ORGANISATION, PROFILE)
# Change kinds beside the record types: an organisation with its profiles; everything.
OWNER = "owner"
ALL = "all"
# Up to this many changes since an index was built are taken in by updating the records
# they touched; more, and the index is built afresh.
INCREMENTAL_MAX = 1000
# Kept for callers of the first version: the record type of organisations.
RECORD_TYPE = ORGANISATION
EMBED_BATCH = 64
# Long descriptions are cut for the embedding: the model reads 512 tokens at most,
# and the first paragraphs say what an organisation does.
EMBED_MAX_CHARS = 1500
# How many of an organisation's first (non-empty) fields are embedded: its own words.
ORGANISATION_OWN_FIELDS = 6
PROFILE_OWN_FIELDS = 5
# ``record_id__in`` lists are cut to this size (SQLite limits a query's parameters).
ID_CHUNK = 500

# Embeddings of one model share a common direction (anisotropy) that makes every
# cosine high; subtracting the records' mean vector removes it. A mean of a few
# records is no estimate of that direction, so small indexes are left as they are.
CENTRE_MIN_RECORDS = 100

Progress = Callable[[str, int, int], None]
Key = tuple[str, int]


# --- the versions every process compares ---------------------------------------------


def bump_version(name: str = VERSION_NAME) -> str:
    """Mark every process's index stale (called on each change a search could see).

    Returns the new token.
    """
    token = uuid.uuid4().hex
    moved = IndexVersion.objects.filter(name=name).update(version=F("version") + 1, token=token)
    if not moved:
        try:
            with transaction.atomic():
                IndexVersion.objects.create(name=name, version=1, token=token)
        except IntegrityError:  # another process created it meanwhile
            return bump_version(name)
    return token


def current_tokens() -> tuple[str, str]:
    """The tokens of the data's and of the stored vectors' current state (one query).

    Random tokens, not the counters alone, because a rolled-back transaction
    returns a counter to a number a later, different state may reach again.
    """
    rows = dict(
        IndexVersion.objects.filter(name__in=(VERSION_NAME, VECTORS_NAME)).values_list(
            "name", "token"
        )
    )
    return rows.get(VERSION_NAME, ""), rows.get(VECTORS_NAME, "")


def current_token() -> str:
    """The token of the data's current state; each change gives a new random one."""
    return current_tokens()[0]


def today() -> date:
    return timezone.localdate()


def _public_profiles(day: date) -> Any:
    return CooperationProfile.objects.filter(status=ProfileStatus.PUBLISHED, expires_on__gte=day)


def fingerprint(day: date | None = None, token: str | None = None) -> str:
    """The token plus what bulk writes (which send no signals) change: counts and last updates.

    ``token``: the one read before the data (read now when not given).
    """
    day = day or today()
    token = current_token() if token is None else token
    orgs = Organisation.objects.filter(status=Status.PUBLISHED).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    profiles = _public_profiles(day).aggregate(n=Count("pk"), last=Max("updated_at"))
    return f"{token}|{orgs['n']}|{orgs['last']}|{profiles['n']}|{profiles['last']}|{day}"


# --- the records ---------------------------------------------------------------------


@dataclass(slots=True)
class IndexedRecord:
    """What the search needs of one organisation or cooperation profile.

    ``kind`` is the organisation's kind (a profile: its owner's), ``subtype`` the
    organisation's kind or the profile's type; ``owner_id`` is the owner
    organisation of a profile and the organisation itself otherwise.
    """

    type: str
    id: int
    name: str
    slug: str
    kind: str
    subtype: str
    owner_id: int
    owner_name: str
    summary_it: str
    summary_en: str
    municipalities: tuple[str, ...]
    code_ids: tuple[int, ...]
    # Its own text first (``own`` fields), then its sites' and facts'; without its codes'
    # labels, which ``full_fields`` puts in (kept once per code, not once per record).
    fields: list[Field]
    own: int = 0
    partner_kinds: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        return (self.type, self.id)


# The first version's name for a record.
IndexedOrganisation = IndexedRecord


@dataclass
class SearchIndex:
    """Everything a search reads, in memory; arrays follow ``records``' order."""

    fingerprint: str
    embedder: str
    records: list[IndexedRecord]
    lexical: LexicalIndex
    vectors: NDArray[np.float32]
    nodes: dict[int, CodeNode]
    children: dict[int, list[int]]
    postings: dict[int, NDArray[np.int64]]
    municipality_postings: dict[str, NDArray[np.int64]]
    kinds: NDArray[np.str_]
    site_points: NDArray[np.float64]
    site_owners: NDArray[np.int64]
    code_rarity: dict[int, float]
    label_stems: dict[int, list[list[str]]] = field(default_factory=dict)
    centre: NDArray[np.float32] | None = None
    code_ids: dict[str, dict[str, int]] = field(default_factory=dict)
    types: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype=np.str_))
    subtypes: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype=np.str_))
    owners: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Which rows of ``vectors`` hold an embedding (of the current text, or else a previous one).
    has_vector: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # Records whose current text has no stored embedding yet: position -> text hash.
    pending: dict[int, str] = field(default_factory=dict)
    vectors_token: str = ""
    built_on: date | None = None
    positions: dict[Key, int] = field(default_factory=dict)
    embedding_requested: bool = False
    # What it was assembled from, for an update of a few records (``update_index``).
    parts: _Parts | None = None

    @property
    def last_change(self) -> int:
        """The last ``IndexChange`` the index holds (0: unknown, a full build is needed)."""
        return self.parts.last_change if self.parts is not None else 0

    @property
    def size(self) -> int:
        return len(self.records)

    @property
    def organisations(self) -> list[IndexedRecord]:
        """The first version's name for ``records``."""
        return self.records

    @property
    def data_token(self) -> str:
        return self.fingerprint.split("|", 1)[0]

    def count(self, record_type: str) -> int:
        return int(np.count_nonzero(self.types == record_type)) if self.size else 0


def text_hash(embedder: str, text: str) -> str:
    return hashlib.sha256(f"{embedder}\n{text}".encode()).hexdigest()


def full_fields(record: IndexedRecord, nodes: dict[int, CodeNode]) -> list[Field]:
    """Every piece of a record's text the search reads: its own, its codes' labels, the rest."""
    return [
        *record.fields[: record.own],
        *_code_fields(record.code_ids, nodes),
        *record.fields[record.own :],
    ]


def embedding_text(record: IndexedRecord, nodes: dict[int, CodeNode]) -> str:
    """The passage embedded for a record: its first (own) words, each distinct text once."""
    first = ORGANISATION_OWN_FIELDS if record.type == ORGANISATION else PROFILE_OWN_FIELDS
    fields = record.fields[: record.own]
    if len(fields) < first:
        fields = full_fields(record, nodes)
    texts = [f.text.strip() for f in fields[:first] if f.text.strip()]
    return ". ".join(dict.fromkeys(texts))[:EMBED_MAX_CHARS]


def _code_nodes() -> tuple[dict[int, CodeNode], dict[int, list[int]]]:
    from distretto.taxonomy.models import Code

    nodes: dict[int, CodeNode] = {}
    children: dict[int, list[int]] = {}
    for pk, taxonomy, code, parent, label_it, label_en in Code.objects.values_list(
        "pk", "taxonomy__slug", "code", "parent_id", "label_it", "label_en"
    ).iterator(chunk_size=5000):
        nodes[pk] = CodeNode(pk, taxonomy, code, parent, label_it, label_en)
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    return nodes, children


@dataclass
class _Sites:
    """Every site, read once: what it gives the search of its organisation."""

    municipalities: dict[int, tuple[str, ...]]
    points: dict[int, list[tuple[float, float]]]
    fields: dict[int, list[Field]]


@dataclass(frozen=True)
class Only:
    """The records an incremental update reads again: organisations (``owners``: with their
    profiles) and profiles, by id."""

    organisations: frozenset[int] = frozenset()
    owners: frozenset[int] = frozenset()
    profiles: frozenset[int] = frozenset()


def _in_chunks(qs: Any, field_name: str, ids: Iterable[int] | None) -> Iterator[Any]:
    """``qs`` whole (``ids`` None), or filtered to ``ids`` a chunk at a time."""
    if ids is None:
        yield qs
        return
    listed = sorted(set(ids))
    for start in range(0, len(listed), ID_CHUNK):
        yield qs.filter(**{f"{field_name}__in": listed[start : start + ID_CHUNK]})


def _read_sites(organisations: Iterable[int] | None = None) -> _Sites:
    municipalities: dict[int, list[str]] = {}
    points: dict[int, list[tuple[float, float]]] = {}
    fields: dict[int, list[Field]] = {}
    # Read as floats by the database: no Decimal made and dropped per coordinate.
    rows = (
        Site.objects.order_by("organisation_id", "pk")
        .annotate(
            lat=Cast("latitude", FloatField()),
            lon=Cast("longitude", FloatField()),
            town_lat=Cast("municipality__latitude", FloatField()),
            town_lon=Cast("municipality__longitude", FloatField()),
        )
        .values_list(
            "organisation_id",
            "municipality__istat_code",
            "municipality__name",
            "lat",
            "lon",
            "town_lat",
            "town_lon",
            "activities_it",
            "activities_en",
        )
    )
    for owner, istat, place, lat, lon, town_lat, town_lon, act_it, act_en in (
        row
        for part in _in_chunks(rows, "organisation_id", organisations)
        for row in part.iterator(chunk_size=5000)
    ):
        places = municipalities.setdefault(owner, [])
        if istat not in places:
            places.append(istat)
        if lat is not None and lon is not None:
            points.setdefault(owner, []).append((lat, lon))
        else:
            points.setdefault(owner, []).append((town_lat, town_lon))
        own = fields.setdefault(owner, [])
        own.append(Field(place))
        if act_it:
            own.append(Field(act_it, "it"))
        if act_en:
            own.append(Field(act_en, "en"))
    return _Sites({k: tuple(v) for k, v in municipalities.items()}, points, fields)


def _read_codes(
    through: Any, owner_field: str, owners: Iterable[int] | None = None
) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    rows = through.objects.values_list(owner_field, "code_id")
    for part in _in_chunks(rows, owner_field, owners):
        for owner, code in part.iterator(chunk_size=10000):
            grouped.setdefault(owner, []).append(code)
    return grouped


def _code_fields(code_ids: Iterable[int], nodes: dict[int, CodeNode]) -> list[Field]:
    fields: list[Field] = []
    for code_id in code_ids:
        node = nodes.get(code_id)
        if node is not None:
            fields.extend(
                Field(label, language)
                for label, language in ((node.label_it, "it"), (node.label_en, "en"))
                if label
            )
    return fields


def _profile_rows(day: date, only: Only | None) -> list[tuple[Any, ...]]:
    rows = (
        _public_profiles(day)
        .order_by("pk")
        .values_list(
            "pk",
            "title",
            "profile_type",
            "summary",
            "description",
            "advantages",
            "partner_role",
            "language",
            "owner_id",
            "owner__name",
            "owner__kind",
            "partner_kinds",
        )
    )
    if only is None:
        return list(rows.iterator(chunk_size=2000))
    found = {row[0]: row for part in _in_chunks(rows, "pk", only.profiles) for row in part}
    found.update(
        (row[0], row) for part in _in_chunks(rows, "owner_id", only.owners) for row in part
    )
    return [found[pk] for pk in sorted(found)]


def read_records(
    nodes: dict[int, CodeNode], day: date, only: Only | None = None
) -> tuple[list[IndexedRecord], _Sites]:
    """The published organisations, then the public profiles, each with its text and codes.

    ``only``: just those records (an incremental update); the sites read are those
    of the organisations read and of the profiles' owners.
    """
    org_ids = None if only is None else only.organisations | only.owners
    profile_rows = _profile_rows(day, only)
    sites = _read_sites(None if org_ids is None else org_ids | {row[8] for row in profile_rows})
    org_codes = _read_codes(Organisation.codes.through, "organisation_id", org_ids)
    facts: dict[int, list[Field]] = {}
    fact_rows = OrganisationFact.objects.order_by(
        "organisation_id", "sort_order", "pk"
    ).values_list("organisation_id", "text_it", "text_en")
    for part in _in_chunks(fact_rows, "organisation_id", org_ids):
        for owner, text_it, text_en in part.iterator(chunk_size=5000):
            facts.setdefault(owner, []).extend((Field(text_it, "it"), Field(text_en, "en")))
    records: list[IndexedRecord] = []
    org_query = Organisation.objects.filter(status=Status.PUBLISHED).order_by("pk")
    org_rows = (
        row
        for part in _in_chunks(org_query, "pk", org_ids)
        for row in part.values_list(
            "pk",
            "name",
            "slug",
            "kind",
            "legal_name",
            "summary_it",
            "summary_en",
            "description_it",
            "description_en",
        ).iterator(chunk_size=5000)
    )
    for pk, name, slug, kind, legal, sum_it, sum_en, desc_it, desc_en in org_rows:
        codes = tuple(org_codes.get(pk, ()))
        own = [
            Field(text, language)
            for text, language in (
                (name, ""),
                (legal, ""),
                (sum_it, "it"),
                (sum_en, "en"),
                (desc_it, "it"),
                (desc_en, "en"),
            )
            if text
        ]
        rest = [f for f in (*sites.fields.get(pk, ()), *facts.get(pk, ())) if f.text]
        records.append(
            IndexedRecord(
                type=ORGANISATION,
                id=pk,
                name=name,
                slug=slug,
                kind=kind,
                subtype=kind,
                owner_id=pk,
                owner_name="",
                summary_it=sum_it,
                summary_en=sum_en,
                municipalities=sites.municipalities.get(pk, ()),
                code_ids=codes,
                fields=own + rest,
                own=len(own),
            )
        )
    profile_codes = _read_codes(
        CooperationProfile.codes.through,
        "cooperationprofile_id",
        None if only is None else [row[0] for row in profile_rows],
    )
    for row in profile_rows:
        pk, title, ptype, summary, description, advantages, role, language = row[:8]
        owner, owner_name, owner_kind, partner_kinds = row[8:]
        codes = tuple(profile_codes.get(pk, ()))
        own = [
            Field(text, language)
            for text in (title, summary, description, advantages, role)
            if text
        ]
        records.append(
            IndexedRecord(
                type=PROFILE,
                id=pk,
                name=title,
                slug="",
                kind=owner_kind,
                subtype=ptype,
                owner_id=owner,
                owner_name=owner_name,
                summary_it=summary if language == "it" else "",
                summary_en=summary if language != "it" else "",
                municipalities=sites.municipalities.get(owner, ()),
                code_ids=codes,
                fields=own,
                own=len(own),
                partner_kinds=tuple(partner_kinds or ()),
            )
        )
    return records, sites


# --- embeddings ----------------------------------------------------------------------


def _stored_vectors(
    embedder: str, keys: Iterable[Key] | None = None
) -> dict[Key, tuple[str, bytes]]:
    """Stored (text hash, vector) of every record, or of ``keys`` only."""
    base = Embedding.objects.filter(embedder=embedder, record_type__in=RECORD_TYPES)
    columns = ("record_type", "record_id", "text_hash", "vector")
    stored: dict[Key, tuple[str, bytes]] = {}
    if keys is None:
        # All of them, not ``record_id__in``: SQLite limits the parameters of one query.
        for kind, record_id, digest, vector in base.values_list(*columns).iterator(chunk_size=2000):
            stored[(kind, record_id)] = (digest, bytes(vector))
        return stored
    by_type: dict[str, list[int]] = {}
    for kind, record_id in keys:
        by_type.setdefault(kind, []).append(record_id)
    for kind, ids in by_type.items():
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            rows = base.filter(record_type=kind, record_id__in=chunk).values_list(*columns)
            for row_type, record_id, digest, vector in rows:
                stored[(row_type, record_id)] = (digest, bytes(vector))
    return stored


def _vector(raw: bytes) -> NDArray[np.float32]:
    return np.frombuffer(raw, dtype=np.float32)


def complete_embeddings(
    embedder: Embedder,
    texts: dict[Key, str],
    progress: Progress | None = None,
    label: str = "embeddings",
) -> dict[Key, NDArray[np.float32]]:
    """Stored vectors for ``texts`` ((type, id) -> text), embedding those missing or changed."""
    if embedder.dimensions == 0:
        return {}
    stored = _stored_vectors(embedder.name, None if len(texts) > ID_CHUNK else list(texts))
    vectors: dict[Key, NDArray[np.float32]] = {}
    todo: list[tuple[Key, str, str]] = []
    for key, text in texts.items():
        digest = text_hash(embedder.name, text)
        row = stored.get(key)
        if row is not None and row[0] == digest:
            vectors[key] = _vector(row[1])
        else:
            todo.append((key, text, digest))
    if progress:
        progress(label, 0, len(todo))
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        embedded = embedder.embed_passages([text for _, text, _ in batch])
        _store(embedder.name, [(key, digest) for key, _text, digest in batch], embedded)
        for (key, _text, _digest), vector in zip(batch, embedded, strict=True):
            vectors[key] = vector
        if progress:
            progress(label, min(start + EMBED_BATCH, len(todo)), len(todo))
    return vectors


def _store(embedder: str, keys: list[tuple[Key, str]], embedded: NDArray[np.float32]) -> None:
    """Replace the stored vectors of one batch (two statements per record type)."""
    rows = [
        Embedding(
            record_type=kind,
            record_id=record_id,
            embedder=embedder,
            text_hash=digest,
            vector=vector.astype(np.float32).tobytes(),
        )
        for ((kind, record_id), digest), vector in zip(keys, embedded, strict=True)
    ]
    with transaction.atomic():
        for kind in {k for (k, _id), _d in keys}:
            Embedding.objects.filter(
                record_type=kind,
                embedder=embedder,
                record_id__in=[i for (k, i), _d in keys if k == kind],
            ).delete()
        # A worker and a CLI may embed the same record at once: the first one stays.
        Embedding.objects.bulk_create(rows, ignore_conflicts=True)


def embed_missing(embedder: Embedder, progress: Progress | None = None) -> int:
    """Embed every indexed record whose current text has no stored vector; returns how many.

    Moves the vectors' version when it stored any, so that every process's index
    takes them in at its next search. Run by the background task.
    """
    if embedder.dimensions == 0:
        return 0
    nodes, _children = _code_nodes()
    records, _sites = read_records(nodes, today())
    texts = {r.key: embedding_text(r, nodes) for r in records}
    # The hashes only: the vectors themselves are not needed to know which are missing.
    stored = {
        (kind, record_id): digest
        for kind, record_id, digest in Embedding.objects.filter(
            embedder=embedder.name, record_type__in=RECORD_TYPES
        )
        .values_list("record_type", "record_id", "text_hash")
        .iterator(chunk_size=5000)
    }
    missing = {
        key: text
        for key, text in texts.items()
        if stored.get(key) != text_hash(embedder.name, text)
    }
    if not missing:
        return 0
    complete_embeddings(embedder, missing, progress)
    bump_version(VECTORS_NAME)
    return len(missing)


# --- building ------------------------------------------------------------------------


def _centred(vectors: NDArray[np.float32], centre: NDArray[np.float32] | None) -> Any:
    if centre is None:
        return vectors
    return unit_rows(np.asarray(vectors - centre, dtype=np.float32))


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Building makes millions of small objects and no cycles: the cycle collector would
    walk them again and again (a third of the time at 100,000 records)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_index(
    embedder: Embedder, progress: Progress | None = None, *, complete: bool = True
) -> SearchIndex:
    """Read the published records and build the index.

    ``complete`` embeds the records whose text has no stored vector first (the
    CLI, a rebuild); otherwise they keep their previous vector or none, and
    ``pending`` lists them for the background task.
    """
    with _no_cycle_collection():
        return _build_index(embedder, progress, complete=complete)


def _build_index(embedder: Embedder, progress: Progress | None, *, complete: bool) -> SearchIndex:
    day = today()
    # The versions first, then the data: a change committed in between is in the data,
    # and its version or change row tells the next search to look again.
    data_token, vectors_token = current_tokens()
    last_change, last_token = _last_change()
    stamp = fingerprint(day, data_token)
    nodes, children = _code_nodes()
    records, sites = read_records(nodes, day)
    if progress:
        progress("records", len(records), len(records))
    tokenizer = Tokenizer()
    counts, flat = _tokens(records, nodes, tokenizer)
    size = len(records)
    has_vector = np.zeros(size, dtype=bool)
    pending: dict[int, str] = {}
    centre: NDArray[np.float32] | None = None
    if embedder.dimensions and records:
        texts = {r.key: embedding_text(r, nodes) for r in records}
        if complete:
            found = complete_embeddings(embedder, texts, progress)
            stored = {
                key: (text_hash(embedder.name, texts[key]), vec) for key, vec in found.items()
            }
        else:
            raw = _stored_vectors(embedder.name, None if size > ID_CHUNK else list(texts))
            stored = {key: (digest, _vector(vector)) for key, (digest, vector) in raw.items()}
        vectors = np.zeros((size, embedder.dimensions), dtype=np.float32)
        for position, record in enumerate(records):
            digest = text_hash(embedder.name, texts[record.key])
            row = stored.get(record.key)
            if row is not None and row[1].size == embedder.dimensions:
                vectors[position] = row[1]
                has_vector[position] = True
                if row[0] == digest:
                    continue
            pending[position] = digest
        present = np.flatnonzero(has_vector)
        if present.size >= CENTRE_MIN_RECORDS:
            centre = centre_rows(vectors, present)  # in place, without copies of the matrix
    else:
        vectors = np.zeros((size, 0), dtype=np.float32)
    return _assemble(
        _Parts(
            fingerprint=stamp,
            embedder=embedder.name,
            records=records,
            nodes=nodes,
            children=children,
            counts=counts,
            flat=flat,
            tokenizer=tokenizer,
            vectors=vectors,
            has_vector=has_vector,
            pending=pending,
            centre=centre,
            points=sites.points,
            vectors_token=vectors_token,
            built_on=day,
            last_change=last_change,
            last_token=last_token,
        )
    )


@dataclass
class _Parts:
    """What an index is assembled from (by a build, or by an update of a few records)."""

    fingerprint: str
    embedder: str
    records: list[IndexedRecord]
    nodes: dict[int, CodeNode]
    children: dict[int, list[int]]
    counts: NDArray[np.int64]
    flat: NDArray[np.int64]
    tokenizer: Tokenizer
    vectors: NDArray[np.float32]
    has_vector: NDArray[np.bool_]
    pending: dict[int, str]
    centre: NDArray[np.float32] | None
    points: dict[int, list[tuple[float, float]]]
    vectors_token: str
    built_on: date
    last_change: int
    last_token: str


def _assemble(parts: _Parts) -> SearchIndex:
    """The index of ``parts``: BM25 matrix, postings, filters, places."""
    records, nodes = parts.records, parts.nodes
    size = len(records)
    code_lookup: dict[str, dict[str, int]] = {}
    for node in nodes.values():
        code_lookup.setdefault(node.taxonomy, {})[node.code] = node.id
    positions: dict[int, list[int]] = {}
    municipalities: dict[str, list[int]] = {}
    points: list[tuple[float, float]] = []
    owners: list[int] = []
    for position, record in enumerate(records):
        for code_id in record.code_ids:
            positions.setdefault(code_id, []).append(position)
        for istat in record.municipalities:
            municipalities.setdefault(istat, []).append(position)
        for point in parts.points.get(record.owner_id, ()):
            points.append(point)
            owners.append(position)
    label_stems = {
        code_id: [stems(nodes[code_id].label_it, ("it",)), stems(nodes[code_id].label_en, ("en",))]
        for code_id in positions
        if code_id in nodes
    }
    return SearchIndex(
        fingerprint=parts.fingerprint,
        embedder=parts.embedder,
        records=records,
        lexical=LexicalIndex.from_arrays(parts.counts, parts.flat, parts.tokenizer.vocabulary),
        vectors=parts.vectors,
        nodes=nodes,
        children=parts.children,
        postings={k: np.asarray(v, dtype=np.int64) for k, v in positions.items()},
        municipality_postings={k: np.asarray(v, dtype=np.int64) for k, v in municipalities.items()},
        kinds=np.asarray([r.kind for r in records], dtype=np.str_),
        site_points=np.asarray(points, dtype=np.float64).reshape(-1, 2),
        site_owners=np.asarray(owners, dtype=np.int64),
        code_rarity={k: rarity(len(v), size) for k, v in positions.items()},
        label_stems=label_stems,
        centre=parts.centre,
        code_ids=code_lookup,
        types=np.asarray([r.type for r in records], dtype=np.str_),
        subtypes=np.asarray([r.subtype for r in records], dtype=np.str_),
        owners=np.asarray([r.owner_id for r in records], dtype=np.int64),
        has_vector=parts.has_vector,
        pending=parts.pending,
        vectors_token=parts.vectors_token,
        built_on=parts.built_on,
        positions={r.key: p for p, r in enumerate(records)},
        parts=parts,
    )


def _tokens(
    records: list[IndexedRecord], nodes: dict[int, CodeNode], tokenizer: Tokenizer
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The token ids of the records' ``full_fields`` (each code's labels tokenized once):
    how many each record has, and all of them in one array."""
    labels: dict[int, list[int]] = {}
    documents: list[list[int]] = []
    for record in records:
        ids = tokenizer.document_ids(record.fields[: record.own])
        for code_id in record.code_ids:
            known = labels.get(code_id)
            if known is None:
                node = nodes.get(code_id)
                known = labels[code_id] = (
                    tokenizer.ids(node.label_it, "it") + tokenizer.ids(node.label_en, "en")
                    if node is not None
                    else []
                )
            ids.extend(known)
        ids.extend(tokenizer.document_ids(record.fields[record.own :]))
        documents.append(ids)
    counts = np.fromiter((len(d) for d in documents), dtype=np.int64, count=len(documents))
    flat = np.fromiter(chain.from_iterable(documents), dtype=np.int64, count=int(counts.sum()))
    return counts, flat


def _last_change() -> tuple[int, str]:
    """The id and token of the last change noted (0 and "" when none)."""
    row = IndexChange.objects.order_by("-id").values_list("id", "token").first()
    return (int(row[0]), row[1]) if row else (0, "")


def note_changes(keys: Iterable[Key]) -> None:
    """Record what a saved change touched and move the version (in the change's transaction).

    The version row is updated first: its lock orders concurrent writers, so the
    change ids follow the order of the commits and no process skips one.
    """
    token = bump_version()
    IndexChange.objects.bulk_create(
        [
            IndexChange(record_type=kind, record_id=record_id, token=token)
            for kind, record_id in keys
        ]
    )


def prune_changes(keep_days: int = 2) -> int:
    """Forget changes older than ``keep_days``: every index is built afresh each day."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _by_model = IndexChange.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _changes_since(index: SearchIndex) -> tuple[list[tuple[int, str, int, str]], bool]:
    """The changes after the index's, and whether an update can take them (few, no ``all``,
    and the index's last change still there: not rolled back, its id not reused)."""
    parts = index.parts
    if parts is None:
        return [], False
    if parts.last_change:
        anchor = IndexChange.objects.filter(id=parts.last_change).values_list("token", flat=True)
        if anchor.first() != parts.last_token:
            return [], False
    rows = list(
        IndexChange.objects.filter(id__gt=parts.last_change)
        .order_by("id")
        .values_list("id", "record_type", "record_id", "token")[: INCREMENTAL_MAX + 1]
    )
    usable = 0 < len(rows) <= INCREMENTAL_MAX and all(row[1] != ALL for row in rows)
    return rows, usable


def update_index(
    index: SearchIndex,
    changes: list[tuple[int, str, int, str]],
    embedder: Embedder,
    data_token: str,
) -> SearchIndex:
    """A new index: ``index`` with the changed records read again, the others kept as they are.

    Only the changed records are read and tokenized; the BM25 matrix, postings
    and filters are then assembled afresh over all records (array work), so the
    scores are exactly those of a full build. ``data_token`` is the version read
    before ``changes`` were. Vectors: the kept ones stay; a
    changed record takes its stored vector, or waits for the background task.
    """
    parts = index.parts
    assert parts is not None
    day = today()
    stamp = fingerprint(day, data_token)  # read before the changes were
    only = Only(
        organisations=frozenset(row[2] for row in changes if row[1] == ORGANISATION),
        owners=frozenset(row[2] for row in changes if row[1] == OWNER),
        profiles=frozenset(row[2] for row in changes if row[1] == PROFILE),
    )
    fresh, sites = read_records(parts.nodes, day, only)
    touched = {(ORGANISATION, i) for i in only.organisations | only.owners}
    touched |= {(PROFILE, i) for i in only.profiles}
    touched |= {r.key for r in parts.records if r.type == PROFILE and r.owner_id in only.owners}
    touched |= {r.key for r in fresh}
    keep = np.asarray(
        [p for p, r in enumerate(parts.records) if r.key not in touched], dtype=np.int64
    )
    kept_docs = np.zeros(len(parts.records), dtype=bool)
    kept_docs[keep] = True
    counts, flat = _tokens(fresh, parts.nodes, parts.tokenizer)
    records = [parts.records[p] for p in keep] + fresh
    new_position = {int(old): new for new, old in enumerate(keep)}
    vectors = parts.vectors[keep]
    has_vector = parts.has_vector[keep]
    pending = {new_position[p]: d for p, d in parts.pending.items() if p in new_position}
    if parts.vectors.shape[1] and fresh:
        texts = {r.key: embedding_text(r, parts.nodes) for r in fresh}
        stored = _stored_vectors(embedder.name, list(texts))
        added = np.zeros((len(fresh), parts.vectors.shape[1]), dtype=np.float32)
        added_has = np.zeros(len(fresh), dtype=bool)
        for offset, record in enumerate(fresh):
            digest = text_hash(embedder.name, texts[record.key])
            row = stored.get(record.key)
            if row is not None and len(row[1]) == 4 * parts.vectors.shape[1]:
                added[offset] = _centred(_vector(row[1]).reshape(1, -1), parts.centre)[0]
                added_has[offset] = True
                if row[0] == digest:
                    continue
            pending[len(keep) + offset] = digest
        vectors = np.vstack([vectors, added])
        has_vector = np.concatenate([has_vector, added_has])
    elif parts.vectors.shape[1] == 0:
        vectors = np.zeros((len(records), 0), dtype=np.float32)
        has_vector = np.zeros(len(records), dtype=bool)
    points = dict(parts.points)
    for owner in only.organisations | only.owners | {r.owner_id for r in fresh}:
        points.pop(owner, None)
        if owner in sites.points:
            points[owner] = sites.points[owner]
    return _assemble(
        _Parts(
            fingerprint=stamp,
            embedder=parts.embedder,
            records=records,
            nodes=parts.nodes,
            children=parts.children,
            counts=np.concatenate([parts.counts[keep], counts]),
            flat=np.concatenate([parts.flat[np.repeat(kept_docs, parts.counts)], flat]),
            tokenizer=parts.tokenizer,
            vectors=vectors,
            has_vector=has_vector,
            pending=pending,
            centre=parts.centre,
            points=points,
            # The old token: vectors stored meanwhile are filled in by the next search.
            vectors_token=index.vectors_token,
            built_on=day,
            last_change=changes[-1][0],
            last_token=changes[-1][3],
        )
    )


def refresh_vectors(index: SearchIndex, vectors_token: str) -> int:
    """Take in the stored vectors of the pending records (the task embedded them); how many."""
    index.vectors_token = vectors_token
    if not index.pending or index.vectors.shape[1] == 0:
        return 0
    keys = [index.records[p].key for p in index.pending]
    stored = _stored_vectors(index.embedder, keys)
    filled = 0
    for position, digest in list(index.pending.items()):
        row = stored.get(index.records[position].key)
        if row is None or row[0] != digest:
            continue
        vector = _vector(row[1]).reshape(1, -1)
        if vector.shape[1] != index.vectors.shape[1]:
            continue
        index.vectors[position] = _centred(vector, index.centre)[0]
        index.has_vector[position] = True
        del index.pending[position]
        filled += 1
    return filled


# --- the process's index -------------------------------------------------------------

_cache: dict[str, SearchIndex] = {}
_building = threading.Lock()


def get_index(
    *,
    full_check: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    complete: bool = False,
) -> SearchIndex:
    """The process's index, updated or rebuilt first when the data changed since it was built.

    ``full_check`` also notices bulk writes that send no signal, and ``complete``
    embeds the records lacking a vector before answering (the CLI asks for both).
    Otherwise records lacking an up-to-date vector are handed to the background task.
    """
    chosen = embedder or get_embedder()
    with _building:
        index = _cache.get(chosen.name)
        data_token, vectors_token = current_tokens()
        full = (
            index is None
            or index.built_on != today()
            or (complete and bool(index.pending))
            or (full_check and index.fingerprint != fingerprint())
        )
        stale = full or index is None or index.data_token != data_token
        if stale and not full:
            # A few records changed since: update those (``update_index``) if it can.
            assert index is not None
            changes, usable = _changes_since(index)
            if usable and index.parts is not None:
                with _no_cycle_collection():
                    index = update_index(index, changes, chosen, data_token)
                _cache[chosen.name] = index
                stale = False
        if stale:
            # Other searches wait on the lock meanwhile: let the old index go before
            # building the new one, so the process never holds both (memory).
            _cache.pop(chosen.name, None)
            index = None
            index = build_index(chosen, progress, complete=complete)
            _cache[chosen.name] = index
        else:
            assert index is not None
            if index.vectors_token != vectors_token:
                refresh_vectors(index, vectors_token)
    if index.pending and not index.embedding_requested:
        index.embedding_requested = True
        schedule_embeddings(chosen.name, on_commit=False)
        # The immediate task backend has embedded them already: take them in.
        _data, moved = current_tokens()
        if moved != index.vectors_token:
            with _building:
                refresh_vectors(index, moved)
    return index


def rebuild(progress: Progress | None = None, embedder: Embedder | None = None) -> SearchIndex:
    """Build the index afresh (every stored embedding checked against its text)."""
    chosen = embedder or get_embedder()
    with _building:
        _cache.pop(chosen.name, None)
        index = build_index(chosen, progress, complete=True)
        _cache[chosen.name] = index
        return index


# --- the background embedding --------------------------------------------------------


def _embeds(embedder: str) -> bool:
    kind = EMBEDDERS.get(embedder)
    return kind is not None and int(getattr(kind, "dimensions", 0)) > 0


def _enqueue(embedder: str) -> None:
    """Queue the embedding task, unless one is already waiting in the database queue."""
    from distretto.matching import tasks

    try:
        backend = tasks.complete_embeddings_task.get_backend()
        if type(backend).__name__ == "DatabaseBackend":
            from django_tasks_db.models import DBTaskResult

            waiting = DBTaskResult.objects.filter(
                status="READY", task_path=tasks.complete_embeddings_task.module_path
            )
            if waiting.exists():
                return
        tasks.complete_embeddings_task.enqueue(embedder)
    except Exception:  # a search or a save never fails for want of a queue
        logger.exception("Could not queue the search embeddings task.")


def _is_ours(function: Any) -> bool:
    return getattr(function, "func", None) is _enqueue


def schedule_embeddings(embedder: str | None = None, *, on_commit: bool = True) -> None:
    """Have the background task embed records lacking a vector (after the commit, once)."""
    name = embedder or settings.SEARCH_EMBEDDER
    if not _embeds(name):
        return
    job = partial(_enqueue, name)
    connection = transaction.get_connection()
    if on_commit and connection.in_atomic_block:
        if any(_is_ours(entry[1]) for entry in connection.run_on_commit):
            return  # already due when this transaction commits
        transaction.on_commit(job)
    else:
        job()


# --- reading the index ---------------------------------------------------------------


def search_vectors(index: SearchIndex, query: NDArray[np.float32]) -> NDArray[np.float32]:
    """Cosine similarity of the query with every record (vectors are normalised)."""
    if index.vectors.shape[1] == 0 or query.size == 0:
        return np.zeros(index.size, dtype=np.float32)
    vector = query.reshape(1, -1)
    if index.centre is not None:
        vector = unit_rows(vector - index.centre)
    return similarities(index.vectors, vector[0].astype(np.float32))


def unit_rows(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1), dtype=np.float32)


def positions_of(index: SearchIndex, code_ids: Sequence[int]) -> NDArray[np.int64]:
    """Positions of the records carrying any of ``code_ids``."""
    found = [index.postings[c] for c in code_ids if c in index.postings]
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(found))
