"""Search: the one ranking service the web, the API and the CLI call.

``search(user, query)`` ranks the published organisations and the public
cooperation profiles (what the anonymous public sees; a member's own drafts are
not searched yet) by fusing lexical (BM25, Italian and English stems), semantic
(multilingual embeddings) and code relevance, and says why each result fits.
``find_partners`` matches an offer with requests and the other way round;
``complementary_partners`` finds the organisations covering the process steps
and segments an organisation lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
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
from distretto.opportunities.enums import ProfileType
from distretto.opportunities.models import CooperationProfile
from distretto.opportunities.rules import can_view_profile
from distretto.registry.enums import OrganisationKind
from distretto.registry.models import Organisation
from distretto.registry.rules import can_view_organisation

MAX_QUERY_LENGTH = 500
MAX_LIMIT = 100
# Query parameter -> taxonomy whose codes it filters by (a code accepts its sub-codes).
CODE_FILTERS = {
    "segment": "segment",
    "process_step": "process_step",
    "certification": "certification",
    "value_chain": "value_chain",
}
# The share of the query's words a record must cover to count as found by its words
# (one common word of a long profile text is not evidence).
LEXICAL_EVIDENCE = 0.1
# A code only inferred from the query's words counts this much of a code asked for.
INFERRED_CODE_WEIGHT = 0.5
# What a search returns: organisations, cooperation profiles (offers and requests).
RECORD_TYPES: tuple[str, ...] = search_index.RECORD_TYPES
REQUEST_TYPES = (
    ProfileType.BUSINESS_REQUEST,
    ProfileType.TECHNOLOGY_REQUEST,
    ProfileType.RD_PARTNER_REQUEST,
    ProfileType.STARTUP_SUPPORT_REQUEST,
)
# The profile types that answer each profile type (requests <-> offers).
PARTNER_TYPES: dict[str, tuple[str, ...]] = {
    ProfileType.BUSINESS_REQUEST: (ProfileType.BUSINESS_OFFER,),
    ProfileType.TECHNOLOGY_REQUEST: (ProfileType.TECHNOLOGY_OFFER,),
    ProfileType.RD_PARTNER_REQUEST: (ProfileType.TECHNOLOGY_OFFER,),
    ProfileType.STARTUP_SUPPORT_REQUEST: (ProfileType.MENTORING_OFFER,),
    ProfileType.BUSINESS_OFFER: (ProfileType.BUSINESS_REQUEST,),
    ProfileType.TECHNOLOGY_OFFER: (ProfileType.TECHNOLOGY_REQUEST, ProfileType.RD_PARTNER_REQUEST),
    ProfileType.MENTORING_OFFER: (ProfileType.STARTUP_SUPPORT_REQUEST,),
}
# Taxonomies whose codes an organisation may lack and a partner complement (and how much).
COMPLEMENT_TAXONOMIES = {"process_step": 1.0, "segment": 0.5}
# Taxonomies a complementary partner should share with the organisation.
SHARED_TAXONOMIES = ("segment", "value_chain")


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
    # Which records: "organisation", "profile". ``profile_types`` narrows the profiles only.
    types: tuple[str, ...] = RECORD_TYPES
    profile_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class SharedCode:
    taxonomy: str
    code: str
    label: str
    exact: bool


@dataclass(frozen=True)
class Reasons:
    """Why a result fits: matched words and phrases, shared codes, distance, signal shares.

    ``complementary``: the process steps and segments the result covers that the
    searcher lacks (``complementary_partners``; empty in a plain search).
    """

    terms: list[str]
    phrases: list[str]
    codes: list[SharedCode]
    distance_km: float | None
    shares: dict[str, float]
    complementary: list[SharedCode] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    """One record found. ``name`` is a profile's title; ``subtype`` the organisation's kind or
    the profile's type; ``owner`` a profile's owner organisation ("" for an organisation);
    ``summary`` the short text in the active language (else the other); ``url`` its page."""

    type: str
    id: int
    name: str
    slug: str
    score: float
    reasons: Reasons
    subtype: str = ""
    summary: str = ""
    url: str = ""
    owner: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def weights() -> fusion.Weights:
    """The fusion weights of the settings."""
    return fusion.Weights(
        lexical=settings.SEARCH_WEIGHT_LEXICAL,
        semantic=settings.SEARCH_WEIGHT_SEMANTIC,
        codes=settings.SEARCH_WEIGHT_CODES,
    )


def _check_limit(limit: int, errors: dict[str, list[str]]) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = [_("Ensure the limit is between 1 and %(limit)d.") % {"limit": MAX_LIMIT}]


def _check_choices(
    name: str,
    message: str,
    values: tuple[str, ...],
    choices: list[str],
    errors: dict[str, list[str]],
) -> None:
    unknown = [v for v in values if v not in choices]
    if unknown:
        errors[name] = [message % {"values": ", ".join(unknown), "choices": ", ".join(choices)}]


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
    _check_limit(query.limit, errors)
    if not query.types:
        errors["type"] = [_("Choose what to search: organisations, profiles or both.")]
    _check_choices(
        "type",
        _("Unknown type: %(values)s. Choose among: %(choices)s."),
        tuple(query.types),
        list(RECORD_TYPES),
        errors,
    )
    _check_choices(
        "profile_type",
        _("Unknown profile type: %(values)s. Choose among: %(choices)s."),
        tuple(query.profile_types),
        list(ProfileType.values),
        errors,
    )
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
    """Which records pass the filters; checks the codes named (unknown ones refused).

    ``kinds`` is the organisation's kind, for a profile its owner's.
    """
    mask = np.isin(index.types, list(query.types)) if index.size else np.ones(0, dtype=bool)
    if query.profile_types:
        mask &= (index.types != search_index.PROFILE) | np.isin(
            index.subtypes, list(query.profile_types)
        )
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
    """Each record's distance (its or its owner's nearest site); infinite with no site."""
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


def check_query(query: SearchQuery) -> None:
    """Raise the ValidationError ``search`` would raise for ``query``'s own values.

    Codes are checked by ``search`` against the index; this needs no index (a
    saved search is checked with it before it is stored).
    """
    _check(query)


def search(user: Any, query: SearchQuery) -> list[SearchResult]:
    """The published records that best fit ``query``, best first, each with its reasons.

    Organisations and public cooperation profiles (published, not past their
    expiry date), as ``query.types`` asks. Raises ValidationError naming the
    field for bad input (empty or over-long text, unknown type, profile type,
    kind or code, a distance without a point, a limit outside 1..100). Every
    visitor may search; only published records are searched.
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
    return _rank(index, text, mask, explicit, query.limit, distance=distance)


