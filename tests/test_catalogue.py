"""The catalogue of releases: index.json against its schema, archives, pages, CITATION.cff.

Two real releases made by the pipeline (tests/published_releases.py); the rebuild runs the
real command line; pages are parsed as HTML and every link is followed on disk."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.publish.archive import archive_members
from pipeline.publish.catalogue import INDEX_SCHEMA
from pipeline.publish.checksums import sha256_file, verify_checksums
from pipeline.publish.pages import CHART_COLUMNS, chart_frames, render_release_page
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import make_frame

from .conftest import ROOT
from .published_releases import copy_output, publish_folder, two_releases


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_releases(tmp_path_factory.getbasetemp() / "two-releases")


def read_index(releases_dir: Path) -> dict:
    return json.loads((releases_dir / "index.json").read_text(encoding="utf-8"))


class Links(HTMLParser):
    """Every tag name and every href/src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v for k, v in attrs if k in ("href", "src", "xlink:href") and v and not v.startswith("#")]


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_index_json_follows_its_schema_and_states_every_file_as_it_is(releases):
    index = read_index(releases)
    jsonschema.Draft202012Validator(json.loads(INDEX_SCHEMA.read_text(encoding="utf-8"))).validate(index)
    listing = json.loads((releases / "versions.json").read_text(encoding="utf-8"))
    assert [v["version"] for v in index["versions"]] == [v["version"] for v in listing["versions"]]
    assert index["latest"] == listing["latest"] == index["versions"][-1]["version"]
    first, second = index["versions"]
    assert first["previous_version"] is None and second["previous_version"] == first["version"]
    assert second["changes"]["documents"] == {"ADD": 1, "MOD": 0, "DEL": 0}
    for entry in index["versions"]:
        folder = releases / entry["version"]
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert entry["row_counts"] == manifest["row_counts"] and entry["created"] == manifest["created"]
        assert entry["validation"]["success"] is True
        assert entry["validation"]["warnings"] == manifest["validation"]["warnings"] == len(entry["validation"]["warned"])
        on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        assert [f["name"] for f in entry["files"]] == on_disk
        for f in entry["files"]:
            assert (f["sha256"], f["bytes"]) == (sha256_file(releases / f["path"]), (releases / f["path"]).stat().st_size)
        archive = releases / entry["archive"]["path"]
        assert (entry["archive"]["sha256"], entry["archive"]["bytes"]) == (sha256_file(archive), archive.stat().st_size)


@pytest.mark.parametrize(
    "defect",
    ["../../etc/passwd", "/etc/passwd", "a/../../b", "http://elsewhere/x"],
)
def test_the_schema_refuses_a_file_outside_the_catalogue(releases, defect):
    index = copy.deepcopy(read_index(releases))
    index["versions"][0]["files"][0]["path"] = defect
    validator = jsonschema.Draft202012Validator(json.loads(INDEX_SCHEMA.read_text(encoding="utf-8")))
    assert not validator.is_valid(index)


def test_each_archive_holds_its_version_with_relative_sorted_members_and_fixed_owners_and_times(releases, tmp_path):
    index = read_index(releases)
    for entry in index["versions"]:
        version, path = entry["version"], releases / entry["archive"]["path"]
        names = archive_members(path)
        assert names[0] == version and all(n.startswith(f"{version}/") for n in names[1:])
        assert not any(n.startswith("/") or ".." in n.split("/") for n in names)
        assert names[1:] == sorted(names[1:])
        created = pd.Timestamp(entry["created"]).timestamp()
        with tarfile.open(path, "r:gz") as tar:
            infos = tar.getmembers()
            assert {(i.uid, i.gid, i.uname, i.gname) for i in infos} == {(0, 0, "", "")}
            assert {i.mtime for i in infos} == {int(created)}
            tar.extractall(tmp_path, filter="data")
        assert {n for n in names if not n.endswith(version) and (tmp_path / n).is_file()} == {
            f"{version}/{f['name']}" for f in entry["files"]
        }
        assert verify_checksums(tmp_path / version) == []


def test_the_catalogue_command_rebuilds_the_same_bytes_from_the_manifests(releases, tmp_path):
    copied = copy_output(releases, tmp_path / "out")
    originals = {name: (releases / name).read_bytes() for name in ("index.json", "index.html")}
    archives = {p.name: p.read_bytes() for p in (releases / "archives").iterdir()}
    for name in originals:
        (copied / name).unlink()
    for path in (copied / "archives").iterdir():
        path.unlink()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "catalogue", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "out" / "releases" / "index.json")
    assert {name: (copied / name).read_bytes() for name in originals} == originals
    assert {p.name: p.read_bytes() for p in (copied / "archives").iterdir()} == archives


