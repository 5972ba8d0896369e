"""The installed console script in a fresh shell: quiet by default (a line per step on
stderr, no Dagster DEBUG), Dagster's log lines with --verbose, the release folder last on stdout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "news-agreements"


def release(raw_dir: Path, out: Path, home: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """``news-agreements release`` with nothing of this session's environment (no venv on PATH)."""
    return subprocess.run(
        [str(SCRIPT), "release", "--raw-dir", str(raw_dir), "--output-dir", str(out), *flags],
        capture_output=True, text=True, timeout=600, cwd=home,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "GX_ANALYTICS_ENABLED": "false",
             "PIPELINE_EXTRACTION": "rules"},
    )


@pytest.mark.slow
def test_console_script_is_quiet_by_default_and_verbose_on_request(raw_dir: Path, tmp_path: Path) -> None:
    assert SCRIPT.is_file(), f"{SCRIPT} is not installed: pip install -e . declares it in [project.scripts]"
    quiet = release(raw_dir, tmp_path / "out", tmp_path)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    folder = Path(quiet.stdout.strip().splitlines()[-1])
    assert folder.parent == tmp_path / "out" / "releases" and (folder / "manifest.json").is_file()
    steps = re.findall(r"^\[(\d+)/(\d+)\] (.+) \(\d+\.\d s\)$", quiet.stderr, re.M)
    assert [int(n) for n, _, _ in steps] == list(range(1, len(steps) + 1)) and steps[-1][0] == steps[-1][1], quiet.stderr
    summaries = "\n".join(s for _, _, s in steps)
    assert "raw_articles 5 rows" in summaries and "documents 5 rows" in summaries
    assert f"release {folder.name}" in summaries
    assert re.search(r"documents_suite (passed|warning)", summaries)
    assert "DEBUG" not in quiet.stderr and "BetaWarning" not in quiet.stderr, quiet.stderr[:3000]

    verbose = release(raw_dir, tmp_path / "out", tmp_path, "--verbose")
    assert verbose.returncode == 0, verbose.stderr[-3000:]
    assert " - DEBUG - " in verbose.stderr and "STEP_SUCCESS" in verbose.stderr
    assert verbose.stdout.strip().splitlines()[-1] == str(folder)  # unchanged tables: the same release
