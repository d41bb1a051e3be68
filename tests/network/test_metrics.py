"""The network's analytics against networkx as the independent reference (no database)."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
from scipy.stats import spearmanr

from distretto.network.domain.graph import Edge, Network, Node
from distretto.network.domain.metrics import (
    EXPLANATIONS,
    Dependency,
    articulation_impact,
    compute,
    supply,
    undirected,
)


def network_of(graph: nx.Graph, kind: str = "collaborates_with") -> Network:
    return Network.of(
        [Node(int(v), f"org {v}") for v in graph.nodes],
        [Edge(int(u), int(v), kind) for u, v in graph.edges],
    )


def two_cliques() -> nx.Graph:
    """K6 (0..5) and K4 (6..9) joined by the bridge 0-6."""
    graph = nx.union(nx.complete_graph(6), nx.relabel_nodes(nx.complete_graph(4), lambda v: v + 6))
    graph.add_edge(0, 6)
    return graph


GRAPHS = {
    "karate": nx.karate_club_graph,
    "path": lambda: nx.path_graph(7),
    "star": lambda: nx.star_graph(6),
    "two cliques": two_cliques,
}


@pytest.mark.parametrize("name", GRAPHS)
def test_degree_betweenness_and_cores_match_networkx(name):
    graph = GRAPHS[name]()
    metrics = compute(network_of(graph))
    assert metrics.betweenness_method == "exact"
    assert metrics.nodes == graph.number_of_nodes()
    assert metrics.edges == graph.number_of_edges()
    expected = nx.betweenness_centrality(graph, normalized=True)
    cores = nx.core_number(graph)
    for v in graph.nodes:
        figures = metrics.per_node[v]
        assert figures.degree == graph.degree[v]
        assert figures.betweenness == pytest.approx(expected[v], abs=1e-12)
        assert figures.core == cores[v]
    assert metrics.density == pytest.approx(nx.density(graph))
    assert metrics.average_clustering == pytest.approx(nx.average_clustering(graph))
    assert metrics.components == nx.number_connected_components(graph)
    assert metrics.largest_component_share == 1.0


@pytest.mark.parametrize("name", ["karate", "path", "two cliques"])
def test_eigenvector_close_to_networkx_on_a_connected_graph(name):
    graph = GRAPHS[name]()
    metrics = compute(network_of(graph))
    expected = nx.eigenvector_centrality_numpy(graph)
    top = max(expected.values())
    assert max(m.eigenvector for m in metrics.per_node.values()) == pytest.approx(1.0)
    for v in graph.nodes:
        assert metrics.per_node[v].eigenvector == pytest.approx(expected[v] / top, abs=1e-6)


def test_eigenvector_per_component_ranks_the_main_body_first():
    graph = nx.disjoint_union(nx.karate_club_graph(), nx.path_graph(3))
    metrics = compute(network_of(graph))
    karate = nx.eigenvector_centrality_numpy(nx.karate_club_graph())
    top = max(karate.values())
    for v in range(34):  # the main body scores as it would alone
        assert metrics.per_node[v].eigenvector == pytest.approx(karate[v] / top, abs=1e-6)
    # the path's λ is √2, far below the karate club's: its middle scores √2 / λ_karate
    lam = max(abs(np.linalg.eigvalsh(nx.to_numpy_array(nx.karate_club_graph(), weight=None))))
    assert metrics.per_node[35].eigenvector == pytest.approx(2**0.5 / lam, abs=1e-6)
    assert metrics.per_node[35].eigenvector < metrics.per_node[0].eigenvector


def test_multiple_ties_both_ways_and_self_ties_count_once():
    nodes = [Node(i, f"org {i}") for i in range(3)]
    edges = [
        Edge(0, 1, "supplies", "process_step:cut"),
        Edge(1, 0, "collaborates_with"),
        Edge(0, 1, "project_partner"),
        Edge(1, 2, "supplies"),
        Edge(2, 2, "member_of"),
    ]
    metrics = compute(Network.of(nodes, edges))
    assert (metrics.edges, metrics.ties) == (2, 5)
    assert [metrics.per_node[i].degree for i in range(3)] == [1, 2, 1]
    assert metrics.per_node[1].betweenness == 1.0
    # an edge to an organisation not in the network (plain constructor) is left out
    dangling = Network({n.id: n for n in nodes}, [*edges, Edge(2, 99, "supplies")])
    assert (compute(dangling).edges, compute(dangling).ties) == (2, 5)
    only_self = compute(Network.of(nodes, [Edge(1, 1, "member_of")]))
    assert (only_self.edges, only_self.ties, only_self.components) == (0, 1, 3)


def test_node_ids_need_not_be_contiguous_or_ordered():
    graph = nx.karate_club_graph()
    ids = list(graph.nodes)
    random.Random(2).shuffle(ids)
    relabelled = nx.relabel_nodes(graph, {v: 10_000 - 37 * v for v in graph})
    nodes = [Node(10_000 - 37 * v, f"org {v}") for v in ids]
    edges = [Edge(int(u), int(v), "supplies") for u, v in relabelled.edges]
    metrics = compute(Network.of(nodes, edges))
    expected = nx.betweenness_centrality(relabelled)
    for v in relabelled:
        assert metrics.per_node[v].degree == relabelled.degree[v]
        assert metrics.per_node[v].betweenness == pytest.approx(expected[v], abs=1e-12)


def test_articulation_impact_names_the_bridge_ends():
    metrics = compute(network_of(two_cliques()))
    assert [(a.id, a.cut_off, a.pieces, a.component_size) for a in metrics.articulation] == [
        (0, 4, 2, 10),  # without 0, the K4 (4) is cut off from the K6's other 5
        (6, 3, 2, 10),  # without 6, the K4's other 3 are cut off
    ]
    assert metrics.per_node[0].articulation_impact == 4
    assert metrics.per_node[6].articulation_impact == 3
    assert metrics.per_node[1].articulation_impact == 0


def test_articulation_impact_matches_removing_each_node():
    rng = random.Random(3)
    for trial in range(20):
        graph = nx.gnm_random_graph(rng.randint(5, 60), rng.randint(4, 80), seed=trial)
        graph.add_edges_from((v, 100 + v) for v in list(graph.nodes)[:3])  # some leaves
        converted = undirected(network_of(graph))
        found = {
            converted.ids[v]: (cut, pieces, size)
            for v, cut, pieces, size in articulation_impact(converted.graph)
        }
        expected = {}
        for v in graph.nodes:
            component = nx.node_connected_component(graph, v)
            rest = graph.subgraph(component - {v})
            parts = [len(c) for c in nx.connected_components(rest)]
            if len(parts) > 1:
                expected[v] = (len(component) - 1 - max(parts), len(parts), len(component))
        assert found == expected


def test_sampled_betweenness_tracks_the_exact_one():
    graph = nx.barabasi_albert_graph(2000, 3, seed=1)
    network = network_of(graph)
    exact = compute(network)
    sampled = compute(network, exact_betweenness_limit=1000, samples=300, seed=5)
    assert exact.betweenness_method == "exact"
    assert sampled.betweenness_method == "sampled from 300 sources"
    ids = sorted(graph.nodes)
    a = [exact.per_node[v].betweenness for v in ids]
    b = [sampled.per_node[v].betweenness for v in ids]
    rho = spearmanr(a, b).statistic
    assert rho > 0.9
    assert max(ids, key=lambda v: b[v]) == max(ids, key=lambda v: a[v])
    # the estimate is unbiased: its total is close to the exact total
    assert sum(b) == pytest.approx(sum(a), rel=0.05)
    again = compute(network, exact_betweenness_limit=1000, samples=300, seed=5)
    assert [again.per_node[v].betweenness for v in ids] == b


def test_communities_are_reproducible_and_brokers_link_them():
    graph = nx.karate_club_graph()
    first = compute(network_of(graph), seed=3)
    second = compute(network_of(graph), seed=3)
    assert [first.per_node[v].community for v in graph] == [
        second.per_node[v].community for v in graph
    ]
    assert first.communities >= 2
    assert first.modularity == pytest.approx(
        nx.community.modularity(
            graph,
            [
                {v for v in graph if first.per_node[v].community == c}
                for c in range(first.communities)
            ],
            weight=None,
        )
    )
    # the largest community is numbered 0
    sizes = [sum(first.per_node[v].community == c for v in graph) for c in range(first.communities)]
    assert sizes == sorted(sizes, reverse=True)
    # participation against a count by hand
    for v in graph:
        k = graph.degree[v]
        shares: dict[int, int] = {}
        for u in graph[v]:
            c = first.per_node[u].community
            shares[c] = shares.get(c, 0) + 1
        expected = 1 - sum((s / k) ** 2 for s in shares.values())
        assert first.per_node[v].participation == pytest.approx(expected)
    # brokers: top decile betweenness with ties across communities (0 and 33 lead the clubs)
    assert first.brokers
    between = sorted((first.per_node[v].betweenness for v in graph), reverse=True)
    for v in first.brokers:
        assert first.per_node[v].betweenness >= between[len(between) // 10]
        assert first.per_node[v].participation >= 0.3
    assert first.brokers[0] == 0


def test_empty_network_and_network_without_edges():
    empty = compute(Network())
    assert (empty.nodes, empty.edges, empty.components, empty.communities) == (0, 0, 0, 0)
    assert empty.per_node == {} and empty.articulation == () and empty.brokers == ()
    lonely = compute(Network.of([Node(i, f"org {i}") for i in range(5)], []))
    assert lonely.components == 5
    assert lonely.largest_component_share == 0.2
    assert lonely.density == 0.0
    assert all(
        (m.degree, m.betweenness, m.eigenvector, m.community, m.core) == (0, 0.0, 0.0, -1, 0)
        for m in lonely.per_node.values()
    )
    big_lonely = compute(
        Network.of([Node(i, "") for i in range(50)], [Edge(0, 1, "supplies")]),
        exact_betweenness_limit=10,
    )
    assert big_lonely.betweenness_method == "exact"  # nothing to sample from
    assert big_lonely.per_node[0].eigenvector == 1.0
    assert supply(Network()).steps == ()


def test_supply_single_suppliers_and_single_source_steps():
    cut, paint, weld = "process_step:cut", "process_step:paint", "process_step:weld"
    nodes = [
        Node(1, "Cutter A", codes=frozenset({cut, "segment:medical"})),
        Node(2, "Cutter B", codes=frozenset({cut})),
        Node(3, "Painter", codes=frozenset({paint, "segment:medical"})),
        Node(4, "Welder abroad", codes=frozenset({weld}), in_district=False),
        Node(5, "Assembler", codes=frozenset({"segment:medical", "sector:c32"})),
        Node(6, "Second assembler"),
    ]
    edges = [
        Edge(1, 5, "supplies", cut),
        Edge(2, 5, "supplies", cut),  # two cutters: no single dependency
        Edge(1, 5, "supplies", cut),  # the same supplier twice is one supplier
        Edge(3, 5, "supplies", paint),
        Edge(3, 6, "supplies", paint),
        Edge(3, 6, "supplies", paint),
        Edge(4, 6, "supplies", weld),
        Edge(1, 6, "supplies"),  # no step named: not counted
        Edge(2, 6, "collaborates_with", cut),  # not a supply
    ]
    result = supply(Network.of(nodes, edges))
    assert [(c.code, c.in_district, c.outside) for c in result.steps] == [
        (cut, (1, 2), ()),
        (paint, (3,), ()),
        (weld, (), (4,)),
    ]
    assert [(c.code, c.in_district) for c in result.segments] == [("segment:medical", (1, 3, 5))]
    assert result.single_supplier == (
        Dependency(5, paint, 3),
        Dependency(6, paint, 3),
        Dependency(6, weld, 4),
    )
    assert result.single_source_steps == ((paint, 3),)
    assert result.no_district_source == (weld,)


def test_every_metric_is_explained():
    for key in (
        "degree",
        "betweenness",
        "eigenvector",
        "community",
        "core",
        "participation",
        "broker",
        "articulation",
        "density",
        "average_clustering",
        "modularity",
        "single_supplier",
        "single_source_steps",
        "carriers",
    ):
        assert EXPLANATIONS[key].strip()


def test_a_large_tree_gives_no_warning():
    """Far from the hubs eigenvector scores are ~1e-18; igraph's warning is not an error."""
    graph = nx.barabasi_albert_graph(5000, 1, seed=1)
    metrics = compute(network_of(graph), exact_betweenness_limit=1000, samples=50)
    assert metrics.components == 1
    assert min(m.eigenvector for m in metrics.per_node.values()) >= 0.0
    # in a tree every node with two or more neighbours is an articulation point
    assert len(metrics.articulation) == sum(1 for v in graph if graph.degree[v] > 1)
