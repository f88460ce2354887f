"""Build tests: the exact findings of the term checks, in MyST and reStructuredText."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from sphinx.errors import ExtensionError

from kapdocs import collect, locate, terms, timing
from kapdocs.config import OPTIONS, assignment_lines, check_config
from tests.conftest import build_once, findings, write_site

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.testing.util import SphinxTestApp

MYST_EXPECTED = [
    ("extra.md", 4, "term_unused"),
    ("glossary.md", 9, "term_unused"),  # BDNF: linked only from inside the glossary
    ("glossary.md", 13, "term_unused"),
    # A duplicate is not also reported unused (one defect, one line).
    ("glossary.md", 16, "term_duplicate"),  # 'glutamate' after 'Glutamate'
    ("glossary.md", 19, "term_duplicate"),  # 'Set and setting' after extra.md's
    ("glossary.md", 22, "term_empty"),
    ("glossary.md", 22, "term_unused"),
    ("page.md", 1, "term_unlinked"),  # BDNF-TrkB in the title
    ("page.md", 15, "term_undefined"),
    ("page.md", 15, "term_undefined"),
    ("page.md", 17, "abbr_undefined"),  # SSRIs
    ("page.md", 18, "abbr_undefined"),  # HAM of HAM-D
    ("page.md", 22, "term_unlinked"),  # set and setting in a table cell
]


@pytest.mark.sphinx("html", testroot="terms-myst", freshenv=True)
def test_myst_findings(app: SphinxTestApp, warning) -> None:
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == MYST_EXPECTED


@pytest.mark.sphinx("html", testroot="terms-myst", freshenv=True, parallel=2)
def test_myst_findings_parallel(app: SphinxTestApp, warning) -> None:
    # Records read in worker processes must merge into the same findings, same order.
    assert app.parallel == 2
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == MYST_EXPECTED


@pytest.mark.sphinx("html", testroot="terms-myst", freshenv=True)
def test_messages_say_how_to_fix(app: SphinxTestApp, warning) -> None:
    app.build()
    text = warning.getvalue()
    assert "term 'glutamat' is not in any glossary; did you mean 'Glutamate'?" in text
    # The target as written, not as matched (without case, spaces folded).
    assert "term 'Nothing here' is not in any glossary; add it to the glossary" in text
    assert "'BDNF' is the glossary term 'BDNF' but this page never links it" in text
    assert "write {term}`BDNF` at its first mention" in text
    assert "abbreviation 'SSRIs' is not explained on this page" in text
    assert "'Full name (SSRI)', or write {abbr}`SSRI (Full name)`, or define it" in text
    assert "term 'glutamate' is already defined at glossary.md:6" in text
    # Sphinx's own "term not in glossary" warning is replaced by term_undefined.
    assert "term not in glossary" not in text


RST_EXPECTED = [
    ("glossary.rst", 9, "term_unused"),  # NMDA receptor: mentioned, never linked
    ("glossary.rst", 13, "term_unused"),  # Set and setting
    ("glossary.rst", 16, "term_duplicate"),
    ("glossary.rst", 19, "term_empty"),
    ("glossary.rst", 19, "term_unused"),
    ("index.rst", 1, "abbr_undefined"),  # RST in the title (underline is line 2)
    ("index.rst", 9, "abbr_undefined"),  # NMDA
    ("index.rst", 9, "term_unlinked"),  # NMDA receptor on the paragraph's second line
    ("index.rst", 12, "term_undefined"),  # role on the paragraph's second line
    ("index.rst", 16, "term_unlinked"),  # set and setting in a note
]


@pytest.mark.sphinx("html", testroot="terms-rst", freshenv=True)
def test_rst_findings(app: SphinxTestApp, warning) -> None:
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == RST_EXPECTED
    # The fix is given in the page's own syntax.
    assert "write :term:`set and setting` at its first mention" in warning.getvalue()
    assert "link it with :term:`Set and setting` where a page mentions it" in warning.getvalue()
    assert "or write :abbr:`NMDA (Full name)`, or define it" in warning.getvalue()


@pytest.mark.sphinx("html", testroot="terms-clean", freshenv=True)
def test_clean_site_has_no_findings(app: SphinxTestApp, warning) -> None:
    app.build()
    assert findings(warning.getvalue()) == []
    report = json.loads((app.outdir / "kapdocs-report.json").read_text())
    assert report["total"] == 0


@pytest.mark.sphinx("html", testroot="terms-myst", freshenv=True)
def test_report_lists_every_finding(app: SphinxTestApp, warning) -> None:
    app.build()
    report = json.loads((app.outdir / "kapdocs-report.json").read_text())
    listed = [(f["file"], f["line"], f["code"]) for f in report["findings"]]
    assert listed == MYST_EXPECTED
    assert report["total"] == len(MYST_EXPECTED)
    assert report["counts"]["term_unused"] == 4
    assert all(f["message"] for f in report["findings"])


@pytest.mark.sphinx(
    "html",
    testroot="terms-myst",
    freshenv=True,
    confoverrides={"suppress_warnings": ["kapdocs.term_unused", "kapdocs.abbr_undefined"]},
)
def test_suppress_warnings_silences_one_code(app: SphinxTestApp, warning) -> None:
    app.build()
    expected = [f for f in MYST_EXPECTED if f[2] not in {"term_unused", "abbr_undefined"}]
    assert findings(warning.getvalue(), app.srcdir) == expected
    report = json.loads((app.outdir / "kapdocs-report.json").read_text())
    assert {f["code"] for f in report["findings"]} == {f[2] for f in expected}


@pytest.mark.sphinx(
    "html",
    testroot="terms-myst",
    freshenv=True,
    confoverrides={
        "kapdocs_check_unlinked": False,
        "kapdocs_check_abbreviations": False,
        "kapdocs_report": "",
    },
)
def test_options_turn_checks_off(app: SphinxTestApp, warning) -> None:
    (app.outdir / "kapdocs-report.json").unlink(missing_ok=True)
    app.build()
    codes = {code for _, _, code in findings(warning.getvalue())}
    assert "term_unlinked" not in codes
    assert "abbr_undefined" not in codes
    assert "term_unused" in codes
    assert not (app.outdir / "kapdocs-report.json").exists()


APOSTROPHES = {
    "glossary.md": "# Glossary\n\n```{glossary}\nAlzheimer's disease\n  A dementia.\n\n"
    "Cohen's d\n  An effect size.\n\nSet and \u201csetting\u201d\n  Context.\n```\n",
    "a.md": "# A\n\nLinked: {term}`Alzheimer's disease`.\n\nThe Cohen's d was large.\n\n"
    "Set and \u201csetting\u201d matter, {term}`Set and \u201csetting\u201d`.\n",
}


def test_terms_with_apostrophes_are_named_as_sphinx_registers_them(
    make_app, tmp_path: Path
) -> None:
    # Sphinx's smart quotes curl the apostrophe in the glossary's term text, not in the name
    # Sphinx registered, which roles name: kapdocs took the curled text, so the role that
    # Sphinx resolved was term_undefined and its entry term_unused.
    src = write_site(tmp_path / "src", APOSTROPHES)
    warnings, outdir = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("a.md", 5, "term_unlinked"),
        ("glossary.md", 7, "term_unused"),
    ]
    # The prose mention (curled there too) is found, and the hint is a role Sphinx resolves.
    assert "write {term}`Cohen's d` at its first mention" in warnings
    glossary = (outdir / "glossary.html").read_text()
    assert glossary.count('class="kapdocs-used-on"') == 2  # Alzheimer's disease, Set and "setting"
    (src / "a.md").write_text(APOSTROPHES["a.md"].replace("The Cohen's d", "The {term}`Cohen's d`"))
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == []
    assert "term not in glossary" not in warnings


def test_a_build_that_stops_with_an_error_leaves_no_report(make_app, tmp_path: Path) -> None:
    src = write_site(tmp_path / "src", {"a.md": "# A\n\nText.\n"})
    _, outdir = build_once(make_app, src)
    assert (outdir / "kapdocs-report.json").is_file()
    # The next build stops with an error: the report left would be the one before, with
    # none of this build's findings, and CI would read it as this build's.
    with (src / "conf.py").open("a") as conf:
        conf.write(
            "def setup(app):\n"
            "    def fail(app, env):\n"
            "        raise RuntimeError('broken extension')\n"
            "    app.connect('env-updated', fail)\n"
        )
    with pytest.raises(ExtensionError, match="broken extension"):
        build_once(make_app, src)
    assert not (outdir / "kapdocs-report.json").exists()
    assert (outdir / "a.html").is_file()  # the site itself is left as it was


@pytest.mark.parametrize(
    "ignore",
    [
        ["SSRI", "HAM"],  # as conf.py gives it
        "SSRI,HAM",  # as "-D kapdocs_abbreviations_ignore=SSRI,HAM" gives it: a string
    ],
)
def test_abbreviations_ignore(make_app, rootdir: Path, tmp_path: Path, ignore: Any) -> None:
    site = tmp_path / "site"
    shutil.copytree(rootdir / "test-terms-myst", site)
    overrides = {"kapdocs_abbreviations_ignore": ignore}
    warnings, _ = build_once(make_app, site, freshenv=True, confoverrides=overrides)
    codes = [code for _, _, code in findings(warnings)]
    assert "abbr_undefined" not in codes
    assert "unsupported type" not in warnings


_HYPHENATED_GLOSSARY = """# Glossary

