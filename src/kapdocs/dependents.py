"""Pages to re-write or re-read because what they link to changed elsewhere.

Sphinx resolves links when it writes a page and re-writes only pages it re-read, so a
page whose own source did not change would keep a stale link to a removed term, label or
heading (Sphinx issue #3559's cousin). kapdocs keeps a snapshot of every link target
(term -> page, label -> page and id, page -> digest of its ids) and, on ``env-updated``,
returns the pages that link a target whose snapshot value changed. The snapshot is kept in
parts, each worked out again only when a kind of record it comes from changed.

Re-writing is not enough when a page came or went: MyST decides while reading whether
``[t](page.md)`` is a link to a page, by whether that file exists. So on
``env-get-outdated`` the pages with a link to a page just added or removed are read again,
and read as a clean build would read them. Likewise a page whose ``[t](handout.pdf)``
found no file when read, once the file is there: MyST would now make it a download link.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from typing import TYPE_CHECKING

from sphinx.util import docname_join

from kapdocs import terms
from kapdocs.citations import bibliographies, listed_citations
from kapdocs.governance import build_date
from kapdocs.links import ANY, ANY_ROLE, DOC, REF
from kapdocs.matcher import normalise
from kapdocs.usedon import used_on

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence, Set

    from sphinx.environment import BuildEnvironment

    from kapdocs.store import KapdocsDomain

Key = tuple[str, str]


def _term_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    return {("term", key): entry.docname for key, (entry, _) in terms.store_names(store).items()}


def _doc_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    values: dict[Key, str] = {}
    for anchors in store.records("anchors"):
        digest = hashlib.sha1("\0".join(anchors.ids).encode(), usedforsecurity=False)
        values["doc", anchors.docname] = digest.hexdigest()
    return values


def _title_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    # A link to a page without text of its own shows the page's title, which can change
    # while its ids do not ("Page A" and "Page A!" are both "page-a").
    return {("doc", docname): title.astext() for docname, title in env.titles.items()}


def _label_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    # A {ref} without text of its own shows the title of what the label is on, and links
    # nothing once the label is on something without one (only then is it anonymous).
    std = env.domains.standard_domain
    return {
        ("label", label): repr((docname, labelid, std.labels.get(label)))
        for label, (docname, labelid) in std.anonlabels.items()
    }


def _navigation_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    # Every page's navigation (the sidebar's table of contents, the previous and next
    # links) comes from the toctrees; Sphinx writes again only the pages that changed, so
    # a page added to a toctree, or an entry that links nowhere, showed on those alone.
    return {("navigation", "all"): _digest(sorted(store.records("toctrees")))}


def _definition_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    # Term links carry their entry's summary as a title.
    return {
        ("definition", normalise(name)): definition.text
        for definition in store.records("definitions")
        for name in definition.names
    }


def _used_on_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    # Glossaries list where their entries are used.
    return {("used_on", "all"): _digest(used_on(env))}


def _evidence_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    return {("generated", "evidence"): _digest([*store.records("evidence")])}


def _citation_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    # A bibliography lists the entries cited anywhere on the site, labelled (in some
    # styles numbered) in the order they are cited; sphinxcontrib-bibtex rewrites no page
    # when that changes, so a bibliography kept no entry for a key first cited elsewhere,
    # and the new citation linked an id its page did not have. Lines are left out: moving
    # a citation down a page changes nothing a page shows.
    cited: dict[str, list[tuple[str, bool]]] = {}
    for cite in store.records("cites"):
        cited.setdefault(cite.docname, []).append((cite.key, cite.malformed))
    return {("citations", "all"): _digest(sorted(cited.items()))}


def _review_keys(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    # The review table ages with the date, so this part is worked out in every build.
    records = [build_date(), *store.records("pages"), *store.records("cites")]
    return {("generated", "review"): _digest(records)}


# Each part of the snapshot: the kinds of record it is worked out from (None: also from
# what Sphinx or the date holds, so in every build), and how.
_PARTS: dict[str, tuple[frozenset[str] | None, Callable[..., dict[Key, str]]]] = {
    "terms": (frozenset({"entries"}), _term_keys),
    "docs": (frozenset({"anchors"}), _doc_keys),
    "titles": (None, _title_keys),
    "labels": (None, _label_keys),
    "navigation": (frozenset({"toctrees"}), _navigation_keys),
    "definitions": (frozenset({"definitions"}), _definition_keys),
    "used_on": (frozenset({"entries", "refs"}), _used_on_keys),
    "evidence": (frozenset({"evidence"}), _evidence_keys),
    "citations": (frozenset({"cites"}), _citation_keys),
    "review": (None, _review_keys),
}


def _changed_keys(env: BuildEnvironment, store: KapdocsDomain) -> set[Key] | None:
    """Keys whose value changed since the last build, or None on the first.

    A part none of whose kinds of record changed is not worked out again. Each part is
    kept pickled: one object for the environment's pickle to copy, unpickled only when
    the part is worked out again.
    """
    parts: dict[str, bytes] = store.data["snapshot"]
    first = not parts
    changed: set[Key] = set()
    for part, (kinds, compute) in _PARTS.items():
        if part in parts and kinds is not None and not store.changed(kinds):
            continue
        current = compute(env, store)
        last: dict[Key, str] = pickle.loads(parts[part]) if part in parts else {}
        # A key whose value differs, or that only one side has, leaves a pair on one side.
        changed |= {key for key, _ in current.items() ^ last.items()}
        parts[part] = pickle.dumps(current, pickle.HIGHEST_PROTOCOL)
    return None if first else changed


def _digest(records: Sequence[object] | Mapping[str, object]) -> str:
    # Data whose repr is its content: a generator's repr is its address, new in every
    # build, which made every build write the pages of generated tables again.
    return hashlib.sha1(repr(records).encode(), usedforsecurity=False).hexdigest()


def dependencies(store: KapdocsDomain, bibliographies: Iterable[str]) -> dict[str, set[Key]]:
    """For each page, the snapshot keys its links depend on; *bibliographies* are the
    pages with a bibliography."""
    needs: dict[str, set[Key]] = {}
    for docname in bibliographies:
        needs.setdefault(docname, set()).add(("citations", "all"))
    for cite in store.records("cites"):
        needs.setdefault(cite.docname, set()).add(("citations", "all"))
    for ref in store.records("refs"):
        needs.setdefault(ref.docname, set()).update(
            {("term", ref.target), ("definition", ref.target)}
        )
    for entry in store.records("entries"):
        needs.setdefault(entry.docname, set()).add(("used_on", "all"))
    for page in store.records("generated"):
        needs.setdefault(page.docname, set()).add(("generated", page.kind))
    for link in store.records("links"):
        keys = needs.setdefault(link.docname, set())
        if link.kind == DOC:
            keys.add(("doc", link.target))
        elif link.kind == REF:
            keys.add(("label", link.target))
        elif link.kind == ANY:
            keys |= {
                ("label", link.target.lower()),
                ("doc", docname_join(link.docname, link.target)),
                ("doc", link.docname),
            }
        elif link.kind == ANY_ROLE:
            keys |= {
                ("label", link.target.lower()),
                ("term", normalise(link.target)),
                ("doc", docname_join(link.docname, link.target)),
            }
    return needs


def pages_to_rewrite(env: BuildEnvironment, store: KapdocsDomain) -> list[str]:
    changed = _changed_keys(env, store)
    if not changed:
        return []  # nothing changed, or the first build: every page is written anyway
    if ("navigation", "all") in changed:
        return sorted(env.found_docs)
    needs = dependencies(store, {key.docname for key in bibliographies(env)})
    return sorted(doc for doc, keys in needs.items() if keys & changed)


def pages_citing_relisted(env: BuildEnvironment, store: KapdocsDomain) -> list[str]:
    """Pages citing an entry that the bibliographies now list elsewhere, under another id
    or label, or no longer (or newly) list.

    sphinxcontrib-bibtex works out what each bibliography lists on its own
    ``env-updated``, so this runs after it. Editing a bibliography's filter, or adding or
    removing one, re-reads only its page: a page citing the entry kept showing "[]", or
    linked an id the bibliography no longer had. Nothing on the first build, which writes
    every page.
    """
    if env.domains.get("cite") is None:
        return []
    places: dict[str, set[tuple[str, str, str]]] = {}
    for citation in listed_citations(env):
        places.setdefault(citation.key, set()).add(
            (
                citation.bibliography_key.docname,
                citation.citation_id,
                str(citation.formatted_entry.label),
            )
        )
    current = {key: tuple(sorted(where)) for key, where in places.items()}
    last: dict[str, tuple[tuple[str, str, str], ...]] | None = store.data["listed"]
    store.data["listed"] = current
    if last is None:
        return []
    changed = {key for key, _ in current.items() ^ last.items()}
    return sorted(
        {cite.docname for cite in store.records("cites") if cite.key in changed and not cite.foot}
    )


def pages_to_reread(
    store: KapdocsDomain, came_or_went: Set[str], suffixes: Iterable[str]
) -> list[str]:
    """Pages with a link to a page in *came_or_went* (docnames added or removed)."""
    if not came_or_went:
        return []
    suffixes = tuple(suffixes)
    pages = set()
    for link in store.records("links"):
        if link.kind == DOC:
            target = link.target
        elif link.kind == ANY_ROLE:
            target = docname_join(link.docname, link.target)
        elif link.kind == ANY:
            path = link.target.split("#", 1)[0]
            for suffix in suffixes:
                path = path.removesuffix(suffix)
            target = docname_join(link.docname, path)
        else:
            continue
        if target in came_or_went:
            pages.add(link.docname)
    return sorted(pages - came_or_went)


def pages_sharing_labels(store: KapdocsDomain, going: Set[str]) -> list[str]:
    """Other pages that define a label that a page in *going* (read again or removed)
    defined too.

    Sphinx keeps one page per label, the last that defined it, and forgets the label when
    that page is read again or removed: a label defined twice, then deleted from the page
    that held it, vanished from an incremental build though the other page still defines
    it (a clean build has it), and links to it broke. Those other pages are read again,
    so that their labels are registered again.
    """
    if not going:
        return []
    by_doc = store.by_doc("labels")
    names = {label.name for docname in going for label in by_doc.get(docname, ())}
    if not names:
        return []
    return sorted(
        {label.docname for label in store.records("labels") if label.name in names} - going
    )


def pages_linking_new_files(store: KapdocsDomain, env: BuildEnvironment) -> list[str]:
    """Pages with a MyST link ``[t](path)`` to a file that did not exist when they were read.

    Such a link was left for Sphinx to resolve by name (a kapdocs finding if nothing has
    the name); MyST makes it a download link, or a page link, when the file exists. A
    file that goes is Sphinx's to notice: it re-reads the pages that depend on it.
    """
    pages = set()
    for link in store.records("links"):
        if link.kind != ANY or link.local or link.docname in pages:
            continue
        path = link.target.partition("#")[0]
        # As MyST looks the file up: from the page's folder, or from the top for "/path".
        if path and os.path.isfile(env.relfn2path(path, link.docname)[1]):
            pages.add(link.docname)
    return sorted(pages)
