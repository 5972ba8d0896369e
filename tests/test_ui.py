"""`dagster dev` serves the code location on 127.0.0.1: a real server, stopped as a process group."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dagster_dev_lists_every_asset(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {home}/storage\ntelemetry:\n  enabled: false\n")
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=str(home), GX_ANALYTICS_ENABLED="false",
               PIPELINE_OUTPUT_DIR=str(tmp_path / "out"))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        query = json.dumps({"query": "{ assetNodes { assetKey { path } hasAssetChecks } }"}).encode()
        deadline, data = time.monotonic() + 180, None
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    data = json.loads(response.read())
                if data.get("data", {}).get("assetNodes"):
                    break
            except (OSError, ValueError):
                pass
            time.sleep(1)
        assert data and data["data"]["assetNodes"], "dagster dev did not answer within 180 s"
        nodes = {n["assetKey"]["path"][-1]: n["hasAssetChecks"] for n in data["data"]["assetNodes"]}
        assert set(nodes) == {"raw_folder", "raw_articles", "documents", "organisation_mentions", "organisations",
                              "monetary_figures", "agreements", "release"}
        assert nodes["agreements"] and nodes["documents"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
