"""A real `dagster dev` with its daemon keeps a release of a temporary raw folder current.

One server (own process group, free loopback port, temporary DAGSTER_HOME) for the whole
story: automation runs by default; an added article gives a new release listing it within
120 s; an untouched folder gives no new run on the next ticks; an edited article is MOD in
CHANGES.md; every run shows under publish_release_job. Every wait is a bounded poll; the
process group is always killed.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from .conftest import RAW
from .dagster_dev import dagster_dev, graphql, new_instance

LOCATION = {"repositoryLocationName": "news_agreements", "repositoryName": "__repository__"}
ACTIVE = "[QUEUED, NOT_STARTED, STARTING, STARTED, CANCELING]"
NEW_ARTICLE = (
    "Port operator agrees terminal deal\n\n"
    "DP World signed a $300 million concession agreement with the government of Senegal on "
    "Monday to build a container terminal, officials said.\n"
)


class Server:
    """GraphQL queries to one running `dagster dev`."""

    def __init__(self, port: int, out: Path) -> None:
        self.port = port
        self.releases = out / "releases"

    def query(self, text: str) -> dict[str, Any]:
        return graphql(self.port, text, timeout=10)

    def sensor(self, name: str) -> dict[str, Any]:
        return self.query(
            f"{{ sensorOrError(sensorSelector: {_graphql(LOCATION | {'sensorName': name})}) {{ __typename "
            "... on Sensor { sensorState { status ticks(limit: 1) { timestamp } "
            "typeSpecificData { ... on SensorData { lastCursor } } } } } }"
        )["sensorOrError"]

    def schedule_status(self, name: str) -> str:
        found = self.query(
            f"{{ scheduleOrError(scheduleSelector: {_graphql(LOCATION | {'scheduleName': name})}) "
            "{ ... on Schedule { scheduleState { status } } } }"
        )["scheduleOrError"]
        return found["scheduleState"]["status"]

    def run_count(self, statuses: str | None = None) -> int:
        where = f"(filter: {{statuses: {statuses}}})" if statuses else ""
        return len(self.query(f"{{ runsOrError{where} {{ ... on Runs {{ results {{ runId }} }} }} }}")["runsOrError"]["results"])

    def job_names(self) -> list[str]:
        runs = self.query("{ runsOrError { ... on Runs { results { jobName } } } }")["runsOrError"]["results"]
        return [r["jobName"] for r in runs]

    def versions(self) -> list[str]:
        path = self.releases / "versions.json"
        return [v["version"] for v in json.loads(path.read_text())["versions"]] if path.exists() else []

    def automation_ticks_after(self, moment: float) -> bool:
        ticks = self.sensor("release_automation")["sensorState"]["ticks"]
        return bool(ticks) and ticks[0]["timestamp"] > moment

    def wait_idle(self, timeout: float) -> None:
        """Until no run is active and the automation sensor ticked twice since (nothing pending)."""
        for _ in range(2):
            moment = time.time()
            poll(lambda: self.run_count(ACTIVE) == 0 and self.automation_ticks_after(moment), timeout, "idle")


def _graphql(selector: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}: "{v}"' for k, v in selector.items()) + "}"


def poll(ready: Callable[[], Any], timeout: float, what: str) -> Any:
    """``ready()``'s first truthy value within ``timeout`` seconds (connection errors retried)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = ready()
            if value:
                return value
        except (OSError, ValueError, KeyError, TypeError):
            pass
        time.sleep(1)
    raise AssertionError(f"not {what} within {timeout} s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    home, raw, out = tmp_path / "home", tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for path in sorted(RAW.glob("*.txt"))[:2]:
        shutil.copy(path, raw / path.name)
    new_instance(home)
    env = {"PIPELINE_RAW_DIR": str(raw), "PIPELINE_OUTPUT_DIR": str(out), "PIPELINE_WATCH_SECONDS": "5"}
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PIPELINE_AUTOMATION", raising=False)  # the default: on
        with dagster_dev(home, env) as port:
            yield Server(port, out), raw


def release_doc_ids(folder: Path) -> set[str]:
    return set(pq.read_table(folder / "documents.parquet", columns=["doc_id"]).column("doc_id").to_pylist())


@pytest.mark.slow
def test_dagster_dev_keeps_the_release_current(server):
    server, raw = server
    # automation is on by default: no toggle to flip
    poll(lambda: server.sensor("raw_folder_sensor")["sensorState"]["status"] == "RUNNING", 180, "serving")
    assert server.sensor("release_automation")["sensorState"]["status"] == "RUNNING"
    assert server.schedule_status("daily_release") == "RUNNING"
    # the folder as found has been observed; whatever that started has finished
    poll(lambda: server.sensor("raw_folder_sensor")["sensorState"]["typeSpecificData"]["lastCursor"], 60, "observed")
    server.wait_idle(120)
    before = server.versions()

    # an added article gives a new release listing it within 120 s
    (raw / "zz_senegal-terminal.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    latest = poll(lambda: server.versions()[-1] if server.versions() != before else None, 120, "released")
    assert "zz_senegal-terminal" in release_doc_ids(server.releases / latest)

    # an untouched folder: the next ticks launch nothing and publish nothing
    server.wait_idle(120)
    runs, versions = server.run_count(), server.versions()
    moment = time.time()
    poll(lambda: server.automation_ticks_after(moment), 60, "ticked")
    moment = time.time()
    poll(lambda: server.automation_ticks_after(moment), 60, "ticked again")
    assert server.run_count() == runs and server.versions() == versions

    # an edited article is MOD in CHANGES.md
    edited = sorted(raw.glob("0*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nTalks on a second contract resume next week.\n",
                      encoding="utf-8")
    newest = poll(lambda: server.versions()[-1] if server.versions() != versions else None, 120, "re-released")
    changes = (server.releases / newest / "CHANGES.md").read_text(encoding="utf-8")
    assert f"- MOD `{edited.stem}`" in changes
    assert f"Compared with release `{latest}`" in changes

    # every run automation launched shows under the named release job
    server.wait_idle(120)
    names = server.job_names()
    assert names and set(names) == {"publish_release_job"}, names
