"""Fusing the signals into one score, and each signal's share of it.

Each signal is first brought to 0..1: the lexical score comes as the share of
the query a record covers (see ``LexicalIndex.ceiling``) and is only clipped;
code scores are divided by the best one (no evidence stays 0); semantic
similarity is spread by min-max over the records searched (cosines of one
model cluster in a narrow band). The
fused score is the weighted sum; it never falls when a record's own evidence
grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SIGNALS = ("lexical", "semantic", "codes")


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in the fused score."""

    lexical: float
    semantic: float
    codes: float

    def of(self, signal: str) -> float:
        return float(getattr(self, signal))


def by_best(values: NDArray[np.float32]) -> NDArray[np.float32]:
    """``values`` divided by the largest one; all zero when none is positive."""
    if values.size == 0:
        return values.astype(np.float32)
    top = float(values.max())
    if top <= 0:
        return np.zeros_like(values, dtype=np.float32)
    return (np.clip(values, 0, None) / top).astype(np.float32)


def min_max(values: NDArray[np.float32]) -> NDArray[np.float32]:
    """``values`` spread over 0..1 from the lowest to the highest; zero when all are equal."""
    if values.size == 0:
        return values.astype(np.float32)
    low, high = float(values.min()), float(values.max())
    if high - low <= 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def normalise(signal: str, values: NDArray[np.float32]) -> NDArray[np.float32]:
    """A signal's raw values brought to 0..1, the way that signal needs."""
    if signal == "semantic":
        return min_max(values)
    if signal == "lexical":
        return np.clip(values, 0, 1).astype(np.float32)
    return by_best(values)


# Fewer records than this say nothing about what a typical similarity is.
OUTLIER_MIN_POPULATION = 8


def stands_out(values: NDArray[np.float32], min_z: float) -> NDArray[np.bool_]:
    """Which similarities stand out from the rest: at least ``min_z`` standard deviations
    above their mean. Every record passes when there are too few to judge, or when all
    are alike, or when ``min_z`` is not positive.

    A record found by meaning alone (no word, no code in common) is worth showing
    only when it is much closer to the query than records usually are; otherwise
    the tail of any search is filled with records that are merely "of the same world".
    """
    if min_z <= 0 or values.size < OUTLIER_MIN_POPULATION:
        return np.ones(values.size, dtype=bool)
    spread = float(values.std())
    if spread <= 1e-9:
        return np.ones(values.size, dtype=bool)
    return np.asarray((values - float(values.mean())) / spread >= min_z, dtype=bool)


def fuse(normalised: dict[str, NDArray[np.float32]], weights: Weights) -> NDArray[np.float32]:
    """The weighted sum of the normalised signals present, divided by their total weight."""
    present = [s for s in SIGNALS if s in normalised and weights.of(s) > 0]
    if not present:
        size = next(iter(normalised.values())).size if normalised else 0
        return np.zeros(size, dtype=np.float32)
    total = sum(weights.of(s) for s in present)
    fused = sum(normalised[s] * (weights.of(s) / total) for s in present)
    return np.asarray(fused, dtype=np.float32)


def shares(parts: dict[str, float], weights: Weights) -> dict[str, float]:
    """Each signal's share (0..1, summing to 1) of one record's fused score."""
    contributions = {s: parts.get(s, 0.0) * weights.of(s) for s in SIGNALS}
    total = sum(contributions.values())
    if total <= 0:
        return {s: 0.0 for s in SIGNALS}
    return {s: round(value / total, 3) for s, value in contributions.items()}
