"""The bookkeeping domain: plain per-document records, purged and merged by docname.

Records are collected while a document is read (possibly in a worker process) and the
cross-document checks run over all of them once every document is read. Nothing here
holds a docutils node, so the environment pickles small and merges cheaply.

Records are kept as plain tuples and handed out as their named tuples: Python's garbage
collector stops tracking a plain tuple of strings and numbers, but not a named tuple, so
tens of thousands of named tuples would be walked by every full collection of a build.
A page's prose segments, over half of all the data and read only when the page is scanned
for terms, are kept as one pickle per page: a single object, which the environment's own
pickle copies whole. (Compressing them saved a few megabytes of a large build's memory
but cost more time than pickling.)
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Mapping
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from sphinx.domains import Domain

from kapdocs.diagnostics import Finding

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Set

    from docutils import nodes
    from docutils.nodes import Element
    from sphinx.addnodes import pending_xref
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

T = TypeVar("T")


class TermEntry(NamedTuple):
    """One glossary entry: its term lines (names) and where each is written."""

    docname: str
    file: str
    line: int
    names: tuple[str, ...]
    name_lines: tuple[int, ...]
    empty: bool


class TermRef(NamedTuple):
    """One ``{term}`` role; *target* is normalised (lower case, spaces folded)."""

    docname: str
    file: str
    line: int
    target: str
    in_glossary: bool


class Segment(NamedTuple):
    """One block of prose: whitespace folded, with the offsets where source lines broke."""

    docname: str
    file: str
    line: int
    text: str
    breaks: tuple[int, ...]


class AbbrUse(NamedTuple):
    """The first use on a page of an abbreviation that the page does not expand, in each
    hyphenated word it is part of: *word* holds the token at offset *at* (the token
    itself, at 0, when no hyphen joins it to another word)."""

    docname: str
    file: str
    line: int
    token: str
    word: str
    at: int


class LinkRef(NamedTuple):
    """One internal link or cross-reference role; *kind* is one of kapdocs.links' kinds."""

    docname: str
    file: str
    line: int
    kind: str
    target: str
    anchor: str
    local: bool


class ExternalLink(NamedTuple):
    """One link with a URL scheme (https, mailto, http, ...)."""

    docname: str
    file: str
    line: int
    uri: str


class Anchors(NamedTuple):
    """Every id a page defines (sections, targets, MyST heading slugs)."""

    docname: str
    ids: tuple[str, ...]


class KnownBroken(NamedTuple):
    """A link, as the page's HTML writes it, whose defect Sphinx or docutils reports
    itself (an unreadable image file, an unknown target name); the written-HTML pass
    does not report it again."""

    docname: str
    link: str


class RawHtml(NamedTuple):
    """A raw HTML block or role on a page; *comment* when all it holds on its line is
    HTML comments."""

    docname: str
    file: str
    line: int
    comment: bool


class CiteRef(NamedTuple):
    """One citation key used by a ``cite`` or ``footcite`` role."""

    docname: str
    file: str
    line: int
    key: str


class PageInfo(NamedTuple):
    """A page's front matter (key, value, line) and the shape governance checks look at."""

    docname: str
    file: str
    title_line: int
    title: str
    meta: tuple[tuple[str, str, int], ...]
    key_points: bool
    references: bool
    uncited: tuple[int, ...]

    def value(self, key: str) -> str | None:
        return next((value for k, value, _ in self.meta if k == key), None)

    def line_of(self, key: str) -> int:
        return next((line for k, _, line in self.meta if k == key), 1)


class EvidenceMark(NamedTuple):
    """One ``{evidence}`` marker: its level and the statement it qualifies."""

    docname: str
    file: str
    line: int
    level: str
    statement: str


class Generated(NamedTuple):
    """A directive whose content kapdocs generates from every page's records."""

    docname: str
    kind: str


class Definition(NamedTuple):
    """One glossary entry: its names, the anchor of each name, and a plain summary."""

    docname: str
    names: tuple[str, ...]
    anchors: tuple[str, ...]
    text: str


