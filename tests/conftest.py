from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = "sphinx.testing.fixtures"
collect_ignore = ["roots"]

_FINDING = re.compile(r"^(?P<file>.*?):(?P<line>\d+): WARNING: .*\[kapdocs\.(?P<code>\w+)\]$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).parent.resolve() / "roots"


def findings(warnings: str, srcdir: Path | str | None = None) -> list[tuple[str, int, str]]:
    """kapdocs findings in a warning stream as (file, line, code), file relative to srcdir."""
    result = []
    for raw in _ANSI.sub("", warnings).splitlines():
        match = _FINDING.match(raw.strip())
        if match:
            file = match["file"]
            if srcdir is not None:
                file = str(Path(file).relative_to(srcdir))
            result.append((file, int(match["line"]), match["code"]))
    return result
