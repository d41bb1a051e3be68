"""Network services: what the pages draw and the actions on scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from distretto.network.domain.graph import Network
from distretto.network.domain.layout import layout

WIDTH, HEIGHT = 1000, 680


def kind_choices() -> list[tuple[str, Any]]:
    """The kinds of ties of the network: the registry's, and partners of one consortium."""
    from distretto.registry.enums import TieKind

    return [*TieKind.choices, ("consortium_partner", _("partner in the same consortium"))]


LABELLED = 25  # the best-connected organisations carry their name on the drawing


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    kinds: list[tuple[str, Any]]  # edge kinds present and their label, for the legend


def _signature(network: Network) -> str:
    import hashlib

    digest = hashlib.sha256()
    digest.update(",".join(map(str, sorted(network.nodes))).encode())
    digest.update(";".join(sorted(f"{e.source}-{e.target}" for e in network.edges)).encode())
    return digest.hexdigest()


def _labelled(ranked: list[Any], network: Network, centre: int | None) -> set[int]:
    """The best-connected organisations whose names fit without running into a name
    already placed (a name is about 6 px a character wide, 14 px high)."""
    placed: list[tuple[float, float, float]] = []
    labelled: set[int] = set()
    for p in ranked:
        if len(labelled) >= LABELLED:
            break
        if not p.degree and p.id != centre:
            continue
        half = 3.2 * min(len(network.nodes[p.id].name), 28)
        if any(abs(p.y - y) < 14 and abs(p.x - x) < half + other for x, y, other in placed):
            continue
        placed.append((p.x, p.y, half))
        labelled.add(p.id)
    return labelled


def drawing(network: Network, centre: int | None = None) -> Drawing:
    """Positions (cached by the network's shape), sizes by degree, a link per organisation;
    ``centre`` (an organisation's neighbourhood) is marked and labelled with everyone."""
    key = f"network-layout:{_signature(network)}"
    points = cache.get(key)
    if points is None:
        points = layout(network, WIDTH, HEIGHT)
        cache.set(key, points, 3600)
    ranked = sorted(points.values(), key=lambda p: (-p.degree, network.nodes[p.id].name))
    size = 2.4 if len(points) <= 150 else 1.4  # smaller dots in a crowded drawing
    labelled = _labelled(ranked, network, centre)
    nodes = [
        {
            "id": p.id,
            "name": network.nodes[p.id].name,
            "kind": network.nodes[p.id].kind,
            "x": p.x,
            "y": p.y,
            "r": round(size * (1.6 + min(p.degree, 30) ** 0.5), 1),
            "degree": p.degree,
            "label": p.id in labelled,
            "centre": p.id == centre,
            "in_district": network.nodes[p.id].in_district,
            "url": reverse("web:organisation", args=[network.nodes[p.id].slug])
            if network.nodes[p.id].slug
            else "",
        }
        for p in ranked
    ]
    edges = [
        {
            "x1": points[e.source].x,
            "y1": points[e.source].y,
            "x2": points[e.target].x,
            "y2": points[e.target].y,
            "kind": e.kind,
        }
        for e in network.edges
        if e.source in points and e.target in points
    ]
    present = {e.kind for e in network.edges}
    kinds = [(kind, label) for kind, label in kind_choices() if kind in present]
    return Drawing(WIDTH, HEIGHT, nodes, edges, kinds)


# --- disruption scenarios ---------------------------------------------------------------


def _language() -> str:
    from django.utils.translation import get_language

    return "it" if (get_language() or "it").startswith("it") else "en"


