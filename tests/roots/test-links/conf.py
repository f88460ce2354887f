extensions = ["myst_parser", "sphinxcontrib.bibtex", "kapdocs"]
exclude_patterns = ["_build"]
myst_heading_anchors = 3
bibtex_bibfiles = ["refs.bib"]
