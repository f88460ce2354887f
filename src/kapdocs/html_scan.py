"""The ids and links of one written HTML page, read with regular expressions.

The written-HTML pass reads every page of the site; :class:`html.parser.HTMLParser`
calls back into Python for every tag and attribute, which made it a large share of a
build's time. This scanner tokenises the way that parser does (comments, declarations,
the raw text of ``script`` and ``style``, quoted attribute values that may hold ``>``,
attribute names in any case, character references in values), letting the regular
expression engine find the tags and parsing attributes only of tags that may have an
``id``, ``name``, ``href`` or ``src``. The tests hold it to HTMLParser's answers on
well-formed pages.
"""

from __future__ import annotations

import html
import re
import sys
from typing import NamedTuple

# Possessive: a tag's attributes split into runs and quoted values in only one way, so
# the engine need not try the others when a tag has no closing ">" (twice as fast).
_ATTRS = r"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+"""
_NAME = r"[a-zA-Z][^\t\n\r\f />\x00]*"
# Alternatives are tried in order at each "<"; only the last two capture.
_TOKENS = re.compile(
    r"<!--.*?(?:-->|\Z)"  # a comment
    r"|<[!?][^>]*>?"  # a declaration or processing instruction
    # script and style: the start tag, then raw text up to the end tag
    rf"|<(script|style)(?=[\s/>])({_ATTRS})>.*?(?:</\1|\Z)"
    rf"|<({_NAME})({_ATTRS})>",  # any other start tag
    re.DOTALL | re.IGNORECASE,
)
# Whether a tag may hold a wanted attribute (after a space, a slash or a whole quoted
# value): most tags do not, and are skipped without parsing their attributes.
_WANTED = re.compile(r"""(?<=[\s/"'])(?:id|name|href|src)\s*=""", re.IGNORECASE)
# HTMLParser's tolerant attribute syntax, matched one attribute after the other from the
# tag name on, as it does: separators, a name, then optionally = and a value.
_ATTR = re.compile(
    r"""(?:\s|/(?!>))*((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?"""
)
# Sphinx and most templates write each attribute as name="value" after one space; a run of
# only such attributes is split by one findall, not one match per attribute.
_PLAIN_RUN = re.compile(r"""(?:\s+[^\s/>="'<]+="[^"]*")*[\s/]*""")
_PLAIN_ATTR = re.compile(r"""([^\s/>="'<]+)=("[^"]*")""")
_LINK_ATTRS = frozenset({"href", "src"})
# The start of a link that leaves the site: an http(s) or scheme-relative URL. Shared with
# kapdocs.safety, so that the pages this scanner flags are the ones it secures.
EXTERNAL_URL = r"(?:https?:)?//"
_EXTERNAL = re.compile(rf"\s*{EXTERNAL_URL}", re.IGNORECASE)  # browsers skip leading space


class PageLinks(NamedTuple):
    """What the written-HTML pass needs of a page: ids that links may name, and links."""

    ids: frozenset[str]
    links: tuple[str, ...]


def scan_page(text: str) -> PageLinks:
    """Element ids (and ``<a name>``) and every ``href``/``src`` value, in page order."""
    return scan_page_and_rel(text)[0]


def scan_page_and_rel(text: str) -> tuple[PageLinks, bool]:
    """:func:`scan_page`, and whether an ``<a>`` links outside the site without a ``rel``.

    The written-HTML pass secures only such pages, instead of running another regular
    expression over every page it reads.
    """
    ids: set[str] = set()
    links: list[str] = []
    bare_external = False
    wanted = _WANTED.search
    for raw_tag, raw_attrs, tag, attrs in _TOKENS.findall(text):
        if not attrs:
            tag, attrs = raw_tag, raw_attrs
        if not attrs or wanted(attrs) is None:
            continue
        is_anchor = tag.lower() == "a"
        external = has_rel = False
        for name, value in _attributes(attrs):
            name = name.lower()
            if name == "rel":
                has_rel = True
            if name != "id" and name not in _LINK_ATTRS and not (name == "name" and is_anchor):
                continue
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            if "&" in value:
                value = html.unescape(value)
            if name in _LINK_ATTRS:
                links.append(value)
                external = external or (name == "href" and _EXTERNAL.match(value) is not None)
            else:
                ids.add(value)
        bare_external = bare_external or (is_anchor and external and not has_rel)
    # A site's pages link the same few thousand addresses: one string each, not one per
    # link, keeps the written-HTML pass small in memory and in the pickle it leaves for the
    # next build (pickle shares identical objects), which then saves and loads three
    # times faster.
    return PageLinks(frozenset(map(sys.intern, ids)), tuple(map(sys.intern, links))), bare_external


def _attributes(attrs: str) -> list[tuple[str, str]]:
    """(name, raw value) of each attribute that has a value, up to the first junk."""
    if _PLAIN_RUN.fullmatch(attrs):
        return _PLAIN_ATTR.findall(attrs)
    return _attributes_one_by_one(attrs)


def _attributes_one_by_one(attrs: str) -> list[tuple[str, str]]:
    found = []
    position = 0
    while (match := _ATTR.match(attrs, position)) is not None and match.end() > position:
        if match.group(2):
            found.append((match.group(1), match.group(3)))
        position = match.end()
    return found