def _semantic(
    index: search_index.SearchIndex, text: str, candidates: NDArray[np.int64]
) -> NDArray[np.float32] | None:
    """Cosine similarity of the candidates with ``text``; those with no vector get the lowest."""
    embedder = get_embedder(index.embedder)
    if not embedder.dimensions:
        return None
    values = search_index.search_vectors(index, embedder.embed_queries([text])[0])[candidates]
    lacking = ~index.has_vector[candidates]
    if lacking.any():
        values = values.copy()
        values[lacking] = values[~lacking].min() if (~lacking).any() else 0.0
    return values


def _summary(record: search_index.IndexedRecord) -> str:
    if active_language() == "en":
        return record.summary_en or record.summary_it
    return record.summary_it or record.summary_en


def _url(record: search_index.IndexedRecord) -> str:
    if record.type == search_index.PROFILE:
        return reverse("opportunities:profile", kwargs={"pk": record.id})
    return reverse("web:organisation", kwargs={"slug": record.slug})


def _result(
    index: search_index.SearchIndex,
    position: int,
    score: float,
    reasons: Reasons,
) -> SearchResult:
    record = index.records[position]
    return SearchResult(
        type=record.type,
        id=record.id,
        name=record.name,
        slug=record.slug,
        score=round(score, 4),
        reasons=reasons,
        subtype=record.subtype,
        summary=_summary(record),
        url=_url(record),
        owner=record.owner_name,
    )