def area_from(data: dict[str, Any], network: Network) -> Any:
    """The area of a scenario from plain values (the form, the API, the CLI): a circle
    (``lat``, ``lon``, ``radius_km``), ``municipalities`` (ISTAT codes) or
    ``organisations`` (address names). Raises ValidationError naming the field."""
    from django.core.exceptions import ValidationError

    from distretto.network.domain import scenario

    slugs = {n.slug: n.id for n in network.nodes.values()}
    names = [s for s in data.get("organisations") or [] if s]
    unknown = [s for s in names if s not in slugs]
    if unknown:
        raise ValidationError(
            {
                "organisations": [
                    _("Unknown organisations: %(names)s.") % {"names": ", ".join(unknown)}
                ]
            }
        )
    area = scenario.Area(
        organisations=frozenset(slugs[s] for s in names),
        centre=(data["lat"], data["lon"])
        if data.get("lat") is not None and data.get("lon") is not None
        else None,
        radius_km=data.get("radius_km"),
        municipalities=frozenset(data.get("municipalities") or ()),
    )
    if data.get("lat") is not None and data.get("lon") is None:
        raise ValidationError({"lon": [_("Give the longitude of the centre too.")]})
    if data.get("lon") is not None and data.get("lat") is None:
        raise ValidationError({"lat": [_("Give the latitude of the centre too.")]})
    try:
        scenario.check_area(area, network)
    except scenario.ScenarioError as error:
        raise ValidationError(error.by_field(_language())) from None
    return area


def run_scenario(user: Any, data: dict[str, Any]) -> tuple[Any, Network]:
    """Run a scenario on what ``user`` may see of the network; nothing is saved."""
    from django.core.exceptions import ValidationError

    from distretto.network.domain import scenario
    from distretto.network.queries import district_network, narrower_codes

    network = district_network(user)
    area = area_from(data, network)
    try:
        result = scenario.run(network, area, narrower=narrower_codes())
    except scenario.ScenarioError as error:
        raise ValidationError(error.by_field(_language())) from None
    return result, network


