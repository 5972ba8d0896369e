"""Runs into one output folder never mix their inputs: each run stages its tables in its own
folder, a run that did not produce an input reads the file the latest materialisation
recorded, and one lock serialises publishing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from pipeline.build import build_tables
from pipeline.defs import RELEASE_JOB, build_definitions
from pipeline.defs.resources import referenced_run_ids, remove_stale_run_folders
from pipeline.defs.run import describe_failure, run_release
from pipeline.publish.checksums import verify_checksums
from pipeline.publish.release import LOCK_FILE, publish_release
from pipeline.publish.staging import Owner, PublishLockTimeout, current_owner, exclusive_lock, write_owner

from .conftest import RAW

#: Two seed articles (with money, organisations and agreements, so every blocking check
#: holds); each raw folder holds them under names only it uses.
SEEDS = sorted(RAW.glob("*.txt"))[:2]


def _raw_folder(root: Path, tag: str, seeds: list[Path] = SEEDS) -> Path:
    """A folder of seed articles under names only this folder uses."""
    folder = root / f"raw-{tag}"
    folder.mkdir()
    for seed in seeds:
        shutil.copy(seed, folder / f"{tag}_{seed.name}")
    return folder


def _sources(release: Path) -> tuple[set[str], set[str]]:
    """Source files in the manifest, and in documents.parquet."""
    manifest = json.loads((release / "manifest.json").read_text())
    documents = pq.read_table(release / "documents.parquet", columns=["source_file"]).column(0).to_pylist()
    return {s["source_file"] for s in manifest["sources"]}, set(documents)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path), "GX_ANALYTICS_ENABLED": "false", **extra}


def _concurrent_releases(tmp_path: Path, count: int, env: dict[str, str]) -> tuple[Path, dict[Path, Path]]:
    """``count`` real ``python -m pipeline release`` processes started together into one
    output folder, each on its own raw folder; the output folder and raw folder -> release."""
    out = tmp_path / "out"
    raws = [_raw_folder(tmp_path, f"run{i}") for i in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(raw), "--output-dir", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env,
        )
        for raw in raws
    ]
    releases = {}
    for raw, process in zip(raws, processes, strict=True):
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr[-3000:]
        releases[raw] = Path(stdout.strip().splitlines()[-1])
    return out, releases


def _assert_each_release_holds_only_its_own_sources(out: Path, releases: dict[Path, Path]) -> None:
    for raw, release in releases.items():
        own = {p.name for p in raw.iterdir()}
        in_manifest, in_documents = _sources(release)
        assert in_manifest == own, (raw.name, in_manifest)
        assert in_documents == own, (raw.name, in_documents)
        assert verify_checksums(release) == []
    versions = json.loads((out / "releases" / "versions.json").read_text())
    assert sorted(v["version"] for v in versions["versions"]) == sorted(r.name for r in releases.values())
    assert versions["latest"] in {r.name for r in releases.values()}
    assert len({r.name for r in releases.values()}) == len(releases)
    assert not [p for p in (out / "releases").iterdir() if p.name.startswith(".staging-")]


@pytest.mark.slow
def test_two_concurrent_releases_into_one_folder_keep_their_inputs_apart(tmp_path):
    out, releases = _concurrent_releases(tmp_path, 2, _env(tmp_path))
    _assert_each_release_holds_only_its_own_sources(out, releases)
    assert [p.name for p in (out / "tables" / "runs").iterdir()] == []  # ephemeral runs leave no tables


@pytest.mark.slow
def test_four_concurrent_releases_with_one_new_dagster_home_keep_their_inputs_apart(dagster_home, tmp_path):
    """Four processes also create the home's SQLite instance at once (was: two alembic heads)."""
    out, releases = _concurrent_releases(tmp_path, 4, _env(tmp_path, DAGSTER_HOME=str(dagster_home)))
    _assert_each_release_holds_only_its_own_sources(out, releases)
    instance = dg.DagsterInstance.get()
    assert len(instance.get_runs()) == 4 and all(run.is_success for run in instance.get_runs())
    runs = out / "tables" / "runs"
    referenced = referenced_run_ids(instance, runs)
    assert referenced and referenced <= {p.name for p in runs.iterdir()}  # no recorded file was removed
    remove_stale_run_folders(runs, instance, keep=set())  # what the next run does when it starts
    assert {p.name for p in runs.iterdir()} == referenced


