"""Render ``benchmarks/results.json`` as the maintainers' guide page (benchmarks.md).

The page is built with the site's own checks, so its prose spells out every
abbreviation and keeps glossary terms out of the text; values go in tables and code.
"""

from __future__ import annotations

import statistics
import textwrap
from typing import Any

# The timers that do not nest in another: together, kapdocs' own time.
OWN_PHASES = ("collect", "checks", "html_pass", "pages")
PHASES = (
    ("collect", "Collecting records while pages are read"),
    ("term_scan", "Scanning prose for term mentions"),
    ("other_checks", "Other cross-document checks"),
    ("html_pass", "Link check of the written pages"),
    ("pages", "Features for readers, as pages are written"),
)


def pair_ratios(comparison: dict[str, Any], quantity: str = "cpu", prefix: str = "") -> list[float]:
    """With / without kapdocs for each pair, whose two builds ran back to back, in run order."""
    with_ = comparison[f"{prefix}with"][quantity]["samples"]
    without = comparison[f"{prefix}without"][quantity]["samples"]
    return [w / wo for w, wo in zip(with_, without, strict=True)]


def paired_ratio(comparison: dict[str, Any], quantity: str = "cpu", prefix: str = "") -> float:
    """Median over the pairs of with / without kapdocs.

    A shared machine speeds up and slows down over a run; the two builds of a pair see
    nearly the same machine, while the medians of each side may come from different times.
    """
    return float(statistics.median(pair_ratios(comparison, quantity, prefix)))


def scan_ratios(terms: dict[str, Any], count: str) -> list[float]:
    """*count* terms / 50 terms for each repetition of the term scan, in run order: the
    sizes of one repetition run back to back, like the two builds of a pair."""
    base = terms[str(min(int(c) for c in terms))]["samples"]
    return [t / b for t, b in zip(terms[count]["samples"], base, strict=True)]


def scan_ratio(terms: dict[str, Any], count: str) -> float:
    """Median over the repetitions of *count* terms / 50 terms."""
    return float(statistics.median(scan_ratios(terms, count)))


def page(results: dict[str, Any]) -> str:
    m = results["measurements"]
    parts = [
        _intro(results),
        _targets(results["targets"]),
        _builds(m),
        _phases(m),
        _scan(m["term_scan"]),
        _machine(results),
    ]
    return "\n\n".join(parts) + "\n"


def _intro(results: dict[str, Any]) -> str:
    plan = results["plan"]
    quick = results["mode"] == "quick"
    warning = [
        "```{warning}",
        "A quick run (tiny corpora, one repetition) for smoke testing: the numbers mean nothing.",
        "```",
    ]
    how = (
        f"`benchmarks/generate.py` writes each corpus from a fixed seed: {_n(plan['small'])}, "
        f"{_n(plan['large'])} or {_n(plan['furo'])} pages of prose and a glossary with twice as "
        "many terms as pages. Pages link their terms at first mention, link each other by "
        "heading, label and page, cite a few external sites and spell out a few abbreviations; "
        "one page in ten has a defect that the checks report. Every build runs serially in a "
        "fresh process, in pairs of one build without and one with `kapdocs` in `extensions`: "
        f"{_pairs(plan['pairs_small'])} on the small corpus and {_pairs(plan['pairs_large'])} "
        "on each of the others, so that a full run stays under half an hour on two processors. "
        f"After each pair of full builds of the {_n(plan['large'])}-page corpus come "
        f"{_pairs(plan['rebuilds'])} of rebuilds after one page is edited. Successive pairs "
        "take turns at which build runs first: of two identical builds run back to back, the "
        "second was the slower in 9 of 12 pairs on this machine, and a fixed order would count "
        "that against one side; with an even number of pairs, each order runs equally often. "
        "The tables give medians; a ratio is the median of the ratios "
        "of the pairs, whose two builds run back to back, so that a shared machine speeding up "
        "or slowing down between pairs moves both builds of a pair alike. Times are processor "
        "seconds (user and system) of the build process: for a serial build that is the "
        "wall-clock time on an idle machine, but it does not grow when other work shares the "
        "processors. Wall-clock times and every sample are in `benchmarks/results.json`."
    )
    themes = (
        "Sphinx's `basic` theme keeps the theme's own cost from hiding the extension's: with "
        "`furo`, every page carries the whole navigation tree, so a build grows with the "
        "square of the pages. The `furo` corpus is measured too, because that is how this "
        "site is built."
    )
    lines = [
        "---",
        "audience: maintainers",
        "---",
        "",
        "(maintainers-benchmarks)=",
        "# Benchmarks",
        "",
        _para(
            "What the `kapdocs` extension adds to the time and memory of a build, measured side "
            "by side with and without it. `python3 -m nox -s bench` runs `benchmarks/run.py`, "
            "which rewrites this page and `benchmarks/results.json`; do not edit the numbers "
            "by hand."
        ),
        *(["", *warning] if quick else []),
        "",
        "## How it is measured",
        "",
        _para(how),
        "",
        _para(themes),
    ]
    return "\n".join(lines)


def _pairs(count: int) -> str:
    return "one pair" if count == 1 else f"{count} pairs"


