"""Disruption scenarios: an area is hit (a flood, an earthquake, a plant fire, a list of
organisations closing) and the district sees what it loses.

An :class:`Area` is one of: a set of organisations; a circle (``centre`` = (lat, lon) and
``radius_km``); a set of municipalities (ISTAT codes). :func:`check_area` says, in English
and Italian, what is wrong with one; :func:`affected` says which organisations it removes;
:func:`run` gives the whole :class:`ScenarioResult`:

* ``removed``: the organisations hit. With a circle or municipalities an organisation is hit
  when *all* its sites are in the area (a plant in the area stops; the others go on); an
  organisation whose location is not known for that kind of area is never hit and is listed
  in ``location_unknown`` instead.
* ``lost_supplies``: for each remaining customer and process step, the local suppliers lost:
  the customer had at least one district (``in_district``) supplier of the step through
  ``supplies`` edges carrying that ``process_step`` and has none left. ``others_left`` names
  the suppliers of that step from outside the district it still has. Supplies edges without
  a process step are counted in the connectivity figures only.
* ``steps_lost``: process steps whose every district organisation carrying the code is gone.
* ``connectivity``: the supply chain's nodes (organisations with a ``supplies`` edge) in its
  largest weakly connected component, as a share of the supply chain's nodes *before* the
  scenario, before and after; and the share of ``supplies`` edges that survive.
* replacement candidates for each lost (customer, step): organisations not hit and known to
  be outside the area that carry the step's code; district ones first, then by their ties
  with the customer, then by their ties overall (after the scenario), then name and id; at
  most ``max_candidates`` (10). Plain ids: the Django service ranks them with the
  matchmaking engine.

Results are JSON-serialisable (:meth:`ScenarioResult.to_json`, :meth:`ScenarioResult.from_json`)
so they can be saved, and :func:`compare` says what differs between two of them.
Everything is linear in nodes and edges (plus sorting), well under a second for a district.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from distretto.network.domain.graph import SUPPLIES, Network, Node

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 500.0
MAX_CANDIDATES = 10
ISTAT_CODE = re.compile(r"^\d{6}$")

# The kinds of area, and the field a form shows "no organisation is in this area" under.
ORGANISATIONS, CIRCLE, MUNICIPALITIES = "organisations", "circle", "municipalities"
_KIND_FIELD = {
    ORGANISATIONS: "organisations",
    CIRCLE: "radius_km",
    MUNICIPALITIES: "municipalities",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: the form field it belongs to (``radius_km``, ``lat``,
    ``lon``, ``municipalities``, ``organisations``, or ``area`` for the area as a whole) and
    the message in English and Italian."""

    field: str
    en: str
    it: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "en": self.en, "it": self.it}


class ScenarioError(ValueError):
    """The scenario cannot run as given; ``problems`` says what is wrong, one per problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.en}" for p in self.problems))

    @property
    def messages_en(self) -> list[str]:
        return [p.en for p in self.problems]

    @property
    def messages_it(self) -> list[str]:
        return [p.it for p in self.problems]

    def messages(self, language: str = "en") -> list[str]:
        """The messages in ``language`` ("it..." for Italian, English otherwise)."""
        return self.messages_it if language.lower().startswith("it") else self.messages_en

    def by_field(self, language: str = "en") -> dict[str, list[str]]:
        """Messages grouped by field, e.g. for a form's ``add_error``."""
        grouped: dict[str, list[str]] = defaultdict(list)
        italian = language.lower().startswith("it")
        for p in self.problems:
            grouped[p.field].append(p.it if italian else p.en)
        return dict(grouped)


def _num_en(value: float) -> str:
    return f"{value:g}"


def _num_it(value: float) -> str:
    return f"{value:g}".replace(".", ",")


