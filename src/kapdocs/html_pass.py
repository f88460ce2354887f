"""``link_html``: after HTML is written, every link inside the site must resolve.

Raw HTML, templates and stale pages can link files or ``#fragments`` that the source
checks never see. On ``build-finished`` kapdocs parses each written page once, collecting
its element ids and its ``href``/``src`` values, then resolves every internal link
against the files and ids found: cost linear in the size of the output. A finding is
located at the source document of the page. Links a source check already reported
(``link_doc``/``link_anchor``) are not reported twice.
"""

from __future__ import annotations

import os
import posixpath
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from kapdocs.diagnostics import Code, Finding, emit, sort_findings
from kapdocs.links import DOC
from kapdocs.locate import SourceLines
from kapdocs.safety import secure_external_links
from kapdocs.store import get_store
from kapdocs.timing import timed

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sphinx.application import Sphinx

    from kapdocs.store import LinkRef

_LINK_ATTRS = {"href", "src"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif name in _LINK_ATTRS:
                self.links.append(value)


def scan_site(outdir: str) -> tuple[set[str], dict[str, _Page]]:
    """All files under *outdir* (relative, with /) and each HTML page parsed once.

    Reading a page is also when its external links get ``rel="noopener noreferrer"``.
    """
    files: set[str] = set()
    pages: dict[str, _Page] = {}
    for folder, _, names in os.walk(outdir):
        for name in names:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, outdir).replace(os.sep, "/")
            files.add(rel)
            if name.endswith(".html") and not rel.startswith("_"):
                page = _Page()
                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    text = f.read()
                secured = secure_external_links(text)
                if secured != text:
                    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                        f.write(secured)
                page.feed(secured)
                pages[rel] = page
    return files, pages


def broken_links(
    page_file: str, page: _Page, files: set[str], pages: dict[str, _Page]
) -> Iterable[tuple[str, str, str]]:
    """(link, resolved "file#id", problem) for each internal link that resolves nowhere."""
    for link in page.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith("//"):
            continue  # external; link_scheme and linkcheck cover it
        target = page_file
        if parts.path:
            target = posixpath.normpath(
                posixpath.join(posixpath.dirname(page_file), unquote(parts.path))
            )
            if link.split("#")[0].endswith("/") or (
                target not in files and target + "/index.html" in files
            ):
                target = posixpath.join(target, "index.html")
            if target not in files:
                yield link, target, f"{target!r} was not written"
                continue
        fragment = unquote(parts.fragment)
        if fragment and target in pages and fragment not in pages[target].ids:
            yield link, f"{target}#{fragment}", f"{target!r} has no element with id {fragment!r}"


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    with timed("html_pass"):
        findings = check_html(app)
    for finding in findings:
        emit(app, finding)
    store = get_store(app.env)
    store.data["findings"] = sort_findings([*store.findings, *findings])


def check_html(app: Sphinx) -> list[Finding]:
    env = app.env
    store = get_store(env)
    lines = SourceLines(app.srcdir)
    files, pages = scan_site(str(app.outdir))
    reported = {tuple(key) for key in store.data.get("broken_links", ())}
    findings = []
    for docname in sorted(env.found_docs):
        page_file = app.builder.get_target_uri(docname)
        if page_file.endswith("/") or not page_file:
            page_file += "index.html"
        page = pages.get(page_file)
        if page is None:
            continue
        source = str(env.doc2path(docname))
        suffix = getattr(app.builder, "out_suffix", ".html")
        for link, resolved, problem in broken_links(page_file, page, files, pages):
            if (docname, resolved.replace(suffix, "", 1)) in reported:
                continue  # reported at its source already
            needle = urlsplit(link).fragment or posixpath.basename(urlsplit(link).path)
            findings.append(
                Finding(
                    Code.LINK_HTML,
                    lines.relpath(source),
                    lines.find(source, unquote(needle), 1) if needle else 1,
                    f"the written page {page_file!r} links {link!r}, but {problem}; "
                    "fix the link in the page, its raw HTML or the template",
                )
            )
    return findings


def reported_key(link: LinkRef) -> tuple[str, str]:
    """How a link that failed at its source shows in the HTML: (page, "docname#id").

    A page or anchor link renders as ``page.html#id``; MyST renders a link it cannot
    resolve at all as ``#target`` on the page itself.
    """
    if link.kind == DOC and link.target != link.docname and not link.local:
        return link.docname, f"{link.target}#{link.anchor}" if link.anchor else link.target
    return link.docname, f"{link.docname}#{link.anchor or link.target}"


def setup_html_pass(app: Sphinx) -> None:
    # Before the report is written (priority 500), so that it lists these findings.
    app.connect("build-finished", on_build_finished, priority=400)
