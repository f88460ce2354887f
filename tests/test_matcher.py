"""Finding term mentions: whole words, plurals, and letters whose lower case is longer."""

from __future__ import annotations

from kapdocs.matcher import TermMatcher, normalise


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