def _para(text: str) -> str:
    return textwrap.fill(text, width=100, break_long_words=False, break_on_hyphens=False)


def _targets(targets: list[dict[str, Any]]) -> str:
    rows = [
        "## Targets",
        "",
        "| Target | Measured | Pairs, lowest to highest | Limit | Result |",
        "|---|---|---|---|---|",
    ]
    for target in targets:
        verdict = "`PASS`" if target["pass"] else "`FALLS SHORT`"
        pairs = target["pairs"]
        spread = f"{pairs[0]:.3f} to {pairs[1]:.3f}" if pairs else ""
        rows.append(
            f"| {target['target']} | {target['value']:.3f} | {spread} | {target['limit']:.2f} "
            f"| {verdict} |"
        )
    note = (
        "A with / without ratio is judged on the median of the pairs' ratios; the lowest and "
        "highest of them show how far the pairs of one run, each two builds back to back, "
        "disagree on this machine. The term scan is judged the same way, on its repetitions."
    )
    return "\n".join([*rows, "", _para(note)])


def _builds(m: dict[str, Any]) -> str:
    rows = [
        "## Builds",
        "",
        "| Build | Without `kapdocs` | With `kapdocs` | Ratio | Wall-clock ratio |",
        "|---|---|---|---|---|",
    ]
    for key in ("small", "large", "furo"):
        c = m[key]
        label = f"{_n(c['pages'])} pages, `{c['theme']}` theme, full build"
        rows.append(_row(label, c, "cpu", "", " s"))
        if "at_once_with" in c:
            label = f"{_n(c['pages'])} pages, `{c['theme']}` theme, full build, both at once"
            rows.append(_row(label, c, "cpu", "at_once_", " s"))
        if "rebuild_with" in c:
            label = f"{_n(c['pages'])} pages, `{c['theme']}` theme, one page edited"
            rows.append(_row(label, c, "cpu", "rebuild_", " s"))
    large = m["large"]
    rows.append(_row(f"{_n(large['pages'])} pages, peak memory", large, "max_rss_mib", "", " MiB"))
    rows += [
        _collections_row(large),
        "",
        "Peak memory is the maximum resident set size of the build process.",
        "",
        *_at_once_note(m),
        _para(
            "Full garbage collections are collections of the oldest generation; the table "
            "gives the median count and seconds over the builds. Sphinx keeps every page it "
            "read in memory until it writes it, so one such collection of a large build's "
            "memory takes a second or more; whether one more of them falls inside the build "
            "depends on how many objects each step leaves behind, and can outweigh the time an "
            "extension spends itself. kapdocs pauses the collector while its own code runs "
            "(`kapdocs.timing.timed`), so that its short-lived objects do not bring those "
            "collections forward."
        ),
    ]
    return "\n".join(rows)


def _at_once_note(m: dict[str, Any]) -> list[str]:
    crossed = [m[key] for key in ("small", "large", "furo") if "at_once_with" in m[key]]
    if not crossed:
        return []
    ranges = []
    for c in crossed:
        ratios = pair_ratios(c, "cpu", "at_once_")
        ranges.append(
            f"{_pairs(len(ratios))} of {_n(c['pages'])}-page `{c['theme']}` builds, "
            f"{min(ratios):.3f} to {max(ratios):.3f}"
        )
    return [
        _para(
            'A cross-check, not a target: in the builds marked "both at once", the build '
            "without and the build with kapdocs ran at the same time, one per processor, so "
            "that both saw the same machine, while two builds run one after the other may "
            f"not. Their ratios ranged so: {'; '.join(ranges)}. The targets are judged on the "
            "pairs run one after the other, as issue 7 asks."
        ),
        "",
    ]


def _row(label: str, c: dict[str, Any], quantity: str, prefix: str, unit: str) -> str:
    without = c[f"{prefix}without"][quantity]["median"]
    with_ = c[f"{prefix}with"][quantity]["median"]
    wall = f"{paired_ratio(c, 'wall', prefix):.2f}" if quantity == "cpu" else ""
    digits = 0 if unit == " MiB" else 2
    return (
        f"| {label} | {without:.{digits}f}{unit} | {with_:.{digits}f}{unit} "
        f"| {paired_ratio(c, quantity, prefix):.2f} | {wall} |"
    )


def _collections_row(c: dict[str, Any]) -> str:
    cells = []
    for side in ("without", "with"):
        full = c[side]["full_gc"]
        cells.append(f"{full['count']['median']:.0f} ({full['seconds']['median']:.2f} s)")
    return f"| {_n(c['pages'])} pages, full garbage collections | {cells[0]} | {cells[1]} | | |"


def phase_seconds(builds: dict[str, Any]) -> dict[str, float]:
    """Median seconds per phase of a variant's builds, with "other_checks" and "total"."""
    phases = builds["phases"]
    seconds = {p: phases[p]["median"] if p in phases else 0.0 for p in (*OWN_PHASES, "term_scan")}
    seconds["other_checks"] = max(seconds["checks"] - seconds["term_scan"], 0.0)
    seconds["total"] = sum(seconds[p] for p in OWN_PHASES)
    return seconds


