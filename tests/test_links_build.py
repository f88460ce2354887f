"""Link and citation checks: exact findings at source, in the written HTML, and incrementally."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from kapdocs.citations import BibEntry, _entry_lines, _identifier_problem
from kapdocs.diagnostics import closest
from tests.conftest import build_once, findings, touch_later, write_rst_site, write_site

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from sphinx.testing.util import SphinxTestApp

EXPECTED = [
    ("index.md", 14, "link_anchor"),  # other.md#no-such-heading
    ("index.md", 14, "link_doc"),  # missing.md
    ("index.md", 15, "link_anchor"),  # #nowhere
    ("index.md", 15, "link_doc"),  # {doc}`gone`
    ("index.md", 15, "link_ref"),  # {ref}`no-such-label`
    ("index.md", 16, "link_scheme"),  # ftp
    ("index.md", 16, "link_scheme"),  # http
    ("index.md", 18, "cite_undefined"),  # nokey2020
    ("index.md", 21, "link_html"),  # raw HTML: missing-file.html
    ("index.md", 21, "link_html"),  # raw HTML: other.html#no-id
    ("page.rst", 4, "link_doc"),  # :doc:`nothere`
    ("page.rst", 5, "link_ref"),  # :ref:`nolabel-rst`
    ("page.rst", 5, "link_scheme"),  # http in a reStructuredText link
    ("refs.bib", 17, "cite_unused"),
    ("refs.bib", 25, "cite_id"),  # no identifier
    ("refs.bib", 32, "cite_id"),  # malformed DOI
    ("refs.bib", 40, "cite_id"),  # malformed PMID
]


def _sorted(items: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    # The console lists the HTML pass after the source checks; the report sorts all.
    return sorted(items)


@pytest.mark.sphinx("html", testroot="links", freshenv=True)
def test_link_and_citation_findings(app: SphinxTestApp, warning) -> None:
    app.build()
    text = warning.getvalue()
    assert _sorted(findings(text, app.srcdir)) == EXPECTED
    # One defect, one message: Sphinx's, MyST's and bibtex's own warnings are replaced.
    for theirs in ("[ref.ref]", "[ref.doc]", "[myst.xref_missing]", "[bibtex.key_not_found]"):
        assert theirs not in text
    assert "did you mean 'second-heading'?" in text
    assert "did you mean 'here-label'?" in text
    report = json.loads((app.outdir / "kapdocs-report.json").read_text())
    assert [(f["file"], f["line"], f["code"]) for f in report["findings"]] == EXPECTED


@pytest.mark.sphinx("html", testroot="links", freshenv=True, parallel=2)
def test_link_findings_parallel(app: SphinxTestApp, warning) -> None:
    app.build()
    assert _sorted(findings(warning.getvalue(), app.srcdir)) == EXPECTED


@pytest.mark.parametrize(
    "schemes",
    [
        ["https", "mailto", "http", "ftp"],
        ["HTTPS:", "mailto:", " http ", "ftp://"],  # as a scheme is often written
    ],
)
def test_allowed_schemes_option(
    make_app: Any, rootdir: Path, tmp_path: Path, schemes: list[str]
) -> None:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-links", src)
    warning, _ = build_once(make_app, src, confoverrides={"kapdocs_allowed_schemes": schemes})
    expected = [f for f in EXPECTED if f[2] != "link_scheme"]
    assert _sorted(findings(warning, src)) == expected


@pytest.mark.parametrize("parallel", [0, 2])
def test_renamed_heading_is_reported_on_unchanged_page(
    make_app, rootdir: Path, tmp_path: Path, parallel: int
) -> None:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-links", src)
    first, _ = build_once(make_app, src, parallel=parallel)
    assert ("index.md", 11, "link_anchor") not in findings(first, src)

    other = src / "other.md"
    other.write_text(other.read_text().replace("## Second heading", "## Renamed heading"))
    touch_later(other)
    second, _ = build_once(make_app, src, parallel=parallel)

    # index.md did not change; its links to #second-heading are now broken.
    assert ("index.md", 11, "link_anchor") in findings(second, src)
    assert "did you mean 'renamed-heading'?" in second
    # Its raw HTML link to other.html#second-heading is found by the HTML pass.
    assert ("index.md", 21, "link_html") in findings(second, src)
    clean, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert sorted(findings(second, src)) == sorted(findings(clean, src))


def test_a_site_without_citations_does_not_load_bibtex(rootdir: Path, tmp_path: Path) -> None:
    # sphinxcontrib-bibtex (and pybtex) cost import time and memory in every build.
    script = (
        "import sys\n"
        "from sphinx.cmd.build import build_main\n"
        f"status = build_main(['-q', '-b', 'html', {str(rootdir / 'test-terms-clean')!r}, "
        f"{str(tmp_path / 'out')!r}])\n"
        "print(status, 'sphinxcontrib.bibtex' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["0", "False"]


def test_same_page_links_are_anchor_findings_however_written(make_app, tmp_path: Path) -> None:
    # MyST decodes "#r%C3%A9sume" to "résume" and encodes "#%" as "%25"; either way the
    # link names an id on this page, so it is one link_anchor, not link_doc and link_html.
    src = write_site(
        tmp_path / "src",
        {
            "a.md": "# A\n\n## Résumé\n\n[typo](#r%C3%A9sume)\n\n"
            "[space](<#missing heading>)\n\n[percent](#%)\n\n[fine](#résumé)\n",
        },
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("a.md", 5, "link_anchor"),
        ("a.md", 7, "link_anchor"),
        ("a.md", 9, "link_anchor"),
    ]
    assert "did you mean 'résumé'?" in warnings


def test_same_page_links_with_the_project_scheme_are_anchor_findings(
    make_app, tmp_path: Path
) -> None:
    # [t](project:#id) and <project:#id> name an id on this page, as [t](#id) does.
    src = write_site(
        tmp_path / "src",
        {"a.md": "# A\n\n(real)=\n## Sec\n\n[t](project:#nolabel)\n\n<project:#unreal>\n"},
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 6, "link_anchor"), ("a.md", 8, "link_anchor")]
    assert "anchor '#unreal' does not exist on this page; did you mean 'real'?" in warnings


def test_a_reference_style_link_to_a_missing_id_on_the_page_is_an_anchor_finding(
    make_app, tmp_path: Path
) -> None:
    # [text][label] takes its destination from the definition "[label]: #id".
    src = write_site(
        tmp_path / "src",
        {"a.md": "# A\n\n## Dosing\n\n[dose][d] and [safety][s].\n\n[d]: #dosing\n[s]: #safety\n"},
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 5, "link_anchor")]
    assert "anchor '#safety' does not exist on this page" in warnings


def test_a_bare_name_link_resolves_as_myst_resolves_it(make_app, tmp_path: Path) -> None:
    # MyST looks [t](name) up as a label, a page from the linking page's folder, or a
    # standard-domain object (a term by its lower-cased target); not as any page or term
    # name. The ones it cannot resolve are link_doc at their source line, not link_html.
    src = write_site(
        tmp_path / "src",
        {
            "glossary.md": "# Glossary\n\n```{glossary}\nDissociation\n  A state.\n\n"
            "ketamine\n  A drug.\n```\n",
            "sub/a.md": "# A\n\n{term}`Dissociation` and {term}`ketamine`.\n\n"
            "[up](glossary)\n\n[term](Dissociation)\n\n[ok](/glossary) [ok](../glossary)\n\n"
            "[ok](Ketamine) [ok](ketamine)\n",
        },
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("sub/a.md", 5, "link_doc"), ("sub/a.md", 7, "link_doc")]
    assert (
        "'glossary' names no label, anchor on this page, page (from this page's folder, "
        "'sub/glossary') or other object that MyST links by name; "
        "did you mean '/glossary' (from the top folder)?" in warnings
    )


def test_a_bare_name_link_to_a_renamed_label_offers_the_label(make_app, tmp_path: Path) -> None:
    # [t](name) is most often a label: when it resolves nowhere, the message must not call
    # it a missing document, and the hint looks among labels and the page's anchors too.
    src = write_site(
        tmp_path / "src",
        {
            "a.md": "# A\n\n(dosing-schedule)=\n## Dosing\n\nText.\n",
            "b.md": "# B\n\nSee [the schedule](dosing-schedul).\n\n[x](unrelated-thing)\n",
        },
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("b.md", 3, "link_doc"), ("b.md", 5, "link_doc")]
    messages = [line for line in warnings.splitlines() if "[kapdocs.link_doc]" in line]
    assert "'dosing-schedul' names no label, anchor on this page, page or other" in messages[0]
    assert "did you mean 'dosing-schedule'? [kapdocs.link_doc]" in messages[0]
    assert "fix the name, or add the label it names" in messages[1]
    assert "document" not in " ".join(messages)


MISSPELT = {
    "glossary.md": "# Glossary\n\n(terms)=\n## Terms\n\nText.\n",
    "other.rst": "Other\n=====\n\nText.\n",
    "a.md": "# A\n\n[x](glosary.md) [y](./othr.md) [z](glosary)\n",
    "sub/b.md": "# B\n\n[x](glosary.md#terms) [y](../othr.rst)\n\n[z](glosary) [w](sibblings)\n\n"
    "{doc}`glosary` {doc}`sibblings`\n",
    "sub/siblings.md": "# Siblings\n\nText.\n",
}


def test_a_misspelt_page_link_offers_the_page_as_this_page_would_write_it(
    make_app, tmp_path: Path
) -> None:
    # [t](page.md) whose file does not exist is a page link, not a name MyST could not find;
    # the hint is written from the linking page's folder, with the file's own suffix.
    src = write_site(tmp_path / "src", MISSPELT)
    warnings, _ = build_once(make_app, src, freshenv=True)
    messages = [line for line in warnings.splitlines() if "[kapdocs.link_doc]" in line]
    assert "a.md:3: WARNING: page 'glosary.md' is not in the site; did you mean 'glossary.md'?" in (
        warnings
    )
    # A path that resolves as written (but for "./") is not shown resolved.
    assert "page './othr.md' is not in the site; " in warnings
    assert (
        "page 'glosary.md' ('sub/glosary.md' from the top folder) is not in the site; "
        "did you mean '../glossary.md#terms'?" in warnings
    )
    # A bare name from a subfolder: a page elsewhere is named from the top folder.
    assert "'glosary' names no label, anchor on this page, page (from this page's folder, " in (
        warnings
    )
    hints = re.findall(r"did you mean '([^']*)'", "\n".join(messages))
    assert sorted(hints) == sorted(
        [
            *("glossary.md", "other.rst", "glossary"),  # from a.md
            *("../glossary.md#terms", "../other.rst", "/glossary", "siblings"),  # from sub/b.md
            *("/glossary", "siblings"),  # {doc} roles in sub/b.md
        ]
    )
    assert "document '/sub/glosary' does not exist; did you mean '/glossary'?" in warnings
    # Each hint, written in place of the link, is a link that works.
    for name, text in MISSPELT.items():
        for wrong, right in [
            ("(glosary.md)", "(glossary.md)"),
            ("(./othr.md)", "(other.rst)"),
            ("(glosary.md#terms)", "(../glossary.md#terms)"),
            ("(../othr.rst)", "(../other.rst)"),
            ("(glosary)", "(/glossary)" if name.startswith("sub/") else "(glossary)"),
            ("(sibblings)", "(siblings)"),
            ("`glosary`", "`/glossary`"),
            ("`sibblings`", "`siblings`"),
        ]:
            text = text.replace(wrong, right)
        (src / name).write_text(text)
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == []


def test_a_project_link_naming_no_source_file_is_a_page_link(make_app, tmp_path: Path) -> None:
    # MyST leaves [t](project:glossary) (no suffix: no source file) as an address that goes
    # nowhere, with a warning kapdocs replaces: it is a broken page link, not a URL scheme.
    pages = {
        "glossary.md": "# Glossary\n\n## Terms\n\nText.\n",
        "a.md": "# A\n\n[x](project:glossary)\n",
        "sub/b.md": "# B\n\n[x](project:glossary#terms) <project:missing.csv>\n",
    }
    src = write_site(tmp_path / "src", pages)
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert sorted(findings(warnings, src)) == [
        ("a.md", 3, "link_doc"),
        ("sub/b.md", 3, "link_doc"),
        ("sub/b.md", 3, "link_doc"),
    ]
    assert "page 'project:glossary' is not in the site; did you mean 'project:glossary.md'?" in (
        warnings
    )
    assert (
        "page 'project:glossary' ('sub/glossary' from the top folder) is not in the site; "
        "did you mean 'project:../glossary.md#terms'?" in warnings
    )
    assert "page 'project:missing.csv' ('sub/missing.csv' from the top folder)" in warnings
    # The hints, written in place of the links, are links that work.
    (src / "a.md").write_text(pages["a.md"].replace("project:glossary", "project:glossary.md"))
    (src / "sub/b.md").write_text("# B\n\n[x](project:../glossary.md#terms)\n")
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == []


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_page_that_comes_or_goes_is_linked_as_in_a_clean_build(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # MyST decides while reading whether [t](other.md) links a page, by whether the file
    # exists; the linking page must be read again when it comes or goes.
    src = write_site(
        tmp_path / "src",
        {"a.md": "# A\n\nSee [the page](other.md) and [its section](other.md#details).\n"},
    )
    other = src / "other.md"

    def incremental_equals_clean() -> tuple[list[tuple[str, int, str]], str]:
        found, html = _incremental_equals_clean(make_app, src, parallel, "a.html")
        return [f for f in found if f[2].startswith("link")], html

    assert len(incremental_equals_clean()[0]) == 2
    other.write_text("# Other\n\n## Details\n")
    links, html = incremental_equals_clean()
    assert links == []
    assert 'href="other.html#details"' in html
    other.unlink()
    links, html = incremental_equals_clean()
    assert len(links) == 2
    assert 'href="other.html' not in html


def _incremental_equals_clean(
    make_app: Any, src: Path, parallel: int, page: str, **kwargs: Any
) -> tuple[list[tuple[str, int, str]], str]:
    """Build *src* as it stands, then clean: both report the same. The findings, and the
    HTML of *page* as the incremental build wrote it."""
    warnings, outdir = build_once(make_app, src, parallel=parallel, **kwargs)
    html = (outdir / page).read_text()
    clean, _ = build_once(make_app, src, freshenv=True, parallel=parallel, **kwargs)
    assert findings(warnings, src) == findings(clean, src)
    return findings(warnings, src), html


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_link_shows_the_title_its_target_has_now(make_app, tmp_path: Path, parallel: int) -> None:
    # A {ref} or a page link without text of its own shows the title of what it links.
    # Sphinx wrote again only the page whose titles changed: a page linking them kept the
    # old titles (where the ids stayed: "Page A" and "Page A!" are both "page-a"), and
    # kept linking a label that had moved off its heading.
    src = write_site(
        tmp_path / "src",
        {
            "a.md": "# Page A\n\n(sec-b)=\n## Section B\n\n(sec-c)=\n## Section C\n",
            "b.md": "# B\n\nSee {ref}`sec-b` and {ref}`sec-c`.\n",
            "c.md": "# C\n\nSee {doc}`a` and [](a.md).\n",
        },
    )

    def links_on(page: str) -> str:
        html = _incremental_equals_clean(make_app, src, parallel, page)[1]
        paragraph = re.search(r"<p>See (.*?)</p>", html, re.DOTALL)
        assert paragraph is not None
        return paragraph[1]

    assert links_on("c.html").count(">Page A<") == 2
    assert ">Section B<" in links_on("b.html")
    a = src / "a.md"
    a.write_text("# Page A!\n\n(sec-b)=\n## Section B!\n\n(sec-c)=\n## Section C\n")
    touch_later(a)
    assert links_on("c.html").count(">Page A!<") == 2
    assert ">Section B!<" in links_on("b.html")
    a.write_text("# Page A!\n\n(sec-b)=\n## Section B!\n\n(sec-c)=\nNo title here.\n")
    touch_later(a)
    assert 'href="a.html#sec-c"' not in links_on("b.html")  # {ref} of a label on no title


@pytest.mark.parametrize("parallel", [0, 2])
def test_every_page_shows_the_navigation_the_toctrees_give_now(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # Every page's sidebar and next/previous links come from the toctrees; Sphinx wrote
    # again only the pages that changed, so a page added to the toctree, or an entry that
    # links nowhere (a link_html finding on every page), showed on those pages alone.
    src = write_site(tmp_path / "src", {"a.md": "# A\n", "b.md": "# B\n"})
    # alabaster, sphinx-build's default (not the tests'), shows the whole toctree in every
    # page's sidebar.
    theme = {"confoverrides": {"html_theme": "alabaster"}}
    build_once(make_app, src, parallel=parallel, **theme)
    (src / "c.md").write_text("# C\n")
    index = src / "index.md"
    index.write_text(index.read_text().replace("b\n```", "b\nc\nodd entry://x\n```"))
    touch_later(index)
    found, html = _incremental_equals_clean(make_app, src, parallel, "a.html", **theme)
    assert 'href="c.html"' in html
    assert ("a.md", 1, "link_html") in found


def test_a_link_to_a_missing_file_offers_the_nearest_file(make_app, tmp_path: Path) -> None:
    # [t](handout.pdf) naming no file is a file MyST did not find, not a label: the hint is
    # the nearest file of that folder, written as the link wrote its folder.
    page = (
        "# A\n\n[a](files/handuot.pdf) [b](/sub/files/handout.pfd) [c](nofolder/x.pdf)\n\n"
        "[d](fig.1) [e](files/other.docx) [f](../index.html)\n"
    )
    src = write_site(tmp_path / "src", {"sub/a.md": page})
    (src / "sub/files").mkdir()
    (src / "sub/files/handout.pdf").write_bytes(b"%PDF-1.4\n")
    (src / "sub/files/notes.md").write_text("not a page of the toctree, and no file to offer\n")
    warnings, _ = build_once(make_app, src, freshenv=True)
    messages = [line for line in warnings.splitlines() if "[kapdocs.link_doc]" in line]
    assert [m.split("WARNING: ")[1].split(" [kapdocs.")[0] for m in messages] == [
        "file '/sub/files/handout.pfd' is not in the site; did you mean '/sub/files/handout.pdf'?",
        "file 'files/handuot.pdf' ('sub/files/handuot.pdf' from the top folder) is not in the "
        "site; did you mean 'files/handout.pdf'?",
        "file 'nofolder/x.pdf' ('sub/nofolder/x.pdf' from the top folder) is not in the site; "
        "fix the path of the link, or add the file",
        # A page as the HTML builder writes it: its source is linked in every output.
        "'../index.html' is the page 'index' as written for the web, not a file of the site; "
        "link its source, '../index.md', which works in every output, the PDF too",
        # A name whose "suffix" is a number is a label, as MyST may link by name.
        "'fig.1' names no label, anchor on this page, page (from this page's folder, "
        "'sub/fig.1') or other object that MyST links by name; fix the name, or add the label "
        "it names",
        "file 'files/other.docx' ('sub/files/other.docx' from the top folder) is not in the "
        "site; fix the path of the link, or add the file",
    ]
    # The hints, written in place of the links, link the file.
    (src / "sub/a.md").write_text(
        "# A\n\n[a](files/handout.pdf) [b](/sub/files/handout.pdf) [f](../index.md)\n"
    )
    warnings, outdir = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == []
    assert (outdir / "sub/a.html").read_text().count('class="reference download internal"') == 2


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_file_that_comes_is_linked_as_in_a_clean_build(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # [t](files/handout.pdf) with no such file is left for Sphinx to resolve by name (a
    # link_doc finding); once the file is there MyST makes it a download link, but only
    # when it reads the page again, which Sphinx alone would not do.
    src = write_site(
        tmp_path / "src",
        {"sub/a.md": "# A\n\nThe [handout](files/handout.pdf) and [top](/notes.txt).\n"},
    )

    def incremental_equals_clean() -> tuple[list[tuple[str, int, str]], str]:
        return _incremental_equals_clean(make_app, src, parallel, "sub/a.html")

    assert incremental_equals_clean()[0] == [("sub/a.md", 3, "link_doc")] * 2
    (src / "sub/files").mkdir()
    (src / "sub/files/handout.pdf").write_bytes(b"%PDF-1.4\n")
    (src / "notes.txt").write_text("notes\n")
    found, html = incremental_equals_clean()
    assert found == []
    assert html.count('class="reference download internal"') == 2
    (src / "notes.txt").unlink()
    found, html = incremental_equals_clean()
    assert found == [("sub/a.md", 3, "link_doc")]


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_missing_image_is_reported_once(make_app, tmp_path: Path, parallel: int) -> None:
    # Sphinx reports an image file it cannot read; the HTML pass does not repeat it,
    # but still reports an image that only raw HTML names.
    src = write_site(
        tmp_path / "src",
        {
            "sub/a.md": "# A\n\n![alt](missing.png)\n\n```{image} ../nope.svg\n```\n\n"
            '<img src="raw.png">\n'
        },
        "kapdocs_allow_raw_html = True\n",
    )
    warnings, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert warnings.count("image file not readable") == 2
    assert findings(warnings, src) == [("sub/a.md", 8, "link_html")]


@pytest.mark.parametrize("parallel", [0, 2])
def test_an_image_name_with_a_star_is_reported_once(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # Sphinx globs only "name.*" and warns when nothing matches; "img/*.png" is a file
    # name it cannot read. Either way the HTML pass does not repeat Sphinx's warning.
    src = write_site(
        tmp_path / "src",
        {"sub/a.md": "# A\n\n```{image} img/*.png\n```\n\n```{image} photo.*\n```\n"},
    )
    warnings, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert "image file not readable: sub/img/*.png" in warnings
    assert "a suitable image for html builder not found: sub/photo.*" in warnings
    assert findings(warnings, src) == []


def test_html_findings_are_on_the_line_that_writes_the_link_and_not_repeated(
    make_app, tmp_path: Path
) -> None:
    src = write_rst_site(
        tmp_path / "src",
        "Home\n====\n\nThe file gone.html is mentioned here first.\n\n"
        '.. raw:: html\n\n   <a href="#nowhere">n</a> <a href="gone.html">g</a>\n\n'
        "See missing-target_.\n",
        conf="kapdocs_allow_raw_html = True\n",
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert 'Unknown target name: "missing-target"' in warnings  # docutils says it once
    # Both links are on line 8, where the raw HTML quotes them, not on line 4, which only
    # mentions the file. Findings on one line are in message order.
    assert findings(warnings, src) == [("index.rst", 8, "link_html"), ("index.rst", 8, "link_html")]
    messages = [line for line in warnings.splitlines() if "[kapdocs.link_html]" in line]
    assert ["'#nowhere'" in messages[0], "'gone.html'" in messages[1]] == [True, True]


def test_html_findings_are_on_the_line_that_encloses_the_link(make_app, tmp_path: Path) -> None:
    # "index.html#nope" is also the end of "sub/index.html#nope" on the line before: the
    # line where a link is written whole, between rST's <>, is its line.
    src = write_rst_site(
        tmp_path / "src",
        "Home\n====\n\n- `there <sub/index.html#nope>`_\n- `self <index.html#nope>`_\n",
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    lines = {
        line.split(" links ")[1].split(",")[0]: line.split(": WARNING")[0].rsplit(":", 1)[1]
        for line in warnings.splitlines()
        if "[kapdocs.link_html]" in line
    }
    assert lines == {"'sub/index.html#nope'": "4", "'index.html#nope'": "5"}


@pytest.mark.parametrize("parallel", [0, 2])
def test_an_rst_link_to_an_id_of_its_page_is_checked_at_its_source(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # `text <#id>`_ is reStructuredText's [text](#id): link_anchor at its line, with a
    # near miss, and not again as link_html in the written page.
    src = write_rst_site(
        tmp_path / "src",
        "Home\n====\n\nDosing notes\n------------\n\n"
        "See `notes <#dosing-notes>`_, `typo <#dosing-note>`_ and `top <#>`_.\n",
    )
    warnings, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert findings(warnings, src) == [("index.rst", 7, "link_anchor")] * 2
    assert "anchor '#dosing-note' does not exist on this page; did you mean 'dosing-notes'?" in (
        warnings
    )
    assert "a link to '#' names no anchor" in warnings


_CASE_BIB = """@article{lee2019,
  title = {L}, author = {L, A}, journal = {J}, year = {2019}, pmid = {12345},
}

