"""The in-process search index over published organisations, built from the database.

Each process keeps one index in memory. A version row (``IndexVersion``),
moved by every change a search could see (``signals.py``), says when it is
stale: the next search rebuilds it. Building reads the stored embeddings and
embeds only the records whose text changed (synchronously for now).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Prefetch
from numpy.typing import NDArray

from distretto.matching.domain.codes import CodeNode, rarity
from distretto.matching.domain.lexical import LexicalIndex
from distretto.matching.domain.text import Field, document_tokens, stems
from distretto.matching.embedding import Embedder, get_embedder
from distretto.matching.models import Embedding, IndexVersion
from distretto.registry.enums import Status
from distretto.registry.models import Organisation, Site
from distretto.taxonomy.models import Code

VERSION_NAME = "search"
RECORD_TYPE = "organisation"
EMBED_BATCH = 64
# Long descriptions are cut for the embedding: the model reads 512 tokens at most,
# and the first paragraphs say what an organisation does.
EMBED_MAX_CHARS = 1500

# Embeddings of one model share a common direction (anisotropy) that makes every
# cosine high; subtracting the records' mean vector removes it. A mean of a few
# records is no estimate of that direction, so small indexes are left as they are.
CENTRE_MIN_RECORDS = 100

Progress = Callable[[str, int, int], None]


# --- the version every process compares ---------------------------------------------


def bump_version() -> None:
    """Mark every process's index stale (called on each change a search could see)."""
    moved = IndexVersion.objects.filter(name=VERSION_NAME).update(
        version=F("version") + 1, token=uuid.uuid4().hex
    )
    if not moved:
        try:
            with transaction.atomic():
                IndexVersion.objects.create(name=VERSION_NAME, version=1, token=uuid.uuid4().hex)
        except IntegrityError:  # another process created it meanwhile
            bump_version()


def current_token() -> str:
    """The token of the data's current state; each change gives a new random one.

    A random token, not the counter alone, because a rolled-back transaction
    returns the counter to a number a later, different state may reach again.
    """
    row = IndexVersion.objects.filter(name=VERSION_NAME).values_list("token", flat=True).first()
    return row or ""


def fingerprint() -> str:
    """The token plus what bulk writes (which send no signals) change: count and last update."""
    stats = Organisation.objects.filter(status=Status.PUBLISHED).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    return f"{current_token()}|{stats['n']}|{stats['last']}"


# --- the index ----------------------------------------------------------------------


@dataclass
class IndexedOrganisation:
    """What the search needs of one organisation."""

    id: int
    name: str
    slug: str
    kind: str
    municipalities: tuple[str, ...]
    code_ids: tuple[int, ...]
    fields: list[Field]


@dataclass
class SearchIndex:
    """Everything a search reads, in memory; arrays follow ``organisations``' order."""

    fingerprint: str
    embedder: str
    organisations: list[IndexedOrganisation]
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

    @property
    def size(self) -> int:
        return len(self.organisations)


def organisation_fields(org: Organisation) -> list[Field]:
    """The text of an organisation the search reads, each piece with its language."""
    fields = [
        Field(org.name),
        Field(org.legal_name),
        Field(org.summary_it, "it"),
        Field(org.summary_en, "en"),
        Field(org.description_it, "it"),
        Field(org.description_en, "en"),
    ]
    for code in org.codes.all():
        fields.append(Field(code.label_it, "it"))
        fields.append(Field(code.label_en, "en"))
    for site in org.sites.all():
        fields.append(Field(site.municipality.name))
        fields.append(Field(site.activities_it, "it"))
        fields.append(Field(site.activities_en, "en"))
    for fact in org.facts.all():
        fields.append(Field(fact.text_it, "it"))
        fields.append(Field(fact.text_en, "en"))
    return [f for f in fields if f.text]


def embedding_text(org: IndexedOrganisation) -> str:
    """The passage embedded for an organisation: its own words, each distinct text once."""
    own = [f.text.strip() for f in org.fields[:6] if f.text.strip()]
    text = ". ".join(dict.fromkeys(own))
    return text[:EMBED_MAX_CHARS]


