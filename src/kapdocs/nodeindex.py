"""One walk over a page's doctree, shared by every collector that reads the page.

Each collector used to search the whole doctree for its own kinds of node; with a dozen
collectors that was a dozen walks per page. :class:`NodeIndex` walks once, keeps the
elements by class in document order, and answers the line hints collectors ask for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from docutils import nodes

from kapdocs.locate import node_line

if TYPE_CHECKING:
    from collections.abc import Iterable

N = TypeVar("N", bound=nodes.Element)


class NodeIndex:
    """The elements of *doctree* (itself included), by exact class, in document order."""

    def __init__(self, doctree: nodes.document) -> None:
        self.doctree = doctree
        # Nodes only, no (position, node) pairs: on a page of thousands of elements those
        # pairs were thousands of tracked objects for the garbage collector to carry.
        self._all: list[nodes.Element] = []
        self._by_class: dict[type[nodes.Element], list[nodes.Element]] = {}
        # Per text block: line breaks before each of its Text nodes, and in all.
        self._breaks: dict[int, tuple[dict[int, int], int]] = {}
        # An explicit stack, not findall(): this walk is on every page's reading path.
        stack: list[nodes.Node] = [doctree]
        while stack:
            node = stack.pop()
            if not isinstance(node, nodes.Element):
                continue  # Text
            self._all.append(node)
            same = self._by_class.get(type(node))
            if same is None:
                same = self._by_class[type(node)] = []
            same.append(node)
            if node.children:
                stack.extend(node.children[::-1])

    def of(self, *classes: type[N]) -> list[N]:
        """Elements that are instances of any of *classes*, in document order."""
        matched = [cls for cls in self._by_class if issubclass(cls, classes)]
        if not matched:
            return []
        if len(matched) == 1:
            return list(self._by_class[matched[0]])  # type: ignore[arg-type]
        # Several classes: one pass over the page keeps document order.
        wanted = set(matched)
        return [node for node in self._all if type(node) in wanted]  # type: ignore[misc]

    def every(self) -> Iterable[nodes.Element]:
        """Every element, in document order."""
        return iter(self._all)

    def expected_line(self, node: nodes.Node) -> int:
        """The block's line plus the line breaks in the block's text before *node*.

        Roles and links inside a paragraph carry the paragraph's line; this is the hint
        :meth:`kapdocs.locate.SourceLines.find` starts from.
        """
        block: nodes.Node = node
        while isinstance(block.parent, nodes.TextElement):
            block = block.parent
        cached = self._breaks.get(id(block))
        if cached is None:
            cached = self._breaks[id(block)] = _breaks_before(block.findall(nodes.Text))
        before, total = cached
        first = _first_text(node)
        return node_line(block) + (before.get(id(first), total) if first is not None else total)


def _first_text(node: nodes.Node) -> nodes.Text | None:
    """The first Text in *node* (findall order), found by following first children."""
    current = node
    while not isinstance(current, nodes.Text):
        if not current.children:
            # An empty element on the way: the Text, if any, is further on.
            return next(iter(node.findall(nodes.Text)), None)
        current = current.children[0]
    return current


def _breaks_before(texts: Iterable[nodes.Text]) -> tuple[dict[int, int], int]:
    before: dict[int, int] = {}
    count = 0
    for text in texts:
        before.setdefault(id(text), count)
        count += text.count("\n")
    return before, count
