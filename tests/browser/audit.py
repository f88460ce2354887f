"""Lighthouse audit of the built site: ``python tests/browser/audit.py SITE`` (``nox -s audit``).

Serves SITE (the HTML output) on 127.0.0.1, runs Lighthouse from ``tests/browser/node_modules``
with Debian's Chromium (``CHROME_PATH``, default ``/usr/bin/chromium``) on the landing page, a
reference page and the glossary, and writes the four category scores per page to
``docs/maintainers/audit.json`` and to the table in ``docs/maintainers/audit.md``.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
JSON_OUT = ROOT / "docs" / "maintainers" / "audit.json"
PAGE = ROOT / "docs" / "maintainers" / "audit.md"
PAGES = {
    "Landing page": "index.html",
    "Reference page": "reference/glutamate.html",
    "Glossary": "glossary.html",
}
CATEGORIES = {
    "performance": "Performance",
    "accessibility": "Accessibility",
    "best-practices": "Best practices",
    "seo": "SEO",
}
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
# MyST comments mark the table, which the audit rewrites.
TABLE = re.compile(r"(% audit:start\n).*?(% audit:end)", re.DOTALL)


class _Gzip(SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the browser accepts it, as any web host serves them.

    Without compression Lighthouse's simulated slow network charges the page for bytes that no
    real host sends.
    """

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file():
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def lighthouse(url: str) -> dict[str, Any]:
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                "--output-path=stdout",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={CHROME_FLAGS} --user-data-dir={profile}",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def audit(site: Path) -> dict[str, Any]:
    handler = functools.partial(_Gzip, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    pages = []
    try:
        for label, path in PAGES.items():
            report = lighthouse(base + path)
            scores = {key: round(report["categories"][key]["score"] * 100) for key in CATEGORIES}
            pages.append({"page": label, "path": path, "scores": scores})
            print(f"{label:15} {path:28} {scores}")
    finally:
        server.shutdown()
        server.server_close()
    return {
        "lighthouse": report["lighthouseVersion"],
        "browser": report["environment"]["hostUserAgent"],
        "form_factor": report["configSettings"]["formFactor"],
        "throttling": report["configSettings"]["throttlingMethod"],
        "pages": pages,
    }


def table(results: dict[str, Any]) -> str:
    rows = ["| Page | " + " | ".join(CATEGORIES.values()) + " |"]
    rows.append("|---|" + "---:|" * len(CATEGORIES))
    for page in results["pages"]:
        cells = " | ".join(str(page["scores"][key]) for key in CATEGORIES)
        rows.append(f"| {page['page']} (`{page['path']}`) | {cells} |")
    return "\n".join(rows) + "\n"


def main(site: Path) -> int:
    results = audit(site)
    JSON_OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = PAGE.read_text(encoding="utf-8")
    PAGE.write_text(TABLE.sub(lambda m: m[1] + table(results) + m[2], text), encoding="utf-8")
    low = [
        f"{page['page']}: {key} {score}"
        for page in results["pages"]
        for key, score in page["scores"].items()
        if score < 95
    ]
    if low:
        print("below 95: " + "; ".join(low))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
