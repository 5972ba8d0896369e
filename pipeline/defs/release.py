"""The release asset: publish the validated tables as a new, never-modified version."""


import dagster as dg

from pipeline import __version__
from pipeline.defs.resources import RUNS_FOLDER, ParquetIOManager, PipelineSettings, remove_stale_run_folders
from pipeline.build import source_records
from pipeline.publish.release import publish_release
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import read_table


@dg.asset(
    group_name="news_agreements",
    code_version=__version__,
    deps=["raw_articles", *TABLE_NAMES],
    description="Publishes `outputs/releases/<version>/` (Parquet tables, `datapackage.json`, "
    "`DATA_DICTIONARY.md`, validation report, `manifest.json`, `SHA256SUMS`) and marks it latest "
    "in `versions.json`. Runs only when every blocking table check passed. The tables' files are "
    "copied from this run and their checks' results reused: nothing is validated twice, and no "
    "table is loaded into pandas.",
)
def release(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    parquet_io_manager: dg.ResourceParam[ParquetIOManager],
) -> dg.MaterializeResult:
    files = {name: parquet_io_manager.table_file(context.instance, context.run_id, name)
             for name in ("raw_articles", *TABLE_NAMES)}
    missing = sorted(name for name, f in files.items() if f is None)
    if missing:
        raise dg.Failure(f"no Parquet file of {', '.join(missing)} in run {context.run_id} or recorded by a "
                         "materialisation: materialise those assets first")
    published = publish_release(
        {},  # every table is a file of this run: no frame is needed
        source_records(read_table(files["raw_articles"].path, skip=["text"])),  # the texts are not listed
        settings.output_path,
        run_id=context.run_id,
        files={name: f for name, f in files.items() if name in TABLE_NAMES and f is not None},
    )
    for note in published.notes:
        context.log.warning(f"repaired the releases folder: {note}")
    runs = settings.tables_path / RUNS_FOLDER
    if runs.is_dir():
        removed = remove_stale_run_folders(runs, context.instance, keep={context.run_id})
        if removed:
            context.log.info(f"removed the tables of {len(removed)} finished, unreferenced runs: {removed}")
    for warning in published.warnings:
        context.log.warning(warning)
    if published.unchanged:
        context.log.info(f"unchanged: the tables equal the latest release {published.version}; nothing published")
    return dg.MaterializeResult(
        metadata={
            "version": published.version,
            "unchanged": published.unchanged,
            "path": dg.MetadataValue.path(str(published.path)),
            "row_counts": dg.MetadataValue.json(published.row_counts),
            "warnings": len(published.warnings),
            "repairs": dg.MetadataValue.json(published.notes),
            # tables validated in this step because no check result was kept for their bytes
            "validated_here": dg.MetadataValue.json(published.validated),
            "data_dictionary": dg.MetadataValue.path(str(published.path / "DATA_DICTIONARY.md")),
        }
    )
