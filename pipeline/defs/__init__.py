"""Dagster definitions: the only part of the package that imports dagster.

``dagster dev`` and ``dagster definitions validate`` load ``defs`` from here (see
``[tool.dagster]`` in pyproject.toml); ``build_definitions`` makes the same definitions for
other folders (``python -m pipeline release --raw-dir DIR --output-dir DIR``).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipeline.defs.automation import automated, automation_definitions, raw_folder
from pipeline.defs.assets import agreements, documents, monetary_figures, organisation_tables, raw_articles
from pipeline.defs.checks import SUITE_CHECKS, validate_ahead
from pipeline.defs.compute import compute_from_environment
from pipeline.defs.release import release
from pipeline.defs.resources import ParquetIOManager, PipelineSettings, default_output_dir, default_raw_dir
from pipeline.defs.validation import ValidationResource

ASSETS = [raw_articles, documents, organisation_tables, monetary_figures, agreements, release]
RELEASE_JOB = "publish_release_job"


def build_definitions(raw_dir: str | None = None, output_dir: str | None = None) -> dg.Definitions:
    raw_dir = raw_dir or default_raw_dir()
    output_dir = output_dir or default_output_dir()
    settings = PipelineSettings(raw_dir=raw_dir, output_dir=output_dir)
    release_job = dg.define_asset_job(
        RELEASE_JOB,
        selection=dg.AssetSelection.all(),
        description="Materialise every asset from raw/ and publish a release.",
        executor_def=dg.in_process_executor,
        hooks={validate_ahead},  # each table's validation starts when its step wrote it
    )
    return dg.Definitions(
        assets=[*automated(ASSETS), raw_folder],
        asset_checks=SUITE_CHECKS,
        jobs=[release_job],
        # One process per run (not one per step, each importing Dagster and GX again): UI
        # and automation runs cost about what `python -m pipeline release` costs.
        executor=dg.in_process_executor,
        **automation_definitions(release_job),
        resources={
            "settings": settings,
            "compute": compute_from_environment(),
            "parquet_io_manager": ParquetIOManager(base_dir=str(settings.tables_path)),
            "validation": ValidationResource(),
        },
    )


defs = build_definitions()
