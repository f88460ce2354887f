"""Real source lines for nodes whose ``line`` Sphinx or MyST get wrong.

Docutils and MyST give a paragraph its first line, but a role inside it the paragraph's
line, a reStructuredText title its underline, table cells the table's first line, and a
glossary term a line relative to the directive's content (or none at all). Rather than
trust those numbers, kapdocs treats them as hints and finds the text in the source file.

The file's lines are counted as its parser counts them, not with ``str.splitlines()``:
MyST (markdown-it) breaks lines at ``\n``, ``\r\n`` and ``\r`` only, while docutils turns
``\v`` and ``\f`` into spaces and then splits reStructuredText with ``str.splitlines()``, so
that ``\x1c``-``\x1e``, ``\x85``, U+2028 and U+2029 end a line there and not in Markdown.
"""

from __future__ import annotations

import os
import re
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from docutils import nodes

# How far from the hint a needle is looked for before the whole file is searched.
_WINDOW = 60
# markdown-it's own line breaks (rules_core/normalize.py); files other than
# reStructuredText ones (Markdown pages, the bibliography) are numbered so, as editors do.
_NEWLINE = re.compile(r"\r\n?|\n")
# What docutils' string2lines turns into spaces before splitting (Sphinx's RSTParser).
_RST_SPACES = re.compile("[\v\f]")
_RST_SUFFIXES = (".rst", ".rest")
_GLOSSARY_START = re.compile(r"^\s*(?:(?:`{3,}|~{3,}|:{3,})\s*\{glossary\}|\.\.\s+glossary::)")


class SourceLines:
    """Source files read once each, as lists of lines (index 0 is line 1)."""

    def __init__(
        self, srcdir: str | os.PathLike[str], source_suffix: Mapping[str, str] | None = None
    ) -> None:
        self.srcdir = os.fspath(srcdir)
        # Sphinx's source_suffix (suffix -> file type) says which parser reads a file.
        self._rst_suffixes = tuple(
            suffix
            for suffix, filetype in (source_suffix or {}).items()
            if filetype == "restructuredtext"
        )
        self._other_suffixes = tuple(
            suffix for suffix in source_suffix or {} if suffix not in self._rst_suffixes
        )
        self._cache: dict[str, list[str]] = {}
        self._lowered: dict[str, list[str]] = {}
        self._relpaths: dict[str, str] = {}

    def relpath(self, path: str) -> str:
        """*path* relative to the source directory, with forward slashes."""
        # Asked once per record, nearly always for the same file; os.path.relpath is slow.
        rel = self._relpaths.get(path)
        if rel is None:
            try:
                rel = os.path.relpath(path, self.srcdir).replace(os.sep, "/")
            except ValueError:  # another drive on Windows
                rel = path.replace(os.sep, "/")
            self._relpaths[path] = rel
        return rel

    def seed(self, path: str, text: str) -> None:
        """Take *path*'s text as already read (the page Sphinx just parsed)."""
        self._cache[path] = split_lines(text, self.is_rst(path))

    def lines(self, path: str) -> list[str]:
        if path not in self._cache:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    self._cache[path] = split_lines(f.read(), self.is_rst(path))
            except OSError:
                self._cache[path] = []
        return self._cache[path]

    def contains(self, path: str, needle: str) -> bool:
        """Whether any line of *path* contains *needle*, case-insensitively."""
        lowered = needle.lower()
        return any(lowered in line for line in self._lowered_lines(path))

    def is_rst(self, path: str) -> bool:
        """Whether docutils' reStructuredText parser reads *path* (else MyST or none)."""
        if path.endswith(self._rst_suffixes):
            return True
        # A suffix Sphinx does not map (an included file) is judged by its own name.
        return not path.endswith(self._other_suffixes) and path.endswith(_RST_SUFFIXES)

    def find(self, path: str, needle: str, hint: int) -> int:
        """The line nearest after *hint* (1-based) that contains *needle*, case-insensitively.

        Lines are tried in the order hint, hint - 1, hint + 1, hint + 2, ... (a
        reStructuredText title's hint is its underline), then the whole file; the hint
        itself is the answer when the needle is nowhere (generated text), brought within
        the file: docutils may place a node at the line after a file's last.
        """
        lines = self._lowered_lines(path)
        hint = max(hint, 1)
        if not lines:
            return hint
        hint = min(hint, len(lines))
        words = needle.split()
        if not words:
            return hint
        lowered = needle.lower()
        if hint <= len(lines) and lowered in lines[hint - 1] and _whole(lowered, lines[hint - 1]):
            return hint  # the usual answer, without setting up the search order
        for candidate in (lowered, words[0].lower()):
            # As a whole word first: "ion" is not the one in "Region" on the hint line.
            for whole in (True, False):
                for lineno in _around(hint, len(lines)):
                    line = lines[lineno - 1]
                    if candidate in line and (not whole or _whole(candidate, line)):
                        return lineno
        return hint

    def _lowered_lines(self, path: str) -> list[str]:
        lines = self._lowered.get(path)
        if lines is None:
            # Lowered once per file: a page asks for many needles.
            lines = self._lowered[path] = [line.lower() for line in self.lines(path)]
        return lines

    def glossary_term_lines(self, path: str, anchor: int, terms: Iterable[str]) -> list[int]:
        """Lines of the term lines *terms* of the glossary directive at or before *anchor*.

        Sphinx sorts ``:sorted:`` glossaries, so terms are matched by text, not by order;
        a term written twice takes successive lines.
        """
        terms = list(terms)
        lines = self.lines(path)
        start = _glossary_start(lines, anchor)
        if start is None:
            return [anchor] * len(terms)
        term_indent = _first_content_indent(lines, start)
        where: dict[str, list[int]] = {}
        for index in range(start + 1, len(lines)):
            text = lines[index]
            stripped = text.strip()
            if stripped and len(text) - len(text.lstrip()) == term_indent:
                where.setdefault(stripped, []).append(index + 1)
        found = []
        for term in terms:
            candidates = where.get(term.strip())
            found.append(candidates.pop(0) if candidates else anchor)
        return found


