"""Search: the one ranking service the web, the API and the CLI call.

``search(user, query)`` ranks the published organisations (what the anonymous
public sees; a member's own drafts are not searched yet) by fusing lexical
(BM25, Italian and English stems), semantic (multilingual embeddings) and code
relevance, and says why each result fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from distretto.accounts.roles import is_facilitator
from distretto.bilingual import active_language
from distretto.matching import index as search_index
from distretto.matching.domain import codes as code_relevance
from distretto.matching.domain import fusion
from distretto.matching.domain.geo import distances_km
from distretto.matching.domain.text import (
    document_tokens,
    matched_phrases,
    matched_words,
    query_words,
)
from distretto.matching.domain.text import query_tokens as tokens_of
from distretto.matching.embedding import get_embedder
from distretto.registry.enums import OrganisationKind

MAX_QUERY_LENGTH = 500
MAX_LIMIT = 100
# Query parameter -> taxonomy whose codes it filters by (a code accepts its sub-codes).
CODE_FILTERS = {
    "segment": "segment",
    "process_step": "process_step",
    "certification": "certification",
    "value_chain": "value_chain",
}
# A code only inferred from the query's words counts this much of a code asked for.
INFERRED_CODE_WEIGHT = 0.5


@dataclass(frozen=True)
class SearchQuery:
    """What a user searches for. ``codes`` are ``taxonomy:code`` pairs that rank, not filter."""

    text: str
    kinds: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    code_filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    codes: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    distance_km: float | None = None
    limit: int = 10


@dataclass(frozen=True)
class SharedCode:
    taxonomy: str
    code: str
    label: str
    exact: bool


@dataclass(frozen=True)
class Reasons:
    """Why a result fits: matched words and phrases, shared codes, distance, signal shares."""

    terms: list[str]
    phrases: list[str]
    codes: list[SharedCode]
    distance_km: float | None
    shares: dict[str, float]


@dataclass(frozen=True)
class SearchResult:
    type: str
    id: int
    name: str
    slug: str
    score: float
    reasons: Reasons

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def weights() -> fusion.Weights:
    """The fusion weights of the settings."""
    return fusion.Weights(
        lexical=settings.SEARCH_WEIGHT_LEXICAL,
        semantic=settings.SEARCH_WEIGHT_SEMANTIC,
        codes=settings.SEARCH_WEIGHT_CODES,
    )


def _check(query: SearchQuery) -> str:
    errors: dict[str, list[str]] = {}
    text = " ".join(query.text.split())
    if not text:
        errors["q"] = [_("Type what you are looking for.")]
    elif len(text) > MAX_QUERY_LENGTH:
        errors["q"] = [
            _("Ensure the search text has at most %(limit)d characters (it has %(length)d).")
            % {"limit": MAX_QUERY_LENGTH, "length": len(text)}
        ]
    if not 1 <= query.limit <= MAX_LIMIT:
        errors["limit"] = [_("Ensure the limit is between 1 and %(limit)d.") % {"limit": MAX_LIMIT}]
    unknown_kinds = [k for k in query.kinds if k not in OrganisationKind.values]
    if unknown_kinds:
        errors["kind"] = [
            _("Unknown kind: %(kinds)s. Choose among: %(choices)s.")
            % {"kinds": ", ".join(unknown_kinds), "choices": ", ".join(OrganisationKind.values)}
        ]
    has_point = query.latitude is not None and query.longitude is not None
    if (query.latitude is None) != (query.longitude is None):
        errors["lat" if query.latitude is None else "lon"] = [
            _("Give both latitude and longitude.")
        ]
    elif has_point and not (
        -90 <= float(query.latitude or 0) <= 90 and -180 <= float(query.longitude or 0) <= 180
    ):
        errors["lat"] = [_("Latitude must be within ±90 and longitude within ±180.")]
    if query.distance_km is not None:
        if not has_point:
            errors["distance_km"] = [_("A distance needs a point: give lat and lon as well.")]
        elif query.distance_km <= 0:
            errors["distance_km"] = [_("Ensure the distance is greater than 0 km.")]
    if errors:
        raise ValidationError(errors)
    return text


def _code_ids(
    index: search_index.SearchIndex, taxonomy: str, codes: tuple[str, ...], field_name: str
) -> list[int]:
    by_code = index.code_ids.get(taxonomy, {})
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise ValidationError(
            {
                field_name: [
                    _("Unknown code of %(taxonomy)s: %(codes)s.")
                    % {"taxonomy": taxonomy, "codes": ", ".join(unknown)}
                ]
            }
        )
    return [by_code[c] for c in codes]


def _ranking_codes(index: search_index.SearchIndex, query: SearchQuery) -> list[int]:
    found: list[int] = []
    for pair in query.codes:
        taxonomy, _sep, code = pair.partition(":")
        if not code:
            raise ValidationError(
                {"codes": [_("Write each code as taxonomy:code, e.g. segment:dialysis.")]}
            )
        found.extend(_code_ids(index, taxonomy, (code,), "codes"))
    return found


def _mask(index: search_index.SearchIndex, query: SearchQuery) -> NDArray[np.bool_]:
    """Which organisations pass the filters; checks the codes named (unknown ones refused)."""
    mask = np.ones(index.size, dtype=bool)
    if query.kinds:
        mask &= np.isin(index.kinds, list(query.kinds))
    if query.municipalities:
        allowed = np.zeros(index.size, dtype=bool)
        for istat in query.municipalities:
            allowed[index.municipality_postings.get(istat, np.zeros(0, dtype=np.int64))] = True
        mask &= allowed
    for field_name, codes in query.code_filters.items():
        if not codes:
            continue
        taxonomy = CODE_FILTERS.get(field_name, field_name)
        ids = _code_ids(index, taxonomy, tuple(codes), field_name)
        accepted = set().union(
            *(code_relevance.descendants_and_self(c, index.children) for c in ids)
        )
        allowed = np.zeros(index.size, dtype=bool)
        allowed[search_index.positions_of(index, list(accepted))] = True
        mask &= allowed
    return mask


def _distances(
    index: search_index.SearchIndex, latitude: float, longitude: float
) -> NDArray[np.float64]:
    """Each organisation's distance (its nearest site); infinite with no site."""
    nearest = np.full(index.size, np.inf)
    if index.site_points.size:
        np.minimum.at(
            nearest, index.site_owners, distances_km(latitude, longitude, index.site_points)
        )
    return nearest


