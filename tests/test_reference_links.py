"""Markdown reference links and definitions that markdown-it leaves as text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from kapdocs.reference_links import unread
from kapdocs.store import Segment
from tests.conftest import build_once, clean_first_again, findings, write_rst_site, write_site

if TYPE_CHECKING:
    from pathlib import Path

PAGE = """\
# References

A [script][bad], a [site][good], a [trial][trail] and [Trials][] to read.

[bad]: javascript:alert(1)
[good]: https://example.org/good

Fine: [the review][review], [Review][], [the list][listed], [sic] and [1][2] and
[3, 4][5-7], `[code][nope]`, \\[escaped\\]\\[nope\\] and \\[esc]: https://example.org/e
as text.

[review]: https://example.org/review "The review"

- Listed first.

  [listed]: https://example.org/listed

A paragraph that runs on
[joined]: https://example.org/joined
and a [joined link][joined].

Brackets [a
split][gone] link.

```text
[block][nope]
[block]: javascript:alert(3)
```

[trials]:
    https://example.org/trials
"""


def _messages(warnings: str) -> list[str]:
    return re.findall(r"WARNING: (.*) \[kapdocs\.\w+\]", re.sub(r"\x1b\[[0-9;]*m", "", warnings))


def test_references_markdown_shows_as_text(make_app: Any, tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"page.md": PAGE})
    warnings, outdir = build_once(make_app, site, freshenv=True)
    assert findings(warnings, site) == [
        ("page.md", 3, "link_ref"),  # [trial][trail]: no definition
        ("page.md", 5, "link_scheme"),  # the refused definition, which [good] follows
        ("page.md", 19, "link_ref"),  # a definition in the middle of a paragraph
        ("page.md", 22, "link_ref"),  # [a split][gone], over two lines
    ]
    said = _messages(warnings)
    assert said[0] == (
        "'[trial][trail]' links the reference [trail], which no definition in this file "
        "gives, so the page shows it as text; did you mean [trials]?"
    )
    assert said[1].startswith("link 'javascript:alert(1)' uses the scheme 'javascript'")
    assert said[1].endswith(
        "(Markdown reads no definition of it: the page shows it as text, with the lines "
        "after it up to a blank line, and every link to [bad] as text too)"
    )
    assert said[2] == (
        "'[joined]: https://example.org/joined' is no link reference definition to "
        "Markdown, which does not let one continue a paragraph: the page shows it as text, "
        "and links to [joined] too; put a blank line before it"
    )
    assert "'[a split][gone]' links the reference [gone]" in said[3]
    # What the findings say of the page is so: the written page shows them as text.
    html = (outdir / "page.html").read_text()
    for text in ("[site][good]", "[good]: https://example.org/good", "[joined link][joined]"):
        assert text in html
    assert 'href="https://example.org/review"' in html  # a definition that holds


def test_rst_brackets_are_text(make_app: Any, tmp_path: Path) -> None:
    site = write_rst_site(
        tmp_path / "site",
        "Home\n====\n\nA [text][label] and\n[label]: https://example.org as text.\n",
    )
    warnings, _ = build_once(make_app, site, freshenv=True)
    assert findings(warnings, site) == []


def test_a_definition_allowed_scheme_still_refused(make_app: Any, tmp_path: Path) -> None:
    """Allowing a scheme does not make markdown-it read the definition."""
    page = "# P\n\nA [copy][f].\n\n[f]: <file:///srv/a.pdf>\n"
    conf = 'kapdocs_allowed_schemes = ["https", "file"]\n'
    site = write_site(tmp_path / "site", {"page.md": page}, conf)
    warnings, _ = build_once(make_app, site, freshenv=True)
    assert findings(warnings, site) == [("page.md", 5, "link_scheme")]
    assert _messages(warnings) == [
        "link 'file:///srv/a.pdf' uses the scheme 'file', and Markdown reads no definition "
        "of it: the page shows it as text, with the lines after it up to a blank line, and "
        "every link to [f] as text too; remove it"
    ]


@pytest.mark.parametrize("parallel", [0, 2])
def test_references_same_on_every_build(make_app: Any, tmp_path: Path, parallel: int) -> None:
    pages = {"page.md": PAGE, "other.md": "# Other\n\nText.\n"}
    site = write_site(tmp_path / "site", pages)
    edit = ("other.md", "# Other\n\nMore [text][here].\n")
    clean, first, again = clean_first_again(make_app, site, parallel, edit)
    assert "[kapdocs.link_ref]" in clean
    assert findings(first, site) == findings(clean, site)
    assert findings(again, site) == [("other.md", 3, "link_ref"), *findings(clean, site)]


@pytest.mark.parametrize(
    ("text", "breaks", "expected"),
    [
        ("A [t][x] and [y][] here.", (), [(1, "x", True), (1, "y", True)]),
        ("[ ][x] and [][x] and [t] [x] and [open", (), []),  # no link text, or not one link
        ("Text [1][2] and [3, 4][5\u20137], as papers cite.", (), []),
        ("Text\n[x]: https://e.org", (4,), [(2, "x", False)]),
        ("[x]: https://e.org\n[y]: https://e.org/y", (18,), []),  # a paragraph of two
        ("[x]: javascript:a\n[y]: https://e.org/y", (17,), []),  # the first is addresses'
        ("Text\n[ ]: https://e.org and more", (4,), []),
    ],
)
def test_unread_in_one_block(
    text: str, breaks: tuple[int, ...], expected: list[tuple[int, str, bool]]
) -> None:
    segment = Segment("page", "page.md", 1, text.replace("\n", " "), breaks)
    assert [(u.line, u.label, u.link) for u in unread([segment])] == expected
