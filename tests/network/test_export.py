"""Exports of the network: GraphML, GEXF and CSV (no database)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from xml.etree import ElementTree

import networkx as nx
import pytest

from distretto.network.domain.export import (
    EDGE_COLUMNS,
    NODE_COLUMNS,
    render,
    to_networkx,
    write,
)
from distretto.network.domain.graph import Edge, Network, Node
from distretto.network.domain.links import synthetic

HOSTILE = 'Tom & "Jerry" <b>Srl</b> \x00\x01\x07\x0b\x1b\x7f\ufffe end'
HOSTILE_CLEAN = 'Tom & "Jerry" <b>Srl</b>  end'


@pytest.fixture
def network():
    nodes = [
        Node(
            1,
            HOSTILE,
            kind="company",
            codes=frozenset({"segment:dialysis", "process_step:sterilisation"}),
            lat=44.8447,
            lon=11.0706,
            municipality="036021",
        ),
        Node(2, "=SUM(A1:A9)", kind="company", in_district=False),
        Node(3, "+39 Srl", lat=-33.5, lon=-70.25),
        Node(4, "@risk; -minus", kind="association"),
    ]
    edges = [
        Edge(1, 2, "supplies", "process_step:sterilisation", 2015, None, "Annual report <2020>"),
        Edge(1, 2, "project_partner", None, 2018, 2020, ""),
        Edge(2, 3, "collaborates_with", source_text='=HYPERLINK("http://x")'),
        Edge(3, 4, "member_of", year_to=2021),
        Edge(4, 1, "meeting_outcome", source_text="Café \x08 B2B"),
    ]
    return Network.of(nodes, edges)


def edge_set(graph):
    return Counter(
        (
            int(u),
            int(v),
            d.get("kind"),
            d.get("process_step"),
            d.get("year_from"),
            d.get("year_to"),
            d.get("source"),
        )
        for u, v, d in graph.edges(data=True)
    )


def test_to_networkx_has_no_none(network):
    graph = to_networkx(network)
    assert isinstance(graph, nx.MultiDiGraph)
    assert set(graph.nodes) == {1, 2, 3, 4}
    assert graph.number_of_edges() == 5
    for _, data in graph.nodes(data=True):
        assert None not in data.values()
    for _, _, data in graph.edges(data=True):
        assert None not in data.values()
    assert graph.nodes[1]["codes"] == "process_step:sterilisation;segment:dialysis"
    assert graph.nodes[1]["name"] == HOSTILE_CLEAN
    assert "lat" not in graph.nodes[2]
    assert graph.nodes[2]["in_district"] is False
    edge = graph.get_edge_data(1, 2)
    assert {d["kind"] for d in edge.values()} == {"supplies", "project_partner"}
    supplies = next(d for d in edge.values() if d["kind"] == "supplies")
    assert supplies == {
        "kind": "supplies",
        "process_step": "process_step:sterilisation",
        "year_from": 2015,
        "source": "Annual report <2020>",
    }


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_round_trip(network, fmt, tmp_path):
    path = tmp_path / f"network.{fmt}"
    write(network, fmt, path)
    read = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    graph = read(path, node_type=int)
    expected = to_networkx(network)
    assert set(graph.nodes) == set(expected.nodes)
    assert edge_set(graph) == edge_set(expected)
    for node_id, data in expected.nodes(data=True):
        for key, value in data.items():
            assert graph.nodes[node_id][key] == value


def test_hostile_names_give_valid_xml(network):
    for fmt in ("graphml", "gexf"):
        content = render(network, fmt)
        root = ElementTree.fromstring(content)  # noqa: S314 - our own output; raises if invalid
        assert root is not None
        text = content.decode("utf-8")
        assert "\x00" not in text and "\x01" not in text and "\x1b" not in text
        assert "&lt;b&gt;" in text


def test_edges_csv(network):
    rows = list(csv.reader(io.StringIO(render(network, "csv").decode("utf-8"))))
    assert tuple(rows[0]) == EDGE_COLUMNS
    assert len(rows) == 1 + 5
    first = dict(zip(EDGE_COLUMNS, rows[1], strict=True))
    assert first == {
        "Source": "1",
        "Source name": HOSTILE_CLEAN,
        "Target": "2",
        "Target name": "'=SUM(A1:A9)",
        "Type": "Directed",
        "Kind": "supplies",
        "Process step": "process_step:sterilisation",
        "Year from": "2015",
        "Year to": "",
        "Provenance": "Annual report <2020>",
    }


def test_formula_looking_cells_are_defused(network):
    text = render(network, "csv").decode("utf-8") + render(network, "nodes_csv").decode("utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "@")), cell
        if cell.startswith("-"):
            float(cell)  # only numbers (a negative longitude) may start with a minus
    assert "'=SUM(A1:A9)" in cells
    assert "'+39 Srl" in cells
    assert "'@risk; -minus" in cells
    assert '\'=HYPERLINK("http://x")' in cells
    assert "Café  B2B" in cells


def test_nodes_csv(network):
    rows = list(csv.reader(io.StringIO(render(network, "nodes_csv").decode("utf-8"))))
    assert tuple(rows[0]) == NODE_COLUMNS
    by_id = {row[0]: dict(zip(NODE_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_id["3"]["Latitude"] == "-33.5"
    assert by_id["3"]["Longitude"] == "-70.25"
    assert by_id["2"]["In district"] == "false"
    assert by_id["1"]["Codes"] == "process_step:sterilisation;segment:dialysis"


def test_write_to_streams(network):
    binary = io.BytesIO()
    write(network, "graphml", binary)
    assert binary.getvalue() == render(network, "graphml")
    text = io.StringIO()
    write(network, "csv", text)
    assert text.getvalue().encode("utf-8") == render(network, "csv")


def test_unknown_format(network):
    with pytest.raises(ValueError, match="Unknown export format 'pajek'"):
        render(network, "pajek")


def test_synthetic_district_round_trips():
    network = synthetic(150, seed=1)
    expected = to_networkx(network)
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        graph = read(io.BytesIO(render(network, fmt)), node_type=int)
        assert set(graph.nodes) == set(network.nodes)
        assert edge_set(graph) == edge_set(expected)
