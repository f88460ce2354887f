"""When kapdocs collects and checks, in the Sphinx event flow.

* ``doctree-read`` (possibly in a worker process): collect this page's records.
* ``env-updated`` (main process, once all pages are read, on every build, also when
  nothing was re-read): run the cross-document checks over every page's records and
  report the findings in file and line order; return the pages whose term links changed
  meaning so that Sphinx re-writes them.
* ``warn-missing-reference``: silence Sphinx's own "term not in glossary" warning, which
  ``term_undefined`` replaces (one defect, one message).
"""

from __future__ import annotations

import os
import traceback
from typing import TYPE_CHECKING, TypeVar

from sphinx.util import logging

from kapdocs import abbreviations, terms
from kapdocs.diagnostics import Code, Finding, emit, sort_findings
from kapdocs.locate import SourceLines
from kapdocs.prose import iter_segments
from kapdocs.store import get_store
from kapdocs.timing import timed

if TYPE_CHECKING:
    from collections.abc import Callable

    from docutils import nodes
    from sphinx.addnodes import pending_xref
    from sphinx.application import Sphinx
    from sphinx.domains import Domain
    from sphinx.environment import BuildEnvironment

    from kapdocs.store import AbbrUse, Segment

logger = logging.getLogger(__name__)
T = TypeVar("T")


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    with timed("collect"):
        _collect(app, doctree)


def _collect(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.current_document.docname
    store = get_store(env)
    lines = SourceLines(app.srcdir)
    default_source = str(env.doc2path(docname))
    errors: list[Finding] = []

    def guarded(check: str, collect: Callable[[], list[T]]) -> list[T]:
        try:
            return collect()
        except Exception:  # one page's bad input must not stop the build
            errors.append(_internal(lines.relpath(default_source), check, docname))
            return []

    def segments() -> list[Segment]:
        return [
            segment._replace(file=lines.relpath(segment.file))
            for segment in iter_segments(doctree, docname, default_source)
        ]

    def abbrs() -> list[AbbrUse]:
        return [
            use._replace(line=lines.find(os.path.join(app.srcdir, use.file), use.token, use.line))
            for use in abbreviations.collect_abbreviations(prose)
        ]

    prose = guarded("prose", segments)
    store.add("segments", docname, prose)
    store.add(
        "entries",
        docname,
        guarded("terms", lambda: terms.collect_entries(doctree, docname, default_source, lines)),
    )
    store.add(
        "refs",
        docname,
        guarded("terms", lambda: terms.collect_refs(doctree, docname, default_source, lines)),
    )
    store.add("abbrs", docname, guarded("abbreviations", abbrs))
    store.add("errors", docname, errors)


def _internal(file: str, check: str, docname: str) -> Finding:
    last = traceback.format_exc(limit=-1).strip().splitlines()[-1]
    return Finding(
        Code.INTERNAL,
        file,
        1,
        f"kapdocs could not run its {check} check on {docname!r} ({last}); "
        "the other pages are still checked; please report this with the page",
    )


def run_checks(app: Sphinx, env: BuildEnvironment) -> list[Finding]:
    """Every cross-document check over every page's records, in a stable order."""
    store = get_store(env)
    config = app.config
    lines = SourceLines(app.srcdir)
    entries = list(store.records("entries"))
    refs = list(store.records("refs"))
    names = terms.defined_names(entries)
    findings: list[Finding] = list(store.records("errors"))
    findings += terms.check_definitions(entries)
    findings += terms.check_refs(refs, names)
    findings += terms.check_unused(entries, refs, names)
    if config.kapdocs_check_unlinked:
        with timed("term_scan"):
            findings += terms.check_unlinked(
                store.data["segments"], store.data["refs"], names, lines
            )
    if config.kapdocs_check_abbreviations:
        term_lines = {name for entry in entries for name in entry.names}
        findings += abbreviations.check_abbreviations(
            store.records("abbrs"), term_lines, set(config.kapdocs_abbreviations_ignore)
        )
    return sort_findings(findings)


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    store = get_store(env)
    with timed("checks"):
        store.data["findings"] = run_checks(app, env)
    for finding in store.findings:
        emit(app, finding)
    return _pages_with_changed_terms(env)


def _pages_with_changed_terms(env: BuildEnvironment) -> list[str]:
    """Pages linking a term whose definition appeared, vanished or moved since last build.

    Sphinx resolves term links when it writes a page, and it would not re-write a page
    whose own source is unchanged, leaving a stale link (or a stale broken one).
    """
    store = get_store(env)
    targets = {
        key: entry.docname
        for key, (entry, _) in terms.defined_names(store.records("entries")).items()
    }
    previous: dict[str, str] = store.data["term_targets"]
    changed = {
        key for key in targets.keys() | previous.keys() if targets.get(key) != previous.get(key)
    }
    store.data["term_targets"] = targets
    if not changed:
        return []
    return sorted({ref.docname for ref in store.records("refs") if ref.target in changed})


def on_warn_missing_reference(app: Sphinx, domain: Domain, node: pending_xref) -> bool | None:
    if node.get("refdomain") == "std" and node.get("reftype") == "term":
        return True  # reported as kapdocs.term_undefined, with a suggestion
    return None


def setup_checks(app: Sphinx) -> None:
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-updated", on_env_updated)
    app.connect("warn-missing-reference", on_warn_missing_reference)
