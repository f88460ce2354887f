"""Resolved pages: one walk of each page for every change kapdocs makes before writing.

Four features change a page once its references are resolved, in this order:

* links whose URL would run code lose their link (:mod:`kapdocs.safety`);
* the evidence list and review dashboard are filled in (:mod:`kapdocs.evidence`);
* term links get their entry's definition as title (:mod:`kapdocs.reader`);
* glossaries get "Used on" lines and an A to Z bar (:mod:`kapdocs.usedon`).

Each used to search the whole doctree for its own nodes; on every written page of a
large site those searches cost more than the changes. This walk finds the nodes of all
four at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from docutils import nodes
from sphinx import addnodes

from kapdocs import evidence, reader, safety, usedon
from kapdocs.timing import timed

if TYPE_CHECKING:
    from sphinx.application import Sphinx


class PageNodes(NamedTuple):
    """The nodes of a resolved page that kapdocs changes, each list in document order."""

    references: list[nodes.reference]
    generated: list[evidence.kapdocs_generated]
    glossaries: list[addnodes.glossary]


def find_nodes(doctree: nodes.document) -> PageNodes:
    found = PageNodes([], [], [])
    # An explicit stack, not three findall() calls: this runs for every written page.
    stack: list[nodes.Node] = [doctree]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Text):
            continue
        if isinstance(node, nodes.reference):
            found.references.append(node)
        elif isinstance(node, evidence.kapdocs_generated):
            found.generated.append(node)
        elif isinstance(node, addnodes.glossary):
            found.glossaries.append(node)
        if node.children:
            stack.extend(node.children[::-1])
    return found


@timed("pages")
def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    page = find_nodes(doctree)
    references = safety.disarm_unsafe_links(page.references)
    evidence.fill_generated(app, docname, page.generated)
    reader.add_term_titles(app, references)
    usedon.add_used_on(app, docname, page.glossaries)


def setup_resolved(app: Sphinx) -> None:
    app.connect("doctree-resolved", on_doctree_resolved)
