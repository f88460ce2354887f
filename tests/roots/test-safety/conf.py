extensions = ["myst_parser", "kapdocs"]
exclude_patterns = ["_build"]
