"""The bookkeeping domain keeps records in a form the garbage collector can forget."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import pytest

from kapdocs.store import RECORD_KINDS, RECORD_TYPES, get_store

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
        if kind != "errors"  # a finding holds its code, an enum member
        for per_doc in store.data[kind].values()
        for row in per_doc
    ]
    assert {kind for kind, _ in rows} >= {"entries", "refs", "segments", "definitions"}
    assert all(type(row) is tuple and not gc.is_tracked(row) for _, row in rows)
    # Handed out as their named tuples, field for field.
    entry = next(store.records("entries"))
    assert isinstance(entry, RECORD_TYPES["entries"])
    assert entry == store.data["entries"][entry.docname][0]
