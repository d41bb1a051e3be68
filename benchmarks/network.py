"""Network analytics benchmark: each metric of ``distretto.network.domain.metrics`` on synthetic
district-like networks, timed and measured for peak memory.

SYNTHETIC DATA, generated with a fixed seed, shaped like an industrial district's network
(nothing here describes real organisations):

- organisations in communities of firms (sizes heavy-tailed: 20 × (1 + Pareto(1.5)), at
  most 2% of the network each), each community around its own centre near Mirandola
  (44.887, 11.066);
  70% of the organisations in the district (within 15 km of Mirandola, ``in_district``),
  30% outside (20 to 40 km away);
- heavy-tailed degrees: each organisation has an activity drawn from 1 + Pareto(1.8)
  (capped at 2% of the network; a quarter of them, the periphery, 12 times less active,
  so that some have one tie or none), and both ends of every tie are drawn in proportion to it
  (Chung-Lu style); 80% of the ties stay within the community, 20% go anywhere;
- edge kinds: 40% ``supplies`` (90% of them name one of the supplier's process steps),
  20% ``collaborates_with``, 15% ``project_partner``, 8% ``member_of``, 5% ``part_of_group``,
  5% ``meeting_outcome``, 4% ``consortium_partner``, 1% each ``spin_off_of``, ``run_by``,
  ``coordinated_by``; repeated ties between the same pair are kept (they count once);
- codes: 1 to 4 of 36 common process steps and 1 or 2 of 8 segments per organisation, with
  Zipf-like popularity (rank^-1), so some steps are common and some rare; 4 more niche
  steps are carried by 1 to 3 organisations each (anywhere, in the district or not).

Each case (a metric on one size) runs in its own fresh process (``spawn``), which generates
the network, converts it to igraph and computes what the metric needs beforehand (untimed),
then times the metric alone; its peak memory (``ru_maxrss``) is that of the whole process,
the network included (``base MB`` is the peak before the metric). ``compute`` is every
metric at once, as the network page calls it. The exact betweenness (the reference for the
page's text) is measured at sizes up to ``--exact-up-to`` and compared with the sampled one.

Targets on the reference machine (2 cores): every metric of the 100,000-organisation network
within 60 s and 4 GB.

Prints a table and writes benchmarks/results/network.json.

    .venv/bin/python benchmarks/network.py [--sizes 10000,100000] [--seed 7]
        [--cases degree,betweenness,...] [--exact-up-to 10000]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import multiprocessing
import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = "10000,100000"
EDGES_PER_NODE = 10
TARGET_SECONDS = 60.0
TARGET_MB = 4096.0
TARGET_SIZE = 100_000  # the targets apply to this size (and below)
MIRANDOLA = (44.887, 11.066)
KM_PER_DEGREE_LAT = 111.0
EDGE_KINDS = [
    ("supplies", 40),
    ("collaborates_with", 20),
    ("project_partner", 15),
    ("member_of", 8),
    ("part_of_group", 5),
    ("meeting_outcome", 5),
    ("consortium_partner", 4),
    ("spin_off_of", 1),
    ("run_by", 1),
    ("coordinated_by", 1),
]
STEPS = [f"process_step:step-{n:02d}" for n in range(1, 41)]
NICHE_STEPS = 4  # the last steps, carried by 1 to 3 organisations each
SEGMENTS = [f"segment:segment-{n:02d}" for n in range(1, 9)]


def generate(size: int, seed: int, edges_per_node: int = EDGES_PER_NODE) -> Any:
    """A synthetic network (see the module's docstring); the same for the same arguments."""
    import numpy as np

    from distretto.network.domain.graph import Edge, Network, Node

    rng = np.random.default_rng([seed, size])
    n, m = size, size * edges_per_node
    # communities, heavy-tailed sizes
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(min(20 * (1 + rng.pareto(1.5)), max(20, n // 50))))
    sizes[-1] -= sum(sizes) - n
    community = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(community)
    order = np.argsort(community, kind="stable")  # nodes grouped by community
    starts = np.concatenate(([0], np.cumsum(sizes)))
    # activity (degree propensity), heavy-tailed
    activity = np.minimum(1 + rng.pareto(1.8, n), n / 50)
    activity[rng.random(n) < 0.25] *= 0.08  # the periphery: one or two ties, or none
    cumulative = np.cumsum(activity)
    grouped = np.cumsum(activity[order])  # cumulative activity, community by community
    grouped_start = np.concatenate(([0.0], grouped))[starts[:-1]]
    grouped_end = grouped[starts[1:] - 1]
    source = np.searchsorted(cumulative, rng.random(m) * cumulative[-1], side="right")
    target = np.searchsorted(cumulative, rng.random(m) * cumulative[-1], side="right")
    inside = rng.random(m) < 0.8
    c = community[source[inside]]
    draw = grouped_start[c] + rng.random(int(inside.sum())) * (grouped_end[c] - grouped_start[c])
    target[inside] = order[
        np.minimum(np.searchsorted(grouped, draw, side="right"), starts[c + 1] - 1)
    ]
    source = np.minimum(source, n - 1)
    target = np.minimum(target, n - 1)
    # places: communities around Mirandola, 70% in the district
    in_district = rng.random(n) < 0.7
    angle = rng.random(n) * 2 * math.pi
    distance = np.where(in_district, 15 * np.sqrt(rng.random(n)), 20 + 20 * rng.random(n))
    centre = rng.random((len(sizes), 2)) * 0.1 - 0.05  # communities ~ a few km apart
    lat = MIRANDOLA[0] + distance * np.sin(angle) / KM_PER_DEGREE_LAT + centre[community, 0] * 0.3
    lon = (
        MIRANDOLA[1]
        + distance * np.cos(angle) / (KM_PER_DEGREE_LAT * math.cos(math.radians(MIRANDOLA[0])))
        + centre[community, 1] * 0.3
    )
    # codes, Zipf-like popularity
    common = len(STEPS) - NICHE_STEPS
    step_p = 1 / np.arange(1, common + 1)
    step_p /= step_p.sum()
    segment_p = 1 / np.arange(1, len(SEGMENTS) + 1)
    segment_p /= segment_p.sum()
    step_count = rng.integers(1, 5, n)
    segment_count = rng.integers(1, 3, n)
    step_draws = rng.choice(common, (n, 4), p=step_p)
    niche: dict[int, list[str]] = {}
    for j, rare in enumerate(STEPS[common:]):
        for i in rng.choice(n, 1 + j % 3, replace=False).tolist():
            niche.setdefault(i, []).append(rare)
    segment_draws = rng.choice(len(SEGMENTS), (n, 2), p=segment_p)
    nodes = []
    steps_of: list[list[str]] = []
    for i in range(n):
        steps = sorted({STEPS[s] for s in step_draws[i, : step_count[i]]} | set(niche.get(i, ())))
        steps_of.append(steps)
        segments = {SEGMENTS[s] for s in segment_draws[i, : segment_count[i]]}
        here = bool(in_district[i])
        place = f"036{int(rng.integers(1, 48)):03d}" if here else f"0{int(rng.integers(1, 99)):05d}"
        lat_i, lon_i = round(float(lat[i]), 5), round(float(lon[i]), 5)
        nodes.append(
            Node(
                id=i + 1,
                name=f"Synthetic firm {i + 1}",
                kind="sme",
                codes=frozenset(steps) | segments,
                lat=lat_i,
                lon=lon_i,
                municipality=place,
                in_district=here,
                sites=((lat_i, lon_i, place),),
            )
        )
    kinds = [k for k, _ in EDGE_KINDS]
    weights = np.array([w for _, w in EDGE_KINDS], dtype=float)
    kind_of = rng.choice(len(kinds), m, p=weights / weights.sum())
    named = rng.random(m) < 0.9
    pick = rng.integers(0, 4, m)
    years = rng.integers(2005, 2026, m)
    edges = []
    for s, t, k, has, p, y in zip(
        source.tolist(),
        target.tolist(),
        kind_of.tolist(),
        named.tolist(),
        pick.tolist(),
        years.tolist(),
        strict=True,
    ):
        kind = kinds[k]
        step: str | None = None
        if kind == "supplies" and has:
            own = steps_of[s]
            step = own[p % len(own)]
        edges.append(Edge(s + 1, t + 1, kind, step, year_from=y))
    return Network({node.id: node for node in nodes}, edges)


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


# ---- CASES -------------------------------------------------------------------------------
# Each case gets the network (generated in its own process) and the seed, prepares what it
# needs untimed, times its metric with ``timed`` and returns its figures with "seconds" (and
# "method" or other details it wants in the table's last column, as "note"). Others add
# theirs at the end of ``CASES`` (a scenario from ``distretto.network.domain.scenario``,
# link suggestions from ``distretto.network.domain.links``), importing inside the function.


def convert(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import undirected

    converted, seconds = timed(undirected, network)
    return {"seconds": seconds, "note": f"{converted.graph.ecount():,} distinct pairs"}


def degree(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import undirected

    graph = undirected(network).graph
    _, seconds = timed(graph.degree)
    return {"seconds": seconds}


def betweenness(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import betweenness as measure
    from distretto.network.domain.metrics import undirected

    graph = undirected(network).graph
    (_, method), seconds = timed(measure, graph, seed=seed)
    return {"seconds": seconds, "method": method, "note": method}


def betweenness_exact(network: Any, seed: int) -> dict[str, Any]:
    """The exact figure (reference for the page), and how close the sampled one is to it."""
    from scipy.stats import spearmanr

    from distretto.network.domain.metrics import betweenness as measure
    from distretto.network.domain.metrics import undirected

    graph = undirected(network).graph
    (exact, _), seconds = timed(measure, graph, exact_limit=graph.vcount())
    (sampled, method), sampled_seconds = timed(measure, graph, seed=seed)
    rho = float(spearmanr(exact, sampled).statistic)
    top_exact = sorted(range(len(exact)), key=lambda v: -exact[v])[:10]
    top_sampled = set(sorted(range(len(sampled)), key=lambda v: -sampled[v])[:10])
    return {
        "seconds": seconds,
        "method": "exact",
        "sampled_method": method,
        "sampled_seconds": round(sampled_seconds, 2),
        "spearman_sampled_vs_exact": round(rho, 4),
        "top_node_same": top_exact[0] == max(range(len(sampled)), key=lambda v: sampled[v]),
        "top10_overlap": len(top_sampled & set(top_exact)),
        "sum_ratio_sampled_to_exact": round(sum(sampled) / sum(exact), 4),
        "note": f"sampled vs exact: Spearman {rho:.3f}, "
        f"top-10 overlap {len(top_sampled & set(top_exact))}/10",
    }


def eigenvector(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import eigenvector as measure
    from distretto.network.domain.metrics import undirected

    graph = undirected(network).graph
    _, seconds = timed(measure, graph)
    return {"seconds": seconds}


def communities(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import communities as measure
    from distretto.network.domain.metrics import undirected

    graph = undirected(network).graph
    (membership, modularity), seconds = timed(measure, graph, seed)
    count = len({c for c in membership if c >= 0})
    return {
        "seconds": seconds,
        "communities": count,
        "modularity": round(modularity, 4),
        "note": f"{count} communities, modularity {modularity:.3f}",
    }


def k_core(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import undirected

    graph = undirected(network).graph
    cores, seconds = timed(graph.coreness)
    return {"seconds": seconds, "note": f"max core {max(cores)}"}


def brokers(network: Any, seed: int) -> dict[str, Any]:
    """Participation and the broker flag, given betweenness and communities (untimed)."""
    from distretto.network.domain import metrics

    graph = metrics.undirected(network).graph
    between, _ = metrics.betweenness(graph, seed=seed)
    membership, _ = metrics.communities(graph, seed)

    def measure() -> list[bool]:
        return metrics.brokers(between, metrics.participation(graph, membership))

    flags, seconds = timed(measure)
    return {"seconds": seconds, "brokers": sum(flags), "note": f"{sum(flags):,} brokers"}


def articulation_impact(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import articulation_impact as measure
    from distretto.network.domain.metrics import undirected

    graph = undirected(network).graph
    impact, seconds = timed(measure, graph)
    worst = max((cut for _, cut, _, _ in impact), default=0)
    return {
        "seconds": seconds,
        "articulation_points": len(impact),
        "largest_cut_off": worst,
        "note": f"{len(impact):,} articulation points, worst cuts off {worst}",
    }


def supply(network: Any, seed: int) -> dict[str, Any]:
    from distretto.network.domain.metrics import supply as measure

    result, seconds = timed(measure, network)
    return {
        "seconds": seconds,
        "single_supplier": len(result.single_supplier),
        "single_source_steps": len(result.single_source_steps),
        "note": f"{len(result.single_supplier):,} single-supplier dependencies, "
        f"{len(result.single_source_steps)} single-source steps",
    }


def compute(network: Any, seed: int) -> dict[str, Any]:
    """Every metric at once, conversion included, as the network page asks for them."""
    from distretto.network.domain.metrics import compute as measure

    result, seconds = timed(measure, network, seed=seed)
    return {
        "seconds": seconds,
        "method": result.betweenness_method,
        "figures": {
            "nodes": result.nodes,
            "edges": result.edges,
            "ties": result.ties,
            "components": result.components,
            "largest_component_share": round(result.largest_component_share, 4),
            "density": result.density,
            "average_clustering": round(result.average_clustering, 4),
            "communities": result.communities,
            "modularity": round(result.modularity, 4),
        },
        "note": f"all, betweenness {result.betweenness_method}",
    }


def scenario(network: Any, seed: int) -> dict[str, Any]:
    """An earthquake: every site within 10 km of Medolla, on the whole synthetic graph (the
    district graph, a few hundred organisations, is far smaller)."""
    from distretto.network.domain.scenario import Area, run

    result, seconds = timed(run, network, Area.circle(44.8447, 11.0706, 10.0))
    return {
        "seconds": seconds,
        "removed": len(result.removed),
        "lost_supplies": len(result.lost_supplies),
        "note": f"{len(result.removed):,} hit, {len(result.lost_supplies):,} supplies lost",
    }


def scenario_district(network: Any, seed: int) -> dict[str, Any]:
    """The same earthquake on a district-sized graph: the first 400 organisations."""
    from distretto.network.domain.graph import Network
    from distretto.network.domain.scenario import Area, run

    keep = set(sorted(network.nodes)[:400])
    small = Network.of([network.nodes[i] for i in keep], network.edges)
    result, seconds = timed(run, small, Area.circle(44.8447, 11.0706, 10.0))
    return {
        "seconds": seconds,
        "target_seconds": 1.0,
        "note": f"400 organisations, {len(small.edges):,} ties, {len(result.removed)} hit",
    }


def link_suggestions(network: Any, seed: int) -> dict[str, Any]:
    """Suggestions for one organisation, the model built once (as a page would cache it)."""
    from distretto.network.domain.links import LinkModel, suggest

    model, build = timed(LinkModel, network)
    first = max(network.nodes, key=lambda i: i)
    found, seconds = timed(suggest, network, first, 10, model=model)
    assert len(found) <= 10
    return {
        "seconds": round(build + seconds, 3),
        "note": f"model {build:.2f} s, one organisation {seconds * 1000:.0f} ms",
    }


def link_recall(network: Any, seed: int) -> dict[str, Any]:
    """Who should work together next, measured: 20 % of the ties of a synthetic district of
    1,000 organisations (``links.synthetic``) hidden, recall@10 of the method and of plain
    common neighbours (the same for every size: the graph here is links' own)."""
    from distretto.network.domain.links import evaluate, synthetic

    district = synthetic(1000, seed)
    result, seconds = timed(evaluate, district, hide=0.2, seed=seed, k=10)
    return {
        "seconds": seconds,
        "recall_method": round(result.method.recall, 4),
        "recall_baseline": round(result.baseline.recall, 4),
        "note": f"recall@10 {result.method.recall:.3f} (common neighbours "
        f"{result.baseline.recall:.3f}), {result.hidden_ties} ties hidden",
    }


CASES: list[Callable[[Any, int], dict[str, Any]]] = [
    convert,
    degree,
    betweenness,
    betweenness_exact,  # only up to --exact-up-to organisations
    eigenvector,
    communities,
    k_core,
    brokers,
    articulation_impact,
    supply,
    compute,
    scenario,
    scenario_district,
    link_suggestions,
    link_recall,
]
# ---- end of CASES ------------------------------------------------------------------------


def run_case(name: str, size: int, seed: int) -> dict[str, Any]:
    """Generate the network and run one case in this (fresh) process."""
    start = time.perf_counter()
    network = generate(size, seed)
    generated = time.perf_counter() - start
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    function = {f.__name__: f for f in CASES}[name]
    figures = function(network, seed)
    figures["seconds"] = round(figures["seconds"], 3)
    figures["generate_seconds"] = round(generated, 1)
    figures["base_mb"] = round(base_mb, 1)
    figures["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def _child(queue: Any, args: tuple[Any, ...]) -> None:
    queue.put(run_case(*args))


def in_process(*args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, args))
    process.start()
    figures: dict[str, Any] = queue.get()
    process.join()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="default %(default)s")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cases", default=",".join(f.__name__ for f in CASES), help="default: all")
    parser.add_argument(
        "--exact-up-to",
        type=int,
        default=10_000,
        help="measure the exact betweenness up to this size (default %(default)s)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    names = args.cases.split(",")
    unknown = set(names) - {f.__name__ for f in CASES}
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")

    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.UTC)
    rows = []
    print(
        f"{'nodes':>7} {'edges':>9} {'case':>20} {'seconds':>8} {'peak MB':>8} {'base MB':>8} "
        f"{'target':>7}  note"
    )
    for size in sizes:
        cases: dict[str, Any] = {}
        for name in names:
            if name == "betweenness_exact" and size > args.exact_up_to:
                continue
            figures = in_process(name, size, args.seed)
            targeted = size <= TARGET_SIZE and name != "betweenness_exact"
            figures["meets_target"] = (
                figures["seconds"] <= TARGET_SECONDS and figures["peak_mb"] <= TARGET_MB
                if targeted
                else None
            )
            cases[name] = figures
            verdict = {True: "met", False: "NOT met", None: "-"}[figures["meets_target"]]
            print(
                f"{size:>7} {size * EDGES_PER_NODE:>9} {name:>20} {figures['seconds']:>8.2f} "
                f"{figures['peak_mb']:>8.1f} {figures['base_mb']:>8.1f} {verdict:>7}  "
                f"{figures.get('note', '')}",
                flush=True,
            )
        verdicts = [c["meets_target"] for c in cases.values() if c["meets_target"] is not None]
        rows.append(
            {
                "nodes": size,
                "edges": size * EDGES_PER_NODE,
                "target_seconds": TARGET_SECONDS,
                "target_mb": TARGET_MB,
                "meets_target": all(verdicts) if verdicts else None,
                "cases": cases,
            }
        )
        if verdicts:
            print(
                f"{size:>7}: every metric within {TARGET_SECONDS:.0f} s and "
                f"{TARGET_MB / 1024:.0f} GB: {'met' if all(verdicts) else 'NOT met'}"
            )
    RESULTS.mkdir(exist_ok=True)
    output = RESULTS / "network.json"
    output.write_text(
        json.dumps(
            {
                "date": started.isoformat(timespec="seconds"),
                "synthetic": True,
                "seed": args.seed,
                "edges_per_node": EDGES_PER_NODE,
                "machine": {
                    "python": platform.python_version(),
                    "cpu_count": os.cpu_count(),
                    "platform": platform.platform(),
                    "load_average_start": [round(x, 2) for x in load_start],
                    "load_average_end": [round(x, 2) for x in os.getloadavg()],
                },
                "sizes": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written to {output}")


if __name__ == "__main__":
    main()
