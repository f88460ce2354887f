"""sphinxcontrib-bibtex's roles, directive and domain, wrapped so that bad input is a finding.

sphinxcontrib-bibtex resolves a ``footcite`` while parsing and keeps no trace of a key it
cannot find, so kapdocs registers a thin subclass of its role that notes each key first;
the footnote's style stops the build at an entry without a field it shows (an author),
which the subclass notes, reading the role again without that key. Its ``cite`` roles
stop the whole build on a target that is not keys separated by commas
(``{cite:p}`lee2019 jones2021```), so kapdocs' subclass of them records such a target and
leaves the role as text; its domain, asked by MyST about a link such as
``[text](<lee2019, a b>)``, raises likewise, and kapdocs' subclass finds nothing there, so
that the link is a ``link_doc`` finding; a bibliography whose ``:style:`` pybtex lacks
stopped the build once all pages were read, and is formatted in the default style
instead. The bibliography directive notes the keys it lists.

What the subclasses note waits in the document being read under the keys below, until
:mod:`kapdocs.citations` collects it with the page's records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docutils import nodes

from kapdocs.locate import role_needle

if TYPE_CHECKING:
    from sphinx.application import Sphinx

PENDING = "kapdocs_footcite_keys"
MALFORMED = "kapdocs_malformed_cites"
UNSHOWN = "kapdocs_unshown_footcites"
LISTED = "kapdocs_listed_keys"


def register(app: Sphinx) -> None:
    """Register the subclasses in place of sphinxcontrib-bibtex's own (on ``config-inited``,
    once its ``setup`` has registered them), if it is loaded."""
    if "sphinxcontrib.bibtex" not in app.extensions:
        return
    from pybtex.style.template import FieldIsMissing
    from sphinxcontrib.bibtex.citation_target import parse_citation_targets
    from sphinxcontrib.bibtex.directives import BibliographyDirective
    from sphinxcontrib.bibtex.domain import BibtexDomain
    from sphinxcontrib.bibtex.foot_domain import BibtexFootDomain
    from sphinxcontrib.bibtex.foot_roles import FootCiteRole
    from sphinxcontrib.bibtex.roles import CiteRole

    class CheckedCiteRole(CiteRole):
        def result_nodes(self, document: Any, env: Any, node: Any, is_ref: bool) -> Any:
            try:
                list(parse_citation_targets(self.target))
            except ValueError:
                malformed = self.env.current_document.setdefault(MALFORMED, [])
                assert malformed is not None
                malformed.append(
                    (self.target, self.get_location(), self.lineno, role_needle(self.rawtext, ""))
                )
                return [nodes.inline(self.rawtext, self.text)], []
            return super().result_nodes(document, env, node, is_ref)  # type: ignore[no-untyped-call]

    class CheckedBibtexDomain(BibtexDomain):
        def env_updated(self) -> Any:
            # A bibliography whose :style: names no pybtex style stopped the build here;
            # it is formatted in the default style, and kept as written, so that every
            # build reports it (check_styles).
            unknown = {
                key: value
                for key, value in self.bibliographies.items()
                if not is_style(value.style)
            }
            default = self.env.config.bibtex_default_style
            try:
                for key, value in unknown.items():
                    self.bibliographies[key] = value._replace(style=default)
                return super().env_updated()
            finally:
                self.bibliographies.update(unknown)

        def resolve_any_xref(
            self, env: Any, fromdocname: str, builder: Any, target: str, node: Any, contnode: Any
        ) -> Any:
            # MyST asks every domain about [text](<lee2019, a b>); for a target that starts
            # with a key but is not keys, the parent raises instead of finding nothing.
            try:
                return super().resolve_any_xref(env, fromdocname, builder, target, node, contnode)
            except ValueError:
                return []

    app.add_domain(CheckedBibtexDomain, override=True)
    app.add_role("cite", CheckedCiteRole(), override=True)
    for name in BibtexDomain._role_names:
        app.add_role_to_domain("cite", name, CheckedCiteRole(), override=True)

    class RecordingFootCiteRole(FootCiteRole):
        def run(self) -> Any:
            pending = self.env.current_document.setdefault(PENDING, [])
            assert pending is not None
            written, keys = self.text, [key.strip() for key in self.text.split(",")]
            needle = role_needle(self.rawtext, "")
            # sphinxcontrib-bibtex finds a footcite's key in any case (pybtex's entries
            # ignore case): record the key as the .bib file writes it, as this role found it.
            entries = self.env.domains["cite"].bibdata.data.entries  # type: ignore[attr-defined]
            for key in keys:
                entry = entries.get(key)
                pending.append(
                    (key if entry is None else entry.key, self.get_location(), self.lineno, needle)
                )
            # The footnote is made as the role is read, and the style stops at an entry
            # without a field it shows (an author, say): sphinxcontrib-bibtex lets that stop
            # the build. The role is read again without that key, so that the footnotes
            # already made for the keys before it are referenced; with no key left, the
            # role shows as text.
            while keys:
                self.text = ",".join(keys)
                try:
                    return super().run()
                except FieldIsMissing as missing:
                    unshown = self.env.current_document.setdefault(UNSHOWN, [])
                    assert unshown is not None
                    key = str(missing).rpartition(" in ")[2]  # "missing author in lee2019"
                    location = self.get_location()
                    unshown.append((key, missing.field_name, location, self.lineno, needle))
                    left = [k for k in keys if k.lower() != key.lower()]
                    # An entry the role does not name (one it cross-references): give up.
                    keys = left if len(left) < len(keys) else []
                finally:
                    self.text = written
            return [nodes.inline(self.rawtext, written)], []

    class RecordingBibliographyDirective(BibliographyDirective):
        def run(self) -> Any:
            # Keys listed as the directive's content, a line each ("further reading"), use
            # their entries; sphinxcontrib-bibtex keeps only those the .bib files have, and
            # its warning for another is the one kapdocs replaces (bibtex.key_not_found).
            listed = self.env.current_document.setdefault(LISTED, [])
            assert listed is not None
            for index, key in enumerate(self.content):
                source, offset = self.content.items[index]
                listed.append((key.strip(), source, offset + 1))
            return super().run()

    app.add_directive("bibliography", RecordingBibliographyDirective, override=True)
    app.add_role("footcite", RecordingFootCiteRole(), override=True)
    for name in BibtexFootDomain._role_names:
        app.add_role_to_domain("footcite", name, RecordingFootCiteRole(), override=True)


def is_style(name: str) -> bool:
    """Whether pybtex knows the formatting style *name*, as sphinxcontrib-bibtex looks it up."""
    import pybtex.plugin

    try:
        pybtex.plugin.find_plugin("pybtex.style.formatting", name)
    except pybtex.plugin.PluginNotFound:
        return False
    return True