def test_an_unchanged_run_changes_no_catalogue_file(releases, tmp_path):
    copied = copy_output(releases, tmp_path / "out")
    watched = [copied / "index.json", copied / "index.html", *sorted((copied / "archives").iterdir())]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in watched}
    raw = releases.parent.parent / "raw"
    release = publish_folder(raw, tmp_path / "out")
    assert release.unchanged
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in watched} == before


def test_version_page_citation_and_licence_are_inside_the_release_and_covered_by_its_checksums(releases):
    for entry in read_index(releases)["versions"]:
        folder = releases / entry["version"]
        sums = (folder / "SHA256SUMS").read_text(encoding="utf-8")
        assert "  index.html\n" in sums and "  CITATION.cff\n" in sums
        assert verify_checksums(folder) == []
        cff = yaml.safe_load((folder / "CITATION.cff").read_text(encoding="utf-8"))
        assert {"cff-version", "message", "title", "authors", "version", "date-released"} <= set(cff)
        assert cff["cff-version"] == "1.2.0" and cff["version"] == entry["version"]
        assert str(cff["date-released"]) == entry["created"][:10]
        assert all("name" in a or "family-names" in a for a in cff["authors"])
        dictionary = (folder / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
        assert "Licence: the extracted data is under CC-BY-4.0" in dictionary and "CITATION.cff" in dictionary


def test_pages_render_offline_with_counts_changes_charts_and_links_that_resolve(releases):
    index = read_index(releases)
    pages = [releases / "index.html"] + [releases / e["page"] for e in index["versions"]]
    for page in pages:
        found = parse(page)
        assert not {"script", "link", "img", "iframe", "object"} & set(found.tags), page
        for href in found.links:
            assert "://" not in href and not href.startswith(("/", "data:")), (page, href)
            assert (page.parent / href).resolve().is_file(), (page, href)
    latest = index["versions"][-1]
    html_text = (releases / latest["page"]).read_text(encoding="utf-8")
    assert html_text.count("<svg") == 7  # kind, topic, year, money count, money sum, money by year in USD, organisations
    for name in TABLE_NAMES:
        assert f">{name}</a></td><td class=\"n\">{latest['row_counts'][name]}</td>" in html_text
    assert f"since release <a href=\"../{index['versions'][0]['version']}/index.html\">" in html_text
    assert "<td>documents</td><td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">0</td>" in html_text
    for words in ("not comparable across currencies", "CC-BY-4.0", "import duckdb", "import polars", "import pandas"):
        assert words in html_text
    catalogue = (releases / "index.html").read_text(encoding="utf-8")
    assert all(e["archive"]["sha256"] in catalogue for e in index["versions"])


def hostile_tables() -> dict[str, pd.DataFrame]:
    """Tables whose values are markup, quotes and dollar signs (the page must show them as text)."""
    frames = {name: make_frame(name, []) for name in TABLE_NAMES}
    frames["organisations"] = pd.DataFrame(
        {"org_id": ["o1", "o2"], "name": ["<script>alert(1)</script>", 'Tom & "Jerry" $5 Co'], "mention_count": [3, 2]}
    )
    frames["agreements"] = pd.DataFrame(
        {"kind": ["<b>deal</b>", "treaty"], "topic": ["</svg><script>x()</script>", None], "year": [2020, None]}
    )
    frames["monetary_figures"] = pd.DataFrame({
        "doc_id": ["d1", "d2"], "currency": ["<i>USD</i>", "EUR"], "amount": [5.0, None],
        "amount_usd": [5.0, None], "usd_missing_reason": [None, "<u>no_amount</u>"]})
    frames["documents"] = pd.DataFrame({"doc_id": ["d1", "d2"], "published_at": ["2020-01-02", "<b>2021</b>"]})
    return frames


def test_pages_and_charts_show_markup_in_the_data_as_text_and_the_same_data_gives_the_same_bytes():
    changes = {"previous_version": '"><script>y()</script>', "changes": {}}
    page = render_release_page("2026-01-01T000000Z", "2026-01-01T00:00:00Z", hostile_tables(), changes, ["a<b>.txt"])
    parser = Links()
    parser.feed(page)
    assert "script" not in parser.tags and "i" not in parser.tags
    assert "u" not in parser.tags
    for shown in ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;deal&lt;/b&gt;", "&lt;i&gt;USD&lt;/i&gt;", "$5 Co",
                  "&lt;u&gt;no_amount&lt;/u&gt;"):
        assert shown in page
    assert page == render_release_page("2026-01-01T000000Z", "2026-01-01T00:00:00Z", hostile_tables(), changes, ["a<b>.txt"])


