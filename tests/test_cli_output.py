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


def run_in_terminal(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> tuple[int, str]:
    """Runs ``command`` with a pseudo-terminal as stdin, stdout and stderr (as in a shell
    window); its exit code and everything it drew."""
    import os
    import pty
    import select
    import time

    master, slave = pty.openpty()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(master)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_a_terminal_gets_a_bar_per_article_step(tmp_path: Path) -> None:
    sys.path.append(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_corpus import write_corpus

    write_corpus(tmp_path / "raw", 120)  # more than a step keeps in one process: the workers report
    code, screen = run_in_terminal(
        [str(SCRIPT), "release", "--raw-dir", str(tmp_path / "raw"), "--output-dir", str(tmp_path / "out")],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GX_ANALYTICS_ENABLED": "false",
             "PIPELINE_EXTRACTION": "rules", "TERM": "xterm", "COLUMNS": "100", "LINES": "30"},
        cwd=tmp_path,
    )
    assert code == 0, screen[-3000:]
    for step in ("cleaning", "organisations", "money", "agreements"):
        assert re.search(rf"{step}: +\d+%\|.*\| \d+/120 \[", screen), (step, screen[-3000:])  # its own bar
    assert re.search(r"\d+/10 \[", screen), screen[-3000:]  # the bar over the steps
    assert "[10/10] release " in screen
