"""Level 3: every asset materialised with a real Dagster instance into a temporary folder,
and the published release checked as a user would check a download."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from pipeline.defs.run import run_release
from pipeline.publish.release import verify_checksums
from pipeline.schemas import TABLE_NAMES, load_table_schema

from .conftest import GOLD, ROOT


@pytest.fixture
def published(articles_dir, dagster_home, tmp_path):
    instance = dg.DagsterInstance.get()
    out = tmp_path / "out"
    path = run_release(articles_dir, out, instance=instance)
    return path, out, instance


def test_release_is_published_with_every_file(published):
    path, out, instance = published
    assert path.parent == out / "releases"
    names = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}
    assert names == {f"{t}.parquet" for t in TABLE_NAMES} | {
        "datapackage.json", "DATA_DICTIONARY.md", "manifest.json", "SHA256SUMS",
        "validation/results.json", "validation/index.html", "CHANGES.md", "index.html", "CITATION.cff",
    } | {f"changes/{t}.delta.jsonl" for t in TABLE_NAMES}
    versions = json.loads((out / "releases" / "versions.json").read_text())
    assert versions["latest"] == path.name
    runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].is_success


def test_release_validates_with_frictionless_and_its_checksums_match(published):
    path, _, _ = published
    report = validate(str(path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert verify_checksums(path) == []
    package = json.loads((path / "datapackage.json").read_text())
    for resource in package["resources"]:
        digest = hashlib.sha256((path / resource["path"]).read_bytes()).hexdigest()
        assert resource["hash"] == f"sha256:{digest}"


def test_tampered_release_fails_its_checksums(published, tmp_path):
    path, _, _ = published
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    (copy / "agreements.parquet").chmod(0o644)
    with (copy / "agreements.parquet").open("ab") as handle:
        handle.write(b"x")
    assert verify_checksums(copy) == ["agreements.parquet: sha256 differs from SHA256SUMS"]


def test_dictionary_names_every_table_and_column(published):
    path, _, _ = published
    dictionary = (path / "DATA_DICTIONARY.md").read_text()
    for name in TABLE_NAMES:
        assert f"## `{name}`" in dictionary
        for column in load_table_schema(name).column_names:
            assert f"| `{column}` |" in dictionary, (name, column)
    assert "validation/index.html" in dictionary


def test_manifest_records_sources_versions_and_counts(published):
    path, _, _ = published
    manifest = json.loads((path / "manifest.json").read_text())
    sources = {s["source_file"]: s for s in manifest["sources"]}
    assert sources["empty.txt"]["status"] == "rejected"
    assert sources["image.txt"]["problem"].startswith("binary content")
    assert len(sources["000_40583fd52b4b10e4.txt"]["sha256"]) == 64
    assert manifest["row_counts"]["documents"] == 6
    assert manifest["pipeline"]["version"]
    assert manifest["validation"]["success"] is True
    assert all(f["bytes"] > 0 for f in manifest["files"].values())


def test_every_row_carries_its_evidence(published):
    path, _, _ = published
    docs = pq.read_table(path / "documents.parquet", columns=["doc_id", "text"]).to_pydict()
    texts = dict(zip(docs["doc_id"], docs["text"]))
    for name in ("organisation_mentions", "monetary_figures", "agreements"):
        rows = pq.read_table(path / f"{name}.parquet").to_pylist()
        assert rows, name
        for row in rows:
            assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"], (name, row)
    for row in pq.read_table(path / "agreements.parquet").to_pylist():
        for span in row["mentions"]:
            assert 0 <= span["start"] < span["end"] <= len(texts[row["doc_id"]])


def test_ids_are_stable_across_runs(articles_dir, dagster_home, tmp_path):
    instance = dg.DagsterInstance.get()
    first = run_release(articles_dir, tmp_path / "a", instance=instance)
    second = run_release(articles_dir, tmp_path / "b", instance=instance)
    for name in TABLE_NAMES:
        a, b = pq.read_table(first / f"{name}.parquet"), pq.read_table(second / f"{name}.parquet")
        assert a.equals(b), name


@pytest.mark.skipif(not (GOLD / "score.py").exists(), reason="../shared/gold is not beside the project")
def test_cli_release_prints_the_folder_last_and_the_scorer_reads_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(ROOT / "raw"), "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={"PATH": str(Path(sys.executable).parent), "GX_ANALYTICS_ENABLED": "false", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    release = Path(done.stdout.strip().splitlines()[-1])
    assert release.is_dir() and release.parent == tmp_path / "releases"
    score = subprocess.run(
        [sys.executable, str(GOLD / "score.py"), str(release), str(GOLD)],
        capture_output=True, text=True, timeout=120,
    )
    assert score.returncode == 0, score.stdout[-2000:] + score.stderr[-2000:]
    assert score.stdout.strip().splitlines()[-1].startswith("score: organisations_f1=")


def test_cli_release_on_a_missing_folder_fails_with_a_clear_message(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(tmp_path / "nope"), "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1
    assert "nope does not exist" in done.stderr
