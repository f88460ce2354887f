"""When kapdocs collects and checks, in the Sphinx event flow.

* ``doctree-read`` (possibly in a worker process): collect this page's records.
* ``env-updated`` (main process, once all pages are read, on every build, also when
  nothing was re-read): run the cross-document checks over every page's records and
  report the findings in file and line order; return the pages whose term links changed
  meaning so that Sphinx re-writes them.
* ``env-get-outdated``: add the pages a change makes stale though their files did not
  change (links to pages that came or went, labels they share with a page read again).
* ``warn-missing-reference``: silence Sphinx's own warnings for the term, doc, ref,
  numref and any targets that kapdocs reports (one defect, one message).
* ``builder-inited`` to ``build-finished``: filter Sphinx's untyped duplicate-term and
  parted-glossary messages, which ``term_duplicate`` and ``term_empty`` replace, and
  MyST's unreadable-front-matter messages on reference pages, which ``page_meta`` replaces.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from sphinx.locale import _, __

from kapdocs import (
    abbreviations,
    addresses,
    bibtex_hooks,
    citations,
    evidence,
    governance,
    html_pass,
    links,
    safety,
    terms,
)
from kapdocs.collect import internal_error, on_doctree_read, on_source_read
from kapdocs.config import conf_py_path, option_finding
from kapdocs.dependents import (
    pages_citing_relisted,
    pages_linking_new_files,
    pages_sharing_labels,
    pages_to_reread,
    pages_to_rewrite,
)
from kapdocs.diagnostics import Finding, emit, sort_findings
from kapdocs.locate import SourceLines
from kapdocs.store import LinkRef, get_store
from kapdocs.timing import timed

if TYPE_CHECKING:
    from collections.abc import Callable

    from sphinx.addnodes import pending_xref
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.domains import Domain
    from sphinx.environment import BuildEnvironment

    from kapdocs.store import KapdocsDomain


def run_checks(app: Sphinx, env: BuildEnvironment) -> list[Finding]:
    """Every cross-document check over every page's records, in a stable order.

    A check that fails becomes an ``internal`` finding naming it; the others still run.
    """
    store = get_store(env)
    config = app.config
    lines = SourceLines(app.srcdir, app.config.source_suffix)
    suffixes = repr(config.source_suffix)  # which files are reStructuredText

    def option(name: str, message: str) -> Finding:
        return option_finding(config, *conf_py_path(app), name, message)

    def is_rst(file: str) -> bool:
        return lines.is_rst(os.path.join(app.srcdir, file))

    def term_checks() -> list[Finding]:
        entries = list(store.records("entries"))
        refs = list(store.records("refs"))
        names = terms.store_names(store)
        found = terms.check_definitions(entries)
        found += terms.check_refs(refs, names)
        return found + terms.check_unused(entries, refs, names, is_rst)

    def unlinked() -> list[Finding]:
        if not config.kapdocs_check_unlinked:
            return []
        with timed("term_scan"):
            return _unlinked(store, lines)

    def abbrs() -> list[Finding]:
        if not config.kapdocs_check_abbreviations:
            return []
        term_lines = {name for entry in store.records("entries") for name in entry.names}
        ignore = set(config.kapdocs_abbreviations_ignore)
        uses = store.records("abbrs")
        return abbreviations.check_abbreviations(uses, term_lines, ignore, is_rst)

    def link_checks() -> list[Finding]:
        targets = _targets(env)
        broken = links.unresolved(store.records("links"), targets)
        # The written-HTML pass skips what these findings already report.
        store.data["broken_links"] = [html_pass.reported_key(link) for link in broken]
        schemes = {links.scheme_name(scheme) for scheme in config.kapdocs_allowed_schemes}
        external = list(store.records("external"))
        return [
            *links.check_links(broken, targets, schemes, addresses.myst_schemes(config)),
            *links.check_project_links(external, targets),
            *links.check_schemes(external, schemes),
        ]

    stages: list[tuple[str, Callable[[], list[Finding]]]] = [
        # Worked out from the records alone: kept while none of their kinds changed.
        ("terms", lambda: store.reuse("terms", ("entries", "refs"), suffixes, term_checks)),
        ("unlinked terms", unlinked),
        (
            "abbreviations",
            lambda: store.reuse(
                "abbreviations",
                ("entries", "abbrs"),
                (
                    config.kapdocs_check_abbreviations,
                    repr(config.kapdocs_abbreviations_ignore),
                    suffixes,
                ),
                abbrs,
            ),
        ),
        ("links", link_checks),
        (
            "citations",
            lambda: (
                citations.check_cites(
                    store.records("cites"),
                    citations.bibliography(env, lines),
                    citations.key_prefixes(env),
                    is_rst,
                )
                + citations.check_styles(env, lines)
            ),
        ),
        (
            "reference pages",
            lambda: governance.check_pages(
                store.records("pages"), config, governance.build_date(), is_rst
            ),
        ),
        ("options", lambda: governance.check_options(config, _site_pages(env), option)),
        ("evidence", lambda: evidence.check_evidence(store.records("evidence"))),
        ("raw HTML", lambda: safety.check_raw(store.records("raw"), config.kapdocs_allow_raw_html)),
    ]
    findings: list[Finding] = [
        *store.records("errors"),
        *store.data["encoding"],
        *store.data["config"],
        *store.data["bibfile"],
    ]
    for name, check in stages:
        try:
            findings += check()
        except Exception:  # a bug in one check must not hide the others' findings
            findings.append(internal_error("conf.py", f"{name} check", "the whole site"))
    return sort_findings(findings)


def _unlinked(store: KapdocsDomain, lines: SourceLines) -> list[Finding]:
    """Scan only pages read since their last scan, or all when the glossary changed.

    A page's result is kept with it in the store (and dropped when it is read again).
    """
    key = store.reuse("names digest", ("entries",), None, lambda: _names_digest(store))
    scanned: dict[str, tuple[str, tuple[Finding, ...]]] = store.data["scanned"]
    segments = store.by_doc("segments")
    stale = [docname for docname in segments if scanned.get(docname, ("",))[0] != key]
    if stale:
        names = terms.store_names(store)
        fresh = terms.check_unlinked(segments, store.by_doc("refs"), names, lines, stale)
        for docname, found in fresh.items():
            scanned[docname] = key, tuple(found)
    return [finding for docname in sorted(segments) for finding in scanned[docname][1]]


def _names_digest(store: KapdocsDomain) -> str:
    return terms.names_digest(terms.store_names(store))


def _site_pages(env: BuildEnvironment) -> set[str]:
    """The site's pages, those left out for their encoding too: an option naming one names
    a page, which source_encoding already reports."""
    left_out = (
        env.path2doc(os.path.join(env.srcdir, finding.file))
        for finding in get_store(env).data["encoding"]
    )
    return {*env.found_docs, *filter(None, left_out)}


def _targets(env: BuildEnvironment) -> links.Targets:
    std = env.domains.standard_domain
    # MyST looks up the standard domain's objects by type and exact name, a term by the
    # lower-cased target, not the pages and labels its get_objects() also lists: those it
    # resolves relative to the linking page, as Targets does. Counting them made
    # [text](glossary) from sub/page.md, or [text](Term), resolve here but not in MyST.
    objects = {name for kind, name in std.objects if kind != "term"}
    terms_as_written = {name for kind, name in std.objects if kind == "term"}
    for domain in env.domains.sorted():
        # kapdocs's own domains list terms for search but resolve nothing for MyST.
        if domain is not std and not domain.name.startswith("kapdocs"):
            objects.update(name for name, *_ in domain.get_objects())
    cite: Any = env.domains.get("cite")
    if cite is not None:
        # sphinxcontrib-bibtex lists no objects but links [text](key) to an entry that a
        # {bibliography} lists; which it lists is known only after this check (its own
        # env-updated), so any entry counts: the written-page pass finds one not listed.
        # A bibliography's key prefix names its entries too.
        keys = list(cite.bibdata.data.entries.keys())
        for prefix in ("", *citations.key_prefixes(env)):
            objects.update(prefix + key for key in keys)
    return links.Targets(
        env.found_docs,
        {a.docname: set(a.ids) for a in get_store(env).records("anchors")},
        std.anonlabels,
        objects,
        terms_as_written,
        env.config.source_suffix,
        lambda docname: str(env.doc2path(docname, False)).replace(os.sep, "/"),
        str(env.srcdir),
        {finding.file for finding in get_store(env).data["encoding"]},
    )


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    store = get_store(env)
    with store.deriving(), timed("checks"):
        store.start_checks()
        store.data["findings"] = run_checks(app, env)
        return pages_to_rewrite(env, store)


def on_env_updated_late(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """After sphinxcontrib-bibtex's own ``env-updated`` (priority 500), which works out what
    each bibliography lists: the citations none lists, then every finding to the console;
    returns the pages whose citations a change in those lists makes stale."""
    store = get_store(env)
    with timed("checks"):
        try:
            unlisted = citations.check_listed(store.records("cites"), env)
        except Exception:  # as in run_checks: a bug here must not hide the other findings
            unlisted = [internal_error("conf.py", "citations check", "the whole site")]
        if unlisted:
            store.data["findings"] = sort_findings([*store.findings, *unlisted])
        rewrite = pages_citing_relisted(env, store)
    for finding in store.findings:
        emit(app, finding)
    return rewrite


def on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    store = get_store(env)
    reread = pages_to_reread(store, added | removed, env.config.source_suffix)
    return sorted(
        {
            *reread,
            *pages_linking_new_files(store, env),
            *pages_sharing_labels(store, changed | removed),
            *store.reread,
        }
        - removed
    )


# Sphinx's own missing-target warnings that kapdocs findings replace.
_REPLACED = {"term": "term_undefined", "doc": "link_doc", "ref": "link_ref", "numref": "link_ref"}


def on_warn_missing_reference(app: Sphinx, domain: Domain, node: pending_xref) -> bool | None:
    if node.get("reftype") == "any" and not node.get("refdomain"):
        # The any role's target, when link_ref reports it; else Sphinx's message stands
        # (a label without a title, or an object kapdocs took to be there).
        refdoc = str(node.get("refdoc", ""))
        link = LinkRef(refdoc, "", 0, links.ANY_ROLE, str(node["reftarget"]), "", False)
        reported = get_store(app.env).data["broken_links"]
        return True if html_pass.reported_key(link) in map(tuple, reported) else None
    if node.get("refdomain") != "std" or node.get("reftype") not in _REPLACED:
        return None
    labels = app.env.domains.standard_domain.anonlabels
    if node["reftype"] in ("ref", "numref") and node["reftarget"] in labels:
        return None  # the label exists but has no title, or no number: Sphinx says so
    if node["reftype"] == "ref":
        # Every listener of this event runs, and Sphinx's own handler for :ref: warns
        # whatever earlier listeners return; it skips nodes of another type. The node is
        # unresolvable and about to be replaced by its text, so retyping it is harmless.
        node["reftype"] = "kapdocs-missing-ref"
    return True  # reported by kapdocs, with a suggestion


class _ReplacedFilter(logging.Filter):
    """Drops Sphinx's and MyST's own messages that kapdocs findings replace (one defect,
    one message).

    They name a line that is off or none, come only from builds that read the page again,
    and Sphinx's have no type to suppress them by: "duplicate term description of X,
    other instance in Y" (``term_duplicate``), "glossary terms must not be separated by
    empty lines" (``term_empty``, at the term line left without a definition), and on a
    reference page MyST's "Malformed YAML" and "YAML is not a dict" (``page_meta`` says
    why and where, and which fields were lost). MyST's stay on other pages, and its
    ``myst.topmatter`` warnings about the page's ``myst`` settings stay everywhere.
    """

    def __init__(self) -> None:
        super().__init__()
        self.config: Config | None = None  # the running build's, which names reference pages

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message == str(_DUPLICATE):
            return not (isinstance(record.args, tuple) and record.args[:1] == ("term",))
        if getattr(record, "subtype", None) == "topmatter" and message.startswith(_UNREAD_YAML):
            location = getattr(record, "location", None)
            docname = location[0] if isinstance(location, tuple) else location
            return not (
                isinstance(docname, str)
                and self.config is not None
                and governance.is_reference_page(docname, self.config)
            )
        return message.strip() != str(_TERMS_PARTED)


# Translated as Sphinx translates them, when a message is compared (lazily).
_DUPLICATE = __("duplicate %s description of %s, other instance in %s")
_TERMS_PARTED = _("glossary terms must not be separated by empty lines")
# MyST's, untranslated, when it cannot read a page's front matter as a mapping.
_UNREAD_YAML = ("Malformed YAML", "YAML is not a dict")
# Sphinx's loggers (sphinx.util.logging names them so) for the standard domain, for what
# docutils reports while a page is parsed, and for MyST's warnings.
_LOGGERS = (
    "sphinx.sphinx.domains.std",
    "sphinx.sphinx.util.docutils",
    "sphinx.myst_parser.warnings_",
)
_REPLACED_FILTER = _ReplacedFilter()


def _filter_replaced(app: Sphinx, on: bool) -> None:
    _REPLACED_FILTER.config = app.config if on else None
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if on:
            logger.addFilter(_REPLACED_FILTER)
        else:
            logger.removeFilter(_REPLACED_FILTER)


def setup_checks(app: Sphinx) -> None:
    # Only while a build with kapdocs runs: the loggers are the process's, not the app's.
    app.connect("builder-inited", lambda app: _filter_replaced(app, on=True))
    app.connect("build-finished", lambda app, error: _filter_replaced(app, on=False))
    app.connect("config-inited", lambda app, config: bibtex_hooks.register(app))
    # Before any listener that might change the text: lines are located in the file.
    app.connect("source-read", on_source_read, priority=0)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-updated", on_env_updated)
    app.connect("env-updated", on_env_updated_late, priority=700)
    # Before Sphinx's own handler for :ref: (priority 500), which warns and stops the event.
    app.connect("warn-missing-reference", on_warn_missing_reference, priority=100)
