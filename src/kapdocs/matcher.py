"""Find glossary-term mentions in prose in time linear in the text.

One Aho-Corasick automaton (``pyahocorasick``) over every term name, built once per
build, scans each text once, whatever the number of terms. A match is a mention when no
letter or digit touches either end; an optional plural ``s`` or ``es`` may follow.
A hyphen is not a letter, so "BDNF-TrkB" mentions both terms.

The automaton does not scan the text itself but a *marked* copy of the same length:
lower case, spaces kept, and every other character that is not a letter or digit turned
into ``\\x00``. Each name goes in with a space or ``\\x00`` before it, so it can match
only where no letter or digit comes before it: matches inside words ("ion" in
"emotion") are never reported, and as every name's prefixes start at a word, the
automaton's failure chains, which pyahocorasick follows at each character, stay short.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Generic, TypeVar

import ahocorasick

from kapdocs.prose import lower_same_length

if TYPE_CHECKING:
    from collections.abc import Mapping

V = TypeVar("V")

MARK = "\x00"

# ASCII bytes to their marked form; bytes from 128 up (the rest of a UTF-8 sequence) stay.
_ASCII_MARKS = bytes(
    ord(ch.lower()) if ch.isalnum() or ch == " " else 0 for ch in map(chr, range(128))
) + bytes(range(128, 256))

# Characters beyond ASCII that are neither letters nor digits (\w is those and "_").
_OTHER_MARKS = re.compile(r"[^\x00-\x7f\w]")

# What a character other than a letter or digit is in marked text.
_SIGNS = frozenset((" ", MARK))

# Marked ahead of every text: the character before its first, so a name may start there.
_BEFORE = MARK
# Marked after every text: find() looks up to three characters past a match's end.
_AFTER = MARK * 3


# Asked for the same few thousand glossary names by several checks on every build.
@functools.lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """The comparison form of a term: lower case, whitespace folded to single spaces.

    Lowered as the scanned text is (:func:`lower_same_length`), or a name with a letter
    whose lower case is longer, such as "İ", could never be found in prose.
    """
    return lower_same_length(" ".join(name.split()))


def marked(text: str) -> str:
    """*text* lowered, with each character other than a letter, digit or space as ``\\x00``.

    The same length as *text*: offsets into one are offsets into the other.
    """
    if text.isascii():
        # bytes.translate does lowering and marking at once, far faster than str methods.
        return text.encode("ascii").translate(_ASCII_MARKS).decode("ascii")
    # "surrogatepass": a lone surrogate (docutils' unicode directive can make one) is
    # carried through like any other character beyond ASCII.
    utf8 = lower_same_length(text).encode("utf-8", "surrogatepass")
    ascii_marked = utf8.translate(_ASCII_MARKS).decode("utf-8", "surrogatepass")
    return _OTHER_MARKS.sub(MARK, ascii_marked)


class TermMatcher(Generic[V]):
    """Maps normalised term names to values and finds them as whole words or phrases."""

    def __init__(self, names: Mapping[str, V]) -> None:
        self._automaton = ahocorasick.Automaton()
        # A name with signs other than spaces ("5-HT") marks like others ("5/HT"), so a
        # match of its key is checked against the names that mark alike.
        plain: dict[str, V] = {}
        signed: dict[str, dict[str, V]] = {}
        for name, value in names.items():
            key = marked(name)
            if MARK in key:
                signed.setdefault(key, {})[name] = value
            elif name:
                plain[key] = value
        # The value kept with a key is what find() needs at a match: the name's length
        # (a match ending at index e of the padded text is text[e - length:e]), the names
        # to check it against or None, and the value when there is nothing to check.
        entries: list[tuple[str, tuple[int, dict[str, V] | None, V | None]]]
        entries = [(key, (len(key), None, value)) for key, value in plain.items()]
        entries += [(key, (len(key), same, None)) for key, same in signed.items()]
        for key, entry in entries:
            self._automaton.add_word(" " + key, entry)
            self._automaton.add_word(MARK + key, entry)
        self._empty = not entries
        if entries:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[tuple[int, int, V]]:
        """(start, end, value) of every mention in *text* (end excludes the plural).

        A list, not a generator: the loop runs once per match of the automaton, and with
        thousands of terms there are many, so what each match costs in Python decides how
        the scan grows with the glossary.
        """
        if self._empty:
            return []
        # padded[i + 1] is the marked text[i]; the ends spare bounds checks.
        padded = f"{_BEFORE}{marked(text)}{_AFTER}"
        found: list[tuple[int, int, V]] = []
        append = found.append
        for end, (length, same, value) in self._automaton.iter(padded):
            start = end - length
            if same is not None:
                # Checked first: a name of signs alone also matches in the marks after
                # the text, where the slice is too short to be it.
                name = lower_same_length(text[start:end])
                if name not in same:
                    continue
                value = same[name]
            after = padded[end + 1]
            # Glued to a letter or digit (in marked text, all but " " and the mark), unless
            # that is a plural "s" or "es" ending there.
            if after not in _SIGNS and (
                padded[end + 2] not in _SIGNS
                if after == "s"
                else after != "e" or padded[end + 2] != "s" or padded[end + 3] not in _SIGNS
            ):
                continue
            append((start, end, value))
        return found
