"""Generate a synthetic knowledge base for the kapdocs benchmark (``nox -s bench``).

The corpus has an index with a toctree, a glossary of T terms and P MyST pages of
prose that mention terms (linked with ``{term}`` at first use, plain afterwards), link
each other by heading anchor, label and page, cite a few external sites and use a few
abbreviations. A small share of pages carries a realistic defect kapdocs reports (an
unlinked term, an unexplained abbreviation); Sphinx itself reports nothing.

Everything derives from the seed: the same arguments write byte-identical files.

    python benchmarks/generate.py OUT --pages 100 [--terms 200] [--seed 1] [--theme furo]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import NamedTuple

SYLLABLES = (
    "ka", "lo", "mi", "ren", "tor", "vex", "sal", "din", "mor", "pel",
    "qua", "zin", "bra", "cot", "fel", "gan", "hul", "jor", "lix", "nop",
    "tri", "ves", "dar", "pho", "sen", "ul", "bex", "cal", "mun", "tes",
)  # fmt: skip
KINDS = (
    "", "", "", "receptor", "pathway", "cascade", "index", "signal",
    "circuit", "response", "factor", "scale", "protocol", "effect",
)  # fmt: skip
NOUNS = (
    "signalling", "plasticity", "dose", "session", "outcome", "synapse", "cortex",
    "mood", "memory", "network", "trial", "cohort", "measure", "baseline", "window",
    "infusion", "follow-up", "relapse", "sleep", "anxiety", "rating", "sample",
)  # fmt: skip
ADJECTIVES = (
    "early", "late", "transient", "sustained", "modest", "robust", "local", "global",
    "acute", "chronic", "measured", "reported", "expected", "observed", "small", "large",
)  # fmt: skip
VERBS = (
    "increases", "reduces", "modulates", "predicts", "follows", "accompanies",
    "outlasts", "precedes", "shapes", "limits", "restores", "masks",
)  # fmt: skip
CONTEXTS = (
    "in rodents", "in people", "in small open-label studies", "after a single dose",
    "over repeated sessions", "in the first week", "in healthy volunteers",
    "in treatment-resistant depression",
)  # fmt: skip
# Sentences; {m} is a term mention, {n} a noun phrase, {v} a verb, {vp} its plural form,
# {c} a context, {k} a number. Filled left to right, so the first mention is the linked one.
SENTENCES = (
    "{M} {v} the {n} {c}.",
    "The {n} {v} {m}, although the effect on the {n} is smaller {c}.",
    "Whether {m} {v} the {n} remains open {c}.",
    "Reports describe {an} that {v} the {n} and the {n} {c}.",
    "Together, {m} and {m} {vp} the {n}.",
)
# (expansion, abbreviation, sentence): spelled out at first use, except on a few pages.
ABBREVIATIONS = (
    ("randomised controlled trial", "RCT", "One {a} found that {m} {v} the {n} by {k} percent."),
    ("magnetic resonance imaging", "MRI", "Measured with {a}, {m} and {m} {vp} the {n}."),
    ("electroencephalography", "EEG", "Recordings with {a} show that {m} {v} the {n} {c}."),
    ("cerebrospinal fluid", "CSF", "Levels in the {a} suggest that {m} {v} the {n}."),
    ("positron emission tomography", "PET", "Imaging with {a} links {m} to the {n} {c}."),
    ("standardised mean difference", "SMD", "The pooled {a} for {m} was 0.{k} {c}."),
)
_SLOT = re.compile(r"\{(\w+)\}")
SECTIONS = ("Key points", "Mechanism", "Evidence", "Limits")
SLUGS = ("key-points", "mechanism", "evidence", "limits")
LABELLED = ("mechanism", "evidence")  # sections with a {ref} label


class Corpus(NamedTuple):
    pages: int
    terms: tuple[str, ...]
    seed: int
    width: int

    def page(self, index: int) -> str:
        return f"page-{index + 1:0{self.width}d}"


def term_names(count: int, seed: int) -> list[str]:
    """*count* distinct term names; the first n of a longer list equal term_names(n, seed)."""
    rng = random.Random(f"{seed}-terms")
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))
        # One term per word: no name inside another, so a page that links its terms is clean.
        if word not in seen:
            seen.add(word)
            names.append(f"{word.capitalize()} {rng.choice(KINDS)}".strip())
    return names


class Page:
    """Writes one page: the terms it mentions and the pages it links come from its rng."""

    def __init__(self, corpus: Corpus, index: int) -> None:
        self.corpus = corpus
        self.index = index
        self.rng = random.Random(f"{corpus.seed}-page-{index}")
        total = len(corpus.terms)
        # Two "own" terms per page so that every term of a T = 2P glossary is linked somewhere.
        own = [corpus.terms[(2 * index) % total], corpus.terms[(2 * index + 1) % total]]
        others = self.rng.sample(corpus.terms, min(8, total))
        self.topics = list(dict.fromkeys(own + others))
        self.linked: set[str] = set()
        # About one page in twenty forgets to link a term, one in twenty an abbreviation.
        self.unlinked = self.topics[-1] if self.rng.random() < 0.05 else None
        self.careless = self.rng.random() < 0.05
        self.abbreviations = self.rng.sample(ABBREVIATIONS, 3)
        self.explained: set[str] = set()

    # -- inline pieces ---------------------------------------------------------------

    def mention(self, term: str | None = None) -> str:
        term = term or self.rng.choice(self.topics)
        if term not in self.linked and term != self.unlinked:
            self.linked.add(term)
            if self.rng.random() < 0.3:
                return f"{{term}}`{plural(term.lower())} <{term}>`"
            return f"{{term}}`{term}`"
        return plural(term.lower()) if self.rng.random() < 0.2 else term.lower()

    def abbreviation(self, expansion: str, short: str) -> str:
        if short in self.explained or (self.careless and not self.explained):
            self.explained.add(short)
            return short
        self.explained.add(short)
        return f"{expansion} ({short})"

    def noun(self) -> str:
        return f"{self.rng.choice(ADJECTIVES)} {self.rng.choice(NOUNS)}"

    def sentence(self) -> str:
        template = self.rng.choice(SENTENCES)
        abbreviation = ""
        if self.rng.random() < 0.15:
            expansion, short, template = self.rng.choice(self.abbreviations)
            abbreviation = self.abbreviation(expansion, short)
        return _SLOT.sub(lambda match: self.fill(match.group(1), abbreviation), template)

    def fill(self, slot: str, abbreviation: str) -> str:
        rng = self.rng
        verb = rng.choice(VERBS)
        values = {
            "M": lambda: capital(self.mention()),
            "m": self.mention,
            "n": self.noun,
            "an": lambda: article(self.noun()),
            "v": lambda: verb,
            "vp": lambda: plural_verb(verb),
            "c": lambda: rng.choice(CONTEXTS),
            "k": lambda: str(rng.randint(2, 40)),
            "a": lambda: abbreviation,
        }
        return values[slot]()

    def sentences(self, low: int = 4, high: int = 7) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def paragraph(self) -> str:
        return wrap(self.sentences())

    def internal_link(self) -> str:
        target = self.corpus.page(self.rng.randrange(self.corpus.pages))
        kind = self.rng.randrange(3)
        if kind == 0:
            slug = self.rng.choice(SLUGS)
            return f"[the {slug.replace('-', ' ')} of {target}]({target}.md#{slug})"
        if kind == 1:
            return f"{{ref}}`{target}-{self.rng.choice(LABELLED)}`"
        return f"{{doc}}`{target}`"

    def linked_paragraph(self) -> str:
        text = self.sentences().rstrip(".")
        extra = f"; see {self.internal_link()} and {self.internal_link()}."
        if self.rng.random() < 0.3:
            extra += (
                f" The protocol is registered at [a trial registry]"
                f"(https://trials.example.org/{self.corpus.seed}/{self.index}/)."
            )
        return wrap(text + extra)

    # -- blocks ----------------------------------------------------------------------

    def key_points(self) -> list[str]:
        items = [f"- {self.sentence()}" for _ in range(self.rng.randint(3, 5))]
        return ["```{note}", *items, "```"]

    def table(self) -> list[str]:
        rows = ["| Measure | Finding | Setting |", "|---|---|---|"]
        for _ in range(self.rng.randint(2, 4)):
            rows.append(
                f"| {self.noun()} | {self.mention()} {self.rng.choice(VERBS)} it "
                f"| {self.rng.choice(CONTEXTS)} |"
            )
        return rows

    def code(self) -> list[str]:
        return ["```text", f"dose_mg_per_kg = 0.{self.rng.randint(1, 9)}", "```"]

    def render(self) -> str:
        name = self.corpus.page(self.index)
        lines = [f"({name})=", f"# {self.topics[0]} and {self.noun()}", ""]
        lines += [self.paragraph(), ""]
        for title, slug in zip(SECTIONS, SLUGS, strict=True):
            if slug in LABELLED:
                lines.append(f"({name}-{slug})=")
            lines += [f"## {title}", ""]
            if slug == "key-points":
                lines += [*self.key_points(), ""]
                continue
            lines += [self.linked_paragraph(), "", self.paragraph(), ""]
            if slug == "evidence":
                lines += [*self.table(), "", self.paragraph(), ""]
            if slug == "mechanism":
                lines += [*self.code(), ""]
        # Every topic is mentioned (and so linked) at least once.
        rest = [t for t in self.topics if t not in self.linked and t != self.unlinked]
        if rest or self.unlinked:
            mentions = [self.mention(t) for t in rest]
            if self.unlinked:
                mentions.append(self.unlinked.lower())
            lines += [wrap(f"Related entries: {', '.join(mentions)}."), ""]
        return "\n".join(lines)


def plural(name: str) -> str:
    return name + ("es" if name.endswith(("s", "x")) else "s")


def article(phrase: str) -> str:
    return f"{'an' if phrase[0] in 'aeiou' else 'a'} {phrase}"


def plural_verb(verb: str) -> str:
    """The verb for a plural subject: "increases" -> "increase", "accompanies" -> "accompany"."""
    return verb[:-3] + "y" if verb.endswith("ies") else verb[:-1]


def capital(text: str) -> str:
    """Upper-case a plain mention's first letter; a role starts with "{" and stays as it is."""
    return text[:1].upper() + text[1:]


