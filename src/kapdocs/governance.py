"""Clinical content governance: ``page_meta``, ``page_stale`` and ``page_structure``.

Pages under ``kapdocs_reference_paths`` are reference pages. Their front matter must
carry ``reviewed`` (an ISO date), ``reviewer`` and ``audience``, and may carry
``next-review``; ``reviewed`` must be no older than ``kapdocs_review_max_age_days`` on
the build date (``SOURCE_DATE_EPOCH`` when set, so a pinned build reports the same on
any day). The page must open with a Key points box, end with a References section, and
cite something in every paragraph of two or more sentences.

Reading records the metadata and structure of reference pages only (so changing
``kapdocs_reference_paths`` or ``kapdocs_reference_exclude`` re-reads every page); the
checks run once all pages are read, with the other options of this build.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
import time
from typing import TYPE_CHECKING

import yaml
from docutils import nodes
from sphinx import addnodes

from kapdocs.config import default
from kapdocs.diagnostics import Code, Finding, closest
from kapdocs.locate import node_line, node_source
from kapdocs.store import PageInfo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sphinx.config import Config

    from kapdocs.locate import SourceLines

REQUIRED = ("reviewed", "reviewer", "audience")
# How an empty front-matter value reaches the metadata (see field_value).
EMPTY = frozenset({"", "null", "[]", "{}"})
DATES = ("reviewed", "next-review")
FIELDS = (*REQUIRED, "next-review")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
KEY_POINTS = "key points"
REFERENCES = {"references", "bibliography"}
# Abbreviations whose full stop does not end a sentence: "e.g. racemic", "Zanos et al.
# 2016", "Dr. Smith", "Fig. 2"; so does no single capital ("U.S. Food", "J. Smith").
_INSIDE = (
    *("e.g", "i.e", "al", "vs", "approx", "cf", "ca", "Dr", "Mr", "Mrs", "Ms", "Prof"),
    *("St", "Jr", "Sr", "Fig", "Figs", "No", "Vol", "Eq", "Ref", "Refs", "Inc", "Ltd"),
)
# A sentence ends at . ! ? or an ellipsis, and any closing brackets or quotes after it
# ('called "dissociation." It passes'; smart quotes have curled them by now), followed
# by space and a capital, digit or opening quote.
_SENTENCE_END = re.compile(
    "(?:"
    + "".join(rf"(?<!\b{re.escape(word)})" for word in _INSIDE)
    + r"(?<!\b[A-Z])\.|[!?\u2026])[)\]\"'\u201d\u2019\u00bb]*\s+(?=[A-Z0-9\"'\u201c\u2018\u00ab(])"
)


def build_date() -> dt.date:
    """Today in UTC, or the day of ``SOURCE_DATE_EPOCH`` for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            pass  # a moment past the calendar's end is ignored, as a value that is no number is
    return dt.datetime.fromtimestamp(time.time(), tz=dt.UTC).date()


def is_reference_page(docname: str, config: Config) -> bool:
    suffixes = getattr(config, "source_suffix", None) or {}
    if any(_as_docname(page, suffixes) == docname for page in config.kapdocs_reference_exclude):
        return False
    return any(_in_folder(docname, folder) for folder in config.kapdocs_reference_paths)


def _relative(path: str) -> str:
    """*path* relative to the source folder, as a maintainer may write it ("./a", "/a/")."""
    return posixpath.normpath(path.replace("\\", "/")).strip("/")


def _in_folder(docname: str, folder: str) -> bool:
    """Whether *docname* is under *folder*: "reference", "reference/", "./reference" and
    "/reference" are one folder; "/" and "." are the source folder, so every page. An empty
    entry (what "-D kapdocs_reference_paths=" gives) names no folder."""
    if not folder:
        return False
    normal = _relative(folder)
    return normal in {"", "."} or docname.startswith(normal + "/")


def _as_docname(page: str, suffixes: Iterable[str]) -> str:
    """The docname an exclude entry names: "reference/index", "/reference/index" or
    "reference/index.md"."""
    normal = _relative(page)
    suffix = next((s for s in suffixes if s and normal.endswith(s)), "")
    return normal[: len(normal) - len(suffix)]


