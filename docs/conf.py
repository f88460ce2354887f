"""Sphinx configuration for the kapdocs knowledge base."""

from __future__ import annotations

import os
import time

project = "kapdocs"
author = "The kapdocs editors"
# SOURCE_DATE_EPOCH keeps the copyright year (and Sphinx's dates) reproducible.
_build_year = time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))).tm_year
copyright = f"{_build_year}, {author}"
language = "en"

extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinxcontrib.bibtex",
    "kapdocs",
]

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# MyST: fenced directives with ::: for nested sphinx-design blocks; front matter
# fields (reviewed, audience) reach env.metadata.
myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline"]
myst_heading_anchors = 3

# Citations: BibTeX database with DOI/PMID on every entry.
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "unsrt"
bibtex_reference_style = "author_year"

# kapdocs: abbreviations that need no expansion on each page; the reference landing page is
# a menu, not a reference page.
kapdocs_abbreviations_ignore = ["US"]
kapdocs_reference_exclude = ["reference/index"]

# -- HTML -------------------------------------------------------------------
html_theme = "furo"
html_title = "kapdocs: the neuroscience of ketamine-assisted psychotherapy"
html_static_path = ["_static"]
# Our own icon: browsers ask for one, and a missing icon logs a 404 on every page.
html_favicon = "_static/favicon.svg"
# No page uses math. Should one, MathJax must be vendored into _static, never loaded from a
# CDN: this local path fails the browser tests (a 404) until someone vendors it.
mathjax_path = "mathjax/tex-chtml.js"
html_last_updated_fmt = None
# Readers arrive on any page from a search engine, so every page says what the site is not.
html_theme_options = {
    "announcement": "Educational reference for professionals, not medical advice: it recommends "
    "no treatment, dose or setting for any person.",
}
html_show_sourcelink = False

# -- LaTeX / PDF ---------------------------------------------------------------
latex_engine = "xelatex"
latex_documents = [
    (
        root_doc,
        "kapdocs.tex",
        "kapdocs: the neuroscience of ketamine-assisted psychotherapy",
        author,
        "manual",
    ),
]
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "11pt",
    # Sphinx's xelatex default fonts (GNU FreeFont, Debian's fonts-freefont-otf) cover the
    # Greek letters and super/subscripts the pages use.
    "printindex": r"\footnotesize\raggedright\printindex",
}
latex_show_urls = "footnote"

# -- linkcheck (nox -s linkcheck; needs the internet) -------------------------
linkcheck_timeout = 15
linkcheck_retries = 2
linkcheck_anchors = True
linkcheck_ignore: list[str] = []
