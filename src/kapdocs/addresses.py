"""Web addresses that do not become the links their authors meant.

MyST makes ``[text](url)`` an external link only when the URL's scheme is one of
``myst_url_schemes`` as written there, in lower case (``http``, ``https``, ``mailto`` and
``ftp`` by default). It takes any other destination for a name to look up as a page or
label: ``[text](HTTPS://example.org)``, ``[text](tel:+123)``, ``[text](//example.org)``
and ``[text](www.example.org)`` link to nothing, and are reported saying why, not as a
missing page. markdown-it, which MyST parses with, makes no link at all of a
``javascript:``, ``vbscript:``, ``file:`` or ``data:`` address (but ``data:image/...``):
the page shows the whole link as text, brackets and all; reading finds these in the
page's prose. A link that names a host but no scheme (``//example.org``) takes the
scheme of the page it is on, which may be ``http`` or ``file``: ``link_scheme``, in
reStructuredText too.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from markdown_it.common.normalize_url import validateLink

from kapdocs import reference_links
from kapdocs.diagnostics import Code, Finding
from kapdocs.store import ExternalLink

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Set

    from sphinx.config import Config

    from kapdocs.store import LinkRef, Segment

# A scheme as RFC 3986 (and MyST) reads one: a letter, then letters, digits, "+", "." or "-".
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")

# Schemes of addresses people put in pages. A name before a colon is taken for a scheme
# only when it is one of these, an allowed one, or "//" follows: a label such as
# "sec:intro" has a colon too.
_KNOWN_SCHEMES = frozenset(
    {
        *("http", "https", "ftp", "ftps", "sftp", "file", "data", "javascript", "vbscript"),
        *("mailto", "tel", "sms", "fax", "sip", "sips", "xmpp", "callto", "skype"),
        *("news", "nntp", "irc", "ircs", "ssh", "git", "svn", "urn", "doi", "geo", "magnet"),
        *("webcal", "ws", "wss"),
    }
)

# The fix a message offers for a scheme, where a better one than "remove" exists.
_FIXES = {
    "http": "use https",
    "doi": "link the DOI at https://doi.org/ instead",
}

# A Markdown link's destination, "](dest)" or "](<dest>)", or an autolink, "<dest>", that
# starts with a scheme; validateLink then says whether markdown-it made a link of it.
_DESTINATION = re.compile(r"(?:\]\(\s*<?|<)([a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>()]*(?:\([^\s<>()]*\))?)")


def myst_schemes(config: Config) -> frozenset[str]:
    """The schemes MyST makes external links of (``myst_url_schemes``, a list or a
    mapping), as written: MyST compares them so."""
    value = getattr(config, "myst_url_schemes", None)
    if not isinstance(value, list | tuple | dict):  # MyST not loaded, or its default
        return frozenset(("http", "https", "mailto", "ftp"))
    return frozenset(scheme for scheme in value if isinstance(scheme, str))


def scheme_message(uri: str, scheme: str, allowed: Set[str]) -> str:
    """What ``link_scheme`` says of *uri*, whose *scheme* is not in *allowed*."""
    if not scheme:
        return (
            f"link {uri!r} names a host but no scheme, so it takes that of the page it is "
            f"on (http on a plain web server, file in a copy on disk); write {'https:' + uri!r}"
        )
    fix = _FIXES.get(scheme, "remove the link or use an allowed scheme")
    return (
        f"link {uri!r} uses the scheme {scheme!r}, which is not allowed "
        f"({', '.join(sorted(allowed))}); {fix}"
    )


def shown_as_text(
    segments: Iterable[Segment], is_markdown: Callable[[str], bool]
) -> list[ExternalLink]:
    """Links and link reference definitions in Markdown prose that markdown-it left as
    text, with their expected lines.

    The destination is still in the block's text, after "](" or "<", or after a
    definition's "[label]:", as it was written: a link that markdown-it made is a
    reference node, not prose.
    """
    found = []
    for segment in segments:
        text = segment.text
        if "](" not in text and "<" not in text and "]:" not in text:
            continue  # nearly every block: spare the expressions
        if not is_markdown(segment.file):
            continue
        lines = reference_links.definitions(segment)
        for definition in lines:
            if reference_links.refused(definition):
                found.append(
                    _text_link(segment, definition.start, definition.destination, definition.label)
                )
        for match in _DESTINATION.finditer(text):
            uri = match.group(1)
            at = match.start(1)
            if validateLink(uri) or any(line.start <= at < line.end for line in lines):
                continue
            found.append(_text_link(segment, at, uri))
    return found


def _text_link(segment: Segment, at: int, uri: str, label: str = "") -> ExternalLink:
    line = segment.line + bisect_right(segment.breaks, at)
    scheme = _SCHEME.match(uri)
    return ExternalLink(
        segment.docname,
        segment.file,
        line,
        uri,
        scheme.group(1).lower() if scheme is not None else "",
        as_text=True,
        label=label,
    )


def written_as_link(line: str, link: ExternalLink) -> bool:
    """Whether the source *line* (or lines) writes *link* as a link's destination or a
    definition's, not escaped as text (``\\[x\\](javascript:y)``, whose backslashes the
    page's text no longer shows)."""
    if link.label:
        before = r"(?<!\\)\[" + re.escape(link.label) + r"\]:\s*<?"
    else:
        before = r"(?<!\\)(?:\]\(\s*<?|<)"
    return re.search(before + re.escape(link.uri), line) is not None