def test_a_single_asset_materialisation_reads_the_files_its_upstreams_recorded(dagster_home, tmp_path):
    """The UI's "materialise release" alone: its inputs come from the run that last
    materialised them (their recorded path), not from a shared file another run rewrote."""
    instance = dg.DagsterInstance.get()
    out = tmp_path / "out"
    first_raw = _raw_folder(tmp_path, "first")
    second_raw = _raw_folder(tmp_path, "second")
    run_release(first_raw, out, instance=instance)
    first_run = instance.get_runs()[0].run_id
    run_release(second_raw, out, instance=instance)
    second_run = instance.get_runs()[0].run_id
    runs = out / "tables" / "runs"
    # the second run's release step removed the first run's tables: finished and unreferenced
    assert sorted(p.name for p in runs.iterdir()) == [second_run]
    recorded = instance.get_latest_materialization_event(dg.AssetKey("documents")).asset_materialization
    assert Path(recorded.metadata["path"].value) == runs / second_run / "documents.parquet"

    # a third raw folder configured, but only the release asset is materialised
    defs = build_definitions(str(_raw_folder(tmp_path, "third")), str(out))
    result = defs.resolve_job_def(RELEASE_JOB).execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("release")]
    )
    assert result.success
    release = Path(result.asset_materializations_for_node("release")[0].metadata["path"].value)
    own = {p.name for p in second_raw.iterdir()}
    assert _sources(release) == (own, own)
    assert first_run not in {p.name for p in runs.iterdir()}
    assert (runs / second_run / "documents.parquet").exists()  # still the latest materialisation's file


def test_an_input_whose_recorded_file_is_gone_fails_with_a_clear_message(dagster_home, tmp_path):
    instance = dg.DagsterInstance.get()
    out = tmp_path / "out"
    run_release(_raw_folder(tmp_path, "only"), out, instance=instance)
    shutil.rmtree(out / "tables" / "runs")
    job = build_definitions(str(tmp_path / "raw-only"), str(out)).resolve_job_def(RELEASE_JOB)
    result = job.execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("monetary_figures")], raise_on_error=False
    )
    assert not result.success
    message = describe_failure(result)
    assert "recorded by the latest materialisation of documents" in message
    assert "materialise documents again" in message


@pytest.fixture(scope="module")
def seed_tables():
    return build_tables(RAW)


def test_a_second_publisher_waits_for_the_lock(seed_tables, tmp_path, monkeypatch):
    tables, sources = seed_tables
    releases = tmp_path / "releases"
    releases.mkdir()
    released = threading.Event()

    def hold_then_release() -> None:
        with exclusive_lock(releases / LOCK_FILE, timeout=5):
            released.wait(timeout=30)

    holder = threading.Thread(target=hold_then_release)
    holder.start()
    try:
        monkeypatch.setenv("PIPELINE_PUBLISH_LOCK_TIMEOUT", "300")
        threading.Timer(0.5, released.set).start()
        published = publish_release(tables, sources, tmp_path)
    finally:
        released.set()
        holder.join()
    assert json.loads((releases / "versions.json").read_text())["latest"] == published.version


def test_a_second_publisher_gives_up_after_the_timeout_with_a_clear_message(seed_tables, tmp_path, monkeypatch):
    tables, sources = seed_tables
    releases = tmp_path / "releases"
    releases.mkdir()
    monkeypatch.setenv("PIPELINE_PUBLISH_LOCK_TIMEOUT", "0.2")
    with exclusive_lock(releases / LOCK_FILE, timeout=5):
        with pytest.raises(PublishLockTimeout) as failed:
            publish_release(tables, sources, tmp_path)
    message = str(failed.value)
    assert f"another publisher (pid {os.getpid()} on" in message
    assert "for more than 0.2 s; nothing was published" in message
    assert sorted(p.name for p in releases.iterdir()) == [LOCK_FILE]


def test_run_folders_are_removed_only_when_their_run_is_over_and_of_this_instance(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    runs = tmp_path / "runs"
    runs.mkdir()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid, host = int(finished.stdout), current_owner().host
    owners = {
        "live-run": current_owner("live-run"),  # this process: still running
        "dead-run": Owner(pid=dead_pid, host=host, started="1", run_id="dead-run"),
        "other-instance-run": Owner(pid=dead_pid, host=host, started="1", run_id="other-instance-run",
                                    instance=str(tmp_path / "another_dagster_home")),
        "other-host-run": Owner(pid=dead_pid, host=f"not-{host}", started="1", run_id="other-host-run"),
    }
    for name, owner in owners.items():
        (runs / name).mkdir()
        write_owner(runs / name, owner)
    (runs / "no-owner-record").mkdir()
    assert remove_stale_run_folders(runs, instance, keep=set()) == ["dead-run"]
    kept = sorted(p.name for p in runs.iterdir())
    assert kept == ["live-run", "no-owner-record", "other-host-run", "other-instance-run"]
