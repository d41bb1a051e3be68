"""The consortium builder: the best consortia for an idea under a call's rules, with a bound.

Given candidate organisations (scored by the matchmaking engine), the call's
``RuleSet`` and the idea's needs, ``build`` chooses the partners that maximise

    coverage + relevance + trust − penalty

- **coverage**: ``weights.coverage × Σ_j weight_j × min(c_j, partners_j) / partners_j``,
  where ``c_j`` is the number of chosen partners covering need ``j``;
- **relevance**: ``weights.relevance × Σ relevance`` of the chosen partners;
- **trust**: ``weights.trust × Σ strength`` of the chosen pairs that already worked together;
- **penalty** (complementarity, "no two partners bought for the same thing"):
  ``weights.complementarity × (Σ_j weight_j × max(0, c_j − partners_j) / partners_j
  + Σ (1 − relevance)`` of the chosen partners that cover no need ``)``.

Every rule that can be expressed on the chosen set is a constraint (partners,
counts per category, coordinator, regions, partners per group, budget shares when
every candidate has a budget, custom field tests); so are the lead, must-include,
must-exclude and the user's cap on partners. The model is an integer programme
(objective coefficients scaled by ``SCALE`` and rounded; pairwise trust linearised
with ``z_ab ≤ x_a, z_ab ≤ x_b`` for the pairs with a positive strength only) solved
exactly by HiGHS through ``scipy.optimize.milp`` (default: it proved optimality
faster on benchmarks/consortium.py) or OR-Tools CP-SAT, under a time limit; the
result says the objective, the solver's proven bound, the gap and whether it is
proven optimal.

Pools larger than ``max_pool`` are pre-selected, and the result says so. Up to
``lp_screen_limit`` candidates, the LP relaxation over the whole pool gives, through
each candidate's reduced cost, a bound on every consortium holding it: the candidates
whose bound is below a first (greedy) consortium cannot improve on it and are left
out, and the bound stays valid for the whole pool. Above that, the pool is
pre-selected heuristically (must-includes, the best candidates for each need, for
each category a rule needs, the best overall and their trust partners, about
``heuristic_pool``); the proposal's bound then holds for the pre-selected candidates
(``bound_scope``), and ``whole_pool_bound`` is the lower of a simple bound and the LP
relaxation over the whole pool (trust aggregated per candidate: fast and nearly as tight).

Alternatives: after each solve a cut forces the next consortium to differ by at
least ``differ_by`` partners from each earlier one (one of the two has at least
``differ_by`` partners the other lacks); every alternative satisfies every rule.

No Django here; texts for users come in Italian and English.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from distretto.calls.domain.model import (
    Candidate,
    CountRule,
    CustomRule,
    RegionRule,
    RuleSet,
    ShareRule,
    counts_as,
    in_regions,
)

SCALE = 10_000  # objective coefficients are rounded to 1/SCALE
DEFAULT_MAX_POOL = 300


class BuildInputError(ValueError):
    """The problem cannot be built as given; ``messages`` says what is wrong, one per problem."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Need:
    """A competence the idea needs (a taxonomy code), how much it matters and how many
    partners should cover it."""

    code: str
    weight: float = 1.0
    partners: int = 1


@dataclass(frozen=True)
class Weights:
    """The weights of the objective's parts. Defaults: a need of weight 1 fully covered is
    worth 1; a partner of relevance 1 is worth 0.5; a tie of strength 1 is worth 0.25; a
    partner covering a need already covered enough costs 0.5 × weight / partners of that
    need, so that a relevant partner is not taken only to duplicate another."""

    coverage: float = 1.0
    relevance: float = 0.5
    complementarity: float = 0.5
    trust: float = 0.25


TrustKey = frozenset[str] | tuple[str, str]


@dataclass
class Problem:
    """Everything the builder needs. ``time_limit`` is in seconds for each solve (the best
    consortium, and each alternative); ``budgets`` in EUR per candidate id; ``trust`` maps a
    pair of ids (frozenset or tuple) to a strength 0..1."""

    candidates: Sequence[Candidate]
    rules: RuleSet = field(default_factory=RuleSet)
    needs: Sequence[Need] = ()
    lead: str | None = None
    must_include: Iterable[str] = ()
    must_exclude: Iterable[str] = ()
    max_partners: int | None = None
    budgets: Mapping[str, float] = field(default_factory=dict)
    trust: Mapping[TrustKey, float] = field(default_factory=dict)
    weights: Weights = field(default_factory=Weights)
    alternatives: int = 3
    differ_by: int = 2
    time_limit: float = 10.0
    max_pool: int = DEFAULT_MAX_POOL
    lp_screen_limit: int = 2000
    heuristic_pool: int = 800


@dataclass(frozen=True)
class PartnerWhy:
    """Why a partner is in: the needs it covers (``only`` those no other partner covers),
    its relevance and the engine's reasons."""

    id: str
    name: str
    covers: tuple[str, ...]
    only: tuple[str, ...]
    relevance: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Lacking:
    """A need covered by fewer partners than it asks (``missing`` more needed)."""

    code: str
    weight: float
    wanted: int
    covered: int
    missing: int


@dataclass(frozen=True)
class RuleNote:
    """A rule, named as users read it; ``id`` as in the RuleSet (e.g. "counts[0]")."""

    id: str
    text_it: str
    text_en: str


@dataclass(frozen=True)
class Proposal:
    """One consortium. ``bound`` is a proven upper bound on the objective of any consortium
    (within ``bound_scope``: "whole pool" or "preselected pool"), ``gap`` = (bound −
    objective) / bound; ``optimal`` when the solver proved it (the gap is then only the
    coefficients' rounding, below 1/SCALE per term)."""

    partners: tuple[str, ...]
    coordinator: str
    objective: float
    coverage: float
    relevance: float
    trust: float
    penalty: float
    bound: float
    gap: float
    optimal: bool
    bound_scope: str
    why: tuple[PartnerWhy, ...]
    lacking: tuple[Lacking, ...]
    binding: tuple[RuleNote, ...]
    notes_it: tuple[str, ...] = ()
    notes_en: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    """The consortia found (best first; empty when none is eligible, ``diagnosis_*`` then
    says why), how the pool was pre-selected, the rules not enforced and timings."""

    consortia: tuple[Proposal, ...]
    diagnosis_it: str = ""
    diagnosis_en: str = ""
    solver: str = "highs"
    pool: int = 0
    preselected: int = 0
    preselection_it: str = ""
    preselection_en: str = ""
    whole_pool_bound: float | None = None
    whole_pool_bound_method: str = "exact"
    not_checked: tuple[RuleNote, ...] = ()
    seconds: float = 0.0
    status: str = ""

    @property
    def best(self) -> Proposal | None:
        return self.consortia[0] if self.consortia else None


# --- words -------------------------------------------------------------------------------------

# what: (Italian singular, Italian plural, feminine, English singular, English plural)
_WORDS: dict[str, tuple[str, str, bool, str, str]] = {
    "all": ("partner", "partner", False, "partner", "partners"),
    "enterprises": ("impresa", "imprese", True, "enterprise", "enterprises"),
    "smes": ("PMI", "PMI", True, "SME", "SMEs"),
    "research": (
        "organismo di ricerca",
        "organismi di ricerca",
        False,
        "research organisation",
        "research organisations",
    ),
    "kind:university": ("università", "università", True, "university", "universities"),
    "kind:large_company": (
        "grande impresa",
        "grandi imprese",
        True,
        "large company",
        "large companies",
    ),
    "kind:sme": ("PMI", "PMI", True, "SME", "SMEs"),
    "kind:startup": ("start-up", "start-up", True, "start-up", "start-ups"),
    "kind:research_centre": (
        "centro di ricerca",
        "centri di ricerca",
        False,
        "research centre",
        "research centres",
    ),
    "kind:hospital": ("ospedale", "ospedali", False, "hospital", "hospitals"),
    "kind:technology_transfer": (
        "ente di trasferimento tecnologico",
        "enti di trasferimento tecnologico",
        False,
        "technology transfer organisation",
        "technology transfer organisations",
    ),
}


