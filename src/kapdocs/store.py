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

The store notes which kinds of record the pages read since the checks last ran changed,
so that a result worked out from whole kinds (the term checks, parts of the change
snapshot) is kept from the last build when none of its inputs changed: a rebuild after
an edit to one page's prose works out only what that edit can change.
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
    # Indexes of the names a blank line follows: Sphinx joins a term line after a blank
    # line to the entry above ("glossary terms must not be separated by empty lines").
    parted: tuple[int, ...] = ()


class TermRef(NamedTuple):
    """One ``{term}`` role; *target* is normalised (lower case, spaces folded), *written*
    is the target as the role gives it, for messages."""

    docname: str
    file: str
    line: int
    target: str
    in_glossary: bool
    written: str


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
    """One link with a URL scheme (https, mailto, http, ...), and that scheme as
    :func:`kapdocs.urls.url_scheme` reads it (worked out once, when the page is read);
    *as_text* when Markdown showed it as text instead (:mod:`kapdocs.addresses`), and
    *label* when it was the destination of the link reference definition of that label."""

    docname: str
    file: str
    line: int
    uri: str
    scheme: str
    as_text: bool = False
    label: str = ""


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
    """One citation key used by a ``cite`` or (*foot*) ``footcite`` role, or (*malformed*)
    the whole target of a ``cite`` role that is not keys separated by commas."""

    docname: str
    file: str
    line: int
    key: str
    malformed: bool = False
    foot: bool = False


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
    # (line, why) when MyST could read none of the front matter: its fields are unknown.
    unreadable: tuple[int, str] | None = None
    # (section, line) of a Key points box that does not open the page (see governance).
    late_key_points: tuple[str, int] | None = None
    # (why, line) of a References heading or rubric that is not the page's last section.
    misplaced_references: tuple[str, int] | None = None
    # (what, line) of Key points written without a box, when the page has no box.
    unboxed_key_points: tuple[str, int] | None = None

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


class Toctree(NamedTuple):
    """One toctree of a page, as its options and entries are written (repr): every page's
    navigation comes from the toctrees."""

    docname: str
    written: str


class Label(NamedTuple):
    """A label the page defines: an explicit target's name, as Sphinx registers it."""

    docname: str
    name: str


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
    "toctrees": Toctree,
    "labels": Label,
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
    # Bump when the keys of initial_data change: Sphinx then reads every page again
    # instead of loading an environment that lacks a key (it crashed the build).
    data_version = 15
    # Sphinx deep-copies this into each new environment.
    initial_data: ClassVar[dict[str, Any]] = {
        **{kind: {} for kind in RECORD_KINDS},
        # part -> pickled {key: value}: what links point to, see kapdocs.dependents
        "snapshot": {},
        # cited key -> where bibliographies list it, when the checks last ran (None before
        # the first build): see kapdocs.dependents.pages_citing_relisted
        "listed": None,
        # kind -> {docname: its rows when the checks last ran (None: it had none)}, for the
        # pages read or removed since; see changed_kinds
        "before": {},
        # name -> (other inputs, value) of a result worked out from whole kinds of record
        "reused": {},
        # docname -> (digest of the glossary, unlinked-term findings): see checks._unlinked
        "scanned": {},
        "findings": [],
        "encoding": [],
        "config": [],
        # cite_bibfile findings of the last parse of the .bib files: see kapdocs.bibfiles
        "bibfile": [],
        "broken_links": [],
    }

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        # Values worked out from the records while the cross-document checks run; on this
        # object, not in self.data, so they are never pickled with the environment.
        self._derived: dict[str, Any] | None = None
        # Kinds of record changed since the checks last ran; None until they run: all.
        self._changed: frozenset[str] | None = None
        # Pages to read again in this build whatever their sources (see kapdocs.bibfiles).
        self.reread: set[str] = set()

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

    def start_checks(self) -> None:
        """Before the checks: note which kinds of record changed since they last ran."""
        before = self.data["before"]
        self._changed = frozenset(
            kind
            for kind, rows in before.items()
            if any(self.data[kind].get(docname) != old for docname, old in rows.items())
        )
        before.clear()  # from now on, changes count towards the next run

    def changed(self, kinds: Iterable[str]) -> bool:
        """Whether a page's records of one of *kinds* changed since the checks last ran."""
        return self._changed is None or not self._changed.isdisjoint(kinds)

    def reuse(self, name: str, kinds: Iterable[str], key: object, compute: Callable[[], T]) -> T:
        """*compute*'s value, or the value it gave when the checks last ran if no record of
        *kinds* changed since and *key* (whatever else the value depends on) is equal.

        The values are kept with the environment, so they last from build to build.
        """
        saved = self.data["reused"].get(name)
        if saved is not None and saved[0] == key and not self.changed(kinds):
            return saved[1]  # type: ignore[no-any-return]
        value = compute()
        self.data["reused"][name] = (key, value)
        return value

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
        self._keep_before(kind, docname)
        rows = tuple(map(tuple, records))
        if not rows:  # most pages have no records of most kinds: nothing to store
            self.data[kind].pop(docname, None)
        elif kind in PACKED_KINDS:
            self.data[kind][docname] = pickle.dumps(rows, PROTOCOL)
        else:
            self.data[kind][docname] = rows

    def _keep_before(self, kind: str, docname: str) -> None:
        # The first time in a run of reading: later calls would see the page's new rows.
        self.data["before"].setdefault(kind, {}).setdefault(docname, self.data[kind].get(docname))
        self._changed = None  # until the checks run again, anything may have changed

    def clear_doc(self, docname: str) -> None:
        for kind in RECORD_KINDS:
            self._keep_before(kind, docname)
            self.data[kind].pop(docname, None)
        self.data["scanned"].pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for kind in RECORD_KINDS:
            ours, theirs = self.data[kind], otherdata[kind]
            for docname in docnames:
                self._keep_before(kind, docname)
                if docname in theirs:
                    ours[docname] = theirs[docname]
                else:
                    ours.pop(docname, None)

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