@article{Jones2021,
  title = {J}, author = {J, A}, journal = {J}, year = {2021}, doi = {10.1234/def},
}
"""


def _bibtex_site(tmp_path: Path, pages: dict[str, str]) -> Path:
    """A site of *pages* citing the entries of ``_CASE_BIB`` through sphinxcontrib-bibtex."""
    src = write_site(
        tmp_path / "src",
        pages,
        conf="extensions.append('sphinxcontrib.bibtex')\nbibtex_bibfiles = ['refs.bib']\n",
    )
    (src / "refs.bib").write_text(_CASE_BIB)
    return src


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_link_to_a_bibliography_entry_that_is_gone_is_written_again(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # The entry's id is made while bib.html is written, so reading bib.md never shows it;
    # Sphinx writes again only bib.html, and a.html kept linking the entry's old id.
    bib = "# Bib\n\nIntro.\n\n```{bibliography}\n```\n"
    src = _bibtex_site(tmp_path, {"a.md": "# A\n\nCited {cite:p}`lee2019`.\n", "bib.md": bib})
    _, outdir = build_once(make_app, src, parallel=parallel)
    assert 'href="bib.html#' in (outdir / "a.html").read_text()
    (src / "bib.md").write_text("# Bib\n\nIntro.\n")
    touch_later(src / "bib.md")
    warnings, outdir = build_once(make_app, src, parallel=parallel)
    assert 'href="bib.html#' not in (outdir / "a.html").read_text()
    clean, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert findings(warnings, src) == findings(clean, src)
    assert not [f for f in findings(warnings, src) if f[2] == "link_html"]


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_key_first_cited_on_another_page_is_listed_by_the_bibliography(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # The bibliography lists the keys cited anywhere; sphinxcontrib-bibtex wrote bib.html
    # again only when bib.md was read again, so b.html linked an entry bib.html lacked.
    bib = "# Bib\n\n```{bibliography}\n```\n"
    pages = {"a.md": "# A\n\nCited {cite:p}`lee2019`.\n", "b.md": "# B\n\nNone.\n", "bib.md": bib}
    src = _bibtex_site(tmp_path, pages)
    build_once(make_app, src, parallel=parallel)
    (src / "b.md").write_text("# B\n\nNow {cite:p}`Jones2021`.\n")
    touch_later(src / "b.md")
    warnings, outdir = build_once(make_app, src, parallel=parallel)
    entry = re.search(r'href="bib.html#([^"]+)"', (outdir / "b.html").read_text())
    assert entry is not None
    assert f'id="{entry[1]}"' in (outdir / "bib.html").read_text()
    clean, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert findings(warnings, src) == findings(clean, src)


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_key_no_bibliography_lists_is_reported_in_every_build(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # The key is in refs.bib, but the only bibliography filters every entry out:
    # sphinxcontrib-bibtex shows "[]" and warns with the message kapdocs replaces. A
    # footcite is listed on its own page, with or without a footbibliography.
    bib = "# Bib\n\n```{bibliography}\n:filter: False\n```\n"
    pages = {"a.md": "# A\n\nCited {cite:p}`lee2019`.\n", "b.md": "# B\n\n{footcite}`Jones2021`\n"}
    src = _bibtex_site(tmp_path, {**pages, "bib.md": bib})
    first, outdir = build_once(make_app, src, parallel=parallel)
    assert findings(first, src) == [("a.md", 3, "cite_undefined")]
    assert "citation key 'lee2019' is in the .bib file, but no bibliography directive lists it" in (
        first
    )
    assert "[bibtex.key_not_found]" not in first  # one defect, one message
    touch_later(src / "b.md")
    second, _ = build_once(make_app, src, parallel=parallel)
    assert findings(second, src) == findings(first, src)
    # Once the bibliography lists the cited entries, the finding is gone.
    (src / "bib.md").write_text(bib.replace(":filter: False\n", ""))
    touch_later(src / "bib.md")
    third, outdir = build_once(make_app, src, parallel=parallel)
    assert findings(third, src) == []
    assert 'href="bib.html#' in (outdir / "a.html").read_text()


def test_a_key_with_a_bibliography_s_key_prefix_cites_the_entry(make_app, tmp_path: Path) -> None:
    # sphinxcontrib-bibtex's :keyprefix: lists lee2019 as "pre-lee2019" and Jones2021 as
    # "pre-Jones2021"; citing those is citing the entries, not keys missing from refs.bib.
    bib = "# Bib\n\n```{bibliography}\n:keyprefix: pre-\n```\n"
    pages = {
        "a.md": "# A\n\n{cite:p}`pre-lee2019` {cite:p}`pre-Jones2021`\n\n"
        "{cite:p}`pre-nokey` {cite:p}`post-lee2019`\n\n[named](pre-lee2019)\n",
        "bib.md": bib,
    }
    src = _bibtex_site(tmp_path, pages)
    warnings, outdir = build_once(make_app, src)
    assert findings(warnings, src) == [("a.md", 5, "cite_undefined"), ("a.md", 5, "cite_undefined")]
    assert "citation key 'pre-nokey' is not in the bibliography" in warnings
    assert "citation key 'post-lee2019' is not in the bibliography" in warnings
    assert (outdir / "a.html").read_text().count('href="bib.html#') == 3  # the link too


def test_labels_numbered_in_citation_order_follow_a_citation_added_earlier(
    make_app, tmp_path: Path
) -> None:
    # In the unsrt style labels count citations in page order: citing lee2019 on a.md
    # makes Jones2021, cited on b.md, the second entry, which b.html must say.
    pages = {"a.md": "# A\n\nNone.\n", "b.md": "# B\n\nCited {cite:p}`Jones2021`.\n"}
    pages["bib.md"] = "# Bib\n\n```{bibliography}\n```\n"
    src = _bibtex_site(tmp_path, pages)
    with (src / "conf.py").open("a") as conf:
        conf.write("bibtex_default_style = 'unsrt'\n")
    _, outdir = build_once(make_app, src)
    assert "[1]" in (outdir / "b.html").read_text()
    (src / "a.md").write_text("# A\n\nCited {cite:p}`lee2019`.\n")
    touch_later(src / "a.md")
    _, outdir = build_once(make_app, src)
    assert "[2]" in (outdir / "b.html").read_text()


@pytest.mark.parametrize("parallel", [0, 2])
def test_an_edited_bib_entry_reaches_the_label_of_a_page_citing_it(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # sphinxcontrib-bibtex reads bib.md again when refs.bib changes, but not a.md, whose
    # label for the entry (alpha style: author and year) Sphinx alone would leave as it was.
    pages = {"a.md": "# A\n\nCited {cite:p}`lee2019`.\n"}
    pages["bib.md"] = "# Bib\n\n```{bibliography}\n```\n"
    src = _bibtex_site(tmp_path, pages)
    _, outdir = build_once(make_app, src, parallel=parallel)
    assert "L19" in (outdir / "a.html").read_text()
    bib = src / "refs.bib"
    bib.write_text(bib.read_text().replace("author = {L, A}", "author = {Kim, A}"))
    touch_later(bib)
    _, outdir = build_once(make_app, src, parallel=parallel)
    assert "Kim19" in (outdir / "a.html").read_text()


def test_a_footcite_key_in_another_case_is_the_entry_it_cites(make_app, tmp_path: Path) -> None:
    # sphinxcontrib-bibtex finds a footcite's key in any case, so the entry is cited and
    # the key is defined; a {cite} key it cannot find in that case is still reported.
    src = _bibtex_site(
        tmp_path,
        {
            "a.md": "# A\n\nOne {footcite}`LEE2019, jones2021`. Two {cite:p}`Lee2019`.\n\n"
            "```{footbibliography}\n```\n"
        },
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 3, "cite_undefined")]
    assert "citation key 'Lee2019' is not in the bibliography; did you mean 'lee2019'?" in warnings


def test_a_bib_entry_with_its_key_on_the_next_line_is_found_at_its_start() -> None:
    text = ["@article{good2020,", "  doi = {10.1234/a},", "}", "", "@Article{", "  lee2019,"]
    assert _entry_lines([*text, "  pmid = {1},", "}"]) == {"good2020": 1, "lee2019": 5}


def test_a_link_to_a_citation_key_resolves_as_myst_resolves_it(make_app, tmp_path: Path) -> None:
    # MyST asks sphinxcontrib-bibtex, which links [text](key) to the entry's citation.
    src = _bibtex_site(
        tmp_path,
        {"a.md": "# A\n\nOne {cite:p}`lee2019`. See [Lee](lee2019).\n\n```{bibliography}\n```\n"},
    )
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("refs.bib", 5, "cite_unused")]


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_malformed_cite_target_is_a_finding_not_a_crash(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # sphinxcontrib-bibtex raises on a target that is not keys separated by commas, which
    # stops the whole build; kapdocs reports it at its line and shows the role as text.
    src = _bibtex_site(
        tmp_path,
        {
            "a.md": "# A\n\nFirst {cite:p}`lee2019`.\n\nBoth {cite:t}`lee2019 Jones2021`.\n\n"
            "```{bibliography}\n```\n",
            "b.rst": "B\n=\n\nAlso :cite:p:`Jones2021; {see} lee2019`.\n",
        },
    )
    warnings, outdir = build_once(make_app, src, freshenv=True, parallel=parallel)
    # Jones2021 is cited only inside the malformed targets, so it counts as cited nowhere.
    assert findings(warnings, src) == [
        ("a.md", 5, "cite_malformed"),
        ("b.rst", 4, "cite_malformed"),
        ("refs.bib", 5, "cite_unused"),
    ]
    assert "citation 'lee2019 Jones2021' is not citation keys separated by commas" in warnings
    # Each page is told the fix in its own syntax.
    for file, fix in (("a.md", "{cite:p}`key1,key2`"), ("b.rst", ":cite:p:`key1,key2`")):
        assert re.search(rf"{file}:\d+: WARNING: .*{re.escape(fix)}", warnings)
    assert "Both <span>lee2019 Jones2021</span>." in (outdir / "a.html").read_text()
    # An unchanged rebuild reports the same, from what reading recorded.
    again, _ = build_once(make_app, src, parallel=parallel)
    assert findings(again, src) == findings(warnings, src)
    # Mended, the keys are cited and the finding is gone.
    (src / "a.md").write_text((src / "a.md").read_text().replace("lee2019 Jones", "lee2019,Jones"))
    touch_later(src / "a.md")
    mended, _ = build_once(make_app, src, parallel=parallel)
    assert findings(mended, src) == [("b.rst", 4, "cite_malformed")]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "a.md",
            "# A\n\nOne {cite:p}`lee2019, nokey` here, with a comma and nokey.\n"
            "Then {footcite:t}`nokey` and {cite:p}`,` and {footcite}`other, lee2019`.\n\n"
            "```{footbibliography}\n```\n\n```{bibliography}\n```\n",
        ),
        (
            "a.rst",
            "A\n=\n\nOne :cite:p:`lee2019, nokey` here, with a comma and nokey.\n"
            "Then :footcite:t:`nokey` and :cite:p:`,` and :footcite:`other, lee2019`.\n\n"
            ".. footbibliography::\n\n.. bibliography::\n",
        ),
    ],
)
def test_a_citation_on_a_paragraph_s_second_line_is_found_there(
    make_app, tmp_path: Path, name: str, text: str
) -> None:
    # A footcite and a malformed cite carry the paragraph's line; each is reported at the
    # line of its own role, not at the first line above that has the key or a comma.
    src = _bibtex_site(tmp_path, {name: text})
    warnings, _ = build_once(make_app, src, freshenv=True)
    first = 3 if name.endswith(".md") else 4  # the paragraph's first line
    assert findings(warnings, src) == [
        (name, first, "cite_undefined"),  # nokey in the cite role
        (name, first + 1, "cite_malformed"),
        (name, first + 1, "cite_undefined"),  # nokey in the first footcite
        (name, first + 1, "cite_undefined"),  # other
        ("refs.bib", 5, "cite_unused"),
    ]


def test_a_link_to_a_key_and_more_is_a_finding_not_a_crash(make_app, tmp_path: Path) -> None:
    # MyST asks sphinxcontrib-bibtex about the link, whose target starts with a key; the
    # domain raised while pages were written and the whole build stopped.
    src = _bibtex_site(
        tmp_path,
        {
            "a.md": "# A\n\nOne {cite:p}`lee2019,Jones2021`.\n\nSee [x](<lee2019, a b>).\n\n"
            "```{bibliography}\n```\n"
        },
    )
    warnings, outdir = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 5, "link_doc")]
    assert "[myst.xref_missing]" not in warnings  # replaced by the finding
    assert (outdir / "a.html").exists()


@pytest.mark.parametrize(
    ("doi", "pmid", "fix"),
    [
        ("https://doi.org/10.1000/xyz123", None, "write it bare, doi = {10.1000/xyz123}"),
        ("http://dx.doi.org/10.1000/x", None, "write it bare, doi = {10.1000/x}"),
        ("DOI: 10.1000/x", None, "write it bare, doi = {10.1000/x}"),
        # Not a DOI with something before it: no bare form to offer (nor a cut-off one).
        ("10.1000/abc def", None, "expected 10.NNNN/..."),
        ("see 10.1000/x", None, "expected 10.NNNN/..."),
        (None, "PMID: 12345", "write it bare, pmid = {12345}"),
        (None, "https://pubmed.ncbi.nlm.nih.gov/12345/", "write it bare, pmid = {12345}"),
        (None, "12345a", "expected digits only"),
        ("10.1000/ok", "12345", None),
    ],
)
def test_an_identifier_written_with_its_prefix_is_offered_bare(
    doi: str | None, pmid: str | None, fix: str | None
) -> None:
    # The bibliography style adds https://doi.org/ and PubMed's address itself.
    problem = _identifier_problem(BibEntry("k", "refs.bib", 1, doi, pmid))
    assert (problem.rsplit("; ", 1)[1] if problem else None) == fix


def test_an_identifier_given_in_another_field_is_offered_as_its_own(
    make_app, tmp_path: Path
) -> None:
    # A DOI or PMID in a url, or in biblatex's eprint, is not one the style links; a PMCID
    # in pmid is no PMID.
    entries = {
        "byurl2020": "url = {https://doi.org/10.1000/qq}",
        "pubmed2021": "url = {https://pubmed.ncbi.nlm.nih.gov/31234567/}",
        "eprint2022": "eprint = {12345678}, eprinttype = {pubmed}",
        "eprintdoi2023": "eprint = {10.1000/zz}, eprinttype = {doi}",
        "pmc2024": "pmid = {PMC1234567}",
        "plain2025": "url = {https://example.org/paper}",
    }
    bib = "".join(
        f"@article{{{key},\n  title = {{T}}, author = {{A, B}}, journal = {{J}}, "
        f"year = {{2020}},\n  {fields},\n}}\n\n"
        for key, fields in entries.items()
    )
    page = f"# A\n\n{{cite:p}}`{','.join(entries)}`\n\n```{{bibliography}}\n```\n"
    src = _bibtex_site(tmp_path, {"a.md": page})
    (src / "refs.bib").write_text(bib)
    warnings, _ = build_once(make_app, src, freshenv=True)
    said = re.sub(r"\x1b\[[0-9;]*m", "", warnings)
    for key, fix in [
        ("byurl2020", "its url gives one; write doi = {10.1000/qq}"),
        ("pubmed2021", "its url gives one; write pmid = {31234567}"),
        ("eprint2022", "its eprint gives one; write pmid = {12345678}"),
        ("eprintdoi2023", "its eprint gives one; write doi = {10.1000/zz}"),
        ("pmc2024", "PubMed Central id (PMCID), not a PMID; give the article's PMID"),
        ("plain2025", "has neither a DOI nor a PMID; add a confirmed doi"),
    ]:
        assert re.search(rf"entry '{key}' .*{re.escape(fix)}", said), key


_BROKEN_BIB = """@article{lee2019,
  title = {L}, author = {L, A}, journal = {J}, year = {2019}, pmid = {12345},
}

