"""Web addresses that do not become links: MyST names, Markdown text, no scheme."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import build_once, clean_first_again, findings, write_rst_site, write_site

if TYPE_CHECKING:
    from pathlib import Path

PAGE = """\
# Addresses

(sec:intro)=
## Intro

[upper](HTTPS://example.org/a) and [mail](MAILTO:team@example.org).
[phone](tel:+15550100) and [host](//example.org/b) and [bare](www.example.org).
[script](javascript:alert(1)) and <file:///etc/hosts> here.
[picture](data:image/png;base64,AAAA) and [typo](sec:intor).

Fine: [site](https://example.org), <mailto:team@example.org>, [intro](sec:intro),
`[code](javascript:alert(2))`, \\[escaped\\](javascript:alert(4)) and a block:

```text
[block](javascript:alert(3))
```

A [split](
vbscript:run) link.
"""


def _messages(warnings: str) -> dict[str, str]:
    """Each kapdocs finding's message, keyed by the address it quotes first."""
    found = {}
    for line in re.sub(r"\x1b\[[0-9;]*m", "", warnings).splitlines():
        match = re.search(r"WARNING: (.*) \[kapdocs\.\w+\]$", line)
        quoted = re.search(r"'([^']*)'", line)
        if match and quoted:
            found[quoted.group(1)] = match.group(1)
    return found


def test_myst_addresses_that_are_not_links(make_app: Any, tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"page.md": PAGE})
    warnings, _ = build_once(make_app, site, freshenv=True)
    assert findings(warnings, site) == [
        ("page.md", 6, "link_doc"),  # HTTPS:
        ("page.md", 6, "link_doc"),  # MAILTO:
        ("page.md", 7, "link_doc"),  # www.
        ("page.md", 7, "link_scheme"),  # //example.org
        ("page.md", 7, "link_scheme"),  # tel:
        ("page.md", 8, "link_scheme"),  # file:, as text
        ("page.md", 8, "link_scheme"),  # javascript:, as text
        ("page.md", 9, "link_doc"),  # sec:intor, a label with a colon
        ("page.md", 9, "link_scheme"),  # data:image, a link MyST took for a name
        ("page.md", 19, "link_scheme"),  # vbscript:, its destination on the next line
    ]
    said = _messages(warnings)
    assert "reads the scheme only in lower case" in said["HTTPS://example.org/a"]
    assert said["HTTPS://example.org/a"].endswith("write 'https://example.org/a'")
    assert said["MAILTO:team@example.org"].endswith("write 'mailto:team@example.org'")
    assert said["tel:+15550100"] == (
        "link 'tel:+15550100' uses the scheme 'tel', which is not allowed (https, mailto); "
        "remove the link or use an allowed scheme"
    )
    assert said["//example.org/b"].endswith("write 'https://example.org/b'")
    assert said["www.example.org"].endswith("write 'https://www.example.org'")
    for text_link in ("javascript:alert(1)", "file:///etc/hosts", "vbscript:run"):
        assert "the page shows it as text" in said[text_link]
    assert "shows it as text" not in said["data:image/png;base64,AAAA"]
    assert "names no label" in said["sec:intor"]  # not a scheme: "did you mean"
    assert "did you mean 'sec:intro'?" in said["sec:intor"]


def test_schemes_allowed_but_not_linked(make_app: Any, tmp_path: Path) -> None:
    """A scheme kapdocs allows is still no link where MyST or Markdown make none."""
    page = "# P\n\n[phone](tel:+15550100), [file](file:///srv/a.pdf) and [s](sms:+1555).\n"
    conf = 'kapdocs_allowed_schemes = ["https", "mailto", "tel", "file", "sms"]\n'
    conf += 'myst_url_schemes = ["https", "mailto", "sms"]\n'
    site = write_site(tmp_path / "site", {"page.md": page}, conf)
    warnings, outdir = build_once(make_app, site, freshenv=True)
    said = _messages(warnings)
    assert findings(warnings, site) == [("page.md", 3, "link_doc"), ("page.md", 3, "link_scheme")]
    assert said["tel:+15550100"].endswith("add 'tel' to myst_url_schemes")
    assert said["file:///srv/a.pdf"].endswith(
        "the page shows it as text, brackets and all; remove it"
    )
    assert 'href="sms:+1555"' in (outdir / "page.html").read_text()


@pytest.mark.parametrize("parallel", [0, 2])
def test_addresses_same_on_every_build(make_app: Any, tmp_path: Path, parallel: int) -> None:
    """The text links are records of their page: a parallel build, and an incremental one
    that reads only another page, report what a clean serial build does."""
    pages = {"page.md": PAGE, "other.md": "# Other\n\nText.\n", "third.md": "# Third\n"}
    site = write_site(tmp_path / "site", pages)
    edit = ("other.md", "# Other\n\nMore text.\n")
    clean, first, again = clean_first_again(make_app, site, parallel, edit)
    assert "javascript:alert(1)" in clean
    assert findings(first, site) == findings(clean, site)
    assert findings(again, site) == findings(clean, site)


def test_rst_addresses_without_scheme(make_app: Any, tmp_path: Path) -> None:
    site = write_rst_site(
        tmp_path / "site",
        "Home\n====\n\n"
        "A `host <//example.org/b>`_ and\n"
        "a `bare <www.example.org>`_ and `fine <https://example.org>`_.\n",
    )
    warnings, _ = build_once(make_app, site, freshenv=True)
    assert findings(warnings, site) == [
        ("index.rst", 4, "link_scheme"),
        ("index.rst", 5, "link_html"),
    ]
    said = _messages(warnings)
    assert said["//example.org/b"].endswith("write 'https://example.org/b'")
    assert "a web address needs its scheme: 'https://www.example.org'" in warnings


def test_a_substitution_is_checked_where_it_is_used(make_app: Any, tmp_path: Path) -> None:
    # docutils keeps the definition in the page and copies its text to each |use|: one
    # finding per use, at the definition's line, where the fix goes; none for a
    # definition no text uses, which shows nowhere.
    site = write_rst_site(
        tmp_path / "site",
        "Home\n====\n\n"
        ".. |sub| replace:: see `plain <http://example.org>`__\n\n"
        ".. |role| replace:: :term:`Nowhere`\n\n"
        ".. |unused| replace:: `old <ftp://example.org>`__\n\n"
        "Text |sub| and |role|.\n",
    )
    warnings, _ = build_once(make_app, site, freshenv=True)
    assert findings(warnings, site) == [
        ("index.rst", 4, "link_scheme"),
        ("index.rst", 6, "term_undefined"),
    ]


def test_a_link_without_destination(make_app: Any, tmp_path: Path) -> None:
    page = "# P\n\nFirst [a]() then\n[b](<>) and [c](  ).\n\nAn [anchor](#) named not.\n"
    site = write_site(tmp_path / "site", {"page.md": page})
    warnings, _ = build_once(make_app, site, freshenv=True)
    assert findings(warnings, site) == [
        ("page.md", 3, "link_doc"),
        ("page.md", 4, "link_doc"),
        ("page.md", 4, "link_doc"),
        ("page.md", 6, "link_anchor"),
    ]
    assert warnings.count("a link has no destination, as in '[text]()'") == 3
    assert "a link to '#' names no anchor" in warnings
    assert "names no label" not in warnings