def check_options(
    config: Config, docnames: Iterable[str], finding: Callable[[str, str], Finding]
) -> list[Finding]:
    """``config`` findings for entries of the two options that choose reference pages but
    name no page, which would otherwise turn checks off without a word: an exclude entry
    with a typo leaves its page checked, a folder with a typo leaves its pages unchecked.

    A folder is reported only when the option differs from its default: a site without
    ``reference/`` that never asked for it is not told so. *finding* makes a finding from
    an option's name and a message.
    """
    pages = set(docnames)
    findings = []
    for page in config.kapdocs_reference_exclude:
        if page.strip() and _as_docname(page, config.source_suffix) not in pages:
            findings.append(
                finding(
                    "kapdocs_reference_exclude",
                    f"kapdocs_reference_exclude entry {page!r} names no page of this site, so "
                    "it excludes nothing; write a docname such as 'reference/index'",
                )
            )
    folders = config.kapdocs_reference_paths
    if list(folders) == default("kapdocs_reference_paths"):
        return findings
    for folder in folders:
        if folder.strip() and not any(_in_folder(docname, folder) for docname in pages):
            findings.append(
                finding(
                    "kapdocs_reference_paths",
                    f"kapdocs_reference_paths entry {folder!r} holds no page of this site, so "
                    "no page is checked as a reference page through it; write a folder "
                    "relative to the source folder, such as 'reference/'",
                )
            )
    return findings


# -- collecting --------------------------------------------------------------------------


def collect_page(
    doctree: nodes.document,
    docname: str,
    source: str,
    metadata: dict[str, object],
    lines: SourceLines,
) -> PageInfo:
    text = lines.lines(source)
    meta = tuple(
        (key, str(value).strip(), field_line(text, key))
        for key, value in sorted(metadata.items())
        if key in FIELDS or near_field(key, FIELDS) is not None
    )
    # MyST drops front matter it cannot load whole, with only "Malformed YAML" at line 1.
    unreadable = None if meta or lines.is_rst(source) else front_matter_problem(text)
    title = next(iter(doctree.findall(nodes.title)), None)
    references = _references_section(doctree)
    misplaced = None if references else _misplaced_references(doctree, source, lines)
    box = _key_points(doctree)
    unboxed = None if box else _unboxed_key_points(doctree, source, lines)
    uncited = tuple(
        lines.find(node_source(p, source), _first_words(p), node_line(p))
        for p in doctree.findall(nodes.paragraph)
        if not _is_excluded(p, references)
        and count_sentences(p.astext()) >= 2
        and not _cites(_citation_scope(p))
    )
    return PageInfo(
        docname,
        lines.relpath(source),
        # A reStructuredText title's line is its underline: find the title's text from there.
        lines.find(source, title.astext(), node_line(title)) if title is not None else 1,
        title.astext() if title is not None else docname,
        meta,
        box is not None,
        references is not None,
        uncited,
        unreadable,
        _late_key_points(doctree, box) if box is not None else None,
        misplaced,
        unboxed,
    )


def _front_matter(text: Sequence[str]) -> list[str] | None:
    """The lines of a MyST page's front matter: between an opening ``---`` and the
    closing ``---`` or ``...``; None when the page opens without one."""
    if not text or text[0].rstrip() != "---":
        return None
    for index in range(1, len(text)):
        if text[index].rstrip() in {"---", "..."}:
            return list(text[1:index])
    return None  # never closed: Markdown, not front matter


