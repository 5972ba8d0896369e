"""Resources: where the raw articles are read and where outputs are written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster._core.execution.context.output import RUN_ID_PLACEHOLDER

from pipeline.compute.memory import give_back_memory
from pipeline.paths import PROJECT_ROOT
from pipeline.publish.checksums import record_sha256, recorded_sha256
from pipeline.publish.release import TableFile
from pipeline.publish.staging import Owner, current_owner, owner_alive, read_owner, write_owner
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import read_table, write_table

#: The folder, under the IO manager's base folder, holding one folder of tables per run.
RUNS_FOLDER = "runs"
RESULTS_FOLDER = "validations"


def default_raw_dir() -> str:
    return os.environ.get("PIPELINE_RAW_DIR", str(PROJECT_ROOT / "raw"))


def default_output_dir() -> str:
    return os.environ.get("PIPELINE_OUTPUT_DIR", str(PROJECT_ROOT / "outputs"))


class PipelineSettings(dg.ConfigurableResource):
    """Folders of one deployment: raw articles in, tables and releases out."""

    raw_dir: str
    output_dir: str

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir).resolve()

    @property
    def output_path(self) -> Path:
        return Path(self.output_dir).resolve()

    @property
    def tables_path(self) -> Path:
        """The Parquet IO manager's folder (one sub-folder per run under ``runs/``)."""
        return self.output_path / "tables"


def instance_identity(instance: dg.DagsterInstance) -> str | None:
    """The folder of a persistent instance (which owns the run folders it records), None
    for an ephemeral one."""
    return None if instance.is_ephemeral else str(Path(instance.root_directory).resolve())


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores each table asset of a run as ``<base_dir>/runs/<run_id>/<asset>.parquet``
    (typed by its schema file when it is a release table, so the UI's tables are real
    Parquet files), written to a temporary name and renamed: concurrent runs never share
    or half-read a file.

    An input produced in the same run (or its parent, on re-execution) is read from that
    run's folder; an input this run did not produce (a UI materialisation of one asset) is
    read from the exact file its latest materialisation recorded (``path`` metadata).
    """

    base_dir: str

    def run_folder(self, run_id: str) -> Path:
        return Path(self.base_dir).resolve() / RUNS_FOLDER / run_id

    def results_folder(self) -> Path:
        """The store of validation results by key, shared by the runs (``<base_dir>/validations``)."""
        return Path(self.base_dir).resolve() / RESULTS_FOLDER

    def _claim_run_folder(self, run_id: str, instance: dg.DagsterInstance) -> Path:
        """This run's folder, created with its owner record on first use; creating it also
        removes the folders of finished runs that nothing references any more."""
        folder = self.run_folder(run_id)
        if folder.is_dir():
            return folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        fresh = folder.parent / f".new-{run_id}-{os.getpid()}"
        fresh.mkdir()
        write_owner(fresh, current_owner(run_id, instance_identity(instance)))
        try:
            os.rename(fresh, folder)
        except OSError:  # another step process of this run made it first
            shutil.rmtree(fresh, ignore_errors=True)
        remove_stale_run_folders(folder.parent, instance, keep={run_id})
        return folder

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        name = context.asset_key.path[-1]
        path = self._claim_run_folder(context.run_id, context.step_context.instance) / f"{name}.parquet"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        if name in TABLE_NAMES:
            write_table(name, obj, tmp)
        else:
            obj.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        digest = record_sha256(path)
        context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), "sha256": digest})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        give_back_memory()  # what the steps before this one freed
        key = context.asset_key
        upstream = context.upstream_output
        run_id = None
        if upstream is not None:
            try:
                run_id = upstream.run_id
            except dg.DagsterInvariantViolationError:
                run_id = None
        # An input no step of this run (or of its parent run) produced gets an artificial
        # upstream context whose run id is Dagster's placeholder (FromLoadableAsset in
        # dagster/_core/execution/plan/inputs.py): read what the latest materialisation recorded.
        if run_id is not None and run_id != RUN_ID_PLACEHOLDER:
            path = self.run_folder(run_id) / f"{key.path[-1]}.parquet"
            if not path.exists():
                raise FileNotFoundError(
                    f"{path} does not exist: the tables of run {run_id} were removed; materialise "
                    f"{key.to_user_string()} again"
                )
            return read_table(path)
        return read_table(recorded_path(context.instance, key))

    def table_file(self, instance: dg.DagsterInstance, run_id: str, name: str) -> TableFile | None:
        """The Parquet file a step of run ``run_id`` reads table ``name`` from, with its
        recorded sha256: this run's file, else the one its latest materialisation recorded;
        None when there is neither."""
        path = self.run_folder(run_id) / f"{name}.parquet"
        if not path.exists():
            try:
                path = recorded_path(instance, dg.AssetKey(name))
            except FileNotFoundError:
                return None
        return TableFile(path=path, sha256=recorded_sha256(path))


def recorded_path(instance: dg.DagsterInstance, key: dg.AssetKey) -> Path:
    """The file the latest materialisation of ``key`` recorded as its ``path``."""
    event = instance.get_latest_materialization_event(key)
    materialization = event.asset_materialization if event is not None else None
    if materialization is None or "path" not in materialization.metadata:
        raise FileNotFoundError(
            f"no materialisation of {key.to_user_string()} with a path is recorded in this Dagster "
            "instance: materialise it first"
        )
    path = Path(str(materialization.metadata["path"].value))
    if not path.exists():
        raise FileNotFoundError(
            f"{path}, recorded by the latest materialisation of {key.to_user_string()} (run "
            f"{event.run_id}), no longer exists: materialise {key.to_user_string()} again"
        )
    return path


def referenced_run_ids(instance: dg.DagsterInstance, runs_dir: Path) -> set[str]:
    """Runs whose folder under ``runs_dir`` holds the latest materialisation of some asset."""
    referenced = set()
    for key in instance.get_asset_keys():
        event = instance.get_latest_materialization_event(key)
        materialization = event.asset_materialization if event is not None else None
        path = materialization.metadata.get("path") if materialization is not None else None
        if path is not None and Path(str(path.value)).parent.parent == runs_dir:
            referenced.add(Path(str(path.value)).parent.name)
    return referenced


def run_folder_removable(owner: Owner | None, instance: dg.DagsterInstance, referenced: set[str]) -> bool:
    """Whether a run folder may go: never one recorded by a latest materialisation, nor one
    whose run may still be running, nor one of another persistent instance (whose records
    this run cannot see), nor one without an owner record."""
    if owner is None or owner.run_id is None or owner.run_id in referenced:
        return False
    mine = instance_identity(instance)
    if owner.instance is not None and owner.instance != mine:
        return False
    if owner.instance is not None:
        run = instance.get_run_by_id(owner.run_id)
        if run is not None:
            return run.is_finished
    return not owner_alive(owner)


def remove_stale_run_folders(runs_dir: Path, instance: dg.DagsterInstance, keep: set[str]) -> list[str]:
    """Remove the run folders that :func:`run_folder_removable` allows; their run ids."""
    try:
        referenced = referenced_run_ids(instance, runs_dir) | keep
        folders = sorted(runs_dir.iterdir())
    except OSError:  # tidying up never fails a run
        return []
    removed = []
    for folder in folders:
        if folder.is_symlink() or not folder.is_dir():
            continue
        if folder.name.startswith("."):  # a run folder being created: removable once its creator died
            owner = read_owner(folder)
            if owner is not None and not owner_alive(owner):
                shutil.rmtree(folder, ignore_errors=True)
            continue
        if run_folder_removable(read_owner(folder), instance, referenced):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
