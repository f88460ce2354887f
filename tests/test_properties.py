"""Property-based tests: kapdocs agrees with a simple reference implementation.

Hypothesis writes small MyST sites: a glossary and pages whose one-line paragraphs mix plain
words, term mentions (any case, some plural), term roles (some to missing entries), code
and links (some to missing pages). The findings kapdocs reports must equal those of the
straightforward per-term regular expressions below, a build must never raise, and two
builds of the same site must write the same report.
"""

from __future__ import annotations

import json
import re
import tempfile
from io import StringIO
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sphinx.application import Sphinx

from kapdocs.abbreviations import (
    _explained,
    _tokens,
    _with_candidates,
    is_abbreviation,
    singular,
)
from kapdocs.locate import _whole
from kapdocs.prose import fold_whitespace
from kapdocs.store import AbbrUse, Segment
from tests.conftest import findings

NAMES = ["alpha", "beta gamma", "delta", "epsilon zeta", "eta", "theta-iota", "kappa"]
FILLER = ["lorem", "ipsum", "alphabet", "deltas9", "etage", "kappas", "zeta", "and"]
MISSING = ["omega", "betagamma"]

names_st = st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True)


@st.composite
def token(draw: st.DrawFn, pool: list[str]) -> tuple[str, str, str]:
    """(kind, value, markdown) of one piece of a paragraph."""
    kind = draw(st.sampled_from(["word", "mention", "role", "code", "link"]))
    if kind == "word":
        word = draw(st.sampled_from(FILLER))
        return kind, word, word
    if kind == "mention":
        name = draw(st.sampled_from(NAMES))
        name = draw(st.sampled_from([name, name.upper(), name.capitalize()]))
        suffix = draw(st.sampled_from(["", "s", "es"]))
        return kind, name, name + suffix
    if kind == "role":
        target = draw(st.sampled_from(pool + MISSING))
        return kind, target, f"{{term}}`{target}`"
    if kind == "code":
        name = draw(st.sampled_from(NAMES))
        return kind, name, f"`{name}`"
    target = draw(st.sampled_from(["page0.md", "nope.md"]))
    return kind, target, f"[{draw(st.sampled_from(NAMES))}]({target})"


@st.composite
def site(draw: st.DrawFn) -> tuple[list[str], list[list[list[tuple[str, str, str]]]]]:
    names = draw(names_st)
    pages = draw(
        st.lists(
            st.lists(st.lists(token(names), min_size=1, max_size=6), min_size=1, max_size=4),
            min_size=1,
            max_size=3,
        )
    )
    return names, pages


def write_site(root: Path, names: list[str], pages: list[list[list[tuple[str, str, str]]]]) -> None:
    (root / "conf.py").write_text('extensions = ["myst_parser", "kapdocs"]\n')
    toc = "\n".join(["glossary", *(f"page{i}" for i in range(len(pages)))])
    (root / "index.md").write_text(f"# Site\n\n```{{toctree}}\n{toc}\n```\n")
    glossary = ["# Glossary", "", "```{glossary}"]
    for name in names:
        glossary += [name.capitalize(), f"  The {name} entry.", ""]
    (root / "glossary.md").write_text("\n".join([*glossary, "```", ""]))
    for i, paragraphs in enumerate(pages):
        lines = [f"# Page {i}", ""]
        for paragraph in paragraphs:
            lines += [" ".join(md for _, _, md in paragraph), ""]
        (root / f"page{i}.md").write_text("\n".join(lines))


def mention_pattern(name: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in name.split())
    return re.compile(rf"(?<![^\W_]){words}(?:es|s)?(?![^\W_])", re.IGNORECASE)


def expected_findings(
    names: list[str], pages: list[list[list[tuple[str, str, str]]]]
) -> list[tuple[str, int, str]]:
    """The reference implementation: plain per-term regular expressions over the prose."""
    defined = {n.lower() for n in names}
    linked_anywhere: set[str] = set()
    expected = []
    for i, paragraphs in enumerate(pages):
        file = f"page{i}.md"
        linked = {value.lower() for p in paragraphs for kind, value, _ in p if kind == "role"}
        linked_anywhere |= linked
        first_mention: dict[str, int] = {}
        for number, paragraph in enumerate(paragraphs):
            line = 3 + 2 * number
            prose = " ".join(
                md if kind in {"word", "mention"} else "\x00" for kind, _, md in paragraph
            )
            for name in names:
                if mention_pattern(name).search(prose):
                    first_mention.setdefault(name, line)
            for kind, value, _ in paragraph:
                if kind == "role" and value.lower() not in defined:
                    expected.append((file, line, "term_undefined"))
                if kind == "link" and value == "nope.md":
                    expected.append((file, line, "link_doc"))
        for name, line in first_mention.items():
            if name.lower() not in linked:
                expected.append((file, line, "term_unlinked"))
    for number, name in enumerate(names):
        if name.lower() not in linked_anywhere:
            expected.append(("glossary.md", 4 + 3 * number, "term_unused"))
    return sorted(expected)


def build(root: Path, out: str) -> tuple[str, dict[str, object]]:
    warning = StringIO()
    app = Sphinx(
        str(root),
        str(root),
        str(root / out),
        str(root / out / ".doctrees"),
        "html",
        status=None,
        warning=warning,
        freshenv=True,
    )
    app.build()
    report = json.loads((root / out / "kapdocs-report.json").read_text())
    return warning.getvalue(), report