def wrap(text: str, width: int = 100) -> str:
    """Break prose into source lines the way an editor would (never inside a role)."""
    lines: list[str] = []
    current = ""
    for word in _words(text):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\n".join(lines)


def _words(text: str) -> list[str]:
    """Split on spaces, but keep a role or link with spaces inside as one word."""
    words: list[str] = []
    for piece in text.split(" "):
        if words and _unclosed(words[-1]):
            words[-1] += " " + piece
        else:
            words.append(piece)
    return words


def _unclosed(word: str) -> bool:
    return word.count("`") % 2 == 1 or word.count("[") > word.count(")")


def glossary(corpus: Corpus) -> str:
    rng = random.Random(f"{corpus.seed}-glossary")
    lines = ["(glossary)=", "# Glossary", "", "Every term used in this corpus.", ""]
    lines += ["```{glossary}"]
    for name in corpus.terms:
        other = rng.choice(corpus.terms)
        definition = (
            f"A {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} that {rng.choice(VERBS)} the "
            f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(CONTEXTS)}."
        )
        if other != name:
            definition += f" See also {{term}}`{other}`."
        lines += [name, f"  {definition}", ""]
    lines[-1] = "```"
    return "\n".join(lines) + "\n"


def index(corpus: Corpus) -> str:
    pages = [corpus.page(i) for i in range(corpus.pages)]
    return "\n".join(
        [
            "# Benchmark corpus",
            "",
            f"A generated knowledge base of {corpus.pages} pages and {len(corpus.terms)} "
            "glossary entries.",
            "",
            "```{toctree}",
            ":maxdepth: 1",
            "",
            "glossary",
            *pages,
            "```",
            "",
        ]
    )


