"""Citation checks: ``cite_undefined``, ``cite_malformed``, ``cite_unused`` and ``cite_id``.

Reading records the keys of every ``cite`` and ``footcite`` role and the keys a
bibliography lists, and what sphinxcontrib-bibtex could not read, as
:mod:`kapdocs.bibtex_hooks` notes them. Once all pages are read, the keys are compared with
the bibliography, whose entries must each carry a well-formed DOI or PubMed identifier.
sphinxcontrib-bibtex's own "could not find bibtex key" warning is replaced by
``cite_undefined``: for a key the .bib files lack, and for one that no bibliography lists.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from sphinx import addnodes

from kapdocs.bibtex_hooks import LISTED, MALFORMED, PENDING, UNSHOWN, is_style
from kapdocs.diagnostics import Code, Finding, closest
from kapdocs.locate import node_source
from kapdocs.store import CiteRef

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set

    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from kapdocs.locate import SourceLines
    from kapdocs.nodeindex import NodeIndex

DOI = re.compile(r"10\.\d{4,9}/\S+")
PMID = re.compile(r"\d+")
# Identifiers written with what the bibliography style adds itself.
_DOI_WRITTEN_LONG = re.compile(
    r"\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)(10\.\d{4,9}/\S+)\s*", re.IGNORECASE
)
_PMCID = re.compile(r"\s*PMC\d+\s*", re.IGNORECASE)
_PMID_WRITTEN_LONG = re.compile(
    r"\s*(?:PMID:?\s*|https?://pubmed\.ncbi\.nlm\.nih\.gov/)(\d+)/?\s*", re.IGNORECASE
)


class BibEntry(NamedTuple):
    key: str
    file: str
    line: int
    doi: str | None
    pmid: str | None
    # A DOI or PMID given in another field: that field, and the field to write instead.
    elsewhere: tuple[str, str] | None = None


# -- collecting ----------------------------------------------------------------------------


def check_styles(env: BuildEnvironment, lines: SourceLines) -> list[Finding]:
    """``cite_malformed`` for each bibliography directive whose ``:style:`` pybtex lacks."""
    import pybtex.plugin

    found = []
    for key, value in bibliographies(env).items():
        if is_style(value.style):
            continue
        styles = sorted(pybtex.plugin.enumerate_plugin_names("pybtex.style.formatting"))
        close = closest(value.style, styles)
        hint = f"did you mean {close!r}?" if close else f"use one of {', '.join(styles)}"
        source = os.fspath(env.doc2path(key.docname))
        found.append(
            Finding(
                Code.CITE_MALFORMED,
                lines.relpath(source),
                lines.find(source, ":style:", value.line),
                f"bibliography style {value.style!r} is not a pybtex style, so the bibliography "
                f"is shown in the default style ({env.config.bibtex_default_style!r}); {hint}",
            )
        )
    return found


def collect_cites(
    app: Sphinx, index: NodeIndex, docname: str, default_source: str, lines: SourceLines
) -> list[CiteRef]:
    # (key, or the whole target of a malformed role; source; line hint; what to look for
    # on the line; malformed; foot)
    found: list[tuple[str, str, int, str, bool, bool]] = []
    pending = app.env.current_document.pop(PENDING, []) or []
    for key, location, lineno, needle in pending:
        source = _source(location, default_source)
        found.append((key, source, lineno or 1, needle or key, False, True))
    for xref in index.of(addnodes.pending_xref):
        if xref.get("refdomain") != "cite":
            continue
        # Imported only here: a site without citations need not load sphinxcontrib-bibtex.
        from sphinxcontrib.bibtex.citation_target import parse_citation_targets

        source = node_source(xref, default_source)
        try:
            targets = list(parse_citation_targets(str(xref["reftarget"])))
        except ValueError:
            targets = []
        line = index.expected_line(xref)
        found += [(t.key, source, line, t.key, False, False) for t in targets]
    for target, location, lineno, needle in app.env.current_document.pop(MALFORMED, []) or []:
        source = _source(location, default_source)
        found.append((target, source, lineno or 1, needle or target, True, False))
    for key, source, lineno in app.env.current_document.pop(LISTED, []) or []:
        found.append((key, source or default_source, lineno, key, False, False))
    return [
        CiteRef(
            docname, lines.relpath(source), lines.find(source, needle, line), key, malformed, foot
        )
        for key, source, line, needle, malformed, foot in found
        if key or malformed
    ]


def collect_unshown(
    env: BuildEnvironment, default_source: str, lines: SourceLines
) -> list[Finding]:
    """``cite_bibfile`` for each footcite of the page whose entry the style could not show."""
    found = []
    for key, field, location, lineno, needle in env.current_document.pop(UNSHOWN, []) or []:
        source = _source(location, default_source)
        role = ":footcite:" if lines.is_rst(source) else "{footcite}"
        found.append(
            Finding(
                Code.CITE_BIBFILE,
                lines.relpath(source),
                lines.find(source, needle or "footcite", lineno or 1),
                f"{role} of {key!r} cannot be shown: its .bib entry lacks {field!r}, which the "
                "bibliography style needs; add it to the entry (until then the citation leaves "
                "it out)",
            )
        )
    return found


def _source(location: str | None, default_source: str) -> str:
    """The file of a role's ``get_location()`` ("path:line"), else the page's."""
    return (location.rsplit(":", 1)[0] if location else "") or default_source


def bibliography(env: BuildEnvironment, lines: SourceLines) -> list[BibEntry]:
    """Every entry of the configured bib files, with its line and identifiers."""
    domain = env.domains.get("cite")
    if domain is None:
        return []
    bibdata = domain.bibdata  # type: ignore[attr-defined]
    entries = []
    for path, bibfile in bibdata.bibfiles.items():
        source = os.fspath(path)
        starts = _entry_lines(lines.lines(source))
        for key in bibfile.keys:
            fields = bibdata.data.entries[key].fields
            entries.append(
                BibEntry(
                    key,
                    lines.relpath(source),
                    starts.get(key, 1),
                    fields.get("doi"),
                    fields.get("pmid") or fields.get("pubmed"),
                    _identifier_elsewhere(fields),
                )
            )
    return entries


def _identifier_elsewhere(fields: Mapping[str, str]) -> tuple[str, str] | None:
    """A DOI or PMID in a field the style does not read as one: a ``url`` that is the
    identifier's address, or biblatex's ``eprint`` with ``eprinttype = {pubmed}``: that
    field, and the field to write instead."""
    url = fields.get("url", "")
    eprint = fields.get("eprint", "").strip()
    kind = fields.get("eprinttype", "").strip().lower()
    doi = _DOI_WRITTEN_LONG.fullmatch(url)
    if doi or (kind == "doi" and DOI.fullmatch(eprint)):
        return ("url" if doi else "eprint"), f"doi = {{{doi[1] if doi else eprint}}}"
    pmid = _PMID_WRITTEN_LONG.fullmatch(url)
    if pmid or (kind in {"pubmed", "pmid"} and PMID.fullmatch(eprint)):
        return ("url" if pmid else "eprint"), f"pmid = {{{pmid[1] if pmid else eprint}}}"
    return None


def _entry_lines(text: list[str]) -> dict[str, int]:
    """Each key's line: that of its first definition."""
    found: dict[str, int] = {}
    for key, line in entry_openings(text):
        found.setdefault(key, line)
    return found


