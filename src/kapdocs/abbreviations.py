"""Abbreviation check (``abbr_undefined``).

An abbreviation is a token of two or more characters made of upper-case letters and
digits, with at least two letters, optionally followed by a lower-case plural ``s``
(TRD, SSRIs, 5HT2A); a letter or digit touching it makes it part of a longer word. It is
explained when it is a glossary term line (exact case) or appears in parentheses in the
page's prose, as in "treatment-resistant depression (TRD)", or in an ``{abbr}`` role with
its explanation, ``{abbr}`TRD (treatment-resistant depression)```. A use inside a word joined
by hyphens (or by commas, as in "N,N-DMT") is also explained when a glossary term line
spans it: "5-HT2A" or "IL-6" as terms explain the "HT2A" of "5-HT2A" and the "IL" of
"IL-6". Roman numerals (II, IV, XII, ...) and ``kapdocs_abbreviations_ignore`` are exempt.

Reading collects, per page, the first use of each abbreviation the page does not expand,
once per hyphenated word it appears in; the glossary-term exemption is applied once all
glossaries are known, and the first use it leaves is reported.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING

from kapdocs.diagnostics import Code, Finding, the_page
from kapdocs.store import AbbrUse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence, Set

    from kapdocs.store import Segment

# Words are runs of letters and digits in any script (str.isalnum, or [^\W_]: underscores
# are not word characters in prose). Only words with a letter other than a-z can be
# abbreviations (they need an upper-case letter, in any script), and only up to a plural
# "s" at the end: so the search starts at such a letter, runs to the end of the word
# without a-z, and goes back to the word's start; the rest of the prose is skipped in C.
# The first letter of an abbreviation has another letter or a digit after it (it has two
# letters, digits only before the first), so a capital that starts a sentence is no match.
_CANDIDATE = re.compile(r"[^\W\d_a-z][^\W_a-z]++s?(?![^\W_])")
# The same on ASCII text, where the engine tests plain character ranges, not Unicode
# categories: twice as fast over most prose.
_CANDIDATE_ASCII = re.compile(r"[A-Z][A-Z0-9]++s?(?![A-Za-z0-9])")
_PAREN = re.compile(r"[()]")
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")


def singular(token: str) -> str:
    return token[:-1] if token.endswith("s") else token


# Pages repeat the same few abbreviations (MRI, BDNF, ...) many times each.
@functools.lru_cache(maxsize=1 << 14)
def is_abbreviation(token: str) -> bool:
    core = singular(token)
    # isupper() is a quick necessary condition: most capitalised words stop here.
    if len(core) < 2 or not core.isupper() or not all(ch.isupper() or ch.isdigit() for ch in core):
        return False
    if sum(ch.isalpha() for ch in core) < 2:
        return False
    return not _ROMAN.fullmatch(core)


def _tokens(text: str) -> Iterable[tuple[int, str, bool]]:
    """(offset, token, inside parentheses) for each abbreviation in *text*."""
    found = []
    candidates = _CANDIDATE_ASCII if text.isascii() else _CANDIDATE
    for match in candidates.finditer(text):
        start = match.start()
        while start and text[start - 1].isalnum():  # back to the start of the word
            start -= 1
        token = text[start : match.end()]
        if is_abbreviation(token):
            found.append((start, token))
    if not found:
        return
    depths = _paren_depths(text, [offset for offset, _ in found])
    for (offset, token), depth in zip(found, depths, strict=True):
        yield offset, token, depth > 0


def _paren_depths(text: str, offsets: list[int]) -> list[int]:
    """Parenthesis depth at each of the ascending *offsets*; a stray ")" never goes below 0."""
    parens = iter(_PAREN.finditer(text))
    paren = next(parens, None)
    depths = []
    depth = 0
    for offset in offsets:
        while paren is not None and paren.start() < offset:
            depth = depth + 1 if paren.group() == "(" else max(depth - 1, 0)
            paren = next(parens, None)
        depths.append(depth)
    return depths


def collect_abbreviations(
    segments: Sequence[Segment], expanded: Iterable[str] = ()
) -> list[AbbrUse]:
    """First use of each abbreviation of a page that the page does not expand in parentheses
    or in an ``{abbr}`` role with its explanation (*expanded*: those roles' abbreviations).

    ``AbbrUse.line`` is the expected line (segment line plus line breaks before the token).
    """
    first: dict[tuple[str, str, int], AbbrUse] = {}
    explained = {singular(token.strip()) for token in expanded}
    for segment in _with_candidates(segments):
        text = segment.text
        for offset, token, in_parens in _tokens(text):
            key = singular(token)
            if in_parens:
                explained.add(key)
            word, at = _hyphenated(text, offset, offset + len(token))
            if (key, word, at) not in first:
                line = segment.line + bisect_right(segment.breaks, offset)
                use = AbbrUse(segment.docname, segment.file, line, token, word, at)
                first[key, word, at] = use
    return [use for (key, _, _), use in first.items() if key not in explained]


def _with_candidates(segments: Sequence[Segment]) -> list[Segment]:
    """The segments that may hold an abbreviation, found by one search over the page.

    Most prose holds none; a search per segment cost more than the searching itself.
    """
    texts = [segment.text for segment in segments]
    page = "\x00".join(texts)  # neither a word character nor a parenthesis
    candidates = _CANDIDATE_ASCII if page.isascii() else _CANDIDATE
    starts = list(accumulate((len(text) + 1 for text in texts), initial=0))
    found = []
    position = 0
    while (match := candidates.search(page, position)) is not None:
        index = bisect_right(starts, match.start()) - 1
        found.append(segments[index])
        position = starts[index + 1]  # the next segment: this one is searched in full
    return found


# What joins the parts of one word: hyphens, and commas with no space in chemical names
# such as "N,N-DMT" or "2,5-DMA".
_JOINERS = "-,"


def _hyphenated(text: str, start: int, end: int) -> tuple[str, int]:
    """The word that hyphens (or commas) join to ``text[start:end]``, and the token's offset
    in it."""
    left, right = start, end
    while left > 1 and text[left - 1] in _JOINERS and text[left - 2].isalnum():
        left -= 2
        while left and text[left - 1].isalnum():
            left -= 1
    while right + 1 < len(text) and text[right] in _JOINERS and text[right + 1].isalnum():
        right += 2
        while right < len(text) and text[right].isalnum():
            right += 1
    return text[left:right], start - left


def _explained(use: AbbrUse, names: Set[str], longest: int) -> bool:
    """Whether *names* holds the token, or a run of the parts of its hyphenated word that
    includes the token (in either case a plural "s" may end it)."""
    word, start, end = use.word, use.at, use.at + len(use.token)
    # Where the parts begin, going left from the token's, and where they end going right.
    lefts = [i + 1 for i in range(start - 1, -1, -1) if word[i] in _JOINERS] + [0]
    rights = [i for i in range(end, len(word)) if word[i] in _JOINERS] + [len(word)]
    # A run one longer than the longest name can still be that name with a plural "s".
    longest += 1
    for left in lefts:
        if end - left > longest:  # no name is this long; the runs only grow from here
            break
        for right in rights:
            if right - left > longest:
                break
            part = word[left:right]
            if part in names or singular(part) in names:
                return True
    return False


def check_abbreviations(
    uses: Iterable[AbbrUse],
    term_names: Set[str],
    ignore: Set[str],
    is_rst: Callable[[str], bool],
) -> list[Finding]:
    """Findings for abbreviations that are not glossary term lines (exact case) or ignored;
    *is_rst* tells which files to offer reStructuredText's abbr role."""
    names = term_names | ignore
    longest = max(map(len, names), default=0)
    findings = []
    reported: set[tuple[str, str]] = set()
    for use in uses:
        key = (use.docname, singular(use.token))
        if key in reported or _explained(use, names, longest):
            continue
        reported.add(key)
        token = singular(use.token)
        findings.append(
            Finding(
                Code.ABBR_UNDEFINED,
                use.file,
                use.line,
                f"abbreviation {use.token!r}{_in_word(use)} is not explained on "
                f"{the_page(use.docname, use.file)}; "
                f"spell it out at first use with the abbreviation in parentheses, as in "
                f"'Full name ({token})', or write {_abbr_role(token, is_rst(use.file))}, or "
                f"define it in the glossary",
            )
        )
    return findings


def _abbr_role(token: str, rst: bool) -> str:
    """Sphinx's abbr role spelling *token* out, in the page's syntax."""
    return f":abbr:`{token} (Full name)`" if rst else f"{{abbr}}`{token} (Full name)`"


def _in_word(use: AbbrUse) -> str:
    return f" (in {use.word!r})" if use.word != use.token else ""
