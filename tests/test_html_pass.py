"""The written-HTML pass reads only pages that changed, and reports as a clean build does.

Pages that Sphinx did not write again keep the ids and links the last pass read from
them; a page that changed on disk for any other reason is read again.
"""

from __future__ import annotations

import shutil
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest

from kapdocs import html_pass
from kapdocs.html_scan import PageLinks
from tests.conftest import build_once, findings, touch_later, write_site

if TYPE_CHECKING:
    from pathlib import Path

PAGES = {
    "conf.py": (
        'extensions = ["myst_parser", "kapdocs"]\n'
        "kapdocs_allow_raw_html = True\n"
        'exclude_patterns = ["_build"]\n'
    ),
    "index.md": "# Home\n\n```{toctree}\nother\nraw\n```\n",
    "other.md": "# Other\n\n## Kept heading\n\nText.\n",
    # Nothing in the source links other.md: Sphinx has no reason to write this page again.
    "raw.md": '# Raw\n\n```{raw} html\n<a href="other.html#kept-heading">k</a>\n```\n',
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in PAGES.items():
        (src / name).write_text(text)
    return src


def _record_pages(monkeypatch: pytest.MonkeyPatch, function: str) -> list[str]:
    """File names of the pages that html_pass.<function> is called for (first argument)."""
    pages: list[str] = []
    original = getattr(html_pass, function)

    def recording(page: str, *args: Any) -> Any:
        pages.append(page.replace("\\", "/").rsplit("/", 1)[-1])
        return original(page, *args)

    monkeypatch.setattr(html_pass, function, recording)
    return pages


@pytest.fixture
def pages_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the pages the pass reads, build after build."""
    # The test's builds follow each other within milliseconds; the file times of this
    # machine are fine-grained, so no slack is needed to tell the builds apart.
    monkeypatch.setattr(html_pass, "_FINE_SLACK_NS", 0)
    return _record_pages(monkeypatch, "read_page")


def test_unchanged_pages_are_not_read_again(make_app: Any, site: Path, pages_read: list[str]):
    first, _ = build_once(make_app, site)
    assert {"index.html", "other.html", "raw.html"} <= set(pages_read)
    pages_read.clear()
    second, _ = build_once(make_app, site)
    assert not {"index.html", "other.html", "raw.html"} & set(pages_read)
    assert findings(second, site) == findings(first, site) == []


def test_a_link_on_an_unchanged_page_breaks_when_its_target_changes(
    make_app: Any, site: Path, pages_read: list[str]
):
    build_once(make_app, site)
    other = site / "other.md"
    other.write_text(other.read_text().replace("Kept heading", "Renamed heading"))
    pages_read.clear()
    second, _ = build_once(make_app, site)
    assert "raw.html" not in pages_read  # its links come from the last pass
    assert findings(second, site) == [("raw.md", 4, "link_html")]
    assert "has no element with id 'kept-heading'" in second
    clean, _ = build_once(make_app, site, freshenv=True)
    assert findings(second, site) == findings(clean, site)


def test_a_page_written_again_unchanged_is_not_read_again(
    make_app: Any, site: Path, pages_read: list[str]
):
    """Sphinx writes the index and search pages in every build; their bytes tell."""
    _, outdir = build_once(make_app, site)
    other = site / "other.md"
    other.write_text(other.read_text().replace("Text.", "More text."))
    before = (outdir / "genindex.html").stat().st_mtime_ns
    pages_read.clear()
    second, _ = build_once(make_app, site)
    assert (outdir / "genindex.html").stat().st_mtime_ns != before  # written again
    assert "other.html" in pages_read
    assert not {"genindex.html", "search.html"} & set(pages_read)
    assert findings(second, site) == []


@pytest.fixture
def pages_resolved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Pages whose links the pass resolves, build after build."""
    return _record_pages(monkeypatch, "broken_links")


def test_links_of_unread_pages_are_resolved_again_only_when_targets_change(
    make_app: Any, site: Path, pages_read: list[str], pages_resolved: list[str]
):
    first, _ = build_once(make_app, site)
    assert {"index.html", "other.html", "raw.html"} <= set(pages_resolved)
    other = site / "other.md"
    # New text, same ids: only the page Sphinx wrote again has its links resolved.
    other.write_text(other.read_text().replace("Text.", "More text."))
    pages_read.clear()
    pages_resolved.clear()
    second, _ = build_once(make_app, site)
    assert "other.html" in pages_read
    assert set(pages_resolved) == set(pages_read)
    assert "raw.html" not in pages_resolved
    assert findings(second, site) == findings(first, site) == []
    # A heading renamed: its id changed, so every page's links are resolved again.
    other.write_text(other.read_text().replace("Kept heading", "Renamed heading"))
    pages_resolved.clear()
    third, _ = build_once(make_app, site)
    assert "raw.html" in pages_resolved
    assert findings(third, site) == [("raw.md", 4, "link_html")]


def test_a_page_changed_outside_sphinx_is_read_again(
    make_app: Any, site: Path, pages_read: list[str]
):
    _, outdir = build_once(make_app, site)
    page = outdir / "other.html"
    page.write_text(page.read_text().replace("</body>", '<a href="gone.html">g</a></body>'))
    pages_read.clear()
    second, _ = build_once(make_app, site)
    assert "other.html" in pages_read
    assert findings(second, site) == [("other.md", 1, "link_html")]


def test_an_unreadable_record_of_the_last_pass_means_reading_every_page(
    make_app: Any, site: Path, pages_read: list[str]
):
    _, outdir = build_once(make_app, site)
    for record in (outdir.parent / "doctrees").glob("kapdocs-*-pages.pickle"):
        record.write_bytes(b"not a pickle")
    pages_read.clear()
    build_once(make_app, site)
    assert {"index.html", "other.html", "raw.html"} <= set(pages_read)


def test_another_output_directory_does_not_reuse_the_record(
    make_app: Any, site: Path, tmp_path: Path, pages_read: list[str]
):
    build_once(make_app, site)
    moved = tmp_path / "moved"
    shutil.copytree(site, moved)
    pages_read.clear()
    build_once(make_app, moved)
    assert {"index.html", "other.html", "raw.html"} <= set(pages_read)


def test_a_link_to_the_report_resolves_in_the_build_that_writes_it(make_app: Any, site: Path):
    raw = site / "raw.md"
    raw.write_text(raw.read_text().replace("k</a>", 'k</a> <a href="kapdocs-report.json">r</a>'))
    first, _ = build_once(make_app, site)
    assert findings(first, site) == []


@pytest.mark.parametrize("parallel", [0, 2])
def test_the_page_of_a_removed_document_counts_as_gone(
    make_app: Any, site: Path, parallel: int
) -> None:
    # Sphinx never deletes other.html; a clean build does not have it. The raw link to it
    # is reported, and raw.html, written before, no longer links it from its navigation.
    build_once(make_app, site, parallel=parallel)
    (site / "other.md").unlink()
    (site / "index.md").write_text("# Home\n\n```{toctree}\nraw\n```\n")
    for _ in range(2):  # the removal, then a build in which nothing changed
        warnings, outdir = build_once(make_app, site, parallel=parallel)
        assert findings(warnings, site) == [("raw.md", 4, "link_html")]
        assert (outdir / "other.html").exists()
        html = (outdir / "raw.html").read_text()
        assert html.count('href="other.html') == 1  # the raw link only
    clean, _ = build_once(make_app, site, freshenv=True, parallel=parallel)
    assert findings(clean, site) == [("raw.md", 4, "link_html")]


@pytest.mark.parametrize("parallel", [0, 2])
def test_navigation_to_a_renamed_heading_is_written_again(
    make_app: Any, site: Path, parallel: int
) -> None:
    # A second top-level heading has its own link in every page's navigation.
    # Sphinx writes again the edited page and the index whose toctree lists it, not raw.html,
    # whose sidebar would keep linking the old heading that a clean build never has.
    conf = site / "conf.py"
    conf.write_text(conf.read_text() + 'html_sidebars = {"**": ["globaltoc.html"]}\n')
    other = site / "other.md"
    other.write_text("# Other\n\nText.\n\n# Second part\n\nMore.\n")
    _, outdir = build_once(make_app, site, parallel=parallel)
    assert "other.html#second-part" in (outdir / "raw.html").read_text()
    other.write_text("# Other\n\nText.\n\n# Third part\n\nMore.\n")
    touch_later(other)
    warnings, outdir = build_once(make_app, site, parallel=parallel)
    # Only the raw link to #kept-heading, a heading this other.md never had.
    assert findings(warnings, site) == [("raw.md", 4, "link_html")]
    html = (outdir / "raw.html").read_text()
    assert "other.html#third-part" in html
    assert "other.html#second-part" not in html
    clean, _ = build_once(make_app, site, freshenv=True, parallel=parallel)
    assert findings(clean, site) == findings(warnings, site)


@pytest.mark.parametrize("parallel", [0, 2])
def test_navigation_to_a_renumbered_heading_is_written_again(
    make_app: Any, site: Path, parallel: int
) -> None:
    # The second "Other" heading has the id "id1". A markup error before it takes "id1" for
    # its system message, which Sphinx removes after reading, so the written page has no
    # "id1" at all and the heading is "id3": raw.html's navigation must be written again.
    conf = site / "conf.py"
    conf.write_text(conf.read_text() + 'html_sidebars = {"**": ["globaltoc.html"]}\n')
    (site / "other.md").unlink()
    other = site / "other.rst"
    heading = "Other\n=====\n\n"
    other.write_text(f"{heading}Text.\n\n{heading}More.\n")
    _, outdir = build_once(make_app, site, parallel=parallel)
    assert 'other.html#id1"' in (outdir / "raw.html").read_text()
    other.write_text(f"{heading}Text with `unclosed.\n\n{heading}More.\n")
    touch_later(other)
    warnings, outdir = build_once(make_app, site, parallel=parallel)
    assert 'id="id1"' not in (outdir / "other.html").read_text()
    html = (outdir / "raw.html").read_text()
    assert 'other.html#id3"' in html
    assert 'other.html#id1"' not in html
    clean, _ = build_once(make_app, site, freshenv=True, parallel=parallel)
    assert findings(warnings, site) == findings(clean, site) == [("raw.md", 4, "link_html")]


def test_dirhtml_links_to_folders_and_source_findings_are_reported_as_in_html(
    make_app: Any, tmp_path: Path
) -> None:
    # With dirhtml, "../" from a page one folder down is the site's index.html, and a link
    # already reported at its source (written "../b/#no-such") is not reported again.
    src = write_site(
        tmp_path / "src",
        {
            "a.md": "# A\n\n[b](b.md#no-such) [self](#nowhere)\n",
            "b.md": "# B\n\n## Effects\n",
        },
    )
    expected = [("a.md", 3, "link_anchor"), ("a.md", 3, "link_anchor")]
    html, _ = build_once(make_app, src, freshenv=True)
    assert findings(html, src) == expected
    warning = StringIO()
    app = make_app("dirhtml", srcdir=src, warning=warning, freshenv=True)
    app.build()
    app.cleanup()
    assert findings(warning.getvalue(), src) == expected


@pytest.mark.parametrize("link_suffix", [None, ""])
def test_pages_are_checked_whatever_their_names_and_link_suffix(
    make_app: Any, tmp_path: Path, link_suffix: str | None
) -> None:
    # Sphinx links "%C3%84rzte%20info.html" (or "Ärzte info" with html_link_suffix = "")
    # for the file "Ärzte info.html": the page is checked, and a link already reported at
    # its source is not reported again.
    conf = "kapdocs_allow_raw_html = True\n"
    if link_suffix is not None:
        conf += f"html_link_suffix = {link_suffix!r}\n"
    src = write_site(
        tmp_path / "src",
        {
            "Ärzte info.md": '# Ärzte\n\n```{raw} html\n<a href="nope.html">x</a>\n```\n',
            "a.md": "# A\n\n[x](<Ärzte info.md#nope>)\n",
        },
        conf,
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("a.md", 3, "link_anchor"),
        ("Ärzte info.md", 4, "link_html"),
    ]


def test_a_page_is_read_as_text_with_its_line_ends_and_secured(tmp_path: Path) -> None:
    """read_page gets the bytes the pass hashed; it reads them as a text file is read."""
    page = tmp_path / "extra.html"
    data = b'<p id="a">x</p>\r\n<a href="https://example.org/\r\nb">e</a>\r<a href="#a">a</a>\n'
    page.write_bytes(data)
    found, stat, digest = html_pass.read_page(str(page), data)
    assert found.ids == {"a"}
    assert found.links == ("https://example.org/\nb", "#a")
    # The external link had no rel: the page is secured, and the digest is of what it holds now.
    written = page.read_bytes()
    assert b'rel="noopener noreferrer"' in written
    assert digest == html_pass._digest(written) != html_pass._digest(data)
    assert stat.st_size == len(written)
    # A page that needs nothing is left as it is.
    kept = b'<a href="#a" id="a">a</a>\r\n'
    page.write_bytes(kept)
    assert html_pass.read_page(str(page), kept)[2] == html_pass._digest(kept)
    assert page.read_bytes() == kept


def test_a_near_miss_in_the_written_html_gets_a_suggestion() -> None:
    # The nearest file of the folder the link names, or the nearest id of the page it
    # names, written as the link would write it: from the linking page's folder.
    links = (
        "../othr.html#x",  # a file one folder up
        "../other.rst",  # a page's source file, not the page
        "../other.html#sectin-a",  # an id of another page
        "#deeep",  # an id of this page
        "deep.htm",  # a file in this folder
        "www.example.org",  # a web address without its scheme
        "../zzz.pdf",  # no file near it
    )
    pages = {
        "other.html": PageLinks(frozenset({"section-a", "top"}), ()),
        "sub/deep.html": PageLinks(frozenset({"deep"}), links),
    }
    files = frozenset({"index.html", "other.html", "sub/deep.html", "_static/basic.css"})
    problems = {
        link: problem
        for link, _, problem in html_pass.broken_links(
            "sub/deep.html", pages["sub/deep.html"], files, pages
        )
    }
    assert problems == {
        "../othr.html#x": "'othr.html' was not written (did you mean '../other.html#x'?)",
        "../other.rst": "'other.rst' was not written (did you mean '../other.html'?)",
        "../other.html#sectin-a": (
            "'other.html' has no element with id 'sectin-a' "
            "(did you mean '../other.html#section-a'?)"
        ),
        "#deeep": "'sub/deep.html' has no element with id 'deeep' (did you mean '#deep'?)",
        "deep.htm": "'sub/deep.htm' was not written (did you mean 'deep.html'?)",
        "www.example.org": (
            "'sub/www.example.org' was not written "
            "(a web address needs its scheme: 'https://www.example.org')"
        ),
        "../zzz.pdf": "'zzz.pdf' was not written",
    }
