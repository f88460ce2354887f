"""Internal link checks at source: ``link_doc``, ``link_anchor``, ``link_ref``, ``link_scheme``.

Reading records every internal link (MyST ``[text](page.md#id)``, ``{doc}``, ``{ref}`` and
their reStructuredText forms), every external URL, and the ids each page defines. Once all
pages are read, links are resolved against those records, so a link on an unchanged page
to a heading that was renamed elsewhere is still reported. Sphinx's and MyST's own
warnings for the same missing targets are replaced, not repeated.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from docutils import nodes
from markdown_it.common.normalize_url import normalizeLink, normalizeLinkText
from sphinx import addnodes
from sphinx.util import docname_join

from kapdocs.addresses import address_finding, scheme_message, text_link_message
from kapdocs.diagnostics import Code, Finding, closest, the_page
from kapdocs.locate import node_source
from kapdocs.store import Anchors, ExternalLink, LinkRef
from kapdocs.terms import term_role
from kapdocs.urls import split_url, url_scheme

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Set

    from sphinx.environment import BuildEnvironment

    from kapdocs.locate import SourceLines
    from kapdocs.nodeindex import NodeIndex

# LinkRef.kind values
DOC = "doc"  # a page, optionally with an anchor: [t](page.md#id), {doc}
REF = "ref"  # a label: {ref}, {numref}
ANY = "any"  # MyST's [t](target), resolved like Sphinx's "any" role
ANY_ROLE = "anyrole"  # Sphinx's any role: {any}, and sphinx-design's button-ref by default

# A MyST destination naming an id on the same page: [t](#id) or [t](<#id with spaces>),
# also written with MyST's "project:" scheme, as a link or an autolink: <project:#id>.
_SAME_PAGE = re.compile(
    r"\]\(\s*(?:<(?:project:)?(#[^>\n]*)>|(?:project:)?(#[^)\s]*))|<project:(#[^>\s]*)>"
)
# A Markdown reference definition naming an id on the same page: [label]: #id, or <#id>.
_SAME_PAGE_DEFINITION = re.compile(
    r" {0,3}\[[^\]]+\]:\s*(?:<(?:project:)?(#[^>]*)>|(?:project:)?(#\S*))"
)


def collect_links(
    index: NodeIndex, docname: str, default_source: str, lines: SourceLines
) -> tuple[list[LinkRef], list[ExternalLink]]:
    links: list[LinkRef] = []
    external: list[ExternalLink] = []
    defined: dict[str, set[str]] = {}  # source -> ids its reference definitions name
    for node in filter(_is_link, index.of(nodes.reference, addnodes.pending_xref)):
        source = node_source(node, default_source)
        file = lines.relpath(source)
        if isinstance(node, nodes.reference):
            uri = str(node["refuri"])
            line = lines.find(source, uri, index.expected_line(node))
            if uri.startswith("#"):
                # An id of this page written as an address, `text <#id>`_ in rST: checked
                # as MyST's [text](#id) is, here rather than in the written page.
                links.append(LinkRef(docname, file, line, ANY, unquote(uri[1:]), "", True))
                continue
            external.append(ExternalLink(docname, file, line, uri, _scheme(uri)))
            continue
        assert isinstance(node, addnodes.pending_xref)
        record = _link_ref(node, docname)
        if record is None:
            continue
        kind, target, anchor = record
        needle = anchor or target.rsplit("/", 1)[-1]
        line = lines.find(source, needle, index.expected_line(node))
        text = lines.lines(source)
        local = kind == ANY and (
            (line <= len(text) and _links_same_page(text[line - 1], target))
            or target in _same_page_definitions(text, defined, source)
        )
        links.append(LinkRef(docname, file, line, kind, target, anchor, local))
    return links, external


def _links_same_page(line: str, target: str) -> bool:
    """Whether *line* has a ``#`` destination that MyST reads as *target*.

    MyST percent-encodes a destination and then decodes what it can, so "#r%C3%A9sume"
    becomes "résume" and "#%" becomes "%25"; the line's destinations are read the same way.
    """
    for match in _SAME_PAGE.finditer(line):
        destination = match.group(1) or match.group(2) or match.group(3)
        if _read(destination) == target:
            return True
    return False


def _same_page_definitions(text: list[str], cache: dict[str, set[str]], source: str) -> set[str]:
    """The ids that reference definitions of the page, ``[label]: #id``, name: a
    reference-style link, ``[text][label]``, has its destination there (read once a file)."""
    ids = cache.get(source)
    if ids is None:
        ids = cache[source] = {
            _read(match.group(1) or match.group(2))
            for match in map(_SAME_PAGE_DEFINITION.match, text)
            if match
        }
    return ids


def _read(destination: str) -> str:
    """The id MyST reads from a "#id" destination."""
    return normalizeLinkText(normalizeLink(destination))[1:]


def _is_link(node: nodes.Node) -> bool:
    if isinstance(node, nodes.reference):
        # A link with a scheme, or one to a host without ("//host/path"): link_scheme; or
        # one to an id of the page ("#id"): link_anchor.
        uri = str(node.get("refuri", ""))
        return uri.startswith(("//", "#")) or bool(split_url(uri).scheme)
    return isinstance(node, addnodes.pending_xref)


def _link_ref(node: addnodes.pending_xref, docname: str) -> tuple[str, str, str] | None:
    domain, reftype = node.get("refdomain"), node.get("reftype")
    target = str(node.get("reftarget", ""))
    if reftype == "myst":
        if domain == "doc":
            return DOC, target, str(node.get("reftargetid") or "")
        return ANY, target, ""
    if domain == "std" and reftype == "doc":
        return DOC, docname_join(docname, target.removesuffix(".md").removesuffix(".rst")), ""
    if domain == "std" and reftype in ("ref", "numref"):
        return REF, target.lower(), ""
    if reftype == "any" and not domain:
        return ANY_ROLE, target, ""
    return None


def collect_anchors(index: NodeIndex, docname: str, env: BuildEnvironment) -> Anchors:
    """Every id the written page will have: section and target ids, and MyST heading slugs."""
    ids: set[str] = set()
    for node in index.every():
        # The attribute dictionary itself: Element.get is a Python call per element.
        found = node.attributes.get("ids")
        if found:
            ids.update(found)
    # Sphinx removes system messages after doctree-read (FilterSystemMessages): all of them,
    # or those below warnings with keep_warnings. Their ids never reach the written page.
    kept = 2 if env.config.keep_warnings else 5
    for message in index.of(nodes.system_message):
        if message.get("level", 0) < kept:
            for node in message.findall(nodes.Element):
                ids.difference_update(node["ids"])
    ids.update(env.metadata.get(docname, {}).get("myst_slugs", {}))
    return Anchors(docname, tuple(sorted(ids)))


class Targets:
    """What internal links may point at, from every page's records and Sphinx's labels."""

    def __init__(
        self,
        docs: Collection[str],
        anchors: Mapping[str, Set[str]],
        labels: Mapping[str, tuple[str, str]],
        objects: Set[str],
        terms: Set[str],
        suffixes: Iterable[str],
        source_paths: Callable[[str], str],
        srcdir: str,
        unreadable: Set[str] = frozenset(),
    ) -> None:
        self.docs = docs
        self.anchors = anchors
        self.labels = labels  # lower-case label name -> (docname, id)
        self.objects = objects  # names of domain objects MyST links by name (citations, ...)
        self.terms = terms  # glossary terms as written: MyST finds one by the lower-case target
        self.suffixes = tuple(suffixes)  # of source files, as in source_suffix
        self.source_path = source_paths  # docname -> its source file, relative to srcdir
        self.srcdir = srcdir
        self.unreadable = unreadable  # source files left out for their encoding

    def files_in(self, folder: str) -> list[str]:
        """Names of the files, other than pages, in *folder* (relative to srcdir)."""
        try:
            with os.scandir(os.path.join(self.srcdir, folder)) as entries:
                return [
                    entry.name
                    for entry in entries
                    if entry.is_file() and self.source_suffix(entry.name) is None
                ]
        except OSError:  # no such folder, or a file
            return []

    def source_from(self, docname: str, linking: str) -> str:
        """*docname*'s source file as the page *linking* links it: from its folder."""
        return posixpath.relpath(self.source_path(docname), posixpath.dirname(linking) or ".")

    def source_suffix(self, path: str) -> str | None:
        """The source suffix *path* ends with, if it names a source file ("page.md")."""
        return next((s for s in self.suffixes if path.endswith(s) and path != s), None)

    def any_role_resolves(self, link: LinkRef) -> bool:
        """Whether Sphinx's any role may find the link's target: a page, a label, a
        glossary term written in lower case (Sphinx looks a term up so for this role) or
        an object of any domain. Generously: a domain may find an object by the last part
        of its name ("func" for "module.func"), and a label without a title is Sphinx's
        to report (it says why)."""
        target = link.target
        return (
            docname_join(link.docname, target) in self.docs
            or target.lower() in self.labels
            or target in self.objects
            or target.lower() in self.terms
            or any(name.endswith(("." + target, "::" + target)) for name in self.objects)
        )

    def left_out(self, docname: str) -> str | None:
        """The source file of *docname*, relative to srcdir, when one is there though the
        build has no such page (``exclude_patterns`` leaves it out, say)."""
        if not docname or docname.startswith(("/", "..")):
            return None
        for suffix in self.suffixes:
            if os.path.isfile(os.path.join(self.srcdir, docname + suffix)):
                return docname + suffix
        return None

    def has_anchor(self, docname: str, anchor: str) -> bool:
        if anchor in self.anchors.get(docname, ()):
            return True
        label = self.labels.get(anchor.lower())
        return label is not None and label[0] == docname

    def resolves(self, link: LinkRef) -> bool:
        if link.kind == DOC:
            return link.target in self.docs and (
                not link.anchor or self.has_anchor(link.target, link.anchor)
            )
        if link.kind == REF:
            return link.target in self.labels
        if link.kind == ANY_ROLE:
            return self.any_role_resolves(link)
        # MyST's generic link: a label, an id on the same page, a page, or any object.
        target = link.target
        return (
            target.lower() in self.labels
            or target in self.anchors.get(link.docname, ())
            or docname_join(link.docname, target) in self.docs
            or target in self.objects
            or target.lower() in self.terms
        )