def _best(
    index: search_index.SearchIndex,
    candidates: NDArray[np.int64],
    fused: NDArray[np.float32],
    k: int,
) -> NDArray[np.int64]:
    """Indices into ``candidates`` of the best ``k`` scores (ties by name), best first."""
    # Only the best few need ordering (ties by name); the others are never shown.
    shortlist = np.arange(candidates.size)
    if candidates.size > 4 * k:
        # Everything scoring at least the k-th best, so that ties at the cut stay in.
        kth_best = -np.partition(-fused, 4 * k - 1)[4 * k - 1]
        shortlist = np.flatnonzero(fused >= kth_best)
    names = np.asarray([index.records[candidates[i]].name for i in shortlist])
    return np.asarray(shortlist[np.lexsort((names, -fused[shortlist]))], dtype=np.int64)


def _rank(
    index: search_index.SearchIndex,
    text: str,
    mask: NDArray[np.bool_],
    explicit: list[int],
    limit: int,
    *,
    distance: NDArray[np.float64] | None = None,
    infer_codes: bool = True,
) -> list[SearchResult]:
    """The best ``limit`` records among ``mask`` for ``text`` and the ``explicit`` codes."""
    candidates = np.flatnonzero(mask)
    if candidates.size == 0:
        return []
    tokens = tokens_of(text)
    ceiling = index.lexical.ceiling(query_words(text))
    lexical = index.lexical.scores(tokens)
    raw: dict[str, NDArray[np.float32]] = {
        "lexical": (lexical / ceiling if ceiling > 0 else lexical)[candidates]
    }
    semantic = _semantic(index, text, candidates)
    if semantic is not None:
        raw["semantic"] = semantic
    query_weights: dict[int, float] = {}
    if infer_codes:
        for code_id in code_relevance.inferred_codes(set(tokens), index.label_stems):
            query_weights[code_id] = index.code_rarity.get(code_id, 1.0) * INFERRED_CODE_WEIGHT
    for code_id in explicit:
        query_weights[code_id] = index.code_rarity.get(code_id, 1.0) * 2.0
    raw["codes"] = _code_signal(index, query_weights)[candidates]

    chosen = weights()
    normalised = {name: fusion.normalise(name, values) for name, values in raw.items()}
    fused = fusion.fuse(normalised, chosen)
    if semantic is not None:
        # A record with no word and no code in common must stand out by meaning.
        evidence = (raw["lexical"] >= LEXICAL_EVIDENCE) | (raw["codes"] > 0)
        keep = evidence | fusion.stands_out(semantic, settings.SEARCH_MIN_SEMANTIC_Z)
        fused = np.where(keep, fused, np.float32(0)).astype(np.float32)
    results: list[SearchResult] = []
    for rank in _best(index, candidates, fused, limit):
        if len(results) >= limit or fused[rank] <= 0:
            break
        position = int(candidates[rank])
        record = index.records[position]
        document = document_tokens(search_index.full_fields(record, index.nodes))
        parts = {name: float(values[rank]) for name, values in normalised.items()}
        reasons = Reasons(
            terms=matched_words(text, document),
            phrases=matched_phrases(text, document),
            codes=_shared_codes(index, list(query_weights), record.code_ids),
            distance_km=(
                round(float(distance[position]), 1)
                if distance is not None and np.isfinite(distance[position])
                else None
            ),
            shares=fusion.shares(parts, chosen),
        )
        results.append(_result(index, position, float(fused[rank]), reasons))
    return results


# --- matching a profile, complementing an organisation ---------------------------------


def _checked_limit(limit: int) -> None:
    errors: dict[str, list[str]] = {}
    _check_limit(limit, errors)
    if errors:
        raise ValidationError(errors)


