"""The site's linkcheck configuration, run against a local server, and resolver links."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

DOCS = Path(__file__).parent.parent / "docs"

PAGES = {
    "/ok": (200, "<html><body>fine</body></html>"),
    "/anchors": (200, '<html><body><h2 id="present">Here</h2></body></html>'),
}


class _Handler(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        if self.path == "/redirect":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.end_headers()
            return
        status, html = PAGES.get(self.path, (404, "<html>missing</html>"))
        data = html.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def site_linkcheck_settings() -> dict[str, object]:
    """The linkcheck_* settings of docs/conf.py, exactly as the site uses them."""
    conf = runpy.run_path(str(DOCS / "conf.py"))
    return {k: v for k, v in conf.items() if k.startswith("linkcheck_")}


def test_site_configures_linkcheck() -> None:
    settings = site_linkcheck_settings()
    assert settings["linkcheck_anchors"] is True
    assert settings["linkcheck_timeout"] > 0
    assert settings["linkcheck_retries"] >= 2
    assert "linkcheck_ignore" in settings


def test_linkcheck_against_local_server(server: str, tmp_path: Path) -> None:
    settings = site_linkcheck_settings()
    lines = [f"{name} = {value!r}" for name, value in settings.items()]
    # Local links are allowed here only because this page exists to test linkcheck.
    (tmp_path / "conf.py").write_text("\n".join(["extensions = ['myst_parser']", *lines]))
    (tmp_path / "index.md").write_text(
        "# Links\n\n"
        f"[ok]({server}/ok) [gone]({server}/missing) [moved]({server}/redirect)\n"
        f"[anchor]({server}/anchors#present) [no anchor]({server}/anchors#absent)\n"
    )
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "linkcheck", "-q", str(tmp_path), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    results = [json.loads(line) for line in (out / "output.json").read_text().splitlines()]
    status = {r["uri"].removeprefix(server): r["status"] for r in results}
    assert status == {
        "/ok": "working",
        "/missing": "broken",
        "/redirect": "redirected",
        "/anchors#present": "working",
        "/anchors#absent": "broken",
    }


def test_bibliography_links_dois_and_pmids_to_resolvers(tmp_path: Path) -> None:
    bib = (DOCS / "references.bib").read_text()
    dois = re.findall(r"doi\s*=\s*\{([^}]+)\}", bib)
    pmids = re.findall(r"pubmed\s*=\s*\{([^}]+)\}", bib)
    assert dois
    assert pmids
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(DOCS), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "bibliography.html").read_text()
    for doi in dois:
        assert f'href="https://doi.org/{doi}"' in html
    for pmid in pmids:
        assert f'href="https://www.ncbi.nlm.nih.gov/pubmed/{pmid}"' in html
