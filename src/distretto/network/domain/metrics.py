"""The district network's analytics: who is central, who brokers between communities, whose
loss would cut others off, and which process steps hang on a single supplier.

Pure Python over :class:`~distretto.network.domain.graph.Network` (no Django). The
centralities use igraph (C code): the network is converted once into an undirected simple
graph over every edge, whatever its kind or direction: a pair of organisations tied several
times, or both ways, is one edge, and ties of an organisation with itself are left out.
Vertex ``i`` of the igraph graph is ``Undirected.ids[i]`` in the network.

``compute`` gives every figure at once; the functions it is made of (``undirected``,
``betweenness``, ``eigenvector``, ``communities``, ``participation``,
``articulation_impact``...) are public so that the benchmark can time each alone.
``supply`` reads the supply chain from the codes of the organisations and the ``supplies``
edges. ``EXPLANATIONS`` says in plain words what each figure measures and how to read it.

Conventions (the tests check them against networkx):

- betweenness is normalised as networkx's ``betweenness_centrality(normalized=True)`` on an
  undirected graph: the share of the shortest paths between pairs of *other* organisations
  that pass through the organisation, divided by ``(n - 1)(n - 2) / 2``. Up to
  ``exact_betweenness_limit`` organisations it is exact; above, it is estimated from the
  shortest paths out of a uniform random sample of source organisations (Brandes & Pich
  2007), scaled by ``eligible / samples``: every source contributes its dependencies, so the
  scaled sum is an unbiased estimate of the exact figure. Sources are drawn among the
  organisations in components of three or more (the others lie on no path between two
  others, so they contribute nothing and leaving them out only lowers the variance);
- eigenvector centrality is computed per connected component (it is meaningful only within
  one): in each component the leading eigenvector scaled so that its largest entry is
  ``λ_component / λ_max`` (λ the component's largest adjacency eigenvalue, λ_max the
  largest over the network). The most central organisation of the most tightly knit
  component scores 1, and a small separate group cannot outrank the main body;
- communities: Louvain (igraph's ``community_multilevel``), seeded for reproducibility, then
  numbered by size (0 the largest); organisations with no tie belong to none (``-1``) and
  are not counted in ``Metrics.communities``;
- average clustering counts organisations with fewer than two partners as 0 (as
  networkx's ``average_clustering``).
"""

from __future__ import annotations

import random
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

import igraph
import numpy as np

from distretto.network.domain.graph import SUPPLIES, Network
from distretto.registry.domain.validation import N_

DEFAULT_SAMPLES = 200
# A broker's ties must be spread over communities at least this much (participation
# coefficient): 0.3 is where Guimerà & Amaral's "connector" roles begin.
BROKER_MIN_PARTICIPATION = 0.3
# Betweenness at or above this quantile (the top decile) marks a possible broker.
BROKER_BETWEENNESS_QUANTILE = 0.9
PROCESS_STEP = "process_step"
SEGMENT = "segment"

