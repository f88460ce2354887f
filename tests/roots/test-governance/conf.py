extensions = ["myst_parser", "sphinxcontrib.bibtex", "kapdocs"]
exclude_patterns = ["_build"]
bibtex_bibfiles = ["refs.bib"]
kapdocs_reference_exclude = ["reference/index"]
