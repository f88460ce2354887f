extensions = ["kapdocs"]
exclude_patterns = ["_build"]
