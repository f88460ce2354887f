"""Find glossary-term mentions in prose in time linear in the text.

One Aho-Corasick automaton (``pyahocorasick``) over every term name, built once per
build, scans each text once, whatever the number of terms. A match is a mention when no
letter or digit touches either end; an optional plural ``s`` or ``es`` may follow.
A hyphen is not a letter, so "BDNF-TrkB" mentions both terms.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Generic, TypeVar

import ahocorasick

from kapdocs.prose import lower_same_length

if TYPE_CHECKING:
    from collections.abc import Mapping

V = TypeVar("V")


# Sphinx's smart quotes curl the quotes of prose ("Alzheimer's" in the source is
# "Alzheimer\u2019s" in the page), not those of the glossary names roles must name: a name
# with a quote matches either kind. One character for one, so offsets stay valid.
PLAIN_QUOTES = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b", "'") | dict.fromkeys("\u201c\u201d\u201e\u201f", '"')
)
# The micro sign and the Greek mu look alike and keyboards type either ("µ-opioid"
# written for the term "μ-opioid receptor"): the scan takes one for the other. Only the
# scan: a term role must name the term as Sphinx registered it.
_FOLDED = {**PLAIN_QUOTES, ord("\u00b5"): "\u03bc"}
_FOLDS = frozenset("'\"\u03bc").union(map(chr, _FOLDED))


# Asked for the same few thousand glossary names by several checks on every build.
@functools.lru_cache(maxsize=1 << 16)
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
        # Quotes are made plain, and mu one letter, in names and text alike, but only
        # where a name has one: a match never spans them otherwise, and the scan is
        # spared a pass over the text.
        self._fold = any(not _FOLDS.isdisjoint(name) for name in names)
        for name, value in names.items():
            if self._fold:
                name = name.translate(_FOLDED)
            if name:
                # The distance from a match's last character back to its first, kept with
                # the value so that the loop in find() need not work it out at every match.
                self._automaton.add_word(name, (len(name) - 1, value))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[tuple[int, int, V]]:
        """(start, end, value) of every mention in *text* (end excludes the plural).

        A list, not a generator: the loop runs once per match of the automaton, and with
        thousands of terms there are many, so what each match costs in Python decides how
        the scan grows with the glossary.
        """
        if self._empty:
            return []
        lowered = lower_same_length(text)
        if self._fold:
            lowered = lowered.translate(_FOLDED)
        # Sentinels that are never alphanumeric, one before and three after the text, spare
        # bounds checks: padded[i + 1] is lowered[i].
        padded = f"\x00{lowered}\x00\x00\x00"
        found = []
        for last, (back, value) in self._automaton.iter(lowered):
            start = last - back
            if padded[start].isalnum():  # the character before the match
                continue
            after = padded[last + 2]
            # Glued to a letter or digit, unless that is a plural "s" or "es" ending there.
            if after.isalnum() and (
                padded[last + 3].isalnum()
                if after == "s"
                else after != "e" or padded[last + 3] != "s" or padded[last + 4].isalnum()
            ):
                continue
            found.append((start, last + 1, value))
        return found