def unresolved(links: Iterable[LinkRef], targets: Targets) -> list[LinkRef]:
    return [link for link in links if not targets.resolves(link)]


def check_links(
    broken: Iterable[LinkRef], targets: Targets, allowed: Set[str], myst_schemes: Set[str]
) -> list[Finding]:
    """Findings for links that :func:`unresolved` returned; *allowed* are the schemes
    external links may use, *myst_schemes* those MyST makes external links of."""
    return [
        (link.kind == ANY and address_finding(link, allowed, myst_schemes))
        or _finding(link, targets)
        for link in broken
    ]


def _finding(link: LinkRef, targets: Targets) -> Finding:
    if link.kind == REF:
        hint = _suggest(link.target, targets.labels)
        return Finding(
            Code.LINK_REF,
            link.file,
            link.line,
            f"label {link.target!r} does not exist{hint or '; add the label or fix the role'}",
        )
    if link.kind == ANY_ROLE:
        term = next((t for t in targets.terms if t.lower() == link.target.lower()), None)
        if term is not None:
            role = term_role(term, link.file.endswith(".rst"))
            return Finding(
                Code.LINK_REF,
                link.file,
                link.line,
                f"the any role does not link the glossary term {term!r}: Sphinx looks terms "
                f"up for it in lower case, so it finds only terms written so; write {role}",
            )
        folder = posixpath.dirname(link.docname)
        pages = (_as_named(doc, folder) for doc in targets.docs)
        hint = _suggest(link.target, [*targets.labels, *targets.terms, *targets.objects, *pages])
        return Finding(
            Code.LINK_REF,
            link.file,
            link.line,
            f"{link.target!r} names no page, label, glossary term or other object that "
            f"Sphinx's any role (also behind button-ref and card links) finds"
            f"{hint or '; add the label or fix the target'}",
        )
    if link.kind == ANY and link.local and not link.target:
        return Finding(
            Code.LINK_ANCHOR,
            link.file,
            link.line,
            "a link to '#' names no anchor; write the id of a heading or label after the '#'",
        )
    if link.kind == ANY and link.local:
        hint = _suggest(link.target, targets.anchors.get(link.docname, ()))
        hint = hint or _elsewhere(link.target, link.docname, targets)
        return Finding(
            Code.LINK_ANCHOR,
            link.file,
            link.line,
            f"anchor '#{link.target}' does not exist on {the_page(link.docname, link.file)}"
            f"{hint or '; link an existing heading or label'}",
        )
    if link.kind == DOC and link.target in targets.docs:
        hint = _suggest(link.anchor, targets.anchors.get(link.target, ()))
        hint = hint or _elsewhere(link.anchor, link.docname, targets)
        return Finding(
            Code.LINK_ANCHOR,
            link.file,
            link.line,
            f"anchor '#{link.anchor}' does not exist in {link.target!r}"
            f"{hint or '; link an existing heading or label'}",
        )
    if link.kind == ANY:
        return _bare_name_finding(link, targets)
    # The target is the page's name from the top folder, shown so ("/") where the linking
    # page is in a folder; the hint is written as the role would take it on that page.
    folder = posixpath.dirname(link.docname)
    shown = f"/{link.target}" if folder else link.target
    left_out = targets.left_out(link.target)
    if left_out is not None:
        return _left_out(link, f"document {shown!r}", left_out, targets)
    close = closest(link.target, targets.docs)
    hint = (
        f"; did you mean {_as_named(close, folder)!r}?"
        if close is not None
        else "; fix the path of the link"
    )
    return Finding(Code.LINK_DOC, link.file, link.line, f"document {shown!r} does not exist{hint}")


