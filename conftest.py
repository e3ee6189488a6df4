"""Fixtures shared by tests/ and bench/ (pytest runs both in one process).

One headless Chromium per session: Playwright's sync API runs an event loop of its own, so a second one cannot
start while the first lives, and the UI tests and the UI benchmark would each want one. It is the Debian
Chromium (never Playwright's own browser download: its CDN is unreachable), with no GPU flags (WebGL via SwiftShader).
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("SCOPE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A launched Chromium (playwright.sync_api.Browser); skips saying why when there is none."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium, or set SCOPE_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs python playwright (pip install playwright; its browser download is not needed)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()
