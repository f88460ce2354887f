"""The site as a reader meets it, in headless Debian Chromium driven by Playwright.

The HTML is built once per session and served from 127.0.0.1 by the test itself. Every
request that leaves 127.0.0.1 is blocked and reported. Tests skip with a reason where
Chromium, Playwright or axe-core are missing, and fail instead under KAPDOCS_REQUIRE_ALL=1.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.requirements import require_file, require_module, require_tools

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import BrowserContext, Page, Request, Route

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every page of the site: one per source file, plus the pages Sphinx generates.
SOURCES = (p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
PAGES = [
    *sorted(str(p.relative_to(DOCS).with_suffix(".html")) for p in SOURCES),
    "genindex.html",
    "search.html",
]
REFERENCE_PAGE = "reference/glutamate.html"
BDNF = {"term-BDNF", "term-Brain-derived-neurotrophic-factor"}


# -- the site, its server and the browser ------------------------------------------------


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser-html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Traffic:
    """Requests that left 127.0.0.1, failed responses and console errors, for one page."""

    def __init__(self) -> None:
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []

    def clear(self) -> None:
        self.foreign.clear()
        self.failed.clear()
        self.console.clear()


@pytest.fixture(scope="session")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    require_tools("chromium")
    require_module("playwright", "pip install -e '.[test]'")
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable is not None
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture(scope="session")
def traffic(context: BrowserContext) -> Traffic:
    seen = Traffic()

    def guard(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            seen.foreign.append(request.url)
            route.abort()

    context.route("**/*", guard)
    context.on(
        "response",
        lambda response: (
            seen.failed.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return seen


@pytest.fixture
def page(context: BrowserContext, traffic: Traffic) -> Iterator[Page]:
    page = context.new_page()
    page.on("console", lambda m: traffic.console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: traffic.console.append(str(error)))
    traffic.clear()
    yield page
    page.close()


def visit(page: Page, base_url: str, path: str) -> Page:
    page.goto(base_url + path, wait_until="load")
    return page


# -- search --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "anchors"),
    [
        ("BDNF", {"term-BDNF", "term-Brain-derived-neurotrophic-factor"}),
        (
            "brain-derived neurotrophic factor",
            {"term-BDNF", "term-Brain-derived-neurotrophic-factor"},
        ),
        ("NMDA", {"term-NMDA-receptor", "term-NMDAR"}),
    ],
)
def test_search_lists_glossary_entry_in_top_three_with_its_definition(
    page: Page, base_url: str, query: str, anchors: set[str]
) -> None:
    visit(page, base_url, f"search.html?q={query}")
    page.wait_for_function(
        "document.querySelector('#search-results .search-summary')"
        "?.textContent.includes('Search finished')"
    )
    top = page.eval_on_selector_all(
        "#search-results ul.search > li > a", "links => links.slice(0, 3).map(a => a.href)"
    )
    assert any(
        urlsplit(href).path.endswith("/glossary.html") and urlsplit(href).fragment in anchors
        for href in top
    ), top
    box = page.locator(".kapdocs-search-terms")
    first_link = box.locator("dt a").first
    assert urlsplit(first_link.get_attribute("href") or "").fragment in anchors
    assert len(box.locator("dd").first.inner_text()) > 40


# -- term previews ------------------------------------------------------------------------


class _TermLinks(HTMLParser):
    """(href, title) of every glossary term link in a page, as the server sends it."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = dict(attrs)
        elif (
            tag == "span"
            and self._open is not None
            and "std-term" in (dict(attrs).get("class") or "").split()
        ):
            self.links.append((self._open.get("href") or "", self._open.get("title") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None


@pytest.mark.parametrize("path", [p for p in PAGES if p not in {"genindex.html", "search.html"}])
def test_every_term_link_has_a_plain_title_without_javascript(site: Path, path: str) -> None:
    parser = _TermLinks()
    parser.feed((site / path).read_text(encoding="utf-8"))
    untitled = [href for href, title in parser.links if len(title) < 20]
    assert untitled == []


def test_hover_and_focus_show_the_definition_and_escape_hides_it(page: Page, base_url: str) -> None:
    visit(page, base_url, REFERENCE_PAGE)
    link = page.locator("article a.reference[aria-describedby]:has(.std-term)").first
    tip = page.locator(f"#{link.get_attribute('aria-describedby')}")
    assert tip.get_attribute("role") == "tooltip"
    assert link.get_attribute("title") is None  # the popover replaces the native tooltip
    assert tip.is_hidden()

    link.hover()
    tip.wait_for(state="visible")
    assert "neurotransmitter" in tip.inner_text()
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")

    page.mouse.move(0, 0)
    link.focus()
    tip.wait_for(state="visible")
    box = tip.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")


# -- glossary page ------------------------------------------------------------------------


def test_glossary_used_on_link_lands_on_a_page_that_links_the_term(
    page: Page, base_url: str
) -> None:
    visit(page, base_url, "glossary.html")
    entry = page.locator("dt#term-BDNF + dt + dd, dt#term-BDNF + dd").first
    used_on = entry.locator(".kapdocs-used-on a").first
    used_on.click()
    page.wait_for_load_state("load")
    assert not page.url.endswith("glossary.html")
    links = page.locator(
        "article a[href$='glossary.html#term-BDNF'],"
        " article a[href$='glossary.html#term-Brain-derived-neurotrophic-factor']"
    )
    assert links.count() > 0, page.url


def test_glossary_jump_bar_reaches_every_letter(page: Page, base_url: str) -> None:
    visit(page, base_url, "glossary.html")
    targets = page.eval_on_selector_all(
        "nav.kapdocs-az a", "links => links.map(a => a.getAttribute('href').slice(1))"
    )
    assert len(targets) >= 15
    for target in targets:
        assert page.locator(f"dt [id='{target}'], dt[id='{target}']").count() == 1, target


_ENTRY = re.compile(r"((?:<dt id=\"term-[^\"]+\".*?</dt>\s*)+)<dd>(.*?)</dd>", re.DOTALL)


def test_every_used_on_link_points_to_a_page_linking_the_entry(site: Path) -> None:
    glossary = (site / "glossary.html").read_text(encoding="utf-8")
    checked = 0
    for names, body in _ENTRY.findall(glossary):
        anchors = re.findall(r'id="(term-[^"]+)"', names)
        used_on = re.search(r'<p class="kapdocs-used-on">(.*?)</p>', body, re.DOTALL)
        assert used_on is not None, anchors
        for target in re.findall(r'href="([^"#]+)"', used_on[1]):
            page = (site / target).read_text(encoding="utf-8")
            assert any(f"glossary.html#{anchor}" in page for anchor in anchors), (anchors, target)
            checked += 1
    assert checked >= 45


# -- reference pages, sidebar, print ------------------------------------------------------


def test_reference_page_shows_review_and_audience_above_key_points(
    page: Page, base_url: str
) -> None:
    visit(page, base_url, REFERENCE_PAGE)
    order = page.eval_on_selector_all(
        "article h1, article .kapdocs-page-info, article .admonition.key-points,"
        " article #references",
        "nodes => nodes.map(n => n.tagName === 'H1' ? 'title' : n.className)",
    )
    assert order[0] == "title"
    assert "kapdocs-page-info" in order[1]
    assert "key-points" in order[2]
    info = page.locator("article .kapdocs-page-info").inner_text()
    assert re.fullmatch(r"Reviewed \d{4}-\d\d-\d\d · For clinicians", info)


def test_sidebar_groups_reference_learning_glossary_maintainers(page: Page, base_url: str) -> None:
    visit(page, base_url, "index.html")
    captions = page.locator(".sidebar-tree p.caption").all_text_contents()
    assert [c.strip() for c in captions] == [
        "Reference",
        "Learning path",
        "Glossary",
        "Maintainers",
    ]


def test_print_hides_navigation_and_prints_link_addresses(page: Page, base_url: str) -> None:
    visit(page, base_url, REFERENCE_PAGE)
    page.emulate_media(media="print")
    assert page.locator(".sidebar-drawer").is_hidden()
    assert page.locator(".toc-drawer").is_hidden()
    after = page.eval_on_selector(
        "article a.reference.external[href^='http']",
        "a => getComputedStyle(a, '::after').content",
    )
    assert "http" in after


def test_dark_mode_renders(page: Page, base_url: str) -> None:
    page.add_init_script("localStorage.setItem('theme', 'dark')")
    for path in ("index.html", REFERENCE_PAGE, "glossary.html"):
        visit(page, base_url, path)
        assert page.evaluate("document.body.dataset.theme") == "dark"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
        assert red + green + blue < 150, background
        assert axe_violations(page) == [], path


# -- every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_from_localhost_only(
    page: Page, base_url: str, traffic: Traffic, path: str
) -> None:
    visit(page, base_url, path)
    if path == "search.html":
        page.goto(base_url + "search.html?q=ketamine", wait_until="networkidle")
    page.wait_for_load_state("networkidle")
    assert traffic.foreign == []
    assert traffic.failed == []
    assert traffic.console == []


@pytest.mark.parametrize("path", PAGES)
def test_page_does_not_scroll_sideways_on_a_phone(page: Page, base_url: str, path: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, base_url, path)
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], width


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations, one line each."""
    require_file(AXE, "run: npm ci --prefix tests/browser")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {json.dumps([n['target'] for n in v['nodes']][:5])}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violations(page: Page, base_url: str, path: str) -> None:
    visit(page, base_url, path + ("?q=BDNF" if path == "search.html" else ""))
    if path == "search.html":
        page.wait_for_selector(".kapdocs-search-terms")
    assert axe_violations(page) == []
