"""Plain data of funding calls and consortia, shared by the rules and the builder (no Django).

A call's rules are stored as JSON (``rules.parse_rules``/``rules_to_json``, format in
``docs/call-rules-format.md``); candidates are organisations as the rules and the
builder see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Organisation kinds that count as enterprises, and as research organisations or
# universities, for the rules that count them (registry.enums.OrganisationKind values).
ENTERPRISE_KINDS = frozenset({"large_company", "sme", "startup"})
RESEARCH_KINDS = frozenset({"research_centre", "university", "technology_transfer"})


@dataclass(frozen=True)
class Candidate:
    """An organisation that may join a consortium.

    ``nuts`` is the most precise NUTS code of its location (e.g. "ITH54"); a rule
    on region "ITH5" matches every code starting with "ITH5". ``group`` is the
    group it belongs to (its parent company, or itself): independence rules count
    partners per group. ``is_sme`` follows the EU definition when known (staff
    band below 250), else its kind. ``fields`` holds any organisation field a
    custom rule may test (e.g. {"founded": 1998, "staff_band": "50-249"}).
    ``competences`` are the taxonomy codes it covers (e.g. "process_step:sterilisation").
    """

    id: str
    name: str
    kind: str
    is_sme: bool
    nuts: str = ""
    group: str = ""
    competences: frozenset[str] = frozenset()
    relevance: float = 0.0  # the matchmaking engine's score for the idea, 0..1
    reasons: tuple[str, ...] = ()  # the engine's reasons, for display
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def is_enterprise(self) -> bool:
        return self.kind in ENTERPRISE_KINDS

    @property
    def is_research(self) -> bool:
        return self.kind in RESEARCH_KINDS

    @property
    def group_key(self) -> str:
        return self.group or self.id


@dataclass(frozen=True)
class Consortium:
    """Partners (candidate ids), its coordinator, and optionally each partner's budget (EUR)."""

    partners: tuple[str, ...]
    coordinator: str
    budgets: dict[str, float] = field(default_factory=dict)


# --- the rules of a call ------------------------------------------------------------------------
#
# Who a rule counts (``what``): "all", "enterprises", "smes", "research" (research
# organisations and universities), or "kind:<kind>" for one organisation kind.


@dataclass(frozen=True)
class CountRule:
    """At least ``min`` and at most ``max`` partners of ``what`` (either bound may be None)."""

    what: str
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class RegionRule:
    """Partners located in one of ``nuts`` (prefix match): all of them, or at least ``min``."""

    nuts: tuple[str, ...]
    all: bool = False
    min: int | None = None


@dataclass(frozen=True)
class ShareRule:
    """At most ``max_share`` (0..1) of the total budget for each partner of ``what``
    (``per_partner``) or for all partners of ``what`` together."""

    what: str
    max_share: float
    per_partner: bool = True


@dataclass(frozen=True)
class CofundingRate:
    """The share (0..1) of its budget the call funds for a partner of ``what``."""

    what: str
    rate: float


@dataclass(frozen=True)
class CustomRule:
    """A test on an organisation field (``Candidate.fields``): ``field op value`` for every
    partner (``applies_to`` "all"), the coordinator, or at least ``min`` partners."""

    id: str
    field: str
    op: str  # one of "==", "!=", "<", "<=", ">", ">=", "in", "not in"
    value: Any
    applies_to: str = "all"  # "all", "coordinator" or "at_least"
    min: int | None = None
    text_it: str = ""
    text_en: str = ""


@dataclass(frozen=True)
class RuleSet:
    """Every rule of a call. Empty lists and None mean "no such rule"."""

    min_partners: int | None = None
    max_partners: int | None = None
    counts: tuple[CountRule, ...] = ()
    coordinator: tuple[str, ...] = ()  # the ``what`` values a coordinator may be; () any
    regions: tuple[RegionRule, ...] = ()
    max_per_group: int | None = None
    shares: tuple[ShareRule, ...] = ()
    cofunding: tuple[CofundingRate, ...] = ()
    custom: tuple[CustomRule, ...] = ()


def counts_as(candidate: Candidate, what: str) -> bool:
    """Whether ``candidate`` is one of the partners a rule on ``what`` counts."""
    if what == "all":
        return True
    if what == "enterprises":
        return candidate.is_enterprise
    if what == "smes":
        return candidate.is_sme
    if what == "research":
        return candidate.is_research
    if what.startswith("kind:"):
        return candidate.kind == what.removeprefix("kind:")
    raise ValueError(f"unknown partner category {what!r}")


def in_regions(candidate: Candidate, nuts: tuple[str, ...]) -> bool:
    return any(candidate.nuts.startswith(code) for code in nuts if code)
