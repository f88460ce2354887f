"""Safe output: ``raw_html`` findings, safe external links, no script URLs.

* Reading records raw HTML (a ``{raw} html`` block or role); unless
  ``kapdocs_allow_raw_html`` is set, each is a ``raw_html`` finding, since contributed
  pages should not inject markup or script.
* When a page is resolved, a link whose URL would run code (``javascript:``,
  ``vbscript:``, ``data:``) is replaced by its text, so no such URL reaches the output
  (``link_scheme`` reports it at its source).
* In HTML, every external link gets ``rel="noopener noreferrer"``, whether it came from a
  page, a template or raw HTML: added to each page as the builder renders it, and by the
  written-HTML pass to any other page it reads (such as one from ``html_extra_path``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from docutils import nodes

from kapdocs.diagnostics import Code, Finding
from kapdocs.html_scan import EXTERNAL_URL
from kapdocs.locate import node_line, node_source
from kapdocs.store import RawHtml
from kapdocs.urls import url_scheme

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sphinx.application import Sphinx

    from kapdocs.locate import SourceLines
    from kapdocs.nodeindex import NodeIndex

UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data"})
REL = "noopener noreferrer"
# What MyST itself writes as raw HTML for Markdown syntax: a hard line break, a task-list
# checkbox, strikethrough. An author wrote none of it.
_MYST_MARKUP = frozenset({"<br />\n", "<s>", "</s>"})
# Only HTML comments, each well formed as HTML defines one (no "--" inside, not opened by
# "<!-->" or "<!--->"), so that a browser ends none of them early to run what follows.
_COMMENTS = re.compile(r"(?:\s*<!--(?![->])(?:(?!--).)*(?<!-)-->)+\s*", re.DOTALL)
_MYST_CHECKBOX = re.compile(
    r'<input class="task-list-item-checkbox" (?:checked="checked" )?(?:disabled="disabled" )?'
    r'type="checkbox">'
)


def collect_raw(index: NodeIndex, docname: str, source: str, lines: SourceLines) -> list[RawHtml]:
    """Raw HTML on the page, once per source line (MyST splits ``<b>x</b>`` into two nodes)."""
    found: dict[tuple[str, int], RawHtml] = {}
    for raw in index.of(nodes.raw):
        if "html" not in raw.get("format", "").split():
            continue
        path = node_source(raw, source)
        needle = raw.astext().strip().split("\n", 1)[0][:40] or "raw"
        if _myst_markup(raw.astext()) and not lines.contains(path, needle):
            continue  # MyST's markup for Markdown syntax, not HTML the page holds
        line = lines.find(path, needle, node_line(raw))
        comment = _COMMENTS.fullmatch(raw.astext()) is not None
        if (path, line) in found:  # one finding a line, about comments only if it has only those
            comment = comment and found[path, line].comment
        found[path, line] = RawHtml(docname, lines.relpath(path), line, comment)
    return list(found.values())


def _myst_markup(text: str) -> bool:
    return text in _MYST_MARKUP or _MYST_CHECKBOX.fullmatch(text) is not None


def check_raw(raws: Iterable[RawHtml], allowed: bool) -> list[Finding]:
    if allowed:
        return []
    return [
        Finding(
            Code.RAW_HTML,
            raw.file,
            raw.line,
            "an HTML comment is published in the page's HTML source; write a MyST comment "
            "('% ...' at the start of a line), which is not, or set kapdocs_allow_raw_html = "
            "True in conf.py"
            if raw.comment
            else "raw HTML in a page can inject markup or script; use MyST or a directive "
            "instead, or set kapdocs_allow_raw_html = True in conf.py",
        )
        for raw in raws
    ]


def is_unsafe(uri: str) -> bool:
    if ":" not in uri:
        return False  # no scheme; most links on a page, and cheaper than parsing it
    # Browsers ignore leading spaces and control characters before the scheme.
    return url_scheme(uri.strip(" \t\r\n\x00")) in UNSAFE_SCHEMES


def disarm_unsafe_links(references: Iterable[nodes.reference]) -> list[nodes.reference]:
    """Replace each link whose URL would run code by its text; return the other links."""
    kept = []
    for ref in references:
        if is_unsafe(str(ref.attributes.get("refuri", ""))):
            ref.replace_self(nodes.inline("", "", *ref.children))
        else:
            kept.append(ref)
    return kept


# The external-href test first: it fails sooner, on the many internal links.
_EXTERNAL_A = re.compile(
    rf"""<a\b(?=[^>]*\shref=["']?{EXTERNAL_URL})(?![^>]*\srel=)""", re.IGNORECASE
)


def secure_external_links(html: str) -> str:
    """Add ``rel="noopener noreferrer"`` to every external ``<a>`` that has no ``rel``.

    Applied to each written page, so links from templates and raw HTML are covered too.
    """
    return _EXTERNAL_A.sub(f'<a rel="{REL}"', html)


def secure_rendered_pages(app: Sphinx) -> None:
    """Let the HTML builder render pages with safe external links.

    Sphinx has no event that sees a rendered page, so the builder's template bridge is
    wrapped. Otherwise the written-HTML pass would write every page a second time:
    Sphinx's own templates link sphinx-doc.org without a ``rel``.
    """
    templates = getattr(app.builder, "templates", None)
    if app.builder.format != "html" or templates is None:
        return
    render = templates.render

    def render_secured(template: str, context: dict[str, Any]) -> str:
        return secure_external_links(render(template, context))

    templates.render = render_secured