@dataclass(frozen=True)
class Area:
    """Where the scenario strikes: ``organisations`` (ids), or a circle (``centre`` =
    (lat, lon) in degrees and ``radius_km``), or ``municipalities`` (ISTAT codes). Only one
    kind at a time; :func:`check_area` says what is wrong. ``label`` is free text for the
    page ("Flood of the Secchia")."""

    organisations: frozenset[int] = frozenset()
    centre: tuple[float | None, float | None] | None = None
    radius_km: float | None = None
    municipalities: frozenset[str] = frozenset()
    label: str = ""

    def __post_init__(self) -> None:
        # Accept any iterable (a list from a form, a set) and keep the area hashable.
        object.__setattr__(self, "organisations", frozenset(self.organisations))
        object.__setattr__(self, "municipalities", frozenset(self.municipalities))
        if self.centre is not None:
            object.__setattr__(self, "centre", tuple(self.centre))

    @classmethod
    def circle(cls, lat: float, lon: float, radius_km: float, label: str = "") -> Area:
        return cls(centre=(lat, lon), radius_km=radius_km, label=label)

    @classmethod
    def of_organisations(cls, ids: Iterable[int], label: str = "") -> Area:
        return cls(organisations=frozenset(ids), label=label)

    @classmethod
    def of_municipalities(cls, codes: Iterable[str], label: str = "") -> Area:
        return cls(municipalities=frozenset(codes), label=label)

    @property
    def kinds(self) -> list[str]:
        """The kinds of area given (more than one is an error)."""
        given = []
        if self.organisations:
            given.append(ORGANISATIONS)
        if self.centre is not None or self.radius_km is not None:
            given.append(CIRCLE)
        if self.municipalities:
            given.append(MUNICIPALITIES)
        return given

    @property
    def kind(self) -> str:
        kinds = self.kinds
        return kinds[0] if len(kinds) == 1 else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "organisations": sorted(self.organisations),
            "centre": list(self.centre) if self.centre is not None else None,
            "radius_km": self.radius_km,
            "municipalities": sorted(self.municipalities),
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Area:
        centre = data.get("centre")
        return cls(
            organisations=frozenset(int(i) for i in data.get("organisations") or ()),
            centre=(centre[0], centre[1]) if centre is not None else None,
            radius_km=data.get("radius_km"),
            municipalities=frozenset(str(c) for c in data.get("municipalities") or ()),
            label=str(data.get("label") or ""),
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def area_problems(area: Area, network: Network | None = None) -> list[Problem]:
    """Everything wrong with ``area`` (empty when it can run). With ``network``, unknown
    organisation ids are problems too."""
    problems: list[Problem] = []
    kinds = area.kinds
    if not kinds:
        return [
            Problem(
                "area",
                "Choose the area: organisations, a circle (centre and radius) or municipalities.",
                "Indica l'area: organizzazioni, un cerchio (centro e raggio) o comuni.",
            )
        ]
    if len(kinds) > 1:
        problems.append(
            Problem(
                "area",
                "Choose only one kind of area: organisations, a circle or municipalities.",
                "Scegli un solo tipo di area: organizzazioni, un cerchio o comuni.",
            )
        )
    if CIRCLE in kinds:
        problems += _circle_problems(area)
    if MUNICIPALITIES in kinds:
        bad = sorted(c for c in area.municipalities if not ISTAT_CODE.match(str(c)))
        if bad:
            shown = ", ".join(bad[:10])
            problems.append(
                Problem(
                    "municipalities",
                    f"Give municipalities as 6-digit ISTAT codes (not valid: {shown}).",
                    f"Indica i comuni con il codice ISTAT di 6 cifre (non validi: {shown}).",
                )
            )
    if ORGANISATIONS in kinds and network is not None:
        unknown = sorted(i for i in area.organisations if i not in network.nodes)
        if unknown:
            shown = ", ".join(str(i) for i in unknown[:10]) + (" …" if len(unknown) > 10 else "")
            problems.append(
                Problem(
                    "organisations",
                    f"Unknown organisations: {shown}.",
                    f"Organizzazioni sconosciute: {shown}.",
                )
            )
    return problems


def _circle_problems(area: Area) -> list[Problem]:
    problems: list[Problem] = []
    centre = area.centre
    lat, lon = centre if centre is not None else (None, None)
    if centre is None or (lat is None and lon is None):
        problems.append(
            Problem(
                "lat",
                "A radius needs a centre: give its latitude and longitude.",
                "Il raggio richiede un centro: indicane latitudine e longitudine.",
            )
        )
    else:
        for name, value, limit, en, it in (
            ("lat", lat, 90, "latitude", "latitudine"),
            ("lon", lon, 180, "longitude", "longitudine"),
        ):
            if value is None:
                problems.append(
                    Problem(
                        name,
                        f"Give the {en} of the centre too.",
                        f"Indica anche la {it} del centro.",
                    )
                )
            elif not _is_number(value) or not -limit <= value <= limit:
                shown = str(value)
                problems.append(
                    Problem(
                        name,
                        f"The {en} must be between -{limit} and {limit} (got {shown}).",
                        f"La {it} deve essere compresa tra -{limit} e {limit} "
                        f"(indicata: {shown.replace('.', ',')}).",
                    )
                )
    radius = area.radius_km
    if radius is None:
        problems.append(
            Problem(
                "radius_km",
                "A centre needs a radius: give the radius in km.",
                "Il centro richiede un raggio: indica il raggio in km.",
            )
        )
    elif not _is_number(radius) or not 0 < radius <= MAX_RADIUS_KM:
        shown_en = _num_en(radius) if _is_number(radius) else str(radius)
        shown_it = _num_it(radius) if _is_number(radius) else str(radius)
        problems.append(
            Problem(
                "radius_km",
                f"The radius must be more than 0 and at most {MAX_RADIUS_KM:g} km "
                f"(got {shown_en}).",
                f"Il raggio deve essere maggiore di 0 e al massimo {MAX_RADIUS_KM:g} km "
                f"(indicato: {shown_it}).",
            )
        )
    return problems


def check_area(area: Area, network: Network | None = None) -> None:
    """Raise :class:`ScenarioError` with every problem of ``area`` (see :func:`area_problems`)."""
    problems = area_problems(area, network)
    if problems:
        raise ScenarioError(problems)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def _sites(node: Node) -> tuple[tuple[float | None, float | None, str], ...]:
    if node.sites:
        return tuple(node.sites)
    return ((node.lat, node.lon, node.municipality),)


def locate(network: Network, area: Area) -> tuple[set[int], set[int]]:
    """(hit, location unknown) for a valid ``area``. An organisation is hit when it has a
    known site, every site is known and every site is in the area; its location is unknown
    when no known site is outside the area but some site is not known (no coordinates for a
    circle, no municipality for municipalities)."""
    kind = area.kind
    if kind == ORGANISATIONS:
        return {i for i in area.organisations if i in network.nodes}, set()
    hit: set[int] = set()
    unknown: set[int] = set()
    if kind == CIRCLE:
        assert area.centre is not None and area.radius_km is not None
        clat, clon = area.centre
        assert clat is not None and clon is not None
        radius = float(area.radius_km)

        def inside(site: tuple[float | None, float | None, str]) -> bool | None:
            lat, lon, _ = site
            if lat is None or lon is None:
                return None
            return haversine_km(clat, clon, lat, lon) <= radius

    elif kind == MUNICIPALITIES:
        codes = area.municipalities

        def inside(site: tuple[float | None, float | None, str]) -> bool | None:
            return (site[2] in codes) if site[2] else None

    else:
        return hit, unknown
    for node in network.nodes.values():
        verdicts = [inside(site) for site in _sites(node)]
        if any(v is False for v in verdicts):
            continue
        if any(v is None for v in verdicts):
            unknown.add(node.id)
        else:
            hit.add(node.id)
    return hit, unknown


def affected(network: Network, area: Area) -> set[int]:
    """The organisations ``area`` removes (see :func:`locate`); raises :class:`ScenarioError`
    when the area is not valid."""
    check_area(area, network)
    return locate(network, area)[0]


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class LostSupply:
    """A customer left without a district supplier of ``step``: the ``suppliers`` it lost,
    the suppliers from outside the district it still has (``others_left``) and the
    replacement ``candidates``."""

    customer: int
    step: str
    suppliers: tuple[int, ...]
    others_left: tuple[int, ...] = ()
    candidates: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "step": self.step,
            "suppliers": list(self.suppliers),
            "others_left": list(self.others_left),
            "candidates": list(self.candidates),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LostSupply:
        return cls(
            customer=int(data["customer"]),
            step=str(data["step"]),
            suppliers=tuple(int(i) for i in data.get("suppliers", ())),
            others_left=tuple(int(i) for i in data.get("others_left", ())),
            candidates=tuple(int(i) for i in data.get("candidates", ())),
        )


@dataclass(frozen=True)
class StepLost:
    """A process step the district no longer has: every district organisation carrying
    the code (``organisations``) is hit; ``outside`` carry it outside the district."""

    step: str
    organisations: tuple[int, ...]
    outside: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "organisations": list(self.organisations),
            "outside": list(self.outside),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepLost:
        return cls(
            step=str(data["step"]),
            organisations=tuple(int(i) for i in data.get("organisations", ())),
            outside=tuple(int(i) for i in data.get("outside", ())),
        )


@dataclass(frozen=True)
class Connectivity:
    """How much of the supply chain stays connected. ``supply_nodes``: organisations with a
    supplies edge before the scenario; ``largest_before``/``largest_after``: organisations in
    the largest weakly connected component of the supplies edges; the shares divide both by
    ``supply_nodes`` (so a removed organisation counts as disconnected)."""

    supply_nodes: int
    largest_before: int
    largest_after: int
    supply_edges_before: int
    supply_edges_after: int

    @property
    def share_before(self) -> float:
        return self.largest_before / self.supply_nodes if self.supply_nodes else 0.0

    @property
    def share_after(self) -> float:
        return self.largest_after / self.supply_nodes if self.supply_nodes else 0.0

    @property
    def edges_share(self) -> float:
        if not self.supply_edges_before:
            return 1.0
        return self.supply_edges_after / self.supply_edges_before

    def to_dict(self) -> dict[str, Any]:
        return {
            "supply_nodes": self.supply_nodes,
            "largest_before": self.largest_before,
            "largest_after": self.largest_after,
            "supply_edges_before": self.supply_edges_before,
            "supply_edges_after": self.supply_edges_after,
            # Derived, for readers of the saved JSON; ignored when reading back.
            "share_before": self.share_before,
            "share_after": self.share_after,
            "edges_share": self.edges_share,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Connectivity:
        return cls(
            supply_nodes=int(data["supply_nodes"]),
            largest_before=int(data["largest_before"]),
            largest_after=int(data["largest_after"]),
            supply_edges_before=int(data["supply_edges_before"]),
            supply_edges_after=int(data["supply_edges_after"]),
        )


@dataclass(frozen=True)
class ScenarioResult:
    area: Area
    removed: tuple[int, ...]
    location_unknown: tuple[int, ...]
    lost_supplies: tuple[LostSupply, ...]
    steps_lost: tuple[StepLost, ...]
    connectivity: Connectivity

    VERSION = 1

    def candidates_by_step(self) -> dict[str, list[int]]:
        """Every replacement candidate of each step, in first-seen order."""
        found: dict[str, dict[int, None]] = defaultdict(dict)
        for lost in self.lost_supplies:
            for c in lost.candidates:
                found[lost.step][c] = None
        return {step: list(ids) for step, ids in found.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.VERSION,
            "area": self.area.to_dict(),
            "removed": list(self.removed),
            "location_unknown": list(self.location_unknown),
            "lost_supplies": [x.to_dict() for x in self.lost_supplies],
            "steps_lost": [x.to_dict() for x in self.steps_lost],
            "connectivity": self.connectivity.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScenarioResult:
        return cls(
            area=Area.from_dict(data["area"]),
            removed=tuple(int(i) for i in data["removed"]),
            location_unknown=tuple(int(i) for i in data.get("location_unknown", ())),
            lost_supplies=tuple(LostSupply.from_dict(x) for x in data.get("lost_supplies", ())),
            steps_lost=tuple(StepLost.from_dict(x) for x in data.get("steps_lost", ())),
            connectivity=Connectivity.from_dict(data["connectivity"]),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> ScenarioResult:
        """From :meth:`to_json`'s text (or the dict a JSON field gives back)."""
        if isinstance(data, str | bytes):
            return cls.from_dict(json.loads(data))
        return cls.from_dict(data)


# ---------------------------------------------------------------------------------------
# Running a scenario


def _largest_component(edges: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """(number of nodes touched by ``edges``, size of the largest weakly connected component)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    if not parent:
        return 0, 0
    sizes = Counter(find(x) for x in parent)
    return len(parent), max(sizes.values())


def run(
    network: Network,
    area: Area,
    *,
    max_candidates: int = MAX_CANDIDATES,
    narrower: Mapping[str, Collection[str]] | None = None,
) -> ScenarioResult:
    """Run the scenario of ``area`` on ``network`` (see the module's docstring).

    ``narrower`` maps a step code to codes that count as carrying it (e.g. its children in
    the taxonomy: ``process_step:sterilisation_eo`` for ``process_step:sterilisation``), for
    the steps lost and the replacement candidates. Raises :class:`ScenarioError` when the
    area is not valid or no organisation is in it.
    """
    check_area(area, network)
    hit, unknown = locate(network, area)
    if not hit:
        en = "No organisation is in this area."
        it = "Nessuna organizzazione si trova in quest'area."
        if unknown:
            en = (
                f"No organisation is in this area ({len(unknown)} with an unknown location "
                "could not be placed)."
            )
            it = (
                f"Nessuna organizzazione si trova in quest'area ({len(unknown)} con posizione "
                "sconosciuta non sono state collocate)."
            )
        raise ScenarioError([Problem(_KIND_FIELD.get(area.kind, "area"), en, it)])
    nodes = network.nodes
    gone = hit

    # Supplies edges: who supplies whom with which step; connectivity before and after.
    supply_pairs: list[tuple[int, int]] = []
    suppliers_of: dict[tuple[int, str], set[int]] = defaultdict(set)
    for e in network.edges:
        if e.kind != SUPPLIES:
            continue
        supply_pairs.append((e.source, e.target))
        if e.process_step and e.source != e.target:
            suppliers_of[(e.target, e.process_step)].add(e.source)
    supply_nodes, largest_before = _largest_component(supply_pairs)
    surviving = [(a, b) for a, b in supply_pairs if a not in gone and b not in gone]
    _, largest_after = _largest_component(surviving)
    connectivity = Connectivity(
        supply_nodes=supply_nodes,
        largest_before=largest_before,
        largest_after=largest_after,
        supply_edges_before=len(supply_pairs),
        supply_edges_after=len(surviving),
    )

    # Who carries each code, and how tied each organisation is after the scenario.
    narrower = narrower or {}
    carriers: dict[str, set[int]] = defaultdict(set)
    for node in nodes.values():
        for code in node.codes:
            carriers[code].add(node.id)

    def carrying(step: str) -> set[int]:
        found = set(carriers.get(step, ()))
        for code in narrower.get(step, ()):
            found |= carriers.get(code, set())
        return found

    ties: Counter[int] = Counter()
    ties_with: dict[int, Counter[int]] = defaultdict(Counter)  # customer -> partner -> ties
    for e in network.edges:
        if e.source in gone or e.target in gone or e.source == e.target:
            continue
        ties[e.source] += 1
        ties[e.target] += 1
        ties_with[e.source][e.target] += 1
        ties_with[e.target][e.source] += 1

    def base_key(i: int) -> tuple[bool, int, str, int]:
        return (not nodes[i].in_district, -ties[i], nodes[i].name, i)

    ranked_cache: dict[str, tuple[set[int], list[int], list[int]]] = {}

    def ranked(step: str) -> tuple[set[int], list[int], list[int]]:
        """The step's pool, its district carriers and its others, each in the base order."""
        if step not in ranked_cache:
            pool = carrying(step) - gone - unknown
            order = sorted(pool, key=base_key)
            ranked_cache[step] = (
                pool,
                [i for i in order if nodes[i].in_district],
                [i for i in order if not nodes[i].in_district],
            )
        return ranked_cache[step]

    def candidates(customer: int, step: str) -> tuple[int, ...]:
        # District first, then outside; in each, those tied with the customer (most ties
        # first), then the base order. Only the first ``max_candidates`` are ever looked at.
        pool, district, outside = ranked(step)
        partners = ties_with.get(customer, Counter())
        tied = sorted(
            (i for i in partners if i in pool and i != customer),
            key=lambda i: (not nodes[i].in_district, -partners[i], *base_key(i)[1:]),
        )
        chosen: list[int] = []
        for group_in_district, group in ((True, district), (False, outside)):
            chosen += [i for i in tied if nodes[i].in_district == group_in_district]
            for i in group:
                if len(chosen) >= max_candidates:
                    break
                if i != customer and i not in partners:
                    chosen.append(i)
            if len(chosen) >= max_candidates:
                break
        return tuple(chosen[:max_candidates])

    lost: list[LostSupply] = []
    for (customer, step), suppliers in suppliers_of.items():
        if customer in gone:
            continue
        local = {s for s in suppliers if nodes[s].in_district}
        if not local:
            continue
        if local - gone:
            continue
        others = sorted(s for s in suppliers - gone if not nodes[s].in_district)
        lost.append(
            LostSupply(
                customer=customer,
                step=step,
                suppliers=tuple(sorted(local)),
                others_left=tuple(others),
                candidates=candidates(customer, step),
            )
        )
    lost.sort(key=lambda x: (x.step, nodes[x.customer].name, x.customer))

    steps: set[str] = {s for (_, s) in suppliers_of}
    steps |= {c for c in carriers if c.startswith("process_step:")}
    steps_lost: list[StepLost] = []
    for step in sorted(steps):
        holders = carrying(step)
        district = {i for i in holders if nodes[i].in_district}
        if district and district <= gone:
            outside = sorted(i for i in holders - gone if not nodes[i].in_district)
            steps_lost.append(StepLost(step, tuple(sorted(district)), tuple(outside)))

    return ScenarioResult(
        area=area,
        removed=tuple(sorted(hit)),
        location_unknown=tuple(sorted(unknown)),
        lost_supplies=tuple(lost),
        steps_lost=tuple(steps_lost),
        connectivity=connectivity,
    )


# ---------------------------------------------------------------------------------------
# Comparing two scenarios


@dataclass(frozen=True)
class Comparison:
    """What differs between scenario ``a`` and scenario ``b``: organisations removed, steps
    lost and (customer, step) supplies lost in one only or in both, and the connected shares.
    ``*_difference`` are b − a."""

    removed_only_a: tuple[int, ...]
    removed_only_b: tuple[int, ...]
    removed_both: tuple[int, ...]
    steps_lost_only_a: tuple[str, ...]
    steps_lost_only_b: tuple[str, ...]
    steps_lost_both: tuple[str, ...]
    supplies_lost_only_a: tuple[tuple[int, str], ...]
    supplies_lost_only_b: tuple[tuple[int, str], ...]
    supplies_lost_both: tuple[tuple[int, str], ...]
    connected_share_a: float
    connected_share_b: float
    edges_share_a: float
    edges_share_b: float

    @property
    def connected_share_difference(self) -> float:
        return self.connected_share_b - self.connected_share_a

    @property
    def edges_share_difference(self) -> float:
        return self.edges_share_b - self.edges_share_a

    @property
    def same(self) -> bool:
        return not (
            self.removed_only_a
            or self.removed_only_b
            or self.steps_lost_only_a
            or self.steps_lost_only_b
            or self.supplies_lost_only_a
            or self.supplies_lost_only_b
        ) and math.isclose(self.connected_share_a, self.connected_share_b)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name.startswith("supplies"):
                out[name] = [list(pair) for pair in value]
            else:
                out[name] = list(value) if isinstance(value, tuple) else value
        out["connected_share_difference"] = self.connected_share_difference
        out["edges_share_difference"] = self.edges_share_difference
        return out


def compare(a: ScenarioResult, b: ScenarioResult) -> Comparison:
    """What differs between two scenario results (e.g. two saved ones)."""
    ra, rb = set(a.removed), set(b.removed)
    sa, sb = {x.step for x in a.steps_lost}, {x.step for x in b.steps_lost}
    la = {(x.customer, x.step) for x in a.lost_supplies}
    lb = {(x.customer, x.step) for x in b.lost_supplies}
    return Comparison(
        removed_only_a=tuple(sorted(ra - rb)),
        removed_only_b=tuple(sorted(rb - ra)),
        removed_both=tuple(sorted(ra & rb)),
        steps_lost_only_a=tuple(sorted(sa - sb)),
        steps_lost_only_b=tuple(sorted(sb - sa)),
        steps_lost_both=tuple(sorted(sa & sb)),
        supplies_lost_only_a=tuple(sorted(la - lb)),
        supplies_lost_only_b=tuple(sorted(lb - la)),
        supplies_lost_both=tuple(sorted(la & lb)),
        connected_share_a=a.connectivity.share_after,
        connected_share_b=b.connectivity.share_after,
        edges_share_a=a.connectivity.edges_share,
        edges_share_b=b.connectivity.edges_share,
    )
