"""The ``kapdocs_*`` options, declared once and validated on ``config-inited``.

A value of the wrong type, or one the option cannot take (a negative number of days, a
report path outside the output directory), is replaced by the default on
``config-inited``, so a typo in ``conf.py`` never crashes the build, and becomes a
``config`` finding located at the line of ``conf.py`` that assigns the option. The
finding is reported with the others once all pages are read, so that it is in the report
and ``suppress_warnings`` silences it alike.
"""

from __future__ import annotations

import ast
import os
import posixpath
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from kapdocs.diagnostics import Code, Finding
from kapdocs.store import get_store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sphinx.application import Sphinx
    from sphinx.config import Config


class Option(NamedTuple):
    name: str
    default: Any
    types: tuple[type, ...]
    doc: str
    # What is wrong with a value of the right type, if anything.
    problem: Callable[[Any], str | None] = lambda value: None


def _days_problem(days: int) -> str | None:
    # A negative limit would report every page, reviewed today or not, as stale.
    return "must be 0 or more days" if days < 0 else None


def _report_problem(name: str) -> str | None:
    # Opening a folder ("reports/") would crash the build once the site is written.
    return None if report_path_ok(name) else "must name a file inside the output directory"


# Collections default to lists: Sphinx splits "-D name=a,b" at commas only for an option
# whose default is a list, and ignores the override (with a warning) for a tuple.
OPTIONS: tuple[Option, ...] = (
    Option(
        "kapdocs_check_unlinked",
        True,
        (bool,),
        "Report term_unlinked: glossary terms mentioned in prose but never linked on the page.",
    ),
    Option(
        "kapdocs_check_abbreviations",
        True,
        (bool,),
        "Report abbr_undefined: abbreviations that are neither terms nor expanded on the page.",
    ),
    Option(
        "kapdocs_abbreviations_ignore",
        [],
        (list, tuple, set, frozenset),
        "Abbreviations never reported, in exact case (for example 'US').",
    ),
    Option(
        "kapdocs_allowed_schemes",
        ["https", "mailto"],
        (list, tuple, set, frozenset),
        "URL schemes external links may use; others are reported as link_scheme.",
    ),
    Option(
        "kapdocs_allow_raw_html",
        False,
        (bool,),
        "Allow raw HTML in pages; when off, each raw HTML block is reported as raw_html.",
    ),
    Option(
        "kapdocs_reference_paths",
        ["reference/"],
        (list, tuple, set, frozenset),
        "Folders whose pages are reference pages, checked by page_meta, page_stale and "
        "page_structure.",
    ),
    Option(
        "kapdocs_reference_exclude",
        [],
        (list, tuple, set, frozenset),
        "Pages under those folders that are not reference pages (an index, say), by docname "
        "or file name.",
    ),
    Option(
        "kapdocs_review_max_age_days",
        365,
        (int,),
        "Days after 'reviewed' at which a reference page is reported as page_stale.",
        _days_problem,
    ),
    Option(
        "kapdocs_report",
        "kapdocs-report.json",
        (str,),
        "Path of the JSON report in the output directory (folders are made); empty for none.",
        _report_problem,
    ),
)


def default(name: str) -> Any:
    """The default value of the ``kapdocs_*`` option *name*."""
    return next(option.default for option in OPTIONS if option.name == name)


READ_TIME_OPTIONS = {"kapdocs_reference_paths", "kapdocs_reference_exclude"}
REPLACED_WARNINGS = ("myst.xref_missing", "bibtex.key_not_found")


def check_config(config: Config, conf_py: str, file: str) -> list[Finding]:
    """Findings for options of the wrong type or an invalid value, each of which is reset
    to its default.

    *conf_py* is the path of ``conf.py`` (it may not exist), *file* its name in findings.
    """
    findings = []
    for option in OPTIONS:
        value = getattr(config, option.name)
        # bool is a subclass of int, but True is no number of days.
        valid = isinstance(value, option.types) and not (
            isinstance(value, bool) and bool not in option.types
        )
        collection = option.types[0] is list  # a list, tuple or set of strings
        if valid and collection:
            valid = all(isinstance(item, str) for item in value)
        if valid:
            problem = option.problem(value)
        elif collection:
            # Named so for a list holding a number too, which "of type list" would not explain.
            problem = "must be a list of strings"
        else:
            problem = f"must be of type {' or '.join(t.__name__ for t in option.types)}"
        if problem is None:
            continue
        message = f"{option.name} {problem}, not {value!r}; using the default {option.default!r}"
        findings.append(option_finding(config, conf_py, file, option.name, message))
        setattr(config, option.name, option.default)
    return findings


def option_finding(config: Config, conf_py: str, file: str, name: str, message: str) -> Finding:
    """A ``config`` finding about option *name*, at the line of *conf_py* that sets it."""
    # A value given on the command line (-D) is not in conf.py: name the file only.
    line = 1 if name in config.overrides else assignment_lines(conf_py).get(name, 1)
    return Finding(Code.CONFIG, file, line, message)


def conf_py_path(app: Sphinx) -> tuple[str, str]:
    """The path of ``conf.py`` and its name in findings (relative to the source folder)."""
    path = os.path.join(app.confdir, "conf.py")
    return path, os.path.relpath(path, app.srcdir).replace(os.sep, "/")


def report_path_ok(name: str) -> bool:
    """Whether *name* is a file path inside the output directory ("" writes no report)."""
    if not name:
        return True
    path = name.replace(os.sep, "/")
    normal = posixpath.normpath(path)
    return not (
        path.endswith("/")
        or os.path.isabs(name)
        or normal in {".", ".."}
        or normal.startswith("../")
    )


def assignment_lines(conf_py: str) -> dict[str, int]:
    """Name -> line of its last assignment at the top level of *conf_py* (which runs last).

    Empty when the file cannot be read or parsed; assignments inside functions and
    classes are local and left out.
    """
    try:
        with open(conf_py, "rb") as f:
            tree = ast.parse(f.read(), conf_py)
    except (OSError, SyntaxError, ValueError):
        return {}
    lines: dict[str, int] = {}
    for node in _top_level(tree):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store):
                    lines[name.id] = max(lines.get(name.id, 0), node.lineno)
    return lines


def _top_level(node: ast.AST) -> Iterator[ast.AST]:
    """The statements that run at import, in blocks (``if``, ``try``, ...) too."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield child
        yield from _top_level(child)


def setup_config(app: Sphinx) -> None:
    for option in OPTIONS:
        # Checks run on every build from stored records, so most options force no re-read;
        # reading records the structure of reference pages only, so which pages those are
        # does.
        rebuild: Literal["", "env"] = "env" if option.name in READ_TIME_OPTIONS else ""
        app.add_config_value(option.name, option.default, rebuild, types=frozenset(option.types))
    # Options are checked before the environment exists; their findings wait for it here.
    findings: list[Finding] = []

    def on_config_inited(app: Sphinx, config: Config) -> None:
        findings[:] = check_config(config, *conf_py_path(app))
        # kapdocs reports these defects with its own codes and locations (one defect, one
        # message); MyST and sphinxcontrib-bibtex offer no event to replace their warnings.
        config.suppress_warnings = [*config.suppress_warnings, *REPLACED_WARNINGS]

    def on_builder_inited(app: Sphinx) -> None:
        get_store(app.env).data["config"] = list(findings)

    # Before Sphinx's own type check (priority 800), which would warn about the same value.
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
