"""Who should work together next: link suggestions on the district's network.

:func:`suggest` proposes, for one organisation, organisations it has no tie with yet (no edge
of any kind, either direction), scored by

* **network closeness**: Adamic–Adar over common neighbours (every kind of tie; a common
  partner with many ties, such as an association, counts little), plus paths of length 3
  through *trusted* ties only (:data:`~distretto.network.domain.graph.TRUSTED_KINDS`:
  organisations that have worked together), weighted lower and normalised by the degrees
  of the two organisations in between;
* **profile fit** by codes: sharing a segment is a shared market; in a shared market, each
  bringing process steps the other lacks is complementary; the more process steps they
  share (Jaccard), the more they are competitors, weighed down.

The two combine as ``network × (1 + PROFILE_BOOST × profile) + PROFILE_ONLY × profile``: the
profile reorders organisations the network already brings close, and an organisation with
few ties still gets profile-only suggestions (ranked after the close ones). Each
:class:`Suggestion` carries its reasons as data (common partners, path length, one trusted
path, shared segments, complementary steps) for the page to word in either language.

:func:`common_neighbours` is the plain baseline (number of common neighbours), and
:func:`evaluate` hides a share of the known ties and measures how many each method finds
again in its top k (recall@k). :func:`synthetic` builds a seeded *synthetic* district to
measure on: the figures it gives are about made-up data whose ties were drawn from the
same kind of signals the method uses (shared segments, complementary steps, nearby
organisations, triadic closure), not about the real district.

Scores are computed with sparse matrices, a batch of organisations at a time, so that
evaluating on 10,000 organisations and 100,000 ties takes seconds, not hours.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from distretto.network.domain.graph import TRUSTED_KINDS, Edge, Network, Node

SEGMENT = "segment"
PROCESS_STEP = "process_step"

# How the parts weigh: chosen by a small grid search on synthetic(400, seed=1) and
# synthetic(1000, seed=1) (the results are flat around these values); the tests measure on
# other seeds.
PATH3_WEIGHT = 0.5  # trusted paths of length 3, against Adamic–Adar's paths of length 2
SHARED_SEGMENT = 1.0  # sharing at least one segment (a shared market)
COMPLEMENTARY = 1.0  # with a shared segment, each brings a process step the other lacks
COMPETITOR = 0.5  # penalty × Jaccard of the two sets of process steps
PROFILE_BOOST = 0.5
PROFILE_ONLY = 0.05
BATCH = 256


@dataclass(frozen=True)
class Suggestion:
    """A suggested partner for an organisation, with its reasons.

    ``common_partners``: organisations tied to both (hubs last); ``path_length``: 2 with a
    common partner, 3 with only a trusted path of length 3, None for a profile-only
    suggestion; ``trusted_paths``: trusted paths of length 3; ``via``: the two organisations
    in between on the one through the least-tied pair; ``shared_segments``: segments both have;
    ``complementary_steps``: process steps it has and the organisation lacks;
    ``steps_offered``: process steps the organisation has and it lacks; ``shared_steps``:
    process steps both have; ``competitor``: the same process steps.
    """

    organisation: int
    score: float
    network_score: float = 0.0
    profile_score: float = 0.0
    common_partners: tuple[int, ...] = ()
    path_length: int | None = None
    trusted_paths: int = 0
    via: tuple[int, ...] = ()
    shared_segments: tuple[str, ...] = ()
    complementary_steps: tuple[str, ...] = ()
    steps_offered: tuple[str, ...] = ()
    shared_steps: tuple[str, ...] = ()
    competitor: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in ((n, getattr(self, n)) for n in self.__dataclass_fields__)
        }


@dataclass(frozen=True)
class Recall:
    hits: int
    hidden: int

    @property
    def recall(self) -> float:
        return self.hits / self.hidden if self.hidden else 0.0


@dataclass(frozen=True)
class Evaluation:
    """Hidden ties found again in the top ``k``: ``hidden_ties`` undirected ties were hidden;
    each organisation that lost one counts its own hidden ties (so a tie counts from both
    ends) in ``method`` and ``baseline``."""

    k: int
    ties: int
    hidden_ties: int
    organisations: int
    method: Recall
    baseline: Recall

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "ties": self.ties,
            "hidden_ties": self.hidden_ties,
            "organisations": self.organisations,
            "method": {
                "hits": self.method.hits,
                "hidden": self.method.hidden,
                "recall": self.method.recall,
            },
            "baseline": {
                "hits": self.baseline.hits,
                "hidden": self.baseline.hidden,
                "recall": self.baseline.recall,
            },
        }


# ---------------------------------------------------------------------------------------
# The model: matrices built once for a network


def _pairs(edges: Iterable[Edge], kinds: frozenset[str] | None = None) -> set[tuple[int, int]]:
    out = set()
    for e in edges:
        if e.source == e.target or (kinds is not None and e.kind not in kinds):
            continue
        out.add((e.source, e.target) if e.source < e.target else (e.target, e.source))
    return out


def _symmetric(
    pairs: Iterable[tuple[int, int]], index: dict[int, int], n: int
) -> sparse.csr_matrix:
    rows, cols = [], []
    for a, b in pairs:
        rows.append(index[a])
        cols.append(index[b])
    r = np.array(rows + cols, dtype=np.int64)
    c = np.array(cols + rows, dtype=np.int64)
    data = np.ones(len(r), dtype=np.float64)
    matrix = sparse.csr_matrix((data, (r, c)), shape=(n, n))
    matrix.data[:] = 1.0  # duplicates summed: back to 0/1
    return matrix


class LinkModel:
    """The matrices of ``network`` for scoring (build once, ask many times)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.ids: list[int] = sorted(network.nodes)
        self.index = {i: k for k, i in enumerate(self.ids)}
        n = self.n = len(self.ids)
        self.pairs = _pairs(network.edges)
        self.trusted_pairs = _pairs(network.edges, TRUSTED_KINDS)
        self.all = _symmetric(self.pairs, self.index, n)
        self.trusted = _symmetric(self.trusted_pairs, self.index, n)
        degree = np.asarray(self.all.sum(axis=1)).ravel()
        tdegree = np.asarray(self.trusted.sum(axis=1)).ravel()
        self.degree = degree
        # Adamic–Adar: a common neighbour of degree d counts 1 / log d (d ≥ 2 to be common).
        aa = np.zeros(n)
        aa[degree >= 2] = 1.0 / np.log(degree[degree >= 2])
        self.aa_weight = sparse.diags(aa)
        inv = np.zeros(n)
        inv[tdegree > 0] = 1.0 / np.sqrt(tdegree[tdegree > 0])
        self.trusted_norm = sparse.diags(inv)
        self._aa_right = (self.aa_weight @ self.all).tocsr()
        # Profiles as dense 0/1 matrices (a few dozen codes).
        self.segments = sorted({c for n_ in network.nodes.values() for c in n_.codes_of(SEGMENT)})
        self.steps = sorted({c for n_ in network.nodes.values() for c in n_.codes_of(PROCESS_STEP)})
        self.seg = self._code_matrix(self.segments)
        self.step = self._code_matrix(self.steps)
        self.step_count = self.step.sum(axis=1)

    def neighbours(self, organisation_id: int, trusted: bool = False) -> set[int]:
        """The ids tied to ``organisation_id`` (by any tie, or by trusted ties only)."""
        matrix = self.trusted if trusted else self.all
        k = self.index[organisation_id]
        positions = matrix.indices[matrix.indptr[k] : matrix.indptr[k + 1]]
        return {self.ids[p] for p in positions.tolist()}

    def _code_matrix(self, codes: Sequence[str]) -> NDArray[np.float32]:
        position = {c: k for k, c in enumerate(codes)}
        matrix = np.zeros((self.n, len(codes)), dtype=np.float32)
        for k, i in enumerate(self.ids):
            for c in self.network.nodes[i].codes:
                if c in position:
                    matrix[k, position[c]] = 1.0
        return matrix

    # Scores for a batch of rows (positions in ``ids``), as dense arrays.

    def network_scores(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        left = self.all[rows]
        aa = (left @ self._aa_right).toarray()
        # Left to right, so that only the batch's rows are ever multiplied out.
        two = (self.trusted[rows] @ self.trusted_norm @ self.trusted).tocsr()
        p3 = (two @ self.trusted_norm @ self.trusted).toarray()
        return aa + PATH3_WEIGHT * p3

    def profile_scores(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        shared_seg = self.seg[rows] @ self.seg.T > 0
        shared_steps = self.step[rows] @ self.step.T
        mine = self.step_count[rows][:, None]
        theirs = self.step_count[None, :]
        union = mine + theirs - shared_steps
        jaccard = np.divide(shared_steps, union, out=np.zeros_like(shared_steps), where=union > 0)
        # Complementary: each brings a step the other lacks (or one has steps, the other none).
        brings = (theirs - shared_steps) > 0
        gets = (mine - shared_steps) > 0
        complementary = brings & (gets | (mine == 0)) | (gets & (theirs == 0))
        score = SHARED_SEGMENT * shared_seg + COMPLEMENTARY * (shared_seg & complementary)
        return np.asarray(score - COMPETITOR * jaccard, dtype=np.float64)

    def scores(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        net = self.network_scores(rows)
        prof = self.profile_scores(rows)
        return net * (1.0 + PROFILE_BOOST * np.maximum(prof, 0.0)) + PROFILE_ONLY * prof

    def common_scores(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.asarray((self.all[rows] @ self.all).toarray(), dtype=np.float64)

    def _mask(self, rows: NDArray[np.int64], scores: NDArray[np.float64]) -> None:
        """No organisation is suggested to itself or to one it is tied with."""
        scores[np.arange(len(rows)), rows] = -np.inf
        tied = self.all[rows].tocoo()
        scores[tied.row, tied.col] = -np.inf

    def top(
        self, rows: NDArray[np.int64], k: int, baseline: bool = False
    ) -> list[list[tuple[int, float]]]:
        """For each row, the best ``k`` (position, score) with a positive score, ties broken
        by id (positions follow ids)."""
        scores = self.common_scores(rows) if baseline else self.scores(rows)
        self._mask(rows, scores)
        out = []
        for r in range(len(rows)):
            out.append(_best(scores[r], k))
        return out


def _best(row: NDArray[np.float64], k: int) -> list[tuple[int, float]]:
    positive = np.flatnonzero(row > 0)
    if len(positive) > k:
        values = row[positive]
        kth = np.partition(values, len(values) - k)[len(values) - k]
        above = positive[values > kth]
        equal = positive[values == kth][: k - len(above)]
        positive = np.concatenate([above, equal])
    order = sorted(positive.tolist(), key=lambda p: (-row[p], p))
    return [(p, float(row[p])) for p in order[:k]]


# ---------------------------------------------------------------------------------------
# Suggestions with reasons


def _check(network: Network, organisation_id: int) -> None:
    if organisation_id not in network.nodes:
        raise KeyError(f"Unknown organisation: {organisation_id}")


def suggest(
    network: Network,
    organisation_id: int,
    limit: int = 10,
    *,
    model: LinkModel | None = None,
) -> list[Suggestion]:
    """The organisations ``organisation_id`` should work with next, best first (see the
    module's docstring). Pass ``model`` to reuse the matrices across calls."""
    _check(network, organisation_id)
    model = model or LinkModel(network)
    row = np.array([model.index[organisation_id]], dtype=np.int64)
    net = model.network_scores(row)[0]
    prof = model.profile_scores(row)[0]
    best = model.top(row, limit)[0]
    return [
        _explain(model, organisation_id, model.ids[p], score, float(net[p]), float(prof[p]))
        for p, score in best
    ]


def common_neighbours(
    network: Network,
    organisation_id: int,
    limit: int = 10,
    *,
    model: LinkModel | None = None,
) -> list[Suggestion]:
    """The baseline: organisations with the most common neighbours (ties of any kind), not
    yet tied to ``organisation_id``; ties broken by id."""
    _check(network, organisation_id)
    model = model or LinkModel(network)
    row = np.array([model.index[organisation_id]], dtype=np.int64)
    mine = model.neighbours(organisation_id)
    out = []
    for p, score in model.top(row, limit, baseline=True)[0]:
        other = model.ids[p]
        common = tuple(sorted(mine & model.neighbours(other)))
        out.append(
            Suggestion(
                organisation=other,
                score=score,
                network_score=score,
                common_partners=common,
                path_length=2,
            )
        )
    return out


def _explain(
    model: LinkModel, me: int, other: int, score: float, net: float, prof: float
) -> Suggestion:
    network = model.network
    degree = model.degree
    index = model.index
    common = model.neighbours(me) & model.neighbours(other)
    partners = tuple(sorted(common, key=lambda i: (degree[index[i]], network.nodes[i].name, i)))
    # Trusted paths me – a – b – other; ``via`` is the one through the least-tied pair.
    paths = 0
    via: tuple[int, ...] = ()
    best = math.inf
    theirs_trusted = model.neighbours(other, trusted=True)
    for a in sorted(model.neighbours(me, trusted=True) - {other}):
        for b in sorted((model.neighbours(a, trusted=True) & theirs_trusted) - {me, a}):
            paths += 1
            weight = degree[index[a]] * degree[index[b]]
            if weight < best:
                best, via = weight, (a, b)
    mine, theirs = network.nodes[me], network.nodes[other]
    my_steps, their_steps = mine.codes_of(PROCESS_STEP), theirs.codes_of(PROCESS_STEP)
    return Suggestion(
        organisation=other,
        score=score,
        network_score=net,
        profile_score=prof,
        common_partners=partners,
        path_length=2 if partners else (3 if paths else None),
        trusted_paths=paths,
        via=via,
        shared_segments=tuple(sorted(mine.codes_of(SEGMENT) & theirs.codes_of(SEGMENT))),
        complementary_steps=tuple(sorted(their_steps - my_steps)),
        steps_offered=tuple(sorted(my_steps - their_steps)),
        shared_steps=tuple(sorted(my_steps & their_steps)),
        competitor=bool(my_steps) and my_steps == their_steps,
    )


# ---------------------------------------------------------------------------------------
# Evaluation


def evaluate(network: Network, hide: float = 0.2, seed: int = 0, k: int = 10) -> Evaluation:
    """Hide ``hide`` of the known ties (undirected pairs, every edge between them; chosen at
    random with ``seed``, only while both organisations keep another tie), then for each
    organisation that lost a tie count how many of its hidden ties the method and the
    baseline put in their top ``k`` on the network without them."""
    pairs = sorted(_pairs(network.edges))
    rng = random.Random(seed)  # noqa: S311 (a seeded sample, not a secret)
    rng.shuffle(pairs)
    degree: dict[int, int] = {i: 0 for i in network.nodes}
    for a, b in pairs:
        degree[a] += 1
        degree[b] += 1
    target = round(hide * len(pairs))
    hidden: set[tuple[int, int]] = set()
    for a, b in pairs:
        if len(hidden) >= target:
            break
        if degree[a] >= 2 and degree[b] >= 2:
            hidden.add((a, b))
            degree[a] -= 1
            degree[b] -= 1
    training = Network(
        dict(network.nodes),
        [
            e
            for e in network.edges
            if (min(e.source, e.target), max(e.source, e.target)) not in hidden
        ],
    )
    lost: dict[int, set[int]] = {}
    for a, b in hidden:
        lost.setdefault(a, set()).add(b)
        lost.setdefault(b, set()).add(a)
    model = LinkModel(training)
    who = sorted(lost)
    totals = {False: 0, True: 0}
    for start in range(0, len(who), BATCH):
        chunk = who[start : start + BATCH]
        rows = np.array([model.index[i] for i in chunk], dtype=np.int64)
        for baseline in (False, True):
            for i, best in zip(chunk, model.top(rows, k, baseline=baseline), strict=True):
                found = {model.ids[p] for p, _ in best}
                totals[baseline] += len(found & lost[i])
    hidden_count = sum(len(v) for v in lost.values())
    return Evaluation(
        k=k,
        ties=len(pairs),
        hidden_ties=len(hidden),
        organisations=len(who),
        method=Recall(totals[False], hidden_count),
        baseline=Recall(totals[True], hidden_count),
    )


# ---------------------------------------------------------------------------------------
# A synthetic district to measure on

SYNTHETIC_STEPS = (
    "process_step:design_rd",
    "process_step:precision_machining",
    "process_step:injection_moulding",
    "process_step:extrusion",
    "process_step:cleanroom_assembly",
    "process_step:sterilisation",
    "process_step:packaging",
    "process_step:logistics",
    "process_step:regulatory_quality",
    "process_step:testing_laboratory",
)
SYNTHETIC_SEGMENTS = (
    "segment:dialysis",
    "segment:parenteral_nutrition",
    "segment:enteral_nutrition",
    "segment:cardiac_surgery",
    "segment:intensive_care",
    "segment:anaesthesia",
    "segment:transfusion",
    "segment:apheresis",
)
MANUFACTURER_STEPS = (
    "process_step:design_rd",
    "process_step:cleanroom_assembly",
    "process_step:regulatory_quality",
)


@dataclass
class _Firm:
    id: int
    kind: str
    segments: list[str]
    steps: list[str]
    lat: float
    lon: float
    municipality: str
    in_district: bool
    supplied: int = 0
    ties: set[int] = field(default_factory=set)


def synthetic(n: int = 400, seed: int = 0, edges_per_organisation: float = 5.0) -> Network:
    """A seeded, made-up district of ``n`` organisations and about
    ``edges_per_organisation × n`` ties, for tests and measurements only.

    Manufacturers (a quarter) make products for one or two segments and do design,
    cleanroom assembly or regulatory work; suppliers (most) do one or two process steps for
    one to three segments; a few associations have members; some organisations are outside
    the district. Ties: suppliers supply customers that share a segment and lack the step
    (popular suppliers more often, nearby ones more often); projects join three to five
    nearby organisations; partners of a common partner start collaborating (triadic
    closure); memberships of associations; and a share of random ties (meetings) as noise.
    """
    rng = random.Random(seed)  # noqa: S311 (a seeded sample, not a secret)
    n_segments = max(4, round(n / 50))
    segments = list(SYNTHETIC_SEGMENTS[:n_segments]) + [
        f"segment:synthetic_{k}" for k in range(max(0, n_segments - len(SYNTHETIC_SEGMENTS)))
    ]
    segment_weight = [1.0 / (k + 1) ** 0.7 for k in range(len(segments))]
    n_places = max(5, n // 40)
    places = [
        (44.87 + rng.uniform(-0.2, 0.2), 11.06 + rng.uniform(-0.3, 0.3), f"036{k:03d}")
        for k in range(n_places)
    ]
    firms: list[_Firm] = []
    for i in range(1, n + 1):
        roll = rng.random()
        kind = "association" if roll < 0.02 else "manufacturer" if roll < 0.27 else "supplier"
        in_district = kind == "association" or rng.random() > 0.15
        if in_district:
            lat0, lon0, municipality = rng.choice(places)
            lat, lon = lat0 + rng.gauss(0, 0.01), lon0 + rng.gauss(0, 0.01)
        else:
            lat, lon = 44.87 + rng.uniform(-2, 2), 11.06 + rng.uniform(-2, 2)
            municipality = f"0{rng.randint(10000, 99999)}"
        if kind == "association":
            segs: list[str] = []
            steps: list[str] = []
        elif kind == "manufacturer":
            segs = _pick(rng, segments, segment_weight, rng.choice((1, 1, 2)))
            steps = rng.sample(MANUFACTURER_STEPS, rng.choice((1, 2)))
        else:
            segs = _pick(rng, segments, segment_weight, rng.choice((1, 2, 3)))
            steps = rng.sample(SYNTHETIC_STEPS, rng.choice((1, 1, 2)))
        firms.append(_Firm(i, kind, segs, steps, lat, lon, municipality, in_district))

    by_id = {f.id: f for f in firms}
    edges: list[Edge] = []
    pairs: set[tuple[int, int]] = set()

    def tie(a: _Firm, b: _Firm, kind: str, step: str | None = None) -> bool:
        if a.id == b.id:
            return False
        key = (min(a.id, b.id), max(a.id, b.id))
        if key in pairs:
            return False
        pairs.add(key)
        a.ties.add(b.id)
        b.ties.add(a.id)
        year = rng.randint(2005, 2024)
        edges.append(Edge(a.id, b.id, kind, step, year, None, "synthetic"))
        return True

    budget = int(edges_per_organisation * n)
    companies = [f for f in firms if f.kind != "association"]
    associations = [f for f in firms if f.kind == "association"]
    customers = [f for f in companies if f.kind == "manufacturer"] or companies
    by_step_segment: dict[tuple[str, str], list[_Firm]] = {}
    for f in companies:
        for s in f.steps:
            for g in f.segments:
                by_step_segment.setdefault((s, g), []).append(f)

    def near(a: _Firm, b: _Firm) -> float:
        return math.hypot(a.lat - b.lat, a.lon - b.lon)

    # Supplies: 45% of the ties.
    goal = len(edges) + int(0.45 * budget)
    attempts = 0
    while len(edges) < goal and attempts < budget * 20:
        attempts += 1
        customer = rng.choice(customers) if rng.random() < 0.8 else rng.choice(companies)
        missing = [s for s in SYNTHETIC_STEPS if s not in customer.steps]
        if not customer.segments or not missing:
            continue
        step = rng.choice(missing)
        pool = by_step_segment.get((step, rng.choice(customer.segments)), [])
        pool = [p for p in pool if p.id != customer.id]
        if not pool:
            continue
        sample = rng.sample(pool, min(8, len(pool)))
        weights = [(1 + p.supplied) / (0.05 + near(customer, p)) for p in sample]
        supplier = rng.choices(sample, weights)[0]
        if tie(supplier, customer, "supplies", step):
            supplier.supplied += 1

    # Projects among nearby organisations sharing a segment: 20%.
    goal = len(edges) + int(0.2 * budget)
    attempts = 0
    while len(edges) < goal and attempts < budget * 20:
        attempts += 1
        lead = rng.choice(companies)
        if not lead.segments:
            continue
        sample = rng.sample(companies, min(60, len(companies)))
        fitting = [f for f in sample if f.id != lead.id and set(f.segments) & set(lead.segments)]
        fitting.sort(key=lambda f: near(lead, f))
        group = [lead, *fitting[: rng.randint(2, 4)]]
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                tie(group[x], group[y], "project_partner")

    # Triadic closure: 15%.
    goal = len(edges) + int(0.15 * budget)
    attempts = 0
    while len(edges) < goal and attempts < budget * 20:
        attempts += 1
        middle = rng.choice(companies)
        if len(middle.ties) < 2:
            continue
        a, b = rng.sample(sorted(middle.ties), 2)
        if by_id[a].kind != "association" and by_id[b].kind != "association":
            tie(by_id[a], by_id[b], "collaborates_with")

    # Memberships of associations: 10%.
    goal = len(edges) + int(0.1 * budget)
    attempts = 0
    while associations and len(edges) < goal and attempts < budget * 20:
        attempts += 1
        tie(rng.choice(companies), rng.choice(associations), "member_of")

    # Noise: random meetings, up to the budget.
    attempts = 0
    while len(edges) < budget and attempts < budget * 20:
        attempts += 1
        one, other = rng.sample(companies, 2)
        tie(one, other, "meeting_outcome")

    nodes = [
        Node(
            id=f.id,
            name=f"{f.kind.title()} {f.id:05d}",
            kind=f.kind,
            codes=frozenset(f.segments + f.steps),
            lat=round(f.lat, 5),
            lon=round(f.lon, 5),
            municipality=f.municipality,
            in_district=f.in_district,
        )
        for f in firms
    ]
    # Supplies go from the supplier to the customer; other ties keep the order drawn.
    return Network.of(nodes, edges)


def _pick(rng: random.Random, items: Sequence[str], weights: Sequence[float], k: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < min(k, len(items)):
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen
