"""Skip a test when a system tool is missing, or fail when KAPDOCS_REQUIRE_ALL=1 (CI)."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"needs {', '.join(missing)} (run .ci/install-system-packages)"
    if os.environ.get("KAPDOCS_REQUIRE_ALL") == "1":
        pytest.fail(f"KAPDOCS_REQUIRE_ALL=1 but this test {reason}")
    pytest.skip(reason)
