"""The consortium builder: eligibility counted here, optimality against brute force.

The checks below do not use the builder's (or the rules module's) code: categories,
regions, groups, shares and custom tests are counted directly, and the objective is
recomputed from its definition.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distretto.calls.domain.builder import Need, Problem, Weights, build, greedy
from distretto.calls.domain.model import (
    Candidate,
    CountRule,
    CustomRule,
    RegionRule,
    RuleSet,
    ShareRule,
)

ENTERPRISE = {"sme", "startup", "large_company"}
RESEARCH = {"university", "research_centre", "technology_transfer"}
CODES = ["process_step:extrusion", "process_step:sterilisation", "segment:dialysis", "c4", "c5"]
TOLERANCE = 2e-3  # the objective's coefficients are rounded to 1/10,000


def member(c: Candidate, what: str) -> bool:
    if what == "all":
        return True
    if what == "enterprises":
        return c.kind in ENTERPRISE
    if what == "smes":
        return c.is_sme
    if what == "research":
        return c.kind in RESEARCH
    return c.kind == what.split(":", 1)[1]


def passes(c: Candidate, rule: CustomRule) -> bool:
    if rule.field not in c.fields:
        return False
    value = c.fields[rule.field]
    return {
        ">=": lambda: value >= rule.value,
        "<": lambda: value < rule.value,
        "==": lambda: value == rule.value,
        "in": lambda: value in rule.value,
    }[rule.op]()


def may_lead(c: Candidate, rules: RuleSet) -> bool:
    if rules.coordinator and not any(member(c, w) for w in rules.coordinator):
        return False
    return all(passes(c, r) for r in rules.custom if r.applies_to == "coordinator")


def broken(problem: Problem, partners: tuple[str, ...], coordinator: str) -> list[str]:
    """The rules the consortium breaks, counted directly."""
    by_id = {c.id: c for c in problem.candidates}
    chosen = [by_id[p] for p in partners]
    rules = problem.rules
    out = []
    if len(set(partners)) != len(partners):
        out.append("duplicates")
    if rules.min_partners is not None and len(chosen) < rules.min_partners:
        out.append("min_partners")
    if rules.max_partners is not None and len(chosen) > rules.max_partners:
        out.append("max_partners")
    if problem.max_partners is not None and len(chosen) > problem.max_partners:
        out.append("user_max_partners")
    for n, rule in enumerate(rules.counts):
        k = sum(1 for c in chosen if member(c, rule.what))
        if (rule.min is not None and k < rule.min) or (rule.max is not None and k > rule.max):
            out.append(f"counts[{n}]")
    if coordinator not in partners or not may_lead(by_id[coordinator], rules):
        out.append("coordinator")
    for n, region in enumerate(rules.regions):
        inside = [any(c.nuts.startswith(code) for code in region.nuts) for c in chosen]
        if (region.all and not all(inside)) or (region.min and sum(inside) < region.min):
            out.append(f"regions[{n}]")
    if rules.max_per_group is not None:
        groups = [c.group or c.id for c in chosen]
        if any(groups.count(g) > rules.max_per_group for g in groups):
            out.append("max_per_group")
    if rules.shares and problem.budgets:
        total = sum(problem.budgets[p] for p in partners)
        for n, share in enumerate(rules.shares):
            amounts = [problem.budgets[c.id] for c in chosen if member(c, share.what)]
            used = max(amounts, default=0) if share.per_partner else sum(amounts)
            if used > share.max_share * total + 1e-6:
                out.append(f"shares[{n}]")
    for rule in rules.custom:
        ok = [passes(c, rule) for c in chosen]
        if rule.applies_to == "all" and not all(ok):
            out.append(f"custom:{rule.id}")
        if rule.applies_to == "at_least" and sum(ok) < (rule.min or 0):
            out.append(f"custom:{rule.id}")
    if problem.lead and problem.lead not in partners:
        out.append("lead")
    if any(p not in partners for p in problem.must_include):
        out.append("must_include")
    if any(p in partners for p in problem.must_exclude):
        out.append("must_exclude")
    return out


def eligible_set(problem: Problem, partners: tuple[str, ...]) -> bool:
    """Whether some coordinator makes the set eligible (brute force)."""
    return any(not broken(problem, partners, c) for c in partners)


def objective(problem: Problem, partners: tuple[str, ...]) -> float:
    """The objective from its definition (docs/consortium-file-format.md)."""
    w = problem.weights
    by_id = {c.id: c for c in problem.candidates}
    chosen = [by_id[p] for p in partners]
    total = 0.0
    for need in problem.needs:
        k = sum(1 for c in chosen if need.code in c.competences)
        total += w.coverage * need.weight * min(k, need.partners) / need.partners
        total -= w.complementarity * need.weight * max(0, k - need.partners) / need.partners
    codes = {n.code for n in problem.needs}
    for c in chosen:
        total += w.relevance * c.relevance
        if not c.competences & codes:
            total -= w.complementarity * (1 - c.relevance)
    for key, strength in problem.trust.items():
        if set(key) <= set(partners):
            total += w.trust * strength
    return total


def brute_force(problem: Problem) -> float | None:
    ids = [c.id for c in problem.candidates]
    best = None
    for size in range(1, len(ids) + 1):
        for partners in itertools.combinations(ids, size):
            if eligible_set(problem, partners):
                value = objective(problem, partners)
                best = value if best is None else max(best, value)
    return best


def differ(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    return max(len(set(a) - set(b)), len(set(b) - set(a)))


# --- random calls and pools ---------------------------------------------------------------------

KINDS = ["sme", "sme", "startup", "large_company", "university", "research_centre", "hospital"]


@st.composite
def problems(draw: st.DrawFn, size: tuple[int, int] = (5, 12)) -> Problem:
    n = draw(st.integers(*size))
    seed = draw(st.integers(0, 10**6))
    rng = random.Random(seed)
    candidates = []
    for i in range(n):
        kind = rng.choice(KINDS)
        candidates.append(
            Candidate(
                id=f"c{i}",
                name=f"Candidate {i}",
                kind=kind,
                is_sme=kind in ("sme", "startup") or (kind == "hospital" and rng.random() < 0.2),
                nuts=rng.choice(["ITH54", "ITH55", "ITH54", "DE30", ""]),
                group=rng.choice(["", "", "", "g1", "g2"]),
                competences=frozenset(rng.sample(CODES, rng.randint(0, 3))),
                relevance=round(rng.random(), 2),
                fields={"founded": rng.randint(1950, 2024)} if rng.random() < 0.8 else {},
            )
        )
    ids = [c.id for c in candidates]
    low = draw(st.integers(1, 3))
    counts = []
    if draw(st.booleans()):
        counts.append(CountRule("enterprises", min=draw(st.integers(0, 2))))
    if draw(st.integers(0, 2)) == 0:
        counts.append(CountRule("research", min=1, max=draw(st.sampled_from([None, 1, 2]))))
    if draw(st.booleans()):
        counts.append(CountRule("kind:hospital", max=0))
    regions = []
    region_kind = draw(st.sampled_from(["none", "none", "all", "min"]))
    if region_kind == "all":
        regions.append(RegionRule(("ITH5",), all=True))
    elif region_kind == "min":
        regions.append(RegionRule(("ITH54",), min=draw(st.integers(1, 2))))
    custom = []
    custom_kind = draw(st.sampled_from(["none", "none", "all", "coordinator", "at_least"]))
    if custom_kind != "none":
        custom.append(
            CustomRule(
                "founded",
                "founded",
                "<",
                2010,
                applies_to=custom_kind,
                min=1 if custom_kind == "at_least" else None,
            )
        )
    shares = ()
    budgets: dict[str, float] = {}
    if draw(st.integers(0, 2)) == 0:
        shares = (
            ShareRule("all", draw(st.sampled_from([0.4, 0.5, 0.7]))),
            ShareRule("research", 0.5, per_partner=False),
        )
        budgets = {i: float(rng.randrange(50_000, 300_001, 10_000)) for i in ids}
    rules = RuleSet(
        min_partners=low,
        max_partners=draw(st.integers(low, 6)),
        counts=tuple(counts),
        coordinator=draw(st.sampled_from([(), (), ("enterprises",), ("research", "kind:sme")])),
        regions=tuple(regions),
        max_per_group=draw(st.sampled_from([None, 1])),
        shares=shares,
        custom=tuple(custom),
    )
    needs = [
        Need(code, weight=rng.choice([0.5, 1.0, 2.0]), partners=rng.choice([1, 1, 2]))
        for code in rng.sample(CODES, rng.randint(1, 4))
    ]
    trust = {}
    for _ in range(rng.randint(0, n)):
        a, b = rng.sample(ids, 2)
        trust[frozenset({a, b})] = round(rng.uniform(0.1, 1.0), 2)
    lead = draw(st.sampled_from([None, *ids]))
    include = [i for i in ids if i != lead and rng.random() < 0.05]
    exclude = [i for i in ids if i != lead and i not in include and rng.random() < 0.1]
    return Problem(
        candidates=candidates,
        rules=rules,
        needs=needs,
        lead=lead,
        must_include=include,
        must_exclude=exclude,
        max_partners=draw(st.sampled_from([None, 4, 5])),
        budgets=budgets,
        trust=trust,
        weights=Weights(trust=draw(st.sampled_from([0.25, 1.0]))),
        alternatives=draw(st.integers(1, 3)),
        differ_by=draw(st.integers(1, 2)),
        time_limit=10,
    )


def check(problem: Problem, solver: str) -> None:
    result = build(problem, solver=solver)
    best = brute_force(problem)
    if best is None:
        assert result.consortia == ()
        assert result.diagnosis_it.startswith("Nessun consorzio ammissibile")
        assert result.diagnosis_en.startswith("No eligible consortium")
        return
    assert result.consortia, result.diagnosis_en
    for proposal in result.consortia:
        assert broken(problem, proposal.partners, proposal.coordinator) == []
        value = objective(problem, proposal.partners)
        assert abs(proposal.objective - value) < 1e-9
        assert proposal.bound >= proposal.objective
        assert value <= best + 1e-9
    first = result.consortia[0]
    if first.optimal:
        assert first.objective >= best - TOLERANCE
        assert first.bound >= best - 1e-9
    for a, b in itertools.combinations(result.consortia, 2):
        assert differ(a.partners, b.partners) >= problem.differ_by


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_whole_pool_relaxation_bounds_every_consortium_and_each_candidate(problem):
    """The LP over the whole pool (trust aggregated per candidate) is above every eligible
    consortium's objective, and each candidate's potential above every one holding it:
    what makes the pre-selection's screening and the whole pool's bound safe."""
    from distretto.calls.domain.builder import _lp_screen, _prepare

    inst, _ = _prepare(problem)
    if inst is None:
        return
    screen = _lp_screen(inst)
    if screen is None:  # the relaxation is infeasible: so is every consortium
        assert brute_force(problem) is None
        return
    bound, potential = screen
    ids = [c.id for c in problem.candidates]
    for size in range(1, len(ids) + 1):
        for partners in itertools.combinations(ids, size):
            if not eligible_set(problem, partners):
                continue
            value = objective(problem, partners)
            assert value <= bound + 1e-6
            for cid in partners:
                assert value <= potential[inst.index[cid]] + 1e-6


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_highs_consortia_are_eligible_distinct_and_optimal(problem):
    check(problem, "highs")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_cp_sat_consortia_are_eligible_distinct_and_optimal(problem):
    check(problem, "cp-sat")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_greedy_returns_only_eligible_consortia(problem):
    result = greedy(problem)
    for proposal in result.consortia:
        assert broken(problem, proposal.partners, proposal.coordinator) == []
    if not result.consortia:
        assert result.diagnosis_en


# --- cases ----------------------------------------------------------------------------------------


def org(cid: str, kind: str, **kw: object) -> Candidate:
    values: dict = {"id": cid, "name": cid.title(), "kind": kind, "is_sme": kind == "sme"}
    values.update(kw)
    return Candidate(**values)


POOL = [
    org("biomed", "sme", nuts="ITH54", competences=frozenset({"a", "b"}), relevance=0.8),
    org("steril", "large_company", nuts="ITH54", competences=frozenset({"c"}), relevance=0.6),
    org("steril-lab", "sme", nuts="ITH55", group="steril", competences=frozenset({"c"})),
    org("unimore", "university", nuts="ITH54", competences=frozenset({"d"}), relevance=0.9),
    org("berlin", "sme", nuts="DE30", competences=frozenset({"e"}), relevance=0.9),
]
NEEDS = [Need("a"), Need("c", 2), Need("d"), Need("e")]


def test_a_missing_kind_is_diagnosed_in_both_languages():
    rules = RuleSet(counts=(CountRule("kind:research_centre", min=1),))
    result = build(Problem(POOL, rules, NEEDS))
    assert result.consortia == ()
    assert result.diagnosis_it == (
        "Nessun consorzio ammissibile: la regola 'almeno 1 centro di ricerca' non può essere "
        "soddisfatta: nessun centro di ricerca tra i candidati."
    )
    assert result.diagnosis_en == (
        "No eligible consortium: the rule 'at least 1 research centre' cannot be met: no "
        "research centre among the candidates."
    )


def test_a_must_include_breaking_a_rule_is_named():
    rules = RuleSet(regions=(RegionRule(("ITH5",), all=True),))
    result = build(Problem(POOL, rules, NEEDS, must_include=["berlin"]))
    assert result.consortia == ()
    assert "Berlin" in result.diagnosis_en and "all partners in ITH5" in result.diagnosis_en
    assert "tutti i partner in ITH5" in result.diagnosis_it


def test_rules_that_conflict_only_together_are_diagnosed():
    rules = RuleSet(
        max_partners=2,
        counts=(CountRule("enterprises", min=2), CountRule("research", min=1)),
    )
    result = build(Problem(POOL, rules, NEEDS))
    assert result.consortia == ()
    assert "at least 1 research organisation" in result.diagnosis_en
    assert brute_force(Problem(POOL, rules, NEEDS)) is None


def test_must_include_and_exclude_are_honoured_and_the_lead_coordinates():
    problem = Problem(
        POOL,
        RuleSet(),
        NEEDS,
        lead="steril-lab",
        must_exclude=["unimore"],
        must_include=["berlin"],
        alternatives=2,
    )
    result = build(problem)
    for proposal in result.consortia:
        assert proposal.coordinator == "steril-lab"
        assert "berlin" in proposal.partners and "unimore" not in proposal.partners
    assert result.consortia[0].optimal


def test_a_lead_that_may_not_coordinate_is_in_and_another_coordinates():
    rules = RuleSet(coordinator=("kind:large_company",))
    result = build(Problem(POOL, rules, NEEDS, lead="biomed"))
    best = result.best
    assert best is not None and "biomed" in best.partners
    assert best.coordinator == "steril"
    assert best.notes_en == (
        "Biomed (lead) may not coordinate under the call's rules: Steril coordinates.",
    )


def test_each_partner_says_why_and_lacking_needs_and_binding_rules_are_listed():
    rules = RuleSet(max_partners=3, max_per_group=1)
    problem = Problem(POOL, rules, [*NEEDS, Need("z")], lead="biomed", alternatives=1)
    best = build(problem).best
    assert best is not None and len(best.partners) == 3
    why = {w.id: w for w in best.why}
    assert why["biomed"].covers == ("a",) and why["biomed"].only == ("a",)
    assert {n.code: n.missing for n in best.lacking}["z"] == 1
    assert "max_partners" in {r.id for r in best.binding}
    assert best.objective == objective(problem, best.partners)
    assert abs(best.objective - brute_force(problem)) < TOLERANCE  # type: ignore[operator]


def test_share_rules_without_every_budget_are_reported_not_checked():
    rules = RuleSet(shares=(ShareRule("all", 0.3),))
    result = build(Problem(POOL, rules, NEEDS, budgets={"biomed": 100.0}))
    assert [r.id for r in result.not_checked] == ["shares[0]"]
    assert result.consortia


def synthetic_pool(n: int, seed: int = 3) -> Problem:
    rng = random.Random(seed)
    codes = [f"code-{k}" for k in range(12)]
    candidates = [
        org(
            f"o{i:03d}",
            rng.choice(KINDS),
            nuts=rng.choice(["ITH54", "ITH55", "DE30"]),
            group=rng.choice(["", "", "", f"g{i % 7}"]),
            competences=frozenset(rng.sample(codes, rng.randint(1, 3))),
            relevance=round(rng.random(), 2),
        )
        for i in range(n)
    ]
    trust = {
        frozenset({f"o{i:03d}", f"o{rng.randrange(n):03d}"}): round(rng.uniform(0.2, 1), 2)
        for i in range(n)
    }
    trust = {k: v for k, v in trust.items() if len(k) == 2}
    rules = RuleSet(
        min_partners=3,
        max_partners=5,
        counts=(CountRule("enterprises", min=2), CountRule("research", min=1)),
        coordinator=("enterprises",),
        regions=(RegionRule(("ITH5",), min=2),),
        max_per_group=1,
    )
    needs = [Need(c, weight=rng.choice([1.0, 2.0])) for c in codes[:8]]
    return Problem(candidates, rules, needs, trust=trust, alternatives=1, time_limit=20)


def test_preselection_with_the_linear_relaxation_keeps_the_optimum_of_the_whole_pool():
    problem = synthetic_pool(120)
    full = build(replace(problem, max_pool=1000)).best
    result = build(replace(problem, max_pool=30))
    best = result.best
    assert full is not None and best is not None and full.optimal
    assert result.preselected < result.pool == 120
    assert "preselected" in result.preselection_en and result.whole_pool_bound_method == "lp"
    assert best.bound_scope == "whole pool"
    assert best.bound >= full.objective - 1e-9
    assert broken(problem, best.partners, best.coordinator) == []
    if best.optimal:
        assert abs(best.objective - full.objective) < TOLERANCE


def test_heuristic_preselection_says_so_and_gives_a_bound_for_the_whole_pool():
    problem = synthetic_pool(150, seed=5)
    full = build(replace(problem, max_pool=1000)).best
    result = build(replace(problem, max_pool=40, lp_screen_limit=0))
    best = result.best
    assert full is not None and best is not None
    assert result.whole_pool_bound_method in ("simple", "lp of the whole pool")
    assert best.bound_scope == "preselected pool" and not best.optimal
    assert result.whole_pool_bound is not None and result.whole_pool_bound >= full.objective
    assert broken(problem, best.partners, best.coordinator) == []
