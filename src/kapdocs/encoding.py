"""``source_encoding``: a page that is not valid in ``source_encoding`` is left out, not fatal.

Sphinx 9 stops the whole build with a ``UnicodeDecodeError`` traceback when one source
file is not valid UTF-8. Before Sphinx reads anything (``env-before-read-docs``) kapdocs
decodes each page it is about to read; a page that fails is reported with its line and
byte offset, removed from this build (and from what earlier builds knew of it), and the
other pages are built as usual. The page is checked again on every build until it is
fixed, so the finding never disappears on an incremental build.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from kapdocs.diagnostics import Code, Finding
from kapdocs.store import get_store
from kapdocs.timing import timed

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment


def decode_problem(data: bytes, encoding: str) -> tuple[int, int, str] | None:
    """(line, byte offset, message) of the first undecodable byte, or None."""
    try:
        codecs.decode(data, encoding)
    except UnicodeDecodeError as error:
        # Lines end as Python reads text and editors show it: at \r\n, \n or a lone \r.
        head = data[: error.start]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        column = error.start - max(head.rfind(b"\n"), head.rfind(b"\r"))
        bad = data[error.start : error.end].hex(" ")
        return (
            line,
            error.start,
            f"byte {bad} at offset {error.start} (line {line}, column {column})",
        )
    return None


@timed("collect")  # part of reading: every page is decoded once more before Sphinx reads it
def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    encoding = app.config.source_encoding
    findings: list[Finding] = []
    for docname in list(docnames):
        path = env.doc2path(docname)
        try:
            data = path.read_bytes()
        except OSError:
            continue
        problem = decode_problem(data, encoding)
        if problem is None:
            continue
        line, _, where = problem
        file = str(path.relative_to(app.srcdir)).replace("\\", "/")
        findings.append(
            Finding(
                Code.SOURCE_ENCODING,
                file,
                line,
                f"{where} is not valid {encoding}; the page is left out of this build. "
                f"Save the file as {_encoding_name(encoding)}",
            )
        )
        # Leave the page out: not read, not written, and nothing stale kept from before.
        docnames.remove(docname)
        env.project.docnames.discard(docname)
        if docname in env.all_docs:
            app.events.emit("env-purge-doc", env, docname)
            env.clear_doc(docname)
    get_store(env).data["encoding"] = findings


def _encoding_name(encoding: str) -> str:
    """How to name *encoding* to a person saving a file: Sphinx's default, utf-8-sig,
    reads UTF-8 with or without a byte order mark, and plain UTF-8 is what to save."""
    return "UTF-8" if codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"} else encoding


def setup_encoding(app: Sphinx) -> None:
    app.connect("env-before-read-docs", on_env_before_read_docs)