@settings(
    max_examples=int(__import__("os").environ.get("KAPDOCS_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(site())
def test_findings_match_reference_implementation(generated) -> None:
    names, pages = generated
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_site(root, names, pages)
        text, report = build(root, "out1")
        assert "Traceback" not in text
        assert "kapdocs.internal" not in text
        # Abbreviations are outside the reference model ("ALPHA" is one).
        reported = [f for f in findings(text, root) if f[2] != "abbr_undefined"]
        assert sorted(reported) == expected_findings(names, pages)
        _, again = build(root, "out2")
        assert again == report


def _fold_reference(raw: str) -> tuple[str, tuple[int, ...]]:
    """Character by character: each whitespace run is one space, its line breaks noted there."""
    out: list[str] = []
    breaks: list[int] = []
    index = 0
    while index < len(raw):
        if raw[index].isspace():
            end = index
            while end < len(raw) and raw[end].isspace():
                end += 1
            breaks += [len(out)] * raw[index:end].count("\n")
            out.append(" ")
            index = end
        else:
            out.append(raw[index])
            index += 1
    return "".join(out), tuple(breaks)


@given(
    st.text(
        alphabet=st.sampled_from(["a", " ", "\t", "\n", "\r", "\x00", "\x01", "\x1c", "\u2003"])
    )
)
@example("  ")  # only spaces: one run, not two ends
@example(" a\nb ")  # the common case: single spaces and line breaks
@example("a \n b")
def test_fold_whitespace_matches_reference(raw: str) -> None:
    assert fold_whitespace(raw) == _fold_reference(raw)


@given(
    st.one_of(
        st.text(alphabet=st.sampled_from(list("ABHTIVXsa5é²É\u03a3\u03c3_-( )\n"))),
        st.text(alphabet=st.sampled_from(list("ABIVXsaz059_-( )\n"))),  # ASCII only
        st.text(),
    )
)
def test_abbreviation_tokens_are_the_words_that_are_abbreviations(text: str) -> None:
    words = [(m.start(), m.group()) for m in re.finditer(r"[^\W_]+", text)]
    expected = [(start, word) for start, word in words if is_abbreviation(word)]
    assert [(offset, token) for offset, token, _ in _tokens(text)] == expected


_PROSE = st.one_of(
    st.text(alphabet=st.sampled_from(list("ABHTIVXsa5é²É\u03a3\u03c3_-( )\x00"))),
    st.text(),
)


@given(st.lists(_PROSE, max_size=8))
def test_abbreviations_are_looked_for_in_every_segment_that_has_one(texts: list[str]) -> None:
    # One search over the page picks the segments to read; it must skip none that holds
    # an abbreviation, and give each once, in page order.
    segments = [Segment("page", "page.md", line, text, ()) for line, text in enumerate(texts)]
    picked = _with_candidates(segments)
    assert [s.line for s in picked] == sorted({s.line for s in picked})
    assert {s.line for s in segments if list(_tokens(s.text))} <= {s.line for s in picked}


_PARTS = st.sampled_from(["HT", "5", "IL", "6", "Ds", "DNF", "x"])


@given(st.lists(_PARTS, min_size=1, max_size=6), st.data())
def test_abbreviation_explained_by_any_run_of_its_hyphenated_parts(
    parts: list[str], data: st.DataObject
) -> None:
    # _explained stops early at runs longer than any name; it must mean exactly this.
    index = data.draw(st.integers(0, len(parts) - 1))
    joins = data.draw(st.lists(st.sampled_from("-,"), min_size=len(parts), max_size=len(parts)))
    word = "".join(part + join for part, join in zip(parts, joins, strict=True))[:-1]
    starts = [sum(len(part) + 1 for part in parts[:i]) for i in range(len(parts) + 1)]

    def run(a: int, b: int) -> str:
        return word[starts[a] : starts[b] - 1]

    runs = [run(a, b) for a in range(len(parts)) for b in range(a + 1, len(parts) + 1)]
    names = set(data.draw(st.lists(st.sampled_from([*runs, "5-HTs", "HT-6", "zz"]), max_size=3)))
    use = AbbrUse("d", "d.md", 1, parts[index], word, starts[index])
    expected = any(
        run(a, b) in names or singular(run(a, b)) in names
        for a in range(index + 1)
        for b in range(index + 1, len(parts) + 1)
    )
    assert _explained(use, names, max(map(len, names), default=0)) == expected


_PIECES = st.sampled_from(list("abes_é2.-( "))


@given(st.text(alphabet=_PIECES, min_size=1, max_size=4), st.text(alphabet=_PIECES, max_size=14))
@example("ion", "region ions")  # glued before, then a plural
@example("ect", "selection ects")
def test_whole_word_search_matches_a_regular_expression(needle: str, line: str) -> None:
    # _whole avoids compiling a pattern per needle; it must mean exactly this one.
    start = r"(?<!\w)" if needle[:1].isalnum() else ""
    end = r"(?:e?s)?(?!\w)" if needle[-1:].isalnum() else ""
    expected = re.search(start + re.escape(needle) + end, line) is not None
    assert _whole(needle, line) == expected
