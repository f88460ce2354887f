"""The glossary page: "Used on" links under every entry, and an A to Z jump bar.

* ``env-updated`` (main process, every build, once all pages are read): work out which
  pages link each entry from the stored term references and compare it with the last
  build's mapping, kept in the kapdocs store under ``"used_on"``. When it changed, return
  the glossary pages, because Sphinx would not re-write a glossary whose own source is
  unchanged when another page adds or removes a term link.
* When a page is resolved (:mod:`kapdocs.resolved`; any builder, so the PDF lists the
  same pages): append "Used on:" with a link to each page to every entry; in HTML also
  put the A to Z bar above the glossary and a stable ``letter-<x>`` anchor on the first
  entry of each letter.
"""

from __future__ import annotations

import html
import string
import unicodedata
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.errors import NoUri
from sphinx.locale import _

from kapdocs import terms
from kapdocs.matcher import normalise
from kapdocs.store import get_store

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sphinx import addnodes
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from kapdocs.store import KapdocsDomain


def used_on(env: BuildEnvironment) -> dict[str, list[str]]:
    """Normalised first name of each entry -> pages that link it outside any glossary.

    Asked for by the change snapshot at ``env-updated`` and by each glossary page.
    """
    store = get_store(env)
    return store.derived("used_on", lambda: _used_on(store))


def _used_on(store: KapdocsDomain) -> dict[str, list[str]]:
    # Each name's key worked out once, not at each of the many links to it.
    names = terms.store_names(store)
    keys = {name: normalise(entry.names[0]) for name, (entry, _) in names.items()}
    pages: dict[str, set[str]] = {}
    for ref in store.records("refs"):
        key = keys.get(ref.target)
        if key is not None and not ref.in_glossary:
            pages.setdefault(key, set()).add(ref.docname)
    return {key: sorted(docs) for key, docs in sorted(pages.items())}


def letter(name: str) -> str:
    """The A to Z bar's letter for a term name ("Åsberg" -> "A"), or "#" for other scripts."""
    first = unicodedata.normalize("NFKD", name)[:1].upper()
    return first if first in string.ascii_uppercase else "#"


def _items(glossary: addnodes.glossary) -> list[nodes.definition_list_item]:
    # Items of a list that is a child of the glossary, in document order; looked up among
    # those children, not by searching the glossary's whole subtree.
    return [
        item
        for child in glossary.children
        for item in child.children
        if isinstance(item, nodes.definition_list_item)
    ]


def _used_on_paragraph(
    docnames: list[str], links: dict[str, tuple[str, str | None]]
) -> nodes.paragraph:
    """*links*: docname -> (title, relative URI or None), the same for every entry."""
    para = nodes.paragraph(classes=["kapdocs-used-on"])
    para += nodes.strong(text=_("Used on:"))
    for index, docname in enumerate(docnames):
        para += nodes.Text(" " if index == 0 else ", ")
        title, uri = links[docname]
        if uri is None:
            para += nodes.Text(title)
        else:
            para += nodes.reference("", title, internal=True, refuri=uri)
    return para


def _used_on_html(docnames: list[str], fragments: dict[str, str]) -> nodes.raw:
    """The same line as HTML markup: one node instead of three per link.

    A glossary of thousands of entries would otherwise add hundreds of thousands of
    short-lived objects to one page, enough to set off an extra full garbage collection.
    """
    links = ", ".join(fragments[docname] for docname in docnames)
    label = html.escape(_("Used on:"))
    markup = f'<p class="kapdocs-used-on"><strong>{label}</strong> {links}</p>'
    return nodes.raw("", markup, format="html")


def _links(
    app: Sphinx, fromdocname: str, docnames: Iterable[str]
) -> dict[str, tuple[str, str | None]]:
    """Title and relative URI of each page, worked out once per glossary page."""
    env = app.env
    links: dict[str, tuple[str, str | None]] = {}
    for docname in docnames:
        title = env.titles[docname].astext() if docname in env.titles else docname
        try:
            links[docname] = title, app.builder.get_relative_uri(fromdocname, docname)
        except NoUri:
            links[docname] = title, None
    return links


def _html_fragments(links: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """Each page's link as the HTML writer would write a reference node."""
    fragments = {}
    for docname, (title, uri) in links.items():
        text = html.escape(title, quote=False)
        fragments[docname] = (
            text
            if uri is None
            else f'<a class="reference internal" href="{html.escape(uri)}">{text}</a>'
        )
    return fragments


def _jump_bar(present: dict[str, str]) -> nodes.raw:
    cells = []
    for char in [*string.ascii_uppercase, "#"]:
        if char in present:
            cells.append(f'<li><a href="#{present[char]}">{html.escape(char)}</a></li>')
        elif char != "#":
            cells.append(f'<li><span aria-hidden="true">{char}</span></li>')
    label = html.escape(_("Glossary from A to Z"))
    markup = f'<nav class="kapdocs-az" aria-label="{label}"><ul>{"".join(cells)}</ul></nav>'
    return nodes.raw("", markup, format="html")


def add_used_on(app: Sphinx, docname: str, glossaries: list[addnodes.glossary]) -> None:
    if not glossaries:
        return  # the mapping spans every page's links: build it only where it is shown
    mapping = used_on(app.env)
    links = _links(app, docname, {page for pages in mapping.values() for page in pages})
    is_html = app.builder.format == "html"
    fragments = _html_fragments(links) if is_html else {}
    for glossary in glossaries:
        present: dict[str, str] = {}
        for item in _items(glossary):
            names = [child for child in item.children if isinstance(child, nodes.term)]
            body = next((c for c in item.children if isinstance(c, nodes.definition)), None)
            if not names or body is None:
                continue
            pages = mapping.get(normalise(terms.term_name(names[0])), [])
            if pages:
                body += (
                    _used_on_html(pages, fragments) if is_html else _used_on_paragraph(pages, links)
                )
            char = letter(names[0].astext())
            if is_html and char not in present:
                present[char] = f"letter-{char.lower()}" if char != "#" else "letter-other"
                names[0]["ids"].append(present[char])
        if is_html and present:
            glossary.parent.insert(glossary.parent.index(glossary), _jump_bar(present))
