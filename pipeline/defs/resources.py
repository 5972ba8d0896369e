"""Resources: where the raw articles are read and where outputs are written."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pandas as pd

from pipeline.paths import PROJECT_ROOT
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import read_table, write_table


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


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores each table asset as ``<base_dir>/<asset>.parquet``, typed by its schema file
    when it is a release table, so the UI's tables are real Parquet files."""

    base_dir: str

    def _path(self, key: dg.AssetKey) -> Path:
        return Path(self.base_dir) / f"{key.path[-1]}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        name = context.asset_key.path[-1]
        path = self._path(context.asset_key)
        if name in TABLE_NAMES:
            write_table(name, obj, path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            obj.to_parquet(path, index=False)
        context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        path = self._path(context.asset_key)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: materialise {context.asset_key.to_user_string()} first")
        return read_table(path)
