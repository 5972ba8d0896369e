"""A release whose blocking checks fail publishes nothing and leaves the latest as it was;
a row that breaks a meaning rule is published with its flag."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.build import build_tables
from pipeline.publish.release import ReleaseBlocked, publish_release
from pipeline.quality.flags import with_quality_flags
from pipeline.tables import read_table
from pipeline.schemas import load_table_schema

from .conftest import RAW


@pytest.fixture(scope="module")
def built() -> tuple[dict, list]:
    return build_tables(RAW)


def _state(out: Path) -> tuple[str, list[str]]:
    releases = out / "releases"
    return (releases / "versions.json").read_text(), sorted(p.name for p in releases.iterdir())


@pytest.mark.parametrize(
    "table,column,value,rule",
    [
        ("organisation_mentions", "org_id", "no-such-organisation", "resolves to a row of organisations"),
        ("monetary_figures", "currency", "XYZ", "allowed values"),
        ("monetary_figures", "end", 10**9, "inside its document"),
        ("agreements", "kind", "handshake", "allowed values"),
        ("documents", "doc_id", None, "documents does not fit schemas/tables/documents.schema.json"),
    ],
)
def test_blocking_failure_publishes_nothing(built, tmp_path, table, column, value, rule):
    tables, sources = built
    first = publish_release(tables, sources, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    before = _state(tmp_path)
    broken = dict(tables)
    broken[table] = tables[table].copy()
    broken[table].loc[0, column] = value
    with pytest.raises(ReleaseBlocked) as error:
        publish_release(broken, sources, tmp_path, now=datetime(2026, 1, 2, tzinfo=UTC))
    assert rule in str(error.value)
    assert _state(tmp_path) == before
    assert json.loads((tmp_path / "releases" / "versions.json").read_text())["latest"] == first.version


def _variant(tables: dict, n: int) -> dict:
    """The tables with the first agreement's topic set to another allowed value (a real change)."""
    topics = [t for t in load_table_schema("agreements").field("topic").constraints["enum"]
              if t != tables["agreements"].loc[0, "topic"]]
    changed = dict(tables, agreements=tables["agreements"].copy())
    changed["agreements"].loc[0, "topic"] = topics[n]
    return changed


def test_published_versions_sort_by_time_and_are_read_only(built, tmp_path):
    tables, sources = built
    a = publish_release(tables, sources, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    b = publish_release(_variant(tables, 1), sources, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    c = publish_release(_variant(tables, 2), sources, tmp_path, now=datetime(2026, 3, 1, tzinfo=UTC))
    assert publish_release(_variant(tables, 2), sources, tmp_path).unchanged  # equal tables: no new version
    versions = json.loads((tmp_path / "releases" / "versions.json").read_text())
    assert [v["version"] for v in versions["versions"]] == [a.version, b.version, c.version]
    assert sorted([a.version, b.version, c.version]) == [a.version, b.version, c.version]
    assert versions["latest"] == c.version
    for path in [a.path, *a.path.rglob("*")]:
        assert path.stat().st_mode & 0o222 == 0, path  # no write bit for anyone


def _without_parties(tables: dict) -> dict:
    agreements = tables["agreements"].copy()
    agreements.at[agreements.index[0], "parties"] = []
    return {**tables, "agreements": agreements}


def test_a_meaning_defect_is_published_with_its_flag(built, tmp_path):
    tables, sources = built
    broken = _without_parties(tables)
    broken["agreements"] = with_quality_flags("agreements", broken["agreements"])  # as the build does
    release = publish_release(broken, sources, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    published = read_table(release.path / "agreements.parquet")
    assert list(published.at[0, "quality_flags"]) == ["no_party"]
    assert all(len(f) == 0 for f in published["quality_flags"].iloc[1:])
    validation = json.loads((release.path / "manifest.json").read_text())["validation"]
    assert validation["quality_flags"]["agreements"] == {"no_party": 1}
    (warned,) = [w for w in validation["warned"] if w["flag"] == "no_party"]
    assert warned["observed"] == f"1 of {len(published)} rows break it"
    assert any("no_party" in w for w in release.warnings)


def test_flags_that_do_not_match_their_row_block(built, tmp_path):
    """quality_flags is part of the data: a row whose flags miss a rule it breaks blocks."""
    tables, sources = built
    first = publish_release(tables, sources, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    before = _state(tmp_path)
    with pytest.raises(ReleaseBlocked) as error:
        publish_release(_without_parties(tables), sources, tmp_path, now=datetime(2026, 1, 2, tzinfo=UTC))
    assert "critical quality_flags names exactly the meaning rules the row breaks" in str(error.value)
    assert _state(tmp_path) == before
    assert json.loads((tmp_path / "releases" / "versions.json").read_text())["latest"] == first.version