def front_matter_problem(text: Sequence[str]) -> tuple[int, str] | None:
    """(line, why) when the page's front matter is not a YAML mapping, as MyST loads it."""
    block = _front_matter(text)
    if block is None:
        return None
    source = "\n".join(block)
    try:
        data = yaml.safe_load(source)
    except yaml.MarkedYAMLError as error:
        mark, context = error.problem_mark, error.context_mark
        # Found at the end of the text, the problem is something opened and never closed,
        # such as a quote: the context mark is where it opened.
        if mark is None or (mark.index >= len(source) and context is not None):
            mark = context
        line = mark.line + 2 if mark is not None else 1
        why = error.problem or "unreadable"
        if error.context:
            # "while parsing a flow sequence" opened on another line: say which.
            where = f" on line {context.line + 2}" if context and context.line + 2 != line else ""
            why = f"{error.context}{where}: {why}"
        return line, f"is not valid YAML ({why})"
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        # A scalar YAML cannot construct, such as the date 2026-02-30, carries no mark:
        # the first line that fails alone holds it.
        return _failing_line(block), f"is not valid YAML ({error})"
    if data is None:
        return 1, "is empty"
    if not isinstance(data, dict):
        shape = "a list" if isinstance(data, list) else "a single value"
        return 2, f"is {shape}, not a mapping of fields (`key: value` lines)"
    return None


def _failing_line(block: Sequence[str]) -> int:
    for index, line in enumerate(block):
        try:
            yaml.safe_load(line)
        except (yaml.YAMLError, ValueError, RecursionError):
            return index + 2
    return 1


