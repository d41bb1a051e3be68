"""Consortium builder benchmark: the exact builder (CP-SAT and HiGHS) against a greedy baseline.

SYNTHETIC DATA, generated with a fixed seed, shaped like an innovation district's
registry (nothing here describes real organisations):

- kinds: 70% SMEs, 10% start-ups, 8% large companies, 4% research centres,
  3% universities, 2% technology-transfer offices, 3% hospitals; start-ups and
  SMEs are SMEs;
- locations: 75% in ITH5 (Emilia-Romagna, ITH51..ITH56), the others in ITH3,
  ITC4 and ITI1;
- groups: about 10% of the enterprises share a parent company (groups of 2 to 4);
- competences: 60 taxonomy codes (40 process steps, 20 segments), 2 to 6 each,
  drawn with Zipf-like popularity (rank^-0.8), so some steps are common and some rare;
- relevance: Beta(2, 5) (most candidates weakly relevant, few strongly);
- trust: 1 to 3 ties per candidate, mostly within its region, strength 0.2..1;
- budgets: 100,000 to 600,000 EUR each;
- the idea needs 10 (100 candidates), 20 (1,000) or 30 (10,000) codes, weights 1..3,
  20% of them wanted from 2 partners;
- the call: 3 to 8 partners, at least 2 enterprises, 1 SME and 1 research
  organisation, an enterprise coordinates, at least 3 partners in ITH5, at most
  1 partner per group, no partner above 40% of the budget; the lead is an SME in ITH5.

Each size is solved by ``build`` with CP-SAT, by ``build`` with HiGHS and by the
greedy baseline, each in its own fresh process (``spawn``) so that its peak memory
(``ru_maxrss``) is its own. Every consortium is checked against every rule by
counting here (not with the builder's code). ``gap`` is against each run's own
bound (``bound_scope``: the whole pool, or the pre-selected candidates above 5,000);
``ratio`` is the objective over the lowest bound valid for the whole pool that any
run found (exact, LP screening, or the simple bound above 5,000 candidates).

Prints a table and writes benchmarks/results/consortium.json.

    .venv/bin/python benchmarks/consortium.py [--sizes 100,1000,10000] [--time-limit S]
        [--seed 7] [--alternatives 1] [--solvers cp-sat,highs,greedy]
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import multiprocessing
import os
import platform
import random
import resource
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = "100,1000,10000"
TARGETS = {  # candidates: (seconds, minimum ratio to the bound; None: proven optimal)
    100: (5.0, None),
    1000: (5.0, None),
    10000: (30.0, 0.99),
}
KINDS = [
    ("sme", 70),
    ("startup", 10),
    ("large_company", 8),
    ("research_centre", 4),
    ("university", 3),
    ("technology_transfer", 2),
    ("hospital", 3),
]
NEEDS = {100: 10, 1000: 20, 10000: 30}


def generate(size: int, seed: int) -> Any:
    """A synthetic problem (see the module's docstring); the same for the same arguments."""
    from distretto.calls.domain.builder import Need, Problem
    from distretto.calls.domain.model import (
        Candidate,
        CountRule,
        RegionRule,
        RuleSet,
        ShareRule,
    )

    rng = random.Random(f"{seed}-{size}")  # noqa: S311 - synthetic data
    codes = [f"process_step:step-{n:02d}" for n in range(1, 41)]
    codes += [f"segment:segment-{n:02d}" for n in range(1, 21)]
    order = codes[:]
    rng.shuffle(order)
    cumulative = list(itertools.accumulate((r + 1) ** -0.8 for r in range(len(order))))
    kinds = [k for k, _ in KINDS]
    kind_weights = [w for _, w in KINDS]
    elsewhere = ["ITH31", "ITH35", "ITC45", "ITI17"]
    candidates = []
    group_of: dict[int, str] = {}
    n_groups = 0
    i = 0
    while i < size:  # some enterprises come in groups of 2 to 4
        if rng.random() < 0.035:
            n_groups += 1
            for k in range(i, min(size, i + rng.randint(2, 4))):
                group_of[k] = f"group-{n_groups}"
            i += 4
        else:
            i += 1
    for n in range(size):
        kind = rng.choices(kinds, weights=kind_weights)[0]
        if n in group_of and kind not in ("sme", "startup", "large_company"):
            kind = "large_company"
        nuts = f"ITH5{rng.randint(1, 6)}" if rng.random() < 0.75 else rng.choice(elsewhere)
        competences: set[str] = set()
        while len(competences) < rng.randint(2, 6):
            competences.add(rng.choices(order, cum_weights=cumulative)[0])
        relevance = round(rng.betavariate(2, 5), 3)
        cid = f"org-{n:05d}"
        candidates.append(
            Candidate(
                id=cid,
                name=f"Synthetic {kind} {n}",
                kind=kind,
                is_sme=kind in ("sme", "startup"),
                nuts=nuts,
                group=group_of.get(n, ""),
                competences=frozenset(competences),
                relevance=relevance,
                reasons=(f"covers {len(competences)} codes",),
            )
        )
    by_region: dict[str, list[int]] = {}
    for n, c in enumerate(candidates):
        by_region.setdefault(c.nuts[:4], []).append(n)
    trust: dict[frozenset[str], float] = {}
    for n, c in enumerate(candidates):
        for _ in range(rng.randint(1, 3)):
            pool = by_region[c.nuts[:4]] if rng.random() < 0.8 else range(size)
            other = rng.choice(list(pool))
            if other != n:
                trust[frozenset({c.id, candidates[other].id})] = round(rng.uniform(0.2, 1.0), 2)
    budgets = {c.id: float(rng.randrange(100_000, 600_001, 5_000)) for c in candidates}
    wanted = rng.sample(codes, NEEDS.get(size, 20))
    needs = [
        Need(code, weight=float(rng.randint(1, 3)), partners=2 if rng.random() < 0.2 else 1)
        for code in wanted
    ]
    rules = RuleSet(
        min_partners=3,
        max_partners=8,
        counts=(
            CountRule("enterprises", min=2),
            CountRule("smes", min=1),
            CountRule("research", min=1),
        ),
        coordinator=("enterprises",),
        regions=(RegionRule(("ITH5",), min=3),),
        max_per_group=1,
        shares=(ShareRule("all", 0.4, per_partner=True),),
    )
    smes_here = [c for c in candidates if c.kind == "sme" and c.nuts.startswith("ITH5")]
    lead = max(smes_here[:20], key=lambda c: c.relevance).id
    return Problem(
        candidates=candidates,
        rules=rules,
        needs=needs,
        lead=lead,
        budgets=budgets,
        trust=trust,
        alternatives=1,
    )


def violations(problem: Any, partners: list[str], coordinator: str) -> list[str]:
    """The rules the consortium breaks, counted here (not with the builder's code)."""
    by_id = {c.id: c for c in problem.candidates}
    chosen = [by_id[p] for p in partners]
    rules = problem.rules
    enterprise = {"sme", "startup", "large_company"}
    research = {"research_centre", "university", "technology_transfer"}
    broken = []
    if not 3 <= len(chosen) <= 8 or len(set(partners)) != len(partners):
        broken.append("partners")
    if sum(c.kind in enterprise for c in chosen) < 2:
        broken.append("enterprises")
    if sum(c.is_sme for c in chosen) < 1:
        broken.append("smes")
    if sum(c.kind in research for c in chosen) < 1:
        broken.append("research")
    if coordinator not in partners or by_id[coordinator].kind not in enterprise:
        broken.append("coordinator")
    if sum(c.nuts.startswith("ITH5") for c in chosen) < 3:
        broken.append("region")
    groups = [c.group for c in chosen if c.group]
    if len(groups) != len(set(groups)):
        broken.append("group")
    total = sum(problem.budgets[p] for p in partners)
    if any(problem.budgets[p] > 0.4 * total + 1e-6 for p in partners):
        broken.append("share")
    if problem.lead not in partners:
        broken.append("lead")
    assert rules.max_partners == 8
    return broken


def solve(method: str, size: int, seed: int, limit: float, alternatives: int) -> dict[str, Any]:
    """Generate and solve one problem in this (fresh) process; figures and peak memory."""
    from dataclasses import replace

    from distretto.calls.domain.builder import build, greedy

    problem = replace(generate(size, seed), time_limit=limit, alternatives=alternatives)
    start = time.perf_counter()
    result = greedy(problem) if method == "greedy" else build(problem, solver=method)
    seconds = time.perf_counter() - start
    best = result.best
    figures: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "status": result.status,
        "preselected": result.preselected,
        "pool": result.pool,
        "whole_pool_bound": None
        if result.whole_pool_bound is None
        else round(result.whole_pool_bound, 4),
        "whole_pool_bound_method": result.whole_pool_bound_method,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if best is None:
        figures.update(objective=None, bound=None, optimal=False, violations=["none found"])
        return figures
    figures.update(
        objective=round(best.objective, 4),
        bound=None if best.bound != best.bound else round(best.bound, 4),
        bound_scope=best.bound_scope,
        optimal=best.optimal,
        partners=len(best.partners),
        consortia=len(result.consortia),
        violations=sorted(
            {
                v
                for p in result.consortia
                for v in violations(problem, list(p.partners), p.coordinator)
            }
        ),
    )
    return figures


def _child(queue: Any, args: tuple[Any, ...]) -> None:
    queue.put(solve(*args))


def in_process(*args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, args))
    process.start()
    figures: dict[str, Any] = queue.get()
    process.join()
    return figures


