"""Find glossary-term mentions in prose in time linear in the text.

One Aho-Corasick automaton (``pyahocorasick``) over every term name, built once per
build, scans each text once, whatever the number of terms. A match is a mention when no
letter or digit touches either end; an optional plural ``s`` or ``es`` may follow.
A hyphen is not a letter, so "BDNF-TrkB" mentions both terms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import ahocorasick

from kapdocs.prose import lower_same_length

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

V = TypeVar("V")


def normalise(name: str) -> str:
    """The comparison form of a term: lower case, whitespace folded to single spaces.

    Lowered as the scanned text is (:func:`lower_same_length`), or a name with a letter
    whose lower case is longer, such as "İ", could never be found in prose.
    """
    return lower_same_length(" ".join(name.split()))


class TermMatcher(Generic[V]):
    """Maps normalised term names to values and finds them as whole words or phrases."""

    def __init__(self, names: Mapping[str, V]) -> None:
        self._automaton = ahocorasick.Automaton()
        for name, value in names.items():
            if name:
                self._automaton.add_word(name, (len(name), value))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> Iterator[tuple[int, int, V]]:
        """Yield (start, end, value) for every mention in *text* (end excludes the plural)."""
        if self._empty:
            return
        lowered = lower_same_length(text)
        # Sentinels that are never alphanumeric, one before and three after the text, spare
        # bounds checks in this loop, which runs once per match: padded[i + 1] is lowered[i].
        padded = f"\x00{lowered}\x00\x00\x00"
        for last, (length, value) in self._automaton.iter(lowered):
            start = last - length + 1
            if padded[start].isalnum():  # the character before the match
                continue
            if padded[last + 2].isalnum() and not _plural_ends(padded, last + 2):
                continue
            yield start, last + 1, value


def _plural_ends(padded: str, after: int) -> bool:
    """Whether "s" or "es" at *after* in *padded* is followed by no letter or digit."""
    if padded[after] == "s":
        return not padded[after + 1].isalnum()
    return padded.startswith("es", after) and not padded[after + 2].isalnum()
