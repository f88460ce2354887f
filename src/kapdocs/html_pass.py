"""``link_html``: after HTML is written, every link inside the site must resolve.

Raw HTML, templates and stale pages can link files or ``#fragments`` that the source
checks never see. On ``build-finished`` kapdocs reads each page written in this build
(and any page changed since the last pass) for its element ids and its ``href``/``src``
values, keeping those of the other pages from the last pass in the doctree directory,
then resolves every internal link against the files and ids found. A page written again
with the bytes the last pass read (Sphinx writes the indexes and the pages around an
edited one in every build) keeps what it held. The links of a page it did not read are
resolved again only when the site's files or a read page's ids changed; otherwise the
last pass's answer stands. The page of a removed document counts as gone, though Sphinx
leaves its file, and pages whose navigation linked it are written again, as are pages
that linked a heading an edited page no longer has, so links to either are reported as
in a clean build. A finding is located at the source document of the page. Links a
source check already reported (``link_doc``/``link_anchor``) are not reported twice.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import posixpath
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote

from docutils import nodes

from kapdocs.addresses import is_bare_host
from kapdocs.diagnostics import Code, Finding, closest, emit, sort_findings
from kapdocs.html_scan import PageLinks, scan_page_and_rel
from kapdocs.links import DOC
from kapdocs.locate import SourceLines
from kapdocs.safety import secure_external_links, secure_rendered_pages
from kapdocs.store import KnownBroken, get_store
from kapdocs.timing import timed
from kapdocs.urls import split_url

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from kapdocs.nodeindex import NodeIndex
    from kapdocs.store import Anchors, LinkRef

# Bump when PageLinks, what scan_page collects or the record's layout changes.
_CACHE_VERSION = 7
# How far a file's modification time may lag the clock: file systems that keep whole
# seconds (FAT keeps two) show it in the time itself; others stamp with a clock that
# ticks every few milliseconds.
_COARSE_SLACK_NS = 2_000_000_000
_FINE_SLACK_NS = 50_000_000
# When pages of this build may start being written, per environment (main process).
_WRITE_START: weakref.WeakKeyDictionary[BuildEnvironment, int] = weakref.WeakKeyDictionary()
# The ids each document about to be read again had before, per environment (main process).
_IDS_BEFORE: weakref.WeakKeyDictionary[BuildEnvironment, dict[str, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)
# The last pass's record when env-updated needed it, for this build's pass to reuse.
_LAST_PASS: weakref.WeakKeyDictionary[BuildEnvironment, _Pass] = weakref.WeakKeyDictionary()


class _Seen(NamedTuple):
    """A page as the last pass read it: its file's identity, a digest of its bytes, what
    it holds, and the other files it links an id of (so that a build need not resolve
    every link of the site to find the pages linking an id that may be gone)."""

    mtime_ns: int
    size: int
    inode: int
    digest: bytes
    page: PageLinks
    linked: frozenset[str]


# A broken link: (link, resolved "file#id", problem).
Broken = tuple[str, str, str]


class _Pass(NamedTuple):
    """What a pass leaves for the next: each page as read, the site's files, the
    broken links found on each page of a document, and every file that was ever the
    page of a document in this output directory."""

    seen: dict[str, _Seen]
    files: frozenset[str]
    broken: dict[str, tuple[Broken, ...]]
    document_pages: frozenset[str]


_NO_PASS = _Pass({}, frozenset(), {}, frozenset())


def _slack(mtime_ns: int) -> int:
    return _COARSE_SLACK_NS if mtime_ns % 1_000_000_000 == 0 else _FINE_SLACK_NS


def _signature(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def read_page(path: str, data: bytes) -> tuple[PageLinks, os.stat_result, bytes]:
    """Scan one page, *data* being its file's bytes, giving its external links a safe
    ``rel`` if rendering did not; return what it holds, and its file's state and digest
    after."""
    text = data.decode("utf-8", "surrogateescape")
    if "\r" in text:  # line ends as a file read as text has them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    page, bare_external = scan_page_and_rel(text)
    if bare_external:  # not a page the builder rendered (those have the rel already)
        secured = secure_external_links(text)
        if secured != text:
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(secured)
            with open(path, "rb") as f:
                data = f.read()
    return page, os.stat(path), _digest(data)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data).digest()


def scan_site(
    outdir: str, seen: dict[str, _Seen], written_after_ns: int
) -> tuple[frozenset[str], dict[str, _Seen], set[str]]:
    """All files under *outdir* (relative, with /), what each HTML page holds, and
    which pages were read.

    A page is read again unless it is the file the last pass read (*seen*), unchanged
    since, and older than *written_after_ns* (when this build began writing): a page
    written in this build is always read, even where file times are coarse. A page whose
    bytes are those the last pass read keeps what it held then, and does not count as read.
    """
    files: set[str] = set()
    pages: dict[str, _Seen] = {}
    read: set[str] = set()
    top = len(os.path.join(outdir, ""))  # os.walk's folders begin with outdir
    for folder, _, names in os.walk(outdir):
        # Sliced, not os.path.relpath: this runs for every file of the site, every build.
        base = folder[top:].replace(os.sep, "/")
        for name in names:
            path = os.path.join(folder, name)
            rel = f"{base}/{name}" if base else name
            files.add(rel)
            if not name.endswith(".html") or rel.startswith("_"):
                continue
            stat = os.stat(path)
            last = seen.get(rel)
            if (
                last is not None
                and _signature(stat) == last[:3]
                and stat.st_mtime_ns + _slack(stat.st_mtime_ns) < written_after_ns
            ):
                pages[rel] = last
                continue
            with open(path, "rb") as f:
                data = f.read()
            # Hashing a page costs a fraction of scanning it.
            if last is not None and _digest(data) == last.digest:
                pages[rel] = _Seen(*_signature(stat), last.digest, last.page, last.linked)
                continue
            page, scanned, digest = read_page(path, data)
            pages[rel] = _Seen(*_signature(scanned), digest, page, _linked(rel, page.links))
            read.add(rel)
    return frozenset(files), pages, read


def _linked(page_file: str, links: Iterable[str]) -> frozenset[str]:
    """The other files whose ids *page_file* links, resolved as env-updated resolves them."""
    page_dir = posixpath.dirname(page_file)
    found = set()
    for link in links:
        if "#" in link:
            resolved = _resolve(page_dir, link)
            if resolved is not None and resolved[0] and resolved[1]:
                found.add(resolved[0])
    return frozenset(found)


def _cache_file(app: Sphinx) -> Path:
    # One per builder: html and dirhtml share the doctree directory.
    return Path(app.doctreedir) / f"kapdocs-{app.builder.name}-pages.pickle"


def load_pass(app: Sphinx) -> _Pass:
    """What the last pass over this output directory found; nothing if unknown or unreadable."""
    try:
        with open(_cache_file(app), "rb") as f:
            version, outdir, *fields = pickle.load(f)
        if version != _CACHE_VERSION or outdir != str(app.outdir):
            return _NO_PASS
        return _Pass(*fields)
    except Exception:  # missing, truncated or from another version: read every page
        return _NO_PASS


def save_pass(app: Sphinx, done: _Pass) -> None:
    path = _cache_file(app)
    partial = path.with_suffix(".partial")
    try:
        with open(partial, "wb") as f:
            record = (_CACHE_VERSION, str(app.outdir), *done)
            pickle.dump(record, f, pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:
        pass  # the next pass reads every page again


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Note the ids of the documents about to be read again, before reading drops them."""
    anchors = get_store(env).by_doc("anchors")
    _IDS_BEFORE[env] = {docname: _ids(anchors, docname) for docname in docnames}