def text_hash(embedder: str, text: str) -> str:
    return hashlib.sha256(f"{embedder}\n{text}".encode()).hexdigest()


def _published() -> list[Organisation]:
    codes: Any = Prefetch("codes", queryset=Code.objects.only("pk", "label_it", "label_en"))
    sites: Any = Prefetch("sites", queryset=Site.objects.select_related("municipality"))
    return list(
        Organisation.objects.filter(status=Status.PUBLISHED)
        .prefetch_related(codes, sites, "facts")
        .order_by("pk")
    )


def complete_embeddings(
    embedder: Embedder,
    texts: dict[int, str],
    progress: Progress | None = None,
    label: str = "embeddings",
) -> dict[int, NDArray[np.float32]]:
    """Stored vectors for ``texts`` (record id -> text), embedding those missing or changed."""
    if embedder.dimensions == 0:
        return {}
    # All of them, not ``record_id__in``: SQLite limits the parameters of one query.
    stored = {
        row.record_id: row
        for row in Embedding.objects.filter(record_type=RECORD_TYPE, embedder=embedder.name)
        .only("record_id", "text_hash", "vector")
        .iterator(chunk_size=2000)
    }
    vectors: dict[int, NDArray[np.float32]] = {}
    todo: list[tuple[int, str, str]] = []
    for record_id, text in texts.items():
        digest = text_hash(embedder.name, text)
        row = stored.get(record_id)
        if row is not None and row.text_hash == digest:
            vectors[record_id] = np.frombuffer(bytes(row.vector), dtype=np.float32)
        else:
            todo.append((record_id, text, digest))
    if progress:
        progress(label, 0, len(todo))
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        embedded = embedder.embed_passages([text for _, text, _ in batch])
        rows = [
            Embedding(
                record_type=RECORD_TYPE,
                record_id=record_id,
                embedder=embedder.name,
                text_hash=digest,
                vector=vector.astype(np.float32).tobytes(),
            )
            for (record_id, _text, digest), vector in zip(batch, embedded, strict=True)
        ]
        with transaction.atomic():
            # Replacing a batch in two statements, not a query pair per record.
            Embedding.objects.filter(
                record_type=RECORD_TYPE,
                embedder=embedder.name,
                record_id__in=[record_id for record_id, _text, _digest in batch],
            ).delete()
            Embedding.objects.bulk_create(rows)
        for row, vector in zip(rows, embedded, strict=True):
            vectors[row.record_id] = vector
        if progress:
            progress(label, min(start + EMBED_BATCH, len(todo)), len(todo))
    return vectors


def _code_nodes() -> tuple[dict[int, CodeNode], dict[int, list[int]]]:
    nodes: dict[int, CodeNode] = {}
    children: dict[int, list[int]] = {}
    for pk, taxonomy, code, parent, label_it, label_en in Code.objects.values_list(
        "pk", "taxonomy__slug", "code", "parent_id", "label_it", "label_en"
    ).iterator(chunk_size=5000):
        nodes[pk] = CodeNode(pk, taxonomy, code, parent, label_it, label_en)
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    return nodes, children


