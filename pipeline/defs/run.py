"""Run the release job in-process (what ``python -m pipeline release`` does)."""

import os
import shutil
import sys
from pathlib import Path

import dagster as dg

from pipeline.defs import RELEASE_JOB, build_definitions
from pipeline.defs.progress import Report, StepProgress, progress_logger
from pipeline.publish.staging import exclusive_lock

#: Seconds to wait for another process that is opening (or creating) the same instance.
INSTANCE_LOCK_TIMEOUT = 300.0


class RunFailed(RuntimeError):
    """The job did not publish a release; the message says why."""


def instance_for_cli() -> dg.DagsterInstance:
    """The instance of DAGSTER_HOME when set (runs then show in ``dagster dev``), else an
    ephemeral one. Opening it holds a lock in DAGSTER_HOME: processes that open a new
    SQLite instance at the same moment would otherwise each create its schema and leave
    it with two alembic heads."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        lock = Path(home) / ".pipeline-instance.lock"
        with exclusive_lock(lock, INSTANCE_LOCK_TIMEOUT, "process opening this Dagster instance"):
            return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_release(
    raw_dir: Path,
    output_dir: Path,
    instance: dg.DagsterInstance | None = None,
    report: Report | None = None,
    verbose: bool = True,
) -> Path:
    """Materialise every asset on ``raw_dir`` into ``output_dir``; the published release folder.
    ``report`` receives a line per finished step and each warning the pipeline logs;
    ``verbose=False`` leaves Dagster's own log lines out."""
    if not raw_dir.is_dir():
        raise RunFailed(f"raw folder {raw_dir} does not exist or is not a folder")
    output_dir.mkdir(parents=True, exist_ok=True)
    defs = build_definitions(str(raw_dir.resolve()), str(output_dir.resolve()))
    job = defs.resolve_job_def(RELEASE_JOB)
    if instance is None:
        instance = instance_for_cli()
    progress = StepProgress(report or (lambda line: None), len(job.graph.nodes), sys.stderr if report else None)
    loggers = {"progress": (progress_logger(progress), {})}
    if verbose:  # Dagster's console logger as it is by default
        loggers["console"] = (dg.colored_console_logger, {"config": {"log_level": "DEBUG"}})
    job = job.with_logger_defs({name: logger for name, (logger, _) in loggers.items()})
    try:  # naming the loggers in the run config replaces Dagster's default console logger
        result = job.execute_in_process(
            run_config={"loggers": {name: config for name, (_, config) in loggers.items()}},
            instance=instance,
            raise_on_error=False,
        )
    finally:
        progress.close()
    if instance.is_ephemeral:  # nothing outlives this process to load the run's tables again
        shutil.rmtree(defs.resources["parquet_io_manager"].run_folder(result.run_id), ignore_errors=True)
    for event in result.asset_materializations_for_node("release"):
        return Path(event.metadata["path"].value)
    raise RunFailed(describe_failure(result))


def describe_failure(result: dg.ExecuteInProcessResult) -> str:
    """Why a run published nothing: the failed checks (blocking ``_suite`` ones, ERROR,
    first; then ``_warnings`` ones, WARN, which block nothing), then the failed steps."""
    lines = [f"run {result.run_id} published no release."]
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    for evaluation in sorted(failed, key=lambda e: e.severity != dg.AssetCheckSeverity.ERROR):
        failures = evaluation.metadata.get("failures")
        text = failures.value if failures is not None else ""
        lines.append(f"check {evaluation.check_name} failed ({evaluation.severity.value}):\n{text}")
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            lines.append(f"step {event.step_key} failed: {error.message.strip()}")
            while error.cause is not None:  # the user's exception under Dagster's wrapper
                error = error.cause
                lines.append(f"  caused by {error.message.strip()}")
    return "\n".join(lines)
