"""Results worked out from whole kinds of record are kept while none of those records
change, and an incremental build still reports exactly what a clean build reports."""

from __future__ import annotations

import shutil
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from kapdocs import dependents, search, terms
from kapdocs.store import KapdocsDomain, TermRef
from tests.conftest import build_once, findings, touch_later, write_site

if TYPE_CHECKING:
    from pathlib import Path


def _store() -> KapdocsDomain:
    return KapdocsDomain(SimpleNamespace(domaindata={}))  # type: ignore[arg-type]


def _ref(docname: str, target: str) -> TermRef:
    return TermRef(docname, f"{docname}.md", 3, target, False, target)


def _read(store: KapdocsDomain, docname: str, refs: list[TermRef]) -> None:
    """What Sphinx does when it reads a page again: clear it, then collect it."""
    store.clear_doc(docname)
    store.add("refs", docname, refs)
    store.add("abbrs", docname, [])


def test_a_kind_changes_when_a_page_s_rows_do_not_when_it_is_read_again() -> None:
    store = _store()
    _read(store, "a", [_ref("a", "bdnf")])
    _read(store, "b", [])
    store.start_checks()
    assert store.changed(["refs"])  # new pages

    store.start_checks()
    assert not store.changed(["refs"])  # nothing read since

    _read(store, "a", [_ref("a", "bdnf")])
    assert store.changed(["abbrs"])  # read since the checks last ran: not known until they run
    store.start_checks()
    assert not store.changed(["refs"])
    assert not store.changed(["abbrs"])

    _read(store, "a", [_ref("a", "nmda receptor")])
    _read(store, "a", [_ref("a", "bdnf")])  # read twice before the checks: back as it was
    store.start_checks()
    assert not store.changed(["refs"])

    _read(store, "b", [_ref("b", "bdnf")])
    store.start_checks()
    assert store.changed(["refs"])
    assert store.changed(["abbrs", "refs"])
    assert not store.changed(["abbrs"])

    store.clear_doc("b")  # removed
    store.start_checks()
    assert store.changed(["refs"])
    assert list(store.records("refs")) == [_ref("a", "bdnf")]


def test_a_kind_changes_when_a_worker_s_rows_are_merged() -> None:
    store = _store()
    _read(store, "a", [_ref("a", "bdnf")])
    store.start_checks()
    # Sphinx clears the pages in the main process; a worker reads them and sends its data.
    store.clear_doc("a")
    worker = _store()
    worker.add("refs", "a", [_ref("a", "bdnf")])
    store.merge_domaindata({"a"}, worker.data)
    store.start_checks()
    assert not store.changed(["refs"])

    store.clear_doc("a")
    worker.add("refs", "a", [_ref("a", "glutamate")])
    store.merge_domaindata({"a"}, worker.data)
    store.start_checks()
    assert store.changed(["refs"])
    assert list(store.records("refs")) == [_ref("a", "glutamate")]


def test_a_result_is_reused_only_while_its_records_and_key_are_unchanged() -> None:
    store = _store()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    def reuse(key: object = "k") -> int:
        return store.reuse("count", ["refs"], key, compute)

    _read(store, "a", [_ref("a", "bdnf")])
    assert reuse() == 1
    assert reuse() == 2  # before any run of the checks, nothing is known to be unchanged
    store.start_checks()
    assert reuse() == 3  # "a" was read since the checks last ran
    store.start_checks()
    assert reuse() == 3
    assert reuse("other key") == 4
    _read(store, "a", [_ref("a", "bdnf")])
    store.start_checks()
    assert reuse("other key") == 4
    _read(store, "a", [])
    store.start_checks()
    assert reuse("other key") == 5


GLOSSARY = """# Glossary

```{glossary}
BDNF
Brain-derived neurotrophic factor
  A growth factor of the brain.

NMDA receptor
  A glutamate-gated ion channel.

Unused entry
  Linked from nowhere.
```
"""
PAGES = {
    "glossary.md": GLOSSARY,
    "one.md": "# One\n\nThe {term}`NMDA receptor` is blocked. BDNF rises. A CSF sample.\n",
    "two.md": "# Two\n\nSee [one](one.md#one) and {term}`BDNF`.\n",
}
# Edits, each on top of the last; every build after one reports as a clean build would.
EDITS = [
    ("one.md", "A CSF sample.", "A CSF sample, then more prose."),  # prose only
    ("two.md", "{term}`BDNF`", "{term}`brain-derived neurotrophic factor`"),  # same entry
    ("two.md", "{term}`brain-derived neurotrophic factor`", "{term}`Unused entry`"),
    ("glossary.md", "NMDA receptor\n", "NMDA receptor complex\n"),  # one.md's link breaks
    ("one.md", "A CSF sample", "A cerebrospinal fluid (CSF) sample"),  # abbreviation explained
    ("glossary.md", "Unused entry\n", "Unused entry\nBDNF\n"),  # a duplicate name
    ("glossary.md", "Unused entry\nBDNF\n", "Unused entry\n"),
]
PROSE_ONLY = {0, 4}  # the steps that change no term, term link or glossary entry
DEFINITIONS = {3, 5, 6}  # the steps that change what the glossary defines


@pytest.mark.parametrize("parallel", [0, 2])
def test_each_edit_reports_as_a_clean_build(
    make_app: Any, tmp_path: Path, parallel: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "site", PAGES)
    checked: list[str] = []
    real_definitions, real_used_on = terms.check_definitions, dependents.used_on
    monkeypatch.setattr(
        terms, "check_definitions", lambda e: checked.append("terms") or real_definitions(e)
    )
    # As the change snapshot asks for it (the glossary page, when written, asks too).
    monkeypatch.setattr(
        dependents, "used_on", lambda env: checked.append("used_on") or real_used_on(env)
    )
    real_data = search.glossary_data
    monkeypatch.setattr(
        search, "glossary_data", lambda app: checked.append("search") or real_data(app)
    )
    build_once(make_app, site, parallel=parallel)
    for step, (name, old, new) in enumerate(EDITS):
        page = site / name
        assert old in page.read_text()
        page.write_text(page.read_text().replace(old, new))
        touch_later(page)
        checked.clear()
        warnings, outdir = build_once(make_app, site, parallel=parallel)
        # Prose alone changes no term link: the term checks and "Used on" are kept.
        links_terms = step not in PROSE_ONLY
        assert ("terms" in checked, "used_on" in checked) == (links_terms, links_terms), step
        assert ("search" in checked) == (step in DEFINITIONS), step
        clean = shutil.copytree(site, tmp_path / f"clean-{step}", ignore=_build_output)
        expected, clean_outdir = build_once(make_app, clean, parallel=parallel)
        assert findings(warnings, site) == findings(expected, clean), (step, name, new)
        script = f"_static/{search.DATA_FILE}"
        assert (outdir / script).read_text() == (clean_outdir / script).read_text(), step


def _build_output(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "_build"]
