"""Skip a test when a system tool is missing, or fail when KAPDOCS_REQUIRE_ALL=1 (CI)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path


def _missing(reason: str) -> None:
    if os.environ.get("KAPDOCS_REQUIRE_ALL") == "1":
        pytest.fail(f"KAPDOCS_REQUIRE_ALL=1 but this test {reason}")
    pytest.skip(reason)


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        _missing(f"needs {', '.join(missing)} (run .ci/install-system-packages)")


def require_module(name: str, install: str) -> None:
    """A Python package from the ``test`` extra, e.g. ``playwright``."""
    if importlib.util.find_spec(name) is None:
        _missing(f"needs the Python package {name} ({install})")


def require_file(path: Path, install: str) -> None:
    """A file that a setup step installs, e.g. axe-core from npm."""
    if not path.is_file():
        _missing(f"needs {path} ({install})")
