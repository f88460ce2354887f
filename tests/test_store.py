"""The bookkeeping domain keeps records small and out of the garbage collector's sight."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

import pytest

from kapdocs import terms, usedon
from kapdocs.store import PACKED_KINDS, RECORD_KINDS, RECORD_TYPES, get_store

if TYPE_CHECKING:
    from sphinx.testing.util import SphinxTestApp


@pytest.mark.sphinx("html", testroot="terms-clean", freshenv=True)
def test_records_are_plain_tuples_out_of_the_collectors_sight(app: SphinxTestApp) -> None:
    app.build()
    store = get_store(app.env)
    gc.collect()
    rows = [
        (kind, row)
        for kind in RECORD_KINDS
        # A finding holds its code, an enum member; prose is kept pickled.
        if kind != "errors" and kind not in PACKED_KINDS
        for per_doc in store.data[kind].values()
        for row in per_doc
    ]
    assert {kind for kind, _ in rows} >= {"entries", "refs", "definitions"}
    assert all(type(row) is tuple and not gc.is_tracked(row) for _, row in rows)
    assert all(type(packed) is bytes for packed in store.data["segments"].values())
    page = store.by_doc("segments")["page"]
    assert page
    assert all(isinstance(segment, RECORD_TYPES["segments"]) for segment in page)
    assert "NMDA receptors" in " ".join(segment.text for segment in page)
    # Handed out as their named tuples, field for field.
    entry = next(store.records("entries"))
    assert isinstance(entry, RECORD_TYPES["entries"])
    assert entry == store.data["entries"][entry.docname][0]


@pytest.mark.sphinx("html", testroot="terms-clean", freshenv=True)
def test_values_derived_from_records_are_worked_out_once_while_the_checks_run(
    app: SphinxTestApp, monkeypatch
) -> None:
    calls: list[str] = []
    real = terms.defined_names

    def counting(entries: Any) -> Any:
        calls.append("names")
        return real(entries)

    monkeypatch.setattr(terms, "defined_names", counting)
    app.build()
    # The checks, the change snapshot and its "Used on" mapping share one answer; the
    # glossary page, written later, works its mapping out again rather than keep it.
    assert calls == ["names", "names"]
    store = get_store(app.env)
    assert usedon.used_on(app.env)
    assert usedon.used_on(app.env) is not usedon.used_on(app.env)
    with store.deriving():
        mapping = usedon.used_on(app.env)
        assert usedon.used_on(app.env) is mapping
    assert usedon.used_on(app.env) is not mapping