def _left_out(link: LinkRef | ExternalLink, named: str, file: str, targets: Targets) -> Finding:
    """``link_doc`` for a link to a page whose source the build leaves out."""
    if file in targets.unreadable:
        why = (
            "it is not valid in source_encoding, so the build leaves it out until it is "
            "saved so (see its source_encoding finding)"
        )
    else:
        why = (
            "the build leaves it out (exclude_patterns or include_patterns); link a page "
            "that is built, or build this one"
        )
    return Finding(
        Code.LINK_DOC,
        link.file,
        link.line,
        f"{named} is not in the site, though its source {file!r} is: {why}",
    )


def _bare_name_finding(link: LinkRef, targets: Targets) -> Finding:
    """``[text](name)``: MyST looked the name up as a label, an id on the page, a page from
    the linking page's folder and an object; the link may have meant any of them (a
    label since removed, a page named from the top folder). A name ending as a source
    file does, ``[text](page.md)``, was a page whose file MyST did not find.

    Pages offered in a hint are written as this page would link them: from its folder.
    """
    if not link.target.strip():
        return Finding(
            Code.LINK_DOC,
            link.file,
            link.line,
            "a link has no destination, as in '[text]()'; write the page, label or web "
            "address it links between the parentheses",
        )
    folder = posixpath.dirname(link.docname)
    path = link.target.partition("#")[0]
    fragment = link.target[len(path) :]
    page_file, query, _ = path.partition("?")
    suffix = targets.source_suffix(page_file)
    if query and suffix is not None:
        # [text](page.md?tab=2#a): MyST looks for a file named so, query and all.
        if docname_join(link.docname, page_file.removesuffix(suffix)) not in targets.docs:
            return _missing_page(link, targets, page_file, fragment)
        return Finding(
            Code.LINK_DOC,
            link.file,
            link.line,
            f"{link.target!r} gives a page a query string, which MyST cannot link; write "
            f"{page_file + fragment!r}",
        )
    if targets.source_suffix(path) is not None:
        return _missing_page(link, targets, path, fragment)
    if _names_a_file(path) and closest(link.target, targets.labels) is None:
        return _missing_file(link, targets, path)
    page = "page"
    joined = docname_join(link.docname, link.target)
    if joined != link.target and not link.target.startswith("/"):
        page += f" (from this page's folder, {joined!r})"
    left_out = targets.left_out(joined)
    if left_out is not None:
        return _left_out(link, f"page {link.target!r}", left_out, targets)
    if link.target in targets.docs:
        # The page exists from the top folder: offer that, not the name already written.
        hint = f"; did you mean '/{link.target}' (from the top folder)?"
    else:
        names = [
            *targets.labels,
            *targets.anchors.get(link.docname, ()),
            *(_as_named(doc, folder) for doc in targets.docs),
        ]
        hint = _suggest(link.target, names) or "; fix the name, or add the label it names"
    return Finding(
        Code.LINK_DOC,
        link.file,
        link.line,
        f"{link.target!r} names no label, anchor on this page, {page} or other object "
        f"that MyST links by name{hint}",
    )