@article{broken2020,
  title = {B, author = {B, A}, journal = {J}, year = {2020}, pmid = {23456},
}

@article{Jones2021,
  title = {J}, author = {J, A}, journal = {J}, year = {2021}, doi = {10.1234/def},
}
"""

_MORE_BIB = """@article{later2022,
  title = {M}, author = {M, A}, journal = {J}, year = {2022}, pmid = {34567},
}

@article{LEE2019,
  title = {Again}, author = {L, A}, journal = {J}, year = {2019}, pmid = {45678},
}

@article{after2023,
  title = {N}, author = {N, A}, journal = {J}, year = {2023}, pmid = {56789},
}
"""


@pytest.mark.parametrize("parallel", [0, 2])
def test_errors_in_the_bib_files_are_findings_in_every_build(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # pybtex stopped the build at a syntax error (a traceback naming no file), and a key
    # defined again lost the rest of its file; now each is a finding at its line, the
    # entries around them are read, and every build reports them until they are fixed.
    pages = {
        "a.md": "# A\n\n{cite:p}`lee2019,Jones2021,later2022,after2023`\n\n```{bibliography}\n```\n"
    }
    src = write_site(
        tmp_path / "src",
        pages,
        conf="extensions.append('sphinxcontrib.bibtex')\n"
        "bibtex_bibfiles = ['refs.bib', 'more.bib']\n",
    )
    (src / "refs.bib").write_text(_BROKEN_BIB)
    (src / "more.bib").write_text(_MORE_BIB)
    first, outdir = build_once(make_app, src, parallel=parallel)
    # The unclosed brace of broken2020 (line 5) is noticed where the next entry starts;
    # the entries cited, before and after each error, are all read (no cite_undefined).
    assert [f for f in findings(first, src) if f[2] in ("cite_bibfile", "cite_undefined")] == [
        ("more.bib", 5, "cite_bibfile"),
        ("refs.bib", 5, "cite_bibfile"),
    ]
    assert "starts here cannot be read: syntax error: '}' expected on line 9;" in first
    assert "bibliography entry 'LEE2019' is defined again here" in first
    assert (outdir / "a.html").exists()
    # Nothing changed: sphinxcontrib-bibtex does not parse the files again, the findings stay.
    touch_later(src / "a.md")
    second, _ = build_once(make_app, src, parallel=parallel)
    assert findings(second, src) == findings(first, src)
    (src / "refs.bib").write_text(_BROKEN_BIB.replace("title = {B,", "title = {B},"))
    (src / "more.bib").write_text(_MORE_BIB.split("@article{LEE2019")[0])
    touch_later(src / "refs.bib")  # a new time: sphinxcontrib-bibtex compares them
    touch_later(src / "more.bib")
    third, _ = build_once(make_app, src, parallel=parallel)
    assert [f for f in findings(third, src) if f[2] == "cite_bibfile"] == []


def test_a_bug_in_the_bib_file_check_is_an_internal_finding(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    def broken(*args: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr("kapdocs.bibfiles.findings", broken)
    src = _bibtex_site(tmp_path, {"a.md": "# A\n\n{cite:p}`lee2019`\n\n```{bibliography}\n```\n"})
    warnings, outdir = build_once(make_app, src, freshenv=True)
    assert ("refs.bib", 1, "internal") in findings(warnings, src)
    assert "RuntimeError: boom" in warnings
    assert (outdir / "a.html").exists()


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_footcite_of_an_entry_the_style_cannot_show_is_a_finding(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # sphinxcontrib-bibtex makes a footcite's footnote as the role is read, and the style
    # raises for an entry without an author: alone, it stops the build.
    bib = "@article{lee2019,\n  title = {L}, journal = {J}, year = {2019}, pmid = {12345},\n}\n"
    bib += "@article{kim2020,\n  title = {K}, author = {K, A}, journal = {J}, year = {2020},\n"
    bib += "  pmid = {23456},\n}\n"
    pages = {
        "a.md": "# A\n\nCited.{footcite}`lee2019`\n\n```{footbibliography}\n```\n",
        "b.rst": "B\n=\n\nCited. :footcite:`lee2019`\n",  # no footbibliography
        # The footnote of the key before it is made, and still referenced.
        "c.md": "# C\n\nCited.{footcite}`kim2020,lee2019`\n\n```{footbibliography}\n```\n",
    }
    src = write_site(
        tmp_path / "src",
        pages,
        conf="extensions.append('sphinxcontrib.bibtex')\nbibtex_bibfiles = ['refs.bib']\n",
    )
    (src / "refs.bib").write_text(bib)
    first, outdir = build_once(make_app, src, parallel=parallel)
    assert findings(first, src) == [
        ("a.md", 3, "cite_bibfile"),
        ("b.rst", 4, "cite_bibfile"),
        ("c.md", 3, "cite_bibfile"),
    ]
    assert "is not referenced" not in first
    assert 'href="#footcite-kim2020"' in (outdir / "c.html").read_text()
    assert "{footcite} of 'lee2019' cannot be shown: its .bib entry lacks 'author'" in first
    assert ":footcite: of 'lee2019' cannot be shown" in first
    assert "Cited.<span>lee2019</span>" in (outdir / "a.html").read_text()  # shown as text
    # Every build reports it until the entry is mended; then both pages are read again,
    # the one without a footbibliography too, and show the footnote.
    touch_later(src / "a.md")
    second, _ = build_once(make_app, src, parallel=parallel)
    assert findings(second, src) == findings(first, src)
    (src / "refs.bib").write_text(bib.replace("title = {L},", "title = {L}, author = {L, A},"))
    touch_later(src / "refs.bib")
    third, outdir = build_once(make_app, src, parallel=parallel)
    clean, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    # Left: b.rst links a footnote that no footbibliography makes, in a clean build too.
    assert findings(third, src) == findings(clean, src) == [("b.rst", 1, "link_html")]
    assert "footnote-reference" in (outdir / "b.html").read_text()
    # And when an edit takes the author away again, b.rst, which no .bib file change
    # makes Sphinx read again, is read again and reported as in a clean build.
    (src / "refs.bib").write_text(bib)
    touch_later(src / "refs.bib")
    touch_later(src / "refs.bib")  # a time other than the last build's
    fourth, _ = build_once(make_app, src, parallel=parallel)
    assert findings(fourth, src) == findings(first, src)


def test_bib_errors_pybtex_gives_no_place_are_found_where_they_are(tmp_path: Path) -> None:
    # A field given twice and a name with too many commas: strict pybtex stopped the build;
    # captured, they carry no line, so the entry or the quoted text is looked up.
    import pybtex.errors
    from pybtex.database.input.bibtex import Parser

    from kapdocs.bibfiles import findings as bib_findings
    from kapdocs.locate import SourceLines

    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{a1,\n  title = {A}, journal = {J}, doi = {10.1000/a},\n"
        "  author = {Lee, A., B., C},\n}\n\n"
        "@article{a2,\n  title = {A},\n  title = {B}, doi = {10.1000/b},\n}\n"
    )
    with pybtex.errors.capture() as captured:
        Parser("utf-8").parse_file(str(bib))
    found = bib_findings(captured, [str(bib)], SourceLines(tmp_path))
    assert [(f.file, f.line, f.message.split(";")[0]) for f in found] == [
        ("refs.bib", 3, "Too many commas in 'Lee, A., B., C'"),
        ("refs.bib", 6, "entry with key a2 has a duplicate title field"),
    ]


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_bibliography_style_pybtex_lacks_is_a_finding_in_every_build(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # sphinxcontrib-bibtex stopped the build looking the style up once all pages were read.
    bib = "# Bib\n\n{cite:p}`lee2019,Jones2021`\n\n```{bibliography}\n:style: plian\n```\n"
    src = _bibtex_site(tmp_path, {"bib.md": bib, "other.md": "# Other\n\nText.\n"})
    first, outdir = build_once(make_app, src, parallel=parallel)
    assert findings(first, src) == [("bib.md", 6, "cite_malformed")]
    assert "style 'plian' is not a pybtex style, so the bibliography is shown in the" in first
    assert "did you mean 'plain'?" in first
    assert 'href="#id' in (outdir / "bib.html").read_text()  # cited, and listed
    touch_later(src / "other.md")
    second, _ = build_once(make_app, src, parallel=parallel)
    assert findings(second, src) == findings(first, src)


@pytest.mark.parametrize("parallel", [0, 2])
def test_keys_a_bibliography_lists_are_uses_and_must_exist(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # "Further reading": a bibliography may list keys as its content. Listed, an entry is
    # used (no cite_unused); a key the .bib files lack was silent (kapdocs replaces the
    # warning sphinxcontrib-bibtex gives for it) and is now cite_undefined at its line.
    pages = {
        "a.md": "# A\n\n```{bibliography}\nlee2019\nlee2020\n```\n",
        "b.rst": "B\n=\n\n.. bibliography::\n\n   Jones2021\n   jones2021\n",
    }
    src = _bibtex_site(tmp_path, pages)
    warnings, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert findings(warnings, src) == [
        ("a.md", 5, "cite_undefined"),
        ("b.rst", 7, "cite_undefined"),
    ]
    assert "citation key 'lee2020' is not in the bibliography; did you mean 'lee2019'?" in warnings
    assert "citation key 'jones2021' is not in the bibliography; did you mean 'Jones2021'?" in (
        warnings
    )


@pytest.mark.parametrize("parallel", [0, 2])
def test_an_entry_type_the_style_cannot_show_is_a_finding_in_every_build(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # biblatex's @report is no type of pybtex's styles: formatting it stopped the build.
    src = _bibtex_site(
        tmp_path,
        {
            "a.md": "# A\n\n{cite:p}`lee2019,Jones2021,who2020`\n\n```{bibliography}\n```\n",
            "b.md": "# B\n\nCited.{footcite}`who2020`\n\n```{footbibliography}\n```\n",
        },
    )
    with (src / "refs.bib").open("a") as bib:
        bib.write("\n@report{who2020,\n  title = {Report}, author = {WHO}, year = {2020},\n")
        bib.write("  doi = {10.1234/who},\n}\n")
    first, outdir = build_once(make_app, src, parallel=parallel)
    assert findings(first, src) == [("refs.bib", 9, "cite_bibfile")]
    assert "entry 'who2020' is of type @report, which the style 'alpha' cannot show" in first
    assert "Report" in (outdir / "a.html").read_text()  # listed, as @misc
    touch_later(src / "a.md")
    second, _ = build_once(make_app, src, parallel=parallel)
    assert findings(second, src) == findings(first, src)


def test_a_page_link_with_a_query_string_is_offered_without_it(make_app, tmp_path: Path) -> None:
    # MyST looks for a file named "b.md?tab=2": the page exists, the query is the fault.
    pages = {
        "a.md": "# A\n\n[b](b.md?tab=2#part) [c](c.md?x=1)\n",
        "b.md": "# B\n\n## Part\n\nText.\n",
    }
    src = write_site(tmp_path / "src", pages)
    warnings, _ = build_once(make_app, src, freshenv=True)
    messages = [line for line in warnings.splitlines() if "[kapdocs.link_doc]" in line]
    assert len(messages) == 2
    assert (
        "'b.md?tab=2#part' gives a page a query string, which MyST cannot link; write"
        in (messages[0])
    )
    assert "'b.md#part'" in messages[0]
    assert "page 'c.md' is not in the site" in messages[1]  # no such page, query or not
    (src / "a.md").write_text("# A\n\n[b](b.md#part)\n")
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == []


def test_a_link_to_a_page_the_build_leaves_out_says_so(make_app, tmp_path: Path) -> None:
    # The file is there, so "fix the path" would mislead: exclude_patterns leaves it out.
    pages = {
        "a.md": "# A\n\n[draft](drafts/d.md), {doc}`drafts/d`, [name](drafts/d) and\n"
        "[case](SUB/B.md) and [latin](latin.md).\n",
        "b.rst": "B\n=\n\nA :doc:`drafts/d` and :doc:`Sub/B`.\n",
        "sub/b.md": "# B\n",
        "drafts/d.md": "# Draft\n",
    }
    src = write_site(tmp_path / "src", pages, conf="exclude_patterns = ['drafts']\n")
    (src / "index.md").write_text("# Index\n\n```{toctree}\na\nb\nsub/b\n```\n")
    (src / "latin.md").write_bytes(b"# Caf\xe9\n")  # not UTF-8: left out, and said why
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("a.md", 3, "link_doc"),
        ("a.md", 3, "link_doc"),
        ("a.md", 3, "link_doc"),
        ("a.md", 4, "link_doc"),
        ("a.md", 4, "link_doc"),
        ("b.rst", 4, "link_doc"),
        ("b.rst", 4, "link_doc"),
        ("latin.md", 1, "source_encoding"),
    ]
    left_out = "is not in the site, though its source 'drafts/d.md' is: the build leaves it out"
    assert warnings.count(left_out) == 4
    assert (
        "'latin' is not in the site, though its source 'latin.md' is: it is not valid in "
        "source_encoding, so the build leaves it out until it is saved so"
    ) in warnings
    # A near miss in case alone is offered the page.
    assert "page 'SUB/B.md' is not in the site; did you mean 'sub/b.md'?" in warnings
    assert "document 'Sub/B' does not exist; did you mean 'sub/b'?" in warnings


def test_an_anchor_another_page_has_is_offered_there(make_app, tmp_path: Path) -> None:
    # Nothing near it on the page linked; the page that has it, label or heading, is named.
    pages = {
        "a.md": "# A\n\n(shared-label)=\n## Dosing notes\n\n[x](#practical-tips)\n",
        "sub/b.md": "# B\n\n## Practical tips\n\n[y](../a.md#zzz) [z](../a.md#shared-label)\n"
        "[w](#dosing-notes)\n",
    }
    src = write_site(tmp_path / "src", pages)
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [
        ("a.md", 6, "link_anchor"),
        ("sub/b.md", 5, "link_anchor"),
        ("sub/b.md", 6, "link_anchor"),
    ]
    assert (
        "anchor '#practical-tips' does not exist on this page; it is on 'sub/b': did you "
        "mean 'sub/b.md#practical-tips'?"
    ) in warnings
    assert (
        "anchor '#dosing-notes' does not exist on this page; it is on 'a': did you mean "
        "'../a.md#dosing-notes'?"
    ) in warnings
    assert "anchor '#zzz' does not exist in 'a'; link an existing heading or label" in warnings


def test_a_link_out_of_the_source_folder_says_so(make_app, tmp_path: Path) -> None:
    # MyST looks for "../a.md" beside the site, not in it; the page named from the top
    # folder exists, so neither "left out" nor "not in the site" would be true.
    pages = {"a.md": "# A\n\n[up](../a.md) and [up twice](../../b.md#top)\n", "b.md": "# B\n"}
    src = write_site(tmp_path / "src", pages)
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 3, "link_doc"), ("a.md", 3, "link_doc")]
    outside = "leads out of the site's source folder, where MyST finds no page; did you mean"
    assert f"page '../a.md' {outside} 'a.md'?" in warnings
    assert f"page '../../b.md' {outside} 'b.md#top'?" in warnings


@pytest.mark.parametrize(
    ("value", "choices", "expected"),
    [
        ("glutamte", ["Glutamate", "glutamate"], "glutamate"),  # with case first
        ("GLUTAMATE", ["Glutamate", "BDNF"], "Glutamate"),  # no letter equal but in case
        ("SUB/INDEX", ["sub/index", "Sub/Index"], "sub/index"),  # the first of equals
        ("zzz", ["glutamate"], None),
    ],
)
def test_closest_looks_again_without_case(
    value: str, choices: list[str], expected: str | None
) -> None:
    assert closest(value, choices) == expected


ANY_PAGE = """\
# A

(titled)=
## Titled

(untitled)=
Plain paragraph.

{any}`b` {any}`titled` {any}`Text <untitled>` {any}`set and setting` {any}`nolabel`
{any}`BDNF` {any}`untitled`

```{button-ref} nobutton
Go
```
"""
ANY_GLOSSARY = "# G\n\n```{glossary}\nset and setting\n  Mindset.\n\nBDNF\n  A factor.\n```\n"


@pytest.mark.parametrize("parallel", [0, 2])
def test_the_any_role_is_checked_like_ref(make_app, tmp_path: Path, parallel: int) -> None:
    # Sphinx's any role finds pages, labels, objects and terms written in lower case;
    # what it cannot find is link_ref (in place of Sphinx's "ref.any"), on every build.
    pages = {"a.md": ANY_PAGE, "b.rst": "B\n=\n\nA :any:`a` and :any:`nolabel2`.\n"}
    pages["g.md"] = ANY_GLOSSARY
    src = write_site(tmp_path / "src", pages, conf="extensions.append('sphinx_design')\n")
    first, outdir = build_once(make_app, src, parallel=parallel)
    expected = [
        ("a.md", 9, "link_ref"),  # nolabel
        ("a.md", 10, "link_ref"),  # BDNF: the any role looks terms up in lower case
        ("a.md", 12, "link_ref"),  # the button's target
        ("b.rst", 4, "link_ref"),
        ("g.md", 4, "term_unused"),  # an any role is no term role
        ("g.md", 7, "term_unused"),
    ]
    assert findings(first, src) == expected
    # A label without a title is Sphinx's to report: it says so in its own words.
    assert "'any' reference target not found: untitled [ref.any]" in first
    assert first.count("[ref.any]") == 1
    assert "the any role does not link the glossary term 'BDNF'" in first
    assert "write {term}`BDNF`" in first
    assert "'nolabel2' names no page, label, glossary term or other object" in first
    # The label comes (on the title: the navigation stays as it was); the linking page is
    # written again, with the link.
    (src / "b.rst").write_text(".. _nolabel:\n\nB\n=\n\nA :any:`a` and :any:`nolabel2`.\n")
    touch_later(src / "b.rst")
    again, outdir = build_once(make_app, src, parallel=parallel)
    assert 'href="b.html#nolabel"' in (outdir / "a.html").read_text()
    clean, _ = build_once(make_app, src, freshenv=True, parallel=parallel)
    assert findings(again, src) == findings(clean, src)
    assert ("a.md", 9, "link_ref") not in findings(again, src)


def test_numref_is_checked_like_ref(make_app, tmp_path: Path) -> None:
    # {numref} names a label as {ref} does: a missing one is link_ref with a suggestion, in
    # place of Sphinx's "undefined label"; one on something without a number stays Sphinx's.
    page = (
        "# A\n\n```{figure} x.png\n:name: fig-one\n\nCaption.\n```\n\n(plain)=\nText.\n\n"
        "See {numref}`fig-one`, {numref}`Fig %s <fig-on>` and {numref}`plain`.\n"
    )
    src = write_site(tmp_path / "src", {"a.md": page, "b.rst": "B\n=\n\n:numref:`nofig`\n"})
    (src / "conf.py").write_text((src / "conf.py").read_text() + "numfig = True\n")
    (src / "x.png").write_bytes(b"PNG")
    warnings, _ = build_once(make_app, src, freshenv=True)
    assert findings(warnings, src) == [("a.md", 12, "link_ref"), ("b.rst", 4, "link_ref")]
    assert "label 'fig-on' does not exist; did you mean 'fig-one'?" in warnings
    assert "undefined label: 'fig-on'" not in warnings
    assert "undefined label: 'nofig'" not in warnings
    assert warnings.count("[ref.numref]") == 1  # plain: a label on a paragraph, no number


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_label_defined_twice_survives_deleting_one(
    make_app, tmp_path: Path, parallel: int
) -> None:
    # Sphinx keeps the label with the last page that defined it and forgets it when that
    # page drops it: a.md still defines it, so a clean build has it, and so must this one.
    pages = {
        "a.md": "# A\n\n(sec)=\n## Sec\n\nText.\n",
        "b.md": "# B\n\n(sec)=\n## Copy\n\nText.\n",
        "c.md": "# C\n\nSee {ref}`sec`.\n",
    }
    src = write_site(tmp_path / "src", pages)
    build_once(make_app, src, parallel=parallel)
    (src / "b.md").write_text("# B\n\n## Copy\n\nText.\n")
    touch_later(src / "b.md")
    again, outdir = build_once(make_app, src, parallel=parallel)
    assert findings(again, src) == []
    assert 'href="a.html#sec"' in (outdir / "c.html").read_text()