# Each kind of record lives in data[kind][docname] -> tuple of plain tuples.
RECORD_TYPES: dict[str, type[tuple[Any, ...]]] = {
    "entries": TermEntry,
    "refs": TermRef,
    "segments": Segment,
    "abbrs": AbbrUse,
    "links": LinkRef,
    "external": ExternalLink,
    "anchors": Anchors,
    "cites": CiteRef,
    "raw": RawHtml,
    "known_broken": KnownBroken,
    "definitions": Definition,
    "pages": PageInfo,
    "evidence": EvidenceMark,
    "generated": Generated,
    "errors": Finding,
}
RECORD_KINDS = tuple(RECORD_TYPES)
# Kinds kept as one pickle per page.
PROTOCOL = pickle.HIGHEST_PROTOCOL
PACKED_KINDS = frozenset({"segments"})


class KapdocsDomain(Domain):
    """Keeps kapdocs' records; it defines no roles or directives of its own."""

    name = "kapdocs"
    label = "kapdocs"
    data_version = 4
    # Sphinx deep-copies this into each new environment.
    initial_data: ClassVar[dict[str, Any]] = {
        **{kind: {} for kind in RECORD_KINDS},
        "snapshot": {},
        # docname -> (digest of the glossary, unlinked-term findings): see checks._unlinked
        "scanned": {},
        "findings": [],
        "encoding": [],
        "config": [],
        "broken_links": [],
    }

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        # Values worked out from the records while the cross-document checks run; on this
        # object, not in self.data, so they are never pickled with the environment.
        self._derived: dict[str, Any] | None = None

    @contextmanager
    def deriving(self) -> Iterator[None]:
        """Within the block, each value asked of :meth:`derived` is worked out once.

        For the checks once all pages are read, which ask several times for the same values
        and change no records; kept past them, the values would stay in memory as every
        page is written.
        """
        self._derived = {}
        try:
            yield
        finally:
            self._derived = None

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """*compute*'s value: worked out once inside :meth:`deriving`, else every time."""
        if self._derived is None:
            return compute()
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]  # type: ignore[no-any-return]

    def records(self, kind: str) -> Iterator[Any]:
        """All records of *kind*, in docname order so every build checks in one order."""
        # Chained and made in C: most pages hold no record of most kinds, and a Python
        # call per page and kind was half the time of listing the records.
        rows = self.data[kind]
        per_doc = map(rows.__getitem__, sorted(rows))
        if kind in PACKED_KINDS:
            per_doc = map(pickle.loads, per_doc)
        return map(_maker(kind), chain.from_iterable(per_doc))

    def by_doc(self, kind: str) -> Mapping[str, list[Any]]:
        """Docname -> its records of *kind*, made when asked for, one page at a time."""
        return _PerDoc(self.data[kind], _maker(kind), packed=kind in PACKED_KINDS)

    def add(self, kind: str, docname: str, records: Iterable[Any]) -> None:
        rows = tuple(map(tuple, records))
        if kind in PACKED_KINDS:
            self.data[kind][docname] = pickle.dumps(rows, PROTOCOL)
        else:
            self.data[kind][docname] = rows

    def clear_doc(self, docname: str) -> None:
        for kind in RECORD_KINDS:
            self.data[kind].pop(docname, None)
        self.data["scanned"].pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for kind in RECORD_KINDS:
            ours, theirs = self.data[kind], otherdata[kind]
            for docname in docnames:
                if docname in theirs:
                    ours[docname] = theirs[docname]

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: Element,
    ) -> list[tuple[str, nodes.reference]]:
        return []

    @property
    def findings(self) -> list[Finding]:
        """Findings of the current build (read by the report writer)."""
        return self.data["findings"]  # type: ignore[no-any-return]


def _maker(kind: str) -> Callable[[Iterable[Any]], Any]:
    # What the named tuple's _make does, less its length check, in C: rows are stored
    # by add() from records of this type, and a build checks tens of thousands.
    return functools.partial(tuple.__new__, RECORD_TYPES[kind])


class _PerDoc(Mapping[str, list[Any]]):
    def __init__(self, rows: dict[str, Any], make: Callable[[Any], Any], packed: bool) -> None:
        self._rows = rows
        self._make = make
        self._packed = packed

    def __getitem__(self, docname: str) -> list[Any]:
        rows = self._rows[docname]
        if self._packed:
            rows = pickle.loads(rows)
        return list(map(self._make, rows))

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def get_store(env: BuildEnvironment) -> KapdocsDomain:
    domain = env.domains["kapdocs"]
    assert isinstance(domain, KapdocsDomain)
    return domain
