"""Finding term mentions: whole words, plurals, and letters whose lower case is longer."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from kapdocs.matcher import PLAIN_QUOTES, TermMatcher, normalise


def mentions(names: list[str], text: str) -> list[str]:
    matcher = TermMatcher({normalise(name): name for name in names})
    return [text[start:end] for start, end, _ in matcher.find(text)]


def test_whole_words_and_plurals_only() -> None:
    text = "Ions, an ion, ionic, BDNF-TrkB and lion."
    assert mentions(["ion", "BDNF", "TrkB"], text) == ["Ion", "ion", "BDNF", "TrkB"]


def test_a_name_whose_lower_case_is_longer_is_found() -> None:
    # "İ".lower() is two characters; the text is lowered without changing its length.
    assert mentions(["İstanbul"], "We went to İstanbul in May.") == ["İstanbul"]
    assert mentions(["Kİ"], "Kİ and kİ.") == ["Kİ", "kİ"]


def test_normalise_folds_whitespace_and_case() -> None:
    assert normalise("  NMDA\n receptor ") == "nmda receptor"
    assert len(normalise("İstanbul")) == len("İstanbul")


def test_a_name_with_a_quote_matches_a_curled_one() -> None:
    # Sphinx's smart quotes curl the prose's quotes, not the glossary name's.
    text = "Alzheimer\u2019s disease, alzheimer's disease, Set and \u201csetting\u201d."
    assert mentions(["Alzheimer's disease", 'Set and "setting"'], text) == [
        "Alzheimer\u2019s disease",
        "alzheimer's disease",
        "Set and \u201csetting\u201d",
    ]
    assert mentions(["Alzheimer\u2019s disease"], "Alzheimer's disease") == ["Alzheimer's disease"]


def test_the_micro_sign_and_the_greek_mu_are_one_letter_to_the_scan() -> None:
    # They look alike, and keyboards type either.
    text = "The \u00b5-opioid receptor, the \u03bc-opioid receptor, the \u039c-OPIOID RECEPTOR."
    found = ["\u00b5-opioid receptor", "\u03bc-opioid receptor", "\u039c-OPIOID RECEPTOR"]
    assert mentions(["\u03bc-opioid receptor"], text) == found
    assert mentions(["\u00b5-opioid receptor"], text) == found
    assert mentions(["opioid"], "\u00b5-opioid") == ["opioid"]


# What the scan takes as one character: quotes plain, the micro sign a Greek mu.
FOLDED = {**PLAIN_QUOTES, 0xB5: "\u03bc"}


def regex_mentions(table: dict[str, int], text: str) -> list[tuple[int, int, int]]:
    """The reference: one regular expression per name; a lookahead finds overlapping ones.
    Quotes are plain, and mu one letter, in names and text where a name has one."""
    lowered = text.lower()
    if any(set(name) & set("'\"\u2018\u2019\u201c\u201d\u00b5\u03bc") for name in table):
        lowered = lowered.translate(FOLDED)
        table = {name.translate(FOLDED): value for name, value in table.items()}
    return sorted(
        (match.start(), match.start() + len(name), value)
        for name, value in table.items()
        for match in re.finditer(rf"(?<![^\W_])(?={re.escape(name)}(?:es|s)?(?![^\W_]))", lowered)
    )


@given(
    st.lists(st.text(alphabet="abes -/(é—\n'\u2019\u00b5", min_size=1, max_size=6), max_size=6),
    st.text(alphabet="abes -/(_é1—\n\t\xa0\x00'\u2018\u2019\u00b5\u03bc\u039c", max_size=60),
)
@example(["ab", "ab a", "a"], "ab abs ab a abes ba_ab-a")
@example(["a a"], "a a a")  # one name overlapping itself
@example(["ab"], "abe abess abs_ abse")  # "e" alone, "ess" and a glued "s" are no plurals
@example(["a-b", "a/b"], "a-b a/b a(b a—b a b")  # names that differ only in signs
@example(["é-a", "a b"], "É-a a\nb a\tb a\xa0b")  # a space in a name matches only a space
@example(["-", "—("], "-—( -")  # names of signs alone, also at the end of the text
@example(["a\ud800b"], "a\ud800b \ud800a\ud800b")  # a lone surrogate (unicode directive)
@example(["a'b", "a\u2019b"], "a'b a\u2018b a\u2019b")  # names that differ only in quotes
@example(["\u00b5a", "\u03bca"], "\u00b5a \u03bca \u039cA")  # names that differ only in mu
def test_find_agrees_with_a_regular_expression_per_name(names: list[str], text: str) -> None:
    table = {normalise(name): number for number, name in enumerate(names)}
    table.pop("", None)
    assert sorted(TermMatcher(table).find(text)) == regex_mentions(table, text)
