"""``python -m pipeline validate RELEASE_DIR``: what a user runs before trusting a copy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import build_tables
from pipeline.publish.checksums import sha256_file
from pipeline.publish.release import publish_release, write_checksums
from pipeline.tables import read_table, write_table

from .conftest import RAW


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    tables, sources = build_tables(RAW)
    return publish_release(tables, sources, tmp_path_factory.mktemp("out")).path


def _copy(release: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "download"
    shutil.copytree(release, copy)
    for p in [copy, *copy.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return copy


def _validate(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", str(folder), *extra],
        capture_output=True, text=True, timeout=300,
    )


def test_a_good_release_is_trusted(release, tmp_path):
    done = _validate(_copy(release, tmp_path), "--json", str(tmp_path / "check.json"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1].startswith("trusted")
    result = json.loads((tmp_path / "check.json").read_text())
    assert result["trusted"] is True and set(result["suites"]) >= {"documents", "agreements"}
    assert "WARN a figure has an amount" in done.stdout  # the source's own defect, listed


def test_a_changed_file_is_caught_by_the_checksums(release, tmp_path):
    copy = _copy(release, tmp_path)
    with (copy / "organisations.parquet").open("ab") as handle:
        handle.write(b"\0")
    done = _validate(copy)
    assert done.returncode == 1
    assert "organisations.parquet: sha256 differs from SHA256SUMS" in done.stdout
    assert "organisations.parquet: sha256 differs from datapackage.json" in done.stdout


def test_a_consistent_copy_with_wrong_data_is_caught_by_the_suites(release, tmp_path):
    """Someone rewrote a table and its checksums: the files agree, the data does not."""
    copy = _copy(release, tmp_path)
    figures = read_table(copy / "monetary_figures.parquet")
    figures.loc[0, "text"] = "$999 trillion"
    write_table("monetary_figures", figures, copy / "monetary_figures.parquet")
    package = json.loads((copy / "datapackage.json").read_text())
    for resource in package["resources"]:
        resource["hash"] = "sha256:" + sha256_file(copy / resource["path"])
    (copy / "datapackage.json").write_text(json.dumps(package))
    write_checksums(copy)
    done = _validate(copy)
    assert done.returncode == 1
    assert "monetary_figures: FAILED" in done.stdout
    assert "ERROR text equals documents.text[start:end]" in done.stdout
    assert '"text": "$999 trillion"' in done.stdout  # the example row, with its doc_id
    assert done.stdout.strip().splitlines()[-1].startswith("NOT trusted")


def test_a_folder_that_is_not_a_release_is_not_trusted(tmp_path):
    done = _validate(tmp_path)
    assert done.returncode == 1
    assert "SHA256SUMS is missing" in done.stdout
