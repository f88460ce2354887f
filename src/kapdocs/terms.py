"""Glossary term checks: undefined, duplicate, empty, unused and unlinked terms.

Reading collects each page's glossary entries and ``{term}`` roles (with their real
source lines); once all pages are read, the pure check functions below run over every
page's records, so a page that was not re-read is still checked and reported.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from bisect import bisect_right
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes

from kapdocs.diagnostics import Code, Finding, closest, the_page
from kapdocs.locate import node_line, node_source
from kapdocs.matcher import PLAIN_QUOTES, TermMatcher, normalise
from kapdocs.store import TermEntry, TermRef

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from kapdocs.locate import SourceLines
    from kapdocs.nodeindex import NodeIndex
    from kapdocs.store import KapdocsDomain, Segment


# -- collecting (one document, while it is read) ---------------------------------------


def collect_entries(
    index: NodeIndex, docname: str, default_source: str, lines: SourceLines
) -> list[TermEntry]:
    entries = []
    for glossary in index.of(addnodes.glossary):
        items = [
            item
            for item in glossary.findall(nodes.definition_list_item)
            if _nearest_glossary(item) is glossary
        ]
        if not items:
            continue
        terms = [[t for t in item.children if isinstance(t, nodes.term)] for item in items]
        # A term knows its file; the item and the glossary may not: MyST gives a glossary
        # from an {include} the including page as its source.
        first = next((group[0] for group in terms if group), items[0])
        source = node_source(first, default_source)
        # What a definition holds has a true line; term lines do not (see locate.py). Not
        # only paragraphs: a definition may be a formula or a code block alone.
        anchor = min(
            (
                node.line
                for definition in glossary.findall(nodes.definition)
                for node in definition.findall(nodes.Element, include_self=False)
                if node.line
            ),
            default=glossary.line or node_line(items[0]),
        )
        raw_lines = [(t.rawsource or term_name(t)) for group in terms for t in group]
        found = iter(lines.glossary_term_lines(source, anchor, raw_lines))
        for item, group in zip(items, terms, strict=True):
            if not group:
                continue
            name_lines = tuple(next(found) for _ in group)
            definition = next((c for c in item.children if isinstance(c, nodes.definition)), None)
            empty = definition is None or not _shows_anything(definition)
            entries.append(
                TermEntry(
                    docname,
                    lines.relpath(source),
                    name_lines[0],
                    tuple(term_name(t) for t in group),
                    name_lines,
                    empty,
                    _parted(lines.lines(source), name_lines),
                )
            )
    return entries


def _parted(text: list[str], name_lines: tuple[int, ...]) -> tuple[int, ...]:
    """Indexes of the term lines that a blank line separates from the next one."""
    return tuple(
        index
        for index, (line, after) in enumerate(itertools.pairwise(name_lines))
        # Lines are 1-based: those strictly between the two are text[line : after - 1].
        if any(not between.strip() for between in text[line : after - 1])
    )


def term_name(term: nodes.term) -> str:
    """The name Sphinx registered for a glossary term, which roles must name.

    The term's text may differ: Sphinx's smart quotes later curl the apostrophe of
    "Alzheimer's disease". The index entry Sphinx adds to the term keeps the name.
    """
    for child in term.children:
        if isinstance(child, addnodes.index):
            for entry in child["entries"]:
                if len(entry) > 2 and entry[2] in term["ids"]:
                    return str(entry[1])
    return term.astext()


def _shows_anything(definition: nodes.Element) -> bool:
    """Whether a definition renders any text or image; a comment or target alone does not."""
    for node in definition.findall(
        lambda n: isinstance(n, (nodes.Text, nodes.image)), include_self=False
    ):
        parent = node.parent
        while parent is not None and parent is not definition:
            if isinstance(parent, nodes.Invisible):
                break
            parent = parent.parent
        else:
            if isinstance(node, nodes.image) or node.astext().strip():
                return True
    return False


def _nearest_glossary(node: nodes.Node) -> nodes.Node | None:
    current = node.parent
    while current is not None and not isinstance(current, addnodes.glossary):
        current = current.parent
    return current


def collect_refs(
    index: NodeIndex, docname: str, default_source: str, lines: SourceLines
) -> list[TermRef]:
    refs = []
    for xref in index.of(addnodes.pending_xref):
        if xref.get("refdomain") != "std" or xref.get("reftype") != "term":
            continue
        target = str(xref.get("reftarget", ""))
        source = node_source(xref, default_source)
        line = lines.find(source, target, index.expected_line(xref))
        in_glossary = _nearest_glossary(xref) is not None
        refs.append(
            TermRef(docname, lines.relpath(source), line, normalise(target), in_glossary, target)
        )
    return refs


# -- checking (all documents) ------------------------------------------------------------


def defined_names(entries: Iterable[TermEntry]) -> dict[str, tuple[TermEntry, str]]:
    """Normalised name -> (first entry defining it, name as written)."""
    names: dict[str, tuple[TermEntry, str]] = {}
    for entry in entries:
        for name in entry.names:
            names.setdefault(normalise(name), (entry, name))
    return names


def store_names(store: KapdocsDomain) -> dict[str, tuple[TermEntry, str]]:
    """:func:`defined_names` of every stored entry (once while the checks run)."""
    return store.derived("names", lambda: defined_names(store.records("entries")))


def check_definitions(entries: Iterable[TermEntry]) -> list[Finding]:
    """``term_duplicate`` at each later definition, ``term_empty`` at the entry."""
    findings = []
    first: dict[str, tuple[str, int]] = {}
    for entry in entries:
        start = 0  # the first name of the entry the author meant
        for end in entry.parted:
            # The names before the blank line were an entry of their own, left empty.
            name, after = entry.names[start], entry.names[end + 1]
            joined = "one entry" if entry.empty else f"one entry, with {after!r}'s definition"
            findings.append(
                Finding(
                    Code.TERM_EMPTY,
                    entry.file,
                    entry.name_lines[start],
                    f"glossary entry {name!r} has no definition: a blank line parts it from "
                    f"{after!r}, so Sphinx made them {joined}; add an indented definition "
                    f"below {name!r}, or remove the blank line if both name one thing",
                )
            )
            start = end + 1
        if entry.empty:  # the last of the entries meant, or the whole entry
            findings.append(
                Finding(
                    Code.TERM_EMPTY,
                    entry.file,
                    entry.name_lines[start],
                    f"glossary entry {entry.names[start]!r} has no definition; "
                    "add an indented definition below its term lines",
                )
            )
        for name, line in zip(entry.names, entry.name_lines, strict=True):
            key = normalise(name)
            if key in first:
                file, first_line = first[key]
                findings.append(
                    Finding(
                        Code.TERM_DUPLICATE,
                        entry.file,
                        line,
                        f"term {name!r} is already defined at {file}:{first_line}; "
                        "remove this definition or merge the two entries",
                    )
                )
            else:
                first[key] = (entry.file, line)
    return findings


def check_refs(
    refs: Iterable[TermRef], names: Mapping[str, tuple[TermEntry, str]]
) -> list[Finding]:
    """``term_undefined`` for roles that name no entry, with a near-miss suggestion."""
    findings = []
    for ref in refs:
        if ref.target in names:
            continue
        message = f"term {ref.written!r} is not in any glossary"
        close = closest(ref.target, names)
        if close is not None:
            message += f"; did you mean {names[close][1]!r}?"
        else:
            message += "; add it to the glossary or fix the role's target"
        findings.append(Finding(Code.TERM_UNDEFINED, ref.file, ref.line, message))
    return findings


def check_unused(
    entries: Iterable[TermEntry],
    refs: Iterable[TermRef],
    names: Mapping[str, tuple[TermEntry, str]],
    is_rst: Callable[[str], bool] = lambda file: False,
) -> list[Finding]:
    """``term_unused`` for entries no page links outside a glossary.

    An entry all of whose names an earlier entry defines is left to ``term_duplicate``:
    links to a name count for its first entry, and one defect gets one finding. The role
    is suggested in the glossary's own syntax (*is_rst* tells by its file).
    """
    used = {names[ref.target][0] for ref in refs if not ref.in_glossary and ref.target in names}
    return [
        Finding(
            Code.TERM_UNUSED,
            entry.file,
            entry.line,
            f"glossary entry {entry.names[0]!r} is not linked from any page; link it with "
            f"{term_role(entry.names[0], is_rst(entry.file))} where a page mentions it, or "
            "remove the entry",
        )
        for entry in entries
        if entry not in used and not _duplicate_only(entry, names)
    ]


def _duplicate_only(entry: TermEntry, names: Mapping[str, tuple[TermEntry, str]]) -> bool:
    return all(names[normalise(name)][0] != entry for name in entry.names)


def names_digest(names: Mapping[str, tuple[TermEntry, str]]) -> str:
    """A digest of everything the unlinked-term scan of a page depends on beyond the page."""
    parts = sorted(
        (name, entry.names, entry.docname, entry.line) for name, (entry, _) in names.items()
    )
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()


def check_unlinked(
    segments_by_doc: Mapping[str, list[Segment]],
    refs_by_doc: Mapping[str, list[TermRef]],
    names: Mapping[str, tuple[TermEntry, str]],
    lines: SourceLines,
    docnames: Iterable[str] | None = None,
) -> dict[str, list[Finding]]:
    """``term_unlinked`` at the first prose mention of an entry a page never links.

    Scans *docnames* (default: every page with prose); returns docname -> its findings.
    """
    # Entries by number: a named tuple would be hashed anew at each of the many mentions.
    numbers: dict[TermEntry, int] = {}
    for entry, _ in names.values():
        numbers.setdefault(entry, len(numbers))
    entries = list(numbers)
    matcher: TermMatcher[int] = TermMatcher(
        {name: numbers[entry] for name, (entry, _) in names.items()}
    )
    found: dict[str, list[Finding]] = {}
    for docname in sorted(segments_by_doc if docnames is None else docnames):
        linked = {
            numbers[names[ref.target][0]]
            for ref in refs_by_doc.get(docname, ())
            if ref.target in names
        }
        reported: set[int] = set()
        findings = found[docname] = []
        for segment in segments_by_doc.get(docname, ()):
            for start, end, number in matcher.find(segment.text):
                if number in linked or number in reported:
                    continue
                reported.add(number)
                entry = entries[number]
                mention = segment.text[start:end]
                hint = segment.line + bisect_right(segment.breaks, start)
                path = os.path.join(lines.srcdir, segment.file)
                line = lines.find(path, mention, hint)
                role = term_role(_role_text(mention, entry, names), lines.is_rst(path))
                findings.append(
                    Finding(
                        Code.TERM_UNLINKED,
                        segment.file,
                        line,
                        f"{mention!r} is the glossary term {entry.names[0]!r} but "
                        f"{the_page(docname, segment.file)} never links it; write {role} at "
                        "its first mention",
                    )
                )
    return found


def _role_text(mention: str, entry: TermEntry, names: Mapping[str, tuple[TermEntry, str]]) -> str:
    """What a term role at *mention* should say to link *entry*, as Sphinx resolves it.

    The mention itself, or with plain quotes: smart quotes curled those of the prose, not
    those of the name Sphinx registered. Otherwise the mention titles a role naming the
    entry (its quotes curled in the glossary source, say).
    """
    for text in (mention, mention.translate(PLAIN_QUOTES)):
        found = names.get(normalise(text))
        if found is not None and found[0] == entry:
            return text
    return f"{mention} <{entry.names[0]}>"


def term_role(text: str, rst: bool) -> str:
    """The role that links *text* to its glossary entry, in the page's syntax."""
    return f":term:`{text}`" if rst else f"{{term}}`{text}`"
