"""The written-HTML pass's scanner gives the ids and links that HTMLParser gives.

HTMLParser is the reference: it is what the pass used before. Hypothesis writes HTML as
Sphinx, templates and raw HTML blocks write it, with tricky attributes (any case, three
quoting styles, ``>`` and character references inside values, attribute names inside
other values), comments and scripts that hold tag-like text. On broken markup (a quote
inside a tag name, say) parsers disagree with each other, and this one may too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapdocs.html_scan import (
    PageLinks,
    _attributes,
    _attributes_one_by_one,
    scan_page,
    scan_page_and_rel,
)


class Reference(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.bare_external = False  # an <a> with an external href and no rel

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        valued = [(name, value) for name, value in attrs if value is not None]
        # Any href, not only the first that a browser follows: the flag only asks for a rel.
        external = any(n == "href" and re.match(r"\s*(https?:)?//", v, re.I) for n, v in valued)
        if tag == "a" and external and all(n != "rel" for n, _ in valued):
            self.bare_external = True
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif name in {"href", "src"}:
                self.links.append(value)


def reference(text: str) -> PageLinks:
    return reference_and_rel(text)[0]


def reference_and_rel(text: str) -> tuple[PageLinks, bool]:
    parser = Reference()
    parser.feed(text)
    return PageLinks(frozenset(parser.ids), tuple(parser.links)), parser.bare_external


ATTR_NAMES = ["id", "ID", "name", "href", "HREF", "src", "class", "title", "data-id", "rel", "REL"]
# The last few leave the site: for whether an <a> needs a rel.
VALUE_TEXT = st.sampled_from(
    [
        *["x", "page.html#a", "a b", "a>b", "&amp;", "&#39;q", "id=y", " href=z", "", "/", "é"],
        *["https://e.org", "HTTP://e.org", "//e.org", " https:", "&#104;ttps://e"],
    ]
)


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(ATTR_NAMES))
    value = "".join(draw(st.lists(VALUE_TEXT, max_size=3)))
    style = draw(st.sampled_from(["double", "single", "bare", "none", "spaced"]))
    if style == "double":
        return f'{name}="{value.replace(chr(34), "")}"'
    if style == "single":
        return f"{name}='{value.replace(chr(39), '')}'"
    if style == "spaced":
        return f'{name} = "{value.replace(chr(34), "")}"'
    if style == "none":
        return name
    bare = "".join(c for c in value if c not in " >'\"") or "v"
    return f"{name}={bare}"


@st.composite
def piece(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["tag", "tag", "tag", "end", "text", "comment", "script"]))
    if kind == "tag":
        tag = draw(st.sampled_from(["a", "A", "div", "img", "span", "link", "script-x"]))
        attrs = draw(st.lists(attribute(), max_size=4))
        separator = draw(st.sampled_from([" ", "\n  ", " / "]))
        close = draw(st.sampled_from([">", "/>"]))
        return f"<{tag}{''.join(separator + a for a in attrs)}{close}"
    if kind == "end":
        return draw(st.sampled_from(["</a>", "</div>", "</span>"]))
    if kind == "text":
        return draw(st.sampled_from(["words ", "a > b ", "id=x ", "&amp; ", "5 < 6 "]))
    if kind == "comment":
        return '<!-- <a href="in-comment"> -->'
    tag = draw(st.sampled_from(["script", "style", "SCRIPT"]))
    src = draw(st.sampled_from(["", ' src="s.js"']))
    return f"<{tag}{src}>var a = '<a href=\"in-script\">';</{tag}>"


@given(st.lists(piece(), max_size=12).map("".join))
def test_scan_page_agrees_with_htmlparser(text: str) -> None:
    # Also whether a link leaves the site without a rel: the pass secures only such pages.
    assert scan_page_and_rel(text) == reference_and_rel(text)
    assert scan_page(text) == reference(text)


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ('<a href="https://e.org">', True),
        ("<A HREF=//e.org>", True),
        ('<a class="x" href="http://e.org" title="a > b">', True),
        ('<a rel="noopener noreferrer" href="https://e.org">', False),
        ('<a href="https://e.org" REL="nofollow">', False),
        ('<a href="page.html#https://e.org">', False),
        ('<a href="page.html" href="https://e.org">', True),
        ('<link href="https://e.org/x.css"><img src="https://e.org/i.png">', False),
        ('<!-- <a href="https://e.org"> --><script>"<a href=//e.org>"</script>', False),
    ],
)
def test_links_leaving_the_site_without_rel(text: str, bare: bool) -> None:
    assert scan_page_and_rel(text)[1] is bare


@given(
    st.lists(st.tuples(st.sampled_from([" ", "\n  ", " / ", ""]), attribute()), max_size=5).map(
        lambda pairs: "".join(separator + a for separator, a in pairs)
    ),
    st.sampled_from(["", " ", " /", "/ "]),
)
def test_attributes_written_plainly_split_as_one_by_one(attrs: str, end: str) -> None:
    # The shortcut for name="value" runs answers as the attribute-by-attribute parser.
    assert _attributes(attrs + end) == _attributes_one_by_one(attrs + end)


def test_plain_attributes_split_at_once() -> None:
    attrs = ' class="reference internal" href="a.html#b" title="x > y" /'
    expected = [("class", '"reference internal"'), ("href", '"a.html#b"'), ("title", '"x > y"')]
    assert _attributes(attrs) == _attributes_one_by_one(attrs) == expected


def test_a_value_that_looks_like_an_attribute_stays_a_value() -> None:
    text = '<a id="id=y>b"><a title="x href=no" x="1"href="yes">'
    assert scan_page(text) == PageLinks(frozenset({"id=y>b"}), ("yes",))


def test_scan_page_reads_a_typical_page() -> None:
    text = (
        "<!DOCTYPE html><html><head><script src='a.js'></script></head><body>"
        '<section id="s1"><a class="reference" HREF="b.html#t&amp;x">b</a>'
        "<a name=top></a><img alt='a > b' src=\"i.png\"></section></body></html>"
    )
    assert scan_page(text) == PageLinks(frozenset({"s1", "top"}), ("a.js", "b.html#t&x", "i.png"))
