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
    """The comparison form of a term: lower case, whitespace folded to single spaces."""
    return " ".join(name.split()).lower()


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
        size = len(lowered)
        for last, (length, value) in self._automaton.iter(lowered):
            start = last - length + 1
            if start > 0 and lowered[start - 1].isalnum():
                continue
            end = last + 1
            after = end
            if lowered.startswith("es", after) and not _alnum_at(lowered, after + 2, size):
                after += 2
            elif lowered.startswith("s", after) and not _alnum_at(lowered, after + 1, size):
                after += 1
            if _alnum_at(lowered, after, size):
                continue
            yield start, end, value


def _alnum_at(text: str, index: int, size: int) -> bool:
    return index < size and text[index].isalnum()