def _code_signal(
    index: search_index.SearchIndex, query_weights: dict[int, float]
) -> NDArray[np.float32]:
    """Code relevance of every organisation (see ``domain.codes.code_score``), from postings."""
    total = sum(query_weights.values())
    scores = np.zeros(index.size, dtype=np.float32)
    if total <= 0:
        return scores
    for query_code, weight in query_weights.items():
        best = np.zeros(index.size, dtype=np.float32)
        related = code_relevance.related_codes(query_code, index.nodes, index.children)
        for code_id, earned in related.items():
            positions = index.postings.get(code_id)
            if positions is not None:
                best[positions] = np.maximum(best[positions], earned)
        scores += best * (weight / total)
    return scores


def _shared_codes(
    index: search_index.SearchIndex, query_codes: list[int], record_codes: tuple[int, ...]
) -> list[SharedCode]:
    language = active_language()
    shared: list[SharedCode] = []
    seen: set[int] = set()
    for match in code_relevance.best_matches(query_codes, record_codes, index.nodes):
        if match.record_code in seen:
            continue
        seen.add(match.record_code)
        node = index.nodes[match.record_code]
        label = (node.label_en or node.label_it) if language == "en" else node.label_it
        shared.append(SharedCode(node.taxonomy, node.code, label, match.credit == 1.0))
    return shared