_ENTRY_START = re.compile(r"\s*@\w+\s*[{(]\s*([^,\s]+)\s*,")
# BibTeX allows the key on a line of its own: "@article{" then "  lee2019,".
_ENTRY_OPENING = re.compile(r"\s*@\w+\s*[{(]\s*$")
_KEY_LINE = re.compile(r"\s*([^,\s=]+)\s*,")


def entry_openings(text: Sequence[str]) -> Iterator[tuple[str, int]]:
    """(key as written, line) of every entry a .bib file's *text* opens, in order."""
    for index, line in enumerate(text):
        match = _ENTRY_START.match(line)
        if match:
            yield match.group(1), index + 1
        elif _ENTRY_OPENING.match(line) and index + 1 < len(text):
            match = _KEY_LINE.match(text[index + 1])
            if match:
                yield match.group(1), index + 1


# -- checking --------------------------------------------------------------------------------


def bibliographies(env: BuildEnvironment) -> dict[Any, Any]:
    """sphinxcontrib-bibtex's bibliography directives (key: docname and id), if it is loaded."""
    return getattr(env.domains.get("cite"), "bibliographies", None) or {}


def listed_citations(env: BuildEnvironment) -> Iterator[Any]:
    """The entries that bibliographies list for cite roles to link (not bullet lists).

    Known once sphinxcontrib-bibtex's own ``env-updated`` has run.
    """
    domain: Any = env.domains.get("cite")
    if domain is None:
        return
    for citation in domain.citations:
        if domain.bibliographies[citation.bibliography_key].list_ == "citation":
            yield citation


def key_prefixes(env: BuildEnvironment) -> frozenset[str]:
    """The ``keyprefix`` options of the site's bibliographies: ``{cite}`pre-lee2019``` cites
    ``lee2019`` as listed by a bibliography with ``:keyprefix: pre-``."""
    return frozenset(b.keyprefix for b in bibliographies(env).values() if b.keyprefix)


def bib_key(key: str, keys: Set[str], prefixes: Iterable[str]) -> str | None:
    """The key of the .bib entry that a cite role's *key* names, if any: itself, or what
    follows one of the bibliographies' key prefixes."""
    if key in keys:
        return key
    for prefix in prefixes:
        if key.startswith(prefix) and key[len(prefix) :] in keys:
            return key[len(prefix) :]
    return None


