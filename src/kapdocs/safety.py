"""Safe output: ``raw_html`` findings, safe external links, no script URLs.

* Reading records raw HTML (a ``{raw} html`` block or role); unless
  ``kapdocs_allow_raw_html`` is set, each is a ``raw_html`` finding, since contributed
  pages should not inject markup or script.
* When a page is resolved, a link whose URL would run code (``javascript:``,
  ``vbscript:``, ``data:``) is replaced by its text, so no such URL reaches the output
  (``link_scheme`` reports it at its source).
* In HTML, every external link gets ``rel="noopener noreferrer"``: the translator of the
  builder in use is wrapped, whichever theme or extension provided it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from docutils import nodes

from kapdocs.diagnostics import Code, Finding
from kapdocs.locate import node_line, node_source
from kapdocs.store import RawHtml

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sphinx.application import Sphinx

    from kapdocs.locate import SourceLines

UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data"})
REL = "noopener noreferrer"


def collect_raw(
    doctree: nodes.document, docname: str, source: str, lines: SourceLines
) -> list[RawHtml]:
    found = []
    for raw in doctree.findall(nodes.raw):
        if "html" not in raw.get("format", "").split():
            continue
        path = node_source(raw, source)
        needle = raw.astext().strip().split("\n", 1)[0][:40] or "raw"
        found.append(
            RawHtml(docname, lines.relpath(path), lines.find(path, needle, node_line(raw)))
        )
    return found


def check_raw(raws: Iterable[RawHtml], allowed: bool) -> list[Finding]:
    if allowed:
        return []
    return [
        Finding(
            Code.RAW_HTML,
            raw.file,
            raw.line,
            "raw HTML in a page can inject markup or script; use MyST or a directive instead, "
            "or set kapdocs_allow_raw_html = True in conf.py",
        )
        for raw in raws
    ]


def is_unsafe(uri: str) -> bool:
    # Browsers ignore leading spaces and control characters before the scheme.
    return urlsplit(uri.strip(" \t\r\n\x00")).scheme.lower() in UNSAFE_SCHEMES


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for ref in list(doctree.findall(nodes.reference)):
        if is_unsafe(str(ref.get("refuri", ""))):
            ref.replace_self(nodes.inline("", "", *ref.children))


def on_builder_inited(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    base: Any = (
        app.registry.get_translator_class(app.builder) or app.builder.default_translator_class
    )

    class SafeLinkTranslator(base):  # type: ignore[misc]
        def visit_reference(self, node: nodes.reference) -> None:
            super().visit_reference(node)
            if "refuri" in node and urlsplit(str(node["refuri"])).scheme:
                opening = self.body[-1]
                if opening.startswith("<a ") and " rel=" not in opening:
                    self.body[-1] = f'<a rel="{REL}" ' + opening[3:]

    app.set_translator(app.builder.name, SafeLinkTranslator, override=True)


def setup_safety(app: Sphinx) -> None:
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("builder-inited", on_builder_inited)
