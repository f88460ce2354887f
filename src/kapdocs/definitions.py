"""Plain-text glossary definitions, for link titles, hover previews and the search page.

Reading (possibly in a worker process) keeps one :class:`Definition` per glossary entry of
the page, in the kapdocs store under ``"definitions"``, purged and merged by docname like
the store's own records. Once all pages are read, :func:`pages_to_rewrite` names the
unchanged pages whose term links now need another title, because Sphinx re-writes only
the pages it re-read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from docutils import nodes
from sphinx import addnodes

from kapdocs.matcher import normalise
from kapdocs.store import get_store

if TYPE_CHECKING:
    from collections.abc import Iterator, Set

    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

# Long enough for a definition's first sentences, short enough for a tooltip.
MAX_CHARS = 300
# Cross-references at the end of an entry say nothing on their own in a preview.
_TRAILING = re.compile(r"^(See also|Compare|See)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


class Definition(NamedTuple):
    """One glossary entry: its names, the anchor of each name, and a plain summary."""

    docname: str
    names: tuple[str, ...]
    anchors: tuple[str, ...]
    text: str


def summarise(text: str, limit: int = MAX_CHARS) -> str:
    """The leading sentences of *text* that fit in *limit* characters, without "See also"."""
    sentences = [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]
    kept: list[str] = []
    for sentence in sentences:
        if _TRAILING.match(sentence):
            break
        if kept and len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    summary = " ".join(kept)
    if len(summary) > limit:
        summary = summary[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return summary


def collect(doctree: nodes.document, docname: str) -> list[Definition]:
    found = []
    for item in doctree.findall(nodes.definition_list_item):
        if not isinstance(item.parent.parent, addnodes.glossary):
            continue
        terms = [child for child in item.children if isinstance(child, nodes.term)]
        body = next((c for c in item.children if isinstance(c, nodes.definition)), None)
        if not terms or body is None:
            continue
        found.append(
            Definition(
                docname,
                tuple(term.astext() for term in terms),
                tuple(term["ids"][0] if term["ids"] else "" for term in terms),
                summarise(body.astext()),
            )
        )
    return found


def _data(env: BuildEnvironment) -> dict[str, list[Definition]]:
    data: dict[str, list[Definition]] = get_store(env).data.setdefault("definitions", {})
    return data


def all_definitions(env: BuildEnvironment) -> Iterator[Definition]:
    data = _data(env)
    for docname in sorted(data):
        yield from data[docname]


def by_anchor(env: BuildEnvironment) -> dict[str, Definition]:
    """Anchor of every term name -> its entry (names are unique, so anchors are too)."""
    return {anchor: d for d in all_definitions(env) for anchor in d.anchors if anchor}


def by_name(env: BuildEnvironment) -> dict[str, Definition]:
    """Normalised term name -> its entry (the first, if a name is defined twice)."""
    names: dict[str, Definition] = {}
    for definition in all_definitions(env):
        for name in definition.names:
            names.setdefault(normalise(name), definition)
    return names


def pages_to_rewrite(env: BuildEnvironment) -> set[str]:
    """Pages linking a term whose summary changed since the last build."""
    store = get_store(env)
    current = {name: d.text for name, d in by_name(env).items()}
    previous: dict[str, str] = store.data.get("definition_texts", {})
    store.data["definition_texts"] = current
    changed = {k for k in current.keys() | previous.keys() if current.get(k) != previous.get(k)}
    return {ref.docname for ref in store.records("refs") if ref.target in changed}


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.current_document.docname
    _data(app.env)[docname] = collect(doctree, docname)


def on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _data(env).pop(docname, None)


def on_env_merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: Set[str], other: BuildEnvironment
) -> None:
    # The worker's environment comes back without domain objects, only their data.
    ours, theirs = _data(env), other.domaindata["kapdocs"].get("definitions", {})
    for docname in docnames:
        if docname in theirs:
            ours[docname] = theirs[docname]


def on_env_get_outdated(app: Sphinx, env: BuildEnvironment, *_: Any) -> list[str]:
    """Glossary pages read by a kapdocs without this module, so their summaries are missing."""
    entries: dict[str, list[Any]] = get_store(env).data["entries"]
    data = _data(env)
    return sorted(doc for doc, records in entries.items() if records and doc not in data)


def setup_definitions(app: Sphinx) -> None:
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("env-merge-info", on_env_merge_info)
    app.connect("env-get-outdated", on_env_get_outdated)
