"""Content governance: reference page metadata, review age, structure and evidence markers."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from docutils import nodes
from docutils.core import publish_doctree

from kapdocs.diagnostics import Code, Finding
from kapdocs.evidence import LEVELS, _statement, check_evidence, evidence_marker
from kapdocs.governance import (
    _references_section,
    build_date,
    check_options,
    check_pages,
    count_sentences,
    field_line,
    front_matter_problem,
    is_reference_page,
    parse_date,
    sort_for_review,
)
from kapdocs.store import EvidenceMark, PageInfo
from tests.conftest import build_once, findings, touch_later, write_site

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from sphinx.testing.util import SphinxTestApp

# 2026-11-26 00:00 UTC
EPOCH = "1795651200"

EXPECTED = [
    ("reference/bad.md", 1, "page_meta"),  # no reviewer
    ("reference/bad.md", 2, "page_meta"),  # reviewed is not an ISO date
    ("reference/bad.md", 4, "page_meta"),  # next-review is not a date
    ("reference/bad.md", 7, "page_structure"),  # no References section at the end
    ("reference/bad.md", 7, "page_structure"),  # no Key points box
    ("reference/bad.md", 9, "page_structure"),  # two sentences, no citation
    ("reference/bad.md", 13, "evidence_level"),
    ("reference/empty.md", 3, "page_meta"),  # 'reviewer:' without a value
    ("reference/empty.md", 4, "page_meta"),  # 'audience: ~'
    ("reference/fields.md", 3, "page_stale"),  # not at 'not-reviewed:' on line 2
    ("reference/stale.md", 2, "page_stale"),
    # reference/subsections.md: none, its References section has subsections
]


@pytest.mark.sphinx("html", testroot="governance", freshenv=True)
def test_governance_findings(app: SphinxTestApp, warning, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == EXPECTED
    assert "2507 days before this build (limit 365)" in warning.getvalue()


@pytest.mark.sphinx("html", testroot="governance", freshenv=True, parallel=2)
def test_governance_findings_parallel(app: SphinxTestApp, warning, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    app.build()
    assert findings(warning.getvalue(), app.srcdir) == EXPECTED


@pytest.mark.sphinx("html", testroot="governance", freshenv=True)
def test_stale_depends_on_the_pinned_build_date(app: SphinxTestApp, warning, monkeypatch) -> None:
    # 2020-06-01: the page reviewed on 2020-01-15 is 138 days old, within the limit.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590969600")
    app.build()
    assert "page_stale" not in {code for _, _, code in findings(warning.getvalue())}


@pytest.mark.sphinx(
    "html",
    testroot="governance",
    freshenv=True,
    confoverrides={"kapdocs_review_max_age_days": 10000, "kapdocs_reference_paths": ["other/"]},
)
def test_options_choose_pages_and_age(app: SphinxTestApp, warning, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    app.build()
    found = findings(warning.getvalue(), app.srcdir)
    assert not [f for f in found if f[0].startswith("reference/") and f[2].startswith("page_")]
    # other/notref.md is now a reference page: no metadata, no structure.
    assert ("other/notref.md", 1, "page_meta") in found
    assert ("other/notref.md", 3, "page_structure") in found


def test_changing_reference_paths_reports_as_a_clean_build(
    make_app: Any, rootdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading records the structure of reference pages only, so which pages those are
    # must re-read the pages when it changes between two builds.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = tmp_path / "site"
    shutil.copytree(rootdir / "test-governance", site)
    first, _ = build_once(make_app, site, confoverrides={"kapdocs_reference_paths": ["other/"]})
    assert ("other/notref.md", 3, "page_structure") in findings(first, site)
    second, _ = build_once(make_app, site)
    assert findings(second, site) == EXPECTED


@pytest.mark.sphinx("html", testroot="governance", freshenv=True)
def test_dashboard_and_evidence_list(app: SphinxTestApp, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    app.build()
    html = (app.outdir / "dashboard.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # Most urgent first: no valid date, then overdue, then the next-review date.
    assert text.index("Bad page") < text.index("Stale page") < text.index("Good page")
    assert "2021-01-14" in text  # stale: reviewed 2020-01-15 + 365 days
    assert "2027-01-01" in text  # good: its next-review date
    assert "Randomised trial" in text
    assert "Preclinical" in text
    assert "A factual paragraph. It has two sentences and a citation." in text
    good = (app.outdir / "reference" / "good.html").read_text()
    assert 'class="kapdocs-evidence kapdocs-evidence-rct"' in good
    assert 'class="kapdocs-evidence kapdocs-evidence-systematic-review"' in good
    assert "Systematic review" in text  # a level of its own, not an unknown one


@pytest.mark.sphinx(
    "html",
    testroot="governance",
    freshenv=True,
    confoverrides={"kapdocs_review_max_age_days": 10**12},
)
def test_a_review_limit_past_the_calendar_never_falls_due(
    app: SphinxTestApp, warning, monkeypatch
) -> None:
    # reviewed + 10**12 days is past 9999-12-31: the build stopped with an OverflowError.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    app.build()
    expected = [finding for finding in EXPECTED if finding[2] != "page_stale"]
    assert findings(warning.getvalue(), app.srcdir) == expected
    html = (app.outdir / "dashboard.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "9999-12-31" in text  # due after every dated page: the stale one is no longer first
    assert text.index("Bad page") < text.index("Good page") < text.index("Stale page")


def test_generated_tables_are_written_again_only_when_their_records_change(
    make_app, rootdir: Path, tmp_path: Path, monkeypatch
) -> None:
    # The dashboard's tables come from every page's records; an edit that changes none of
    # them must not write the dashboard again, and one that changes an evidence level must.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = tmp_path / "site"
    shutil.copytree(rootdir / "test-governance", site)
    _, outdir = build_once(make_app, site)
    dashboard = outdir / "dashboard.html"
    written = dashboard.stat().st_mtime_ns
    notref = site / "other" / "notref.md"
    notref.write_text(notref.read_text() + "\nOne more sentence.\n")
    touch_later(notref)
    build_once(make_app, site)
    assert dashboard.stat().st_mtime_ns == written
    good = site / "reference" / "good.md"
    good.write_text(good.read_text().replace("{evidence}`rct`", "{evidence}`observational`"))
    touch_later(good)
    build_once(make_app, site)
    assert "Randomised trial" not in dashboard.read_text()


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("One sentence.", 1),
        ("One sentence. Two sentences.", 2),
        ("Ketamine (e.g. racemic) acts fast. It fades.", 2),
        ("Shown by Zanos et al. in 2016 in mice.", 1),
        ("The dose was 0.5 mg/kg in 7 patients.", 1),
        ("Is it? Yes! Really.", 3),
        ("A claim (see below). Another.", 2),
        # Abbreviations and initials inside a sentence, common in clinical prose.
        ("The U.S. Food and Drug Administration approved it in 2019.", 1),
        ("Dr. Smith gave 0.5 mg/kg as in Fig. 2 of the St. Louis trial.", 1),
        ("Rates were similar (cf. Table 1). They fell.", 2),
        ("It rose (p < 0.05). It fell.", 2),
        ("Given to J. Smith. Then to others.", 2),
        # A full stop inside closing quotes, as smart quotes leave them, or an ellipsis.
        ("Patients call it \u201cdissociation.\u201d It passes within hours.", 2),
        ('It is "fast." It is safe.', 2),
        ("Most improved\u2026 Some relapsed.", 2),
        ("It was called \u201cfast\u201d by everyone.", 1),
    ],
)
def test_count_sentences(text: str, count: int) -> None:
    assert count_sentences(text) == count


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2026-11-26", dt.date(2026, 11, 26)),
        ("2026-02-30", None),
        ("26/11/2026", None),
        ("2026-11-26T10:00", None),
        ("", None),
    ],
)
def test_parse_date(value: str, date: dt.date | None) -> None:
    assert parse_date(value) == date


def test_build_date_follows_source_date_epoch(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert build_date() == dt.date(2026, 11, 26)


@pytest.mark.parametrize("epoch", ["99999999999999", "9" * 400, "soon", ""])
def test_a_source_date_epoch_that_is_no_date_gives_today(monkeypatch, epoch: str) -> None:
    # Past year 9999 the build stopped with an OverflowError (Sphinx itself builds).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    before = dt.datetime.now(tz=dt.UTC).date()
    assert before <= build_date() <= dt.datetime.now(tz=dt.UTC).date()


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("---\nnot-reviewed: 2020-01-01\nreviewed: 2019-01-01\n---", "reviewed", 3),
        ("---\nreviewer: 'A (reviewed: 2020)'\nreviewed:  2019-01-01\n---", "reviewed", 3),
        ("---\nmyst:\n  reviewed: x\n'reviewed' : 2019-01-01\n---", "reviewed", 4),
        ('---\n"reviewed": 2019-01-01\n---', "reviewed", 2),
        ("---\nreviewer:\n---", "reviewer", 2),
        ("---\nreviewers: A\n---\nreviewer: B", "reviewer", 1),  # not after the front matter
        ("Title\n=====\n\n:not-reviewed: 1\n:reviewed: 2019-01-01", "reviewed", 5),
        ("# Title", "reviewed", 1),
    ],
)
def test_field_line(text: str, key: str, line: int) -> None:
    assert field_line(text.split("\n"), key) == line


UNIT_CONFIG = SimpleNamespace(
    kapdocs_reference_paths=["reference/"],
    kapdocs_reference_exclude=[],
    kapdocs_review_max_age_days=365,
)


@pytest.mark.parametrize(
    ("folder", "docnames"),
    [
        ("reference/", {"reference/a", "reference/deep/b"}),
        ("reference", {"reference/a", "reference/deep/b"}),
        ("./reference", {"reference/a", "reference/deep/b"}),  # matched nothing before
        ("/reference/", {"reference/a", "reference/deep/b"}),
        ("reference/deep", {"reference/deep/b"}),
        ("refer", set()),  # a folder, not the start of a name
        ("/", {"index", "reference/a", "reference/deep/b", "referenced"}),  # the whole site
        (".", {"index", "reference/a", "reference/deep/b", "referenced"}),
        ("", set()),  # "-D kapdocs_reference_paths=" names no folder
    ],
)
def test_reference_paths_are_folders_however_written(folder: str, docnames: set[str]) -> None:
    config = SimpleNamespace(kapdocs_reference_paths=[folder], kapdocs_reference_exclude=[])
    everything = ["index", "reference/a", "reference/deep/b", "referenced"]
    found = {d for d in everything if is_reference_page(d, config)}  # type: ignore[arg-type]
    assert found == docnames


@pytest.mark.parametrize(
    "entry",
    ["reference/index", "/reference/index", "./reference/index", "reference/index.md"],
)
def test_reference_exclude_names_a_page_however_written(entry: str) -> None:
    config = SimpleNamespace(
        kapdocs_reference_paths=["reference/"],
        kapdocs_reference_exclude=[entry],
        source_suffix={".rst": "restructuredtext", ".md": "markdown"},
    )
    assert not is_reference_page("reference/index", config)  # type: ignore[arg-type]
    assert is_reference_page("reference/indexes", config)  # type: ignore[arg-type]


def option_findings(docnames: set[str], **options: list[str]) -> list[tuple[str, str]]:
    """(option, message) of each finding check_options makes for *options* on *docnames*."""
    defaults = {"kapdocs_reference_paths": ["reference/"], "kapdocs_reference_exclude": []}
    config = SimpleNamespace(
        **(defaults | options), source_suffix={".rst": "restructuredtext", ".md": "markdown"}
    )
    return [
        (finding.message.split()[0], finding.message)
        for finding in check_options(  # type: ignore[arg-type]
            config, docnames, lambda name, message: Finding(Code.CONFIG, "conf.py", 1, message)
        )
    ]


SITE = {"index", "reference/index", "reference/a", "other/b"}


def test_an_exclude_entry_naming_no_page_is_reported() -> None:
    found = option_findings(
        SITE,
        kapdocs_reference_exclude=["reference/index.md", "/reference/a", "reference/indx", ""],
    )
    assert found == [
        (
            "kapdocs_reference_exclude",
            "kapdocs_reference_exclude entry 'reference/indx' names no page of this site, so "
            "it excludes nothing; write a docname such as 'reference/index'",
        )
    ]


def test_a_reference_folder_holding_no_page_is_reported_when_set() -> None:
    found = option_findings(SITE, kapdocs_reference_paths=["./reference", "refrence/", "", "/"])
    assert [message.split("'")[1] for _, message in found] == ["refrence/"]
    assert {option for option, _ in found} == {"kapdocs_reference_paths"}
    # The default folder is not reported on a site that has none: it never asked for it.
    assert option_findings({"index", "other/b"}) == []
    assert option_findings({"index"}, kapdocs_reference_paths=["reference/"]) == []


@pytest.mark.parametrize("parallel", [0, 2])
def test_options_naming_no_page_are_config_findings_in_every_build(
    make_app: Any,
    rootdir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    parallel: int,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = tmp_path / "site"
    shutil.copytree(rootdir / "test-governance", site)
    conf = site / "conf.py"
    conf.write_text(
        conf.read_text().replace('["reference/index"]', '["reference/index", "reference/idx"]')
        + 'kapdocs_reference_paths = ["reference/", "references/"]\n'
    )
    expected = sorted([*EXPECTED, ("conf.py", 4, "config"), ("conf.py", 5, "config")])
    first, _ = build_once(make_app, site, parallel=parallel)
    assert sorted(findings(first, site)) == expected
    assert "entry 'reference/idx' names no page" in first
    assert "entry 'references/' holds no page" in first
    # The same on an incremental build, and once the page is there, no longer.
    touch_later(site / "reference" / "good.md")
    second, _ = build_once(make_app, site, parallel=parallel)
    assert sorted(findings(second, site)) == expected
    shutil.copy(site / "reference" / "good.md", site / "reference" / "idx.md")
    third, _ = build_once(make_app, site, parallel=parallel)
    assert ("conf.py", 4, "config") not in findings(third, site)
    assert ("conf.py", 5, "config") in findings(third, site)


@pytest.mark.parametrize("parallel", [0, 2])
def test_options_naming_a_page_left_out_for_its_encoding_name_a_page(
    make_app: Any, rootdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: int
) -> None:
    # The page is reported by source_encoding; the options naming it are not typos.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = tmp_path / "site"
    shutil.copytree(rootdir / "test-governance", site)
    (site / "notes").mkdir()
    (site / "notes" / "latin.md").write_bytes(b"# Notes\n\nCaf\xe9.\n")
    conf = site / "conf.py"
    conf.write_text(
        conf.read_text().replace('["reference/index"]', '["reference/index", "notes/latin"]')
        + 'kapdocs_reference_paths = ["reference/", "notes/"]\n'
    )
    for _ in range(2):  # a clean build, then an incremental one
        warnings, _ = build_once(make_app, site, parallel=parallel)
        assert sorted(findings(warnings, site)) == sorted(
            [*EXPECTED, ("notes/latin.md", 3, "source_encoding")]
        )


@pytest.mark.parametrize(
    ("reviewer", "problem"),
    [
        ("Clinical editor", None),
        (None, "front matter lacks 'reviewer'"),
        ("", "front matter leaves 'reviewer' empty; give it a value"),
        ("null", "front matter leaves 'reviewer' empty; give it a value"),  # 'reviewer: ~'
        ("[]", "front matter leaves 'reviewer' empty; give it a value"),
    ],
)
def test_empty_required_field_is_reported(reviewer: str | None, problem: str | None) -> None:
    meta = [("audience", "clinicians", 2), ("reviewed", "2026-06-01", 3)]
    if reviewer is not None:
        meta.append(("reviewer", reviewer, 4))
    page = PageInfo("reference/p", "reference/p.md", 6, "P", tuple(meta), True, True, ())
    found = check_pages([page], UNIT_CONFIG, dt.date(2026, 11, 26))  # type: ignore[arg-type]
    expected = [] if problem is None else [(4 if reviewer is not None else 1, problem)]
    assert [
        (f.line, f.message.removeprefix("reference page metadata: ")) for f in found
    ] == expected


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("reviewed: 2026-01-05\nreviewer: Dr X\naudience: clinicians", None),
        # A date PyYAML cannot make carries no position: the line that fails alone.
        ("reviewer: Dr X\nreviewed: 2026-02-30\naudience: clinicians", (3, "day is out of range")),
        ("reviewed: 2026-01-05\n  audience: c", (3, "mapping values are not allowed here")),
        # A quote never closed is reported where it opens, not at the end of the text.
        ("reviewed: 2026-01-05\nreviewer: 'Dr X\naudience: c", (3, "quoted scalar")),
        # Where YAML noticed it, naming the line where the unclosed list opened.
        ("audience: [a, b\nreviewer: r", (3, "while parsing a flow sequence on line 2: exp")),
        ("- reviewed: 2026-01-05", (2, "is a list, not a mapping")),
        ("just words", (2, "is a single value, not a mapping")),
        ("", (1, "is empty")),
    ],
)
def test_front_matter_problem(front: str, problem: tuple[int, str] | None) -> None:
    text = ["---", *front.split("\n"), "---", "# Title"] if front else ["---", "---", "# T"]
    found = front_matter_problem(text)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found[0] == problem[0]
        assert problem[1] in found[1]


@pytest.mark.parametrize("text", [["# Title", "reviewed: 2026-02-30"], ["---", "a: [", "# T"]])
def test_no_front_matter_is_no_problem(text: list[str]) -> None:
    # No opening line, or one never closed: Markdown, which MyST does not read as YAML.
    assert front_matter_problem(text) is None


@pytest.mark.parametrize("parallel", [0, 2])
def test_front_matter_myst_cannot_read_is_one_finding_at_its_line(
    make_app: Any, tmp_path: Path, parallel: int
) -> None:
    # MyST drops the whole front matter with "Malformed YAML" at line 1: one finding says
    # why, where, instead of one "lacks" per field that the page does set.
    fields = "---\nreviewer: R\nreviewed: {}\naudience: a\n---\n"
    body = "# P\n\n```{admonition} Key points\n- One.\n```\n\n## References\n\nNone.\n"
    srcdir = write_site(
        tmp_path / "site",
        {
            "reference/date.md": fields.format("2026-02-30") + body,
            "reference/list.md": "---\n- reviewed: 2026-01-05\n---\n" + body,
            "reference/fine.md": fields.format("2026-01-05") + body,
            "other.md": "---\na: [\n---\n# Not a reference page\n",
        },
    )
    warnings, _ = build_once(make_app, srcdir, parallel=parallel)
    assert findings(warnings, srcdir) == [
        ("reference/date.md", 3, "page_meta"),
        ("reference/list.md", 2, "page_meta"),
    ]
    assert (
        "the front matter is not valid YAML (day is out of range for month), so MyST read "
        "none of its fields ('reviewed', 'reviewer', 'audience') [kapdocs.page_meta]"
    ) in warnings
    assert "lacks" not in warnings
    # MyST's own messages stay where kapdocs says nothing, on a page that is not a
    # reference page, and only there.
    myst = [line for line in warnings.splitlines() if "[myst.topmatter]" in line]
    assert len(myst) == 1
    assert "other.md:1: WARNING: Malformed YAML" in myst[0]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2026-02-30", "'reviewed' is '2026-02-30', which is no date"),  # quoted in YAML
        ("2026-2-3", "'reviewed' is '2026-2-3', not an ISO date (YYYY-MM-DD); write 2026-02-03"),
        ("3 March 2026", "'reviewed' is '3 March 2026', not an ISO date (YYYY-MM-DD)"),
        # A timestamp in YAML, as MyST writes it: the day is offered alone.
        (
            "2026-11-01 10:00:00",
            "'reviewed' is '2026-11-01 10:00:00', not an ISO date (YYYY-MM-DD); write 2026-11-01",
        ),
        ("2026/11/1", "'reviewed' is '2026/11/1', not an ISO date (YYYY-MM-DD); write 2026-11-01"),
        ("2026/2/30", "'reviewed' is '2026/2/30', not an ISO date (YYYY-MM-DD)"),  # no day
        ("01/11/2026", "'reviewed' is '01/11/2026', not an ISO date (YYYY-MM-DD)"),  # which?
    ],
)
def test_a_date_written_right_but_not_on_the_calendar_says_so(value: str, problem: str) -> None:
    meta = (("audience", "a", 2), ("reviewed", value, 3), ("reviewer", "r", 4))
    page = PageInfo("reference/p", "reference/p.md", 6, "P", meta, True, True, ())
    found = check_pages([page], UNIT_CONFIG, dt.date(2026, 11, 26))  # type: ignore[arg-type]
    assert [(f.line, f.message) for f in found] == [(3, f"reference page metadata: {problem}")]


def test_a_next_review_before_reviewed_names_both_dates() -> None:
    meta = (("audience", "a", 2), ("next-review", "2026-10-01", 5), ("reviewed", "2026-11-01", 3))
    page = PageInfo(
        "reference/p", "reference/p.md", 6, "P", (*meta, ("reviewer", "r", 4)), True, True, ()
    )
    found = check_pages([page], UNIT_CONFIG, dt.date(2026, 11, 26))  # type: ignore[arg-type]
    assert [(f.line, f.message) for f in found] == [
        (5, "reference page metadata: 'next-review' 2026-10-01 is before 'reviewed' 2026-11-01")
    ]


@pytest.mark.parametrize("value", ["", "null"])
def test_empty_dates_are_not_malformed_dates(value: str) -> None:
    # An empty 'reviewed' is reported once, as empty; an empty 'next-review' is no date set.
    meta = (
        ("audience", "a", 2),
        ("next-review", value, 3),
        ("reviewed", value, 4),
        ("reviewer", "r", 5),
    )
    page = PageInfo("reference/p", "reference/p.md", 7, "P", meta, True, True, ())
    found = check_pages([page], UNIT_CONFIG, dt.date(2026, 11, 26))  # type: ignore[arg-type]
    assert [(f.line, f.message) for f in found] == [
        (4, "reference page metadata: front matter leaves 'reviewed' empty; give it a value")
    ]


@pytest.mark.parametrize(
    ("headings", "ends_with_references"),
    [
        (["# Page", "## Summary", "## References"], True),
        (["# Page", "## References", "### Primary sources", "### Reviews"], True),
        (["# Page", "## References", "### Primary", "## Appendix"], False),
        (["# Page", "## Notes", "### References"], False),  # not a section of the page
        (["# Page", "## Bibliography", "### Trials", "#### Phase 3"], True),
        (["# Page", "# References"], True),  # two titles: the last top-level one
        (["# Page"], False),
    ],
)
def test_references_is_the_last_top_level_section(
    headings: list[str], ends_with_references: bool
) -> None:
    # The page's sections are those under its title, whatever subsections they have.
    underline = {1: "=", 2: "-", 3: "~", 4: "^"}
    rst = ""
    for heading in headings:
        level, title = heading.split(" ", 1)
        rst += f"{title}\n{underline[len(level)] * len(title)}\n\nText.\n\n"
    doctree = publish_doctree(rst, settings_overrides={"doctitle_xform": False})
    assert (_references_section(doctree) is not None) == ends_with_references


def test_an_evidence_marker_in_an_included_file_is_reported_in_that_file(
    make_app, tmp_path: Path
) -> None:
    src = write_site(
        tmp_path / "src",
        {
            "a.md": "# A\n\nIntro.\n\n```{include} _part.md\n```\n\nAfter.\n",
            "_part.md": "Included.\n\nA finding {evidence}`bogus`.\n",
        },
        conf="exclude_patterns = ['_part.md']\n",
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("_part.md", 3, "evidence_level")]


def test_a_restructuredtext_reference_page_is_reported_at_its_title(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    # docutils gives a title the line of its underline; the finding names the title's line.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    meta = ":reviewed: 2026-01-10\n:reviewer: A\n:audience: clinicians\n\n"
    src = write_site(
        tmp_path / "src",
        {
            "reference/a.rst": meta + "Ketamine\n========\n\nOne claim. Another claim.\n",
            "reference/b.rst": meta + "=======\nLithium\n=======\n\nText.\n",
        },
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("reference/a.rst", 5, "page_structure"),
        ("reference/a.rst", 5, "page_structure"),
        ("reference/a.rst", 8, "page_structure"),
        ("reference/b.rst", 6, "page_structure"),
        ("reference/b.rst", 6, "page_structure"),
    ]
    # The fixes are given in reStructuredText, not MyST.
    assert "open it with '.. admonition:: Key points' and 3-5 bullets" in warnings
    assert "add a 'References' heading with a footbibliography" in warnings
    assert "cite its source with :footcite: (or" in warnings
    assert "```" not in warnings
    assert "## References" not in warnings
    assert "{footcite}" not in warnings


def _marker(level: str) -> evidence_marker:
    return evidence_marker(f"{{evidence}}`{level}`", level.upper(), level=level)


def test_each_marker_lists_the_statement_before_it() -> None:
    # Two statements marked in one paragraph are listed apart, not as the whole paragraph;
    # markers side by side share a statement; a marker opening its block takes what follows.
    first, second, third, opening = (_marker(level) for level in ("rct", "a", "b", "c"))
    cite = nodes.footnote_reference("", "1")
    paragraph = nodes.paragraph(
        "",
        "",
        nodes.Text("Claim one, "),
        nodes.emphasis("", "in people."),
        cite,
        first,
        nodes.Text(" Claim two "),
        second,
        third,
        nodes.Text(". Words after the last marker."),
    )
    assert _statement(paragraph, first) == "Claim one, in people."
    assert _statement(paragraph, second) == "Claim two"
    assert _statement(paragraph, third) == "Claim two"
    leading = nodes.paragraph("", "", opening, nodes.Text(" What follows."))
    assert _statement(leading, opening) == "What follows."
    long = nodes.paragraph("", "", nodes.Text("word " * 100), first)
    assert len(_statement(long, first)) <= 240
    assert _statement(long, first).endswith("word...")


@pytest.mark.parametrize(
    ("reviewed", "next_review", "stale"),
    [
        ("2026-06-01", "2026-09-01", (4, "was due for review on 2026-09-01 ('next-review'), 86")),
        ("2026-06-01", "2027-03-01", None),  # not due yet
        ("2025-06-01", "2027-03-01", (3, "was reviewed on 2025-06-01, 543 days")),  # the limit
        ("2026-06-01", "2026-05-01", None),  # before 'reviewed': page_meta's, not a review due
        ("2026-06-01", None, None),
    ],
)
def test_a_page_is_stale_once_its_review_falls_due(
    reviewed: str, next_review: str | None, stale: tuple[int, str] | None
) -> None:
    # Due a year after 'reviewed' or on an earlier 'next-review', as the dashboard says.
    meta = [("audience", "a", 2), ("reviewed", reviewed, 3), ("reviewer", "r", 5)]
    if next_review is not None:
        meta.append(("next-review", next_review, 4))
    page = PageInfo("reference/p", "reference/p.md", 7, "P", tuple(meta), True, True, ())
    found = check_pages([page], UNIT_CONFIG, dt.date(2026, 11, 26))  # type: ignore[arg-type]
    stale_found = [(f.line, f.message) for f in found if f.code == Code.PAGE_STALE]
    if stale is None:
        assert stale_found == []
    else:
        assert len(stale_found) == 1
        assert stale_found[0][0] == stale[0]
        assert stale[1] in stale_found[0][1]
    # The dashboard's due date is the earlier of the two, which page_stale follows.
    [(_, due)] = sort_for_review([page], UNIT_CONFIG)  # type: ignore[arg-type]
    limit = dt.date.fromisoformat(reviewed) + dt.timedelta(days=365)
    assert due == min(limit, dt.date.fromisoformat(next_review or "9999-01-01"))


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_key_points_box_must_open_the_page(make_app: Any, tmp_path: Path, parallel: int) -> None:
    # Clinicians read the key points first: a box placed in a later section is reported.
    fields = "---\nreviewer: R\nreviewed: 2026-11-01\naudience: a\n---\n"
    box = "```{admonition} Key points\n- One.\n```\n\n"
    end = "## References\n\nNone.\n"
    srcdir = write_site(
        tmp_path / "site",
        {
            "reference/first.md": fields + "# F\n\nIntro.\n\n" + box + "## Body\n\nText.\n\n" + end,
            "reference/late.md": fields + "# L\n\nIntro.\n\n## Body\n\nText.\n\n" + box + end,
            # First thing under the first heading: the page opens with it.
            "reference/heading.md": fields
            + "# H\n\n## Key points\n\n"
            + box
            + "## B\n\nT.\n\n"
            + end,
            "reference/second.md": fields + "# S\n\n## Intro\n\nText.\n\n" + box + end,
            # Titled with a colon, the box is the Key points box all the same.
            "reference/colon.md": fields + "# C\n\n" + box.replace("points", "Points:") + end,
            "reference/later.rst": ":reviewed: 2026-11-01\n:reviewer: R\n:audience: a\n\nR\n=\n\n"
            "Intro.\n\nBody\n----\n\nText.\n\n.. admonition:: Key points\n\n   - One.\n\n"
            "References\n----------\n\nNone.\n",
        },
    )
    warnings, _ = build_once(make_app, srcdir, parallel=parallel)
    assert findings(warnings, srcdir) == [
        ("reference/late.md", 14, "page_structure"),
        ("reference/later.rst", 15, "page_structure"),
        ("reference/second.md", 12, "page_structure"),  # after text in the first section
    ]
    assert "the Key points box is in the section 'Body'; move it above the page's first" in (
        warnings
    )


def test_a_misnamed_front_matter_field_is_named_at_its_line(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    # A slip in a field's name ("next_review", "Reviewed", "audiance") left the field
    # unread with no word of it, or reported as missing at line 1.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    body = "# Page\n\n```{admonition} Key points\n- One.\n```\n\nText.\n\n## References\n"
    slips = (
        "---\nReviewed: 2026-01-10\nreviewer: Editor\naudiance: clinicians\n"
        "next_review: 2026-02-01\ndescription: kept\n---\n"
    )
    # Fields of its own that look like the ones it has are the page's business.
    own = (
        "---\nreviewed: 2026-01-10\nreviewer: Editor\naudience: clinicians\n"
        "reviewers: two\nreview-by: 2026-02-01\n---\n"
    )
    src = write_site(
        tmp_path / "src", {"reference/slips.md": slips + body, "reference/own.md": own + body}
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("reference/slips.md", 2, "page_meta"),
        ("reference/slips.md", 4, "page_meta"),
        ("reference/slips.md", 5, "page_meta"),
    ]
    for key, field in (("Reviewed", "reviewed"), ("audiance", "audience")):
        assert f"front matter has '{key}', which kapdocs does not read; rename it '{field}'" in (
            warnings
        )
    assert "rename it 'next-review'" in warnings
    assert "lacks" not in warnings
    assert "empty" not in warnings


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("page.md", "# P\n\nA claim {evidence}`rct`. And\nanother {evidence}`meta analysis`.\n"),
        ("page.rst", "P\n=\n\nA claim :evidence:`rct`. And\nanother :evidence:`meta analysis`.\n"),
    ],
)
def test_an_evidence_marker_is_reported_at_its_own_line(
    make_app, tmp_path: Path, name: str, text: str
) -> None:
    # A marker on a paragraph's second line was reported at the paragraph's first (MyST
    # gives the role the reStructuredText form, which is not in a MyST page's source).
    src = write_site(tmp_path / "src", {name: text})
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [(name, text.count("\n"), "evidence_level")]
    assert "unknown evidence level 'meta analysis'; use one of" in warnings
    assert "did you mean 'meta-analysis'?" in warnings


def test_an_evidence_level_written_as_its_label_is_offered_its_name() -> None:
    marks = [
        EvidenceMark("p", "p.md", 1, level, "A statement.")
        for level in ("randomised trial", "preclincal", "opinion", "rct")
    ]
    said = [finding.message for finding in check_evidence(marks)]
    assert [message.rpartition(";")[2] for message in said] == [
        " did you mean 'rct'?",
        " did you mean 'preclinical'?",
        " use one of " + ", ".join(LEVELS),
    ]


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_references_heading_out_of_place_is_named_at_its_line(
    make_app: Any, tmp_path: Path, parallel: int
) -> None:
    # A page with "References" where the rule does not count it is told where it is and
    # why, not only that the section is missing.
    fields = "---\nreviewer: R\nreviewed: 2026-11-01\naudience: a\n---\n"
    head = fields + "# P\n\n```{admonition} Key points\n- One.\n```\n\n"
    srcdir = write_site(
        tmp_path / "site",
        {
            "reference/rubric.md": head + "## Body\n\nText.\n\n```{rubric} References\n```\n",
            "reference/nested.md": head + "## Body\n\nText.\n\n### References\n\nNone.\n",
            "reference/early.md": head + "## References\n\nNone.\n\n## See also\n\nMore.\n",
            "reference/none.md": head + "## Body\n\nText.\n\n```{note} References\nNone.\n```\n",
            "reference/fine.md": head + "## Body\n\n```{rubric} References\n```\n\n## References\n",
            "reference/later.rst": ":reviewed: 2026-11-01\n:reviewer: R\n:audience: a\n\nR\n=\n\n"
            ".. admonition:: Key points\n\n   - One.\n\nBody\n----\n\nText.\n\n"
            ".. rubric:: Bibliography\n",
        },
    )
    warnings, _ = build_once(make_app, srcdir, parallel=parallel)
    assert findings(warnings, srcdir) == [
        ("reference/early.md", 12, "page_structure"),
        ("reference/later.rst", 17, "page_structure"),
        ("reference/nested.md", 16, "page_structure"),
        ("reference/none.md", 6, "page_structure"),  # an admonition's title is no heading
        ("reference/rubric.md", 16, "page_structure"),
    ]
    said = re.findall(r"WARNING: (.*) \[kapdocs", warnings)
    start = "reference page does not end with a 'References' section; "
    assert said == [
        start + "'References' here is followed by the section 'See also'; make it "
        "'## References' at the end of the page",
        start + "'Bibliography' here is a rubric, not a section heading; make it a "
        "'References' heading at the end of the page",
        start + "'References' here is a subsection of 'Body'; make it '## References' at the "
        "end of the page",
        start + "add '## References' with a footbibliography at the end",
        start + "'References' here is a rubric, not a section heading; make it "
        "'## References' at the end of the page",
    ]


def test_key_points_without_their_box_are_named_at_their_line(
    make_app: Any, tmp_path: Path
) -> None:
    # Key points under a heading, or opening another admonition as bold text, are not the
    # box the rule looks for: the finding says where they are and what to make of them.
    fields = "---\nreviewer: R\nreviewed: 2026-11-01\naudience: a\n---\n"
    tail = "## Body\n\nText.\n\n## References\n\nNone.\n"
    srcdir = write_site(
        tmp_path / "site",
        {
            "reference/heading.md": fields + "# P\n\n## Key points:\n\n- One.\n\n" + tail,
            "reference/note.md": fields
            + "# P\n\n```{note}\n**Key points**\n\n- One.\n```\n\n"
            + tail,
            "reference/none.md": fields + "# P\n\n" + tail,
            "reference/boxed.md": fields + "# P\n\n## Key points\n\n"
            "```{admonition} Key points\n- One.\n```\n\n" + tail,
        },
    )
    warnings, _ = build_once(make_app, srcdir, freshenv=True)
    assert findings(warnings, srcdir) == [
        ("reference/heading.md", 8, "page_structure"),
        ("reference/none.md", 6, "page_structure"),
        ("reference/note.md", 9, "page_structure"),
    ]
    said = re.findall(r"WARNING: (.*) \[kapdocs", warnings)
    start = "reference page has no Key points box; "
    put = "; put its bullets in ```{admonition} Key points``` at the top of the page"
    assert said == [
        start + "'Key points' here is a heading, not a box" + put,
        start + "open it with ```{admonition} Key points``` and 3-5 bullets",
        start + "the note here opens with 'Key points' as text, not as its title" + put,
    ]


def test_a_marker_naming_two_levels_is_told_to_use_one_each() -> None:
    marks = [
        EvidenceMark("p", "p.md", 1, level, "A statement.")
        for level in ("rct,preclinical", "Randomised trial / case series", "rct, bogus")
    ]
    said = [finding.message.rpartition(";")[2] for finding in check_evidence(marks)]
    assert said == [
        " a marker names one level: write one marker for each, 'rct' and 'preclinical'",
        " a marker names one level: write one marker for each, 'rct' and 'case-series'",
        " use one of " + ", ".join(LEVELS),  # not all of them are levels
    ]
