"""A release whose blocking checks fail publishes nothing and leaves the latest as it was;
a row that breaks a meaning rule is published with its flag."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.build import build_tables
from pipeline.publish.checksums import record_sha256
from pipeline.publish.release import ReleaseBlocked, TableFile, publish_release
from pipeline.quality.flags import with_quality_flags
from pipeline.quality.validation import store_result, validate_table, validation_key
from pipeline.tables import read_table, write_table
from pipeline.schemas import TABLE_NAMES, load_table_schema

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


def _run_files(tables: dict, folder: Path) -> dict[str, TableFile]:
    """The tables as a run leaves them: one Parquet file each, its sha256 recorded beside it."""
    files = {}
    for name in TABLE_NAMES:
        path = write_table(name, tables[name], folder / f"{name}.parquet")
        files[name] = TableFile(path, record_sha256(path))
    return files


def _keep_results(tables: dict, files: dict[str, TableFile], rule_note: str = "") -> None:
    """What the checks leave beside the run's files: each suite's result under its key
    (``rule_note`` appended to every rule, to tell a kept result from a fresh one)."""
    digests = {n: f.sha256 for n, f in files.items()}
    for name in TABLE_NAMES:
        result = validate_table(name, tables[name], tables)
        outcomes = [dataclasses.replace(o, rule=o.rule + rule_note) for o in result.outcomes]
        store_result(files[name].path, validation_key(name, digests, None), dataclasses.replace(result, outcomes=outcomes))


def test_the_release_reuses_the_checks_results_for_the_same_bytes(built, tmp_path):
    tables, sources = built
    files = _run_files(tables, tmp_path / "run")
    _keep_results(tables, files, rule_note=" (kept by the check)")
    release = publish_release(tables, sources, tmp_path / "out", files=files)
    report = json.loads((release.path / "validation" / "results.json").read_text())
    rules = [e["rule"] for suite in report["suites"].values() for e in suite["expectations"]]
    assert rules and all(r.endswith(" (kept by the check)") for r in rules)  # not validated again
    manifest = json.loads((release.path / "manifest.json").read_text())
    sums = dict(reversed(line.split("  ")) for line in (release.path / "SHA256SUMS").read_text().splitlines())
    package = json.loads((release.path / "datapackage.json").read_text())
    for name in TABLE_NAMES:  # the run's bytes, one digest everywhere
        digest = files[name].sha256
        assert manifest["files"][f"{name}.parquet"]["sha256"] == sums[f"{name}.parquet"] == digest
        assert {r["name"]: r["hash"] for r in package["resources"]}[name] == f"sha256:{digest}"
    again = publish_release(tables, sources, tmp_path / "out", files=_run_files(tables, tmp_path / "run2"))
    assert again.unchanged and again.version == release.version


def test_a_kept_result_for_other_bytes_is_not_reused(built, tmp_path):
    """A run file that differs from what its check validated is validated again: a blocking
    defect still blocks."""
    tables, sources = built
    good = _run_files(tables, tmp_path / "run")
    _keep_results(tables, good)
    broken = dict(tables, monetary_figures=tables["monetary_figures"].copy())
    broken["monetary_figures"].loc[0, "currency"] = "XYZ"
    write_table("monetary_figures", broken["monetary_figures"], good["monetary_figures"].path)  # bytes changed
    files = dict(good, monetary_figures=TableFile(good["monetary_figures"].path, good["monetary_figures"].sha256))
    with pytest.raises(ReleaseBlocked) as error:
        publish_release(broken, sources, tmp_path / "out", files=files)
    assert "allowed values" in str(error.value)
    assert not (tmp_path / "out" / "releases" / "versions.json").exists()
