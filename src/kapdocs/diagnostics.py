"""Finding codes and the one function that reports a finding.

Every kapdocs finding is a Sphinx warning with ``type="kapdocs"`` and the code as
``subtype``, so ``suppress_warnings = ["kapdocs.<code>"]`` and ``-W`` work the Sphinx way.
Findings are plain tuples so that they can live in the pickled environment.
"""

from __future__ import annotations

import difflib
import enum
import os
from typing import TYPE_CHECKING, NamedTuple

from sphinx.util import logging

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)

WARNING_TYPE = "kapdocs"


class Code(enum.StrEnum):
    """Finding codes; each becomes the warning's subtype."""

    TERM_UNDEFINED = "term_undefined"
    """A ``{term}``/``:term:`` role names no glossary entry."""
    TERM_DUPLICATE = "term_duplicate"
    """A term is defined again (case-insensitive, whitespace folded)."""
    TERM_EMPTY = "term_empty"
    """A glossary entry has no definition."""
    TERM_UNUSED = "term_unused"
    """No page outside the glossaries links the entry with a term role."""
    TERM_UNLINKED = "term_unlinked"
    """A page mentions a term in prose but never links its entry."""
    ABBR_UNDEFINED = "abbr_undefined"
    """An abbreviation is neither a glossary term nor expanded on the page."""
    LINK_DOC = "link_doc"
    """A link or ``{doc}`` role targets a document that does not exist."""
    LINK_ANCHOR = "link_anchor"
    """The linked document exists but the anchor (``#id``) does not."""
    LINK_REF = "link_ref"
    """A ``{ref}`` role names no label."""
    LINK_HTML = "link_html"
    """A written page links a file or ``#fragment`` inside the site that does not exist."""
    LINK_SCHEME = "link_scheme"
    """An external link uses a scheme outside ``kapdocs_allowed_schemes``."""
    CITE_UNDEFINED = "cite_undefined"
    """A citation key is not in the bibliography."""
    CITE_MALFORMED = "cite_malformed"
    """A ``cite`` role's target is not citation keys separated by commas."""
    CITE_UNUSED = "cite_unused"
    """A bibliography entry is cited nowhere."""
    CITE_ID = "cite_id"
    """A bibliography entry has no DOI or PMID, or a malformed one."""
    CITE_BIBFILE = "cite_bibfile"
    """A ``.bib`` entry cannot be read or shown: a syntax error, a key defined again, a type
    or a missing field the bibliography style cannot show."""
    SOURCE_ENCODING = "source_encoding"
    """A source file is not valid in ``source_encoding``; the page is left out."""
    RAW_HTML = "raw_html"
    """A page contains raw HTML and ``kapdocs_allow_raw_html`` is off."""
    PAGE_META = "page_meta"
    """A reference page lacks a required front-matter field, or one is malformed."""
    PAGE_STALE = "page_stale"
    """A reference page's ``reviewed`` date is older than the review limit."""
    PAGE_STRUCTURE = "page_structure"
    """A reference page lacks Key points or References, or has an uncited paragraph."""
    EVIDENCE_LEVEL = "evidence_level"
    """An ``{evidence}`` marker names an unknown evidence level."""
    CONFIG = "config"
    """A ``kapdocs_*`` option has a value of the wrong type or one it cannot take; the
    default is used."""
    INTERNAL = "internal"
    """A kapdocs check failed on one page; the other pages are still checked."""


def closest(value: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The one of *choices* nearest *value*, for a finding's "did you mean" hint; None
    when none comes within *cutoff* (difflib's ratio), even ignoring case ("SUB/INDEX"
    is near "sub/index", though no letter is equal)."""
    choices = list(choices)
    close = difflib.get_close_matches(value, choices, n=1, cutoff=cutoff)
    if close:
        return close[0]
    lowered = {choice.lower(): choice for choice in reversed(choices)}
    close = difflib.get_close_matches(value.lower(), lowered, n=1, cutoff=cutoff)
    return lowered[close[0]] if close else None


class Finding(NamedTuple):
    """One reported defect, located at a source file (relative to srcdir) and line."""

    code: str
    file: str
    line: int
    message: str


def the_page(docname: str, file: str) -> str:
    """How a per-page finding at *file* names the page *docname* it is about: "this page",
    or, for a file the page includes (one file may be part of several pages), the page by
    name."""
    file = file.replace(os.sep, "/")
    if file == docname or file.startswith(docname + "."):
        return "this page"
    return f"the page {docname!r} (which includes this file)"


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Stable report order: by file, then line, then code and message."""
    return sorted(findings, key=lambda f: (f.file, f.line, f.code, f.message))


def emit(app: Sphinx, finding: Finding) -> None:
    """Log *finding* as a Sphinx warning at its source location."""
    location = f"{os.path.join(app.srcdir, finding.file)}:{finding.line}"
    logger.warning(
        finding.message,
        location=location,
        type=WARNING_TYPE,
        subtype=str(finding.code),
    )


def is_suppressed(app: Sphinx, finding: Finding) -> bool:
    """Whether ``suppress_warnings`` silences *finding* (then the report leaves it out too)."""
    return logging.is_suppressed_warning(
        WARNING_TYPE, str(finding.code), app.config.suppress_warnings
    )