def text_link_message(link: ExternalLink, allowed: Set[str]) -> str:
    """What ``link_scheme`` says of a link that the page shows as text."""
    if link.label:
        shown = (
            f"Markdown reads no definition of it: the page shows it as text, with the lines "
            f"after it up to a blank line, and every link to [{link.label}] as text too"
        )
    else:
        shown = "Markdown makes no link of it: the page shows it as text, brackets and all"
    if link.scheme in allowed:
        return f"link {link.uri!r} uses the scheme {link.scheme!r}, and {shown}; remove it"
    return f"{scheme_message(link.uri, link.scheme, allowed)} ({shown})"


def address_finding(link: LinkRef, allowed: Set[str], myst_schemes: Set[str]) -> Finding | None:
    """The finding for ``[text](target)`` that MyST took for a name, when *target* is a
    web address; None when it is a name."""
    target = link.target
    match = _SCHEME.match(target)
    if match is not None:
        written = match.group(1)
        scheme = written.lower()
        rest = target[match.end() :]
        if not (rest.startswith("//") or scheme in _KNOWN_SCHEMES | allowed | myst_schemes):
            return None
        if scheme not in allowed:
            message = scheme_message(target, scheme, allowed)
            return Finding(Code.LINK_SCHEME, link.file, link.line, message)
        if scheme in myst_schemes:  # written in another case, which MyST does not read
            return _no_link(
                link,
                f"{target!r} is no web address to MyST, which reads the scheme only in lower "
                f"case, so it looked for a page or label of that name; write "
                f"{scheme + ':' + rest!r}",
            )
        return _no_link(
            link,
            f"{target!r} uses the scheme {scheme!r}, which MyST does not link, so it looked "
            f"for a page or label of that name; add {scheme!r} to myst_url_schemes",
        )
    if target.startswith("//"):
        return Finding(
            Code.LINK_SCHEME,
            link.file,
            link.line,
            f"link {target!r} names a host but no scheme, so MyST looked for a page or label "
            f"of that name; write {'https:' + target!r}",
        )
    if is_bare_host(target):
        return _no_link(
            link,
            f"{target!r} has no scheme, so MyST looked for a page or file of that name; "
            f"write {'https://' + target!r}",
        )
    return None


def is_bare_host(path: str) -> bool:
    """Whether *path*, a link without a scheme, is a web address such as "www.example.org"."""
    return path[:4].lower() == "www." and "." in path[4:]


def _no_link(link: LinkRef, message: str) -> Finding:
    return Finding(Code.LINK_DOC, link.file, link.line, message)
