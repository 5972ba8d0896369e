"""The release job on a real Dask distributed cluster (``distributed.LocalCluster``: a
scheduler and two worker processes on 127.0.0.1) publishes byte-identical tables to a
local run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import pytest

from pipeline.compute import steps as steps_module
from pipeline.compute.executors import DaskExecutor
from pipeline.compute.steps import MIN_PARALLEL_ARTICLES
from pipeline.defs.run import run_release

from .synthetic_corpus import write_corpus


def table_digests(release: Path) -> dict[str, str]:
    """sha256 of every Parquet table file of a release folder."""
    files = sorted(release.rglob("*.parquet"))
    assert files, f"no Parquet table in {release}"
    return {p.relative_to(release).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def batches_run_on_workers() -> int:
    return steps_module.batches_run


@pytest.mark.slow
def test_a_dask_cluster_publishes_the_tables_of_a_local_run(tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    monkeypatch.setenv("PIPELINE_EXTRACTION", "rules")
    raw = tmp_path / "raw"
    write_corpus(raw, 3 * MIN_PARALLEL_ARTICLES)
    monkeypatch.setenv("PIPELINE_WORKERS", "1")
    local = run_release(raw, tmp_path / "local", instance=dg.DagsterInstance.ephemeral())

    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster, Client(cluster) as client:
        monkeypatch.setenv("PIPELINE_DASK_SCHEDULER", cluster.scheduler_address)
        on_dask = run_release(raw, tmp_path / "dask", instance=dg.DagsterInstance.ephemeral())
        ran = client.run(batches_run_on_workers)
    assert len(ran) == 2 and sum(ran.values()) >= 4  # four steps, each in batches on the workers
    assert table_digests(on_dask) == table_digests(local)


def test_an_address_without_a_scheduler_is_named_in_the_error():
    executor = DaskExecutor("tcp://127.0.0.1:9", connect_timeout=1)  # the discard port: nothing listens
    with pytest.raises(ConnectionError, match="PIPELINE_DASK_SCHEDULER=tcp://127.0.0.1:9"):
        executor.map(len, ["a"])
