extensions = ["myst_parser", "sphinxcontrib.bibtex", "kapdocs"]
exclude_patterns = ["_build"]
myst_heading_anchors = 3
bibtex_bibfiles = ["refs.bib"]
kapdocs_allow_raw_html = True  # the raw HTML below exercises the written-HTML pass