def _whole(figures: dict[str, Any]) -> str:
    """The bound valid for the whole pool, and how it was found."""
    if figures.get("bound") is None:
        return "-"
    if figures.get("whole_pool_bound") is None:
        return f"{figures['bound']} exact"
    return f"{figures['whole_pool_bound']} {figures['whole_pool_bound_method']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="default %(default)s")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds for each solve (default: 90%% of each size's target)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--alternatives", type=int, default=1)
    parser.add_argument("--solvers", default="cp-sat,highs,greedy")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    methods = args.solvers.split(",")

    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.UTC)
    rows = []
    print(
        f"{'candidates':>10} {'method':>7} {'objective':>9} {'bound':>9} {'gap':>7} "
        f"{'ratio':>7} {'optimal':>7} {'seconds':>7} {'peak MB':>8} {'pool':>11} "
        f"{'whole-pool bound':>16} violations"
    )
    for size in sizes:
        target_seconds, target_ratio = TARGETS.get(size, (30.0, 0.99))
        limit = args.time_limit if args.time_limit is not None else 0.9 * target_seconds
        results = {m: in_process(m, size, args.seed, limit, args.alternatives) for m in methods}
        bounds = [
            r["whole_pool_bound"] if r.get("whole_pool_bound") is not None else r["bound"]
            for r in results.values()
            if r.get("bound") is not None
        ]
        best_bound = min(bounds) if bounds else None
        for method, figures in results.items():
            objective = figures.get("objective")
            gap = ratio = None
            if objective is not None and best_bound:
                ratio = objective / best_bound
                figures["ratio_to_best_bound"] = round(ratio, 4)
            if objective is not None and figures.get("bound"):
                gap = (figures["bound"] - objective) / figures["bound"]
                figures["gap"] = round(gap, 5)
            print(
                f"{size:>10} {method:>7} {objective if objective is not None else '-':>9} "
                f"{figures.get('bound') if figures.get('bound') is not None else '-':>9} "
                f"{'-' if gap is None else f'{gap:.2%}':>7} "
                f"{'-' if ratio is None else f'{ratio:.2%}':>7} {figures['optimal']!s:>7} "
                f"{figures['seconds']:>7.2f} {figures['peak_mb']:>8.1f} "
                f"{figures['preselected']:>5}/{figures['pool']:<5} "
                f"{_whole(figures):>16} "
                f"{','.join(figures.get('violations', [])) or 'none'}",
                flush=True,
            )
        meets = {
            method: bool(
                ours.get("objective") is not None
                and ours.get("bound")
                and (
                    ours["optimal"]
                    if target_ratio is None
                    else ours["objective"] / ours["bound"] >= target_ratio - 1e-9
                )
                and ours["seconds"] <= target_seconds
                and not ours.get("violations")
            )
            for method, ours in results.items()
            if method != "greedy"
        }
        rows.append(
            {
                "candidates": size,
                "needs": NEEDS.get(size, 20),
                "time_limit": limit,
                "target_seconds": target_seconds,
                "target_ratio": target_ratio,
                "target_note": "the ratio is to each run's own bound (see bound_scope)",
                "meets_target": meets,
                **results,
            }
        )
    RESULTS.mkdir(exist_ok=True)
    output = RESULTS / "consortium.json"
    output.write_text(
        json.dumps(
            {
                "date": started.isoformat(timespec="seconds"),
                "synthetic": True,
                "seed": args.seed,
                "alternatives": args.alternatives,
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