def profile_text(profile: CooperationProfile) -> str:
    """What a profile says, as one text: the query that finds its partners."""
    parts = [
        profile.title,
        profile.summary,
        profile.description,
        profile.advantages,
        profile.partner_role,
    ]
    text = ". ".join(" ".join(p.split()) for p in parts if p and p.strip())
    return text[: search_index.EMBED_MAX_CHARS]


def find_partners(
    user: Any, profile: CooperationProfile | int, limit: int = 10
) -> list[SearchResult]:
    """The records that answer ``profile``, best first: offers for a request, requests for an offer.

    A request (business, technology, R&D partner, start-up support) also gets the
    organisations that could meet it (of the kinds of partner it seeks, when it
    names any); an offer gets organisations only when it names the kinds of
    partner it seeks. The profile's owner, its other profiles and the profile
    itself are left out. The query is the profile's own text, its codes ranking.
    Raises Http404 when ``user`` may not see the profile (as its page does).
    """
    _checked_limit(limit)
    today = timezone.localdate()
    if isinstance(profile, int):
        found = CooperationProfile.objects.filter(pk=profile).first()
        if found is None:
            raise Http404(_("No such offer or request."))
        profile = found
    if not can_view_profile(user, profile, today):
        raise Http404(_("No such offer or request."))
    index = search_index.get_index()
    if index.size == 0:
        return []
    answers = PARTNER_TYPES.get(profile.profile_type, ())
    partner_kinds = [k for k in (profile.partner_kinds or []) if k]
    is_profile = index.types == search_index.PROFILE
    mask = is_profile & np.isin(index.subtypes, list(answers))
    is_request = profile.profile_type in REQUEST_TYPES
    if is_request or partner_kinds:
        organisations = index.types == search_index.ORGANISATION
        if partner_kinds:
            organisations &= np.isin(index.kinds, partner_kinds)
        mask |= organisations
    mask &= index.owners != profile.owner_id
    own = index.positions.get((search_index.PROFILE, profile.pk))
    if own is not None:
        mask[own] = False
    codes = [c for c in profile.codes.values_list("pk", flat=True) if c in index.nodes]
    text = profile_text(profile) or profile.title
    return _rank(index, text, mask, codes, limit, infer_codes=False)


def _label(node: code_relevance.CodeNode) -> str:
    if active_language() == "en":
        return node.label_en or node.label_it
    return node.label_it or node.label_en


def _covered(code_id: int, own: list[int], index: search_index.SearchIndex) -> bool:
    """Whether one of ``own`` is ``code_id``, or its ancestor or descendant."""
    return any(code_relevance.steps_between(code_id, o, index.nodes) is not None for o in own)