def search(user: Any, query: SearchQuery) -> list[SearchResult]:
    """The published organisations that best fit ``query``, best first, each with its reasons.

    Raises ValidationError naming the field for bad input (empty or over-long
    text, unknown kind or code, a distance without a point, a limit outside
    1..100). Every visitor may search; only published records are searched.
    """
    text = _check(query)
    index = search_index.get_index()
    mask = _mask(index, query)
    explicit = _ranking_codes(index, query)
    for field_name, codes in query.code_filters.items():
        taxonomy = CODE_FILTERS.get(field_name, field_name)
        explicit.extend(_code_ids(index, taxonomy, tuple(codes), field_name))
    distance: NDArray[np.float64] | None = None
    if query.latitude is not None and query.longitude is not None:
        distance = _distances(index, float(query.latitude), float(query.longitude))
        if query.distance_km is not None:
            mask &= distance <= query.distance_km
    candidates = np.flatnonzero(mask)
    if candidates.size == 0:
        return []

    tokens = tokens_of(text)
    ceiling = index.lexical.ceiling(query_words(text))
    lexical = index.lexical.scores(tokens)
    raw: dict[str, NDArray[np.float32]] = {"lexical": lexical / ceiling if ceiling > 0 else lexical}
    embedder = get_embedder(index.embedder)
    if embedder.dimensions:
        raw["semantic"] = search_index.search_vectors(index, embedder.embed_queries([text])[0])
    inferred = code_relevance.inferred_codes(set(tokens), index.label_stems)
    query_weights: dict[int, float] = {}
    for code_id in inferred:
        query_weights[code_id] = index.code_rarity.get(code_id, 1.0) * INFERRED_CODE_WEIGHT
    for code_id in explicit:
        query_weights[code_id] = index.code_rarity.get(code_id, 1.0) * 2.0
    raw["codes"] = _code_signal(index, query_weights)

    chosen = weights()
    normalised = {name: fusion.normalise(name, values[candidates]) for name, values in raw.items()}
    fused = fusion.fuse(normalised, chosen)
    # Only the best few need ordering (ties by name); the others are never shown.
    shortlist = np.arange(candidates.size)
    if candidates.size > 4 * query.limit:
        # Everything scoring at least the k-th best, so that ties at the cut stay in.
        kth_best = -np.partition(-fused, 4 * query.limit - 1)[4 * query.limit - 1]
        shortlist = np.flatnonzero(fused >= kth_best)
    names = np.asarray([index.organisations[candidates[i]].name for i in shortlist])
    order = shortlist[np.lexsort((names, -fused[shortlist]))]
    results: list[SearchResult] = []
    for rank in order:
        if len(results) >= query.limit or fused[rank] <= 0:
            break
        position = int(candidates[rank])
        org = index.organisations[position]
        document = document_tokens(org.fields)
        parts = {name: float(values[rank]) for name, values in normalised.items()}
        results.append(
            SearchResult(
                type="organisation",
                id=org.id,
                name=org.name,
                slug=org.slug,
                score=round(float(fused[rank]), 4),
                reasons=Reasons(
                    terms=matched_words(text, document),
                    phrases=matched_phrases(text, document),
                    codes=_shared_codes(index, list(query_weights), org.code_ids),
                    distance_km=(
                        round(float(distance[position]), 1)
                        if distance is not None and np.isfinite(distance[position])
                        else None
                    ),
                    shares=fusion.shares(parts, chosen),
                ),
            )
        )
    return results


def can_rebuild_index(user: Any) -> bool:
    return is_facilitator(user)


def rebuild_index(user: Any, progress: search_index.Progress | None = None) -> int:
    """Rebuild the search index (lexical and embeddings); returns the organisations indexed."""
    if not can_rebuild_index(user):
        raise PermissionDenied(_("Only facilitators may rebuild the search index."))
    return search_index.rebuild(progress).size


def prepare_index(progress: search_index.Progress | None = None) -> int:
    """Make sure the index holds every saved record (bulk writes included) before searching."""
    return search_index.get_index(full_check=True, progress=progress).size