```{glossary}
5-HT2A
  The serotonin 2A receptor.

IL-6
  Interleukin 6.
```
"""
_HYPHENATED_PAGE = """# A

The {term}`5-HT2A` receptor and {term}`IL-6`.

Again 5-HT2A and IL-6.

HAM-D scores.

Then HT2A alone.
"""


@pytest.mark.parametrize(
    ("ignore", "expected"),
    [
        ([], [("a.md", 7, "abbr_undefined"), ("a.md", 9, "abbr_undefined")]),
        (["HAM-D"], [("a.md", 9, "abbr_undefined")]),
    ],
)
def test_a_term_joined_by_hyphens_explains_its_abbreviations(
    make_app, tmp_path: Path, ignore: list[str], expected: list[tuple[str, int, str]]
) -> None:
    # The glossary terms 5-HT2A and IL-6 explain the "HT2A" and "IL" in them, but not a
    # bare "HT2A" later on; the first use the exemption leaves is the one reported.
    src = write_site(
        tmp_path / "src",
        {"glossary.md": _HYPHENATED_GLOSSARY, "a.md": _HYPHENATED_PAGE},
        conf=f"kapdocs_abbreviations_ignore = {ignore!r}\n",
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == expected
    assert ("'HAM' (in 'HAM-D') is not explained" in warnings) == (not ignore)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "a.md",
            "# A\n\nThe {abbr}`SSRIs (selective serotonin reuptake inhibitors)`, an SSRI.\n"
            "Then {abbr}`ECT` alone, and ECT.\n",
        ),
        (
            "a.rst",
            "A\n=\n\nThe :abbr:`SSRIs (selective serotonin reuptake inhibitors)`, an SSRI.\n"
            "Then :abbr:`ECT` alone, and ECT.\n",
        ),
    ],
)
def test_an_abbr_role_with_its_explanation_explains_it(
    make_app, tmp_path: Path, name: str, text: str
) -> None:
    # Sphinx's abbr role is the markup's own way to spell an abbreviation out; without an
    # explanation in parentheses it explains nothing.
    src = write_site(tmp_path / "src", {name: text})
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [(name, text.count("\n"), "abbr_undefined")]
    assert "abbreviation 'ECT' is not explained" in warnings


def test_a_term_joined_by_commas_explains_its_abbreviations(make_app, tmp_path: Path) -> None:
    # Chemical names join their parts with commas too: the term N,N-DMT explains the DMT
    # in "N,N-DMT", but not a bare DMT, nor one after a comma and a space.
    glossary = "# Glossary\n\n```{glossary}\nN,N-DMT\n  N,N-dimethyltryptamine.\n```\n"
    page = "# A\n\nThe {term}`N,N-DMT`.\n\nAgain N,N-DMT.\n\nThen N, DMT.\n"
    src = write_site(tmp_path / "src", {"glossary.md": glossary, "a.md": page})
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 7, "abbr_undefined")]
    assert "abbreviation 'DMT' is not explained" in warnings


def test_the_plural_of_the_longest_hyphenated_term_is_explained(make_app, tmp_path: Path) -> None:
    # "5-HT2As" is the term 5-HT2A with a plural "s": one character longer than the longest
    # name, which must not stop the search for the name that explains its "HT2As".
    src = write_site(
        tmp_path / "src",
        {
            "glossary.md": _HYPHENATED_GLOSSARY,
            "a.md": "# A\n\nThe {term}`5-HT2A` and {term}`IL-6`.\n\nBoth 5-HT2As and IL-6s.\n",
        },
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == []


@pytest.mark.sphinx(
    "html",
    testroot="terms-clean",
    freshenv=True,
    confoverrides={"kapdocs_report": 42},
)
def test_bad_option_type_warns_and_falls_back(app: SphinxTestApp, warning) -> None:
    app.build()
    assert "kapdocs_report must be of type str, not 42" in warning.getvalue()
    # Set by an override (-D), not in conf.py: located at the file's first line.
    assert findings(warning.getvalue(), app.srcdir) == [("conf.py", 1, "config")]
    assert app.config.kapdocs_report == "kapdocs-report.json"
    report = json.loads((app.outdir / "kapdocs-report.json").read_text())
    assert [(f["file"], f["line"], f["code"]) for f in report["findings"]] == [
        ("conf.py", 1, "config")
    ]


BAD_CONF = """\
extensions = ["myst_parser", "kapdocs"]
kapdocs_review_max_age_days = 30

