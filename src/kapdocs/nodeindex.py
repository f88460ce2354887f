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
    """The elements of *doctree* (itself included), by exact class, in document order;
    none inside a substitution definition."""

    def __init__(self, doctree: nodes.document) -> None:
        self.doctree = doctree
        # Nodes only, no (position, node) pairs: on a page of thousands of elements those
        # pairs were thousands of tracked objects for the garbage collector to carry.
        self._all: list[nodes.Element] = []
        self._by_class: dict[type[nodes.Element], list[nodes.Element]] = {}
        # id(element inside a text block) -> the block's line plus the line breaks in the
        # block's text before the element, counted on the way (see expected_line).
        self._hints: dict[int, int] = {}
        # An explicit stack, not findall(): this walk is on every page's reading path.
        # None marks where a text block's subtree ends.
        stack: list[nodes.Node | None] = [doctree]
        outer: list[int] = []  # the enclosing blocks' lines
        # The current block's line less the breaks before it, and the page's breaks so far.
        line = breaks = 0
        text_element = nodes.TextElement
        while stack:
            node = stack.pop()
            if node is None:
                line = outer.pop()  # leaving a block: back to the enclosing one's line
                continue
            if isinstance(node, nodes.Text):
                breaks += node.count("\n")
                continue
            if isinstance(node, nodes.substitution_definition):
                # Its text shows only where |name| uses it, a copy each collector meets
                # there: the definition itself would report a link or role once more.
                # (A body element, never inside a text block: the line breaks it holds
                # count for no block.)
                continue
            assert isinstance(node, nodes.Element)
            self._all.append(node)
            same = self._by_class.get(type(node))
            if same is None:
                same = self._by_class[type(node)] = []
            same.append(node)
            if isinstance(node.parent, text_element):
                self._hints[id(node)] = line + breaks
            elif isinstance(node, text_element):
                # A block: a text element not inside another. Breaks keep counting over
                # the whole page, so a block nested in a role's text counts in the outer one.
                outer.append(line)
                stack.append(None)
                line = node_line(node) - breaks
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
        :meth:`kapdocs.locate.SourceLines.find` starts from. A node outside any text
        block, or added after the walk, gets its own line.
        """
        hint = self._hints.get(id(node))
        return node_line(node) if hint is None else hint
