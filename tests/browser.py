"""Headless Chromium for tests: the system's ``chromium`` (Debian package) driven by Playwright.

Playwright's own browser download is never used (``playwright install`` cannot reach its
server here): the browser is the executable on PATH, so the tests need ``chromium``
installed (``.ci/run`` installs it when missing). Screenshots go to
``outputs/test-artefacts/ui/`` (ignored by git), where a person can look at what a user saw.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
#: Where screenshots are kept after the test run (``/outputs/`` is in .gitignore).
ARTEFACTS = ROOT / "outputs" / "test-artefacts" / "ui"
#: Browser executables tried in order; CHROMIUM overrides them.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    """The system Chromium executable; skips the test (naming the missing program) when there is none."""
    override = os.environ.get("CHROMIUM")
    if override:
        return override
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"no Chromium on PATH (tried {', '.join(CANDIDATES)}): apt-get install chromium, or set CHROMIUM")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed on exit: ``with chromium() as browser, new_page(browser) as page:``."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Browser, width: int = 1600, height: int = 1000) -> Iterator[Page]:
    """A page in a fresh context (no cookies or local storage shared with other pages)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    """Saves what ``page`` shows as ``outputs/test-artefacts/ui/<name>.png``; prints and returns the path.

    >>> re.sub(r"[^A-Za-z0-9_.-]+", "-", "lineage / all assets")
    'lineage-all-assets'
    """
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path
