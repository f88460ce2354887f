"""The JSON report ``kapdocs-report.json``: every finding of the build, for CI annotations.

Written on ``build-finished`` into the output directory. Findings silenced by
``suppress_warnings`` are left out, as they are from the console. A path the written site
already takes is a ``config`` finding, not a crash at the end of the build. A build that
stops with an error removes the report of the build before, which CI would otherwise read
as this build's.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from typing import TYPE_CHECKING

from kapdocs.config import conf_py_path, option_finding
from kapdocs.diagnostics import emit, is_suppressed
from kapdocs.store import get_store

if TYPE_CHECKING:
    from sphinx.application import Sphinx

REPORT_VERSION = 1


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    name = app.config.kapdocs_report
    if not name:
        return
    path = os.path.join(app.outdir, name)
    if exception is not None:
        # This build's findings are incomplete: no report rather than the last build's.
        with contextlib.suppress(OSError):
            os.remove(path)
        return
    findings = [f for f in get_store(app.env).findings if not is_suppressed(app, f)]
    report = {
        "version": REPORT_VERSION,
        "total": len(findings),
        "counts": dict(sorted(Counter(str(f.code) for f in findings).items())),
        "findings": [
            {"code": str(f.code), "file": f.file, "line": f.line, "message": f.message}
            for f in findings
        ],
    }
    try:
        # The name may hold folders ("reports/kapdocs.json"): make them, as Sphinx does its own.
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
            f.write("\n")
    except OSError as error:
        # Only the written site tells: a folder of that name ("_static"), or a file where a
        # folder must be ("index.html/kapdocs.json"). The findings are on the console.
        message = (
            f"kapdocs_report {name!r} cannot be written in the output directory "
            f"({error.strerror or error}); choose a path the written site does not use"
        )
        emit(app, option_finding(app.config, *conf_py_path(app), "kapdocs_report", message))


def setup_report(app: Sphinx) -> None:
    app.connect("build-finished", on_build_finished)
