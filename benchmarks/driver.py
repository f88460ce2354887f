"""Run one serial HTML build in this process and print what it did as one line of JSON.

``benchmarks/run.py`` starts this in a fresh process per build, so that every build pays
for its own imports and the process's peak memory belongs to one build. kapdocs' own
timers (:mod:`kapdocs.timing`) count per process, which is why the build runs here and
not through ``sphinx-build``.

    python benchmarks/driver.py SRC OUT [--without-kapdocs] [--fresh]

Prints ``{"status", "seconds", "read", "written", "phases"}``: the exit status, the
seconds from creating the application to the end of the build, the number of documents
read and pages written, and kapdocs' per-phase seconds (empty without kapdocs).
Warnings go to standard error, as with ``sphinx-build``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils


def build(src: Path, out: Path, kapdocs: bool, fresh: bool) -> dict[str, Any]:
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    extensions = ["myst_parser", "kapdocs"] if kapdocs else ["myst_parser"]
    counts = {"read": 0, "written": 0}

    def on_read(app: Sphinx, env: object, docnames: list[str]) -> None:
        counts["read"] += len(docnames)

    def on_page(app: Sphinx, *args: object) -> None:
        counts["written"] += 1

    start = time.perf_counter()
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
    seconds = time.perf_counter() - start
    # Only a build with kapdocs has imported it; importing it here would bias the other.
    timing = sys.modules.get("kapdocs.timing")
    phases: dict[str, float] = timing.totals() if timing is not None else {}
    return {"status": app.statuscode, "seconds": seconds, **counts, "phases": phases}


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