def own_share(builds: dict[str, Any]) -> float:
    """Median over the builds of kapdocs' own seconds / the build's seconds in process."""
    phases = builds["phases"]
    shares = []
    for index, seconds in enumerate(builds["in_process"]["samples"]):
        own = sum(phases[p]["samples"][index] for p in OWN_PHASES)
        shares.append(own / seconds)
    return float(statistics.median(shares))


def _phases(m: dict[str, Any]) -> str:
    small = phase_seconds(m["small"]["with"])
    large = phase_seconds(m["large"]["with"])
    rebuild = phase_seconds(m["large"]["rebuild_with"])
    pages = _n(m["large"]["pages"])
    rows = [
        "## Time spent in kapdocs",
        "",
        "kapdocs' own timers, in the median build with it (wall-clock seconds).",
        "",
        f"| Phase | {_n(m['small']['pages'])} pages | {pages} pages | Growth "
        f"| {pages} pages, one page edited |",
        "|---|---|---|---|---|",
    ]
    for key, label in (*PHASES, ("total", "Total")):
        growth = f"{large[key] / small[key]:.1f}" if small[key] else "n/a"
        rows.append(
            f"| {label} | {small[key]:.3f} s | {large[key]:.3f} s | {growth} "
            f"| {rebuild[key]:.3f} s |"
        )
    columns = (m["small"]["with"], m["large"]["with"], m["large"]["rebuild_with"])
    pauses = [c["full_gc"]["in_kapdocs"]["median"] for c in columns]
    rows.append(
        f"| Of the total: full garbage collections inside the timers | {pauses[0]:.3f} s "
        f"| {pauses[1]:.3f} s | | {pauses[2]:.3f} s |"
    )
    shares = [own_share(c) for c in columns]
    rows.append(
        f"| Total as a share of the build | {shares[0]:.1%} | {shares[1]:.1%} | | {shares[2]:.1%} |"
    )
    note = (
        "The timers cover the checks and the features for readers: term previews, the lists "
        "of pages under each glossary entry, page descriptions and the search data, all added "
        "as pages are written. The timers measure wall-clock time, so a full garbage "
        "collection that fell inside one would count in it, whichever code's objects it "
        "collected; the collector is paused inside them, and the second last row checks "
        "that none did. The last row divides each build's total by its "
        "own seconds from creating the Sphinx application to the end of the build, and gives "
        "the median: unlike a ratio of two builds, it does not move when the machine speeds "
        "up or slows down between them."
    )
    rows += ["", _para(note)]
    return "\n".join(rows)


def _scan(scan: dict[str, Any]) -> str:
    texts = (
        ("all", "mentions of all 5,000 terms"),
        ("shared", "mentions of only the 50 terms every glossary has"),
    )
    chars = scan["all"]["chars"] / 1e6
    repeats = len(scan["all"]["terms"]["50"]["samples"])
    rows = [
        "## Term scanning",
        "",
        _para(
            f"`kapdocs.matcher.TermMatcher` alone, scanning {chars:.1f} million characters of "
            "generated prose paragraph by paragraph, for glossaries of three sizes. The same "
            f"text is scanned for every size, {repeats} times. Within each repetition the "
            "sizes take turns every hundred paragraphs (a few milliseconds), in turn forwards "
            "and backwards, so that a shared machine slowing down moves every size's total "
            "alike; measured on whole texts, one after the other, single ratios ranged from 1.0 "
            "to 2.7. In the first text a bigger glossary also finds more mentions; the second "
            "text isolates the size of the glossary. Seconds are processor seconds, medians "
            "over the repetitions; the last column is the median of the repetitions' ratios."
        ),
        "",
        "| Text | Glossary terms | Seconds | Mentions found | Relative to 50 terms |",
        "|---|---|---|---|---|",
    ]
    for key, label in texts:
        terms = scan[key]["terms"]
        for count, value in terms.items():
            rows.append(
                f"| {label} | {_n(int(count))} | {value['median']:.3f} | {_n(value['matches'])} "
                f"| {scan_ratio(terms, count):.2f} |"
            )
    return "\n".join(rows)


def _machine(results: dict[str, Any]) -> str:
    machine = results["machine"]
    packages = ", ".join(f"`{name} {version}`" for name, version in machine["packages"].items())
    load = machine.get("load_average", {})
    before = ", ".join(f"{x:.1f}" for x in load.get("before", ()))
    after = ", ".join(f"{x:.1f}" for x in load.get("after", ()))
    commit = machine["kapdocs_commit"] or "unknown"
    modified = " with local changes" if machine["kapdocs_src_modified"] else ""
    run = f"`{results['date']}`, {results['minutes']} minutes"
    return f"""## Machine

- Run: {run}, `kapdocs` at commit `{commit[:12]}`{modified}
- Platform: `{machine["platform"]}`
- Processor: `{machine["processor"]}`, {machine["cpu_count"]} logical processors
- Python: `{machine["python"]}`
- Packages: {packages}
- Load average (1, 5 and 15 minutes) before the run: {before}; after: {after}"""


def _n(value: int) -> str:
    return f"{value:,}"