EXPLANATIONS: dict[str, str] = {
    "degree": N_(
        "How many different organisations this one is directly tied to, whatever the kind of "
        "tie. A high number means many partners; it says nothing about whether they matter."
    ),
    "betweenness": N_(
        "How often this organisation lies on the shortest chain of ties between two others "
        "(0 to 1). A high value means information and work flow through it: if it stops, "
        "others must take longer routes or lose touch."
    ),
    "eigenvector": N_(
        "How well connected this organisation's partners are themselves (0 to 1, "
        "1 for the most central). A high value means it sits at the heart of the most "
        "connected group, not just that it has many ties."
    ),
    "community": N_(
        "The group of organisations that are tied much more among themselves than to the "
        "rest of the district, found automatically from the ties. Groups are numbered by "
        "size, the largest first."
    ),
    "core": N_(
        "The innermost layer of the network the organisation belongs to: a core number of k "
        "means it is part of a group where everyone has at least k partners within the group. "
        "The higher, the deeper inside the district's tightly knit core."
    ),
    "participation": N_(
        "How evenly this organisation's ties are spread across communities (0 to 1). 0 means "
        "all its partners are in a single community; values near 1 mean its partners are "
        "spread over many."
    ),
    "broker": N_(
        "An organisation among the top tenth for betweenness whose ties reach into several "
        "communities: it links groups that would otherwise hardly talk to each other. Losing "
        "or overloading it weakens the whole district."
    ),
    "articulation": N_(
        "How many organisations would be cut off from the main body of their part of the "
        "network if this one disappeared: they are only connected to the rest through it."
    ),
    "nodes": N_("The number of organisations in the network."),
    "edges": N_(
        "The number of pairs of organisations with at least one tie between them, of any kind."
    ),
    "components": N_(
        "The number of separate pieces of the network: organisations in different pieces "
        "have no chain of ties between them. Organisations with no tie count as a piece each."
    ),
    "largest_component_share": N_(
        "The share of organisations in the largest connected piece. Close to 1 means almost "
        "everyone can reach everyone through some chain of ties."
    ),
    "density": N_(
        "The share of all possible pairs of organisations that are actually tied (0 to 1). "
        "Real districts are sparse: small values are normal, compare over time."
    ),
    "average_clustering": N_(
        "On average, how likely two partners of an organisation are also partners of each "
        "other (0 to 1). High values mean tight-knit circles where everyone knows everyone."
    ),
    "communities": N_(
        "The number of groups of at least two organisations that are tied much more among "
        "themselves than to the rest."
    ),
    "modularity": N_(
        "How clearly the network splits into those groups (up to 1). Above about 0.3 the "
        "groups are marked; near 0 the district is one undivided web."
    ),
    "carriers": N_(
        "How many organisations in the district carry out this process step or work in this "
        "segment. Few carriers means little choice and little redundancy."
    ),
    "single_source_steps": N_(
        "Process steps that only one organisation in the district carries out: if it stops, "
        "the step has to be sourced from outside the district."
    ),
    "single_supplier": N_(
        "Customers that buy a process step from only one supplier: if that supplier stops, "
        "they have no known alternative within their current ties."
    ),
}


@dataclass(frozen=True)
class NodeMetrics:
    """The figures of one organisation (see ``EXPLANATIONS``)."""

    id: int
    degree: int
    betweenness: float
    eigenvector: float
    community: int  # -1: no tie
    core: int
    participation: float
    broker: bool
    articulation_impact: int  # 0 for an organisation whose loss disconnects nobody


@dataclass(frozen=True)
class Articulation:
    """An organisation whose loss splits its connected part of the network: ``cut_off``
    others lose their connection to the largest remaining piece of that part; ``pieces`` is
    how many pieces the part falls into, ``component_size`` its size before."""

    id: int
    cut_off: int
    pieces: int
    component_size: int


@dataclass(frozen=True)
class Metrics:
    nodes: int
    edges: int  # distinct tied pairs
    ties: int  # the network's edges, several per pair included
    components: int
    largest_component_share: float
    density: float
    average_clustering: float
    communities: int  # of two or more organisations
    modularity: float
    betweenness_method: str  # "exact" or "sampled from N sources"
    per_node: Mapping[int, NodeMetrics]
    # Organisations whose loss disconnects others, the most harmful first.
    articulation: tuple[Articulation, ...]
    # Brokers (``NodeMetrics.broker``), by betweenness, highest first.
    brokers: tuple[int, ...]


@dataclass(frozen=True)
class Undirected:
    """The network as an undirected simple igraph graph; ``ids[i]`` is vertex ``i``'s node."""

    graph: igraph.Graph
    ids: tuple[int, ...]
    ties: int

    @property
    def index(self) -> dict[int, int]:
        return {node: i for i, node in enumerate(self.ids)}


