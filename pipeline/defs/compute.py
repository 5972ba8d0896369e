"""The compute resource: where the assets' per-article work runs.

By default a local process pool over every core (``PIPELINE_WORKERS``, 1 = serial); when
``PIPELINE_DASK_SCHEDULER`` holds a scheduler address (``tcp://10.0.0.5:8786``), the
workers of that Dask distributed cluster. The pure executors are in :mod:`pipeline.compute`.
"""

from __future__ import annotations

import os

import dagster as dg

from pipeline.compute.executors import (
    SCHEDULER_VARIABLE,
    WORKERS_VARIABLE,
    Executor,
    make_executor,
    workers_from_environment,
)


class ComputeResource(dg.ConfigurableResource):
    """Where per-article steps run: ``dask_scheduler`` (an address), else ``workers`` local
    processes (as ``PIPELINE_WORKERS`` is written: empty = one per core, 1 = serial). A
    wrong value fails the step that needs it, with the reason, not the code location."""

    dask_scheduler: str = ""
    workers: str = ""

    def executor(self) -> Executor:
        workers = workers_from_environment({WORKERS_VARIABLE: self.workers})
        return make_executor(self.dask_scheduler or None, workers)


def compute_from_environment() -> ComputeResource:
    """The resource ``PIPELINE_DASK_SCHEDULER`` and ``PIPELINE_WORKERS`` describe."""
    return ComputeResource(
        dask_scheduler=os.environ.get(SCHEDULER_VARIABLE, "").strip(),
        workers=os.environ.get(WORKERS_VARIABLE, "").strip(),
    )
