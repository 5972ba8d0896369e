"""Shared fixtures: real folders of articles, a real Dagster instance in a temporary home."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
GOLD = ROOT.parent / "shared" / "gold"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A copy of the five seed articles in a temporary raw folder."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for path in sorted(RAW.glob("*.txt")):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def articles_dir(raw_dir: Path) -> Path:
    """The five seed articles plus three bad files (empty, binary, legacy-encoded)."""
    folder = raw_dir
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "legacy.txt").write_bytes(
        "Caf\u00e9 deal\n\nGazprom signed a \u00a3120 million contract with a caf\u00e9 in Paris.\n".encode("cp1252")
    )
    return folder


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary DAGSTER_HOME with SQLite storage and telemetry off."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {home / 'storage'}\ntelemetry:\n  enabled: false\n"
    )
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home
