"""Run one serial HTML build in this process and print what it did as one line of JSON.

``benchmarks/run.py`` starts this in a fresh process per build, so that every build pays
for its own imports and the process's peak memory belongs to one build. kapdocs' own
timers (:mod:`kapdocs.timing`) count per process, which is why the build runs here and
not through ``sphinx-build``.

    python benchmarks/driver.py SRC OUT [--without-kapdocs] [--fresh]

Prints ``{"status", "seconds", "read", "written", "phases", "gc"}``: the exit status, the
seconds from creating the application to the end of the build, the number of documents
read and pages written, kapdocs' per-phase seconds (empty without kapdocs), and the
garbage collector's full collections in the build (how many, their seconds, and the
seconds of those that fell inside each of kapdocs' timers).
Warnings go to standard error, as with ``sphinx-build``.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

OLDEST = len(gc.get_count()) - 1  # the generation a full collection collects


class FullCollections:
    """A ``gc.callbacks`` entry counting full (oldest-generation) collections and their time.

    Sphinx keeps every doctree it read in memory until it writes the page, so one full
    collection of a large build's heap takes a second or more, and whether an extra one
    falls inside a build can outweigh everything an extension does itself.
    """

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.in_kapdocs: dict[str, float] = {}  # seconds inside each of kapdocs' timers
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != OLDEST:
            return
        if phase == "start":
            self._started = time.perf_counter()
            return
        elapsed = time.perf_counter() - self._started
        self.count += 1
        self.seconds += elapsed
        timing = sys.modules.get("kapdocs.timing")  # imported only by a build with kapdocs
        running = timing.running() if timing is not None else None
        if running is not None:
            self.in_kapdocs[running] = self.in_kapdocs.get(running, 0.0) + elapsed


def build(src: Path, out: Path, kapdocs: bool, fresh: bool) -> dict[str, Any]:
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    extensions = ["myst_parser", "kapdocs"] if kapdocs else ["myst_parser"]
    counts = {"read": 0, "written": 0}

    def on_read(app: Sphinx, env: object, docnames: list[str]) -> None:
        counts["read"] += len(docnames)

    def on_page(app: Sphinx, *args: object) -> None:
        counts["written"] += 1

    collections = FullCollections()
    gc.callbacks.append(collections)
    start = time.perf_counter()
    try:
        with patch_docutils(src), docutils_namespace():
            app = Sphinx(
                src,
                src,
                out / "html",
                out / "doctrees",
                "html",
                confoverrides={"extensions": extensions},
                status=None,  # like -q
                warning=sys.stderr,
                freshenv=fresh,
            )
            app.connect("env-before-read-docs", on_read)
            app.connect("html-page-context", on_page)
            app.build()
    finally:
        # A caller that catches the error must not go on counting into this build.
        gc.callbacks.remove(collections)
    seconds = time.perf_counter() - start
    # Only a build with kapdocs has imported it; importing it here would bias the other.
    timing = sys.modules.get("kapdocs.timing")
    phases: dict[str, float] = timing.totals() if timing is not None else {}
    full = {
        "count": collections.count,
        "seconds": collections.seconds,
        "in_kapdocs": collections.in_kapdocs,
    }
    return {"status": app.statuscode, "seconds": seconds, **counts, "phases": phases, "gc": full}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--without-kapdocs", dest="kapdocs", action="store_false")
    parser.add_argument("--fresh", action="store_true", help="delete OUT first")
    args = parser.parse_args(argv)
    print(json.dumps(build(args.src, args.out, args.kapdocs, args.fresh)))


if __name__ == "__main__":
    main()