def complementary_partners(
    user: Any, organisation: Organisation | int, limit: int = 10
) -> list[SearchResult]:
    """Published organisations that cover the process steps or segments ``organisation`` lacks.

    Ranked by how much they complement it (each missing process step counts
    fully, each missing segment half, rarer codes more) times how much they
    share its segments and value chains (a cleanroom assembler with no
    sterilisation gets sterilisation providers of its segments first); when it
    has segments or value chains, a partner must share one. ``reasons.complementary``
    lists what the partner covers that it lacks; ``reasons.codes`` what they share.
    Raises Http404 when ``user`` may not see the organisation.
    """
    _checked_limit(limit)
    if isinstance(organisation, int):
        found = Organisation.objects.filter(pk=organisation).first()
        if found is None:
            raise Http404(_("No such organisation."))
        organisation = found
    if not can_view_organisation(user, organisation):
        raise Http404(_("No such organisation."))
    index = search_index.get_index()
    if index.size == 0:
        return []
    own_codes = [c for c in organisation.codes.values_list("pk", flat=True) if c in index.nodes]
    own_by_taxonomy: dict[str, list[int]] = {}
    for code_id in own_codes:
        own_by_taxonomy.setdefault(index.nodes[code_id].taxonomy, []).append(code_id)
    complement = np.zeros(index.size, dtype=np.float32)
    lacking: set[int] = set()
    for code_id, positions in index.postings.items():
        node = index.nodes.get(code_id)
        if node is None or node.taxonomy not in COMPLEMENT_TAXONOMIES:
            continue
        if _covered(code_id, own_by_taxonomy.get(node.taxonomy, []), index):
            continue
        lacking.add(code_id)
        complement[positions] += (
            index.code_rarity.get(code_id, 1.0) * COMPLEMENT_TAXONOMIES[node.taxonomy]
        )
    shared_codes = [c for t in SHARED_TAXONOMIES for c in own_by_taxonomy.get(t, [])]
    shared_weights = {c: index.code_rarity.get(c, 1.0) for c in shared_codes}
    sharing = _code_signal(index, shared_weights)
    mask = (index.types == search_index.ORGANISATION) & (index.owners != organisation.pk)
    mask &= complement > 0
    if shared_codes:
        mask &= sharing > 0
    candidates = np.flatnonzero(mask)
    if candidates.size == 0:
        return []
    complement_part = fusion.by_best(complement[candidates])
    share_part = 0.5 + 0.5 * sharing[candidates] if shared_codes else 1.0
    fused = np.asarray(complement_part * share_part, dtype=np.float32)
    results: list[SearchResult] = []
    for rank in _best(index, candidates, fused, limit):
        if len(results) >= limit:
            break
        position = int(candidates[rank])
        record = index.records[position]
        covered = [
            SharedCode(index.nodes[c].taxonomy, index.nodes[c].code, _label(index.nodes[c]), True)
            for c in record.code_ids
            if c in lacking
        ]
        covered.sort(key=lambda c: (c.taxonomy != "process_step", c.label))
        reasons = Reasons(
            terms=[],
            phrases=[],
            codes=_shared_codes(index, shared_codes, record.code_ids),
            distance_km=None,
            shares={"lexical": 0.0, "semantic": 0.0, "codes": 1.0},
            complementary=covered,
        )
        results.append(_result(index, position, float(fused[rank]), reasons))
    return results


# --- the index ---------------------------------------------------------------------------


def can_rebuild_index(user: Any) -> bool:
    return is_facilitator(user)


def rebuild_index(user: Any, progress: search_index.Progress | None = None) -> dict[str, int]:
    """Rebuild the search index (lexical and embeddings); returns the records indexed by type."""
    if not can_rebuild_index(user):
        raise PermissionDenied(_("Only facilitators may rebuild the search index."))
    index = search_index.rebuild(progress)
    return {record_type: index.count(record_type) for record_type in RECORD_TYPES}


def prepare_index(progress: search_index.Progress | None = None) -> int:
    """Make sure the index holds every saved record (bulk writes included) and the embedding
    of each, before searching (the CLI, batch jobs); returns the records indexed."""
    return search_index.get_index(full_check=True, progress=progress, complete=True).size


def rank_organisations(
    text: str, code_ids: Sequence[int], organisation_ids: Iterable[int], limit: int = 10
) -> list[tuple[int, SearchResult]]:
    """The organisations among ``organisation_ids`` that best fit ``text`` and ``code_ids``.

    Each organisation is ranked by its best record (itself or one of its public
    offers and requests); returns (organisation id, that record's result), best
    first, one per organisation. Used where the candidates are already known
    (the participants of a brokerage event).
    """
    _checked_limit(limit)
    index = search_index.get_index()
    wanted = np.asarray(sorted(set(organisation_ids)), dtype=np.int64)
    if index.size == 0 or wanted.size == 0 or not text.strip():
        return []
    mask = np.isin(index.owners, wanted)
    codes = [c for c in code_ids if c in index.nodes]
    # Every record of an organisation may come before its next one: ask for enough.
    found = _rank(index, text[: search_index.EMBED_MAX_CHARS], mask, codes, 100, infer_codes=False)
    best: dict[int, SearchResult] = {}
    for result in found:
        position = index.positions[(result.type, result.id)]
        best.setdefault(int(index.records[position].owner_id), result)
        if len(best) >= limit:
            break
    return list(best.items())
