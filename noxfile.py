"""Maintainer sessions: nox -s docs, pdf, serve, linkcheck, tests, lint, audit, bench, lock."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2024.3.2"
nox.options.sessions = ["lint", "tests", "docs"]
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
DOCS = ROOT / "docs"
BUILD = DOCS / "_build"
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))
# Warnings are errors, every one is shown (--keep-going), broken references too (-n).
STRICT = ("-W", "--keep-going", "-n")
# axe-core (browser tests) and Lighthouse (audit), pinned in its package-lock.json.
BROWSER_TOOLS = ROOT / "tests" / "browser"


def install(session: nox.Session, *args: str) -> None:
    session.install(*CONSTRAINTS, *args)


def npm_ci(session: nox.Session) -> None:
    """Install the browser tools once; they never download a browser."""
    if shutil.which("npm") and not (BROWSER_TOOLS / "node_modules").is_dir():
        npm = ("npm", "ci", "--prefix", str(BROWSER_TOOLS), "--no-audit", "--no-fund")
        session.run(*npm, external=True)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the HTML site with furo into docs/_build/html."""
    install(session, ".")
    out = BUILD / "html"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(BUILD / "doctrees", ignore_errors=True)
    session.run(
        "sphinx-build", "-b", "html", *STRICT, "-d", str(BUILD / "doctrees"), "docs", str(out)
    )
    session.log(f"The site is in {out}; open {out / 'index.html'}")


@nox.session
def pdf(session: nox.Session) -> None:
    """Build the PDF with xelatex into docs/_build/latex/kapdocs.pdf."""
    install(session, ".")
    out = BUILD / "latex"
    shutil.rmtree(out, ignore_errors=True)
    session.run(
        "sphinx-build",
        "-M",
        "latexpdf",
        "docs",
        str(BUILD),
        *STRICT,
        "-q",
        env={"LATEXMKOPTS": "-interaction=nonstopmode -halt-on-error"},
    )
    session.log(f"The PDF is {out / 'kapdocs.pdf'}")


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview on http://127.0.0.1:8000, rebuilt on every save."""
    install(session, ".", "sphinx-autobuild")
    session.run(
        "sphinx-autobuild",
        "docs",
        str(BUILD / "live"),
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--watch",
        "src",
        *session.posargs,
    )


@nox.session
def linkcheck(session: nox.Session) -> None:
    """Check external links online with Sphinx's linkcheck builder (needs the internet)."""
    install(session, ".")
    session.run("sphinx-build", "-b", "linkcheck", "-q", "docs", str(BUILD / "linkcheck"))


@nox.session
def bench(session: nox.Session) -> None:
    """Build time and memory with and without kapdocs (about 16 minutes; --quick: 1 minute).

    Writes benchmarks/results.json and docs/maintainers/benchmarks.md; --render rewrites
    them from the measurements already in results.json.
    """
    install(session, ".")
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite; KAPDOCS_REQUIRE_ALL=1 turns TeX/Chromium skips into failures."""
    install(session, "-e", ".[test]")
    npm_ci(session)
    session.run(
        "pytest",
        *session.posargs,
        env={"KAPDOCS_REQUIRE_ALL": os.environ.get("KAPDOCS_REQUIRE_ALL", "")},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format check) and mypy on src/."""
    install(session, "-e", ".", "ruff", "mypy", "types-docutils", "types-PyYAML")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def audit(session: nox.Session) -> None:
    """Lighthouse scores of three pages, into docs/maintainers/audit.json and audit.md."""
    install(session, ".")
    npm_ci(session)
    out = BUILD / "audit"
    shutil.rmtree(out, ignore_errors=True)
    session.run("sphinx-build", "-b", "html", "-q", "docs", str(out))
    session.run("python", str(BROWSER_TOOLS / "audit.py"), str(out))


@nox.session
def lock(session: nox.Session) -> None:
    """Re-resolve the newest allowed versions into constraints.txt (review the diff)."""
    session.install(
        "-e", ".[test]", "ruff", "mypy", "types-docutils", "types-PyYAML", "sphinx-autobuild"
    )
    frozen = session.run("pip", "freeze", "--exclude-editable", silent=True)
    header = "# Pinned versions for every nox session (pip install -c constraints.txt).\n"
    header += (
        "# Regenerate: nox -s lock. One place for tool versions; pyproject.toml keeps ranges.\n"
    )
    (ROOT / "constraints.txt").write_text(header + str(frozen))
