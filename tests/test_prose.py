"""Prose segments: the text of each block, and where its source lines break."""

from __future__ import annotations

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from kapdocs.prose import SEPARATOR, iter_segments


def _segments(*blocks: nodes.Element) -> list[tuple[str, tuple[int, ...]]]:
    document = new_document("page.md", get_default_settings(Parser))
    for line, block in enumerate(blocks, start=1):
        block.line = line * 10
        document += block
    return [(s.text, s.breaks) for s in iter_segments(document, "page", "page.md", str)]


def test_an_escaped_line_break_in_a_link_still_counts() -> None:
    # reStructuredText `a\<newline>b <https://example.org>`_: the link's text node holds
    # the break as "\x00\n", which astext() drops; the source line still ends there.
    link = nodes.reference("", "", nodes.Text("a\x00\nb"), refuri="https://example.org")
    para = nodes.paragraph("", "", nodes.Text("See "), link, nodes.Text(" and\nserotonin."))
    [(text, breaks)] = _segments(para)
    assert text == f"See {SEPARATOR} and serotonin."
    assert breaks == (5, text.index(" serotonin"))


def test_breaks_inside_skipped_text_still_count() -> None:
    literal = nodes.literal(text="a\nb")
    para = nodes.paragraph("", "", nodes.Text("x "), literal, nodes.Text("\ny"))
    [(text, breaks)] = _segments(para)
    assert text == f"x {SEPARATOR} y"
    assert breaks == (3, 3)


def test_blocks_come_in_document_order_and_bare_text_makes_its_parent_one() -> None:
    item = nodes.list_item("", nodes.paragraph(text="first"))
    bare = nodes.block_quote("", nodes.Text("loose text"))
    section = nodes.section("", nodes.title(text="Title"), item, bare)
    code = nodes.literal_block(text="not prose")
    assert _segments(section, code) == [("Title", ()), ("first", ()), ("loose text", ())]