def field_line(text: Sequence[str], key: str) -> int:
    """The line that sets the metadata field *key*, else 1.

    A key of MyST's front matter starts a line between the opening and closing ``---``
    (unindented: indented keys belong to a nested mapping; quotes are allowed); a
    reStructuredText docinfo field starts a line as ``:key:``. A key that merely ends
    with *key* (``not-reviewed:``) or a value that contains it is not the field.
    """
    block = _front_matter(text)
    if block is not None:
        yaml_key = re.compile(
            rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*:(?:\s|$)"""
        )
        return next((index + 2 for index, line in enumerate(block) if yaml_key.match(line)), 1)
    field = re.compile(rf":{re.escape(key)}:(?:\s|$)")
    return next((index + 1 for index, line in enumerate(text) if field.match(line)), 1)


def count_sentences(text: str) -> int:
    text = " ".join(text.split())
    if not text:
        return 0
    return len(_SENTENCE_END.findall(text)) + 1


def _first_words(paragraph: nodes.paragraph) -> str:
    return " ".join(paragraph.astext().split()[:3])


def _key_points(doctree: nodes.document) -> nodes.Element | None:
    """The page's first Key points box (titled so, or of the class ``key-points``)."""
    for admonition in doctree.findall(lambda node: isinstance(node, nodes.Admonition)):
        assert isinstance(admonition, nodes.Element)
        if "key-points" in admonition["classes"]:
            return admonition
        title = next(iter(admonition.findall(nodes.title)), None)
        if title is not None and title.astext().strip().rstrip(":").lower() == KEY_POINTS:
            return admonition
    return None


def _is_key_points(text: str) -> bool:
    return text.strip().rstrip(":").strip().lower() == KEY_POINTS


def _unboxed_key_points(
    doctree: nodes.document, source: str, lines: SourceLines
) -> tuple[str, int] | None:
    """(what, line) of Key points written without the box the check looks for: under a
    heading or rubric of that name, or as the first line of another admonition (a note
    that opens with "**Key points**"); None when the page has neither."""
    for node in doctree.findall(nodes.Element):
        if _is_heading(node) and _is_key_points(node.astext()):
            what = "a rubric" if isinstance(node, nodes.rubric) else "a heading"
            return f"'Key points' here is {what}, not a box", _line_of(node, source, lines)
        if isinstance(node, nodes.Admonition):
            first = next((c for c in node.children if not isinstance(c, nodes.title)), None)
            if isinstance(first, nodes.paragraph) and _is_key_points(first.astext()):
                return (
                    f"the {node.tagname} here opens with 'Key points' as text, not as its title",
                    _line_of(first, source, lines),
                )
    return None


def _line_of(node: nodes.Element, source: str, lines: SourceLines) -> int:
    return lines.find(node_source(node, source), node.astext(), node_line(node))


def _late_key_points(doctree: nodes.document, box: nodes.Element) -> tuple[str, int] | None:
    """(the section it is in, its line) when the page does not open with the box: it is
    inside a section, other than first thing in the page's first section (as under a
    heading "Key points")."""
    sections = _child_sections(doctree)
    if len(sections) != 1:
        return None  # no single page title to come first under
    inner = _child_sections(sections[0])
    inner_ids = {id(section) for section in inner}
    block: nodes.Element = box  # the box, or what holds it, directly in a section
    while block.parent is not None and id(block.parent) not in inner_ids:
        if block.parent is sections[0] or block.parent is doctree:
            return None  # before the page's first section
        block = block.parent
    section = block.parent
    if section is None:
        return None
    body = [child for child in section.children if not isinstance(child, nodes.title)]
    if section is inner[0] and body and body[0] is block:
        return None
    title = section.next_node(nodes.title)
    return (title.astext() if title is not None else ""), node_line(box)


def _references_section(doctree: nodes.document) -> nodes.section | None:
    """The page's last top-level section, when it is titled References (or Bibliography).

    Top-level sections are those under the page title (or the document's own, if it has
    several titles); the References section may have subsections of its own, which come
    after it in tree order.
    """
    sections = _top_sections(doctree)
    if not sections:
        return None
    last = sections[-1]
    return last if _is_references(last.next_node(nodes.title)) else None


def _top_sections(doctree: nodes.document) -> list[nodes.section]:
    sections = _child_sections(doctree)
    if len(sections) == 1 and _child_sections(sections[0]):
        sections = _child_sections(sections[0])  # the title's section holds the page
    return sections


def _is_references(title: nodes.Element | None) -> bool:
    return title is not None and title.astext().strip().lower() in REFERENCES


def _misplaced_references(
    doctree: nodes.document, source: str, lines: SourceLines
) -> tuple[str, int] | None:
    """Why the page's last References heading or rubric is not its References section, and
    its line; None when the page has none."""
    top = _top_sections(doctree)
    # The page's own title is no References heading out of place.
    titled = [doctree, *(section for section in _child_sections(doctree) if section not in top)]
    found = [
        node
        for node in doctree.findall(_is_heading)
        if isinstance(node, nodes.Element)
        and _is_references(node)
        and not any(node.parent is parent for parent in titled)
    ]
    if not found:
        return None
    node = found[-1]
    line = _line_of(node, source, lines)
    here = f"{node.astext().strip()!r} here"
    if isinstance(node, nodes.rubric):
        return f"{here} is a rubric, not a section heading", line
    if node.parent in top:
        return f"{here} is followed by the section {_title_text(top[-1])!r}", line
    return f"{here} is a subsection of {_title_text(node.parent.parent)!r}", line


def _is_heading(node: nodes.Node) -> bool:
    """A section's title or a rubric (not an admonition's or a topic's title)."""
    return isinstance(node, nodes.rubric) or (
        isinstance(node, nodes.title) and isinstance(node.parent, nodes.section)
    )


def _title_text(node: nodes.Element | None) -> str:
    title = node.next_node(nodes.title) if node is not None else None
    return title.astext() if title is not None else ""


def _child_sections(node: nodes.Element) -> list[nodes.section]:
    return [child for child in node.children if isinstance(child, nodes.section)]


def _is_excluded(paragraph: nodes.paragraph, references: nodes.section | None) -> bool:
    parent = paragraph.parent
    while parent is not None:
        if parent is references or isinstance(
            parent, nodes.footnote | nodes.citation | addnodes.glossary | nodes.Admonition
        ):
            return True
        parent = parent.parent
    return False


def _citation_scope(paragraph: nodes.paragraph) -> nodes.Element:
    """A table cell is cited by its row: evidence tables keep citations in a column."""
    if isinstance(paragraph.parent, nodes.entry) and isinstance(paragraph.parent.parent, nodes.row):
        return paragraph.parent.parent
    return paragraph


def _cites(scope: nodes.Element) -> bool:
    for node in scope.findall(nodes.Element):
        if isinstance(node, nodes.footnote_reference | nodes.citation_reference):
            return True
        if isinstance(node, addnodes.pending_xref) and node.get("refdomain") in {
            "cite",
            "footcite",
        }:
            return True
    return False


# -- checking ----------------------------------------------------------------------------------


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if ISO_DATE.fullmatch(value) else None
    except ValueError:
        return None


# A date written year first in another way: "2026/11/1", "2026-1-5", "2026-11-01 10:00"
# (YAML reads a date with a time as a timestamp, which MyST writes with a space).
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\S.*)?", re.ASCII)


