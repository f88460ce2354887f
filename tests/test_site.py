"""The knowledge base itself: it builds as HTML with warnings as errors and as a PDF."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kapdocs.store import TermEntry
from tests.requirements import require_tools

DOCS = Path(__file__).parent.parent / "docs"


def sphinx(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    result = sphinx("-b", "html", "-W", "--keep-going", "-n", "-q", DOCS, out)
    assert result.returncode == 0, result.stderr
    return out


def glossary_names(doctreedir: Path) -> list[str]:
    with open(doctreedir / "environment.pickle", "rb") as f:
        env = pickle.load(f)
    return [name for entry in _entries(env) for name in entry.names]


def _entries(env: Any) -> list[TermEntry]:
    """The glossary entries kapdocs recorded, from an environment loaded without Sphinx."""
    rows = env.domaindata["kapdocs"]["entries"].values()
    return [TermEntry._make(row) for records in rows for row in records]


def test_site_builds_with_warnings_as_errors_and_no_findings(html: Path) -> None:
    report = json.loads((html / "kapdocs-report.json").read_text())
    assert report["total"] == 0, report["findings"]
    assert (html / "glossary.html").exists()


def test_every_page_says_it_is_not_medical_advice(html: Path) -> None:
    pages = sorted(html.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        assert "not medical advice" in page.read_text(encoding="utf-8"), page


def test_site_glossary_has_at_least_45_entries(html: Path) -> None:
    with open(html / ".doctrees" / "environment.pickle", "rb") as f:
        env = pickle.load(f)
    assert len(_entries(env)) >= 45


@pytest.fixture(scope="session")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    require_tools("latexmk", "xelatex", "pdftotext")
    out = tmp_path_factory.mktemp("pdf")
    result = sphinx("-M", "latexpdf", DOCS, out, "-W", "--keep-going", "-q")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "latex" / "kapdocs.pdf", out / "doctrees"


def pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # Undo line-end hyphenation and fold whitespace, so that terms read as written.
    text = re.sub(r"-\n\s*", "-", text)
    # LaTeX typesets straight quotes as curly ones.
    text = text.translate(
        str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    )
    return " ".join(text.split())


def test_pdf_has_title_toc_glossary_and_every_term(pdf: tuple[Path, Path]) -> None:
    path, doctrees = pdf
    text = pdf_text(path)
    assert text.startswith("kapdocs: the neuroscience of ketamine-assisted psychotherapy")
    # The table of contents, before the first chapter, lists the glossary and the
    # bibliography as chapters of their own, with page numbers.
    contents = text[: text.index("A cited, cross-linked reference")]
    assert re.search(r"\d+ Glossary \d+", contents)
    assert re.search(r"\d+ Bibliography \d+", contents)
    missing = [name for name in glossary_names(doctrees) if " ".join(name.split()) not in text]
    assert missing == []
    # sphinx-design content is reduced to text, not dropped: cards and every quiz question
    # with the start of its answer, which the web pages hide in a dropdown.
    for card in ("Clinicians", "Trainees", "Maintainers"):
        assert card in text
    dropdowns = list(dropdown_snippets())
    assert len(dropdowns) >= 15
    for question, answer in dropdowns:
        assert question in text
        assert answer in text


_DROPDOWN = re.compile(r"^(`{3,}|:{3,})\{dropdown\} (.+)\n(.+)$", re.MULTILINE)


def dropdown_snippets() -> list[tuple[str, str]]:
    """(question, first plain words of the answer) of every dropdown in the learning path."""
    snippets = []
    for page in sorted((DOCS / "learn").glob("*.md")):
        for match in _DROPDOWN.finditer(page.read_text()):
            question = " ".join(re.split(r"[{`\[]", match[2])[0].split())
            answer = " ".join(re.split(r"[{`\[*(]", match[3])[0].split()[:6])
            snippets.append((question, answer))
    return snippets


def test_pdf_has_internal_links_and_outline(pdf: tuple[Path, Path]) -> None:
    from pypdf import PdfReader

    path, _ = pdf
    reader = PdfReader(path)
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert {"Reference", "Glossary", "Bibliography"} <= set(outline)
    internal = 0
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            obj = annotation.get_object()
            if obj.get("/Subtype") != "/Link":
                continue
            action = obj.get("/A")
            if "/Dest" in obj or (action is not None and action.get("/S") == "/GoTo"):
                internal += 1
    assert internal > 50


def test_two_clean_builds_are_byte_identical(tmp_path: Path) -> None:
    import filecmp
    import os

    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795651200"}
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sphinx",
                "-b",
                "html",
                "-q",
                "-d",
                str(tmp_path / f"{name}-doctrees"),
                str(DOCS),
                str(out),
            ],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(outs[0], outs[1], [str(f) for f in files], shallow=False)
    assert mismatch == []
    assert errors == []
    assert (outs[0] / "kapdocs-report.json").read_bytes() == (
        outs[1] / "kapdocs-report.json"
    ).read_bytes()


# What a browser would fetch from another origin.
_FETCHED = {
    ".html": re.compile(
        r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
        r"""|<link\b(?=[^>]*\brel\s*=\s*["']?(?:stylesheet|icon|preload|modulepreload|manifest|prefetch))[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
        r"""|url\(\s*["']?(?:https?:)?//""",
        re.IGNORECASE,
    ),
    ".css": re.compile(
        r"""url\(\s*["']?(?:https?:)?//|@import\s+(?:url\()?\s*["'](?:https?:)?//""", re.I
    ),
    ".js": re.compile(
        r"""(?:fetch|import|importScripts|Worker|open)\s*\(\s*(?:["'`]GET["'`]\s*,\s*)?["'`](?:https?:)?//"""
        r"""|\.src\s*=\s*["'`](?:https?:)?//""",
        re.IGNORECASE,
    ),
}


def test_site_loads_nothing_from_other_origins(html: Path) -> None:
    offending = []
    for path in sorted(html.rglob("*")):
        pattern = _FETCHED.get(path.suffix)
        if pattern is None or ".doctrees" in path.parts:
            continue
        for match in pattern.finditer(path.read_text(errors="replace")):
            offending.append(f"{path.relative_to(html)}: {match.group()}")
    assert offending == []


def test_external_links_are_safe(html: Path) -> None:
    page = (html / "reference" / "safety.html").read_text()
    external = re.findall(r"<a [^>]*href=\"https://[^\"]*\"[^>]*>", page)
    assert external
    assert all('rel="noopener noreferrer"' in tag for tag in external)
    for path in html.rglob("*.html"):
        assert not re.search(
            r"""href\s*=\s*["']\s*(?:javascript|data|vbscript):""", path.read_text(), re.I
        )
