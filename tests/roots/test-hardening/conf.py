extensions = ["myst_parser", "sphinx_design", "kapdocs"]
exclude_patterns = ["_build", "_*.md"]
myst_enable_extensions = ["colon_fence"]
