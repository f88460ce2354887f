"""kapdocs' own timers, for the benchmark (``nox -s bench``); never part of a finding.

Totals are per process: a parallel build's reading workers keep their own, so the
benchmark reads them from serial builds.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_totals: defaultdict[str, float] = defaultdict(float)
_running: list[str] = []  # phases whose timers run now, outermost first


@contextmanager
def timed(phase: str) -> Iterator[None]:
    """Add the wall time of the block to *phase*'s total."""
    start = time.perf_counter()
    _running.append(phase)
    try:
        yield
    finally:
        _running.pop()
        _totals[phase] += time.perf_counter() - start


def running() -> str | None:
    """The outermost phase whose timer runs now, if any.

    The benchmark asks this when the garbage collector pauses the build: a pause inside
    a timer counts in kapdocs' time, whichever code's objects it collects.
    """
    return _running[0] if _running else None


def totals() -> dict[str, float]:
    """Seconds spent per phase since the process started (or since :func:`reset`)."""
    return dict(_totals)


def reset() -> None:
    _totals.clear()
