"""Smoke test of the benchmark (``nox -s bench``): the corpus generator and one tiny build.

Nothing here is timed: a shared CI machine is far too noisy for timed assertions.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from sphinx.errors import ApplicationError

from kapdocs.timing import running, timed

if TYPE_CHECKING:
    from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return _load("generate")


def _files(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(root.iterdir())}


def test_same_seed_same_corpus(generate: ModuleType, tmp_path: Path) -> None:
    first = _files(generate.generate(tmp_path / "a", pages=5, seed=3))
    second = _files(generate.generate(tmp_path / "b", pages=5, seed=3))
    assert first == second
    assert len(first) == 5 + 3  # pages, index, glossary, conf.py


def test_other_seed_other_corpus(generate: ModuleType, tmp_path: Path) -> None:
    first = _files(generate.generate(tmp_path / "a", pages=5, seed=3))
    other = _files(generate.generate(tmp_path / "b", pages=5, seed=4))
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first if name.startswith("page-"))


def test_tiny_build_with_kapdocs(generate: ModuleType, tmp_path: Path) -> None:
    src = generate.generate(tmp_path / "src", pages=5)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "driver.py"), str(src), str(out), "--fresh"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 0
    assert result["read"] == 5 + 2
    assert {"collect", "checks", "html_pass", "pages"} <= result["phases"].keys()
    assert result["gc"].keys() == {"count", "seconds", "in_kapdocs"}
    report = json.loads((out / "html" / "kapdocs-report.json").read_text(encoding="utf-8"))
    assert report["version"] >= 1
    # The corpus is valid for Sphinx: any warning is a kapdocs finding.
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert all("[kapdocs." in line for line in warnings), warnings


def test_ratio_is_the_median_of_the_pairs_ratios() -> None:
    # The second pair is an outlier, and the ratio of the two medians (30 / 50) would be it.
    comparison = {
        "with": {"cpu": {"samples": [11.0, 30.0, 60.0]}},
        "without": {"cpu": {"samples": [10.0, 50.0, 55.0]}},
    }
    assert _load("report").paired_ratio(comparison) == pytest.approx(60.0 / 55.0)


def test_scan_ratio_is_the_median_of_the_repetitions_ratios() -> None:
    # The second repetition ran while the machine was slow: both of its scans took longer.
    terms = {
        "50": {"samples": [1.0, 3.0, 1.1]},
        "5000": {"samples": [1.4, 4.2, 1.65]},
    }
    report = _load("report")
    assert report.scan_ratios(terms, "5000") == pytest.approx([1.4, 1.4, 1.5])
    assert report.scan_ratio(terms, "5000") == pytest.approx(1.4)
    assert report.scan_ratio(terms, "50") == 1.0


def test_glossary_sizes_take_turns_slice_by_slice_over_the_same_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = _load("run")
    monkeypatch.setattr(run, "SCAN_SLICE", 2)
    scanned: list[tuple[int, str]] = []

    class Matcher:
        def __init__(self, size: int) -> None:
            self.size = size

        def find(self, paragraph: str) -> list[tuple[int, int, int]]:
            scanned.append((self.size, paragraph))
            return [(0, 1, self.size)] * self.size

    paragraphs = ["p1", "p2", "p3", "p4", "p5"]
    result = run._scan(paragraphs, {1: Matcher(1), 3: Matcher(3)}, 2, "test")
    # Every size scans a slice before the next slice; the first size alternates.
    slices = [["p1", "p2"], ["p3", "p4"], ["p5"]]
    expected = []
    for repetition in range(2):
        for number, part in enumerate(slices):
            first = 1 if (repetition * len(slices) + number) % 2 == 0 else 3
            for size in (first, 4 - first):
                expected += [(size, paragraph) for paragraph in part]
    assert scanned == expected
    terms = result["terms"]
    assert (terms["1"]["matches"], terms["3"]["matches"]) == (5, 15)
    assert len(terms["1"]["samples"]) == len(terms["3"]["samples"]) == 2


def test_full_collections_are_counted_and_timed() -> None:
    counter = _load("driver").FullCollections()
    gc.callbacks.append(counter)
    try:
        gc.collect(0)  # a young generation only: not counted
        assert counter.count == 0
        gc.collect()
        with timed("checks"), timed("term_scan"):
            gc.collect()
    finally:
        gc.callbacks.remove(counter)
    assert counter.count == 2
    assert counter.seconds > 0
    # Only the collection inside the timers, under the outermost phase.
    assert counter.in_kapdocs.keys() == {"checks"}
    assert 0 < counter.in_kapdocs["checks"] < counter.seconds


def test_a_failed_build_stops_counting(tmp_path: Path) -> None:
    driver = _load("driver")
    before = list(gc.callbacks)
    with pytest.raises(ApplicationError, match="source directory"):
        driver.build(tmp_path / "missing", tmp_path / "out", kapdocs=False, fresh=True)
    assert gc.callbacks == before


def test_running_names_the_outermost_timer() -> None:
    assert running() is None
    with timed("checks"):
        with timed("term_scan"):
            assert running() == "checks"
        assert running() == "checks"
    assert running() is None


def test_the_collector_is_paused_inside_kapdocs_work_and_resumed_after_it() -> None:
    seen: list[bool] = []

    def work() -> None:
        with timed("checks"):
            seen.append(gc.isenabled())
            with timed("term_scan"):
                seen.append(gc.isenabled())
            seen.append(gc.isenabled())  # the inner block must not resume the outer's pause
            raise RuntimeError

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        work()
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_collector_paused_before_kapdocs_work_stays_paused() -> None:
    gc.disable()
    try:
        with timed("checks"):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_rebuild_pairs_follow_each_full_build_pair_and_pairs_take_turns_going_first(
    generate: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _load("run")
    src = generate.generate(tmp_path / "src", pages=3)
    edited = sorted(src.glob("page-*.md"))[1]
    original = edited.read_text(encoding="utf-8")
    calls: list[tuple[bool, bool, bool]] = []  # (with kapdocs, fresh, page edited)

    def fake_build(src: Path, out: Path, kapdocs: bool, fresh: bool) -> object:
        calls.append((kapdocs, fresh, edited.read_text(encoding="utf-8") != original))
        return run.Build(0.0, 1.0, 0.0, 0.0, 1, 1, 0, {}, {})

    monkeypatch.setattr(run, "run_build", fake_build)
    samples = run.compare("large", src, tmp_path / "work", pairs=2, rebuilds=2)
    full = [(False, True, False), (True, True, False)]
    rebuild = [(False, False, True), (True, False, True)]
    # Each kind of pair alternates its order: A B, then B A.
    first, second = full + rebuild + rebuild[::-1], full[::-1] + rebuild + rebuild[::-1]
    assert calls == first + second
    assert {key: len(value) for key, value in samples.items()} == {
        "without": 2,
        "with": 2,
        "rebuild_without": 4,
        "rebuild_with": 4,
    }
    assert edited.read_text(encoding="utf-8") == original  # restored


def test_builds_at_once_start_together_and_take_turns_going_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _load("run")
    events: list[tuple[str, bool]] = []

    def fake_start(src: Path, out: Path, kapdocs: bool, fresh: bool) -> object:
        assert fresh
        events.append(("start", kapdocs))
        return SimpleNamespace(kapdocs=kapdocs)

    def fake_finish_first(running: list[Any]) -> tuple[object, object]:
        # The build started last ends first: each is filed under its own variant.
        started = running[-1]
        events.append(("end", started.kapdocs))
        return started, run.Build(0.0, 2.0 if started.kapdocs else 1.0, 0, 0, 1, 1, 0, {}, {})

    monkeypatch.setattr(run, "start_build", fake_start)
    monkeypatch.setattr(run, "finish_first", fake_finish_first)
    samples = run.compare_at_once("large", tmp_path, tmp_path / "work", pairs=2)
    # Both builds of a pair run before either is waited for; the first to start alternates.
    assert events == [
        ("start", False), ("start", True), ("end", True), ("end", False),
        ("start", True), ("start", False), ("end", False), ("end", True),
    ]  # fmt: skip
    assert [b.cpu for b in samples["at_once_without"]] == [1.0, 1.0]
    assert [b.cpu for b in samples["at_once_with"]] == [2.0, 2.0]


def test_of_builds_at_once_each_is_timed_to_its_own_end(tmp_path: Path) -> None:
    run = _load("run")
    sleeper = [sys.executable, "-c", "import time, sys; time.sleep(float(sys.argv[1]))"]
    result = '{"status": 0, "seconds": 0, "read": 0, "written": 0, "phases": {}, "gc": {}}'
    running = []
    for kapdocs, seconds in ((False, "1.0"), (True, "0.1")):
        out = tmp_path / f"b{kapdocs}"
        out.with_suffix(".stdout").write_text(result)
        out.with_suffix(".stderr").write_text("")
        process = subprocess.Popen([*sleeper, seconds])
        running.append(
            run.Started(process, time.perf_counter(), out.with_suffix(".stdout"),
                        out.with_suffix(".stderr"), tmp_path, kapdocs)
        )  # fmt: skip
    first, build = run.finish_first(running)
    assert first.kapdocs  # the short one, though started second
    running.remove(first)
    second, later = run.finish_first(running)
    assert not second.kapdocs
    assert build.wall < later.wall


def test_targets_give_the_spread_of_the_pairs(tmp_path: Path) -> None:
    run = _load("run")
    results = json.loads((BENCHMARKS / "results.json").read_text(encoding="utf-8"))
    furo = results["measurements"]["furo"]
    # Make one pair an outlier: the spread must show it, the median must not move to it.
    furo["with"]["cpu"]["samples"][0] = 10 * furo["without"]["cpu"]["samples"][0]
    judged = run.targets(results)
    ratio = next(t for t in judged if "furo: with / without" in t["target"])
    assert ratio["pairs"][1] == pytest.approx(10.0)
    assert ratio["pairs"][0] <= ratio["value"] < 2
    scan = next(t for t in judged if t["target"].startswith("Term scan"))
    repetitions = _load("report").scan_ratios(
        results["measurements"]["term_scan"]["all"]["terms"], "5000"
    )
    assert scan["pairs"] == pytest.approx([min(repetitions), max(repetitions)], abs=5e-4)
    assert next(t for t in judged if t["target"].startswith("kapdocs' own time"))["pairs"] is None

    destination, page = tmp_path / "results.json", tmp_path / "benchmarks.md"
    destination.write_text(json.dumps(results), encoding="utf-8")
    run.render(destination, page)
    rendered = json.loads(destination.read_text(encoding="utf-8"))
    assert rendered["measurements"] == results["measurements"]  # nothing measured again
    assert rendered["targets"] == judged
    row = next(line for line in page.read_text(encoding="utf-8").splitlines() if "furo:" in line)
    assert f"| {ratio['pairs'][0]:.3f} to 10.000 |" in row


def test_term_scan_takes_turns_at_the_order_of_glossary_sizes() -> None:
    run = _load("run")
    calls: list[int] = []

    class Matcher:
        def __init__(self, count: int) -> None:
            self.count = count

        def find(self, text: str) -> list[int]:
            calls.append(self.count)
            return [self.count]

    result = run._scan(["a"], {n: Matcher(n) for n in (50, 500, 5000)}, repeats=3, name="t")
    assert calls == [50, 500, 5000, 5000, 500, 50, 50, 500, 5000]
    assert result["terms"]["500"]["matches"] == 1
    assert len(result["terms"]["5000"]["samples"]) == 3


def test_own_share_is_the_median_of_each_builds_share() -> None:
    def phase(*samples: float) -> dict[str, list[float]]:
        return {"samples": list(samples)}

    builds = {
        "in_process": phase(10.0, 20.0, 40.0),
        # term_scan runs inside checks: counting it again would inflate the share.
        "phases": {
            "collect": phase(0.5, 1.0, 0.5),
            "checks": phase(0.3, 0.5, 0.3),
            "term_scan": phase(0.2, 0.4, 0.2),
            "html_pass": phase(0.1, 0.3, 0.1),
            "pages": phase(0.1, 0.2, 0.1),
        },
    }
    # Shares 10 %, 10 % and 2.5 %; the ratio of the medians would be 1.0 / 20 = 5 %.
    assert _load("report").own_share(builds) == pytest.approx(0.10)