if True:
    kapdocs_review_max_age_days = True  # bool is an int subclass, but no number of days


def unused():
    kapdocs_check_unlinked = "not run"
"""


@pytest.mark.parametrize("suppress", [False, True])
def test_bad_option_is_located_in_conf_py_and_reported(
    make_app: Any, rootdir: Path, tmp_path: Path, suppress: bool
) -> None:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-terms-clean", src)
    conf = BAD_CONF + ('suppress_warnings = ["kapdocs.config"]\n' if suppress else "")
    (src / "conf.py").write_text(conf)
    warning, outdir = build_once(make_app, src)
    expected = [] if suppress else [("conf.py", 5, "config")]
    assert findings(warning, src) == expected
    assert "has type `bool'" not in warning  # one defect, one message: not Sphinx's too
    report = json.loads((outdir / "kapdocs-report.json").read_text())
    assert [(f["file"], f["line"], f["code"]) for f in report["findings"]] == expected
    if not suppress:
        assert "kapdocs_review_max_age_days must be of type int, not True" in warning
        assert "using the default 365" in warning


@pytest.mark.parametrize(
    ("value", "valid"),
    [(10, True), (True, False), (False, False), (10.0, False), ("10", False)],
)
def test_bool_is_not_an_int_option(value: object, valid: bool) -> None:
    config = SimpleNamespace(**{option.name: option.default for option in OPTIONS}, overrides={})
    config.kapdocs_review_max_age_days = value
    found = check_config(config, "missing/conf.py", "conf.py")  # type: ignore[arg-type]
    assert [f[:3] for f in found] == ([] if valid else [("config", "conf.py", 1)])
    assert config.kapdocs_review_max_age_days == (value if valid else 365)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (["https", "ftp"], True),
        (("https",), True),
        (frozenset({"ftp"}), True),
        ([], True),
        (["https", 1], False),  # a list, but not of strings
        ([None], False),
        ([b"https"], False),
        ("https", False),  # one string is not a list of them
        ({"https": 1}, False),
    ],
)
def test_a_list_option_takes_strings_only(value: object, valid: bool) -> None:
    config = SimpleNamespace(**{option.name: option.default for option in OPTIONS}, overrides={})
    config.kapdocs_allowed_schemes = value
    found = check_config(config, "missing/conf.py", "conf.py")  # type: ignore[arg-type]
    assert [f[:3] for f in found] == ([] if valid else [("config", "conf.py", 1)])
    assert config.kapdocs_allowed_schemes == (value if valid else ["https", "mailto"])
    if not valid:
        assert found[0].message.startswith(
            f"kapdocs_allowed_schemes must be a list of strings, not {value!r};"
        )


@pytest.mark.parametrize(
    ("name", "reason"),
    [("_static", "(Is a directory)"), ("index.html/kapdocs.json", "(File exists)")],
)
def test_a_report_path_the_site_takes_is_reported_not_a_crash(
    make_app, tmp_path: Path, name: str, reason: str
) -> None:
    # Valid as a path, so only the written site shows that a folder or page stands there;
    # opening it stopped the build at its very end with a traceback.
    src = write_site(tmp_path / "src", {"a.md": "# A\n\nText.\n"}, f"kapdocs_report = {name!r}\n")
    warnings, outdir = build_once(make_app, src)
    assert findings(warnings, src) == [("conf.py", 3, "config")]
    assert f"kapdocs_report {name!r} cannot be written in the output directory" in warnings
    assert reason in warnings
    assert (outdir / "a.html").is_file()


@pytest.mark.parametrize(("value", "valid"), [(0, True), (10**30, True), (-1, False)])
def test_the_review_limit_is_no_negative_number_of_days(value: int, valid: bool) -> None:
    config = SimpleNamespace(**{option.name: option.default for option in OPTIONS}, overrides={})
    config.kapdocs_review_max_age_days = value
    found = check_config(config, "missing/conf.py", "conf.py")  # type: ignore[arg-type]
    assert [f.message for f in found] == (
        []
        if valid
        else ["kapdocs_review_max_age_days must be 0 or more days, not -1; using the default 365"]
    )
    assert config.kapdocs_review_max_age_days == (value if valid else 365)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("r.json", True),
        ("reports/ci/k.json", True),
        ("", True),  # no report
        ("reports/", False),  # a folder: opening it crashed the build at its end
        (".", False),
        ("../k.json", False),
        ("/tmp/k.json", False),
    ],
)
def test_the_report_must_be_a_file_in_the_output_directory(value: str, valid: bool) -> None:
    config = SimpleNamespace(**{option.name: option.default for option in OPTIONS}, overrides={})
    config.kapdocs_report = value
    found = check_config(config, "missing/conf.py", "conf.py")  # type: ignore[arg-type]
    assert [f[:3] for f in found] == ([] if valid else [("config", "conf.py", 1)])
    assert config.kapdocs_report == (value if valid else "kapdocs-report.json")


def test_assignment_lines(tmp_path: Path) -> None:
    conf = tmp_path / "conf.py"
    conf.write_text(BAD_CONF + "a, (b, c) = 1, (2, 3)\nkapdocs_report: str = 'r.json'\nd[0] = 1\n")
    lines = assignment_lines(str(conf))
    assert lines["kapdocs_review_max_age_days"] == 5  # the last assignment wins
    assert "kapdocs_check_unlinked" not in lines  # a function's local
    assert (lines["a"], lines["b"], lines["c"], lines["kapdocs_report"]) == (10, 10, 10, 11)
    assert "d" not in lines
    assert assignment_lines(str(tmp_path / "none.py")) == {}


@pytest.mark.sphinx(
    "html",
    testroot="terms-myst",
    freshenv=True,
    confoverrides={"kapdocs_report": "reports/ci/kapdocs.json"},
)
def test_report_path_with_folders(app: SphinxTestApp, warning) -> None:
    # The folders under the output directory do not exist yet; the report makes them.
    app.build()
    assert "Traceback" not in warning.getvalue()
    report = json.loads((app.outdir / "reports" / "ci" / "kapdocs.json").read_text())
    assert report["total"] == len(MYST_EXPECTED)


@pytest.mark.sphinx("html", testroot="terms-myst", freshenv=True)
def test_reading_does_not_open_pages_again(app: SphinxTestApp, warning, monkeypatch) -> None:
    # Lines are located in the text Sphinx just read (source-read), not in a second read
    # of the file; only the cross-document checks, after reading, open files.
    opened: list[tuple[str, str | None]] = []

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append((Path(file).name, timing.running()))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(locate, "open", counting_open, raising=False)
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == MYST_EXPECTED
    assert opened, "the checks locate their findings in the files"
    assert [name for name, phase in opened if phase == "collect"] == []


@pytest.mark.sphinx("html", testroot="terms-myst", freshenv=True)
def test_pages_are_collected_with_the_collector_paused(
    app: SphinxTestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kapdocs' temporaries must not set off collections that age the page's doctree.
    collecting: list[bool] = []
    collect_refs = terms.collect_refs

    def recording(*args: Any) -> Any:
        collecting.append(gc.isenabled())
        return collect_refs(*args)

    monkeypatch.setattr(terms, "collect_refs", recording)
    app.build()
    assert collecting
    assert not any(collecting)
    assert gc.isenabled()


@pytest.mark.sphinx("html", testroot="terms-myst", freshenv=True)
def test_lines_are_found_in_the_file_when_a_listener_changes_the_text(
    app: SphinxTestApp, warning
) -> None:
    # Another extension's source-read listener prepends lines, so the doctree's line
    # numbers run ahead of the file; findings still name the file's own lines.
    def prepend(app: Sphinx, docname: str, source: list[str]) -> None:
        source[0] = "\n\n\n" + source[0]

    app.connect("source-read", prepend)
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == MYST_EXPECTED


def test_text_read_is_taken_once_and_only_by_its_page() -> None:
    # A page whose parsing failed after source-read must not lend its text to the next.
    class Env:
        pass

    env, other = Env(), Env()
    app = SimpleNamespace(env=env)
    collect.on_source_read(app, "a", ["text of a"])  # type: ignore[arg-type]
    assert collect._text_read(env, "b") is None  # type: ignore[arg-type]
    assert collect._text_read(env, "a") is None  # dropped on the first ask
    collect.on_source_read(app, "a", ["text of a"])  # type: ignore[arg-type]
    assert collect._text_read(other, "a") is None  # type: ignore[arg-type]
    collect.on_source_read(app, "a", ["text of a"])  # type: ignore[arg-type]
    assert collect._text_read(env, "a") == "text of a"  # type: ignore[arg-type]


def test_a_definition_that_shows_nothing_is_empty(make_app, tmp_path: Path) -> None:
    # A comment or a label renders nothing, so the entry has no definition.
    glossary = (
        "# G\n\n```{glossary}\nFirst\n  % TODO write this\n\nSecond\n  (second-label)=\n\n"
        "Third\n  Real text. % not a comment here\n\nFourth\n  % a note\n\n  Real text.\n```\n\n"
        "{term}`First` {term}`Second` {term}`Third` {term}`Fourth`\n"
    )
    src = write_site(tmp_path / "src", {"g.md": glossary})
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("g.md", 4, "term_empty"), ("g.md", 7, "term_empty")]


def test_findings_in_a_pipe_table_are_at_their_row(make_app, tmp_path: Path) -> None:
    # MyST gives every cell the table's first line; "ion" in "Region" and "ECT" in
    # "Selection" on that line are parts of words, not the mentions.
    page = (
        "# A\n\n| Region | Selection |\n|---|---|\n| first | nothing |\n"
        "| second | an ion channel, for ECT |\n"
    )
    glossary = "# G\n\n```{glossary}\nIon\n  A charged particle.\n```\n\n{term}`Ion`\n"
    src = write_site(tmp_path / "src", {"a.md": page, "g.md": glossary})
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert sorted(findings(warnings, src)) == [
        ("a.md", 6, "abbr_undefined"),
        ("a.md", 6, "term_unlinked"),
    ]


def test_a_needle_is_found_as_a_word_before_as_part_of_one(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("Regional selection\nions and ECTs\nion\n")
    lines = locate.SourceLines(tmp_path)
    assert lines.find(str(page), "ion", 1) == 2  # "ions": a plural is the word
    assert lines.find(str(page), "ECT", 1) == 2
    assert lines.find(str(page), "gion", 3) == 1  # no whole word anywhere: any occurrence


def test_glossary_lines_when_every_definition_is_a_formula(make_app, tmp_path: Path) -> None:
    # No definition holds a paragraph, whose line was the only one trusted to find the
    # glossary in the source: the entries fell back to the title's underline (line 2).
    src = write_site(
        tmp_path / "src",
        {
            "pk.rst": "Pharmacokinetics\n================\n\nIntro.\n\n.. glossary::\n\n"
            "   Clearance\n      .. math:: CL = Dose / AUC\n\n"
            "   Half-life\n      .. math:: t_{1/2} = 0.693 V / CL\n",
        },
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("pk.rst", 8, "term_unused"), ("pk.rst", 11, "term_unused")]


def test_a_glossary_from_an_included_file_is_reported_in_that_file(
    make_app, tmp_path: Path
) -> None:
    # MyST gives a glossary from an {include} the including page as its source; only its
    # terms name the included file.
    src = write_site(
        tmp_path / "src",
        {
            "glossary.md": "# Glossary\n\nIntro.\n\n```{include} _terms.md\n```\n",
            "_terms.md": "Terms.\n\n```{glossary}\nPsilocybin\n  A tryptamine.\n```\n",
        },
        conf="exclude_patterns = ['_terms.md']\n",
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("_terms.md", 4, "term_unused")]


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_finding_in_an_included_file_names_the_page_it_is_about(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # A file two pages include is checked as part of each: "this page" would not say which.
    include = "```{include} _part.md\n```\n"
    glossary = "```{glossary}\nGlutamate\n  An amino acid.\n```\n"
    src = write_site(
        tmp_path / "src",
        {
            "a.md": f"# A\n\nSee {{term}}`Glutamate`.\n\n{include}",
            "b.md": f"# B\n\n{include}",
            "glossary.md": f"# Glossary\n\n{glossary}",
        },
        conf="exclude_patterns = ['_part.md']\n",
    )
    (src / "_part.md").write_text("Shared text.\n\nGlutamate and TRD.\n\n[x](#nope)\n")
    warnings, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert findings(warnings, src) == [
        ("_part.md", 3, "abbr_undefined"),
        ("_part.md", 3, "abbr_undefined"),
        ("_part.md", 3, "term_unlinked"),
        ("_part.md", 5, "link_anchor"),
        ("_part.md", 5, "link_anchor"),
    ]
    assert "'#nope' does not exist on the page 'a' (which includes this file)" in warnings
    assert "'TRD' is not explained on the page 'a' (which includes this file)" in warnings
    assert "'TRD' is not explained on the page 'b' (which includes this file)" in warnings
    assert (
        "'Glutamate' is the glossary term 'Glutamate' but the page 'b' (which includes this "
        "file) never links it"
    ) in warnings


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_duplicate_term_has_one_message(make_app, tmp_path: Path, parallel: int) -> None:
    # Sphinx warns of a term defined again in the same case, without a type to silence it
    # by and with a line that is off or missing; term_duplicate says it, on every build.
    glossary = "```{glossary}\nBDNF\n  One.\n\nBDNF\n  Two.\n```\n"
    pages = {"a.md": f"# A\n\n{glossary}\nSee {{term}}`BDNF`.\n", "b.md": f"# B\n\n{glossary}"}
    src = write_site(tmp_path / "src", pages)
    warnings, _ = build_once(make_app, src, parallel=parallel)
    assert findings(warnings, src) == [
        ("a.md", 7, "term_duplicate"),
        ("b.md", 4, "term_duplicate"),
        ("b.md", 7, "term_duplicate"),
    ]
    assert "duplicate term description" not in warnings
    assert warnings.count("WARNING") == 3


def test_sphinx_s_duplicate_message_stays_in_builds_without_kapdocs(
    make_app, tmp_path: Path
) -> None:
    # The filter is on the process's logger only while a kapdocs build runs.
    glossary = "# A\n\n```{glossary}\nBDNF\n  One.\n\nBDNF\n  Two.\n```\n"
    build_once(make_app, write_site(tmp_path / "with", {"a.md": glossary}))
    plain = write_site(tmp_path / "plain", {"a.md": glossary})
    (plain / "conf.py").write_text('extensions = ["myst_parser"]\n')
    warnings, _ = build_once(make_app, plain)
    assert "duplicate term description of BDNF" in warnings


@pytest.mark.parametrize(
    ("name", "glossary", "lines"),
    [
        (
            "g.md",
            "# G\n\n```{glossary}\nEmpty\n\nAlso empty\n\nFull\n  Defined.\n\n"
            "One\nTwo\n  Both.\n```\n",
            (4, 6),
        ),
        (
            "g.rst",
            "G\n=\n\n.. glossary::\n\n   Empty\n\n   Also empty\n\n   Full\n      Defined.\n\n"
            "   One\n   Two\n      Both.\n",
            (6, 8),
        ),
    ],
)
@pytest.mark.parametrize("parallel", [0, 2])
def test_a_term_line_parted_by_a_blank_line_is_an_empty_entry(
    make_app, tmp_path: Path, name: str, glossary: str, lines: tuple[int, int], parallel: int
) -> None:
    # Sphinx joins a term line that follows a blank line to the entry above, with only
    # "glossary terms must not be separated by empty lines" at a line that may be off
    # (MyST's) and only on builds that read the page; term_empty names each such term.
    page = "# A\n\n{term}`Empty`, {term}`Also empty`, {term}`Full` and {term}`One`.\n"
    src = write_site(tmp_path / "src", {"a.md": page, name: glossary})
    first, _ = build_once(make_app, src, parallel=parallel)
    again, _ = build_once(make_app, src, parallel=parallel)  # nothing read again
    expected = [(name, lines[0], "term_empty"), (name, lines[1], "term_empty")]
    assert findings(first, src) == findings(again, src) == expected
    assert (
        "glossary entry 'Empty' has no definition: a blank line parts it from 'Also empty'" in first
    )
    assert "'Also empty' has no definition: a blank line parts it from 'Full'" in first
    assert "must not be separated by empty lines" not in first
    assert first.count("WARNING") == 2


def test_parted_term_lines_without_any_definition_are_each_named(make_app, tmp_path: Path) -> None:
    # Neither has a definition: each is named once, at its own line, and Sphinx's joined
    # entry is not said to carry a definition it lacks.
    glossary = "# G\n\n```{glossary}\nLone\n\nAlso\n```\n"
    page = "# A\n\n{term}`Lone` and {term}`Also`.\n"
    src = write_site(tmp_path / "src", {"a.md": page, "g.md": glossary})
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("g.md", 4, "term_empty"), ("g.md", 6, "term_empty")]
    assert "a blank line parts it from 'Also', so Sphinx made them one entry;" in warnings
    assert "glossary entry 'Also' has no definition; add an indented definition" in warnings
    assert "'Also''s definition" not in warnings
