"""The Dagster UI as a user sees it: headless Chromium on a real ``dagster dev`` (free loopback
port, temporary instance, stopped as a process group after the module).

One server and one browser serve every test here: the lineage before anything ran, then
"Materialize all" clicked in the page, then what the run left on the checks tabs and on the
release asset. The raw folder is the five seed articles plus one article whose only agreement
names no party, so the agreements table carries a ``no_party`` warning. Screenshots are kept in
``outputs/test-artefacts/ui/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import chromium, new_page, screenshot
from .dagster_dev import dagster_dev, graphql, new_instance, wait_for_assets

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ASSETS = {"raw_folder", "raw_articles", "documents", "organisation_mentions", "organisations",
          "monetary_figures", "agreements", "release"}
NO_PARTY_ARTICLE = (
    "Talks end in accord\n\n"
    "After two days of talks, the agreement was signed on Monday in Geneva. "
    "Officials said the deal would take effect next year.\n"
)
#: Dagster's icons for a check evaluation (aria-label of the icon in the result tag).
PASSED, WARNING, FAILURE = "check_circle", "warning_outline", "cancel"
RUN_TIMEOUT_MS = 300_000


@dataclass(frozen=True)
class Server:
    port: int
    output_dir: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``dagster dev`` on the seeds plus a no-party article; automation off so that the only
    run is the one clicked in the page; the rules extractor (the UI is under test, not NER)."""
    base = tmp_path_factory.mktemp("ui")
    raw = base / "raw"
    raw.mkdir()
    for path in sorted((ROOT / "raw").glob("*.txt")):
        shutil.copy(path, raw / path.name)
    (raw / "zz_no_party.txt").write_text(NO_PARTY_ARTICLE, encoding="utf-8")
    env = {
        "PIPELINE_RAW_DIR": str(raw),
        "PIPELINE_OUTPUT_DIR": str(base / "out"),
        "PIPELINE_AUTOMATION": "off",
        "PIPELINE_EXTRACTION": "rules",
    }
    with dagster_dev(new_instance(base / "home"), env) as port:
        nodes = wait_for_assets(port)
        assert {n["assetKey"]["path"][-1] for n in nodes} == ASSETS
        yield Server(port, base / "out")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with new_page(browser) as opened:
        yield opened


@pytest.fixture(scope="module")
def materialised(server: Server, browser: Browser) -> str:
    """Clicks "Materialize all" on the global lineage, follows the launched run and waits for
    its final status; that status as the run page shows it."""
    with new_page(browser) as page:
        page.goto(server.url("/asset-groups"))
        page.locator("button", has_text="Materialize all").click()
        page.get_by_role("link", name="View", exact=True).click()  # in the "Launched run" toast
        page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"), wait_until="commit")
        status = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$")).first
        status.wait_for(timeout=RUN_TIMEOUT_MS)
        screenshot(page, "run")
        return status.inner_text()


def node_label_names(labels: list[str], names: set[str]) -> set[str]:
    """The asset names the graph's node labels show; a long name is cut in the middle with "…".

    >>> sorted(node_label_names(["documents", "organisa…_mentions", "sources"], {"documents", "organisation_mentions"}))
    ['documents', 'organisation_mentions']
    """
    shown = set()
    for label in labels:
        head, cut, tail = label.partition("…")
        shown |= {n for n in names if n == label or (cut and n.startswith(head) and n.endswith(tail))}
    return shown


def test_lineage_opens_with_every_asset_visible(server: Server, page: Page) -> None:
    page.goto(server.url("/asset-groups"))
    nodes = page.locator("svg foreignObject")
    expect(nodes.first).to_be_visible(timeout=60_000)
    expect(nodes).to_have_count(len(ASSETS))  # one box per asset: no collapsed group boxes
    labels = [text.strip() for text in nodes.all_text_contents()]
    screenshot(page, "lineage")
    assert node_label_names(labels, ASSETS) == ASSETS, labels


def test_materialize_all_clicked_in_the_page_succeeds(materialised: str) -> None:
    assert materialised == "Success"


def evaluation(server: Server, page: Page, asset: str, check: str) -> tuple[str, str, str]:
    """The result tag's text and icon, and the blocking sentence, of ``check`` on the asset's
    checks tab (screenshot ``check-<name>.png``)."""
    page.goto(server.url(f"/assets/{asset}?view=checks"))
    page.get_by_title(check, exact=True).first.click()
    result = page.get_by_text("Evaluation result", exact=True).locator("xpath=..")
    expect(result.get_by_role("img")).to_be_visible(timeout=30_000)
    blocking = page.get_by_text(re.compile(r"^This is a (non-)?blocking asset check\.$")).first
    text = result.inner_text().replace("Evaluation result", "").strip()
    screenshot(page, f"check-{check}", full_page=True)
    return text, result.get_by_role("img").get_attribute("aria-label") or "", blocking.inner_text()


def asset_checks(server: Server) -> dict[str, list[str]]:
    data = graphql(
        server.port,
        "{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name } } } } }",
    )
    return {
        node["assetKey"]["path"][-1]: sorted(c["name"] for c in node["assetChecksOrError"]["checks"])
        for node in data["assetNodes"]
        if node["assetChecksOrError"].get("checks")
    }


def test_each_check_result_is_visible_and_warnings_show_as_warnings(
    server: Server, page: Page, materialised: str
) -> None:
    checks = asset_checks(server)
    assert {"documents", "organisations", "organisation_mentions", "monetary_figures", "agreements"} <= set(checks)
    seen = {}
    for asset, names in checks.items():
        for name in names:
            seen[name] = evaluation(server, page, asset, name)
    for name, (text, icon, blocking) in seen.items():
        assert text in ("Passed", "Failed"), (name, text)  # evaluated, and shown
        if name.endswith("_suite"):  # the blocking suites hold on this input
            assert (text, icon, blocking) == ("Passed", PASSED, "This is a blocking asset check."), name
        if text == "Failed":  # nothing on this input is an error: every failure reads as a warning
            assert icon == WARNING, (name, icon)
    # The no-party article: a warning on the agreements, shown as a warning of a non-blocking check.
    assert seen.get("agreements_warnings") == ("Failed", WARNING, "This is a non-blocking asset check."), seen
    assert FAILURE not in {icon for _, icon, _ in seen.values()}


def test_release_metadata_shows_the_release_folder(server: Server, page: Page, materialised: str) -> None:
    folders = sorted(p for p in (server.output_dir / "releases").iterdir() if (p / "manifest.json").is_file())
    assert folders, "no release folder was published"
    page.goto(server.url("/assets/release"))
    path = page.get_by_text(str(folders[-1]), exact=True).first
    expect(path).to_be_visible(timeout=30_000)
    screenshot(page, "release-asset", full_page=True)
    expect(page.get_by_text(folders[-1].name, exact=True).first).to_be_visible()  # the version row


def test_release_description_renders_as_written(server: Server, page: Page) -> None:
    data = graphql(server.port, '{ assetNodeOrError(assetKey: {path: ["release"]}) { ... on AssetNode { description } } }')
    written = " ".join(data["assetNodeOrError"]["description"].replace("`", "").split())
    page.goto(server.url("/assets/release"))
    description = page.get_by_text(re.compile("^" + re.escape(written.split()[0]))).first
    expect(description).to_be_visible(timeout=30_000)
    screenshot(page, "release-description")
    assert " ".join(description.inner_text().split()) == written
