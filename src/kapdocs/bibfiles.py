"""Errors in the ``.bib`` files (``cite_bibfile``): findings, not a stopped build.

sphinxcontrib-bibtex parses the ``.bib`` files on ``builder-inited``, whenever one changed,
with pybtex in strict mode: a syntax error stops the build with a traceback that names no
file, and an entry whose key is repeated loses every entry after it in that file. Just
before it, kapdocs makes the same parse with sphinxcontrib-bibtex's own functions inside
pybtex's error capture, where pybtex reports an error and reads on, and hands it the
result, which it then finds up to date. What pybtex reported is kept with the parse, so
every build reports it again until the file is fixed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kapdocs.citations import entry_openings
from kapdocs.collect import internal_error
from kapdocs.diagnostics import Code, Finding
from kapdocs.locate import SourceLines
from kapdocs.store import get_store

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sphinx.application import Sphinx

    from kapdocs.store import KapdocsDomain

_REPEATED = re.compile(r"repeated bibliograph\w* entry: (.+)")
# "syntax error in line 3: '}' expected": the line is the finding's.
_IN_LINE = re.compile(r" in line \d+")
_ENTRY_KEY = re.compile(r"entry with key (\S+)")
_QUOTED = re.compile(r"'([^']+)'")


def parse_bib_files(app: Sphinx) -> None:
    """Parse the ``.bib`` files for sphinxcontrib-bibtex, if they changed, keeping errors."""
    store = get_store(app.env)
    store.reread = set()
    domain: Any = app.env.domains.get("cite")
    if domain is None or app.config.bibtex_bibfiles is None:
        # No sphinxcontrib-bibtex (any more), or it stops the build over its own setting.
        store.data["bibfile"] = []
        return
    import pybtex.errors
    from sphinxcontrib.bibtex.bibfile import is_bibdata_outdated, parse_bibdata

    # As sphinxcontrib-bibtex names them: relative to the configuration directory.
    files = [(Path(app.confdir) / file).resolve() for file in app.config.bibtex_bibfiles]
    encoding = app.config.bibtex_encoding
    if not is_bibdata_outdated(domain.bibdata, files, encoding):
        return  # not parsed again: the errors kept with the last parse stand
    try:
        with pybtex.errors.capture() as captured:
            bibdata = parse_bibdata(files, encoding)
    except Exception:
        # Not an error pybtex reports (a file that is not in its encoding, say): left to
        # sphinxcontrib-bibtex's own parse, which stops the build as it would without kapdocs.
        return
    store.reread = _pages_to_read_again(store, domain.bibdata.data.entries, bibdata.data.entries)
    domain.data["bibdata"] = bibdata
    lines = SourceLines(app.srcdir, app.config.source_suffix)
    names = [os.fspath(file) for file in files]
    try:
        found = findings(captured, names, lines)
        found += _unknown_types(bibdata.data.entries, app.config.bibtex_default_style, names, lines)
    except Exception:  # a bug here must not stop the build
        where = lines.relpath(names[0]) if names else "conf.py"
        found = [internal_error(where, ".bib file check", "the .bib files")]
    store.data["bibfile"] = found


def _unknown_types(
    entries: Any, style_name: str, files: Sequence[str], lines: SourceLines
) -> list[Finding]:
    """``cite_bibfile`` for each entry of a type the default style cannot format, such as
    biblatex's ``@report``: pybtex stopped the build formatting it. It is made ``@misc``.
    """
    import pybtex.plugin

    try:
        style = pybtex.plugin.find_plugin("pybtex.style.formatting", style_name)
    except pybtex.plugin.PluginNotFound:
        return []  # every bibliography fails alike: a setting of sphinxcontrib-bibtex's
    known = sorted(
        name[4 : -len("_template")]
        for name in dir(style)
        if name.startswith("get_") and name.endswith("_template")
    )
    found = []
    for key, entry in entries.items():
        if hasattr(style, f"get_{entry.type}_template") or hasattr(style, f"format_{entry.type}"):
            continue
        file, line = _definition(key, 0, files, lines)
        found.append(
            Finding(
                Code.CITE_BIBFILE,
                lines.relpath(file),
                line,
                f"bibliography entry {key!r} is of type @{entry.type}, which the style "
                f"{style_name!r} cannot show, so it is shown as @misc; use one of "
                f"{', '.join('@' + name for name in known)}",
            )
        )
        entry.type = "misc"
    return found


def _pages_to_read_again(store: KapdocsDomain, old: Any, new: Any) -> set[str]:
    """Pages whose footcites the changed entries make read otherwise.

    A footcite's footnote is made as its page is read, from the entry as it was then; the
    style may even fail on it (``cite_bibfile``). A page with a footbibliography is read
    again when a .bib file changes, as it depends on the files; a page without one was
    not, and kept the old footnote or finding.
    """
    # pybtex's entries ignore the case of keys, as the footcite roles do.
    changed = {key.lower() for key in [*old.keys(), *new.keys()] if old.get(key) != new.get(key)}
    return {
        cite.docname for cite in store.records("cites") if cite.foot and cite.key.lower() in changed
    }


def findings(
    errors: Iterable[Exception], files: Sequence[str], lines: SourceLines
) -> list[Finding]:
    """``cite_bibfile`` for each error pybtex reported while parsing *files*, in order."""
    found = []
    repeats: dict[str, int] = {}  # key -> definitions of it reported so far
    for error in errors:
        repeated = _REPEATED.fullmatch(str(error))
        if repeated is not None:
            key = repeated.group(1)
            repeats[key] = repeats.get(key, 0) + 1
            file, line = _definition(key, repeats[key], files, lines)
            message = (
                f"bibliography entry {key!r} is defined again here; only the first definition "
                "is used: remove this one or give it a key of its own"
            )
        elif getattr(error, "lineno", None) is None:
            # Read as best pybtex could, and said without a place: a field given twice
            # ("entry with key a2 has a duplicate title field"), a name with too many
            # commas ("Too many commas in 'Lee, A., B., C'").
            file, line = _mentioned(str(error), files, lines)
            message = f"{error}; pybtex read the entry as best it could: mend it here"
        else:
            # pybtex's get_filename() fails on the Path sphinxcontrib-bibtex gives it.
            named = getattr(error, "filename", None)
            file = os.fspath(named) if isinstance(named, str | os.PathLike) else files[0]
            noticed = getattr(error, "lineno", None) or 1
            line = _entry_line(error) or noticed
            where = f" on line {noticed}" if noticed != line else ""
            message = (
                f"the .bib entry that starts here cannot be read: "
                f"{_IN_LINE.sub('', str(error))}{where}; pybtex read on from the next entry, "
                "so this entry may be missing or incomplete"
            )
        found.append(Finding(Code.CITE_BIBFILE, lines.relpath(file), line, message))
    return found


def _entry_line(error: Exception) -> int | None:
    """The line where the entry pybtex was reading began: an unclosed brace is noticed
    entries later, where the next one starts."""
    try:
        start, _, _ = error.error_context_info  # type: ignore[attr-defined]
        text = error.parser.text  # type: ignore[attr-defined]
        return int(text.count("\n", 0, start)) + 1
    except (AttributeError, TypeError, ValueError):
        return None


def _mentioned(message: str, files: Sequence[str], lines: SourceLines) -> tuple[str, int]:
    """Where the entry or quoted text an error *message* names is, else the first file."""
    key = _ENTRY_KEY.search(message)
    if key is not None:
        return _definition(key.group(1), 0, files, lines)
    quoted = _QUOTED.search(message)
    if quoted is not None:
        for file in files:
            for number, text in enumerate(lines.lines(file), start=1):
                if quoted.group(1) in text:
                    return file, number
    return files[0], 1


def _definition(key: str, nth: int, files: Sequence[str], lines: SourceLines) -> tuple[str, int]:
    """The file and line of the *nth* repeat of *key* (its *nth* + 1 definition); pybtex
    compares keys without case."""
    seen = 0
    for file in files:
        for written, number in entry_openings(lines.lines(file)):
            if written.lower() == key.lower():
                if seen == nth:
                    return file, number
                seen += 1
    return files[-1], 1


def setup_bibfiles(app: Sphinx) -> None:
    # Before sphinxcontrib-bibtex's own listener, at the default priority.
    app.connect("builder-inited", parse_bib_files, priority=499)
