"""The district's network as plain data: organisations as nodes, typed, dated, sourced ties
as edges. No Django here: the services build a ``Network`` from the registry (ties, past
projects, meeting outcomes, consortium partners) and the analytics, scenarios, link
suggestions and exports of this package work on it.

Edge kinds are the registry's tie kinds (``supplies``, ``part_of_group``, ``member_of``,
``project_partner``, ``spin_off_of``, ``collaborates_with``, ``run_by``, ``coordinated_by``,
``meeting_outcome``) plus ``consortium_partner`` (partners who accepted a place in the same
consortium draft). A ``supplies`` edge goes from the supplier to the customer and may name
the process step supplied (a ``process_step:<code>`` string).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SUPPLIES = "supplies"
EDGE_KINDS = (
    "supplies",
    "part_of_group",
    "member_of",
    "project_partner",
    "spin_off_of",
    "collaborates_with",
    "run_by",
    "coordinated_by",
    "meeting_outcome",
    "consortium_partner",
)
# Ties that show two organisations have worked together (for "who should work together next").
TRUSTED_KINDS = frozenset(
    {"supplies", "project_partner", "collaborates_with", "meeting_outcome", "consortium_partner"}
)


@dataclass(frozen=True)
class Node:
    """An organisation. ``codes`` are ``taxonomy:code`` strings (segments, process steps...);
    ``lat``/``lon`` its main site (None when unknown); ``in_district``: a site in the
    district's municipalities; ``municipality`` the ISTAT code of its main site."""

    id: int
    name: str
    kind: str = ""
    slug: str = ""  # the organisation's address name, for links
    codes: frozenset[str] = frozenset()
    lat: float | None = None
    lon: float | None = None
    municipality: str = ""
    in_district: bool = True
    # Every site as (lat, lon, municipality ISTAT code): a scenario removes an organisation
    # when all its sites are in the area (a plant in the area stops; the others go on).
    sites: tuple[tuple[float, float, str], ...] = ()

    def codes_of(self, taxonomy: str) -> frozenset[str]:
        prefix = f"{taxonomy}:"
        return frozenset(c for c in self.codes if c.startswith(prefix))


@dataclass(frozen=True)
class Edge:
    """A tie from ``source`` to ``target`` (organisation ids)."""

    source: int
    target: int
    kind: str
    process_step: str | None = None  # "process_step:<code>" for supplies, when known
    year_from: int | None = None
    year_to: int | None = None
    source_text: str = ""  # where the fact comes from

    def active_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return (self.year_from is None or self.year_from <= year) and (
            self.year_to is None or year <= self.year_to
        )


@dataclass
class Network:
    nodes: dict[int, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    @classmethod
    def of(cls, nodes: Iterable[Node], edges: Iterable[Edge]) -> Network:
        network = cls({n.id: n for n in nodes}, [])
        network.edges = [
            e for e in edges if e.source in network.nodes and e.target in network.nodes
        ]
        return network

    def filtered(
        self,
        kinds: Sequence[str] | None = None,
        year: int | None = None,
        codes: Sequence[str] | None = None,
    ) -> Network:
        """The network with only the edges of ``kinds`` active in ``year``, and (with
        ``codes``) only the nodes carrying one of them and the edges between those."""
        nodes = self.nodes
        if codes:
            wanted = set(codes)
            nodes = {i: n for i, n in nodes.items() if n.codes & wanted}
        edges = [
            e
            for e in self.edges
            if (kinds is None or e.kind in kinds)
            and e.active_in(year)
            and e.source in nodes
            and e.target in nodes
        ]
        return Network(dict(nodes), edges)

    def without(self, removed: Iterable[int]) -> Network:
        gone = set(removed)
        return Network(
            {i: n for i, n in self.nodes.items() if i not in gone},
            [e for e in self.edges if e.source not in gone and e.target not in gone],
        )

    def neighbours(self) -> dict[int, set[int]]:
        """Undirected adjacency over every edge."""
        adjacency: dict[int, set[int]] = {i: set() for i in self.nodes}
        for e in self.edges:
            adjacency[e.source].add(e.target)
            adjacency[e.target].add(e.source)
        return adjacency
