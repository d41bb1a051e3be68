"""Code relevance: how well a record's taxonomy codes cover the codes a query asks for.

A shared code earns full credit; a code's ancestor or descendant in the same
hierarchy earns ``HIERARCHY_CREDIT`` per step (a query for "cardiac surgery
devices" is half met by a record coded with the parent "cardiovascular
devices"). Each query code weighs by its rarity among the records (inverse
document frequency), so a rare, specific code says more than a common one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Credit for each step up or down the hierarchy between a query code and a record's code.
HIERARCHY_CREDIT = 0.5
# Beyond this many steps two codes are no longer related for the search.
MAX_STEPS = 3


@dataclass(frozen=True)
class CodeNode:
    """A code of a taxonomy, as the search knows it."""

    id: int
    taxonomy: str
    code: str
    parent_id: int | None
    label_it: str
    label_en: str


def ancestors(code_id: int, nodes: Mapping[int, CodeNode]) -> list[int]:
    """The code's parent, grandparent... nearest first."""
    chain: list[int] = []
    node = nodes.get(code_id)
    while node is not None and node.parent_id is not None and len(chain) < 20:
        chain.append(node.parent_id)
        node = nodes.get(node.parent_id)
    return chain


def steps_between(a: int, b: int, nodes: Mapping[int, CodeNode]) -> int | None:
    """Steps from ``a`` to ``b`` when one is the other's ancestor (0 when equal), else None."""
    if a == b:
        return 0
    up_a = ancestors(a, nodes)
    if b in up_a:
        return up_a.index(b) + 1
    up_b = ancestors(b, nodes)
    if a in up_b:
        return up_b.index(a) + 1
    return None


def credit(query_code: int, record_code: int, nodes: Mapping[int, CodeNode]) -> float:
    """1 for the same code, HIERARCHY_CREDIT ** steps along the hierarchy, 0 otherwise."""
    steps = steps_between(query_code, record_code, nodes)
    if steps is None or steps > MAX_STEPS:
        return 0.0
    return float(HIERARCHY_CREDIT**steps)


def rarity(records_with_code: int, records: int) -> float:
    """Inverse document frequency of a code: higher for rarer codes, always positive."""
    return math.log(1 + (records + 1) / (records_with_code + 1))


@dataclass(frozen=True)
class CodeMatch:
    """A query code met by a record's code, with the credit it earned."""

    query_code: int
    record_code: int
    credit: float


def best_matches(
    query_codes: Iterable[int], record_codes: Iterable[int], nodes: Mapping[int, CodeNode]
) -> list[CodeMatch]:
    """For each query code, the record's code that meets it best (codes met by none left out)."""
    record = list(record_codes)
    matches: list[CodeMatch] = []
    for query_code in query_codes:
        best: CodeMatch | None = None
        for record_code in record:
            earned = credit(query_code, record_code, nodes)
            if earned > 0 and (best is None or earned > best.credit):
                best = CodeMatch(query_code, record_code, earned)
        if best is not None:
            matches.append(best)
    return matches


def code_score(
    query_weights: Mapping[int, float],
    record_codes: Iterable[int],
    nodes: Mapping[int, CodeNode],
) -> float:
    """The weighted share (0..1) of the query codes that the record's codes meet.

    ``query_weights`` gives each query code its weight (its rarity, times a
    lower factor for codes only inferred from the query's words).
    """
    total = sum(query_weights.values())
    if total <= 0:
        return 0.0
    matches = best_matches(query_weights, record_codes, nodes)
    return sum(query_weights[m.query_code] * m.credit for m in matches) / total


def related_codes(
    query_code: int, nodes: Mapping[int, CodeNode], children: Mapping[int, list[int]]
) -> dict[int, float]:
    """Every code that earns credit for ``query_code``, with that credit (itself: 1)."""
    related = {query_code: 1.0}
    for steps, ancestor in enumerate(ancestors(query_code, nodes)[:MAX_STEPS], start=1):
        related[ancestor] = max(related.get(ancestor, 0.0), HIERARCHY_CREDIT**steps)
    frontier = [query_code]
    for steps in range(1, MAX_STEPS + 1):
        frontier = [child for code in frontier for child in children.get(code, [])]
        for child in frontier:
            related[child] = max(related.get(child, 0.0), HIERARCHY_CREDIT**steps)
    return related


def descendants_and_self(code_id: int, children: Mapping[int, list[int]]) -> set[int]:
    """The code and everything below it (a filter on a code accepts its sub-codes)."""
    found = {code_id}
    frontier = [code_id]
    while frontier:
        frontier = [c for code in frontier for c in children.get(code, []) if c not in found]
        found.update(frontier)
    return found


def inferred_codes(
    query: set[str], labels: Mapping[int, list[list[str]]], coverage: float = 0.75
) -> list[int]:
    """Codes whose label (in either language) the query's tokens cover.

    ``labels`` gives each code the stems of its labels; a label of one or two
    content words must be covered whole, a longer one at ``coverage``.
    """
    found: list[int] = []
    for code_id, label_stems in labels.items():
        for stems in label_stems:
            unique = set(stems)
            if not unique:
                continue
            covered = len(unique & query) / len(unique)
            needed = 1.0 if len(unique) <= 2 else coverage
            if covered >= needed:
                found.append(code_id)
                break
    return found
