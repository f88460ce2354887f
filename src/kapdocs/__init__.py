"""kapdocs: checks that keep a glossary-backed Sphinx knowledge base honest.

Add ``"kapdocs"`` to ``extensions``. Findings are Sphinx warnings of type ``kapdocs``
with a code as subtype (see :mod:`kapdocs.diagnostics`), listed again in
``kapdocs-report.json`` in the output directory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kapdocs.bibfiles import setup_bibfiles
from kapdocs.checks import setup_checks
from kapdocs.config import setup_config
from kapdocs.encoding import setup_encoding
from kapdocs.evidence import setup_evidence
from kapdocs.html_pass import setup_html_pass
from kapdocs.reader import setup_reader
from kapdocs.report import setup_report
from kapdocs.resolved import setup_resolved
from kapdocs.store import KapdocsDomain

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

__version__ = "0.1.0"


def setup(app: Sphinx) -> ExtensionMetadata:
    setup_config(app)
    app.add_domain(KapdocsDomain)
    setup_encoding(app)
    setup_bibfiles(app)
    setup_checks(app)
    setup_evidence(app)
    setup_html_pass(app)
    setup_report(app)
    setup_reader(app)
    setup_resolved(app)
    return {
        "version": __version__,
        # Bump when a record's shape in store.py changes, or what reading puts in one, or
        # the message of a finding the environment keeps from build to build.
        "env_version": 29,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