def build_index(embedder: Embedder, progress: Progress | None = None) -> SearchIndex:
    """Read the published organisations and build the index (embedding changed texts)."""
    stamp = fingerprint()
    records = _published()
    organisations: list[IndexedOrganisation] = []
    points: list[tuple[float, float]] = []
    owners: list[int] = []
    for position, org in enumerate(records):
        sites = list(org.sites.all())
        organisations.append(
            IndexedOrganisation(
                id=org.pk,
                name=org.name,
                slug=org.slug,
                kind=org.kind,
                municipalities=tuple(dict.fromkeys(s.municipality.istat_code for s in sites)),
                code_ids=tuple(c.pk for c in org.codes.all()),
                fields=organisation_fields(org),
            )
        )
        for site in sites:
            points.append(site.point)
            owners.append(position)
        if progress and (position % 500 == 0 or position == len(records) - 1):
            progress("records", position + 1, len(records))
    lexical = LexicalIndex([document_tokens(o.fields) for o in organisations])
    texts = {o.id: embedding_text(o) for o in organisations}
    stored = complete_embeddings(embedder, texts, progress)
    centre: NDArray[np.float32] | None = None
    if embedder.dimensions and organisations:
        vectors = np.vstack([stored[o.id] for o in organisations]).astype(np.float32)
        if len(organisations) >= CENTRE_MIN_RECORDS:
            centre = vectors.mean(axis=0).astype(np.float32)
            vectors = unit_rows(vectors - centre)
    else:
        vectors = np.zeros((len(organisations), 0), dtype=np.float32)
    nodes, children = _code_nodes()
    code_lookup: dict[str, dict[str, int]] = {}
    for node in nodes.values():
        code_lookup.setdefault(node.taxonomy, {})[node.code] = node.id
    positions: dict[int, list[int]] = {}
    municipalities: dict[str, list[int]] = {}
    for position, org_entry in enumerate(organisations):
        for code_id in org_entry.code_ids:
            positions.setdefault(code_id, []).append(position)
        for istat in org_entry.municipalities:
            municipalities.setdefault(istat, []).append(position)
    label_stems = {
        code_id: [stems(nodes[code_id].label_it, ("it",)), stems(nodes[code_id].label_en, ("en",))]
        for code_id in positions
        if code_id in nodes
    }
    return SearchIndex(
        fingerprint=stamp,
        embedder=embedder.name,
        organisations=organisations,
        lexical=lexical,
        vectors=vectors,
        nodes=nodes,
        children=children,
        postings={k: np.asarray(v, dtype=np.int64) for k, v in positions.items()},
        municipality_postings={k: np.asarray(v, dtype=np.int64) for k, v in municipalities.items()},
        kinds=np.asarray([o.kind for o in organisations], dtype=np.str_),
        site_points=np.asarray(points, dtype=np.float64).reshape(-1, 2),
        site_owners=np.asarray(owners, dtype=np.int64),
        code_rarity={k: rarity(len(v), len(organisations)) for k, v in positions.items()},
        label_stems=label_stems,
        centre=centre,
        code_ids=code_lookup,
    )


_cache: dict[str, SearchIndex] = {}
_building = threading.Lock()


def get_index(
    *, full_check: bool = False, progress: Progress | None = None, embedder: Embedder | None = None
) -> SearchIndex:
    """The process's index, rebuilt first when the data changed since it was built.

    ``full_check`` also notices bulk writes that send no signal (the CLI asks for it).
    """
    chosen = embedder or get_embedder()
    with _building:
        index = _cache.get(chosen.name)
        if index is not None:
            token = index.fingerprint.split("|", 1)[0]
            fresh = index.fingerprint == fingerprint() if full_check else token == current_token()
            if fresh:
                return index
        index = build_index(chosen, progress)
        _cache[chosen.name] = index
        return index


def rebuild(progress: Progress | None = None, embedder: Embedder | None = None) -> SearchIndex:
    """Build the index afresh (every stored embedding checked against its text)."""
    chosen = embedder or get_embedder()
    with _building:
        index = build_index(chosen, progress)
        _cache[chosen.name] = index
        return index


def search_vectors(index: SearchIndex, query: NDArray[np.float32]) -> NDArray[np.float32]:
    """Cosine similarity of the query with every organisation (vectors are normalised)."""
    if index.vectors.shape[1] == 0 or query.size == 0:
        return np.zeros(index.size, dtype=np.float32)
    vector = query.reshape(1, -1)
    if index.centre is not None:
        vector = unit_rows(vector - index.centre)
    return np.asarray(index.vectors @ vector[0], dtype=np.float32)


def unit_rows(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1), dtype=np.float32)


def positions_of(index: SearchIndex, code_ids: Sequence[int]) -> NDArray[np.int64]:
    """Positions of the organisations carrying any of ``code_ids``."""
    found = [index.postings[c] for c in code_ids if c in index.postings]
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(found))
