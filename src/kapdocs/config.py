"""The ``kapdocs_*`` options, declared once and validated on ``config-inited``.

A value of the wrong type is reported as a ``kapdocs.config`` warning and replaced by the
default, so a typo in ``conf.py`` never crashes the build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from sphinx.util import logging

from kapdocs.diagnostics import WARNING_TYPE, Code

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

logger = logging.getLogger(__name__)


class Option(NamedTuple):
    name: str
    default: Any
    types: tuple[type, ...]
    doc: str


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
        (),
        (list, tuple, set, frozenset),
        "Abbreviations never reported, in exact case (for example 'US').",
    ),
    Option(
        "kapdocs_allowed_schemes",
        ("https", "mailto"),
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
        ("reference/",),
        (list, tuple, set, frozenset),
        "Folders whose pages are reference pages, checked by page_meta, page_stale and "
        "page_structure.",
    ),
    Option(
        "kapdocs_reference_exclude",
        (),
        (list, tuple, set, frozenset),
        "Docnames under those folders that are not reference pages (an index, say).",
    ),
    Option(
        "kapdocs_review_max_age_days",
        365,
        (int,),
        "Days after 'reviewed' at which a reference page is reported as page_stale.",
    ),
    Option(
        "kapdocs_report",
        "kapdocs-report.json",
        (str,),
        "File name of the JSON report in the output directory; empty to write none.",
    ),
)


READ_TIME_OPTIONS = {"kapdocs_reference_paths", "kapdocs_reference_exclude"}
REPLACED_WARNINGS = ("myst.xref_missing", "bibtex.key_not_found")


def on_config_inited(app: Sphinx, config: Config) -> None:
    for option in OPTIONS:
        value = getattr(config, option.name)
        valid = isinstance(value, option.types)
        if valid and option.types[0] is list:  # a collection of strings
            valid = all(isinstance(item, str) for item in value)
        if not valid:
            logger.warning(
                "%s must be of type %s, not %r; using the default %r",
                option.name,
                " or ".join(t.__name__ for t in option.types),
                value,
                option.default,
                type=WARNING_TYPE,
                subtype=str(Code.CONFIG),
            )
            setattr(config, option.name, option.default)
    # kapdocs reports these defects with its own codes and locations (one defect, one
    # message); MyST and sphinxcontrib-bibtex offer no event to replace their warnings.
    config.suppress_warnings = [*config.suppress_warnings, *REPLACED_WARNINGS]


def setup_config(app: Sphinx) -> None:
    for option in OPTIONS:
        # Checks run on every build from stored records, so most options force no re-read;
        # reading records the structure of reference pages only, so which pages those are
        # does.
        rebuild: Literal["", "env"] = "env" if option.name in READ_TIME_OPTIONS else ""
        app.add_config_value(option.name, option.default, rebuild, types=frozenset(option.types))
    app.connect("config-inited", on_config_inited)
