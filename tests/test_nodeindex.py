"""NodeIndex: one walk per page, and the line hints collectors start from."""

from __future__ import annotations

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx import addnodes

from kapdocs.nodeindex import NodeIndex


def _page() -> tuple[nodes.document, nodes.paragraph]:
    document = new_document("page.rst", get_default_settings(Parser))
    section = nodes.section()
    para = nodes.paragraph()
    para.line = 10
    document += section
    section += para
    return document, para


def test_elements_by_class_in_document_order() -> None:
    document, para = _page()
    first, second = nodes.emphasis(), nodes.strong(text="x")
    para += [nodes.Text("a "), first, second]
    first += nodes.strong(text="y")
    last = nodes.paragraph(text="z")
    document[0] += last
    index = NodeIndex(document)
    assert index.of(nodes.strong) == [first[0], second]
    assert index.of(nodes.emphasis, nodes.strong) == [first, first[0], second]
    assert index.of(nodes.table) == []
    assert list(index.every()) == list(document.findall(nodes.Element))
    assert index.of(nodes.TextElement) == [para, first, first[0], second, last]  # subclasses


def test_expected_line_counts_breaks_before_the_node() -> None:
    document, para = _page()
    # An empty element before the first text: the hint follows the text, not the gap.
    gap = nodes.inline("", "", nodes.inline(), nodes.Text("c"))
    later = nodes.inline(text="e")
    para += [nodes.Text("a\nb\n"), gap, nodes.Text("\nd"), later]
    index = NodeIndex(document)
    assert index.expected_line(gap) == 12
    assert index.expected_line(later) == 13
    assert index.expected_line(nodes.inline()) == 1  # detached, no text: the default line


def test_expected_line_counts_breaks_inside_a_role_and_leaves_its_text_alone() -> None:
    document, para = _page()
    # A role's text sits in a text element whose parent is not one: a block of its own.
    inner = nodes.inline(text="x\ny")
    xref = addnodes.pending_xref("", inner)
    later = nodes.reference(text="z")
    para += [nodes.Text("a\n"), xref, nodes.Text("\n"), later]
    index = NodeIndex(document)
    assert index.expected_line(xref) == 11
    assert index.expected_line(inner) == 10  # its own line, the paragraph's
    assert index.expected_line(later) == 13  # the break inside the role counts too
    assert index.expected_line(para) == 10
