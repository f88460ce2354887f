"""Evidence markers and the two pages kapdocs generates from every page's records.

``{evidence}`level``` marks the statement before it with its level of evidence. It is
a small badge in HTML and bracketed text in the PDF, and an unknown level is reported as
``evidence_level``. Two directives are filled in when a page is resolved, from every
page's records:

* ``{evidence-list}``: every marker on the site, grouped by level, with the statement
  and a link to its page (the source map uses it);
* ``{review-dashboard}``: every reference page with its review date, age, reviewer,
  citations and markers, the most urgent first.

Their pages are re-written when what they list changes (:mod:`kapdocs.dependents`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes
from sphinx.util.docutils import SphinxDirective, SphinxRole

from kapdocs.diagnostics import Code, Finding, closest
from kapdocs.governance import build_date, field_value, sort_for_review
from kapdocs.locate import node_source, role_needle
from kapdocs.store import EvidenceMark, Generated, get_store

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from docutils.nodes import Node, system_message
    from sphinx.application import Sphinx

    from kapdocs.locate import SourceLines
    from kapdocs.nodeindex import NodeIndex

_STATIC = Path(__file__).parent / "static"

LEVELS = {
    "meta-analysis": "Meta-analysis",
    "systematic-review": "Systematic review",
    "rct": "Randomised trial",
    "open-label": "Open-label study",
    "observational": "Observational",
    "case-series": "Case series",
    "preclinical": "Preclinical",
    "consensus": "Expert consensus",
}


class evidence_marker(nodes.inline):
    """The badge; its text is not prose for the term and abbreviation checks."""


class kapdocs_generated(nodes.General, nodes.Element):
    """Placeholder replaced by a generated table when the page is resolved."""


class EvidenceRole(SphinxRole):
    def run(self) -> tuple[list[Node], list[system_message]]:
        level = self.text.strip().lower()
        label = LEVELS.get(level, self.text.strip())
        node = evidence_marker(
            self.rawtext,
            label,
            classes=["kapdocs-evidence", f"kapdocs-evidence-{level}"],
            level=level,
        )
        return [node], []


class GeneratedDirective(SphinxDirective):
    kind: ClassVar[str]

    def run(self) -> list[Node]:
        return [kapdocs_generated(kind=self.kind)]


class EvidenceListDirective(GeneratedDirective):
    kind = "evidence"


class ReviewDashboardDirective(GeneratedDirective):
    kind = "review"


# -- collecting ------------------------------------------------------------------------


def collect_evidence(
    index: NodeIndex, docname: str, source: str, lines: SourceLines
) -> list[EvidenceMark]:
    marks = []
    for marker in index.of(evidence_marker):
        block = marker.parent
        while block is not None and not isinstance(block, nodes.paragraph | nodes.entry):
            block = block.parent
        statement = _statement(block if block is not None else marker, marker)
        # A marker in an included file is found and reported in that file, which its
        # block names: MyST gives the role's own node the including page as its source.
        path = node_source(block if block is not None else marker, source)
        needle = role_needle(marker.rawsource, marker["level"])
        line = lines.find(path, needle, index.expected_line(marker))
        marks.append(EvidenceMark(docname, lines.relpath(path), line, marker["level"], statement))
    return marks


def _statement(block: nodes.Node, marker: evidence_marker) -> str:
    """The text the marker qualifies, without markers and citations, shortened for a table.

    That is the block's text from the previous marker (or the block's start) up to this
    one, so that two statements marked in one paragraph are listed apart; markers side by
    side share the statement before them, and a marker that opens its block qualifies
    what follows it, up to the next marker.
    """
    parts: list[list[str]] = [[]]  # the text between one marker and the next
    at = None
    for node in block.findall(lambda node: isinstance(node, nodes.Text | evidence_marker)):
        if isinstance(node, evidence_marker):
            if node is marker:
                at = len(parts) - 1
            parts.append([])
        elif not isinstance(node.parent, evidence_marker | nodes.footnote_reference):
            parts[-1].append(str(node))
    # A marker written before its sentence's full stop leaves that stop to the next part.
    texts = [" ".join("".join(part).split()).lstrip(".,;:!? ") for part in parts]
    if at is None:  # the marker outside any block
        text = " ".join(filter(None, texts))
    else:
        # Markers side by side qualify one statement: the nearest text before, else after.
        text = next(filter(None, [*texts[at::-1], *texts[at + 1 :]]), "")
    return text if len(text) <= 240 else text[:237].rsplit(" ", 1)[0] + "..."


def collect_generated(index: NodeIndex, docname: str) -> list[Generated]:
    return [Generated(docname, node["kind"]) for node in index.of(kapdocs_generated)]


def check_evidence(marks: Iterable[EvidenceMark]) -> list[Finding]:
    return [
        Finding(
            Code.EVIDENCE_LEVEL,
            mark.file,
            mark.line,
            f"unknown evidence level {mark.level!r}; use one of {', '.join(LEVELS)}"
            + _level_hint(mark.level),
        )
        for mark in marks
        if mark.level not in LEVELS
    ]


def _level_hint(level: str) -> str:
    """The hint for a level written as its label ("randomised trial" gets "; did you mean
    'rct'?"), with spaces ("meta analysis") or with a slip; "" when no level is near."""
    by_label = {label.lower(): key for key, label in LEVELS.items()}
    parts = [part for part in re.split(r"[,;/+&]|\s+and\s+", level) if part.strip()]
    if len(parts) > 1:
        # "rct, preclinical": one marker names one level.
        levels = [_level_named(part, by_label) for part in parts]
        if all(levels):
            named = " and ".join(repr(name) for name in levels)
            return f"; a marker names one level: write one marker for each, {named}"
    folded = re.sub(r"[\s_]+", "-", level.strip())
    close = closest(folded, [*LEVELS, *by_label])
    if close is None:
        return ""
    return f"; did you mean {by_label.get(close, close)!r}?"


def _level_named(text: str, by_label: dict[str, str]) -> str | None:
    """The level *text* names, by its name or its label, in any case; None when none."""
    text = " ".join(text.split()).lower()
    for name in (text, text.replace(" ", "-")):
        if name in LEVELS:
            return name
    return by_label.get(text)


# -- generating ---------------------------------------------------------------------------


def fill_generated(app: Sphinx, docname: str, generated: Iterable[kapdocs_generated]) -> None:
    for node in generated:
        if node["kind"] == "evidence":
            node.replace_self(_evidence_table(app, docname))
        else:
            node.replace_self(_review_table(app, docname))


def _evidence_table(app: Sphinx, fromdoc: str) -> list[Node]:
    store = get_store(app.env)
    marks = sorted(
        store.records("evidence"),
        key=lambda m: (list(LEVELS).index(m.level) if m.level in LEVELS else 99, m.docname, m.line),
    )
    if not marks:
        return [nodes.paragraph(text="No statement on the site carries an evidence marker yet.")]
    rows = [
        [
            nodes.Text(LEVELS.get(mark.level, mark.level)),
            nodes.Text(mark.statement),
            _page_link(app, fromdoc, mark.docname),
        ]
        for mark in marks
    ]
    return [_table(["Evidence", "Statement", "Page"], rows, widths=[15, 65, 20])]


def _review_table(app: Sphinx, fromdoc: str) -> list[Node]:
    store = get_store(app.env)
    today = build_date()
    # Distinct sources per page, not citation marks.
    cites = Counter(docname for docname, _ in {(c.docname, c.key) for c in store.records("cites")})
    marks = Counter(mark.docname for mark in store.records("evidence"))
    rows = []
    for page, due in sort_for_review(list(store.records("pages")), app.config):
        reviewed = field_value(page, "reviewed") or "missing"
        try:
            age = str((today - dt.date.fromisoformat(reviewed)).days)
        except ValueError:
            age = "?"
        rows.append(
            [
                _page_link(app, fromdoc, page.docname),
                nodes.Text(due.isoformat() if due else "now"),
                nodes.Text(reviewed),
                nodes.Text(age),
                nodes.Text(field_value(page, "reviewer") or "missing"),
                nodes.Text(str(cites[page.docname])),
                nodes.Text(str(marks[page.docname])),
            ]
        )
    headers = ["Page", "Review due", "Reviewed", "Age (days)", "Reviewer", "Sources", "Markers"]
    intro = nodes.paragraph(
        text=f"As of {today.isoformat()}; pages that need review soonest come first."
    )
    return [intro, _table(headers, rows, widths=[30, 12, 12, 8, 18, 10, 10])]


def _page_link(app: Sphinx, fromdoc: str, docname: str) -> Node:
    title = app.env.titles[docname].astext() if docname in app.env.titles else docname
    try:
        uri = app.builder.get_relative_uri(fromdoc, docname)
    except Exception:  # builders without per-page URIs (the PDF) get the title only
        return nodes.Text(title)
    ref = nodes.reference("", "", internal=True, refuri=uri)
    ref += nodes.Text(title)
    return ref


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Node]], widths: Sequence[int]
) -> nodes.table:
    table = nodes.table(classes=["kapdocs-generated"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    group += [nodes.colspec(colwidth=width) for width in widths]
    head = nodes.thead()
    head += _row([nodes.Text(h) for h in headers])
    group += head
    body = nodes.tbody()
    body += [_row(cells) for cells in rows]
    group += body
    return table


def _row(cells: Sequence[Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += nodes.paragraph("", "", cell)
        row += entry
    return row


def on_builder_inited(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.config.html_static_path.append(str(_STATIC))
        app.add_css_file("kapdocs-evidence.css")


def setup_evidence(app: Sphinx) -> None:
    app.add_node(
        evidence_marker,
        html=(_visit_badge, _depart_badge),
        latex=(_visit_latex_badge, _depart_latex_badge),
        text=(_visit_text_badge, _depart_text_badge),
    )
    app.add_node(kapdocs_generated)
    app.add_role("evidence", EvidenceRole())
    app.add_directive("evidence-list", EvidenceListDirective)
    app.add_directive("review-dashboard", ReviewDashboardDirective)
    app.connect("builder-inited", on_builder_inited)


def _visit_badge(self: nodes.NodeVisitor, node: evidence_marker) -> None:
    self.body.append(  # type: ignore[attr-defined]
        self.starttag(node, "span", "", CLASS=" ".join(node["classes"]), title="Level of evidence")  # type: ignore[attr-defined]
    )


def _depart_badge(self: nodes.NodeVisitor, node: evidence_marker) -> None:
    self.body.append("</span>")  # type: ignore[attr-defined]


def _visit_latex_badge(self: nodes.NodeVisitor, node: evidence_marker) -> None:
    self.body.append(r" [\textit{")  # type: ignore[attr-defined]


def _depart_latex_badge(self: nodes.NodeVisitor, node: evidence_marker) -> None:
    self.body.append("}]")  # type: ignore[attr-defined]


def _visit_text_badge(self: nodes.NodeVisitor, node: evidence_marker) -> None:
    self.add_text(" [")  # type: ignore[attr-defined]


def _depart_text_badge(self: nodes.NodeVisitor, node: evidence_marker) -> None:
    self.add_text("]")  # type: ignore[attr-defined]
