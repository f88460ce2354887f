"""Markdown reference links that markdown-it left as text.

``[text][label]`` links through a definition, ``[label]: https://example.org``, written
elsewhere on the same page. When markdown-it cannot read the definition, it keeps the
definition and every link to it as text on the page, with no warning from MyST:

- a definition whose destination markdown-it refuses (``javascript:``, ``file:``, ...,
  the schemes of :mod:`kapdocs.addresses`), and every definition after it up to the next
  blank line, which then continue a paragraph;
- a definition on the line after paragraph text (a definition cannot interrupt a
  paragraph);
- ``[text][label]`` or ``[label][]`` when no definition on the page gives *label*.

A defined reference is a link node, not prose, so whatever of these a page's prose still
holds is one of them. The shortcut form, ``[label]`` alone, is left alone: prose brackets
("[sic]", "[citation needed]") look the same.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING, NamedTuple

from markdown_it.common.normalize_url import validateLink

from kapdocs.diagnostics import closest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from kapdocs.store import Segment

# A line of prose that reads as a definition: the label, a destination with no space (or
# one in angle brackets), an optional title in quotes (curled by smart quotes) or
# parentheses, and nothing else.
_DEFINITION = re.compile(
    r"\[(?P<label>(?:[^\[\]\\]|\\.)+)\]: ?"
    r"(?P<dest><[^<>\n]*>|[^\s<]\S*)"
    r"(?: (?:\"[^\"]*\"|'[^']*'|\([^()]*\)|[\u201c\u201d][^\u201c\u201d]*[\u201c\u201d]"
    r"|[\u2018\u2019][^\u2018\u2019]*[\u2018\u2019]))? ?"
)

# "[text][label]" and "[label][]"; text and label hold no brackets. (A pattern that
# also asked for a letter in the text would try every split of an unclosed "[...".)
_FULL_REFERENCE = re.compile(r"\[(?P<text>[^\[\]]+)\]\[(?P<label>[^\[\]]*)\]")

# Reference numbers as papers print them, "[1][2]" or "[3, 4][5-7]": text, not links.
_NUMBERS = re.compile(r"[\d\s,\u2013-]*")


class Definition(NamedTuple):
    """A line of prose that reads as a definition: markdown-it did not read it as one."""

    start: int  # where the line starts in the block's text
    end: int
    label: str
    destination: str  # without angle brackets


class Unread(NamedTuple):
    """A definition that interrupts a paragraph, or a link to a label no definition
    gives, in a Markdown page's prose."""

    line: int  # expected source line
    label: str
    written: str  # as the page's text has it: the definition line, or "[text][label]"
    link: bool  # a link, not a definition


def normal_label(label: str) -> str:
    """A label as CommonMark matches it: case and runs of whitespace do not count."""
    return " ".join(label.split()).casefold()


def definitions(segment: Segment) -> list[Definition]:
    """The lines of one block of prose that read as definitions."""
    text = segment.text
    if "]:" not in text:
        return []  # nearly every block
    found = []
    starts = (0, *(at + 1 for at in segment.breaks))
    for start, end in zip(starts, (*segment.breaks, len(text)), strict=True):
        match = _DEFINITION.fullmatch(text, start, end) if text[start : start + 1] == "[" else None
        if match is not None and not match.group("label").isspace():
            destination = match.group("dest")
            if destination.startswith("<"):
                destination = destination[1:-1]
            found.append(Definition(start, end, match.group("label"), destination))
    return found


def refused(definition: Definition) -> bool:
    """Whether markdown-it refuses the definition's destination (see kapdocs.addresses)."""
    return not validateLink(definition.destination)


def unread(segments: list[Segment]) -> Iterator[Unread]:
    """Definitions that interrupt a paragraph, and reference links to labels no definition
    gives, in the blocks of one Markdown page's prose (refused destinations are left to
    kapdocs.addresses)."""
    shown = [(segment, definitions(segment)) for segment in segments if "]" in segment.text]
    # A link to a definition left as text is that definition's to report.
    labels = {normal_label(found.label) for _, lines in shown for found in lines}
    for segment, lines in shown:
        previous = -1  # where the last definition line ended
        for definition in lines:
            # After another definition left as text, the cause is that one's.
            if definition.start and definition.start != previous + 1 and not refused(definition):
                yield Unread(
                    segment.line + bisect_right(segment.breaks, definition.start),
                    definition.label,
                    segment.text[definition.start : definition.end].strip(),
                    link=False,
                )
            previous = definition.end
        for match in _FULL_REFERENCE.finditer(segment.text):
            if match.group("text").isspace():
                continue  # "[ ][x]": no link text, no link
            label = match.group("label") or match.group("text")
            if normal_label(label) in labels:
                continue
            if _NUMBERS.fullmatch(match.group("text")) and _NUMBERS.fullmatch(label):
                continue
            line = segment.line + bisect_right(segment.breaks, match.start())
            yield Unread(line, label, match.group(), link=True)


def written_in_source(item: Unread, source: str) -> bool:
    """Whether the *source* lines around *item*'s expected line write it as markup, not
    escaped as text (``\\[label]: ...``, ``\\[text\\][label]``: the page's text no longer
    shows the backslashes)."""
    if item.link:
        # The text as written, its whitespace on either side of a line break.
        words = [re.escape(word) for word in item.written[1:].split()]
        pattern = r"(?<!\\)\[" + r"\s+".join(words)
    else:
        pattern = _OPENING + re.escape(item.label) + r"\]:"
    return re.search(pattern, source, re.MULTILINE) is not None


# A definition's opening in a source line, inside block quotes or a list item too.
_OPENING = r"^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?\["
_DEFINED = re.compile(_OPENING + r"([^\[\]]+)\]:")


def message(item: Unread, source: list[str]) -> str:
    """What ``link_ref`` says of *item*; *source* is its file's lines."""
    if not item.link:
        return (
            f"{item.written!r} is no link reference definition to Markdown, which does not "
            f"let one continue a paragraph: the page shows it as text, and links to "
            f"[{item.label}] too; put a blank line before it"
        )
    labels = {
        normal_label(match.group(1)): match.group(1)
        for line in source
        if (match := _DEFINED.match(line))
    }
    close = closest(normal_label(item.label), labels)
    hint = f"; did you mean [{labels[close]}]?" if close is not None else ""
    return (
        f"{item.written!r} links the reference [{item.label}], which no definition in this "
        f"file gives, so the page shows it as text{hint}"
    )
