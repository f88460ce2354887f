"""Glossary terms in Sphinx's search, by either name, with their definition on top.

Sphinx indexes a glossary term only as an index entry, which its search matches only when
the query is at least half the term ("NMDA" misses "NMDA receptor"), and the standard
domain gives terms a search priority of -1, which leaves them out of the object index.
:class:`GlossarySearchDomain` lists every term again as a searchable object, so that a
query for any word of a term's name ranks the entry above full-text hits.

The HTML builder also gets ``_static/kapdocs-glossary.js`` (every entry's names, link and
plain definition) and ``kapdocs-search.js``, which the search page uses to show the
definitions of matching terms above the results. It is a script, not JSON, so that the
search page works from ``file://`` as Sphinx's own search index does. The script is made
on ``env-updated``, so that the environment Sphinx then saves keeps it for the next build,
which makes it again only if a definition changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sphinx.domains import Domain, ObjType
from sphinx.errors import NoUri
from sphinx.locale import _

from kapdocs.definitions import all_definitions
from kapdocs.store import get_store
from kapdocs.timing import timed

if TYPE_CHECKING:
    from collections.abc import Iterator, Set

    from docutils import nodes
    from docutils.nodes import Element
    from sphinx.addnodes import pending_xref
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

DATA_FILE = "kapdocs-glossary.js"
# Sphinx's searchtools.js scores an object of priority 0 above any full-text hit.
TERM_PRIORITY = 0


class GlossarySearchDomain(Domain):
    """Lists the standard domain's glossary terms as search objects; keeps no data."""

    name = "kapdocs-glossary"
    label = "Glossary"
    object_types: ClassVar[dict[str, ObjType]] = {"term": ObjType(_("glossary term"))}
    initial_data: ClassVar[dict[str, Any]] = {}

    def get_type_name(self, type: ObjType, primary: bool = False) -> str:
        # Search results read "glossary term, in Glossary", not "Glossary glossary term".
        return str(type.lname)

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        for (kind, name), (docname, anchor) in self.env.domains.standard_domain.objects.items():
            # A dot would split the name into a prefix and a short name in the index.
            if kind == "term" and "." not in name:
                yield name, name, "term", docname, anchor, TERM_PRIORITY

    def clear_doc(self, docname: str) -> None:
        pass

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        pass

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


def glossary_data(app: Sphinx) -> list[dict[str, Any]]:
    """Every entry's names, link (relative to the site root) and plain definition."""
    data = []
    for definition in all_definitions(app.env):
        try:
            uri = app.builder.get_target_uri(definition.docname)
        except NoUri:
            continue
        data.append(
            {
                "names": list(definition.names),
                "href": f"{uri}#{definition.anchors[0]}",
                "text": definition.text,
            }
        )
    return data


def on_html_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if pagename == "search":
        # Added for this page only, after Sphinx's searchtools.js.
        app.add_js_file(DATA_FILE)
        app.add_js_file("kapdocs-search.js")


def _script(app: Sphinx) -> str:
    payload = json.dumps(glossary_data(app), ensure_ascii=False, separators=(",", ":"))
    return f"window.kapdocsGlossary = {payload};\n"


def _script_key(app: Sphinx) -> tuple[str, str]:
    # What the script's links depend on besides the pages of the definitions.
    return app.builder.name, getattr(app.builder, "link_suffix", "")


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    if app.builder.format == "html":
        with timed("pages"):
            store = get_store(env)
            store.reuse("search data", ("definitions",), _script_key(app), lambda: _script(app))


def on_html_collect_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Write the data before Sphinx renders search.html, so its link gets a checksum."""
    with timed("pages"):  # inside: this is a generator, run when Sphinx iterates it
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        saved = get_store(app.env).data["reused"].get("search data")
        script = saved[1] if saved is not None and saved[0] == _script_key(app) else _script(app)
        (static / DATA_FILE).write_text(script, encoding="utf-8")
    yield from ()


def setup_search(app: Sphinx) -> None:
    app.add_domain(GlossarySearchDomain)
    app.connect("html-page-context", on_html_page_context)
    app.connect("html-collect-pages", on_html_collect_pages)
    # After the checks (priority 500), which note what changed since the last build.
    app.connect("env-updated", on_env_updated, priority=600)
