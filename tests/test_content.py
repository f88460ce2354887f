"""The knowledge base holds the counts and structure its readers rely on (issue: content)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
REFERENCE = sorted(p for p in (DOCS / "reference").glob("*.md") if p.name != "index.md")
LEARN = sorted(p for p in (DOCS / "learn").glob("*.md") if p.name != "index.md")
CITE = re.compile(r"\{footcite\}`([^`]+)`")
LINK = re.compile(r"\{doc\}`(?:[^`<]*<)?(/?[\w/.-]+)>?`|\{ref\}`(?:[^`<]*<)?([\w-]+)>?`")


def front_matter(text: str) -> dict[str, str]:
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "no front matter"
    return dict(line.split(": ", 1) for line in match[1].splitlines())


def test_bibliography_has_25_entries_each_with_an_identifier() -> None:
    bib = (DOCS / "references.bib").read_text()
    entries = re.findall(r"^@\w+\{.*?^\}", bib, re.S | re.M)
    assert len(entries) >= 25
    for entry in entries:
        assert re.search(r"\b(doi|pubmed|pmid)\s*=", entry), entry.splitlines()[0]


@pytest.mark.parametrize("page", REFERENCE, ids=lambda p: p.stem)
def test_reference_page_structure(page: Path) -> None:
    text = page.read_text()
    meta = front_matter(text)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["reviewed"])
    assert meta["audience"]
    # Key points first: the box comes before the first section heading, with 3-5 bullets.
    box = re.search(r"```\{admonition\} Key points\n(.*?)\n```", text, re.S)
    assert box
    assert box.start() < text.index("\n## ")
    bullets = [line for line in box[1].splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5
    # Ends with its references, cites at least three sources, links two other pages.
    assert re.search(r"## References\n+```\{footbibliography\}\n```\s*$", text)
    keys = {key.strip() for group in CITE.findall(text) for key in group.split(",")}
    assert len(keys) >= 3
    targets = {doc or ref for doc, ref in LINK.findall(text)}
    assert len(targets - {f"/reference/{page.stem}"}) >= 2


def test_learning_path_has_four_to_six_steps() -> None:
    assert 4 <= len(LEARN) <= 6


@pytest.mark.parametrize("page", LEARN, ids=lambda p: p.stem)
def test_learning_step_structure(page: Path) -> None:
    text = page.read_text()
    assert "Learning objectives" in text
    assert "Check your understanding" in text
    assert len(re.findall(r"\{dropdown\}", text)) >= 3
    assert "{doc}`/reference/" in text
    assert "{term}`" in text
    assert re.search(r"Previous: .*Next: ", text)


def test_landing_page_notice_and_audience_cards() -> None:
    text = (DOCS / "index.md").read_text()
    assert "not medical advice" in text
    assert len(re.findall(r"grid-item-card", text)) == 3
