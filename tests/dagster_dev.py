"""`dagster dev` for tests and benchmarks: a real server on a free loopback port with its own
temporary DAGSTER_HOME, started in its own process group and always stopped as a group."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
import urllib.request

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_instance(home: Path) -> Path:
    """A DAGSTER_HOME folder with SQLite storage inside it, telemetry off and no first-visit
    ("Join the Dagster community") dialog over the UI, as in the project's dagster.yaml."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {home}/storage\ntelemetry:\n  enabled: false\nnux:\n  enabled: false\n"
    )
    return home


@contextmanager
def dagster_dev(home: Path, env: Mapping[str, str]) -> Iterator[int]:
    """Run ``dagster dev`` (webserver and daemon) of this project with DAGSTER_HOME ``home``
    and the extra environment ``env``; yields its port. SIGTERM to the whole process group on
    exit, SIGKILL if it has not stopped within 20 s."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=dict(os.environ, DAGSTER_HOME=str(home), GX_ANALYTICS_ENABLED="false", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def graphql(port: int, query: str, variables: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
    """The ``data`` of a GraphQL query to the server on ``port``."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())["data"]


def wait_for_assets(port: int, timeout: float = 180) -> list[dict[str, Any]]:
    """The asset nodes (key, checks flag) once the server on ``port`` has loaded the code
    location; AssertionError naming the port when it has not within ``timeout`` seconds."""
    query = "{ assetNodes { assetKey { path } hasAssetChecks } }"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            nodes = graphql(port, query, timeout=5).get("assetNodes")
            if nodes:
                return nodes
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        time.sleep(1)
    raise AssertionError(f"dagster dev on 127.0.0.1:{port} listed no assets within {timeout:.0f} s")