def _as_named(docname: str, folder: str) -> str:
    """*docname* as a page in *folder* names it: from its folder, or from the top ("/")."""
    if not folder:
        return docname
    inside = folder + "/"
    return docname[len(inside) :] if docname.startswith(inside) else "/" + docname


def _missing_page(
    link: LinkRef | ExternalLink, targets: Targets, path: str, fragment: str, prefix: str = ""
) -> Finding:
    """``link_doc`` for a link naming the file *path* (after *prefix*), with the nearest
    page's file from the linking page's folder."""
    suffix = targets.source_suffix(path) or ""
    stem = path.removesuffix(suffix)
    joined = docname_join(link.docname, stem)
    outside = _above_top(posixpath.join(posixpath.dirname(link.docname), stem))
    if outside and not path.startswith("/"):
        # MyST looks for the file there, outside the site, while docname_join stops at
        # the top folder: the page it names may well be there.
        problem = (
            f"page {prefix + path!r} leads out of the site's source folder, where MyST "
            "finds no page"
        )
    else:
        where = _from_top(path, joined + suffix)
        left_out = targets.left_out(joined) if suffix else None
        if left_out is not None:
            return _left_out(link, f"page {prefix + path!r}{where}", left_out, targets)
        problem = f"page {prefix + path!r}{where} is not in the site"
    close = closest(joined, targets.docs)
    if close is not None:
        nearest = targets.source_from(close, link.docname)
        hint = f"; did you mean {prefix + nearest + fragment!r}?"
    else:
        hint = "; fix the path of the link"
    return Finding(Code.LINK_DOC, link.file, link.line, problem + hint)


