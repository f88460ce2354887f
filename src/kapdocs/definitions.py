"""Plain-text glossary definitions, for link titles, hover previews and the search page.

Reading (possibly in a worker process) keeps one :class:`Definition` per glossary entry of
the page among the store's records. When a summary changes, the pages that link the term
are re-written (:mod:`kapdocs.dependents`), since their link titles change too.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes

from kapdocs.store import Definition, get_store
from kapdocs.terms import term_name

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from kapdocs.nodeindex import NodeIndex

# Long enough for a definition's first sentences, short enough for a tooltip.
MAX_CHARS = 300
# Cross-references at the end of an entry say nothing on their own in a preview.
_TRAILING = re.compile(r"^(See also|Compare|See)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


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


def collect(index: NodeIndex, docname: str) -> list[Definition]:
    found = []
    for item in index.of(nodes.definition_list_item):
        if not isinstance(item.parent.parent, addnodes.glossary):
            continue
        terms = [child for child in item.children if isinstance(child, nodes.term)]
        body = next((c for c in item.children if isinstance(c, nodes.definition)), None)
        if not terms or body is None:
            continue
        found.append(
            Definition(
                docname,
                tuple(term_name(term) for term in terms),
                tuple(term["ids"][0] if term["ids"] else "" for term in terms),
                summarise(body.astext()),
            )
        )
    return found


def all_definitions(env: BuildEnvironment) -> Iterator[Definition]:
    yield from get_store(env).records("definitions")


# Definitions change only while pages are read, but the lookup is asked for once per
# written page: build it once per build, and drop it when reading ends.
_BY_ANCHOR: weakref.WeakKeyDictionary[BuildEnvironment, dict[str, Definition]] = (
    weakref.WeakKeyDictionary()
)


def by_anchor(env: BuildEnvironment) -> dict[str, Definition]:
    """Anchor of every term name -> its entry (names are unique, so anchors are too)."""
    lookup = _BY_ANCHOR.get(env)
    if lookup is None:
        lookup = {anchor: d for d in all_definitions(env) for anchor in d.anchors if anchor}
        _BY_ANCHOR[env] = lookup
    return lookup


def forget(app: Sphinx, env: BuildEnvironment) -> None:
    """``env-updated``: the pages read in this build may have changed the definitions."""
    _BY_ANCHOR.pop(env, None)
