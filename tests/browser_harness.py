"""A real browser for the web app's tests: the app under waitress on a loopback port, Debian's
chromium driven by Playwright (launched by path; nothing downloaded), and axe-core's findings
on a page as it stands."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from scheduler.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# WCAG 2.x A and AA, as axe-core tags its rules.
_WCAG = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']"


def free_port() -> int:
    """A loopback port free now, for a server to take next (its address goes in emails)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Flask, port: int) -> Iterator[str]:
    """The app under waitress on `port`, as the daemon's web process serves it; its URL."""
    waitress = pytest.importorskip("waitress.server")
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=5)


@contextmanager
def browser_page(**context_options: Any) -> Iterator[Any]:
    """A page in a fresh chromium context; skips the test where chromium or axe-core is
    missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser.new_context(**context_options).new_page()
        finally:
            browser.close()


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is (WCAG 2.x A and AA)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {_WCAG}}}}})")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
