"""Measure what kapdocs adds to a Sphinx build, and whether it meets issue 7's targets.

``nox -s bench`` runs this; so does ``python benchmarks/run.py [--quick]`` in an
environment with kapdocs installed. Every build runs in a fresh process
(``benchmarks/driver.py``), with and without kapdocs interleaved in pairs that take turns
at which runs first (A B, B A, A B, ...), over corpora from ``benchmarks/generate.py``;
medians are reported, and each with/without ratio is the median of the pairs' ratios.
As a cross-check on a shared machine, a few pairs of 1,000-page and of furo builds also
run with both builds at the same time, one per processor; the targets are not judged on
them.
A full run writes ``benchmarks/results.json`` and the table in
``docs/maintainers/benchmarks.md``; ``--quick`` (tiny corpora, one repetition, for smoke
testing) writes only into the work directory; ``--render`` measures nothing, but judges
``benchmarks/results.json`` again and rewrites it and the page (after a change to the
targets or the report).

Targets are judged on processor time (user + system) of the build process: for a
serial build it equals the wall time on an idle machine, and unlike the wall time it
does not grow when other work shares the processor. Wall times are recorded too.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (a sibling script, not a package)
import report  # noqa: E402

RESULTS = HERE / "results.json"
PAGE = ROOT / "docs" / "maintainers" / "benchmarks.md"
PACKAGES = ("sphinx", "docutils", "myst-parser", "furo", "pyahocorasick", "kapdocs")
SCAN_TERMS = (50, 500, 5000)


class Plan(NamedTuple):
    small: int  # pages of the small basic-theme corpus
    large: int  # pages of the large one (also incremental rebuild and memory)
    furo: int  # pages of the furo corpus
    pairs_small: int
    pairs_large: int
    pairs_furo: int
    scan_chars: int  # size of the text for the term-scan measurement
    scan_repeats: int
    rebuilds: int  # one-page rebuild pairs after each full-build pair of the large corpus
    pairs_at_once: int  # pairs of large and of furo builds run at the same time, one per CPU


# Even numbers of pairs: pairs take turns at which build runs first, so each order runs
# equally often (with 5, one order ran three times and the other twice).
FULL = Plan(100, 1000, 200, 6, 6, 6, 5_000_000, 15, 3, 4)
QUICK = Plan(10, 30, 10, 1, 1, 1, 200_000, 1, 1, 1)


class Build(NamedTuple):
    """One build in its own process."""

    wall: float  # seconds, process start to exit
    cpu: float  # seconds of user + system time of the process
    max_rss: float  # MiB
    seconds: float  # wall seconds inside the process, Sphinx application to end of build
    read: int
    written: int
    warnings: int
    phases: dict[str, float]
    gc: dict[str, Any]  # full garbage collections: "count", "seconds", "in_kapdocs"


# -- running builds -------------------------------------------------------------------------


class Started(NamedTuple):
    """A build whose process is running."""

    process: subprocess.Popen[bytes]
    start: float
    stdout: Path
    stderr: Path
    src: Path
    kapdocs: bool


def run_build(src: Path, out: Path, kapdocs: bool, fresh: bool) -> Build:
    """Build *src* into *out* in a new process and wait for it."""
    return finish_build(start_build(src, out, kapdocs, fresh))


def start_build(src: Path, out: Path, kapdocs: bool, fresh: bool) -> Started:
    command = [sys.executable, str(HERE / "driver.py"), str(src), str(out)]
    command += [] if kapdocs else ["--without-kapdocs"]
    command += ["--fresh"] if fresh else []
    out.mkdir(parents=True, exist_ok=True)
    stdout, stderr = out.with_suffix(".stdout"), out.with_suffix(".stderr")
    with stdout.open("w") as so, stderr.open("w") as se:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=so, stderr=se)
    return Started(process, start, stdout, stderr, src, kapdocs)


def finish_build(started: Started) -> Build:
    """Wait for *started*; its resource usage comes from ``wait4``."""
    # wait4 gives this child's own usage; RUSAGE_CHILDREN would mix all builds.
    _, status, usage = os.wait4(started.process.pid, 0)
    return _ended(started, status, usage)


def finish_first(running: list[Started]) -> tuple[Started, Build]:
    """Wait for whichever of *running* ends first, so that its wall time ends with it.

    Each build is asked for by its own process id, never "any child", which could reap a
    process this one did not start for a build (a test runner's, say).
    """
    while True:
        for started in running:
            pid, status, usage = os.wait4(started.process.pid, os.WNOHANG)
            if pid:
                return started, _ended(started, status, usage)
        time.sleep(0.01)  # a wall time up to 0.01 s late, on builds of most of a minute


def _ended(started: Started, status: int, usage: Any) -> Build:
    wall = time.perf_counter() - started.start
    process = started.process
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"build of {started.src} failed; see {started.stderr}")
    result = json.loads(started.stdout.read_text().strip().splitlines()[-1])
    if result["status"] != 0:
        raise SystemExit(f"Sphinx reported errors building {started.src}; see {started.stderr}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Build(
        wall,
        usage.ru_utime + usage.ru_stime,
        rss,
        result["seconds"],
        result["read"],
        result["written"],
        started.stderr.read_text().count("WARNING:"),
        result["phases"],
        result["gc"],
    )


def edit_page(path: Path) -> str:
    """Add a sentence to *path*, dated now, and return the original text to restore."""
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\nOne sentence added for the rebuild.\n", encoding="utf-8")
    now = time.time()
    os.utime(path, (now, now))
    return original


def compare(
    name: str, src: Path, work: Path, pairs: int, rebuilds: int = 0
) -> dict[str, list[Build]]:
    """*pairs* pairs of fresh builds without and with kapdocs; after each, *rebuilds* pairs
    of rebuilds after editing one page. Successive pairs of each kind swap which variant
    runs first: the second of two identical builds run back to back was the slower one in 9
    of 12 pairs on the benchmark machine, and a fixed order would charge that to one side."""
    samples: dict[str, list[Build]] = {"without": [], "with": []}
    samples |= {"rebuild_without": [], "rebuild_with": []}
    pages = sorted(src.glob("page-*.md"))
    edited = pages[len(pages) // 2]
    variants = ("without", "with")
    full_order = itertools.cycle((variants, variants[::-1]))
    rebuild_order = itertools.cycle((variants, variants[::-1]))
    for pair in range(pairs):
        for variant in next(full_order):
            build = run_build(src, work / f"{name}-{variant}", variant == "with", fresh=True)
            samples[variant].append(build)
            print(f"{name} {pair + 1}/{pairs} {variant:7} cpu {build.cpu:7.2f} s", flush=True)
        # A rebuild takes seconds, so it is noisier than a full build: more pairs of them,
        # each pair back to back like the full builds.
        for _ in range(rebuilds):
            for variant in next(rebuild_order):
                original = edit_page(edited)
                try:
                    out = work / f"{name}-{variant}"
                    rebuild = run_build(src, out, variant == "with", fresh=False)
                finally:
                    edited.write_text(original, encoding="utf-8")
                samples[f"rebuild_{variant}"].append(rebuild)
                print(
                    f"{name} {pair + 1}/{pairs} {variant:7} rebuild cpu {rebuild.cpu:5.2f} s "
                    f"(read {rebuild.read})",
                    flush=True,
                )
    return {key: value for key, value in samples.items() if value}


def compare_at_once(name: str, src: Path, work: Path, pairs: int) -> dict[str, list[Build]]:
    """*pairs* pairs of fresh builds without and with kapdocs, the two of a pair running at
    the same time, one per processor, so that both see the same machine: a cross-check of
    the interleaved pairs on a shared machine, whose speed changes between two builds
    run back to back. Successive pairs take turns at which build starts first."""
    samples: dict[str, list[Build]] = {"at_once_without": [], "at_once_with": []}
    order = itertools.cycle((("without", "with"), ("with", "without")))
    for pair in range(pairs):
        running = [
            start_build(src, work / f"{name}-at-once-{variant}", variant == "with", True)
            for variant in next(order)
        ]
        while running:
            started, build = finish_first(running)
            running.remove(started)
            samples["at_once_with" if started.kapdocs else "at_once_without"].append(build)
        cpu = {variant: samples[f"at_once_{variant}"][-1].cpu for variant in ("without", "with")}
        print(
            f"{name} at once {pair + 1}/{pairs} without cpu {cpu['without']:7.2f} s, "
            f"with cpu {cpu['with']:7.2f} s",
            flush=True,
        )
    return samples


# -- term scanning ---------------------------------------------------------------------------


def term_scan(plan: Plan) -> dict[str, Any]:
    """Seconds to scan the same prose for 50, 500 and 5,000 terms (TermMatcher alone).

    Two texts: "all" mentions terms from the whole 5,000 (the target), so a bigger glossary
    also finds more mentions; "shared" mentions only the 50 terms every glossary has, so
    that only the glossary's size differs.
    """
    from kapdocs.matcher import TermMatcher, normalise

    names = generate.term_names(max(SCAN_TERMS), seed=1)
    matchers = {
        count: TermMatcher({normalise(name): name for name in names[:count]})
        for count in SCAN_TERMS
    }
    texts = {
        "all": generate.prose_text(plan.scan_chars, max(SCAN_TERMS), seed=1),
        "shared": generate.prose_text(plan.scan_chars, min(SCAN_TERMS), seed=1),
    }
    return {
        name: _scan(paragraphs, matchers, plan.scan_repeats, name)
        for name, paragraphs in texts.items()
    }


# Paragraphs per slice of the term-scan text: each glossary size scans a slice (a few
# milliseconds) before the next size scans the same slice.
SCAN_SLICE = 100


def _scan(
    paragraphs: list[str], matchers: dict[int, Any], repeats: int, name: str
) -> dict[str, Any]:
    """Processor seconds of each glossary size to scan all *paragraphs*, *repeats* times.

    Within a repetition the sizes take turns slice by slice, not text by text: a scan of
    the whole text lasts a tenth of a second, long enough for a shared machine to slow
    down for one size and not the next (single ratios ranged from 1.0 to 2.7 so), while a
    slowdown now moves every size's total alike.
    """
    seconds: dict[int, list[float]] = {count: [] for count in matchers}
    matches: dict[int, int] = {}
    order = list(matchers.items())
    for _ in range(repeats):
        totals = dict.fromkeys(matchers, 0.0)
        found = dict.fromkeys(matchers, 0)
        for first in range(0, len(paragraphs), SCAN_SLICE):
            part = paragraphs[first : first + SCAN_SLICE]
            for count, matcher in order:
                start = time.process_time()
                found[count] += sum(len(matcher.find(paragraph)) for paragraph in part)
                totals[count] += time.process_time() - start
            order.reverse()  # no glossary size always goes first, like the pairs of builds
        for count, total in totals.items():
            seconds[count].append(total)
        matches = found
    medians = ", ".join(f"{c}: {statistics.median(s):.3f} s" for c, s in seconds.items())
    print(f"term scan, {name} text: {medians}", flush=True)
    return {
        "chars": sum(len(p) for p in paragraphs),
        "paragraphs": len(paragraphs),
        "terms": {
            str(count): {**summary(seconds[count]), "matches": matches[count]} for count in matchers
        },
    }


# -- summarising -----------------------------------------------------------------------------


def summary(values: list[float]) -> dict[str, Any]:
    return {"samples": [round(v, 4) for v in values], "median": round(statistics.median(values), 4)}


def variant(builds: list[Build]) -> dict[str, Any]:
    phases = sorted({phase for build in builds for phase in build.phases})
    return {
        "cpu": summary([b.cpu for b in builds]),
        "wall": summary([b.wall for b in builds]),
        "in_process": summary([b.seconds for b in builds]),
        "max_rss_mib": summary([b.max_rss for b in builds]),
        "read": [b.read for b in builds],
        "written": [b.written for b in builds],
        "warnings": [b.warnings for b in builds],
        "phases": {phase: summary([b.phases.get(phase, 0.0) for b in builds]) for phase in phases},
        "full_gc": {
            "count": summary([b.gc["count"] for b in builds]),
            "seconds": summary([b.gc["seconds"] for b in builds]),
            "in_kapdocs": summary([sum(b.gc["in_kapdocs"].values()) for b in builds]),
        },
    }


def comparison(pages: int, theme: str, samples: dict[str, list[Build]]) -> dict[str, Any]:
    result: dict[str, Any] = {"pages": pages, "terms": 2 * pages, "theme": theme}
    for key, builds in samples.items():
        result[key] = variant(builds)
    return result


def own_time(measurement: dict[str, Any]) -> float:
    """kapdocs' own seconds (collect, checks, HTML pass) in the median build with it."""
    return report.phase_seconds(measurement["with"])["total"]


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target's value, limit and verdict; a with / without ratio also gives the
    lowest and highest of its pairs' ratios."""
    m = results["measurements"]
    scan = m["term_scan"]["all"]["terms"]
    small, large, furo = (f"{m[key]['pages']:,} pages" for key in ("small", "large", "furo"))
    own = own_time(m["large"]) / own_time(m["small"])
    rows = [
        (f"Full build, {large}, basic theme: with / without kapdocs", *_paired(m["large"]), 1.05),
        (f"Full build, {furo}, furo: with / without kapdocs", *_paired(m["furo"]), 1.05),
        (f"kapdocs' own time: {large} / {small}", own, None, 12.0),
        ("Term scan: 5,000 terms / 50 terms", report.scan_ratio(scan, "5000"),
         _range(report.scan_ratios(scan, "5000")), 1.5),
        (f"One-page rebuild, {large}: with / without kapdocs",
         *_paired(m["large"], prefix="rebuild_"), 1.10),
        (f"Peak memory, {large}: with / without kapdocs", *_paired(m["large"], "max_rss_mib"),
         1.10),
    ]  # fmt: skip
    return [
        {
            "target": name,
            "value": round(value, 3),
            "pairs": [round(v, 3) for v in pairs] if pairs else None,
            "limit": limit,
            "pass": value <= limit,
        }
        for name, value, pairs, limit in rows
    ]


def _paired(
    comparison: dict[str, Any], quantity: str = "cpu", prefix: str = ""
) -> tuple[float, list[float]]:
    """The paired ratio the report gives, and the lowest and highest of the pairs' ratios."""
    ratios = report.pair_ratios(comparison, quantity, prefix)
    return report.paired_ratio(comparison, quantity, prefix), _range(ratios)


def _range(ratios: list[float]) -> list[float]:
    return [min(ratios), max(ratios)]


def machine() -> dict[str, Any]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": versions,
        "kapdocs_commit": _git("rev-parse", "HEAD"),
        "kapdocs_src_modified": bool(_git("status", "--porcelain", "--", "src")),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


# -- main ------------------------------------------------------------------------------------


def measure(plan: Plan, work: Path) -> dict[str, Any]:
    corpora = {
        "small": generate.generate(work / "corpus-small", plan.small),
        "large": generate.generate(work / "corpus-large", plan.large),
        "furo": generate.generate(work / "corpus-furo", plan.furo, theme="furo"),
    }
    measurements = {
        "small": comparison(
            plan.small, "basic", compare("small", corpora["small"], work, plan.pairs_small)
        ),
        "large": comparison(
            plan.large,
            "basic",
            compare("large", corpora["large"], work, plan.pairs_large, plan.rebuilds)
            | _at_once("large", corpora["large"], work, plan.pairs_at_once),
        ),
        "furo": comparison(
            plan.furo,
            "furo",
            compare("furo", corpora["furo"], work, plan.pairs_furo)
            | _at_once("furo", corpora["furo"], work, plan.pairs_at_once),
        ),
        "term_scan": term_scan(plan),
    }
    return {"measurements": measurements}


def _at_once(name: str, src: Path, work: Path, pairs: int) -> dict[str, list[Build]]:
    if (os.cpu_count() or 1) < 2:
        print(f"{name}: one processor, so no pairs of builds at once", flush=True)
        return {}
    return compare_at_once(name, src, work, pairs)


def write(results: dict[str, Any], destination: Path, page: Path) -> None:
    """Judge *results* against the targets, print the verdicts, write them and the page."""
    results["targets"] = targets(results)
    for target in results["targets"]:
        verdict = "PASS" if target["pass"] else "FALLS SHORT"
        pairs = target["pairs"]
        spread = f"; pairs {pairs[0]:.3f} to {pairs[1]:.3f}" if pairs else ""
        print(
            f"{verdict:11} {target['target']}: {target['value']:.3f}{spread} "
            f"(limit {target['limit']})"
        )
    for key in ("large", "furo"):
        c = results["measurements"][key]
        if "at_once_with" in c:
            ratio, spread = _paired(c, prefix="at_once_")
            print(
                f"Cross-check, {c['pages']} pages, {c['theme']}, both builds of each pair at "
                f"once: {ratio:.3f}; pairs {spread[0]:.3f} to {spread[1]:.3f}"
            )
    destination.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    page.write_text(report.page(results), encoding="utf-8")
    print(f"Wrote {destination} and {page}")


def render(destination: Path, page: Path) -> None:
    """Judge the measurements in *destination* again and rewrite it and *page*.

    For a change to the targets or the page; the measurements are left as they are.
    """
    write(json.loads(destination.read_text(encoding="utf-8")), destination, page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny corpora, one repetition")
    parser.add_argument("--workdir", type=Path, default=HERE / "_work")
    parser.add_argument("--keep", action="store_true", help="keep the corpora and builds")
    parser.add_argument(
        "--render",
        action="store_true",
        help=f"measure nothing: judge {RESULTS.name} again and rewrite it and the page",
    )
    args = parser.parse_args(argv)
    if args.render:
        render(RESULTS, PAGE)
        return 0
    plan = QUICK if args.quick else FULL
    work = args.workdir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.time()
    load_before = os.getloadavg()
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "plan": plan._asdict(),
        "machine": machine(),
        **measure(plan, work),
    }
    results["machine"]["load_average"] = {"before": load_before, "after": os.getloadavg()}
    results["minutes"] = round((time.time() - started) / 60, 1)
    destination = work / "results.json" if args.quick else RESULTS
    page = work / "benchmarks.md" if args.quick else PAGE
    write(results, destination, page)
    print(f"Measured in {results['minutes']} minutes")
    if not args.keep:  # corpora and builds; a quick run's results stay
        for path in work.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            elif path.suffix in (".stdout", ".stderr"):
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