def _date_hint(value: str) -> str:
    """The hint to write YYYY-MM-DD for a value that names one day year first, else ""."""
    match = _YEAR_FIRST.fullmatch(value.strip())
    if match is None:
        return ""
    try:
        date = dt.date(*map(int, match.groups()))
    except ValueError:
        return ""
    return f"; write {date.isoformat()}"


def field_value(page: PageInfo, key: str) -> str | None:
    """*page*'s value of *key*, or None when it is absent or left empty.

    MyST renders an empty YAML value (``reviewer:``, ``audience: ~``) as the text
    ``null``, an empty list or mapping as ``[]`` or ``{}``.
    """
    value = page.value(key)
    return None if value is None or value in EMPTY else value


def check_pages(
    pages: Iterable[PageInfo],
    config: Config,
    today: dt.date,
    is_rst: Callable[[str], bool] = lambda file: False,
) -> list[Finding]:
    """Findings for reference pages; *is_rst* tells a reStructuredText page by its file,
    whose fixes are given in its own syntax."""
    findings: list[Finding] = []
    max_age = config.kapdocs_review_max_age_days
    for page in pages:
        if not is_reference_page(page.docname, config):
            continue
        findings += _check_meta(page, today)
        findings += _check_due(page, today, max_age)
        findings += _check_structure(page, is_rst(page.file))
    return findings


def _check_due(page: PageInfo, today: dt.date, max_age: int) -> list[Finding]:
    """``page_stale`` once the page's review falls due: *max_age* days after ``reviewed``,
    or on an earlier ``next-review`` date (the review dashboard's due date)."""
    reviewed, next_review = _review_dates(page)
    if reviewed is not None and (today - reviewed).days > max_age:
        message = (
            f"page was reviewed on {reviewed}, {(today - reviewed).days} days before this "
            f"build (limit {max_age}); review it and update 'reviewed'"
        )
        return [Finding(Code.PAGE_STALE, page.file, page.line_of("reviewed"), message)]
    # A next-review before reviewed is a page_meta finding, not a review due.
    if (
        next_review is not None
        and next_review < today
        and not (reviewed and next_review < reviewed)
    ):
        message = (
            f"page was due for review on {next_review} ('next-review'), "
            f"{(today - next_review).days} days before this build; review it and update "
            "'reviewed' and 'next-review'"
        )
        return [Finding(Code.PAGE_STALE, page.file, page.line_of("next-review"), message)]
    return []


def _review_dates(page: PageInfo) -> tuple[dt.date | None, dt.date | None]:
    """The page's ``reviewed`` and ``next-review`` dates, None where not a valid date."""
    return (
        parse_date(field_value(page, "reviewed") or ""),
        parse_date(field_value(page, "next-review") or ""),
    )


def near_field(key: str, fields: Iterable[str]) -> str | None:
    """The one of *fields* that the front-matter *key* looks like a slip for
    ("next_review", "Reviewed", "reviewd"); None for any other key, a field's own too."""
    if key in FIELDS:
        return None
    folded = re.sub(r"[\s_]+", "-", key.strip().lower())
    return closest(folded, fields, cutoff=0.8)


def _misnamed(page: PageInfo) -> dict[str, tuple[str, int]]:
    """Fields the page lacks -> the key and line of a field that looks like a slip for it."""
    missing = [field for field in FIELDS if page.value(field) is None]
    found: dict[str, tuple[str, int]] = {}
    for key, _, line in page.meta:
        field = near_field(key, missing)
        if field is not None:
            found.setdefault(field, (key, line))
    return found


