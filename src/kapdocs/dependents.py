"""Pages to re-write or re-read because what they link to changed elsewhere.

Sphinx resolves links when it writes a page and re-writes only pages it re-read, so a
page whose own source did not change would keep a stale link to a removed term, label or
heading (Sphinx issue #3559's cousin). kapdocs keeps a snapshot of every link target
(term -> page, label -> page and id, page -> digest of its ids) and, on ``env-updated``,
returns the pages that link a target whose snapshot value changed.

Re-writing is not enough when a page came or went: MyST decides while reading whether
``[t](page.md)`` is a link to a page, by whether that file exists. So on
``env-get-outdated`` the pages with a link to a page just added or removed are read again,
and read as a clean build would read them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sphinx.util import docname_join

from kapdocs import terms
from kapdocs.governance import build_date
from kapdocs.links import ANY, DOC, REF
from kapdocs.matcher import normalise
from kapdocs.usedon import used_on

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence, Set

    from sphinx.environment import BuildEnvironment

    from kapdocs.store import KapdocsDomain

Key = tuple[str, str]


def snapshot(env: BuildEnvironment, store: KapdocsDomain) -> dict[Key, str]:
    values: dict[Key, str] = {}
    for key, (entry, _) in terms.store_names(store).items():
        values["term", key] = entry.docname
    for anchors in store.records("anchors"):
        digest = hashlib.sha1("\0".join(anchors.ids).encode(), usedforsecurity=False)
        values["doc", anchors.docname] = digest.hexdigest()
    for label, (docname, labelid) in env.domains.standard_domain.anonlabels.items():
        values["label", label] = f"{docname}#{labelid}"
    # Term links carry their entry's summary as a title; glossaries list where entries are used.
    for definition in store.records("definitions"):
        for name in definition.names:
            values["definition", normalise(name)] = definition.text
    values["used_on", "all"] = _digest(used_on(env))
    # Generated tables change with every page's records (and the review ages with the date).
    values["generated", "evidence"] = _digest([*store.records("evidence")])
    values["generated", "review"] = _digest(
        [build_date(), *store.records("pages"), *store.records("cites")]
    )
    return values


def _digest(records: Sequence[object] | Mapping[str, object]) -> str:
    # Data whose repr is its content: a generator's repr is its address, new in every
    # build, which made every build write the pages of generated tables again.
    return hashlib.sha1(repr(records).encode(), usedforsecurity=False).hexdigest()


def dependencies(store: KapdocsDomain) -> dict[str, set[Key]]:
    """For each page, the snapshot keys its links depend on."""
    needs: dict[str, set[Key]] = {}
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
    return needs


def pages_to_rewrite(env: BuildEnvironment, store: KapdocsDomain) -> list[str]:
    current = snapshot(env, store)
    previous: dict[Key, str] = store.data["snapshot"]
    store.data["snapshot"] = current
    if not previous:
        return []  # first build: every page is written anyway
    # A key whose value differs, or that only one snapshot has, leaves a pair on one side.
    changed = {key for key, _ in current.items() ^ previous.items()}
    if not changed:
        return []
    return sorted(doc for doc, keys in dependencies(store).items() if keys & changed)


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