def test_a_release_with_empty_tables_gets_a_page_that_says_so_instead_of_charts():
    empty = {name: make_frame(name, []) for name in TABLE_NAMES}
    page = render_release_page("2026-01-01T000000Z", "2026-01-01T00:00:00Z", empty,
                               {"previous_version": None, "changes": {}}, ["index.html"])
    assert "<svg" not in page
    for words in ("No agreement in this release.", "No monetary figure in this release.",
                  "No organisation in this release.", "first release: every row is new"):
        assert words in page


def usd_tables(figures: list[tuple[str, float | None, str | None]], dates: dict[str, str | None]) -> dict[str, pd.DataFrame]:
    """Empty tables but for ``monetary_figures`` (doc_id, amount_usd, usd_missing_reason) and
    ``documents`` (doc_id, published_at)."""
    frames = {name: make_frame(name, []) for name in TABLE_NAMES}
    frames["monetary_figures"] = pd.DataFrame({
        "doc_id": [f[0] for f in figures], "currency": ["EUR"] * len(figures), "amount": [1.0] * len(figures),
        "amount_usd": [f[1] for f in figures], "usd_missing_reason": [f[2] for f in figures]})
    frames["documents"] = pd.DataFrame({"doc_id": list(dates), "published_at": list(dates.values())})
    return frames


def test_money_by_year_in_usd_sums_per_publication_year_and_counts_the_figures_without_usd_by_reason():
    tables = usd_tables(
        [("a", 1_000_000.0, None), ("a", 500_000.0, None), ("b", 2_000_000.0, None), ("c", 7.0, None),
         ("d", None, "currency_not_in_rate_source"), ("e", None, "no_publication_date"),
         ("d", None, "currency_not_in_rate_source")],
        {"a": "2015-09-01", "b": "2014-01-05T10:00:00+00:00", "c": None, "d": "2016-02-02", "e": None},
    )
    page = render_release_page("2026-01-01T000000Z", "2026-01-01T00:00:00Z", tables,
                               {"previous_version": None, "changes": {}}, ["index.html"])
    section = page[page.index("<h2>Money by year, in US dollars</h2>"):page.index("<h2>Organisations</h2>")]
    assert section.count("<svg") == 1
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">(\d+)</td><td class=\"n\">([^<]+)</td></tr>", section)
    assert rows == [("2014", "1", "2,000,000"), ("2015", "2", "1,500,000"), ("(no date)", "1", "7")]
    assert "4 of 7 monetary figures have a value in US dollars" in section
    assert "3 figures have no value in US dollars" in section
    reasons = re.findall(r"<tr><td>([a-z_]+)</td><td class=\"n\">(\d+)</td></tr>", section)
    assert reasons == [("currency_not_in_rate_source", "2"), ("no_publication_date", "1")]
    assert "log scale" in section  # 7 dollars beside 2 million: the small bars stay visible


def test_money_by_year_says_so_when_no_figure_has_a_usd_value():
    tables = usd_tables([("a", None, "no_publication_date")], {"a": None})
    page = render_release_page("2026-01-01T000000Z", "2026-01-01T00:00:00Z", tables,
                               {"previous_version": None, "changes": {}}, ["index.html"])
    section = page[page.index("<h2>Money by year, in US dollars</h2>"):page.index("<h2>Organisations</h2>")]
    assert "<svg" not in section and "No monetary figure has a value in US dollars." in section
    assert "1 figure has no value in US dollars" in section and "<td>no_publication_date</td>" in section


def test_the_release_page_reads_only_the_chart_columns_never_the_document_texts(releases):
    folder = releases / read_index(releases)["latest"]
    staged = {name: pq.read_table(folder / f"{name}.parquet") for name in TABLE_NAMES}  # as the publisher stages them
    frames = chart_frames(staged)
    assert "text" not in frames["documents"].columns
    for name, columns in CHART_COLUMNS.items():
        assert list(frames[name].columns) == columns, name