def conf(theme: str, kapdocs: bool) -> str:
    extensions = ["myst_parser", "kapdocs"] if kapdocs else ["myst_parser"]
    return "\n".join(
        [
            '"""Sphinx configuration of a generated benchmark corpus (benchmarks/generate.py)."""',
            "",
            'project = "kapdocs benchmark corpus"',
            f"extensions = {json.dumps(extensions)}",
            f'html_theme = "{theme}"',
            "myst_heading_anchors = 2",
            'exclude_patterns = ["_build"]',
            "",
        ]
    )


def generate(
    out: Path,
    pages: int,
    terms: int | None = None,
    seed: int = 1,
    theme: str = "basic",
    kapdocs: bool = True,
) -> Path:
    """Write the corpus into *out* (created if needed) and return *out*."""
    corpus = Corpus(
        pages, tuple(term_names(terms or 2 * pages, seed)), seed, max(4, len(str(pages)))
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "conf.py").write_text(conf(theme, kapdocs), encoding="utf-8")
    (out / "index.md").write_text(index(corpus), encoding="utf-8")
    (out / "glossary.md").write_text(glossary(corpus), encoding="utf-8")
    for i in range(pages):
        text = Page(corpus, i).render()
        (out / f"{corpus.page(i)}.md").write_text(text, encoding="utf-8")
    return out


def prose_text(size: int, terms: int, seed: int = 1) -> list[str]:
    """Paragraphs of page prose, about *size* characters in all, mentioning *terms* terms."""
    corpus = Corpus(10**6, tuple(term_names(terms, seed)), seed, 4)
    paragraphs: list[str] = []
    total = 0
    index = 0
    while total < size:
        page = Page(corpus, index)
        page.linked = set(page.topics)  # mentions as plain text, as the scanner sees them
        for _ in range(10):
            paragraphs.append(page.sentences(5, 5))
            total += len(paragraphs[-1])
        index += 1
    return paragraphs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--terms", type=int, help="glossary size (default: twice the pages)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--theme", choices=("basic", "furo"), default="basic")
    parser.add_argument("--no-kapdocs", dest="kapdocs", action="store_false")
    args = parser.parse_args(argv)
    generate(args.out, args.pages, args.terms, args.seed, args.theme, args.kapdocs)


if __name__ == "__main__":
    main()