def _words(what: str) -> tuple[str, str, bool, str, str]:
    if what in _WORDS:
        return _WORDS[what]
    name = what.removeprefix("kind:")
    return (name, name, False, name, name)


def _n_it(n: int, what: str) -> str:
    one, many, _, _, _ = _words(what)
    return f"{n} {one if n == 1 else many}"


def _n_en(n: int, what: str) -> str:
    _, _, _, one, many = _words(what)
    return f"{n} {one if n == 1 else many}"


def _none_it(what: str) -> str:
    one, _, feminine, _, _ = _words(what)
    return f"{'nessuna' if feminine else 'nessun'} {one}"


def rule_notes(rules: RuleSet, user_max: int | None = None) -> list[RuleNote]:
    """Every rule of ``rules`` that the builder enforces, named for users."""
    notes = []
    if rules.min_partners is not None:
        n = rules.min_partners
        notes.append(RuleNote("min_partners", f"almeno {n} partner", f"at least {_n_en(n, 'all')}"))
    if rules.max_partners is not None:
        n = rules.max_partners
        notes.append(
            RuleNote("max_partners", f"al massimo {n} partner", f"at most {_n_en(n, 'all')}")
        )
    if user_max is not None:
        notes.append(
            RuleNote(
                "user_max_partners",
                f"al massimo {user_max} partner (limite scelto)",
                f"at most {_n_en(user_max, 'all')} (your limit)",
            )
        )
    for n, count in enumerate(rules.counts):
        notes.append(_count_note(f"counts[{n}]", count))
    if rules.coordinator:
        it = " o ".join(_words(w)[0] for w in rules.coordinator)
        en = " or ".join(_words(w)[3] for w in rules.coordinator)
        notes.append(RuleNote("coordinator", f"il coordinatore: {it}", f"the coordinator: {en}"))
    for n, region in enumerate(rules.regions):
        notes.append(_region_note(f"regions[{n}]", region))
    if rules.max_per_group is not None:
        m = rules.max_per_group
        notes.append(
            RuleNote(
                "max_per_group",
                f"al massimo {m} partner per gruppo societario",
                f"at most {_n_en(m, 'all')} per company group",
            )
        )
    for n, share in enumerate(rules.shares):
        notes.append(_share_note(f"shares[{n}]", share))
    for custom in rules.custom:
        notes.append(_custom_note(custom))
    return notes


def _count_note(rule_id: str, count: CountRule) -> RuleNote:
    parts_it, parts_en = [], []
    if count.min is not None:
        parts_it.append(f"almeno {_n_it(count.min, count.what)}")
        parts_en.append(f"at least {_n_en(count.min, count.what)}")
    if count.max is not None:
        parts_it.append(f"al massimo {_n_it(count.max, count.what)}")
        parts_en.append(f"at most {_n_en(count.max, count.what)}")
    return RuleNote(rule_id, " e ".join(parts_it), " and ".join(parts_en))


def _region_note(rule_id: str, region: RegionRule) -> RuleNote:
    codes = ", ".join(region.nuts)
    if region.all:
        return RuleNote(rule_id, f"tutti i partner in {codes}", f"all partners in {codes}")
    n = region.min or 0
    return RuleNote(
        rule_id, f"almeno {n} partner in {codes}", f"at least {_n_en(n, 'all')} in {codes}"
    )


def _share_note(rule_id: str, share: ShareRule) -> RuleNote:
    pct = f"{100 * share.max_share:g}%"
    one_it, many_it, _, one_en, many_en = _words(share.what)
    if share.per_partner:
        return RuleNote(
            rule_id,
            f"ogni {one_it} al massimo {pct} del budget totale",
            f"each {one_en} at most {pct} of the total budget",
        )
    return RuleNote(
        rule_id,
        f"le {many_it} insieme al massimo {pct} del budget totale",
        f"the {many_en} together at most {pct} of the total budget",
    )


def _custom_note(custom: CustomRule) -> RuleNote:
    test = f"{custom.field} {custom.op} {custom.value!r}"
    if custom.applies_to == "coordinator":
        it, en = f"il coordinatore: {test}", f"the coordinator: {test}"
    elif custom.applies_to == "at_least":
        n = custom.min or 0
        it, en = f"almeno {n} partner: {test}", f"at least {_n_en(n, 'all')}: {test}"
    else:
        it, en = f"tutti i partner: {test}", f"every partner: {test}"
    return RuleNote(f"custom:{custom.id}", custom.text_it or it, custom.text_en or en)


# --- rule tests on one candidate ---------------------------------------------------------------

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def custom_passes(candidate: Candidate, rule: CustomRule) -> bool:
    """Whether ``candidate`` passes the field test of ``rule`` (a missing field fails)."""
    if rule.field not in candidate.fields or rule.op not in _OPS:
        return False
    try:
        return bool(_OPS[rule.op](candidate.fields[rule.field], rule.value))
    except TypeError:
        return False


def may_coordinate(candidate: Candidate, rules: RuleSet) -> bool:
    """Whether the rules let ``candidate`` coordinate."""
    if rules.coordinator and not any(counts_as(candidate, w) for w in rules.coordinator):
        return False
    return all(custom_passes(candidate, c) for c in rules.custom if c.applies_to == "coordinator")


def _admissible(candidate: Candidate, rules: RuleSet) -> list[str]:
    """The ids of the rules every partner must pass that ``candidate`` fails."""
    failed = [
        f"regions[{n}]"
        for n, r in enumerate(rules.regions)
        if r.all and not in_regions(candidate, r.nuts)
    ]
    failed += [
        f"custom:{c.id}"
        for c in rules.custom
        if c.applies_to == "all" and not custom_passes(candidate, c)
    ]
    return failed


def _is(what: str) -> Callable[[Candidate], bool]:
    def test(candidate: Candidate) -> bool:
        return counts_as(candidate, what)

    return test


def _in(nuts: tuple[str, ...]) -> Callable[[Candidate], bool]:
    def test(candidate: Candidate) -> bool:
        return in_regions(candidate, nuts)

    return test


def _passes(rule: CustomRule) -> Callable[[Candidate], bool]:
    def test(candidate: Candidate) -> bool:
        return custom_passes(candidate, rule)

    return test


def _coordinates(rules: RuleSet) -> Callable[[Candidate], bool]:
    def test(candidate: Candidate) -> bool:
        return may_coordinate(candidate, rules)

    return test


def _pair(key: TrustKey) -> tuple[str, str] | None:
    ids = sorted(key)
    if len(ids) != 2:
        return None
    return ids[0], ids[1]


# --- the prepared instance ---------------------------------------------------------------------


