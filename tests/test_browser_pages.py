"""The release pages as a reader sees them: headless Chromium on the two real releases.

The releases folder is served by a real ``http.server`` on 127.0.0.1 in a thread (what a
downloader sees: links are followed as HTTP requests, so a missing file is a 404 and the
archive and Parquet downloads are checked byte for byte against ``index.json``), not opened as
``file://`` (where a browser resolves links that a web server would not serve). One browser for
the module; full-page screenshots go to ``outputs/test-artefacts/ui/release-*.png``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import Browser, Page

from pipeline.schemas import TABLE_NAMES

from .browser import chromium, new_page, screenshot
from .published_releases import two_releases

pytestmark = pytest.mark.slow


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging each request to stderr."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_releases(tmp_path_factory.getbasetemp() / "two-releases")


@pytest.fixture(scope="module")
def base_url(releases: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT/releases/``, served from the output folder until the module ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(releases.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/releases/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def index(releases: Path) -> dict:
    return json.loads((releases / "index.json").read_text(encoding="utf-8"))


def open_recording(page: Page, url: str) -> list[str]:
    """Loads ``url`` in ``page`` and returns every URL the page requested (documents, styles, images...)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, url
    return requested


def hrefs(page: Page) -> list[str]:
    """Every link of the page, resolved against its URL (in-page anchors left out)."""
    raw = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert raw, page.url
    return [urljoin(page.url, href) for href in raw if not href.startswith("#")]


def svg_sizes(page: Page) -> list[tuple[float, float]]:
    """Width and height of each inline ``<svg>`` as laid out by the browser."""
    boxes = page.eval_on_selector_all(
        "svg", "all => all.map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })")
    return [(float(w), float(h)) for w, h in boxes]


def files_by_url(base_url: str, index: dict) -> dict[str, dict]:
    """URL -> {bytes, sha256} for every file and archive ``index.json`` states."""
    stated = {}
    for entry in index["versions"]:
        archive = entry["archive"]
        stated[urljoin(base_url, archive["path"])] = archive
        for item in entry["files"]:
            stated[urljoin(base_url, entry["path"] + item["path"])] = item
    return stated


def assert_links_resolve(page: Page, base_url: str, index: dict) -> int:
    """Each link returns 200 from the server; stated files come with their stated sha256. Returns the count."""
    stated = files_by_url(base_url, index)
    links = sorted(set(hrefs(page)))
    checked = 0
    for url in links:
        assert urlparse(url).netloc == urlparse(base_url).netloc, f"{page.url} links outside: {url}"
        response = page.context.request.get(url)
        assert response.status == 200, f"{page.url}: {url} returns {response.status}"
        if url in stated:
            body = response.body()
            assert len(body) == stated[url]["bytes"], url
            assert hashlib.sha256(body).hexdigest() == stated[url]["sha256"], url
            checked += 1
    assert checked, f"{page.url}: no link to a file index.json states"
    return len(links)


def test_the_catalogue_page_renders_its_versions_and_every_link_resolves(browser, base_url, index):
    with new_page(browser) as page:
        requested = open_recording(page, base_url + "index.html")
        assert page.title().endswith("releases")
        assert page.locator("h1").inner_text().strip()
        rows = page.locator("table").first.locator("tr")
        assert rows.count() == 1 + len(index["versions"])
        assert "latest" in rows.nth(1).inner_text() and index["latest"] in rows.nth(1).inner_text()
        table_box = page.locator("div.scroll").evaluate("d => [d.scrollWidth, d.clientWidth]")
        assert table_box[0] <= table_box[1], f"the releases table is cut on a wide screen: {table_box}"
        archive_links = page.locator("a", has_text="tar.gz")
        assert archive_links.count() == len(index["versions"])
        assert_links_resolve(page, base_url, index)
        screenshot(page, "release-catalogue", full_page=True)
        assert all(url.startswith(base_url) for url in requested), requested


def test_the_latest_release_page_renders_counts_charts_and_downloads_that_resolve(browser, base_url, index):
    latest = index["versions"][-1]
    with new_page(browser) as page:
        requested = open_recording(page, base_url + latest["page"])
        assert latest["version"] in page.title()
        counts = page.locator("h2:has-text('Tables') + table")
        for name in TABLE_NAMES:
            row = counts.locator("tr", has=page.locator(f"a[href='{name}.parquet']"))
            assert row.locator("td.n").inner_text() == str(latest["row_counts"][name]), name
        sizes = svg_sizes(page)
        assert len(sizes) == 7, sizes  # kind, topic, year, money count, money sum, money by year in USD, organisations
        assert all(width > 200 and height > 100 for width, height in sizes), sizes
        usd = page.locator("h2:has-text('Money by year') ~ figure svg").first
        shown = usd.text_content() or ""  # SVG text (not an HTML element: no inner_text)
        assert all(words in shown for words in ("US dollars", "2021", "2023", "4.8 trn")), shown
        assert "no_amount" in page.locator("h2:has-text('Money by year') ~ table").last.inner_text()
        downloads = hrefs(page)
        assert any(url.endswith(".tar.gz") for url in downloads)
        assert all(any(url.endswith(f"/{name}.parquet") for url in downloads) for name in TABLE_NAMES)
        assert_links_resolve(page, base_url, index)
        screenshot(page, "release-latest", full_page=True)
        assert all(url.startswith(base_url) for url in requested), requested


@pytest.mark.parametrize("which", ["catalogue", "latest"])
def test_a_narrow_window_keeps_the_pages_and_their_charts_inside_the_window(browser, base_url, index, which):
    url = base_url + ("index.html" if which == "catalogue" else index["versions"][-1]["page"])
    with new_page(browser, width=420, height=900) as page:
        open_recording(page, url)
        viewport = page.viewport_size["width"]
        assert all(0 < width <= viewport for width, _ in svg_sizes(page))
        page_width = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, f"release-{which}-narrow", full_page=True)
        assert page_width <= viewport, f"{which}: the page scrolls sideways ({page_width}px in {viewport}px)"
