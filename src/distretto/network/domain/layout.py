"""Positions for drawing the network: a force-directed layout (igraph's Fruchterman-Reingold,
seeded, so the same network is drawn the same way) of the organisations with ties, scaled
into a drawing box; organisations with no tie are lined up along the bottom, so that they
do not push the others into a corner."""

from __future__ import annotations

import random
from dataclasses import dataclass

from distretto.network.domain.graph import Network

ROW = 28  # the height of the strip of organisations with no tie


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
    neighbours = network.neighbours()
    tied = [i for i in ids if neighbours[i] - {i}]
    alone = [i for i in ids if not neighbours[i] - {i}]
    points: dict[int, Point] = {}
    bottom = height - margin - (ROW if alone else 0)
    if tied:
        index = {node: k for k, node in enumerate(tied)}
        pairs = {
            tuple(sorted((index[e.source], index[e.target])))
            for e in network.edges
            if e.source != e.target and e.source in index and e.target in index
        }
        graph = igraph.Graph(n=len(tied), edges=sorted(pairs))
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
        centre = len(tied) == 1
        for node, k in index.items():
            points[node] = Point(
                node,
                round(
                    width / 2
                    if centre
                    else margin + (xs[k] - min(xs)) / span_x * (width - 2 * margin),
                    1,
                ),
                round(
                    height / 2
                    if centre
                    else margin + (ys[k] - min(ys)) / span_y * (bottom - margin),
                    1,
                ),
                degrees[k],
            )
    if alone:
        step = (width - 2 * margin) / max(1, len(alone) - 1) if len(alone) > 1 else 0
        for n, node in enumerate(alone):
            x = margin + n * step if len(alone) > 1 else width / 2
            points[node] = Point(node, round(x, 1), round(height - margin / 2, 1), 0)
    return points