@dataclass
class _Instance:
    problem: Problem
    pool: list[Candidate]  # admissible candidates (must-exclude and "all" rules removed)
    index: dict[str, int]
    cover: list[list[int]]  # per candidate: indices of the needs it covers
    coverers: list[list[int]]  # per need: candidate indices covering it
    trust: dict[tuple[int, int], float]  # i < j
    ties: list[list[tuple[int, float]]]
    fixed: set[int]  # lead and must-includes
    cap: int  # the most partners
    floor: int  # the fewest partners
    shares_on: bool
    budgets_cents: list[int]
    notes: list[RuleNote]
    not_checked: list[RuleNote]
    coord_ok: list[bool]

    def value(self, i: int) -> float:
        """Standalone value of candidate i, for ranking: its coverage, relevance and ties."""
        w = self.problem.weights
        needs = self.problem.needs
        c = self.pool[i]
        cov = sum(w.coverage * needs[j].weight / needs[j].partners for j in self.cover[i])
        useless = 0.0 if self.cover[i] else w.complementarity * (1 - c.relevance)
        return cov + w.relevance * c.relevance - useless + w.trust * sum(t for _, t in self.ties[i])


def _prepare(problem: Problem) -> tuple[_Instance | None, tuple[str, str]]:
    """The instance, or None and the diagnosis (Italian, English) of a conflict found upfront."""
    rules = problem.rules
    exclude = set(problem.must_exclude)
    include = list(
        dict.fromkeys([*([problem.lead] if problem.lead else []), *problem.must_include])
    )
    by_id = {c.id: c for c in problem.candidates}
    for cid in include:
        if cid not in by_id:
            return None, (
                f"Nessun consorzio ammissibile: l'organizzazione {cid!r} da includere non è tra "
                "i candidati.",
                f"No eligible consortium: {cid!r}, which must be included, is not a candidate.",
            )
        if cid in exclude:
            return None, (
                f"Nessun consorzio ammissibile: {cid!r} è sia da includere sia da escludere.",
                f"No eligible consortium: {cid!r} must be both included and excluded.",
            )
        failed = _admissible(by_id[cid], rules)
        if failed:
            note = next(n for n in rule_notes(rules) if n.id == failed[0])
            return None, (
                f"Nessun consorzio ammissibile: {by_id[cid].name or cid} (da includere) non "
                f"rispetta la regola '{note.text_it}'.",
                f"No eligible consortium: {by_id[cid].name or cid} (must be included) breaks the "
                f"rule '{note.text_en}'.",
            )
    pool = [c for c in problem.candidates if c.id not in exclude and not _admissible(c, rules)]
    index = {c.id: i for i, c in enumerate(pool)}
    codes: dict[str, int] = {}
    for j, need in enumerate(problem.needs):
        codes.setdefault(need.code, j)
    cover = [[j for j, n in enumerate(problem.needs) if n.code in c.competences] for c in pool]
    coverers: list[list[int]] = [[] for _ in problem.needs]
    for i, js in enumerate(cover):
        for j in js:
            coverers[j].append(i)
    trust: dict[tuple[int, int], float] = {}
    for key, strength in problem.trust.items():
        pair = _pair(key)
        if pair is None or strength <= 0 or pair[0] not in index or pair[1] not in index:
            continue
        a, b = sorted((index[pair[0]], index[pair[1]]))
        trust[(a, b)] = max(trust.get((a, b), 0.0), min(1.0, float(strength)))
    ties: list[list[tuple[int, float]]] = [[] for _ in pool]
    for (a, b), t in trust.items():
        ties[a].append((b, t))
        ties[b].append((a, t))
    caps = [x for x in (rules.max_partners, problem.max_partners) if x is not None]
    cap = min([*caps, len(pool)])
    floor = max(rules.min_partners or 0, len(include), 1)
    budgets = dict(problem.budgets)
    notes = rule_notes(rules, problem.max_partners)
    not_checked = []
    shares_on = bool(rules.shares) and all(c.id in budgets for c in pool) and bool(budgets)
    if rules.shares and not shares_on:
        missing = sum(1 for c in pool if c.id not in budgets)
        for n, share in enumerate(rules.shares):
            note = _share_note(f"shares[{n}]", share)
            not_checked.append(
                RuleNote(
                    note.id,
                    f"{note.text_it} (non verificata: manca il budget di {missing} candidati)",
                    f"{note.text_en} (not checked: {missing} candidates have no budget)",
                )
            )
    cents = [round(100 * budgets.get(c.id, 0.0)) for c in pool]
    inst = _Instance(
        problem=problem,
        pool=pool,
        index=index,
        cover=cover,
        coverers=coverers,
        trust=trust,
        ties=ties,
        fixed={index[cid] for cid in include},
        cap=cap,
        floor=floor,
        shares_on=shares_on,
        budgets_cents=cents,
        notes=notes,
        not_checked=not_checked,
        coord_ok=[may_coordinate(c, rules) for c in pool],
    )
    conflict = _upfront_conflict(inst)
    if conflict:
        return None, conflict
    return inst, ("", "")


def _upfront_conflict(inst: _Instance) -> tuple[str, str] | None:
    """A rule the pool cannot satisfy on its own, named; None when none is found this way."""
    rules, pool, fixed = inst.problem.rules, inst.pool, inst.fixed
    head_it, head_en = "Nessun consorzio ammissibile: ", "No eligible consortium: "
    note = {n.id: n for n in inst.notes}
    if inst.cap < inst.floor:
        if len(fixed) > inst.cap:
            return (
                f"{head_it}le {len(fixed)} organizzazioni da includere superano il massimo di "
                f"{inst.cap} partner.",
                f"{head_en}the {len(fixed)} organisations to include exceed the maximum of "
                f"{_n_en(inst.cap, 'all')}.",
            )
        return (
            f"{head_it}servono almeno {inst.floor} partner ma ne sono possibili al massimo "
            f"{inst.cap} ({len(pool)} candidati ammissibili).",
            f"{head_en}at least {inst.floor} partners are needed but at most {inst.cap} are "
            f"possible ({len(pool)} eligible candidates).",
        )
    for n, count in enumerate(rules.counts):
        rid = f"counts[{n}]"
        members = [i for i, c in enumerate(pool) if counts_as(c, count.what)]
        if count.min is not None and len(members) < count.min:
            found_it = (
                f"{_none_it(count.what)} tra i candidati"
                if not members
                else f"solo {_n_it(len(members), count.what)} tra i candidati"
            )
            found_en = (
                f"no {_words(count.what)[3]} among the candidates"
                if not members
                else f"only {_n_en(len(members), count.what)} among the candidates"
            )
            return (
                f"{head_it}la regola '{note[rid].text_it}' non può essere soddisfatta: {found_it}.",
                f"{head_en}the rule '{note[rid].text_en}' cannot be met: {found_en}.",
            )
        inside = sum(1 for i in fixed if counts_as(pool[i], count.what))
        if count.max is not None and inside > count.max:
            return (
                f"{head_it}le organizzazioni da includere violano la regola '{note[rid].text_it}'.",
                f"{head_en}the organisations to include break the rule '{note[rid].text_en}'.",
            )
    if not any(inst.coord_ok):
        return (
            f"{head_it}nessun candidato può fare da coordinatore secondo le regole del bando.",
            f"{head_en}no candidate may coordinate under the call's rules.",
        )
    for n, region in enumerate(rules.regions):
        rid = f"regions[{n}]"
        if not region.all and region.min:
            inside = sum(1 for c in pool if in_regions(c, region.nuts))
            if inside < region.min:
                return (
                    f"{head_it}la regola '{note[rid].text_it}' non può essere soddisfatta: solo "
                    f"{inside} candidati in {', '.join(region.nuts)}.",
                    f"{head_en}the rule '{note[rid].text_en}' cannot be met: only {inside} "
                    f"candidates in {', '.join(region.nuts)}.",
                )
    if rules.max_per_group is not None:
        groups: dict[str, list[str]] = {}
        for i in fixed:
            groups.setdefault(pool[i].group_key, []).append(pool[i].name or pool[i].id)
        for names in groups.values():
            if len(names) > rules.max_per_group:
                return (
                    f"{head_it}le organizzazioni da includere {', '.join(sorted(names))} "
                    f"appartengono allo stesso gruppo (regola '{note['max_per_group'].text_it}').",
                    f"{head_en}the organisations to include {', '.join(sorted(names))} belong to "
                    f"the same group (rule '{note['max_per_group'].text_en}').",
                )
    for custom in rules.custom:
        rid = f"custom:{custom.id}"
        if custom.applies_to == "at_least" and custom.min:
            passing = sum(1 for c in pool if custom_passes(c, custom))
            if passing < custom.min:
                return (
                    f"{head_it}la regola '{note[rid].text_it}' non può essere soddisfatta: solo "
                    f"{passing} candidati la rispettano.",
                    f"{head_en}the rule '{note[rid].text_en}' cannot be met: only {passing} "
                    "candidates pass it.",
                )
    return None


