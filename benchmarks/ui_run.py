"""Benchmark: the release job launched as the UI launches it, versus the command line.

    .venv/bin/python benchmarks/ui_run.py [--raw-dir raw]

Starts `dagster dev` (temporary DAGSTER_HOME, free loopback port, automation off so that
nothing else runs), launches ``publish_release_job`` through its GraphQL API (what the
UI's "Materialize all" / "Launch run" does: the daemon dequeues it and starts a run
process), and prints the run's own duration and the time from launch to finish. Then runs
``python -m pipeline release`` on the same folder into another empty output folder. Both
start cold (no extraction cache). A benchmark prints figures; no test times anything.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.dagster_dev import dagster_dev, graphql, new_instance  # noqa: E402
SELECTOR = {"repositoryLocationName": "news_agreements", "repositoryName": "__repository__"}
LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
STATUS = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status startTime endTime } } }"""


def ui_run(raw_dir: Path, tmp: Path) -> tuple[float, float]:
    """(run duration as the UI shows it, seconds from launch to finish)."""
    home = new_instance(tmp / "home")
    env = {"PIPELINE_RAW_DIR": str(raw_dir), "PIPELINE_OUTPUT_DIR": str(tmp / "out-ui"), "PIPELINE_AUTOMATION": "off"}
    with dagster_dev(home, env) as port:
        deadline = time.monotonic() + 180
        while True:
            try:
                if graphql(port, "{ assetNodes { id } }")["assetNodes"]:
                    break
            except (OSError, ValueError, KeyError, TypeError):
                if time.monotonic() > deadline:
                    raise
            time.sleep(1)
        launched = time.time()
        result = graphql(port, LAUNCH, {"p": {"selector": SELECTOR | {"jobName": "publish_release_job"}, "runConfigData": {}}})
        run_id = result["launchRun"]["run"]["runId"]
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            run = graphql(port, STATUS, {"id": run_id})["runOrError"]
            if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
                if run["status"] != "SUCCESS":
                    raise RuntimeError(f"run {run_id} ended {run['status']}")
                return run["endTime"] - run["startTime"], run["endTime"] - launched
            time.sleep(0.5)
        raise RuntimeError(f"run {run_id} did not finish within 600 s")


def cli_run(raw_dir: Path, tmp: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(raw_dir), "--output-dir", str(tmp / "out-cli")],
        check=True, capture_output=True, cwd=tmp,
        env=dict(os.environ, GX_ANALYTICS_ENABLED="false", DAGSTER_HOME=str(tmp / "home")),
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", default=str(ROOT / "raw"))
    args = parser.parse_args()
    raw_dir = Path(args.raw_dir).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        duration, wall = ui_run(raw_dir, Path(tmp))
        cli = cli_run(raw_dir, Path(tmp))
    print(f"UI-launched run of publish_release_job: {duration:.1f} s run duration, {wall:.1f} s from launch to finish")
    print(f"command line (python -m pipeline release): {cli:.1f} s")


if __name__ == "__main__":
    main()
