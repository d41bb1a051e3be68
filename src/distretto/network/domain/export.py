"""The network as files other tools open: GraphML and GEXF (Gephi, Cytoscape, yEd, networkx)
and CSV (Gephi's "edges table" import, spreadsheets).

:func:`to_networkx` gives a ``networkx.MultiDiGraph`` (node ids are the organisations' ids):

* node attributes: ``name``, ``kind``, ``codes`` (the ``taxonomy:code`` strings, sorted,
  joined by ";"), ``lat``, ``lon``, ``municipality``, ``in_district``;
* edge attributes: ``kind``, ``process_step``, ``year_from``, ``year_to``, ``source`` (where
  the fact comes from, ``Edge.source_text``).

A value that is not known (None) is left out rather than written empty: GraphML and GEXF
cannot store None. Text loses the control characters XML 1.0 cannot carry, so a hostile name
still gives a valid file.

:func:`write` writes ``graphml``, ``gexf``, ``csv`` (the edges) or ``nodes_csv`` to a path or
a stream (binary or text). The edges CSV has a header and one row per edge:

``Source`` (id), ``Source name``, ``Target`` (id), ``Target name``, ``Type`` (always
``Directed``), ``Kind``, ``Process step``, ``Year from``, ``Year to``, ``Provenance``

Gephi's spreadsheet import recognises ``Source``, ``Target`` and ``Type`` and keeps the other
columns as edge attributes (the fact's source is ``Provenance`` so as not to clash with
``Source``). ``nodes_csv`` is Gephi's nodes table: ``Id``, ``Label``, ``Kind``, ``Codes``,
``Latitude``, ``Longitude``, ``Municipality``, ``In district``. A text cell starting with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is prefixed with ``'`` so that a
spreadsheet does not run it as a formula. Both CSVs are UTF-8 without a byte-order mark.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from typing import IO, Any

import networkx as nx

from distretto.network.domain.graph import Network
from distretto.registry import tabular

FORMATS: dict[str, tuple[str, str]] = {
    # format: (media type, file extension)
    "graphml": ("application/graphml+xml", "graphml"),
    "gexf": ("application/gexf+xml", "gexf"),
    "csv": ("text/csv", "csv"),
    "nodes_csv": ("text/csv", "csv"),
}
EDGE_COLUMNS = (
    "Source",
    "Source name",
    "Target",
    "Target name",
    "Type",
    "Kind",
    "Process step",
    "Year from",
    "Year to",
    "Provenance",
)
NODE_COLUMNS = (
    "Id",
    "Label",
    "Kind",
    "Codes",
    "Latitude",
    "Longitude",
    "Municipality",
    "In district",
)

# Characters XML 1.0 cannot carry (C0 controls but tab, newline, carriage return; surrogates;
# U+FFFE, U+FFFF), plus C1 controls and DEL, which are legal but never meant in a name.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """``value`` without the characters an XML file cannot carry."""
    return _NOT_XML.sub("", value)


def defuse_cell(value: str) -> str:
    """A CSV text cell a spreadsheet will not run as a formula."""
    return tabular.defuse_cell(clean_text(value))


def _set(attributes: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless the value is unknown (None, or an empty text)."""
    if value is None:
        return
    if isinstance(value, str):
        value = clean_text(value)
        if not value:
            return
    attributes[key] = value


def to_networkx(network: Network) -> nx.MultiDiGraph:
    """The network as a ``MultiDiGraph`` (see the module's docstring for the attributes)."""
    graph = nx.MultiDiGraph()
    for node_id in sorted(network.nodes):
        node = network.nodes[node_id]
        attributes: dict[str, Any] = {}
        _set(attributes, "name", node.name)
        _set(attributes, "kind", node.kind)
        _set(attributes, "codes", ";".join(sorted(node.codes)))
        _set(attributes, "lat", None if node.lat is None else float(node.lat))
        _set(attributes, "lon", None if node.lon is None else float(node.lon))
        _set(attributes, "municipality", node.municipality)
        attributes["in_district"] = bool(node.in_district)
        graph.add_node(node_id, **attributes)
    for edge in network.edges:
        attributes = {}
        _set(attributes, "kind", edge.kind)
        _set(attributes, "process_step", edge.process_step)
        _set(attributes, "year_from", edge.year_from)
        _set(attributes, "year_to", edge.year_to)
        _set(attributes, "source", edge.source_text)
        graph.add_edge(edge.source, edge.target, **attributes)
    return graph


def _graphml(network: Network) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(to_networkx(network), buffer, encoding="utf-8")
    return buffer.getvalue()


def _gexf(network: Network) -> bytes:
    graph = to_networkx(network)
    # GEXF has a label of its own for each node: the name (Gephi shows it).
    for _, data in graph.nodes(data=True):
        if "name" in data:
            data["label"] = data["name"]
    buffer = io.BytesIO()
    nx.write_gexf(graph, buffer, encoding="utf-8")
    return buffer.getvalue()


def _number(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _csv(rows: Iterable[Iterable[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _edges_csv(network: Network) -> bytes:
    names = {i: n.name for i, n in network.nodes.items()}
    rows: list[list[str]] = [list(EDGE_COLUMNS)]
    for e in network.edges:
        rows.append(
            [
                str(e.source),
                defuse_cell(names.get(e.source, "")),
                str(e.target),
                defuse_cell(names.get(e.target, "")),
                "Directed",
                defuse_cell(e.kind),
                defuse_cell(e.process_step or ""),
                _number(e.year_from),
                _number(e.year_to),
                defuse_cell(e.source_text),
            ]
        )
    return _csv(rows)


def _nodes_csv(network: Network) -> bytes:
    rows: list[list[str]] = [list(NODE_COLUMNS)]
    for node_id in sorted(network.nodes):
        n = network.nodes[node_id]
        rows.append(
            [
                str(n.id),
                defuse_cell(n.name),
                defuse_cell(n.kind),
                defuse_cell(";".join(sorted(n.codes))),
                _number(n.lat),
                _number(n.lon),
                defuse_cell(n.municipality),
                "true" if n.in_district else "false",
            ]
        )
    return _csv(rows)


_WRITERS = {"graphml": _graphml, "gexf": _gexf, "csv": _edges_csv, "nodes_csv": _nodes_csv}


def render(network: Network, fmt: str) -> bytes:
    """The file of ``network`` in ``fmt`` (one of :data:`FORMATS`), as UTF-8 bytes."""
    try:
        writer = _WRITERS[fmt]
    except KeyError:
        known = ", ".join(FORMATS)
        raise ValueError(f"Unknown export format {fmt!r}; use one of: {known}.") from None
    return writer(network)


def write(
    network: Network,
    fmt: str,
    stream_or_path: str | os.PathLike[str] | IO[Any],
) -> None:
    """Write ``network`` in ``fmt`` to a path, or to a stream: a text stream gets text, any
    other (a binary file, Django's ``HttpResponse``) gets UTF-8 bytes."""
    content = render(network, fmt)
    if isinstance(stream_or_path, str | os.PathLike):
        with open(stream_or_path, "wb") as f:
            f.write(content)
    elif isinstance(stream_or_path, io.TextIOBase):
        # newline="" semantics: the CSV's own CRLF line ends are kept as they are.
        stream_or_path.write(content.decode("utf-8"))
    else:
        stream_or_path.write(content)
