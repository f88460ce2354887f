"""The reader features in Sphinx builds: "Used on" lists, link titles, search objects.

The incremental tests change one page and rebuild without a fresh environment; the glossary
page, whose source did not change, must still show the new state.
"""

from __future__ import annotations

import json
import re
import shutil
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest

from kapdocs.definitions import summarise
from kapdocs.usedon import letter
from tests.conftest import build_once, touch_later

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        ("One. Two.", "One. Two."),
        ("A receptor. See also {term}`B`.", "A receptor."),
        ("A receptor. Compare B.", "A receptor."),
        ("word " * 100, ("word " * 59).strip() + "…"),
    ],
)
def test_summarise_keeps_leading_sentences_within_the_limit(text: str, summary: str) -> None:
    assert summarise(text) == summary


@pytest.mark.parametrize(
    ("name", "expected"), [("BDNF", "B"), ("mGluR", "M"), ("Åsberg", "A"), ("\u03b1-wave", "#")]
)
def test_letter_of_a_term(name: str, expected: str) -> None:
    assert letter(name) == expected


@pytest.fixture
def site(rootdir: Path, tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-terms-clean", src)
    return src


def _used_on(outdir: Path) -> dict[str, list[str]]:
    """Entry anchor -> the pages its "Used on" line links."""
    html = (outdir / "glossary.html").read_text()
    result = {}
    for names, body in re.findall(r"((?:<dt id=.*?</dt>\s*)+)<dd>(.*?)</dd>", html, re.DOTALL):
        anchor = re.search(r'id="(term-[^"]+)"', names)
        assert anchor is not None
        line = re.search(r'class="kapdocs-used-on">(.*?)</p>', body, re.DOTALL)
        result[anchor[1]] = re.findall(r'href="([^"]+)"', line[1]) if line else []
    return result


@pytest.mark.parametrize("parallel", [0, 2])
def test_used_on_follows_links_added_and_removed_elsewhere(
    make_app: Callable[..., object], site: Path, parallel: int
) -> None:
    _, outdir = build_once(make_app, site, parallel=parallel)
    # The glossary's own cross-link (NMDA receptor -> BDNF) does not count.
    assert _used_on(outdir) == {"term-BDNF": ["page.html"], "term-NMDA-receptor": ["page.html"]}

    # Only page.md changes: it drops its link to NMDA receptor.
    page = site / "page.md"
    page.write_text(page.read_text().replace("{term}`NMDA receptor`", "NMDA receptor (NMDAR)"))
    touch_later(page)
    _, outdir = build_once(make_app, site, parallel=parallel)
    assert _used_on(outdir) == {"term-BDNF": ["page.html"], "term-NMDA-receptor": []}

    # A new page links BDNF.
    (site / "other.md").write_text("# Other\n\nThe {term}`BDNF` entry, linked again.\n")
    index = site / "index.md"
    index.write_text(index.read_text().replace("page\n```", "page\nother\n```"))
    touch_later(index)
    _, outdir = build_once(make_app, site, parallel=parallel)
    assert _used_on(outdir) == {
        "term-BDNF": ["other.html", "page.html"],
        "term-NMDA-receptor": [],
    }


def test_used_on_link_text_is_the_escaped_page_title(
    make_app: Callable[..., object], site: Path
) -> None:
    (site / "other.md").write_text('# Fear & "loathing" < 5\n\nThe {term}`BDNF` entry.\n')
    index = site / "index.md"
    index.write_text(index.read_text().replace("page\n```", "page\nother\n```"))
    _, outdir = build_once(make_app, site)
    html = (outdir / "glossary.html").read_text()
    links = re.findall(r'<a class="reference internal" href="other.html">(.*?)</a>', html)
    assert links == ["Fear &amp; “loathing” &lt; 5"]  # smart quotes are Sphinx's


def test_changed_definition_retitles_unchanged_linking_page(
    make_app: Callable[..., object], site: Path
) -> None:
    _, outdir = build_once(make_app, site)
    assert 'title="A growth factor of the brain."' in (outdir / "page.html").read_text()

    glossary = site / "glossary.md"
    glossary.write_text(glossary.read_text().replace("A growth factor", "A neurotrophin"))
    touch_later(glossary)
    _, outdir = build_once(make_app, site)
    assert 'title="A neurotrophin of the brain."' in (outdir / "page.html").read_text()


def test_changed_definition_retitles_in_a_second_build_of_the_same_application(
    make_app: Callable[..., object], site: Path
) -> None:
    # One process, one environment, two builds: what the first build looked up must
    # not outlive it.
    app: Any = make_app("html", srcdir=site, warning=StringIO())
    app.build()
    assert 'title="A growth factor of the brain."' in (app.outdir / "page.html").read_text()
    glossary = site / "glossary.md"
    glossary.write_text(glossary.read_text().replace("A growth factor", "A neurotrophin"))
    touch_later(glossary)
    app.build()
    assert 'title="A neurotrophin of the brain."' in (app.outdir / "page.html").read_text()
    app.cleanup()


def test_terms_are_search_objects_and_glossary_data_is_written(
    make_app: Callable[..., object], site: Path
) -> None:
    _, outdir = build_once(make_app, site)
    index = (outdir / "searchindex.js").read_text()
    objects = json.loads(index[index.index("(") + 1 : index.rindex(")")])["objects"]
    names = {entry[4] for entries in objects.values() for entry in entries}
    assert {"BDNF", "Brain-derived neurotrophic factor", "NMDA receptor"} <= names

    data = (outdir / "_static" / "kapdocs-glossary.js").read_text()
    entries = json.loads(data.removeprefix("window.kapdocsGlossary = ").rstrip(";\n"))
    assert entries[0] == {
        "names": ["BDNF", "Brain-derived neurotrophic factor"],
        "href": "glossary.html#term-BDNF",
        "text": "A growth factor of the brain.",
    }
    # Only the search page loads the glossary data.
    assert "kapdocs-glossary.js" in (outdir / "search.html").read_text()
    assert "kapdocs-glossary.js" not in (outdir / "page.html").read_text()


def test_pdf_lists_used_on_pages_with_links(make_app: Callable[..., object], site: Path) -> None:
    (site / "conf.py").write_text(
        (site / "conf.py").read_text()
        + '\nlatex_documents = [("index", "t.tex", "T", "A", "manual")]\n'
    )
    app = make_app("latex", srcdir=site, warning=StringIO())
    app.build()  # type: ignore[attr-defined]
    tex = (app.outdir / "t.tex").read_text()  # type: ignore[attr-defined]
    used_on = re.findall(r"Used on:\}(.*?)\n", tex)
    assert len(used_on) == 2
    assert all(r"\hyperref[\detokenize{page::doc}]" in line for line in used_on)
