"""The validation resource: a Great Expectations worker process for the run's checks.

Set up when a run starts (the in-process executor sets up every resource its steps need
at once), so the worker imports GX on the other core while the first assets run; torn
down when the run ends. A table is sent to it as soon as its step wrote it
(:func:`pipeline.defs.checks.validate_ahead`), so that it is validated while the next step
runs. The pure worker is :mod:`pipeline.quality.worker`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from pipeline.quality.validation import SuiteResult
from pipeline.quality.worker import ValidationWorker, worker_enabled


class ValidationResource(dg.ConfigurableResource):
    """Validates tables in a worker process started with the run (unless
    ``PIPELINE_VALIDATION_WORKER`` is ``0``); :meth:`validate` returns None when it cannot,
    and the check then validates in the run's process."""

    _worker: ValidationWorker | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if worker_enabled():
            self._worker = ValidationWorker()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def submit(self, name: str, files: Mapping[str, Path], previous_counts: dict[str, int] | None) -> bool:
        """Send table ``name`` to the worker now (its check later reads the reply); False
        when there is no worker or it cannot take it."""
        return self._worker is not None and self._worker.submit(name, files, previous_counts)

    def validate(
        self, name: str, files: Mapping[str, Path], previous_counts: dict[str, int] | None,
        log: dg.DagsterLogManager | None = None,
    ) -> SuiteResult | None:
        """The worker's result for table ``name``, or None (logged, with the reason)."""
        if self._worker is None:
            return None
        result = self._worker.validate(name, files, previous_counts)
        if result is None and log is not None:
            log.warning(f"{name}: validating in this process ({self._worker.failure})")
        return result
