"""Reading phase: turn one page's doctree into kapdocs' records.

Runs on ``doctree-read``, possibly in a worker process of a parallel build; it sees only
this page and writes only this page's records. A collector that fails on a malformed
page becomes an ``internal`` finding for that page; the other collectors still run.
"""

from __future__ import annotations

import os
import traceback
import weakref
from typing import TYPE_CHECKING, TypeVar

from docutils import nodes
from sphinx import addnodes

from kapdocs import (
    abbreviations,
    addresses,
    citations,
    definitions,
    evidence,
    governance,
    html_pass,
    links,
    reference_links,
    safety,
    terms,
)
from kapdocs.diagnostics import Code, Finding
from kapdocs.locate import SourceLines
from kapdocs.nodeindex import NodeIndex
from kapdocs.prose import iter_segments
from kapdocs.store import Label, Toctree, get_store
from kapdocs.timing import timed

if TYPE_CHECKING:
    from collections.abc import Callable

    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from kapdocs.store import AbbrUse, Anchors, ExternalLink, Segment

T = TypeVar("T")

# The text Sphinx parses for the page being read now, from ``source-read``, so that
# locating lines on it need not open the file again (a tenth of a second at 1,000 pages).
# Reading is one page at a time per process; the environment and docname make sure a
# text left by a page whose parsing failed is never taken for another.
_reading: tuple[weakref.ref[BuildEnvironment], str, str] | None = None


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    global _reading
    _reading = (weakref.ref(app.env), docname, source[0])


def _text_read(env: BuildEnvironment, docname: str) -> str | None:
    global _reading
    reading, _reading = _reading, None
    if reading is None or reading[0]() is not env or reading[1] != docname:
        return None
    return reading[2]


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    with timed("collect"):
        _collect(app, doctree)


def _collect(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.current_document.docname
    store = get_store(env)
    lines = SourceLines(app.srcdir, app.config.source_suffix)
    source = str(env.doc2path(docname))
    text = _text_read(env, docname)
    if text is not None:
        lines.seed(source, text)
    errors: list[Finding] = []
    index = NodeIndex(doctree)

    def guarded(check: str, collect: Callable[[], T]) -> T | None:
        try:
            return collect()
        except Exception:  # one page's bad input must not stop the build
            errors.append(internal_error(lines.relpath(source), f"{check} check", docname))
            return None

    def segments() -> list[Segment]:
        return list(iter_segments(doctree, docname, source, lines.relpath))

    def abbrs() -> list[AbbrUse]:
        # Sphinx's {abbr}`TRD (treatment-resistant depression)` explains its abbreviation.
        expanded = [
            node.astext() for node in index.of(nodes.abbreviation) if node.get("explanation")
        ]
        return [
            use._replace(line=lines.find(os.path.join(app.srcdir, use.file), use.token, use.line))
            for use in abbreviations.collect_abbreviations(prose, expanded)
        ]

    def is_markdown(file: str) -> bool:
        return bool(app.config.source_suffix.get(os.path.splitext(file)[1]) == "markdown")

    def text_links() -> list[ExternalLink]:
        found = []
        for link in addresses.shown_as_text(prose, is_markdown):
            path = os.path.join(app.srcdir, link.file)
            line = lines.find(path, link.uri, link.line)
            text = lines.lines(path)
            # The destination may open on the line after its "](".
            written = "\n".join(text[max(line - 2, 0) : line])
            if line > len(text) or addresses.written_as_link(written, link):
                found.append(link._replace(line=line))
        return found

    def unread_references() -> list[Finding]:
        by_file: dict[str, list[Segment]] = {}
        for segment in prose:
            if is_markdown(segment.file):
                by_file.setdefault(segment.file, []).append(segment)
        found = []
        for file, blocks in by_file.items():
            path = os.path.join(app.srcdir, file)
            text = lines.lines(path)
            for item in reference_links.unread(blocks):
                needle = item.written if item.link else f"[{item.label}]:"
                line = lines.find(path, needle, item.line)
                around = "\n".join(text[max(line - 2, 0) : line + 1])
                if line <= len(text) and not reference_links.written_in_source(item, around):
                    continue  # escaped: text the author meant
                message = reference_links.message(item, text)
                found.append(Finding(Code.LINK_REF, file, line, message))
        return found

    def anchors() -> list[Anchors]:
        return [links.collect_anchors(index, docname, env)]

    prose = guarded("prose", segments) or []
    store.add("segments", docname, prose)
    store.add("abbrs", docname, guarded("abbreviations", abbrs) or [])
    store.add(
        "entries",
        docname,
        guarded("terms", lambda: terms.collect_entries(index, docname, source, lines)) or [],
    )
    store.add(
        "refs",
        docname,
        guarded("terms", lambda: terms.collect_refs(index, docname, source, lines)) or [],
    )
    internal, external = guarded(
        "links", lambda: links.collect_links(index, docname, source, lines)
    ) or ([], [])
    store.add("links", docname, internal)
    store.add("external", docname, external + (guarded("links", text_links) or []))
    store.add("anchors", docname, guarded("links", anchors) or [])
    store.add(
        "cites",
        docname,
        guarded("citations", lambda: citations.collect_cites(app, index, docname, source, lines))
        or [],
    )
    store.add(
        "pages",
        docname,
        guarded(
            "governance",
            lambda: (
                [governance.collect_page(doctree, docname, source, env.metadata[docname], lines)]
                if governance.is_reference_page(docname, app.config)
                else []
            ),
        )
        or [],
    )
    store.add(
        "evidence",
        docname,
        guarded("evidence", lambda: evidence.collect_evidence(index, docname, source, lines)) or [],
    )
    store.add("generated", docname, evidence.collect_generated(index, docname))
    store.add("toctrees", docname, collect_toctrees(index, docname))
    store.add("labels", docname, collect_labels(doctree, docname))
    store.add(
        "definitions",
        docname,
        guarded("definitions", lambda: definitions.collect(index, docname)) or [],
    )
    store.add(
        "known_broken",
        docname,
        guarded("links", lambda: html_pass.collect_known_broken(index, docname, env)) or [],
    )
    store.add(
        "raw",
        docname,
        guarded("raw_html", lambda: safety.collect_raw(index, docname, source, lines)) or [],
    )
    errors += guarded("citations", lambda: citations.collect_unshown(env, source, lines)) or []
    errors += guarded("links", unread_references) or []
    store.add("errors", docname, errors)


def collect_toctrees(index: NodeIndex, docname: str) -> list[Toctree]:
    """The page's toctrees, each as its entries and options are set (repr, unset ones out)."""
    return [
        Toctree(
            docname, repr(sorted((key, value) for key, value in node.attributes.items() if value))
        )
        for node in index.of(addnodes.toctree)
    ]


def collect_labels(doctree: nodes.document, docname: str) -> list[Label]:
    """The labels the page defines (docutils' explicit names, which Sphinx's standard
    domain registers; footnotes and external targets among them are harmless here)."""
    return [
        Label(docname, name)
        for name, explicit in sorted(doctree.nametypes.items())
        if explicit and doctree.nameids.get(name)
    ]


def internal_error(file: str, check: str, docname: str) -> Finding:
    last = traceback.format_exc(limit=-1).strip().splitlines()[-1]
    return Finding(
        Code.INTERNAL,
        file,
        1,
        f"kapdocs could not run its {check} on {docname} ({last}); "
        "the other pages and checks still ran; please report this with the page",
    )