def undirected(network: Network) -> Undirected:
    """Convert once: every edge, both directions and several ties per pair as one edge.
    Edges whose ends are not both nodes of the network (``Network.of`` drops them; the plain
    constructor does not) are left out; ``ties`` counts the edges kept."""
    ids = tuple(network.nodes)
    n = len(ids)
    edges = network.edges
    if not n or not edges:
        return Undirected(igraph.Graph(n=n), ids, 0)
    keys = np.fromiter(ids, dtype=np.int64, count=n)
    order = np.argsort(keys)
    sorted_keys = keys[order]

    def positions(ends: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        raw = np.fromiter(ends, dtype=np.int64, count=len(edges))
        at = np.minimum(np.searchsorted(sorted_keys, raw), n - 1)
        return order[at], sorted_keys[at] == raw

    source, known_source = positions(map(attrgetter("source"), edges))
    target, known_target = positions(map(attrgetter("target"), edges))
    known = known_source & known_target
    low, high = np.minimum(source, target), np.maximum(source, target)
    keep = known & (low != high)
    pairs = np.unique(low[keep] * n + high[keep])
    edge_list = np.column_stack((pairs // n, pairs % n))
    return Undirected(igraph.Graph(n=n, edges=edge_list), ids, int(known.sum()))


def betweenness(
    graph: igraph.Graph,
    *,
    exact_limit: int = 3000,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> tuple[list[float], str]:
    """Normalised betweenness (networkx's convention) and how it was found: exact up to
    ``exact_limit`` vertices, else estimated from ``samples`` random sources (see the
    module's docstring for the scaling)."""
    n = graph.vcount()
    if n < 3:
        return [0.0] * n, "exact"
    scale = 2.0 / ((n - 1) * (n - 2))
    eligible = [v for v, size in _component_sizes(graph) if size >= 3]
    if n <= exact_limit or samples >= len(eligible):
        raw = graph.betweenness(directed=False)
        return [b * scale for b in raw], "exact"
    sources = random.Random(seed).sample(eligible, samples)  # noqa: S311 - sampling, not secrets
    raw = graph.betweenness(directed=False, sources=sources)
    factor = scale * len(eligible) / samples
    return [b * factor for b in raw], f"sampled from {samples} sources"


def _component_sizes(graph: igraph.Graph) -> list[tuple[int, int]]:
    """(vertex, size of its connected component) for every vertex."""
    membership = graph.connected_components().membership
    if not membership:
        return []
    sizes = np.bincount(np.asarray(membership, dtype=np.int64))
    return [(v, int(sizes[c])) for v, c in enumerate(membership)]


def eigenvector(graph: igraph.Graph) -> list[float]:
    """Eigenvector centrality per connected component, scaled as the module says."""
    n = graph.vcount()
    values = [0.0] * n
    found: list[tuple[list[int], list[float], float]] = []
    for members in graph.connected_components():
        if len(members) == 2:
            found.append((members, [1.0, 1.0], 1.0))
        elif len(members) > 2:
            sub = graph.induced_subgraph(members)
            with warnings.catch_warnings():
                # Far from the hubs of a large component, scores can be tiny; igraph then
                # warns that the graph "may not be connected", but each component is.
                warnings.filterwarnings("ignore", "Some eigenvector centralities are nearly zero")
                vector, value = sub.eigenvector_centrality(return_eigenvalue=True)
            found.append((members, vector, value))
    if not found:
        return values
    top = max(value for _, _, value in found)
    for members, vector, value in found:
        peak = max(vector)
        factor = value / top / peak if peak > 0 else 0.0
        for v, x in zip(members, vector, strict=True):
            values[v] = max(0.0, x * factor)
    return values


def communities(graph: igraph.Graph, seed: int = 0) -> tuple[list[int], float]:
    """Louvain communities numbered by size (largest 0; -1: no tie) and their modularity."""
    n = graph.vcount()
    if graph.ecount() == 0:
        return [-1] * n, 0.0
    # igraph draws from a process-wide generator: seeded here, then back to igraph's default
    # (the ``random`` module).
    igraph.set_random_number_generator(random.Random(seed))  # noqa: S311 - reproducibility
    try:
        clustering = graph.community_multilevel()
    finally:
        igraph.set_random_number_generator(random)
    raw = clustering.membership
    degree = graph.degree()
    sizes: dict[int, int] = defaultdict(int)
    for v, c in enumerate(raw):
        if degree[v]:
            sizes[c] += 1
    order = sorted(sizes, key=lambda c: (-sizes[c], c))
    label = {c: i for i, c in enumerate(order)}
    membership = [label[c] if degree[v] else -1 for v, c in enumerate(raw)]
    return membership, float(clustering.modularity)


def participation(graph: igraph.Graph, membership: Sequence[int]) -> list[float]:
    """1 − Σ_c (k_ic / k_i)²: how evenly each vertex's ties spread over the communities."""
    n = graph.vcount()
    if graph.ecount() == 0:
        return [0.0] * n
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64)
    community = np.asarray(membership, dtype=np.int64)
    ends = np.concatenate((edges[:, 0], edges[:, 1]))
    others = np.concatenate((edges[:, 1], edges[:, 0]))
    k = community.max() + 2
    keys, counts = np.unique(ends * k + (community[others] + 1), return_counts=True)
    vertex = keys // k
    degree = np.bincount(ends, minlength=n).astype(np.float64)
    squares = np.bincount(vertex, weights=counts.astype(np.float64) ** 2, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(degree > 0, 1.0 - squares / np.maximum(degree, 1.0) ** 2, 0.0)
    return [float(x) for x in result]


def brokers(
    betweenness_values: Sequence[float], participation_values: Sequence[float]
) -> list[bool]:
    """Top decile for betweenness (and above 0) with ties spread over communities."""
    if not betweenness_values:
        return []
    threshold = float(np.quantile(np.asarray(betweenness_values), BROKER_BETWEENNESS_QUANTILE))
    return [
        b > 0 and b >= threshold and p >= BROKER_MIN_PARTICIPATION
        for b, p in zip(betweenness_values, participation_values, strict=True)
    ]


def articulation_impact(graph: igraph.Graph) -> list[tuple[int, int, int, int]]:
    """For every articulation point: (vertex, cut_off, pieces, component size), where
    ``cut_off`` counts the other vertices of its component outside the largest piece left
    when it is removed. Linear time, on the block-cut tree: each articulation point's pieces
    are the subtrees hanging from it, weighted by the vertices they hold."""
    if graph.ecount() == 0:
        return []
    blocks, points = graph.biconnected_components(return_articulation_points=True)
    if not points:
        return []
    n_blocks = len(blocks)
    point_node = {v: n_blocks + j for j, v in enumerate(points)}
    tree: list[list[int]] = [[] for _ in range(n_blocks + len(points))]
    weight = [0] * (n_blocks + len(points))
    for b, members in enumerate(blocks):
        inner = 0
        for v in members:
            node = point_node.get(v)
            if node is None:
                inner += 1
            else:
                tree[b].append(node)
                tree[node].append(b)
        weight[b] = inner
    for node in point_node.values():
        weight[node] = 1
    parent = [-2] * len(tree)
    subtree = weight[:]
    result = []
    for root in range(n_blocks):
        if parent[root] != -2:
            continue
        parent[root] = -1
        order = [root]
        stack = [root]
        while stack:
            node = stack.pop()
            for nxt in tree[node]:
                if parent[nxt] == -2:
                    parent[nxt] = node
                    order.append(nxt)
                    stack.append(nxt)
        for node in reversed(order[1:]):
            subtree[parent[node]] += subtree[node]
        total = subtree[root]
        for node in order:
            if node < n_blocks:
                continue
            children = [subtree[c] for c in tree[node] if c != parent[node]]
            pieces = [*children, total - 1 - sum(children)]
            cut_off = total - 1 - max(pieces)
            result.append((points[node - n_blocks], cut_off, len(pieces), total))
    return result


def compute(
    network: Network,
    *,
    exact_betweenness_limit: int = 3000,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> Metrics:
    """Every figure of the network (see the module's docstring for the conventions)."""
    converted = undirected(network)
    graph = converted.graph
    n, m = graph.vcount(), graph.ecount()
    degree = graph.degree()
    between, method = betweenness(
        graph, exact_limit=exact_betweenness_limit, samples=samples, seed=seed
    )
    central = eigenvector(graph)
    membership, modularity = communities(graph, seed)
    core = graph.coreness() if n else []
    spread = participation(graph, membership)
    broker = brokers(between, spread)
    impact = articulation_impact(graph)
    impact_of = {v: cut for v, cut, _, _ in impact}
    ids = converted.ids
    per_node = {
        ids[v]: NodeMetrics(
            id=ids[v],
            degree=degree[v],
            betweenness=between[v],
            eigenvector=central[v],
            community=membership[v],
            core=core[v],
            participation=spread[v],
            broker=broker[v],
            articulation_impact=impact_of.get(v, 0),
        )
        for v in range(n)
    }
    articulation = tuple(
        Articulation(ids[v], cut, pieces, size)
        for v, cut, pieces, size in sorted(impact, key=lambda r: (-r[1], -r[3], ids[r[0]]))
    )
    parts = graph.connected_components() if n else None
    largest = max(parts.sizes()) if parts is not None else 0
    return Metrics(
        nodes=n,
        edges=m,
        ties=converted.ties,
        components=len(parts) if parts is not None else 0,
        largest_component_share=largest / n if n else 0.0,
        density=2 * m / (n * (n - 1)) if n > 1 else 0.0,
        average_clustering=float(graph.transitivity_avglocal_undirected(mode="zero")) if n else 0.0,
        communities=len({c for c in membership if c >= 0}),
        modularity=modularity,
        betweenness_method=method,
        per_node=per_node,
        articulation=articulation,
        brokers=tuple(
            ids[v] for v in sorted((v for v in range(n) if broker[v]), key=lambda v: -between[v])
        ),
    )


@dataclass(frozen=True)
class Carriers:
    """A process step or segment and the organisations carrying it (``Node.codes``)."""

    code: str
    in_district: tuple[int, ...]
    outside: tuple[int, ...]


@dataclass(frozen=True)
class Dependency:
    """``customer`` buys ``step`` from ``supplier`` only (``supplies`` edges naming it)."""

    customer: int
    step: str
    supplier: int


@dataclass(frozen=True)
class Supply:
    steps: tuple[Carriers, ...]  # every process step carried or supplied, by code
    segments: tuple[Carriers, ...]
    # Customers with exactly one known supplier for a step, by step then customer.
    single_supplier: tuple[Dependency, ...]
    # Steps that exactly one district organisation carries: (step, organisation).
    single_source_steps: tuple[tuple[str, int], ...]
    # Steps supplied or carried, but by no district organisation.
    no_district_source: tuple[str, ...]


def supply(network: Network) -> Supply:
    """The supply chain: carriers of each step and segment, and single points of supply."""
    carriers: dict[str, tuple[list[int], list[int]]] = {}
    for node in network.nodes.values():
        for code in node.codes:
            if code.startswith((f"{PROCESS_STEP}:", f"{SEGMENT}:")):
                here, away = carriers.setdefault(code, ([], []))
                (here if node.in_district else away).append(node.id)
    suppliers: dict[tuple[int, str], set[int]] = defaultdict(set)
    for e in network.edges:
        if e.kind == SUPPLIES and e.process_step and e.source != e.target:
            suppliers[(e.target, e.process_step)].add(e.source)
            carriers.setdefault(e.process_step, ([], []))

    def listed(prefix: str) -> tuple[Carriers, ...]:
        return tuple(
            Carriers(code, tuple(sorted(here)), tuple(sorted(away)))
            for code, (here, away) in sorted(carriers.items())
            if code.startswith(f"{prefix}:")
        )

    steps = listed(PROCESS_STEP)
    single = tuple(
        Dependency(customer, step, next(iter(found)))
        for (customer, step), found in sorted(suppliers.items(), key=lambda i: (i[0][1], i[0][0]))
        if len(found) == 1
    )
    return Supply(
        steps=steps,
        segments=listed(SEGMENT),
        single_supplier=single,
        single_source_steps=tuple(
            (c.code, c.in_district[0]) for c in steps if len(c.in_district) == 1
        ),
        no_district_source=tuple(c.code for c in steps if not c.in_district),
    )
