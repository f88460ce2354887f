from __future__ import annotations

import os
import re
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = "sphinx.testing.fixtures"
collect_ignore = ["roots"]

_FINDING = re.compile(r"^(?P<file>.*?):(?P<line>\d+): WARNING: .*\[kapdocs\.(?P<code>\w+)\]$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).parent.resolve() / "roots"


def findings(warnings: str, srcdir: Path | str | None = None) -> list[tuple[str, int, str]]:
    """kapdocs findings in a warning stream as (file, line, code), file relative to srcdir."""
    result = []
    for raw in _ANSI.sub("", warnings).splitlines():
        match = _FINDING.match(raw.strip())
        if match:
            file = match["file"]
            if srcdir is not None:
                file = str(Path(file).relative_to(srcdir))
            result.append((file, int(match["line"]), match["code"]))
    return result


def touch_later(path: Path) -> None:
    """Date *path* ten seconds on, so that Sphinx sees it as changed since the last build."""
    stat = path.stat()
    os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))


def build_once(make_app: Any, srcdir: Path, **kwargs: Any) -> tuple[str, Path]:
    """Build *srcdir* with a fresh app (keeping its environment), return warnings and outdir.

    Calling it again on the same directory is an incremental build, as a maintainer's is.
    """
    warning = StringIO()
    app = make_app("html", srcdir=srcdir, warning=warning, **kwargs)
    app.build()
    outdir = app.outdir
    app.cleanup()
    return warning.getvalue(), Path(outdir)


def clean_first_again(
    make_app: Any, site: Path, parallel: int, edit: tuple[str, str]
) -> tuple[str, str, str]:
    """Warnings of three builds of *site*: a clean serial one; one from scratch with
    *parallel* processes; and an incremental one (as parallel) after *edit*, a page's
    name and new text, changes that page alone."""
    clean, _ = build_once(make_app, site, freshenv=True)
    shutil.rmtree(site / "_build")
    first, _ = build_once(make_app, site, parallel=parallel)
    name, text = edit
    (site / name).write_text(text)
    touch_later(site / name)
    again, _ = build_once(make_app, site, parallel=parallel)
    return clean, first, again


def write_rst_site(root: Path, index: str, conf: str = "") -> Path:
    """A one-page reStructuredText site in *root*: conf.py (plus *conf*) and *index*."""
    root.mkdir()
    (root / "conf.py").write_text('extensions = ["kapdocs"]\n' + conf)
    (root / "index.rst").write_text(index)
    return root


def write_site(root: Path, pages: dict[str, str], conf: str = "") -> Path:
    """A MyST site in *root*: conf.py (plus *conf*), an index whose toctree lists *pages*,
    and the pages."""
    root.mkdir()
    (root / "conf.py").write_text(
        'extensions = ["myst_parser", "kapdocs"]\nmyst_heading_anchors = 2\n' + conf
    )
    toctree = "\n".join(name.removesuffix(".md") for name in pages)
    (root / "index.md").write_text(f"# Index\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root
