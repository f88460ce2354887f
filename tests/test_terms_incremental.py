"""Incremental builds report exactly what a clean build of the same sources reports."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from tests.conftest import build_once, findings, touch_later

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def site(rootdir: Path, tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-terms-clean", src)
    return src


@pytest.mark.parametrize("parallel", [0, 2])
def test_removed_term_is_reported_on_unchanged_page(make_app, site: Path, parallel: int) -> None:
    first, _ = build_once(make_app, site, parallel=parallel)
    assert findings(first) == []

    glossary = site / "glossary.md"
    glossary.write_text(glossary.read_text().replace("NMDA receptor\n", "NMDA receptor complex\n"))
    touch_later(glossary)
    second, outdir = build_once(make_app, site, parallel=parallel)

    # page.md did not change, yet its link to the removed term is reported ...
    assert ("page.md", 3, "term_undefined") in findings(second, site)
    assert "did you mean 'NMDA receptor complex'?" in second
    # ... and its HTML was re-written without the stale link.
    html = (outdir / "page.html").read_text()
    assert 'href="glossary.html#term-NMDA-receptor"' not in html

    # The incremental findings equal a clean build's.
    clean, clean_outdir = build_once(make_app, site, freshenv=True, parallel=parallel)
    assert findings(second, site) == findings(clean, site)
    assert (clean_outdir / "page.html").read_text() == html


def test_findings_repeat_when_nothing_changed(make_app, site: Path) -> None:
    page = site / "page.md"
    page.write_text(page.read_text() + "\nAn unexplained XYZ abbreviation.\n")
    first, _ = build_once(make_app, site)
    assert findings(first, site) == [("page.md", 8, "abbr_undefined")]
    # Nothing is re-read, so Sphinx skips its consistency check; kapdocs still reports.
    again, _ = build_once(make_app, site)
    assert findings(again, site) == [("page.md", 8, "abbr_undefined")]


def test_renamed_term_rewrites_linking_page(make_app, site: Path) -> None:
    page = site / "page.md"
    page.write_text(
        page.read_text().replace("{term}`NMDA receptor`", "{term}`NMDA receptor complex`")
    )
    first, outdir = build_once(make_app, site)
    assert ("page.md", 3, "term_undefined") in findings(first, site)

    glossary = site / "glossary.md"
    glossary.write_text(glossary.read_text().replace("NMDA receptor\n", "NMDA receptor complex\n"))
    touch_later(glossary)
    second, outdir = build_once(make_app, site)
    # The unchanged page now links the renamed entry, in the finding list and in its HTML.
    assert findings(second, site) == []
    assert 'href="glossary.html#term-NMDA-receptor-complex"' in (outdir / "page.html").read_text()


def test_unlinked_scan_reruns_only_where_needed(make_app, site: Path, monkeypatch) -> None:
    """Pages are scanned again when read again, and all of them when the glossary changes."""
    from kapdocs import terms

    scanned: list[str] = []
    original = terms.check_unlinked

    def counting(segments, refs, names, lines, docnames=None):
        found = original(segments, refs, names, lines, docnames)
        scanned.extend(found)
        return found

    monkeypatch.setattr(terms, "check_unlinked", counting)
    other = site / "other.md"
    other.write_text("# Other\n\nThe BDNF entry is mentioned, never linked.\n")
    index = site / "index.md"
    index.write_text(index.read_text().replace("page\n```", "page\nother\n```"))
    first, _ = build_once(make_app, site)
    assert {"other", "page", "glossary"} <= set(scanned)
    assert findings(first, site) == [("other.md", 3, "term_unlinked")]

    scanned.clear()
    page = site / "page.md"
    page.write_text(page.read_text() + "\nA new sentence.\n")
    touch_later(page)
    second, _ = build_once(make_app, site)
    assert scanned == ["page"]
    assert findings(second, site) == findings(first, site)

    scanned.clear()
    glossary = site / "glossary.md"
    glossary.write_text(glossary.read_text().replace("NMDA receptor\n", "Entry\n"))
    touch_later(glossary)
    third, _ = build_once(make_app, site)
    assert {"other", "page"} <= set(scanned)
    clean, _ = build_once(make_app, site, freshenv=True)
    assert findings(third, site) == findings(clean, site)
