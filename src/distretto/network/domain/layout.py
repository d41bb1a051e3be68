"""Positions for drawing the network: a force-directed layout (igraph's Fruchterman-Reingold,
seeded, so the same network is drawn the same way), scaled into a drawing box."""

from __future__ import annotations

import random
from dataclasses import dataclass

from distretto.network.domain.graph import Network


@dataclass(frozen=True)
class Point:
    id: int
    x: float
    y: float
    degree: int


def layout(
    network: Network, width: float = 1000, height: float = 700, margin: float = 70, seed: int = 7
) -> dict[int, Point]:
    """Each organisation's position in a ``width`` × ``height`` box, and its degree."""
    import igraph

    ids = sorted(network.nodes)
    if not ids:
        return {}
    index = {node: k for k, node in enumerate(ids)}
    pairs = {
        tuple(sorted((index[e.source], index[e.target])))
        for e in network.edges
        if e.source != e.target
    }
    graph = igraph.Graph(n=len(ids), edges=sorted(pairs))
    state = random.getstate()
    random.seed(seed)
    igraph.set_random_number_generator(random)
    try:
        coords = graph.layout_fruchterman_reingold(niter=120, grid="nogrid").coords
    finally:
        random.setstate(state)
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    degrees = graph.degree()
    return {
        node: Point(
            node,
            round(margin + (xs[k] - min(xs)) / span_x * (width - 2 * margin), 1),
            round(margin + (ys[k] - min(ys)) / span_y * (height - 2 * margin), 1),
            degrees[k],
        )
        for node, k in index.items()
    }
