"""A release killed at any point leaves no partial version visible and a valid versions.json
naming a complete release; the next run removes what the killed run left, and lists (or sets
aside) a version folder whose listing was interrupted."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import build_tables
from pipeline.publish.checksums import verify_checksums
from pipeline.publish.release import (
    ASIDE_PREFIX,
    LOCK_FILE,
    STAGING_PREFIX,
    VERSION_PATTERN,
    publish_release,
    recover_releases,
)
from pipeline.publish.staging import Owner, current_owner, owner_alive, read_owner, write_owner

from .conftest import RAW


def _release(raw: Path, out: Path, tmp_path: Path, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path), "GX_ANALYTICS_ENABLED": "false"}
    if fault:
        env["PIPELINE_FAULT_POINT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(raw), "--output-dir", str(out)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env,
    )


def _visible_versions(releases: Path) -> list[Path]:
    return sorted(p for p in releases.iterdir() if VERSION_PATTERN.match(p.name))


def _assert_consistent(releases: Path) -> dict:
    """versions.json parses, names a latest release that verifies, and every version folder
    in view is complete (its checksums hold)."""
    versions = json.loads((releases / "versions.json").read_text())
    listed = [v["version"] for v in versions["versions"]]
    assert versions["latest"] in listed
    for folder in _visible_versions(releases):
        assert verify_checksums(folder) == [], folder.name  # an owner record would be listed here too
    return versions


def _add_article(raw: Path, name: str, n: int) -> None:
    (raw / f"{name}.txt").write_text(
        f"Acme Corp signs deal number {n}\n\nAcme Corp signed a ${n} million supply deal with "
        f"Beta Holdings plc on Monday, its chief executive said.\n",
        encoding="utf-8",
    )


@pytest.mark.slow
def test_sigkill_at_each_point_then_the_next_run_repairs_and_publishes(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted(RAW.glob("*.txt"))[:2]:
        shutil.copy(seed, raw / seed.name)
    out = tmp_path / "out"
    releases = out / "releases"
    tables, sources = build_tables(raw)
    first = publish_release(tables, sources, out)

    for n, point in enumerate(("before_staging", "mid_write", "after_rename"), 1):
        _add_article(raw, point, n)  # new content each time: an unchanged run publishes nothing
        done = _release(raw, out, tmp_path, fault=point)
        assert done.returncode == -signal.SIGKILL, (point, done.stderr[-2000:])
        versions = _assert_consistent(releases)
        stagings = [p for p in releases.iterdir() if p.name.startswith(STAGING_PREFIX)]
        if point == "mid_write":  # a half-written staging folder, owned by a dead process
            assert len(stagings) == 1 and (stagings[0] / "documents.parquet").exists()
            owner = read_owner(stagings[0])
            assert owner is not None and not owner_alive(owner)
        if point == "after_rename":  # complete, in place, not yet listed; the previous one still latest
            listed = {v["version"] for v in versions["versions"]}
            unlisted = [p for p in _visible_versions(releases) if p.name not in listed]
            assert len(unlisted) == 1 and verify_checksums(unlisted[0]) == []
            assert versions["latest"] == first.version
            interrupted = unlisted[0].name
            assert not stagings  # the mid_write leftover was removed by this run before it staged

    _add_article(raw, "after_the_faults", 4)
    done = _release(raw, out, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    final = Path(done.stdout.strip().splitlines()[-1])
    assert f"listed {interrupted}: complete (checksums verified)" in done.stderr
    versions = _assert_consistent(releases)
    assert versions["latest"] == final.name
    assert [v["version"] for v in versions["versions"]] == [first.version, interrupted, final.name]
    assert {p.name for p in _visible_versions(releases)} == {first.version, interrupted, final.name}
    assert not [p for p in releases.iterdir() if p.name.startswith((STAGING_PREFIX, ASIDE_PREFIX))]
    assert list((out / "tables" / "runs").iterdir()) == []  # killed runs' tables removed too


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tables, sources = build_tables(RAW)
    out = tmp_path_factory.mktemp("out")
    return publish_release(tables, sources, out), out / "releases"


def _releases_copy(published, tmp_path: Path) -> Path:
    """A writable copy of a releases folder holding one published version."""
    copy = tmp_path / "releases"
    shutil.copytree(published[1], copy, ignore=shutil.ignore_patterns(LOCK_FILE))
    for p in [copy, *copy.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return copy


def test_an_unlisted_complete_version_is_verified_and_listed(published, tmp_path):
    release, _ = published
    copy = _releases_copy(published, tmp_path)
    (copy / "versions.json").write_text(json.dumps({"versions": []}))
    assert recover_releases(copy) == [
        f"listed {release.version}: complete (checksums verified) but unlisted after an interrupted run"
    ]
    versions = json.loads((copy / "versions.json").read_text())
    assert versions["latest"] == release.version
    assert versions["versions"][0]["row_counts"] == release.row_counts
    assert (copy / release.version).stat().st_mode & 0o777 == 0o555  # frozen like any published version


def test_an_unlisted_version_that_does_not_verify_is_moved_aside_with_a_note(published, tmp_path):
    release, _ = published
    copy = _releases_copy(published, tmp_path)
    shutil.copytree(copy / release.version, copy / "2099-01-01T000000Z")
    with (copy / "2099-01-01T000000Z" / "agreements.parquet").open("ab") as handle:
        handle.write(b"torn")
    before = (copy / "versions.json").read_text()
    notes = recover_releases(copy)
    assert len(notes) == 1 and notes[0].startswith("moved 2099-01-01T000000Z aside to .unverified-2099-01-01T000000Z")
    note = (copy / ".unverified-2099-01-01T000000Z.txt").read_text()
    assert "agreements.parquet: sha256 differs from SHA256SUMS" in note
    assert f"manifest.json names version '{release.version}'" in note  # a copy under another name is not that version
    assert (copy / ".unverified-2099-01-01T000000Z" / "SHA256SUMS").exists()
    assert (copy / "versions.json").read_text() == before
    assert (copy / release.version).is_dir()


def test_staging_is_removed_only_when_its_owner_is_dead(published, tmp_path):
    release, _ = published
    copy = _releases_copy(published, tmp_path)
    live, dead = copy / ".staging-2099-01-01T000000Z", copy / ".staging-2099-01-01T000001Z"
    live.mkdir()
    write_owner(live, current_owner("a-live-run"))
    dead.mkdir()
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    write_owner(dead, Owner(pid=int(child.stdout), host=current_owner().host, started="1", run_id="a-killed-run"))
    notes = recover_releases(copy)
    assert notes == [f"removed {dead.name}: staging left by a killed run (pid {child.stdout.strip()} on "
                     f"{current_owner().host}, run a-killed-run)"]
    assert live.is_dir() and not dead.exists()