def _check_meta(page: PageInfo, today: dt.date) -> list[Finding]:
    if page.unreadable is not None:
        line, why = page.unreadable
        return [
            Finding(
                Code.PAGE_META,
                page.file,
                line,
                f"reference page metadata: the front matter {why}, so MyST read none of "
                f"its fields ({', '.join(map(repr, REQUIRED))})",
            )
        ]
    problems: list[tuple[int, str]] = []
    misnamed = _misnamed(page)
    for field, (key, line) in misnamed.items():
        problems.append(
            (line, f"front matter has {key!r}, which kapdocs does not read; rename it {field!r}")
        )
    for key in REQUIRED:
        if key in misnamed:
            continue  # reported at the misnamed field
        if page.value(key) is None:
            problems.append((1, f"front matter lacks '{key}'"))
        elif field_value(page, key) is None:
            problems.append(
                (page.line_of(key), f"front matter leaves '{key}' empty; give it a value")
            )
    dates = {}
    for key in DATES:
        value = field_value(page, key)
        if value is None:
            continue  # reported above when required
        date = parse_date(value)
        if date is not None:
            dates[key] = date
        elif ISO_DATE.fullmatch(value):  # written right, but no day of the calendar
            problems.append((page.line_of(key), f"'{key}' is {value!r}, which is no date"))
        else:
            problems.append(
                (
                    page.line_of(key),
                    f"'{key}' is {value!r}, not an ISO date (YYYY-MM-DD){_date_hint(value)}",
                )
            )
    if "reviewed" in dates and dates["reviewed"] > today:
        problems.append(
            (page.line_of("reviewed"), f"'reviewed' {dates['reviewed']} is in the future")
        )
    if "next-review" in dates and "reviewed" in dates and dates["next-review"] < dates["reviewed"]:
        problems.append(
            (
                page.line_of("next-review"),
                f"'next-review' {dates['next-review']} is before 'reviewed' {dates['reviewed']}",
            )
        )
    return [
        Finding(Code.PAGE_META, page.file, line, f"reference page metadata: {problem}")
        for line, problem in problems
    ]


def _check_structure(page: PageInfo, rst: bool) -> list[Finding]:
    findings = []
    if not page.key_points:
        box = "'.. admonition:: Key points'" if rst else "```{admonition} Key points```"
        line, fix = page.title_line, f"open it with {box} and 3-5 bullets"
        if page.unboxed_key_points is not None:
            what, line = page.unboxed_key_points
            fix = f"{what}; put its bullets in {box} at the top of the page"
        findings.append(
            Finding(
                Code.PAGE_STRUCTURE,
                page.file,
                line,
                f"reference page has no Key points box; {fix}",
            )
        )
    elif page.late_key_points is not None:
        section, line = page.late_key_points
        findings.append(
            Finding(
                Code.PAGE_STRUCTURE,
                page.file,
                line,
                f"the Key points box is in the section {section!r}; move it above the page's "
                "first section, so that the page opens with it",
            )
        )
    if not page.references:
        heading = "a 'References' heading" if rst else "'## References'"
        line, fix = page.title_line, f"add {heading} with a footbibliography at the end"
        if page.misplaced_references is not None:
            why, line = page.misplaced_references
            fix = f"{why}; make it {heading} at the end of the page"
        findings.append(
            Finding(
                Code.PAGE_STRUCTURE,
                page.file,
                line,
                f"reference page does not end with a 'References' section; {fix}",
            )
        )
    role = ":footcite:" if rst else "{footcite}"
    findings += [
        Finding(
            Code.PAGE_STRUCTURE,
            page.file,
            line,
            f"paragraph of two or more sentences has no citation; cite its source with "
            f"{role} (or make it a single, non-factual sentence)",
        )
        for line in page.uncited
    ]
    return findings


def _days_after(date: dt.date, days: int) -> dt.date:
    """*days* after *date*; a limit that runs past the calendar's last day is never due."""
    try:
        return date + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def sort_for_review(
    pages: Sequence[PageInfo], config: Config
) -> list[tuple[PageInfo, dt.date | None]]:
    """Reference pages with their due date, what needs review first first."""
    max_age = config.kapdocs_review_max_age_days
    due = []
    for page in pages:
        if not is_reference_page(page.docname, config):
            continue
        reviewed, next_review = _review_dates(page)
        # Whichever comes first, as page_stale reports it (see _check_due).
        dates = [next_review, _days_after(reviewed, max_age) if reviewed else None]
        due.append((page, min((d for d in dates if d is not None), default=None)))
    return sorted(
        due, key=lambda item: (item[1] is not None, item[1] or dt.date.min, item[0].docname)
    )