def _above_top(path: str) -> bool:
    """Whether the relative *path*, from the top folder, climbs out of it ("../x")."""
    return posixpath.normpath(path).split("/", 1)[0] == ".."


def _from_top(written: str, resolved: str) -> str:
    """How the message shows *resolved*, the path *written* on a page resolves to: only
    when it differs from what was written other than by a leading "/"."""
    if written.startswith("/") or posixpath.normpath(written) == resolved:
        return ""
    return f" ({resolved!r} from the top folder)"


def _names_a_file(path: str) -> bool:
    """Whether *path* ends as a file's name does, "handout.pdf" (not "fig.1", a label)."""
    extension = posixpath.splitext(path)[1][1:]
    return 0 < len(extension) <= 5 and extension.isalnum() and not extension.isdigit()


def _missing_file(link: LinkRef, targets: Targets, path: str) -> Finding:
    """``[text](files/handout.pdf)`` naming no file: MyST makes a link to a file that exists
    a download. The hint is the nearest file of the folder the path names."""
    joined = docname_join(link.docname, path)
    where = _from_top(path, joined)
    stem, extension = posixpath.splitext(joined)
    if extension in {".html", ".htm"} and stem in targets.docs:
        # The page as the HTML builder writes it: a link to its source works in every output.
        source = targets.source_from(stem, link.docname)
        return Finding(
            Code.LINK_DOC,
            link.file,
            link.line,
            f"{path!r} is the page {stem!r} as written for the web, not a file of the site; "
            f"link its source, {source + link.target[len(path) :]!r}, which works in every "
            "output, the PDF too",
        )
    close = closest(posixpath.basename(joined), targets.files_in(posixpath.dirname(joined)))
    hint = (
        f"; did you mean {posixpath.join(posixpath.dirname(path), close)!r}?"
        if close is not None
        else "; fix the path of the link, or add the file"
    )
    return Finding(
        Code.LINK_DOC, link.file, link.line, f"file {path!r}{where} is not in the site{hint}"
    )


def check_project_links(external: Iterable[ExternalLink], targets: Targets) -> list[Finding]:
    """``link_doc`` for ``[text](project:name)`` naming no source file, as ``project:glossary``
    without its suffix: MyST warns (``myst.xref_missing``, which kapdocs replaces) and
    leaves the link as an address that goes nowhere."""
    findings = []
    for link in external:
        if link.scheme != "project":
            continue
        path, hash_, fragment = link.uri.removeprefix("project:").partition("#")
        findings.append(_missing_page(link, targets, path, hash_ + fragment, "project:"))
    return findings


def _elsewhere(anchor: str, linking: str, targets: Targets) -> str:
    """A hint for an anchor that another page has: a label there, or an id (a heading)."""
    label = targets.labels.get(anchor.lower())
    found = (
        label
        if label is not None
        else next(
            ((doc, anchor) for doc in sorted(targets.anchors) if anchor in targets.anchors[doc]),
            None,
        )
    )
    if found is None or found[0] not in targets.docs:
        return ""
    doc, id_ = found
    if doc == linking:
        return f"; it is on this page: did you mean {'#' + id_!r}?"
    return f"; it is on {doc!r}: did you mean {targets.source_from(doc, linking) + '#' + id_!r}?"


def _suggest(value: str, choices: Iterable[str]) -> str:
    close = closest(value, choices)
    return f"; did you mean {close!r}?" if close is not None else ""


# Pages cite the same few sites again and again.
@functools.lru_cache(maxsize=1 << 12)
def _scheme(uri: str) -> str:
    return url_scheme(uri)


def scheme_name(entry: str) -> str:
    """A ``kapdocs_allowed_schemes`` entry as the scheme of a link: "HTTPS", "https:" and
    "https://" all allow "https" (written otherwise, they allowed nothing)."""
    return entry.strip().lower().rstrip(":/")


def check_schemes(links: Iterable[ExternalLink], allowed: Set[str]) -> list[Finding]:
    findings = []
    for link in links:
        if link.as_text:
            message = text_link_message(link, allowed)
        elif link.scheme in allowed or link.scheme == "project":  # check_project_links
            continue
        else:
            message = scheme_message(link.uri, link.scheme, allowed)
        findings.append(Finding(Code.LINK_SCHEME, link.file, link.line, message))
    return findings