def check_cites(
    cites: Iterable[CiteRef],
    entries: list[BibEntry],
    prefixes: Iterable[str],
    is_rst: Callable[[str], bool] = lambda file: False,
) -> list[Finding]:
    """Findings for the citations; *is_rst* tells a reStructuredText page by its file,
    whose fix is given in its own syntax."""
    keys = {entry.key for entry in entries}
    findings = []
    cited: set[str] = set()
    for cite in cites:
        if cite.malformed:
            findings.append(
                Finding(
                    Code.CITE_MALFORMED,
                    cite.file,
                    cite.line,
                    f"citation {cite.key!r} is not citation keys separated by commas, so it "
                    f"is shown as text; write {':cite:p:' if is_rst(cite.file) else '{cite:p}'}"
                    "`key1,key2`",
                )
            )
            continue
        key = None if cite.foot else bib_key(cite.key, keys, prefixes)
        cited.add(key or cite.key)
        if key is not None or cite.key in keys:
            continue
        close = closest(cite.key, keys)
        hint = f"; did you mean {close!r}?" if close else "; add it to the .bib file"
        findings.append(
            Finding(
                Code.CITE_UNDEFINED,
                cite.file,
                cite.line,
                f"citation key {cite.key!r} is not in the bibliography{hint}",
            )
        )
    findings += _check_entries(entries, cited)
    return findings


def check_listed(cites: Iterable[CiteRef], env: BuildEnvironment) -> list[Finding]:
    """``cite_undefined`` for a ``cite`` role's key that the .bib files have but that no
    bibliography lists (there is none, or its filter leaves the entry out).

    sphinxcontrib-bibtex shows such a citation as "[]" and warns with the message kapdocs
    replaces. Which entries each bibliography lists is known once its own ``env-updated``
    has run. A ``footcite`` is listed on its page in any case.
    """
    domain: Any = env.domains.get("cite")
    if domain is None:
        return []
    keys = set(domain.bibdata.data.entries)  # as the .bib files write them
    prefixes = key_prefixes(env)
    listed = {citation.key for citation in listed_citations(env)}
    return [
        Finding(
            Code.CITE_UNDEFINED,
            cite.file,
            cite.line,
            f"citation key {cite.key!r} is in the .bib file, but no bibliography directive "
            "lists it, so the citation shows as '[]'; add a bibliography directive to a "
            "page, or widen the filter of one",
        )
        for cite in cites
        # A key in another case is not in the .bib file as written: check_cites reports it.
        if not (cite.malformed or cite.foot or cite.key in listed)
        and bib_key(cite.key, keys, prefixes) is not None
    ]


def _check_entries(entries: Iterable[BibEntry], cited: Set[str]) -> list[Finding]:
    findings = []
    for entry in entries:
        if entry.key not in cited:
            findings.append(
                Finding(
                    Code.CITE_UNUSED,
                    entry.file,
                    entry.line,
                    f"bibliography entry {entry.key!r} is cited nowhere; cite it or remove it",
                )
            )
        problem = _identifier_problem(entry)
        if problem:
            findings.append(Finding(Code.CITE_ID, entry.file, entry.line, problem))
    return findings


def _identifier_problem(entry: BibEntry) -> str | None:
    if not entry.doi and not entry.pmid:
        if entry.elsewhere:
            field, fix = entry.elsewhere
            return (
                f"bibliography entry {entry.key!r} has neither a doi nor a pmid field, but its "
                f"{field} gives one; write {fix}"
            )
        return (
            f"bibliography entry {entry.key!r} has neither a DOI nor a PMID; "
            "add a confirmed doi = {10.NNNN/...} or pmid = {digits}"
        )
    name = f"bibliography entry {entry.key!r}"
    if entry.doi and not DOI.fullmatch(entry.doi.strip()):
        # A DOI written as its address or with "doi:" before it: the style adds the address.
        bare = _DOI_WRITTEN_LONG.fullmatch(entry.doi)
        fix = f"write it bare, doi = {{{bare[1]}}}" if bare else "expected 10.NNNN/..."
        return f"{name} has a malformed DOI {entry.doi!r}; {fix}"
    if entry.pmid and not PMID.fullmatch(entry.pmid.strip()):
        digits = _PMID_WRITTEN_LONG.fullmatch(entry.pmid)
        fix = f"write it bare, pmid = {{{digits[1]}}}" if digits else "expected digits only"
        if _PMCID.fullmatch(entry.pmid):
            fix = "that is a PubMed Central id (PMCID), not a PMID; give the article's PMID"
        return f"{name} has a malformed PMID {entry.pmid!r}; {fix}"
    return None