# --- the linear model --------------------------------------------------------------------------


@dataclass
class _Linear:
    """An integer linear programme: variables with bounds, rows lo ≤ Σ a·v ≤ hi, max obj."""

    lo: list[int] = field(default_factory=list)
    hi: list[int] = field(default_factory=list)
    rows: list[tuple[dict[int, int], float, float]] = field(default_factory=list)
    obj: dict[int, int] = field(default_factory=dict)
    hint: dict[int, int] = field(default_factory=dict)

    def var(self, lo: int, hi: int, obj: int = 0) -> int:
        self.lo.append(lo)
        self.hi.append(hi)
        if obj:
            self.obj[len(self.lo) - 1] = obj
        return len(self.lo) - 1

    def row(self, coeffs: dict[int, int], lo: float, hi: float) -> None:
        self.rows.append((coeffs, lo, hi))


@dataclass
class _Model:
    lin: _Linear
    x: dict[int, int]  # candidate index -> variable
    margin: float  # the most the rounding of the coefficients can change the objective


def _scaled(value: float, up: bool = False) -> int:
    return math.ceil(SCALE * value - 1e-9) if up else round(SCALE * value)


def _build_model(
    inst: _Instance, members: Sequence[int], aggregate: bool = False, shares: bool = True
) -> _Model:
    """The model over the candidates ``members``. With ``aggregate`` (for the bound of a large
    pool), trust has one variable per candidate instead of one per pair: ``t_i ≤ Σ_k t_ik x_k``
    and ``t_i ≤ T_i x_i`` (``T_i`` its strongest ``cap − 1`` ties), worth half each; exact
    on whole consortia, its linear relaxation is a little weaker than the pairs' but solves
    in about a second at 10,000 candidates where the pairs' takes minutes."""
    problem, rules, pool = inst.problem, inst.problem.rules, inst.pool
    w = problem.weights
    lin = _Linear()
    x: dict[int, int] = {}
    inside = set(members)
    for i in members:
        c = pool[i]
        gain = w.relevance * c.relevance
        if not inst.cover[i]:
            gain -= w.complementarity * (1 - c.relevance)
        x[i] = lin.var(1 if i in inst.fixed else 0, 1, _scaled(gain))
    terms = 0
    for j, need in enumerate(problem.needs):
        covering = [x[i] for i in inst.coverers[j] if i in inside]
        if not covering:
            continue
        y = lin.var(
            0, min(need.partners, len(covering)), _scaled(w.coverage * need.weight / need.partners)
        )
        e = lin.var(
            0,
            max(0, len(covering) - need.partners),
            -_scaled(w.complementarity * need.weight / need.partners),
        )
        coeffs = dict.fromkeys(covering, 1)
        coeffs[y] = -1
        coeffs[e] = -1
        lin.row(coeffs, 0, 0)
        terms += 2
    pairs = 0
    if aggregate:
        for i in members:
            ties = [(k, t) for k, t in inst.ties[i] if k in inside]
            if not ties:
                continue
            strongest = sorted((t for _, t in ties), reverse=True)[: max(0, inst.cap - 1)]
            most = _scaled(w.trust * sum(strongest) / 2, up=True)
            if not most:
                continue
            v = lin.var(0, most, 1)
            lin.row({v: 1, x[i]: -most}, -math.inf, 0)
            row = {v: 1}
            for k, t in ties:
                row[x[k]] = row.get(x[k], 0) - _scaled(w.trust * t / 2, up=True)
            lin.row(row, -math.inf, 0)
            pairs += len(ties)
    else:
        for (a, b), t in inst.trust.items():
            if a in inside and b in inside:
                z = lin.var(0, 1, _scaled(w.trust * t))
                lin.row({z: 1, x[a]: -1}, -math.inf, 0)
                lin.row({z: 1, x[b]: -1}, -math.inf, 0)
                pairs += 1
    everyone = {x[i]: 1 for i in members}
    lin.row(everyone, inst.floor, inst.cap)
    for count in rules.counts:
        coeffs = {x[i]: 1 for i in members if counts_as(pool[i], count.what)}
        lin.row(
            coeffs,
            count.min if count.min is not None else -math.inf,
            count.max if count.max is not None else math.inf,
        )
    lin.row({x[i]: 1 for i in members if inst.coord_ok[i]}, 1, math.inf)
    for region in rules.regions:
        if not region.all and region.min:
            lin.row(
                {x[i]: 1 for i in members if in_regions(pool[i], region.nuts)}, region.min, math.inf
            )
    if rules.max_per_group is not None:
        groups: dict[str, list[int]] = {}
        for i in members:
            groups.setdefault(pool[i].group_key, []).append(x[i])
        for vs in groups.values():
            if len(vs) > rules.max_per_group:
                lin.row(dict.fromkeys(vs, 1), -math.inf, rules.max_per_group)
    for custom in rules.custom:
        if custom.applies_to == "at_least" and custom.min:
            lin.row(
                {x[i]: 1 for i in members if custom_passes(pool[i], custom)}, custom.min, math.inf
            )
    if inst.shares_on and shares:
        cents = inst.budgets_cents
        total = lin.var(0, sum(cents[i] for i in members))
        coeffs = {x[i]: cents[i] for i in members if cents[i]}
        coeffs[total] = -1
        lin.row(coeffs, 0, 0)
        for share in rules.shares:
            frac = Fraction(str(share.max_share)).limit_denominator(10**6)
            num, den = frac.numerator, frac.denominator
            if share.per_partner:
                for i in members:
                    if counts_as(pool[i], share.what) and cents[i]:
                        lin.row({x[i]: den * cents[i], total: -num}, -math.inf, 0)
            else:
                coeffs = {
                    x[i]: den * cents[i]
                    for i in members
                    if counts_as(pool[i], share.what) and cents[i]
                }
                if coeffs:
                    coeffs[total] = -num
                    lin.row(coeffs, -math.inf, 0)
    active = min(len(members), inst.cap) + terms + min(pairs, inst.cap * (inst.cap - 1) // 2)
    return _Model(lin, x, margin=0.5 * active / SCALE)


def _add_differ_cut(model: _Model, chosen: Sequence[int], d: int) -> None:
    """The next solution differs from ``chosen`` by at least ``d`` partners: either ``d`` of
    ``chosen`` are dropped (b = 1) or ``d`` others are added (b = 0)."""
    lin = model.lin
    b = lin.var(0, 1)
    inside = set(chosen)
    lin.row({**{model.x[i]: -1 for i in chosen}, b: -d}, -len(inside), math.inf)
    lin.row({**{v: 1 for i, v in model.x.items() if i not in inside}, b: d}, d, math.inf)


@dataclass
class _Solved:
    status: str  # "optimal", "feasible", "infeasible", "unknown"
    values: list[int] | None
    objective_scaled: float | None
    bound_scaled: float | None
    seconds: float


def _solve_cpsat(lin: _Linear, time_limit: float, workers: int, seed: int = 0) -> _Solved:
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    model = cp_model.CpModel()
    vs = [
        model.new_int_var(lo, hi, f"v{k}")
        for k, (lo, hi) in enumerate(zip(lin.lo, lin.hi, strict=True))
    ]
    for coeffs, lo, hi in lin.rows:
        expr = sum(a * vs[k] for k, a in coeffs.items())
        if math.isinf(lo):
            model.add(expr <= int(hi))
        elif math.isinf(hi):
            model.add(expr >= int(lo))
        elif lo == hi:
            model.add(expr == int(lo))
        else:
            model.add_linear_constraint(expr, int(lo), int(hi))
    model.maximize(sum(a * vs[k] for k, a in lin.obj.items()))
    for k, value in lin.hint.items():
        model.add_hint(vs[k], value)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    code = solver.solve(model)
    seconds = time.perf_counter() - start
    if code == cp_model.INFEASIBLE:
        return _Solved("infeasible", None, None, None, seconds)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Solved("unknown", None, None, solver.best_objective_bound, seconds)
    values = [int(solver.value(v)) for v in vs]
    status = "optimal" if code == cp_model.OPTIMAL else "feasible"
    objective = solver.objective_value
    bound = objective if status == "optimal" else max(objective, solver.best_objective_bound)
    return _Solved(status, values, objective, bound, seconds)


def _solve_highs(lin: _Linear, time_limit: float) -> _Solved:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    start = time.perf_counter()
    n = len(lin.lo)
    c = np.zeros(n)
    for k, a in lin.obj.items():
        c[k] = -a
    data, rows, cols = [], [], []
    for r, (coeffs, _, _) in enumerate(lin.rows):
        for k, a in coeffs.items():
            rows.append(r)
            cols.append(k)
            data.append(float(a))
    matrix = csr_array((data, (rows, cols)), shape=(len(lin.rows), n))
    lows = np.array([lo for _, lo, _ in lin.rows], dtype=float)
    highs = np.array([hi for _, _, hi in lin.rows], dtype=float)
    res = milp(
        c,
        integrality=np.ones(n),
        bounds=Bounds(np.array(lin.lo, dtype=float), np.array(lin.hi, dtype=float)),
        constraints=LinearConstraint(matrix, lows, highs) if lin.rows else (),
        options={"time_limit": max(0.05, time_limit), "disp": False},
    )
    seconds = time.perf_counter() - start
    if res.status == 2:
        return _Solved("infeasible", None, None, None, seconds)
    if res.x is None:
        dual = getattr(res, "mip_dual_bound", None)
        bound = None if dual is None or not math.isfinite(dual) else -float(dual)
        return _Solved("unknown", None, None, bound, seconds)
    values = [round(v) for v in res.x]
    objective = float(sum(a * values[k] for k, a in lin.obj.items()))
    dual = getattr(res, "mip_dual_bound", None)
    status = "optimal" if res.status == 0 else "feasible"
    bound = objective if status == "optimal" else -float(dual) if dual is not None else math.inf
    return _Solved(status, values, objective, max(objective, bound), seconds)


def _solve(lin: _Linear, solver: str, time_limit: float, workers: int) -> _Solved:
    if solver == "highs":
        return _solve_highs(lin, time_limit)
    return _solve_cpsat(lin, time_limit, workers)


# --- scoring and explaining --------------------------------------------------------------------


def score(problem: Problem, partners: Iterable[str]) -> dict[str, float]:
    """The objective of a set of partners and its parts (coverage, relevance, trust, penalty)."""
    w = problem.weights
    by_id = {c.id: c for c in problem.candidates}
    chosen = [by_id[p] for p in dict.fromkeys(partners)]
    coverage = excess = useless = 0.0
    for need in problem.needs:
        k = sum(1 for c in chosen if need.code in c.competences)
        coverage += need.weight * min(k, need.partners) / need.partners
        excess += need.weight * max(0, k - need.partners) / need.partners
    codes = {n.code for n in problem.needs}
    for c in chosen:
        if not (c.competences & codes):
            useless += 1 - c.relevance
    ids = {c.id for c in chosen}
    trust: dict[tuple[str, str], float] = {}
    for key, strength in problem.trust.items():
        pair = _pair(key)
        if pair and strength > 0 and pair[0] in ids and pair[1] in ids:
            trust[pair] = max(trust.get(pair, 0.0), min(1.0, float(strength)))
    parts = {
        "coverage": w.coverage * coverage,
        "relevance": w.relevance * sum(c.relevance for c in chosen),
        "trust": w.trust * sum(trust.values()),
        "penalty": w.complementarity * (excess + useless),
    }
    parts["objective"] = parts["coverage"] + parts["relevance"] + parts["trust"] - parts["penalty"]
    return parts


def _binding(inst: _Instance, chosen: Sequence[int]) -> list[RuleNote]:
    """The rules at their limit for the consortium ``chosen``."""
    rules, pool = inst.problem.rules, inst.pool
    note = {n.id: n for n in inst.notes}
    members = [pool[i] for i in chosen]
    size = len(members)
    out = []
    if rules.min_partners is not None and size == rules.min_partners:
        out.append(note["min_partners"])
    if rules.max_partners is not None and size == rules.max_partners:
        out.append(note["max_partners"])
    if inst.problem.max_partners is not None and size == inst.problem.max_partners:
        out.append(note["user_max_partners"])
    for n, count in enumerate(rules.counts):
        k = sum(1 for c in members if counts_as(c, count.what))
        if k in (count.min, count.max):
            out.append(note[f"counts[{n}]"])
    if rules.coordinator and sum(1 for i in chosen if inst.coord_ok[i]) == 1:
        out.append(note["coordinator"])
    excluded = set(inst.problem.must_exclude)
    for n, region in enumerate(rules.regions):
        if region.all:
            outside = any(
                not in_regions(c, region.nuts)
                for c in inst.problem.candidates
                if c.id not in excluded
            )
            if outside:
                out.append(note[f"regions[{n}]"])
        elif region.min and sum(1 for c in members if in_regions(c, region.nuts)) == region.min:
            out.append(note[f"regions[{n}]"])
    if rules.max_per_group is not None:
        groups: dict[str, int] = {}
        for c in members:
            groups[c.group_key] = groups.get(c.group_key, 0) + 1
        if groups and max(groups.values()) == rules.max_per_group:
            out.append(note["max_per_group"])
    if inst.shares_on:
        cents = {pool[i].id: inst.budgets_cents[i] for i in chosen}
        total = sum(cents.values())
        for n, share in enumerate(rules.shares):
            parts = [cents[c.id] for c in members if counts_as(c, share.what)]
            used = (max(parts) if share.per_partner else sum(parts)) if parts else 0
            if total and used >= share.max_share * total * (1 - 1e-9):
                out.append(note[f"shares[{n}]"])
    for custom in rules.custom:
        rid = f"custom:{custom.id}"
        passing = sum(1 for c in members if custom_passes(c, custom))
        at_limit = custom.applies_to == "at_least" and custom.min and passing == custom.min
        excludes = custom.applies_to == "all" and any(
            not custom_passes(c, custom) for c in inst.problem.candidates if c.id not in excluded
        )
        if at_limit or excludes:
            out.append(note[rid])
    return out


def _propose(
    inst: _Instance,
    chosen: Sequence[int],
    bound: float,
    optimal: bool,
    scope: str,
) -> Proposal:
    problem, pool = inst.problem, inst.pool
    chosen = sorted(chosen, key=lambda i: (-pool[i].relevance, pool[i].id))
    notes_it, notes_en = [], []
    lead = inst.index.get(problem.lead) if problem.lead else None
    eligible = [i for i in chosen if inst.coord_ok[i]]
    if lead is not None and inst.coord_ok[lead]:
        coordinator = lead
    else:
        coordinator = max(eligible, key=lambda i: (pool[i].relevance, inst.value(i)))
        if lead is not None:
            name = pool[lead].name or pool[lead].id
            coord = pool[coordinator].name or pool[coordinator].id
            notes_it.append(
                f"{name} (capofila) non può coordinare secondo le regole del bando: "
                f"coordina {coord}."
            )
            notes_en.append(
                f"{name} (lead) may not coordinate under the call's rules: {coord} coordinates."
            )
    if coordinator != chosen[0]:
        chosen.remove(coordinator)
        chosen.insert(0, coordinator)
    parts = score(problem, [pool[i].id for i in chosen])
    counts = [0] * len(problem.needs)
    for i in chosen:
        for j in inst.cover[i]:
            counts[j] += 1
    why = []
    for i in chosen:
        c = pool[i]
        covers = tuple(problem.needs[j].code for j in inst.cover[i])
        only = tuple(problem.needs[j].code for j in inst.cover[i] if counts[j] == 1)
        why.append(PartnerWhy(c.id, c.name, covers, only, c.relevance, c.reasons))
    lacking = tuple(
        Lacking(n.code, n.weight, n.partners, counts[j], n.partners - counts[j])
        for j, n in enumerate(problem.needs)
        if counts[j] < n.partners
    )
    bound = max(bound, parts["objective"])
    gap = (bound - parts["objective"]) / abs(bound) if bound else 0.0
    return Proposal(
        partners=tuple(pool[i].id for i in chosen),
        coordinator=pool[coordinator].id,
        objective=parts["objective"],
        coverage=parts["coverage"],
        relevance=parts["relevance"],
        trust=parts["trust"],
        penalty=parts["penalty"],
        bound=bound,
        gap=max(0.0, gap),
        optimal=optimal,
        bound_scope=scope,
        why=tuple(why),
        lacking=lacking,
        binding=tuple(_binding(inst, chosen)),
        notes_it=tuple(notes_it),
        notes_en=tuple(notes_en),
    )


# --- pre-selection -----------------------------------------------------------------------------


def _preselect(inst: _Instance, limit: int) -> tuple[list[int], str, str]:
    """At most about ``limit`` candidates likely to make the best consortia, and why."""
    pool, rules = inst.pool, inst.problem.rules
    n = len(pool)
    value = [inst.value(i) for i in range(n)]
    ranked = sorted(range(n), key=lambda i: (-value[i], pool[i].id))
    rank = {i: r for r, i in enumerate(ranked)}
    chosen: dict[int, None] = dict.fromkeys(sorted(inst.fixed))
    needs = inst.problem.needs
    per_need = max(4, min(30, limit // (2 * max(1, len(needs)))))
    for j, need in enumerate(needs):
        best = sorted(inst.coverers[j], key=lambda i: rank[i])
        chosen.update(dict.fromkeys(best[: per_need + 2 * need.partners]))
    categories = [c.what for c in rules.counts if c.min]
    categories += list(rules.coordinator)
    per_category = max(5, limit // 20)
    tests = [_is(w) for w in categories]
    tests += [_in(r.nuts) for r in rules.regions if not r.all and r.min]
    tests += [_passes(r) for r in rules.custom if r.applies_to == "at_least"]
    for test in tests:
        members = [i for i in ranked if test(pool[i])]
        chosen.update(dict.fromkeys(members[:per_category]))
    coord = [i for i in ranked if inst.coord_ok[i]]
    chosen.update(dict.fromkeys(coord[:per_category]))
    for i in ranked:
        if len(chosen) >= limit:
            break
        chosen[i] = None
    for i in list(chosen):  # the trust partners of the best, while room is left
        for k, _ in sorted(inst.ties[i], key=lambda kt: -kt[1]):
            if len(chosen) >= limit * 1.25:
                break
            chosen[k] = None
    members = sorted(chosen)
    why_it = (
        f"preselezionati {len(members)} di {n} candidati: le organizzazioni da includere, i "
        f"{per_need} migliori per ogni esigenza, i {per_category} migliori per ogni categoria "
        "richiesta dalle regole, i migliori in assoluto e i loro partner di fiducia"
    )
    why_en = (
        f"preselected {len(members)} of {n} candidates: the organisations to include, the best "
        f"{per_need} for each need, the best {per_category} of each category a rule needs, the "
        "best overall and their trusted partners"
    )
    return members, why_it, why_en


# --- the builder -------------------------------------------------------------------------------


def _greedy_indices(inst: _Instance, members: Sequence[int]) -> list[int] | None:
    """The greedy baseline on ``members``: None when it ends without an eligible consortium."""
    problem, rules, pool = inst.problem, inst.problem.rules, inst.pool
    w, needs = problem.weights, problem.needs
    chosen: list[int] = sorted(inst.fixed)
    inside = set(chosen)
    counts = [0] * len(needs)
    for i in chosen:
        for j in inst.cover[i]:
            counts[j] += 1
    groups: dict[str, int] = {}
    for i in chosen:
        groups[pool[i].group_key] = groups.get(pool[i].group_key, 0) + 1
    tie = {i: dict(inst.ties[i]) for i in members}
    base = {
        i: w.relevance * pool[i].relevance
        - (0.0 if inst.cover[i] else w.complementarity * (1 - pool[i].relevance))
        for i in members
    }

    def gain(i: int) -> float:
        g = base[i]
        for j in inst.cover[i]:
            unit = needs[j].weight / needs[j].partners
            g += w.coverage * unit if counts[j] < needs[j].partners else -w.complementarity * unit
        return g + w.trust * sum(t for k, t in tie[i].items() if k in inside)

    def fits(i: int) -> bool:
        if i in inside or len(chosen) >= inst.cap:
            return False
        if (
            rules.max_per_group is not None
            and groups.get(pool[i].group_key, 0) >= rules.max_per_group
        ):
            return False
        for count in rules.counts:
            if count.max is None or not counts_as(pool[i], count.what):
                continue
            if sum(1 for k in chosen if counts_as(pool[k], count.what)) >= count.max:
                return False
        return True

    def unmet() -> list[Callable[[Candidate], bool]]:
        """Tests a candidate must pass to help a minimum still unmet."""
        members_now = [pool[k] for k in chosen]
        out: list[Callable[[Candidate], bool]] = []
        if len(members_now) < inst.floor:
            out.append(_is("all"))
        for count in rules.counts:
            if count.min and sum(1 for c in members_now if counts_as(c, count.what)) < count.min:
                out.append(_is(count.what))
        if not any(inst.coord_ok[k] for k in chosen):
            out.append(_coordinates(rules))
        for region in rules.regions:
            inside_region = sum(1 for c in members_now if in_regions(c, region.nuts))
            if not region.all and region.min and inside_region < region.min:
                out.append(_in(region.nuts))
        for custom in rules.custom:
            passing = sum(1 for c in members_now if custom_passes(c, custom))
            if custom.applies_to == "at_least" and custom.min and passing < custom.min:
                out.append(_passes(custom))
        return out

    def add(i: int) -> None:
        chosen.append(i)
        inside.add(i)
        groups[pool[i].group_key] = groups.get(pool[i].group_key, 0) + 1
        for j in inst.cover[i]:
            counts[j] += 1

    def deficit(extra: int) -> int:
        """How many partners the minima still lack once ``extra`` is in (over-estimated)."""
        now = [pool[k] for k in (*chosen, extra)]
        short = max(0, inst.floor - len(now))
        need = [(count.min, _is(count.what)) for count in rules.counts if count.min] + [
            (region.min, _in(region.nuts)) for region in rules.regions if region.min
        ]
        need += [(c.min, _passes(c)) for c in rules.custom if c.applies_to == "at_least" and c.min]
        need.append((1, _coordinates(rules)))
        lack = sum(max(0, low - sum(1 for c in now if test(c))) for low, test in need)
        return max(short, lack)

    while len(chosen) < inst.cap:  # best gain first, keeping room for the minima
        ranked = sorted((i for i in members if fits(i)), key=lambda i: (-gain(i), i))
        pick = next(
            (i for i in ranked if gain(i) > 0 and deficit(i) <= inst.cap - len(chosen) - 1), None
        )
        if pick is None:
            break
        add(pick)
    while True:  # repair: meet the minima, best gain first
        missing = unmet()
        if not missing:
            break
        helpers = [i for i in members if fits(i) and any(t(pool[i]) for t in missing)]
        if not helpers:
            return None
        add(max(helpers, key=lambda i: (sum(1 for t in missing if t(pool[i])), gain(i), -i)))
    if not _shares_hold(inst, chosen):
        return None
    return chosen


def _shares_hold(inst: _Instance, chosen: Sequence[int]) -> bool:
    if not inst.shares_on:
        return True
    total = sum(inst.budgets_cents[i] for i in chosen)
    for share in inst.problem.rules.shares:
        parts = [inst.budgets_cents[i] for i in chosen if counts_as(inst.pool[i], share.what)]
        used = (max(parts) if share.per_partner else sum(parts)) if parts else 0
        frac = Fraction(str(share.max_share)).limit_denominator(10**6)
        if used * frac.denominator > frac.numerator * total:
            return False
    return True


def greedy(problem: Problem) -> BuildResult:
    """The baseline: add the partner of best marginal gain while it improves, then add
    partners for the minima still unmet; it may end without an eligible consortium."""
    start = time.perf_counter()
    inst, (d_it, d_en) = _prepare(problem)
    if inst is None:
        return BuildResult((), d_it, d_en, solver="greedy", seconds=time.perf_counter() - start)
    chosen = _greedy_indices(inst, range(len(inst.pool)))
    seconds = time.perf_counter() - start
    if chosen is None:
        return BuildResult(
            (),
            "Il metodo greedy non ha trovato un consorzio ammissibile.",
            "The greedy method found no eligible consortium.",
            solver="greedy",
            pool=len(inst.pool),
            preselected=len(inst.pool),
            seconds=seconds,
            status="failed",
        )
    proposal = _propose(inst, chosen, math.inf, False, "none")
    proposal = _with_bound(proposal, math.nan)
    return BuildResult(
        (proposal,),
        solver="greedy",
        pool=len(inst.pool),
        preselected=len(inst.pool),
        not_checked=tuple(inst.not_checked),
        seconds=seconds,
        status="feasible",
    )


def _with_bound(p: Proposal, bound: float) -> Proposal:
    from dataclasses import replace

    if math.isnan(bound):
        return replace(p, bound=math.nan, gap=math.nan, optimal=False)
    bound = max(bound, p.objective)
    gap = (bound - p.objective) / abs(bound) if bound else 0.0
    return replace(p, bound=bound, gap=max(0.0, gap))


def build(
    problem: Problem,
    solver: str = "highs",
    workers: int | None = None,
) -> BuildResult:
    """The best consortium and up to ``problem.alternatives − 1`` alternatives (see the module)."""
    if solver not in ("cp-sat", "highs"):
        raise ValueError(f"unknown solver {solver!r}")
    start = time.perf_counter()
    workers = workers or 8  # CP-SAT's portfolio needs its LP workers, even on 2 cores
    inst, (d_it, d_en) = _prepare(problem)
    if inst is None:
        return BuildResult(
            (), d_it, d_en, solver=solver, seconds=time.perf_counter() - start, status="infeasible"
        )
    n = len(inst.pool)
    members: list[int] = list(range(n))
    pre_it = pre_en = ""
    outside_best = -math.inf  # a bound on the consortia holding a candidate left out
    method = "exact"
    greedy_chosen = _greedy_indices(inst, members) if n <= problem.max_pool else None
    if n > problem.max_pool:
        greedy_chosen = _greedy_indices(inst, members)
        screen = _lp_screen(inst) if n <= problem.lp_screen_limit else None
        if screen is not None:
            low = (
                score(problem, [inst.pool[i].id for i in greedy_chosen])["objective"]
                if (greedy_chosen is not None)
                else -math.inf
            )
            _, potential = screen
            ranked = sorted(range(n), key=lambda i: (-potential[i], i))
            keep = [i for i in ranked if potential[i] >= low - 1e-6 or i in inst.fixed]
            members = sorted(set(keep[: problem.max_pool]) | inst.fixed | set(greedy_chosen or []))
            rest = [potential[i] for i in range(n) if i not in set(members)]
            outside_best = max(rest, default=-math.inf)
            method = "lp"
            pre_it = (
                f"preselezionati {len(members)} di {n} candidati: il rilassamento lineare "
                f"esclude gli altri {n - len(keep)} (nessun consorzio che li contiene supera "
                "quello trovato dal metodo greedy)"
            )
            pre_en = (
                f"preselected {len(members)} of {n} candidates: the linear relaxation rules out "
                f"the other {n - len(keep)} (no consortium holding one of them beats the greedy "
                "one)"
            )
            if len(keep) > len(members):
                pre_it += f"; {len(keep) - len(members)} candidati possibili lasciati fuori"
                pre_en += f"; {len(keep) - len(members)} possible candidates left out"
        else:
            members, pre_it, pre_en = _preselect(inst, problem.heuristic_pool)
            outside_best = _simple_bound(inst)
            method = "simple"
            relaxed = _lp_screen(inst)
            if relaxed is not None and relaxed[0] < outside_best:
                outside_best, method = relaxed[0], "lp of the whole pool"
    proposals: list[Proposal] = []
    model = _build_model(inst, members)
    if greedy_chosen is not None:
        hinted = set(greedy_chosen)
        model.lin.hint = {v: int(i in hinted) for i, v in model.x.items()}
    solved = _solve(model.lin, solver, problem.time_limit, workers)
    status = solved.status
    chosen_sets: list[list[int]] = []
    for k in range(max(1, problem.alternatives)):
        if k:
            _add_differ_cut(model, chosen_sets[-1], problem.differ_by)
            model.lin.hint = {}
            solved = _solve(model.lin, solver, problem.time_limit, workers)
        if solved.values is None:
            if k == 0 and solved.status == "infeasible":
                d_it, d_en = _diagnose(inst, members, solver, problem.time_limit, workers)
                if len(members) < n:
                    d_it += " (tra i candidati preselezionati)"
                    d_en += " (among the preselected candidates)"
            elif k == 0:
                d_it = "Nessun consorzio trovato entro il tempo limite."
                d_en = "No consortium found within the time limit."
            break
        chosen = [i for i, v in model.x.items() if solved.values[v]]
        chosen_sets.append(chosen)
        assert solved.bound_scaled is not None
        bound = solved.bound_scaled / SCALE + model.margin
        optimal = solved.status == "optimal"
        scope = "whole pool"
        if method != "exact" and outside_best > bound:
            # a candidate left out might do better: bound it for the whole pool when the
            # LP screening did so; after a heuristic pre-selection, only for those kept
            optimal = False
            if method == "lp":
                bound = outside_best
            else:
                scope = "preselected pool"
        proposals.append(_propose(inst, chosen, bound, optimal, scope))
    return BuildResult(
        tuple(proposals),
        d_it if not proposals else "",
        d_en if not proposals else "",
        solver=solver,
        pool=n,
        preselected=len(members),
        preselection_it=pre_it,
        preselection_en=pre_en,
        whole_pool_bound=None
        if method == "exact"
        else max(outside_best, proposals[0].bound if proposals else -math.inf),
        whole_pool_bound_method=method,
        not_checked=tuple(inst.not_checked),
        seconds=time.perf_counter() - start,
        status=status,
    )


def _lp_screen(inst: _Instance) -> tuple[float, list[float]] | None:
    """The LP relaxation over the whole pool (budget shares left out: a relaxation still):
    its bound, and for each candidate a bound on every consortium holding it (the LP bound
    less the candidate's reduced cost); None when the LP cannot be solved. Trust is
    aggregated per candidate (see ``_build_model``), so that it solves in about a second at
    10,000 candidates."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import csr_array

    model = _build_model(inst, range(len(inst.pool)), aggregate=True, shares=False)
    lin = model.lin
    n = len(lin.lo)
    c = np.zeros(n)
    for k, a in lin.obj.items():
        c[k] = -a / SCALE
    ub_rows: list[tuple[dict[int, int], float]] = []
    eq_rows: list[tuple[dict[int, int], float]] = []
    for coeffs, lo, hi in lin.rows:
        if lo == hi:
            eq_rows.append((coeffs, lo))
            continue
        if not math.isinf(hi):
            ub_rows.append((coeffs, hi))
        if not math.isinf(lo):
            ub_rows.append(({k: -a for k, a in coeffs.items()}, -lo))

    def matrix(rows: list[tuple[dict[int, int], float]]) -> tuple[Any, Any]:
        if not rows:
            return None, None
        data, r_idx, c_idx = [], [], []
        for r, (coeffs, _) in enumerate(rows):
            for k, a in coeffs.items():
                r_idx.append(r)
                c_idx.append(k)
                data.append(float(a))
        shape = (len(rows), n)
        return csr_array((data, (r_idx, c_idx)), shape=shape), np.array([b for _, b in rows])

    a_ub, b_ub = matrix(ub_rows)
    a_eq, b_eq = matrix(eq_rows)
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=list(zip(lin.lo, lin.hi, strict=True)),
        method="highs",
    )
    if res.status != 0:
        return None
    bound = -float(res.fun) + model.margin + 1e-5  # the LP solver's tolerances
    reduced = res.lower.marginals
    potential = [
        bound if i in inst.fixed else bound - max(0.0, float(reduced[model.x[i]]))
        for i in range(len(inst.pool))
    ]
    return bound, potential


def _simple_bound(inst: _Instance) -> float:
    """A bound valid for the whole pool, cheap to compute: every need covered as much as it
    asks (when enough candidates cover it), plus the ``cap`` best candidates' relevance and
    half their strongest ``cap − 1`` ties (each tie is then counted in full at most)."""
    problem, w = inst.problem, inst.problem.weights
    coverage = sum(
        w.coverage * need.weight * min(need.partners, len(inst.coverers[j])) / need.partners
        for j, need in enumerate(problem.needs)
    )
    values = []
    for i, c in enumerate(inst.pool):
        gain = w.relevance * c.relevance - (
            0 if inst.cover[i] else w.complementarity * (1 - c.relevance)
        )
        ties = sorted((t for _, t in inst.ties[i]), reverse=True)[: max(0, inst.cap - 1)]
        values.append(max(0.0, gain) + w.trust * sum(ties) / 2)
    values.sort(reverse=True)
    return coverage + sum(values[: inst.cap]) + 1e-6


def _diagnose(
    inst: _Instance, members: Sequence[int], solver: str, limit: float, workers: int
) -> tuple[str, str]:
    """The first rule that, added to the previous ones, leaves no eligible consortium."""
    rules = inst.problem.rules
    steps: list[tuple[RuleNote, RuleSet]] = []
    acc = RuleSet()
    note = {n.id: n for n in inst.notes}
    from dataclasses import replace

    if rules.min_partners is not None:
        acc = replace(acc, min_partners=rules.min_partners)
        steps.append((note["min_partners"], acc))
    for n, count in enumerate(rules.counts):
        acc = replace(acc, counts=(*acc.counts, count))
        steps.append((note[f"counts[{n}]"], acc))
    if rules.coordinator:
        acc = replace(acc, coordinator=rules.coordinator)
        steps.append((note["coordinator"], acc))
    for n, region in enumerate(rules.regions):
        acc = replace(acc, regions=(*acc.regions, region))
        steps.append((note[f"regions[{n}]"], acc))
    if rules.max_per_group is not None:
        acc = replace(acc, max_per_group=rules.max_per_group)
        steps.append((note["max_per_group"], acc))
    for n, share in enumerate(rules.shares):
        acc = replace(acc, shares=(*acc.shares, share))
        steps.append((note[f"shares[{n}]"], acc))
    for custom in rules.custom:
        acc = replace(acc, custom=(*acc.custom, custom))
        steps.append((note[f"custom:{custom.id}"], acc))
    base = replace(
        rules,
        min_partners=None,
        counts=(),
        coordinator=(),
        regions=(),
        max_per_group=None,
        shares=(),
        custom=(),
    )
    for rule, partial in steps:
        merged = replace(partial, max_partners=base.max_partners, cofunding=base.cofunding)
        sub = replace(inst.problem, rules=merged)
        sub_inst, found = _prepare(sub)
        if sub_inst is None:
            return found
        index = {c.id: i for i, c in enumerate(sub_inst.pool)}
        sub_members = [index[inst.pool[i].id] for i in members if inst.pool[i].id in index]
        lin = _build_model(sub_inst, sub_members).lin
        lin.obj = {}
        if _solve(lin, solver, limit, workers).status == "infeasible":
            return (
                "Nessun consorzio ammissibile: la regola "
                f"'{rule.text_it}', insieme alle organizzazioni da includere, al limite di "
                "partner e alle regole precedenti, non può essere soddisfatta dai candidati.",
                f"No eligible consortium: the rule '{rule.text_en}' cannot be met by the "
                "candidates together with the organisations to include, the partner limit "
                "and the rules before it.",
            )
    return (
        "Nessun consorzio ammissibile: le regole del bando, insieme alle organizzazioni da "
        "includere ed escludere, non possono essere soddisfatte dai candidati.",
        "No eligible consortium: the call's rules, with the organisations to include and "
        "exclude, cannot be met by the candidates.",
    )
