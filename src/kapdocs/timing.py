"""kapdocs' own work: timed for the benchmark (``nox -s bench``), with the cyclic garbage
collector paused. Timings are never part of a finding.

Totals are per process: a parallel build's reading workers keep their own, so the
benchmark reads them from serial builds.
"""

from __future__ import annotations

import gc
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
    """Run a block of kapdocs' work: add its wall time to *phase*'s total, and pause the
    cyclic garbage collector until the block ends.

    Why the pause: kapdocs allocates many short-lived containers, freed as soon as they
    go out of use, so a collection its allocations set off frees little. It mostly moves
    what is alive at that moment (kapdocs' temporaries, the page's doctree) into older
    generations, which brings the next collection of the whole heap forward; at 1,000
    pages that made one more full collection per build, 1.5 to 2 seconds. Collections
    that fall due in the block run at the first allocation after it, when kapdocs'
    temporaries are gone. A collector that was already paused stays paused.
    """
    start = time.perf_counter()
    _running.append(phase)
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _running.pop()
        _totals[phase] += time.perf_counter() - start
        # After the clock stops: the timers count kapdocs' own work; what its allocations
        # cost the collector shows in the build's total, which the benchmark compares.
        if collecting:
            gc.enable()


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