def _whole(needle: str, line: str) -> bool:
    """Whether *needle* is in *line* with no letter or digit glued to either end (a plural
    "s" or "es" may follow).

    Plain string tests, no regular expression: pages ask for thousands of needles.
    """
    glued_start = needle[:1].isalnum()
    glued_end = needle[-1:].isalnum()
    at = line.find(needle)
    while at != -1:
        if not (glued_start and at and _is_word(line[at - 1])):
            end = at + len(needle)
            if not glued_end:
                return True
            for plural in ("", "s", "es"):
                after = end + len(plural)
                glued = after < len(line) and _is_word(line[after])
                if line.startswith(plural, end) and not glued:
                    return True
        at = line.find(needle, at + 1)
    return False


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def split_lines(text: str, rst: bool) -> list[str]:
    """*text*'s lines, numbered as its parser numbers them (see the module docstring)."""
    if rst:
        return _RST_SPACES.sub(" ", text).splitlines()
    # Most files have no carriage return; str.split is ten times faster than the regex.
    lines = _NEWLINE.split(text) if "\r" in text else text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the end of the last line, not a line of its own (as splitlines())
    return lines


def _around(hint: int, count: int) -> Iterable[int]:
    order = chain(
        (hint, hint - 1),
        range(hint + 1, hint + _WINDOW),
        range(hint - 2, max(hint - _WINDOW, 0), -1),
        range(1, count + 1),
    )
    seen = set()
    for lineno in order:
        if 1 <= lineno <= count and lineno not in seen:
            seen.add(lineno)
            yield lineno


def _glossary_start(lines: list[str], anchor: int) -> int | None:
    """0-based index of the nearest glossary directive line at or before *anchor*."""
    for index in range(min(anchor, len(lines)) - 1, -1, -1):
        if _GLOSSARY_START.match(lines[index]):
            return index
    return None


def _first_content_indent(lines: list[str], start: int) -> int:
    for text in lines[start + 1 :]:
        if text.strip():
            return len(text) - len(text.lstrip())
    return 0


def role_needle(rawtext: str, fallback: str) -> str:
    """What to look for in the source to find a role: from its first backtick on.

    MyST gives a role the raw text of reStructuredText (":footcite:`key`"), which is not in
    the file, and the line of the paragraph it is in; the part both syntaxes write alike
    finds the role's own line.
    """
    return rawtext[rawtext.index("`") :] if "`" in rawtext else fallback


def node_source(node: nodes.Node, default: str) -> str:
    """The file a node came from (an included file keeps its own name)."""
    source = _nearest(node, "source")
    return str(source) if source else default


def node_line(node: nodes.Node) -> int:
    """The node's own line, else the nearest ancestor's (MyST leaves some at 0 or None)."""
    line = _nearest(node, "line")
    return int(line) if line else 1


def _nearest(node: nodes.Node, attribute: str) -> Any:
    """The first truthy *attribute* on the node or its ancestors."""
    current: nodes.Node | None = node
    while current is not None:
        value = getattr(current, attribute, None)
        if value:
            return value
        current = current.parent
    return None
