"""Bad input never crashes the build or loses a finding."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from kapdocs import terms
from kapdocs.encoding import decode_problem
from kapdocs.locate import SourceLines, split_lines
from tests.conftest import build_once, findings, write_site

if TYPE_CHECKING:
    from pathlib import Path

    from sphinx.testing.util import SphinxTestApp

HARDENING_EXPECTED = [
    ("_partial.md", 1, "abbr_undefined"),  # found through {include}, located in the included file
    ("nested.md", 3, "term_unlinked"),  # first mention in a 40-level list
    ("two-glossaries.md", 12, "term_unused"),  # the glossary inside a dropdown
    ("uses.md", 7, "term_unlinked"),
]


@pytest.mark.sphinx("html", testroot="hardening", freshenv=True)
def test_awkward_pages_build_with_exact_findings(app: SphinxTestApp, warning) -> None:
    # Empty page, glossary-only page, terms with pattern characters and Unicode, two
    # glossaries (in an admonition and a dropdown), an include, a duplicate label, a page
    # linking itself, deeply nested lists.
    app.build()
    text = warning.getvalue()
    assert "Traceback" not in text
    assert findings(text, app.srcdir) == HARDENING_EXPECTED


@pytest.mark.sphinx("html", testroot="hardening", freshenv=True, parallel=2)
def test_awkward_pages_parallel(app: SphinxTestApp, warning) -> None:
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == HARDENING_EXPECTED


def _site(tmp_path: Path, pages: dict[str, bytes]) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["myst_parser", "kapdocs"]\n')
    toctree = "\n".join(name.removesuffix(".md") for name in pages if name != "index.md")
    (src / "index.md").write_text(f"# Site\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, data in pages.items():
        (src / name).write_bytes(data)
    return src


@pytest.mark.parametrize("parallel", [0, 2])
def test_non_utf8_page_is_reported_and_left_out(make_app, tmp_path: Path, parallel: int) -> None:
    src = _site(
        tmp_path,
        {
            "good.md": b"# Good\n\nAn unexplained ABC here.\n",
            "latin1.md": "# Bad\n\nFine line.\nCaf\u00e9 in Latin-1.\n".encode("latin-1"),
        },
    )
    first, outdir = build_once(make_app, src, parallel=parallel)
    assert "Traceback" not in first
    assert "UnicodeDecodeError" not in first
    assert findings(first, src) == [
        ("good.md", 3, "abbr_undefined"),  # the rest of the site is still checked
        ("latin1.md", 4, "source_encoding"),
    ]
    assert "byte e9 at offset 21 (line 4, column 4) is not valid utf-8-sig" in first
    assert "Save the file as UTF-8" in first  # utf-8-sig reads UTF-8 with or without a BOM
    assert (outdir / "good.html").exists()
    assert not (outdir / "latin1.html").exists()
    # Reported again on an incremental build, until the file is fixed.
    again, _ = build_once(make_app, src, parallel=parallel)
    assert ("latin1.md", 4, "source_encoding") in findings(again, src)


def test_page_that_turns_non_utf8_is_dropped_not_kept_stale(make_app, tmp_path: Path) -> None:
    src = _site(tmp_path, {"page.md": b"# Page\n\nText.\n"})
    build_once(make_app, src)
    (src / "page.md").write_bytes(b"# Page\n\n\xff\n")
    second, _ = build_once(make_app, src)
    assert findings(second, src) == [("page.md", 3, "source_encoding")]


# Characters str.splitlines() ends a line at besides \n and \r.
SEPARATORS = ["\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85"]


def test_lines_are_counted_as_the_parser_counts_them(make_app, tmp_path: Path) -> None:
    # MyST breaks lines at \n only; docutils turns \v and \f into spaces and splits the
    # rest as str.splitlines() does. The abbreviation is located while reading (in the
    # text Sphinx read), the unlinked term after reading (in the file).
    body = "".join(f"Line {i} with a{sep}separator.\n\n" for i, sep in enumerate(SEPARATORS))
    later = "Later the ECT is used on an ion.\n"
    src = _site(
        tmp_path,
        {
            "glossary.md": b"# Glossary\n\n```{glossary}\nIon\n  A charged particle.\n```\n",
            "seps.md": f"# Seps\n\n{body}{later}".encode(),
            "rst.rst": f"Seps\n====\n\n{body}{later}".encode(),
        },
    )
    (src / "index.md").write_text("# Site\n\n```{toctree}\nglossary\nseps\nrst\n```\n")
    warning, _ = build_once(make_app, src)
    assert findings(warning, src) == [
        ("glossary.md", 4, "term_unused"),
        ("rst.rst", 26, "abbr_undefined"),  # 6 separators that docutils breaks lines at
        ("rst.rst", 26, "term_unlinked"),
        ("seps.md", 19, "abbr_undefined"),  # 1 + 2 lines for the title, 2 per paragraph
        ("seps.md", 19, "term_unlinked"),
    ]


@pytest.mark.parametrize(
    ("text", "rst", "lines"),
    [
        ("a\nb\n", False, ["a", "b"]),
        ("a\r\nb\rc", False, ["a", "b", "c"]),
        ("a\u2028b\x0cc\x85d\n\ne", False, ["a\u2028b\x0cc\x85d", "", "e"]),
        ("a\u2028b\x0cc\x0bd\x85e\n", True, ["a", "b c d", "e"]),
        ("", False, []),
        ("\n", False, [""]),
    ],
)
def test_split_lines(text: str, rst: bool, lines: list[str]) -> None:
    assert split_lines(text, rst) == lines


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plain", None),
        (b"a\nb\xffc", (2, 3)),
        (b"\xc3", (1, 0)),  # truncated sequence
        (b"a\r\nb\rc\n\xff", (4, 7)),  # \r\n, a lone \r and \n each end a line
        ("Ca\u00b2\u207a".encode(), None),
    ],
)
def test_decode_problem(data: bytes, expected: tuple[int, int] | None) -> None:
    problem = decode_problem(data, "utf-8")
    assert (problem[:2] if problem else None) == expected


def test_decode_problem_gives_the_column_after_a_lone_carriage_return() -> None:
    problem = decode_problem(b"ab\rcd\xff", "utf-8")
    assert problem is not None
    assert problem[2] == "byte ff at offset 5 (line 2, column 3)"


def test_megabyte_line_and_ten_thousand_terms(make_app, tmp_path: Path) -> None:
    names = [f"Term number {i}" for i in range(10_000)]
    glossary = "# Glossary\n\n```{glossary}\n" + "".join(f"{n}\n  Defined.\n\n" for n in names)
    glossary += "```\n"
    words = " ".join(f"word{i}" for i in range(120_000))  # about 1 MB on one line
    page = f"# Long\n\n{{term}}`Term number 1`\n\n{words} term number 2 and then term number 3.\n"
    src = _site(tmp_path, {"glossary.md": glossary.encode(), "long.md": page.encode()})
    assert len(page) > 1_000_000
    warning, _ = build_once(make_app, src)
    found = findings(warning, src)
    assert ("long.md", 5, "term_unlinked") in found
    assert len([f for f in found if f[0] == "long.md"]) == 2  # term 2 and term 3
    unused = [f for f in found if f[2] == "term_unused"]
    assert len(unused) == 9_999  # all but Term number 1
    # Term number 0 is on line 4, 1 (linked) on line 7, 2 on line 10.
    assert ("glossary.md", 4, "term_unused") in unused
    assert ("glossary.md", 7, "term_unused") not in unused
    assert ("glossary.md", 10, "term_unused") in unused


@pytest.mark.sphinx("html", testroot="hardening", freshenv=True)
def test_internal_error_on_one_page_is_a_finding(app: SphinxTestApp, warning, monkeypatch) -> None:
    original = terms.collect_refs

    def broken(doctree, docname, *args):
        if docname == "uses":
            raise RuntimeError("simulated bug")
        return original(doctree, docname, *args)

    monkeypatch.setattr(terms, "collect_refs", broken)
    app.build()
    text = warning.getvalue()
    assert "kapdocs could not run its terms check on uses (RuntimeError: simulated bug)" in text
    found = findings(text, app.srcdir)
    assert ("uses.md", 1, "internal") in found
    # The other pages are still checked.
    assert ("nested.md", 3, "term_unlinked") in found


def test_hardening_root_is_left_as_is(rootdir: Path, tmp_path: Path) -> None:
    # The empty page really is empty (a guard against an editor "fixing" the input).
    assert (rootdir / "test-hardening" / "empty.md").read_bytes() == b""
    shutil.copytree(rootdir / "test-hardening", tmp_path / "copy")


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_bracketed_host_python_cannot_parse_is_reported_not_fatal(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # urllib raises ValueError ("Invalid IPv6 URL") for these hosts; one such link used to
    # stop the build in doctree-resolved and the links check of its page.
    src = write_site(
        tmp_path / "site",
        {
            "page.rst": (
                "Page\n====\n\nA `site <https://[example>`_ and `code <javascript://[x>`_.\n"
            ),
            "raw.md": (
                "# Raw\n\n"
                '<a href="https://[example">a</a> <a href="//[x">b</a> '
                '<a href="nowhere.html">c</a>\n'
            ),
        },
        conf="kapdocs_allow_raw_html = True\n",
    )
    for _ in range(2):  # a clean build, then an incremental one that reads nothing
        text, outdir = build_once(make_app, src, parallel=parallel)
        assert "Traceback" not in text
        assert "kapdocs.internal" not in text
        assert findings(text, src) == [
            ("page.rst", 4, "link_scheme"),
            ("raw.md", 3, "link_html"),
        ]
        assert "javascript:" not in (outdir / "page.html").read_text()


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_node_placed_after_the_last_line_is_located_on_it(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # After an unknown role, MyST places the empty link on line 5 of this 4-line file;
    # looking that line up stopped the links check (kapdocs.internal) on the page.
    src = write_site(tmp_path / "src", {"a.md": "# A\n\n{x}`y`(z\n[x](<>)a"})
    warnings, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert findings(warnings, src) == [("a.md", 4, "link_doc")]


def test_a_line_is_never_past_the_end_of_its_file(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("one\ntwo\nthree")
    lines = SourceLines(str(tmp_path), {".md": "markdown"})
    assert lines.find(str(page), "absent", 9) == 3
    assert lines.find(str(page), "two", 9) == 2
    assert lines.find(str(tmp_path / "missing.md"), "absent", 9) == 9  # nothing to bound it
