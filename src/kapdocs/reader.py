"""What a reader sees: term previews, page information, search and the glossary page.

* Every resolved term link carries its entry's plain definition as ``title``
  (``doctree-resolved``), so a browser without JavaScript still shows it; with
  JavaScript, ``kapdocs-reader.js`` turns the title into an accessible popover that opens on
  hover and keyboard focus and closes with Escape.
* Pages whose front matter has ``reviewed`` or ``audience`` get a line such as
  "Reviewed 2026-11-26 · For clinicians" under their title (``doctree-read``, after
  Sphinx's metadata collector), in HTML and in the PDF.
* HTML pages get a ``<meta name="description">`` from their first paragraph.
* ``kapdocs-reader.css`` styles all of it, the key points box and the printed page.

The glossary page is :mod:`kapdocs.usedon`; search is :mod:`kapdocs.search`.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.locale import _

from kapdocs.definitions import by_anchor, forget
from kapdocs.search import setup_search
from kapdocs.timing import timed

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sphinx.application import Sphinx

STATIC = Path(__file__).parent / "static"
DESCRIPTION_CHARS = 160
_CITATIONS = 'class="citation-list"'
_CAPTION = re.compile(r'(<p class="caption" role="heading")(?! aria-level)')


def add_term_titles(app: Sphinx, references: Iterable[nodes.reference]) -> None:
    definitions = by_anchor(app.env)
    for ref in references:
        if not any(map(_is_term_text, ref.children)):
            continue
        anchor = str(ref.get("refuri", "") or "#" + ref.get("refid", "")).rpartition("#")[2]
        definition = definitions.get(anchor)
        if definition is not None and definition.text:
            ref["reftitle"] = definition.text


def _is_term_text(node: nodes.Node) -> bool:
    # The attribute dictionary, not Element.get: this looks at every link of every page.
    return isinstance(node, nodes.Element) and "std-term" in node.attributes.get("classes", ())


def page_info(metadata: dict[str, Any]) -> str:
    parts = []
    if metadata.get("reviewed"):
        parts.append(_("Reviewed %s") % metadata["reviewed"])
    if metadata.get("audience"):
        parts.append(_("For %s") % metadata["audience"])
    return " · ".join(parts)


@timed("collect")
def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    text = page_info(app.env.metadata.get(app.env.current_document.docname, {}))
    section = next(iter(doctree.findall(nodes.section)), None)
    if not text or section is None or not isinstance(section[0], nodes.title):
        return
    section.insert(1, nodes.paragraph(text, text, classes=["kapdocs-page-info"]))


def description(doctree: nodes.document) -> str:
    """The page's first paragraph outside admonitions, cut to a search snippet's length."""
    for para in doctree.findall(nodes.paragraph):
        if "kapdocs-page-info" in para["classes"] or _inside_admonition(para):
            continue
        text = " ".join(para.astext().split())
        if len(text) > DESCRIPTION_CHARS:
            text = text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
        return text
    return ""


def _inside_admonition(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.Admonition):
            return True
        parent = parent.parent
    return False


@timed("pages")
def on_html_page_context(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    text = description(doctree) if doctree is not None else ""
    if text:
        tag = f'<meta name="description" content="{html.escape(text)}">\n'
        context["metatags"] = context.get("metatags", "") + tag


@timed("pages")
def on_html_page_context_late(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    # Sphinx writes toctree captions as role="heading" without the aria-level that
    # ARIA 1.2 requires (axe-core: critical); sphinx-doc/sphinx#14030. Furo renders the
    # sidebar from this string, so the fix runs after furo's own handler.
    tree = context.get("furo_navigation_tree")
    if isinstance(tree, str):
        context["furo_navigation_tree"] = _CAPTION.sub(r'\1 aria-level="2"', tree)
    body = context.get("body")
    if isinstance(body, str):
        # docutils marks a citation list role="list" but its items role="doc-biblioentry",
        # a role that is not a list item (axe-core: critical); the plain div reads fine.
        body = body.replace(f'<div role="list" {_CITATIONS}>', f"<div {_CITATIONS}>")
        # A code block wider than the page scrolls; keyboard users reach it by focus.
        context["body"] = body.replace("<pre>", '<pre tabindex="0">')


def on_builder_inited(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC))


def setup_reader(app: Sphinx) -> None:
    setup_search(app)
    # After Sphinx's metadata collector (priority 500), which fills env.metadata.
    app.connect("doctree-read", on_doctree_read, priority=600)
    app.connect("env-updated", forget)
    app.connect("html-page-context", on_html_page_context)
    app.connect("html-page-context", on_html_page_context_late, priority=900)
    app.connect("builder-inited", on_builder_inited)
    app.add_css_file("kapdocs-reader.css")
    app.add_js_file("kapdocs-reader.js", loading_method="defer")
