"""No change, no release; otherwise CHANGES.md and a delta per table, by stable id.

Real extraction, real Great Expectations validation, real Parquet, the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.build import build_tables
from pipeline.publish.changes import canonical_json, row_id
from pipeline.publish.release import publish_release
from pipeline.schemas import TABLE_NAMES

from .conftest import ROOT

EXTRA = (
    "Lisbon utility signs grid deal\n\n"
    "Energias de Portugal signed a 40 million euro agreement with Siemens on Tuesday to "
    "modernise the grid around Lisbon, the companies said.\n"
)


def publish(raw_dir: Path, out: Path):
    tables, sources = build_tables(raw_dir)
    return publish_release(tables, sources, out)


def rows(folder: Path, name: str) -> dict[str, dict]:
    return {row_id(name, r): r for r in pq.read_table(folder / f"{name}.parquet").to_pylist()}


def delta(folder: Path, name: str) -> list[dict]:
    lines = (folder / "changes" / f"{name}.delta.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_equal_tables_publish_nothing(raw_dir, tmp_path):
    first = publish(raw_dir, tmp_path / "out")
    (raw_dir / "notes.txt").write_bytes(b"")  # a rejected file changes no table
    again = publish(raw_dir, tmp_path / "out")
    assert again.unchanged and again.version == first.version and again.path == first.path
    versions = json.loads((tmp_path / "out" / "releases" / "versions.json").read_text())
    assert [v["version"] for v in versions["versions"]] == [first.version]
    assert sorted(p.name for p in (tmp_path / "out" / "releases").iterdir() if not p.name.startswith(".")) == sorted([first.version, "versions.json", "index.json", "index.html", "archives"])


def test_changes_list_added_modified_and_deleted_rows_by_stable_id(raw_dir, tmp_path):
    first = publish(raw_dir, tmp_path / "out")
    files = sorted(raw_dir.glob("*.txt"))
    removed, edited, untouched = files[0], files[1], files[2:]
    removed.unlink()
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOfficials expect a second round of talks in May.\n",
                      encoding="utf-8")
    (raw_dir / "zz_lisbon-grid.txt").write_text(EXTRA, encoding="utf-8")
    second = publish(raw_dir, tmp_path / "out")
    assert not second.unchanged and second.version != first.version

    manifest = json.loads((second.path / "manifest.json").read_text())
    assert manifest["previous_version"] == first.version
    assert set(manifest["content_digests"]) == set(TABLE_NAMES)
    documents = {(r["op"], r["id"]) for r in delta(second.path, "documents")}
    assert documents == {("DEL", removed.stem), ("MOD", edited.stem), ("ADD", "zz_lisbon-grid")}
    changes = (second.path / "CHANGES.md").read_text(encoding="utf-8")
    assert f"Compared with release `{first.version}`" in changes
    for line in (f"- DEL `{removed.stem}`", f"- MOD `{edited.stem}`", "- ADD `zz_lisbon-grid`"):
        assert line in changes

    for name in TABLE_NAMES:
        before, after = rows(first.path, name), rows(second.path, name)
        # applying the delta to the previous release gives exactly this release
        patched = dict(before)
        lines = (second.path / "changes" / f"{name}.delta.jsonl").read_text(encoding="utf-8").splitlines()
        # each line is its record's canonical JSON (rows encoded once for their digest are reused)
        assert lines == [canonical_json(json.loads(line)) for line in lines], name
        for record in delta(second.path, name):
            if record["op"] == "DEL":
                del patched[record["id"]]
            else:
                assert (record["op"] == "ADD") == (record["id"] not in before), record
                patched[record["id"]] = record["row"]
        assert {k: canonical_json(v) for k, v in patched.items()} == {k: canonical_json(v) for k, v in after.items()}, name
        assert manifest["changes"][name]["ADD"] == sum(r["op"] == "ADD" for r in delta(second.path, name))
        # ids stay the same for unchanged content: the untouched articles' rows are not in the delta
        if name != "organisations":
            touched = {r["id"].split(":")[0] for r in delta(second.path, name)}
            assert touched.isdisjoint({p.stem for p in untouched}), (name, touched)


def test_cli_prints_unchanged_and_the_latest_folder_last(tmp_path):
    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(ROOT / "raw"), "--output-dir", str(tmp_path / "out")],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
            env={"PATH": str(Path(sys.executable).parent), "GX_ANALYTICS_ENABLED": "false", "HOME": str(tmp_path)},
        )

    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    folder = first.stdout.strip().splitlines()[-1]
    second = run()
    assert second.returncode == 0, second.stderr[-3000:]
    lines = second.stdout.strip().splitlines()
    assert lines[-1] == folder
    assert lines[-2].startswith("unchanged:") and Path(folder).name in lines[-2]
    assert len(list((tmp_path / "out" / "releases").glob("2*"))) == 1
