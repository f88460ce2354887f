"""Prose extraction: the text a reader reads, block by block, with source lines.

*Prose* is text in paragraphs, headings, list items, table cells, admonitions and
captions. Code, literals, math, raw content, the text of links and roles, and glossaries
are not prose. Each block becomes one :class:`Segment` with whitespace folded; the text of
a skipped inline node becomes a single ``\\x00`` so that no phrase matches across it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes

from kapdocs.evidence import evidence_marker
from kapdocs.locate import node_line, node_source
from kapdocs.store import Segment

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Subtrees that are never prose.
SKIPPED: tuple[type[nodes.Node], ...] = (
    nodes.FixedTextElement,  # literal_block, doctest_block, math_block, comment, raw, ...
    nodes.literal,
    nodes.math,
    nodes.raw,
    nodes.reference,
    nodes.abbreviation,
    nodes.title_reference,
    nodes.footnote_reference,
    nodes.citation_reference,
    nodes.substitution_reference,
    nodes.substitution_definition,
    nodes.citation,
    nodes.footnote,  # reference lists (footbibliography), not prose
    nodes.target,
    nodes.docinfo,
    nodes.problematic,
    nodes.system_message,
    nodes.image,
    addnodes.pending_xref,
    addnodes.glossary,
    addnodes.index,
    addnodes.desc_signature,
    addnodes.toctree,
    evidence_marker,  # a role's text, not prose
)

SEPARATOR = "\x00"
# A whole whitespace run that holds at least one line break (leftmost match = run start).
_BREAK_RUN = re.compile(r"[^\S\n]*\n\s*")
_NEWLINE = re.compile(r"\n")


def iter_segments(
    doctree: nodes.document, docname: str, default_source: str, relpath: Callable[[str], str]
) -> Iterator[Segment]:
    """Yield the prose blocks of *doctree* in document order.

    ``Segment.file`` is *relpath* of the block's source file.
    """
    blocks: list[nodes.Element] = []
    _blocks(doctree, blocks)
    for block in blocks:
        pieces: list[str] = []
        _flatten(block, pieces)
        raw = "".join(pieces)
        if not raw.strip(SEPARATOR + " \t\r\n"):
            continue
        text, breaks = fold_whitespace(raw)
        file = relpath(node_source(block, default_source))
        yield Segment(docname, file, node_line(block), text, breaks)


# What each node class is to the prose walk, worked out once per class: isinstance()
# against the two dozen skipped classes, for every node of every page, cost more than the
# walk itself.
_SKIP, _BLOCK, _TEXT, _CONTAINER = range(4)
_KINDS: dict[type[nodes.Node], int] = {}


def _kind(cls: type[nodes.Node]) -> int:
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, SKIPPED):
            kind = _SKIP
        elif issubclass(cls, nodes.TextElement):
            kind = _BLOCK
        elif issubclass(cls, nodes.Text):
            kind = _TEXT
        else:
            kind = _CONTAINER
        _KINDS[cls] = kind
    return kind


# The walks below append to a list rather than yield: nested generators cost a resumption
# per level for every node they pass up, and these run over every page.


def _blocks(node: nodes.Node, found: list[nodes.Element]) -> None:
    """Outermost text elements (paragraph, title, caption, ...) outside skipped subtrees."""
    for child in node.children:
        kind = _KINDS.get(type(child))
        if kind is None:
            kind = _kind(type(child))
        if kind == _BLOCK:
            found.append(child)  # type: ignore[arg-type]
        elif kind == _CONTAINER:
            _blocks(child, found)
        elif kind == _TEXT and isinstance(node, nodes.Element):
            # Bare text directly in a container: treat its parent as the block.
            found.append(node)
            return


def _flatten(node: nodes.Node, pieces: list[str]) -> None:
    for child in node.children:
        kind = _KINDS.get(type(child))
        if kind is None:
            kind = _kind(type(child))
        if kind == _TEXT:
            pieces.append(child)  # type: ignore[arg-type]  # a str; join() takes it as is
        elif kind == _SKIP:
            # Keep the line count right, but let nothing match across the gap.
            pieces.append(SEPARATOR + "\n" * _line_breaks(child))
        elif kind == _CONTAINER:
            # A block nested in a text element (rare): its own segment would be better,
            # but a separator keeps phrases from joining across it.
            pieces.append(SEPARATOR)
            _flatten(child, pieces)
            pieces.append(SEPARATOR)
        else:
            _flatten(child, pieces)


def _line_breaks(node: nodes.Node) -> int:
    """Line breaks in the source text under *node*.

    Not ``astext().count("\\n")``: astext() drops a backslash-escaped line break
    (reStructuredText's ``\\`` at a line's end), and puts blank lines between the
    children of elements such as footnotes; neither matches the source.
    """
    if isinstance(node, nodes.Text):
        return node.count("\n")
    return sum(map(_line_breaks, node.children))


def fold_whitespace(raw: str) -> tuple[str, tuple[int, ...]]:
    """Fold whitespace runs to one space; return the text and where line breaks were."""
    spaced = raw.replace("\n", " ")
    words = " ".join(raw.split())
    # Most prose has single spaces and single line breaks (MyST's soft breaks) only: then
    # the words joined by spaces are the text itself, less one space at either end
    # (which are one run if there are no words).
    ends = (spaced[:1] == " ") + (spaced[-1:] == " ")
    if words and len(spaced) - len(words) == ends and spaced.strip(" ") == words:
        if "\n" not in raw:
            return raw, ()
        return spaced, tuple(m.start() for m in _NEWLINE.finditer(raw))
    if "\n" not in raw:
        return _fold_spaces(raw), ()
    # The runs that hold line breaks split the text into lines, each folded on its own.
    lines = [_fold_spaces(line) for line in _BREAK_RUN.split(raw)]
    breaks: list[int] = []
    position = 0
    for line, run in zip(lines, _BREAK_RUN.findall(raw), strict=False):
        position += len(line)
        breaks.extend([position] * run.count("\n"))
        position += 1  # the space that stands for the run
    return " ".join(lines), tuple(breaks)


def _fold_spaces(text: str) -> str:
    """``re.sub(r"\\s+", " ", text)``, three times as fast: split() finds the same runs."""
    folded = " ".join(text.split())
    if text[:1].isspace():
        folded = " " + folded
    if text[-1:].isspace() and folded != " ":
        folded += " "
    return folded


def lower_same_length(text: str) -> str:
    """Lower-case *text* without changing its length (offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
