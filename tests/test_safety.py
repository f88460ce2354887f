"""Safe and private output: raw HTML findings, safe external links, no script URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from kapdocs.safety import is_unsafe, secure_external_links
from tests.conftest import build_once, findings, write_site

if TYPE_CHECKING:
    from pathlib import Path

    from sphinx.testing.util import SphinxTestApp


@pytest.mark.sphinx("html", testroot="safety", freshenv=True)
def test_raw_html_and_unsafe_schemes(app: SphinxTestApp, warning) -> None:
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == [
        ("index.rst", 4, "link_scheme"),  # javascript:
        ("index.rst", 4, "link_scheme"),  # data:
        ("index.rst", 9, "raw_html"),
        ("page.md", 3, "raw_html"),
    ]
    html = (app.outdir / "index.html").read_text()
    assert "javascript:" not in html
    assert "data:text/html" not in html
    assert "script link" in html  # the text stays, without the link
    assert (
        '<a rel="noopener noreferrer" class="reference external" href="https://example.org/"'
        in html
    )
    assert '<a rel="noopener noreferrer" href="https://example.org/raw">' in html


@pytest.mark.sphinx(
    "html", testroot="safety", freshenv=True, confoverrides={"kapdocs_allow_raw_html": True}
)
def test_raw_html_can_be_allowed(app: SphinxTestApp, warning) -> None:
    app.build()
    assert "raw_html" not in {code for _, _, code in findings(warning.getvalue())}


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<a href="https://x.org">x</a>',
            '<a rel="noopener noreferrer" href="https://x.org">x</a>',
        ),
        ('<a href="//x.org/y">x</a>', '<a rel="noopener noreferrer" href="//x.org/y">x</a>'),
        ('<a rel="me" href="https://x.org">x</a>', '<a rel="me" href="https://x.org">x</a>'),
        ('<a href="page.html">x</a>', '<a href="page.html">x</a>'),
        (
            '<a class="c"\nhref="http://x.org">x</a>',
            '<a rel="noopener noreferrer" class="c"\nhref="http://x.org">x</a>',
        ),
        ('<abbr title="x">X</abbr>', '<abbr title="x">X</abbr>'),
    ],
)
def test_secure_external_links(html: str, expected: str) -> None:
    assert secure_external_links(html) == expected


@pytest.mark.parametrize(
    ("uri", "unsafe"),
    [
        ("javascript:alert(1)", True),
        (" JavaScript:alert(1)", True),
        ("data:text/html,x", True),
        ("vbscript:x", True),
        ("https://example.org", False),
        ("mailto:a@b.org", False),
        ("page.html#x", False),
    ],
)
def test_is_unsafe(uri: str, unsafe: bool) -> None:
    assert is_unsafe(uri) is unsafe


def test_markdown_that_myst_writes_as_html_is_not_raw_html(make_app, tmp_path: Path) -> None:
    # Hard line breaks, task-list checkboxes and strikethrough become raw HTML nodes inside
    # MyST; only the HTML the author typed (lines 12 and 14) is reported.
    page = (
        "# A\n\nFirst line\\\nsecond line.\n\nTwo spaces  \nnext.\n\n- [ ] a task\n"
        "- [x] done\n\nA break <br />\n\n<s>struck</s> and ~~struck~~\n"
    )
    src = write_site(
        tmp_path / "src", {"a.md": page}, 'myst_enable_extensions = ["tasklist", "strikethrough"]\n'
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 12, "raw_html"), ("a.md", 14, "raw_html")]


def test_an_html_comment_is_reported_as_published(make_app, tmp_path: Path) -> None:
    # A comment reaches the page's HTML source, unlike a MyST "%" comment: still raw_html,
    # with a message that fits it. A comment with markup on its line is raw HTML as before,
    # and so is a comment a browser would end early ("--!>") to run what follows.
    page = (
        "# A\n\n<!-- TODO: confirm the dose with the pharmacist -->\n\n"
        "Text <!-- c --><b>bold</b>\n\n<!-- x --!><script>alert(1)</script> -->\n\n% fine\n"
    )
    src = write_site(tmp_path / "src", {"a.md": page})
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("a.md", 3, "raw_html"),
        ("a.md", 5, "raw_html"),
        ("a.md", 7, "raw_html"),
    ]
    messages = [line for line in warnings.splitlines() if "[kapdocs.raw_html]" in line]
    assert ["published in the page's HTML source" in m for m in messages] == [True, False, False]


def test_pages_are_written_with_safe_links(make_app, tmp_path: Path) -> None:
    # Rendered pages hold the rel when the builder writes them, before the written-HTML
    # pass runs, so the pass need not write them a second time; a page copied from
    # html_extra_path, which no template renders, gets it from the pass.
    src = write_site(
        tmp_path / "src",
        {"a.md": "# A\n\nSee [the site](https://example.org/).\n"},
        'html_extra_path = ["extra"]\n',
    )
    (src / "extra").mkdir()
    (src / "extra" / "raw.html").write_text('<a href="https://example.org/x">x</a>\n')
    app = make_app("html", srcdir=src, freshenv=True)
    as_written: dict[str, str] = {}

    def before_the_pass(app: SphinxTestApp, exception: Exception | None) -> None:
        as_written["a"] = (app.outdir / "a.html").read_text()

    app.connect("build-finished", before_the_pass, priority=100)
    app.build()
    assert (
        '<a rel="noopener noreferrer" class="reference external" href="https://example.org/"'
        in as_written["a"]
    )
    assert (app.outdir / "a.html").read_text() == as_written["a"]
    raw = (app.outdir / "raw.html").read_text()
    assert raw == '<a rel="noopener noreferrer" href="https://example.org/x">x</a>\n'
