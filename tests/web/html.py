"""Read rendered pages in tests: a tiny HTML tree with simple CSS selectors.

Selectors are compound parts (``tag``, ``.class``, ``#id``, ``[attr]``,
``[attr=value]``, combined like ``li.chip``) joined by spaces for descendants.
Enough to assert exact texts on a page without a parsing dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text content with white space collapsed, as a reader sees it."""
        return " ".join(self._raw_text().split())

    def _raw_text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child._raw_text())
        return "".join(parts)

    def descendants(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.descendants()

    def select(self, selector: str) -> list[Node]:
        nodes = [self]
        for part in selector.split():
            matcher = _compile(part)
            found: list[Node] = []
            for node in nodes:
                for candidate in node.descendants():
                    if matcher(candidate) and candidate not in found:
                        found.append(candidate)
            nodes = found
        return nodes

    def texts(self, selector: str) -> list[str]:
        return [node.text for node in self.select(selector)]

    def one(self, selector: str) -> Node:
        nodes = self.select(selector)
        assert len(nodes) == 1, f"{selector!r} matched {len(nodes)} elements"
        return nodes[0]


_PART = re.compile(r"([#.]?[\w-]+|\[[\w-]+(?:=[^\]]*)?\])")


def _compile(part: str):
    tokens = _PART.findall(part)
    assert "".join(tokens) == part, f"unsupported selector {part!r}"

    def matches(node: Node) -> bool:
        for token in tokens:
            if token.startswith("#"):
                if node.attrs.get("id") != token[1:]:
                    return False
            elif token.startswith("."):
                if token[1:] not in node.attrs.get("class", "").split():
                    return False
            elif token.startswith("["):
                name, _, value = token[1:-1].partition("=")
                if name not in node.attrs:
                    return False
                if value and node.attrs[name] != value.strip("\"'"):
                    return False
            elif node.tag != token:
                return False
        return True

    return matches


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, parent=self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(content: bytes | str) -> Node:
    """The document tree of a response's content."""
    builder = _TreeBuilder()
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    builder.close()
    return builder.root