def save_scenario(user: Any, name: str, data: dict[str, Any]) -> Any:
    """Run and keep a scenario: facilitators only."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from distretto.accounts.roles import is_facilitator
    from distretto.network.models import Scenario

    if not is_facilitator(user):
        raise PermissionDenied(_("Only facilitators may save scenarios."))
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise ValidationError({"name": [_("Give the scenario a name of at most 200 characters.")]})
    result, _network = run_scenario(user, data)
    return Scenario.objects.create(
        name=name,
        kind=result.area.kind,
        area=result.area.to_dict(),
        result=result.to_dict(),
        created_by=user if getattr(user, "pk", None) else None,
    )


def describe_scenario(result: Any, network: Network) -> dict[str, Any]:
    """A scenario's result as pages and the CLI show it: organisations by name, steps by
    label, replacement candidates ranked by the matchmaking engine for the step."""
    from distretto.taxonomy.models import Code

    steps = {
        f"process_step:{c.code}": c for c in Code.objects.filter(taxonomy__slug="process_step")
    }

    def name(i: int) -> str:
        node = network.nodes.get(i)
        return node.name if node else str(i)

    def org(i: int) -> dict[str, Any]:
        node = network.nodes.get(i)
        return {
            "id": i,
            "name": node.name if node else str(i),
            "slug": node.slug if node else "",
            "in_district": node.in_district if node else False,
        }

    def step_label(code: str) -> str:
        found = steps.get(code)
        return found.label if found else code

    ranked = _rank_candidates(result, steps)
    return {
        "removed": sorted((org(i) for i in result.removed), key=lambda o: o["name"]),
        "location_unknown": sorted(name(i) for i in result.location_unknown),
        "lost_supplies": [
            {
                "customer": org(lost.customer),
                "step": lost.step,
                "step_label": step_label(lost.step),
                "suppliers": [org(i) for i in lost.suppliers],
                "others_left": [org(i) for i in lost.others_left],
                "candidates": [
                    org(i) for i in ranked.get((lost.customer, lost.step), lost.candidates)
                ],
            }
            for lost in result.lost_supplies
        ],
        "steps_lost": [
            {
                "step": s.step,
                "step_label": step_label(s.step),
                "organisations": [org(i) for i in s.organisations],
                "outside": [org(i) for i in s.outside],
            }
            for s in result.steps_lost
        ],
        "connected_before": round(100 * result.connectivity.share_before, 1),
        "connected_after": round(100 * result.connectivity.share_after, 1),
        "supplies_kept": round(100 * result.connectivity.edges_share, 1),
    }


def _rank_candidates(result: Any, steps: dict[str, Any]) -> dict[tuple[int, str], list[int]]:
    """The replacement candidates of each lost supply, best first by the matchmaking engine
    (the step's name and code against the candidates' profiles), ties kept in the domain's
    order (district first)."""
    from distretto.matching.services import rank_organisations

    ranked: dict[tuple[int, str], list[int]] = {}
    for lost in result.lost_supplies:
        if not lost.candidates:
            continue
        code = steps.get(lost.step)
        text = f"{code.label_it} {code.label_en}" if code else lost.step
        found = rank_organisations(text, [code.pk] if code else [], lost.candidates, limit=100)
        order = {org_id: n for n, (org_id, _r) in enumerate(found)}
        ranked[(lost.customer, lost.step)] = sorted(
            lost.candidates, key=lambda i: (order.get(i, len(order)), lost.candidates.index(i))
        )
    return ranked


# --- analytics and suggestions -------------------------------------------------------------

TOP = 10


def _labels(prefixes: tuple[str, ...] = ("process_step", "segment")) -> dict[str, str]:
    from distretto.taxonomy.models import Code

    return {
        f"{c.taxonomy.slug}:{c.code}": c.label
        for c in Code.objects.filter(taxonomy__slug__in=prefixes).select_related("taxonomy")
    }


def network_metrics(network: Network) -> dict[str, Any]:
    """The network's figures, each organisation's metrics and the supply picture, as the page,
    the API and the CLI show them: organisations by name and address name, codes by label,
    explanations in the active language."""
    from django.utils.translation import gettext

    from distretto.network.domain import metrics

    found = metrics.compute(network)
    chain = metrics.supply(network)
    labels = _labels()

    def org(i: int) -> dict[str, Any]:
        node = network.nodes[i]
        return {"id": i, "name": node.name, "slug": node.slug, "in_district": node.in_district}

    def top(key: Any) -> list[dict[str, Any]]:
        ranked = sorted(
            (m for m in found.per_node.values() if key(m) > 0),
            key=lambda m: (-key(m), network.nodes[m.id].name),
        )
        return [{**org(m.id), "value": round(float(key(m)), 4)} for m in ranked[:TOP]]

    groups: dict[int, list[int]] = {}
    for m in found.per_node.values():
        if m.community >= 0:
            groups.setdefault(m.community, []).append(m.id)
    max_core = max((m.core for m in found.per_node.values()), default=0)
    return {
        "figures": {
            "nodes": found.nodes,
            "edges": found.edges,
            "components": found.components,
            "largest_component_share": round(found.largest_component_share, 4),
            "density": round(found.density, 4),
            "average_clustering": round(found.average_clustering, 4),
            "communities": found.communities,
            "modularity": round(found.modularity, 4),
        },
        "betweenness_method": found.betweenness_method,
        "degree": top(lambda m: m.degree),
        "betweenness": top(lambda m: m.betweenness),
        "eigenvector": top(lambda m: m.eigenvector),
        "brokers": [org(i) for i in found.brokers[:TOP]],
        "articulation": [
            {**org(a.id), "cut_off": a.cut_off} for a in found.articulation[:TOP] if a.cut_off
        ],
        "core": {
            "k": max_core,
            "members": sorted(
                (org(m.id) for m in found.per_node.values() if max_core and m.core == max_core),
                key=lambda o: o["name"],
            ),
        },
        "communities": [
            {"number": n + 1, "members": sorted((org(i) for i in ids), key=lambda o: o["name"])}
            for n, ids in sorted(groups.items())[:TOP]
        ],
        "steps": [
            {
                "code": c.code,
                "label": labels.get(c.code, c.code),
                "in_district": len(c.in_district),
                "outside": len(c.outside),
            }
            for c in chain.steps
        ],
        "segments": [
            {
                "code": c.code,
                "label": labels.get(c.code, c.code),
                "in_district": len(c.in_district),
                "outside": len(c.outside),
            }
            for c in chain.segments
        ],
        "single_supplier": [
            {
                "customer": org(d.customer),
                "step": d.step,
                "step_label": labels.get(d.step, d.step),
                "supplier": org(d.supplier),
            }
            for d in chain.single_supplier
        ],
        "single_source_steps": [
            {"step": step, "step_label": labels.get(step, step), "organisation": org(i)}
            for step, i in chain.single_source_steps
        ],
        "no_district_source": [
            {"step": step, "step_label": labels.get(step, step)}
            for step in chain.no_district_source
        ],
        "explanations": {key: gettext(text) for key, text in metrics.EXPLANATIONS.items()},
    }


def suggestions(network: Network, organisation_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """Who ``organisation_id`` should work with next: organisations it is not tied to, close in
    the network and complementary in profile, each with its reasons worded in the active
    language."""
    from django.utils.translation import gettext, ngettext

    from distretto.network.domain import links

    if organisation_id not in network.nodes:
        return []
    labels = _labels()
    shown = []
    for s in links.suggest(network, organisation_id, limit):
        node = network.nodes[s.organisation]
        reasons = []
        if s.common_partners:
            names = [network.nodes[i].name for i in s.common_partners[:3]]
            reasons.append(
                ngettext(
                    "%(count)d partner in common: %(names)s",
                    "%(count)d partners in common: %(names)s",
                    len(s.common_partners),
                )
                % {"count": len(s.common_partners), "names": ", ".join(names)}
            )
        elif s.path_length == 3 and s.via:
            reasons.append(
                gettext("Reached through trusted ties: %(names)s")
                % {"names": " → ".join(network.nodes[i].name for i in s.via)}
            )
        if s.shared_segments:
            reasons.append(
                gettext("Same market: %(segments)s")
                % {"segments": ", ".join(labels.get(c, c) for c in s.shared_segments)}
            )
        if s.complementary_steps:
            reasons.append(
                gettext("Brings %(steps)s")
                % {"steps": ", ".join(labels.get(c, c) for c in s.complementary_steps[:4])}
            )
        if s.competitor:
            reasons.append(gettext("Does much the same: a competitor as much as a partner"))
        shown.append(
            {
                "id": s.organisation,
                "name": node.name,
                "slug": node.slug,
                "in_district": node.in_district,
                "score": round(s.score, 4),
                "reasons": reasons,
            }
        )
    return shown


def compare_scenarios(first: Any, second: Any, network: Network) -> dict[str, Any]:
    """What differs between two saved scenarios, organisations by name and steps by label."""
    from distretto.network.domain import scenario

    found = scenario.compare(
        scenario.ScenarioResult.from_dict(first.result),
        scenario.ScenarioResult.from_dict(second.result),
    )
    labels = _labels(("process_step",))

    def names(ids: Any) -> list[str]:
        return sorted(network.nodes[i].name if i in network.nodes else str(i) for i in ids)

    def steps(codes: Any) -> list[str]:
        return sorted(labels.get(c, c) for c in codes)

    return {
        "first": first,
        "second": second,
        "removed_only_first": names(found.removed_only_a),
        "removed_only_second": names(found.removed_only_b),
        "removed_both": names(found.removed_both),
        "steps_only_first": steps(found.steps_lost_only_a),
        "steps_only_second": steps(found.steps_lost_only_b),
        "steps_both": steps(found.steps_lost_both),
        "supplies_lost_first": len(found.supplies_lost_only_a) + len(found.supplies_lost_both),
        "supplies_lost_second": len(found.supplies_lost_only_b) + len(found.supplies_lost_both),
        "connected_first": round(100 * found.connected_share_a, 1),
        "connected_second": round(100 * found.connected_share_b, 1),
    }


def scenario_area(saved: Any, found: dict[str, Any]) -> dict[str, Any] | None:
    """A saved scenario's circle for the map, marking the sites of the organisations hit."""
    centre = saved.area.get("centre")
    hit = set(saved.result.get("removed", []))
    for site in found["sites"]:
        site["hit"] = site.get("id") in hit
    if not centre or not saved.area.get("radius_km"):
        return None
    return {
        "lat": centre[0],
        "lon": centre[1],
        "radius_km": saved.area["radius_km"],
        "name": saved.name,
    }