def _ids(anchors: Mapping[str, list[Anchors]], docname: str) -> frozenset[str]:
    return frozenset(id_ for record in anchors.get(docname, ()) for id_ in record.ids)


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages are written after this; anything written from now on is read again.

    Returns the documents whose written page links the page of a document gone since
    the last build (removed, or left out by ``source_encoding``), or an id that a document
    read again may no longer have: Sphinx re-writes only the pages it re-read and the
    pages whose toctree lists them, so the others would keep linking a page, a heading or
    a bibliography entry that a clean build does not have.
    """
    _WRITE_START[env] = time.time_ns()
    before = _IDS_BEFORE.pop(env, {})
    if app.builder.format != "html":
        return []
    with timed("html_pass"):
        return _linking_changed_pages(app, env, before)


def _linking_changed_pages(
    app: Sphinx, env: BuildEnvironment, before: dict[str, frozenset[str]]
) -> list[str]:
    store = get_store(env)
    # Per builder: builders may share the environment (sphinx-build -M).
    documents = store.data.setdefault("documents", {})
    removed = documents.get(app.builder.name, set()) - env.found_docs
    documents[app.builder.name] = set(env.found_docs)
    unread = env.found_docs - before.keys()
    if not unread or (not removed and not before):
        return []  # every page is written anyway, or none changed
    last = _LAST_PASS[env] = load_pass(app)
    seen = last.seen
    anchors = store.by_doc("anchors")
    lost: dict[str, frozenset[str]] = {}
    for docname, ids in before.items():
        if docname not in env.found_docs:
            continue
        page_file = _page_file(app, docname)
        written = seen.get(page_file)
        # The written page's ids too: some are made only while writing (a bibliography's
        # entries, the theme's), and the page may not have them again.
        had = ids | written.page.ids if written is not None else ids
        gone_ids = had - _ids(anchors, docname)
        if gone_ids:
            lost[page_file] = gone_ids
    if not removed and not lost:
        return []
    gone = {_page_file(app, docname) for docname in removed}
    linking = []
    for docname in sorted(unread):  # those read are written anyway
        page_file = _page_file(app, docname)
        entry = seen.get(page_file)
        if entry is None:
            continue
        if not gone and entry.linked.isdisjoint(lost):
            continue  # links no id of a page read again (the ids a theme writes on every page)
        page_dir = posixpath.dirname(page_file)
        for link in entry.page.links:
            target, fragment, _ = _resolve(page_dir, link) or ("", "", False)
            if target in gone or fragment in lost.get(target, ()):
                linking.append(docname)
                break
    return linking


def broken_links(
    page_file: str,
    page: PageLinks,
    files: frozenset[str],
    pages: dict[str, PageLinks],
    suffixes: tuple[str, str] = (".html", ".html"),
) -> Iterable[Broken]:
    """(link, resolved "file#id", problem) for each internal link that resolves nowhere.

    *suffixes* are the builder's link and file suffixes: with ``html_link_suffix = ""``
    Sphinx links "page" for the file "page.html", which the server is to map.
    """
    link_suffix, out_suffix = suffixes
    page_dir = posixpath.dirname(page_file)
    for link in page.links:
        resolved = _resolve(page_dir, link)
        if resolved is None:
            continue  # external; link_scheme and linkcheck cover it
        path, fragment, names_folder = resolved
        target = page_file
        if path:
            target = path
            if names_folder or (target not in files and target + "/index.html" in files):
                # normpath: the site's top folder ("../" from a page one down) is ".".
                target = posixpath.normpath(posixpath.join(target, "index.html"))
            elif link_suffix != out_suffix and target.endswith(link_suffix):
                written = target[: len(target) - len(link_suffix)] + out_suffix
                target = written if target not in files and written in files else target
            if target not in files:
                hint = _web_address_hint(link) or _file_hint(link, target, page_dir, files)
                yield link, target, f"{target!r} was not written{hint}"
                continue
        if fragment and target in pages and fragment not in pages[target].ids:
            close = closest(fragment, pages[target].ids)
            hint = f" (did you mean {link.partition('#')[0] + '#' + close!r}?)" if close else ""
            problem = f"{target!r} has no element with id {fragment!r}{hint}"
            yield link, f"{target}#{fragment}", problem


def _file_hint(link: str, target: str, page_dir: str, files: frozenset[str]) -> str:
    """The nearest written file in the folder *target* names, as *link* would name it."""
    folder = posixpath.dirname(target)
    close = closest(posixpath.basename(target), _files_by_folder(files).get(folder, ()))
    if close is None:
        return ""
    written = posixpath.relpath(posixpath.join(folder, close), page_dir or ".")
    return f" (did you mean {written + link[len(link.partition('#')[0]) :]!r}?)"


# A pass asks for the files of a folder only for a link to a missing file: sorted into
# folders once, for the one set of files a pass has.
@functools.lru_cache(maxsize=1)
def _files_by_folder(files: frozenset[str]) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for file in sorted(files):
        folders.setdefault(posixpath.dirname(file), []).append(posixpath.basename(file))
    return folders


def _web_address_hint(link: str) -> str:
    """For "www.example.org", a web address written without its scheme: the fix."""
    if is_bare_host(link):
        return f" (a web address needs its scheme: {'https://' + link!r})"
    return ""


# Pages of a folder share most of their links (navigation, glossary terms).
@functools.lru_cache(maxsize=1 << 16)
def _resolve(page_dir: str, link: str) -> tuple[str, str, bool] | None:
    """(file the link names or "" for the page itself, fragment, whether it ends in /);
    None for a link that leaves the site."""
    parts = split_url(link)
    if parts.scheme or parts.netloc or link.startswith("//"):
        return None
    path = posixpath.normpath(posixpath.join(page_dir, unquote(parts.path))) if parts.path else ""
    return path, unquote(parts.fragment), link.split("#")[0].endswith("/")


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    with timed("html_pass"):
        findings = check_html(app)
    for finding in sort_findings(findings):
        emit(app, finding)
    store = get_store(app.env)
    store.data["findings"] = sort_findings([*store.findings, *findings])


def check_html(app: Sphinx) -> list[Finding]:
    env = app.env
    store = get_store(env)
    lines = SourceLines(app.srcdir, app.config.source_suffix)
    # Without a start time (a pass outside a normal build), trust no earlier reading.
    written_after = _WRITE_START.get(env, 0)
    last = _LAST_PASS.pop(env, None) or load_pass(app)
    files, seen, read = scan_site(str(app.outdir), last.seen, written_after)
    documents = {docname: _page_file(app, docname) for docname in sorted(env.found_docs)}
    # Sphinx never deletes the page of a removed document; a clean build would not have it.
    current_pages = set(documents.values())
    document_pages = last.document_pages | current_pages
    stale = document_pages - current_pages
    files -= stale
    if app.config.kapdocs_report:
        # Written after this pass, so absent from a first build's output directory.
        files |= {posixpath.normpath(app.config.kapdocs_report.replace(os.sep, "/"))}
    pages = {rel: entry.page for rel, entry in seen.items() if rel not in stale}
    # Unread pages' links resolve as before unless a file came or went or an id changed.
    keep_unread = files == last.files and all(
        rel in last.seen and last.seen[rel].page.ids == seen[rel].page.ids for rel in read
    )
    reported = {tuple(key) for key in store.data.get("broken_links", ())}
    # Sphinx and docutils report these themselves: one defect, one line.
    reported |= {(known.docname, known.link) for known in store.records("known_broken")}
    out_suffix = getattr(app.builder, "out_suffix", ".html")
    suffixes = (getattr(app.builder, "link_suffix", out_suffix), out_suffix)
    # A written file's document: "page.html" with html, "page/index.html" with dirhtml.
    docname_of = {page_file: docname for docname, page_file in documents.items()}
    broken: dict[str, tuple[Broken, ...]] = {}
    findings = []
    for docname, page_file in documents.items():
        page = pages.get(page_file)
        if page is None:
            continue
        if keep_unread and page_file not in read and page_file in last.broken:
            broken[page_file] = last.broken[page_file]
        else:
            broken[page_file] = tuple(broken_links(page_file, page, files, pages, suffixes))
        if not broken[page_file]:
            continue  # most pages; their source path is not worth working out
        source = str(env.doc2path(docname))
        for link, resolved, problem in broken[page_file]:
            file, hash_, fragment = resolved.partition("#")
            as_doc = docname_of.get(file, file) + hash_ + fragment
            if {(docname, as_doc), (docname, link)} & reported:
                continue  # reported at its source already
            findings.append(
                Finding(
                    Code.LINK_HTML,
                    lines.relpath(source),
                    _link_line(lines, source, link),
                    f"the written page {page_file!r} links {link!r}, but {problem}; "
                    "fix the link in the page, its raw HTML or the template",
                )
            )
    done = _Pass(seen, files, broken, document_pages)
    if done != last:
        save_pass(app, done)
    return findings


def _link_line(lines: SourceLines, source: str, link: str) -> int:
    """The source line of a link on the written page: where it is written whole, as raw
    HTML quotes it, reStructuredText's `text <link>`_ and Markdown's <link> enclose it,
    or Markdown's [text](link) ends it; else where it is written as it is; else where its
    fragment or file name is; line 1 for a template's link.

    Enclosed forms first: "#nope" is also the tail of "page.html#nope" on another line.
    """
    enclosed = (f'"{link}"', f"'{link}'", f"<{link}>", f"]({link})", f"]({link} ")
    for written in (*enclosed, link):
        if lines.contains(source, written):
            return lines.find(source, written, 1)
    parts = split_url(link)
    needle = parts.fragment or posixpath.basename(parts.path)
    return lines.find(source, unquote(needle), 1) if needle else 1


def collect_known_broken(
    index: NodeIndex, docname: str, env: BuildEnvironment
) -> list[KnownBroken]:
    """Links of the page that Sphinx or docutils report themselves, as the HTML writes them:

    * an image whose file is missing (``image.not_readable``, or no file for a name ending
      in ``.*``), by the ``src`` Sphinx writes for it: its path from the source folder,
      which Sphinx's image collector may or may not have set yet;
    * the link from an unresolvable reference to its error message (``#id1``), which is
      not written when the message is not shown.
    """
    found = [
        KnownBroken(docname, f"#{node['refid']}")
        for node in index.of(nodes.problematic)
        if node.get("refid")
    ]
    for image in index.of(nodes.image):
        uri = str(image.get("uri", ""))
        if not uri or split_url(uri).scheme or uri.startswith("//"):
            continue
        candidates = image.get("candidates")
        # Sphinx globs only a name ending in ".*", and warns when no file matches ("no
        # suitable image"), writing the name as it is; any other "*" is part of a file
        # name, reported as not readable like any other.
        if uri.endswith(".*"):
            if isinstance(candidates, dict) and not candidates:  # from the folder already
                found.append(KnownBroken(docname, uri))
            continue
        if isinstance(candidates, dict) and candidates:
            paths = [str(path) for path in candidates.values()]  # already from the folder
        else:
            uri = env.relfn2path(uri, docname)[0]
            paths = [uri]
        if not any(os.path.isfile(os.path.join(env.srcdir, path)) for path in paths):
            found.append(KnownBroken(docname, uri))
    return found


def _page_file(app: Sphinx, docname: str) -> str:
    """The file the builder writes for *docname*, relative to the output directory.

    Not always the link Sphinx writes to it (``get_target_uri``): that is percent-encoded
    ("%C3%84rzte%20info.html") and ends in ``html_link_suffix``, so pages with such
    names, or all pages with another link suffix, would go unchecked.
    """
    builder = app.builder
    page_file = builder.get_target_uri(docname)
    out_suffix = getattr(builder, "out_suffix", ".html")
    # Most links are the file's path; asking for the file name costs ten times as much,
    # on every page of every build. singlehtml links "index.html#document-page": no
    # document has a page of its own there, and none is checked.
    plain = "%" not in page_file and getattr(builder, "link_suffix", out_suffix) == out_suffix
    outfilename = getattr(builder, "get_outfilename", None)
    if not plain and outfilename is not None and "#" not in page_file:
        path = os.path.relpath(os.fspath(outfilename(docname)), app.outdir)
        return path.replace(os.sep, "/")
    if page_file.endswith("/") or not page_file:
        page_file += "index.html"
    return page_file


def reported_key(link: LinkRef) -> tuple[str, str]:
    """How a link that failed at its source shows in the HTML: (page, "docname#id").

    A page or anchor link renders as ``page.html#id``; MyST renders a link it cannot
    resolve at all as ``#target`` on the page itself.
    """
    if link.kind == DOC and link.target != link.docname and not link.local:
        return link.docname, f"{link.target}#{unquote(link.anchor)}" if link.anchor else link.target
    # The pass decodes fragments; MyST leaves some encoded ("#%" becomes "%25").
    return link.docname, f"{link.docname}#{unquote(link.anchor or link.target)}"


def setup_html_pass(app: Sphinx) -> None:
    app.connect("builder-inited", secure_rendered_pages)
    # After the other handlers, which may add or drop documents to read.
    app.connect("env-before-read-docs", on_env_before_read_docs, priority=600)
    app.connect("env-updated", on_env_updated)
    # Before the report is written (priority 500), so that it lists these findings.
    app.connect("build-finished", on_build_finished, priority=400)
