"""``python -m pipeline validate RELEASE_DIR``: what a user runs before trusting a copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import build_tables
from pipeline.publish.checksums import MAX_FILE_BYTES, sha256_file
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
    assert "organisations.parquet: sha256 differs from manifest.json" in done.stdout
    assert "suites not run: the files are not those the release's checksums describe" in done.stdout


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
    manifest = json.loads((copy / "manifest.json").read_text())
    for name in ("monetary_figures.parquet", "datapackage.json"):
        manifest["files"][name] = {"sha256": sha256_file(copy / name), "bytes": (copy / name).stat().st_size}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    write_checksums(copy)
    done = _validate(copy)
    assert done.returncode == 1
    assert "file problem" not in done.stdout
    assert "monetary_figures: FAILED" in done.stdout
    assert "ERROR text equals documents.text[start:end]" in done.stdout
    assert '"text": "$999 trillion"' in done.stdout  # the example row, with its doc_id
    assert done.stdout.strip().splitlines()[-1].startswith("NOT trusted")


def test_a_folder_that_is_not_a_release_is_not_trusted(tmp_path):
    done = _validate(tmp_path)
    assert done.returncode == 1
    assert "SHA256SUMS is missing" in done.stdout


def _rewrite_sums(copy: Path, edit) -> None:
    sums = copy / "SHA256SUMS"
    sums.write_text(edit(sums.read_text()))


@pytest.mark.parametrize(
    ("hostile_name", "reason"),
    [
        ("../../../../etc/passwd", "SHA256SUMS names ../../../../etc/passwd: not a plain relative path"),
        ("/dev/zero", "SHA256SUMS names /dev/zero: not a plain relative path"),
        ("validation/../../outside.txt", "not a plain relative path inside the release"),
    ],
)
def test_sums_naming_a_path_outside_the_folder_are_refused_unread(release, tmp_path, hostile_name, reason):
    copy = _copy(release, tmp_path)
    (tmp_path / "outside.txt").write_text("not part of the release\n")
    _rewrite_sums(copy, lambda text: text + f"{'0' * 64}  {hostile_name}\n")
    done = _validate(copy)  # /dev/zero would never end if it were read
    assert done.returncode == 1, done.stdout[-2000:]
    assert reason in done.stdout
    assert "Traceback" not in done.stderr


def test_a_fifo_named_by_the_sums_is_refused_at_once(release, tmp_path):
    copy = _copy(release, tmp_path)
    os.mkfifo(copy / "pipe")
    _rewrite_sums(copy, lambda text: text + f"{'0' * 64}  pipe\n")
    done = _validate(copy)  # opening a FIFO for reading would wait for a writer forever
    assert done.returncode == 1
    assert "SHA256SUMS names pipe: not a regular file" in done.stdout
    assert "pipe: not a regular file (FIFO, socket or device; refused)" in done.stdout


def test_a_symlink_in_the_release_is_refused_even_to_a_true_copy(release, tmp_path):
    copy = _copy(release, tmp_path)
    real = tmp_path / "elsewhere.parquet"
    (copy / "agreements.parquet").rename(real)
    (copy / "agreements.parquet").symlink_to(real)
    done = _validate(copy)
    assert done.returncode == 1
    assert "agreements.parquet: a symbolic link inside the release (refused)" in done.stdout
    assert "agreements.parquet refused: agreements.parquet: a symbolic link" in done.stdout


def test_datapackage_naming_a_device_is_refused(release, tmp_path):
    copy = _copy(release, tmp_path)
    package = json.loads((copy / "datapackage.json").read_text())
    package["resources"][0]["path"] = "/dev/zero"
    (copy / "datapackage.json").write_text(json.dumps(package))
    digest = sha256_file(copy / "datapackage.json")
    _rewrite_sums(copy, lambda text: "\n".join(
        f"{digest}  datapackage.json" if line.endswith("  datapackage.json") else line for line in text.splitlines()
    ) + "\n")
    done = _validate(copy)
    assert done.returncode == 1
    assert "datapackage.json names /dev/zero: not a plain relative path" in done.stdout


def test_manifest_hashes_are_checked_too(release, tmp_path):
    """A copy whose SHA256SUMS and datapackage.json were rewritten to match a changed table
    still disagrees with manifest.json."""
    copy = _copy(release, tmp_path)
    with (copy / "organisations.parquet").open("ab") as handle:
        handle.write(b"\0")
    package = json.loads((copy / "datapackage.json").read_text())
    for resource in package["resources"]:
        resource["hash"] = "sha256:" + sha256_file(copy / resource["path"])
    (copy / "datapackage.json").write_text(json.dumps(package))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"].pop("DATA_DICTIONARY.md")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    write_checksums(copy)
    done = _validate(copy)
    assert done.returncode == 1
    assert "organisations.parquet: sha256 differs from manifest.json" in done.stdout
    assert "DATA_DICTIONARY.md: not listed in manifest.json" in done.stdout
    assert "differs from SHA256SUMS" not in done.stdout and "differs from datapackage.json" not in done.stdout


def test_a_file_above_the_size_bound_is_refused_before_it_is_read(release, tmp_path):
    copy = _copy(release, tmp_path)
    with (copy / "huge.bin").open("wb") as handle:  # sparse: no disk space, no time to create
        handle.truncate(MAX_FILE_BYTES + 1)
    _rewrite_sums(copy, lambda text: text + f"{'0' * 64}  huge.bin\n")
    done = _validate(copy)
    assert done.returncode == 1
    assert f"huge.bin: {MAX_FILE_BYTES + 1} bytes, more than the {MAX_FILE_BYTES} allowed" in done.stdout


@pytest.mark.parametrize(
    ("file", "content"),
    [("SHA256SUMS", "not a checksum line\n"), ("manifest.json", "{not json"), ("datapackage.json", "[1, 2]")],
)
def test_garbled_metadata_is_answered_with_reasons_not_a_traceback(release, tmp_path, file, content):
    copy = _copy(release, tmp_path)
    (copy / file).write_text(content)
    done = _validate(copy)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.strip() == "", done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].startswith("NOT trusted")


def test_validate_a_fifo_or_missing_folder_answers(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    for target in (tmp_path / "pipe", tmp_path / "missing"):
        done = _validate(target)
        assert done.returncode == 1
        assert f"{target} is not a folder" in done.stdout
