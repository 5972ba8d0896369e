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
    Executor,
    make_executor,
    workers_from_environment,
)


class ComputeResource(dg.ConfigurableResource):
    """Where per-article steps run: ``dask_scheduler`` (an address) or ``workers`` local
    processes (0 = one per core, 1 = serial)."""

    dask_scheduler: str = ""
    workers: int = 0

    def executor(self) -> Executor:
        return make_executor(self.dask_scheduler or None, self.workers or None)


def compute_from_environment() -> ComputeResource:
    """The resource ``PIPELINE_DASK_SCHEDULER`` and ``PIPELINE_WORKERS`` describe."""
    return ComputeResource(
        dask_scheduler=os.environ.get(SCHEDULER_VARIABLE, "").strip(), workers=workers_from_environment()
    )
