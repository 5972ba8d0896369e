"""Asset checks: each table's stored Great Expectations suite, validated once, read as two checks.

- ``<table>_suite`` (blocking): fails, with ERROR severity, only when a critical (integrity)
  expectation fails; then no asset downstream (the release among them) runs and the latest
  release stays as it was.
- ``<table>_warnings`` (not blocking): fails, with WARN severity, when warning-level
  expectations fail: meaning rules (a figure whose number the source omits; such rows carry
  the rule's flag in ``quality_flags``) and whole-table assertions (drift against the
  previous release). Its metadata counts them and names flags and example rows.

One step validates a table once and reports both. It validates the table as loaded from
the run's Parquet file and keeps the result beside that file, keyed by the file's sha256
(and those of the tables the suite reads, and the previous release's row counts): the
release step reuses it for the same bytes instead of validating again.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from pipeline.defs.resources import ParquetIOManager, PipelineSettings
from pipeline.defs.validation import ValidationResource
from pipeline.publish.release import TableFile, latest_release
from pipeline.quality.validation import (
    SuiteResult,
    keep_result,
    kept_result,
    result_path,
    store_result,
    suite_inputs,
    validate_table,
    validation_key,
)
from pipeline.schemas import TABLE_NAMES


def suite_check_name(table: str) -> str:
    """The blocking check of a table: ``documents_suite``."""
    return f"{table}_suite"


def warnings_check_name(table: str) -> str:
    """The non-blocking check of a table's warning-level expectations: ``documents_warnings``."""
    return f"{table}_warnings"


def suite_check_result(result: SuiteResult) -> dg.AssetCheckResult:
    """The blocking check's result: passes unless a critical expectation failed (ERROR)."""
    failures = result.blocking_failures
    return dg.AssetCheckResult(
        asset_key=result.table,
        check_name=suite_check_name(result.table),
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": result.row_count,
            "expectations": len(result.outcomes),
            "failed_blocking": len(failures),
            "failed_warning": len(result.warnings),
            "failures": dg.MetadataValue.md(_lines(result, failures) or "none"),
        },
        description=f"{len(result.outcomes) - len(failures)}/{len(result.outcomes)} expectations hold "
        f"that block a release (warnings: `{warnings_check_name(result.table)}`)",
    )


def warnings_check_result(result: SuiteResult) -> dg.AssetCheckResult:
    """The warnings check's result: fails with WARN severity when warning-level
    expectations fail, naming counts, quality flags and examples."""
    warned = result.warnings
    return dg.AssetCheckResult(
        asset_key=result.table,
        check_name=warnings_check_name(result.table),
        passed=not warned,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows": result.row_count,
            "failed_warning": len(warned),
            "flagged_rows": result.flagged_rows,
            "quality_flags": dg.MetadataValue.json(result.flag_counts),
            "warned_flags": dg.MetadataValue.json(sorted({o.flag for o in warned if o.flag})),
            "failures": dg.MetadataValue.md(_lines(result, warned) or "none"),
        },
        description=f"{len(warned)} warning-level expectations failed" if warned else "no warning-level expectation failed",
    )


def _lines(result: SuiteResult, outcomes: list) -> str:
    """One line per failed expectation (rule, expectation, column, flag, observation with examples)."""
    lines = []
    for o in outcomes:
        where = f" on {o.column}" if o.column else ""
        flag = f" (flag {o.flag})" if o.flag else ""
        lines.append(f"{result.table}: {o.severity} {o.rule}{flag} [{o.expectation}{where}]: {o.observation(result.row_count)}")
    return "\n".join(lines)


def check_results(result: SuiteResult) -> tuple[dg.AssetCheckResult, dg.AssetCheckResult]:
    """Both checks of a table from its one validation: ``<table>_suite``, ``<table>_warnings``."""
    return suite_check_result(result), warnings_check_result(result)


def run_files(name: str, instance: dg.DagsterInstance, run_id: str, io: ParquetIOManager) -> dict[str, TableFile] | None:
    """The file of each table the suite of ``name`` reads, as run ``run_id`` reads it; None
    when one is not known."""
    files = {t: io.table_file(instance, run_id, t) for t in suite_inputs(name)}
    if not all(files.values()):
        return None
    return {t: f for t, f in files.items() if f is not None}


def previous_counts(settings: PipelineSettings) -> dict[str, int] | None:
    """The latest release's row counts (the suites' drift assertions read them); None before any."""
    previous = latest_release(settings.output_path / "releases")
    return previous["row_counts"] if previous else None


def validated(
    name: str,
    context: dg.AssetCheckExecutionContext,
    settings: PipelineSettings,
    io: ParquetIOManager,
    tables: dict[str, pd.DataFrame],
    validation: ValidationResource | None = None,
) -> SuiteResult:
    """Validate table ``name`` once, and keep the result beside its Parquet file for the
    release step (when the run's files of every table the suite reads are known).

    A run whose files equal an earlier run's (the same suite on the same bytes of every
    table it reads, the same previous release) takes that run's result from the store of
    results (:func:`pipeline.quality.validation.kept_result`) instead of validating again;
    the step's log says which ("validated" or "reused the result of the same bytes").
    ``validation`` validates in the run's worker process when it has one (same files, same
    result; already under way when :func:`validate_ahead` sent it), else this process does."""
    counts = previous_counts(settings)
    try:
        files = run_files(name, context.instance, context.run.run_id, io)
    except dg.DagsterError:  # a check called directly, outside a run: no run folder
        files = None
    if files is None:
        return validate_table(name, tables[name], tables, counts)
    key = validation_key(name, {t: f.sha256 for t, f in files.items()}, counts)
    store = io.results_folder()
    result = kept_result(store, key)
    context.log.info(f"{name}: {'reused the result of the same bytes' if result else 'validated'}")
    if result is None:
        if validation is not None:
            result = validation.validate(name, {t: f.path for t, f in files.items()}, counts, context.log)
        if result is None:
            result = validate_table(name, tables[name], tables, counts)
        keep_result(store, key, result)
    store_result(files[name].path, key, result)
    return result


@dg.success_hook(required_resource_keys={"settings", "parquet_io_manager", "validation"})
def validate_ahead(context: dg.HookContext) -> None:
    """After a step of the release job: send each table this run has now written, with every
    table its suite reads, to the validation worker, unless it was sent before or a result is
    kept for those bytes. The worker validates it while the next step runs (the in-process
    executor runs one step at a time, and a table's check step often comes a step later);
    its check then reads the reply instead of waiting for a validation of its own."""
    settings, io = context.resources.settings, context.resources.parquet_io_manager
    validation: ValidationResource = context.resources.validation
    run = context.instance.get_run_by_id(context.run_id)
    selected = run.asset_selection if run is not None else None  # a run of only some assets
    folder = io.run_folder(context.run_id)
    counts = previous_counts(settings)
    for name in TABLE_NAMES:
        if selected and dg.AssetKey(name) not in selected:  # empty: every asset
            continue
        if result_path(folder / f"{name}.parquet").exists():  # its check has run
            continue
        if not all((folder / f"{t}.parquet").exists() for t in suite_inputs(name)):  # not all written yet
            continue
        files = run_files(name, context.instance, context.run_id, io)
        if files is None:
            continue
        if kept_result(io.results_folder(), validation_key(name, {t: f.sha256 for t, f in files.items()}, counts)):
            continue
        if validation.submit(name, {t: f.path for t, f in files.items()}, counts):
            context.log.debug(f"{name}: sent to the validation worker ahead of its check")


def _specs(table: str) -> list[dg.AssetCheckSpec]:
    deps = [t for t in suite_inputs(table) if t != table]
    suite = f"schemas/suites/{table}.json (derived from schemas/tables/{table}.schema.json)"
    return [
        dg.AssetCheckSpec(
            suite_check_name(table), asset=table, blocking=True, additional_deps=deps,
            description=f"Integrity expectations of the Great Expectations suite {suite}: a "
            "failure (ERROR) blocks everything downstream, the release included.",
        ),
        dg.AssetCheckSpec(
            warnings_check_name(table), asset=table, blocking=False, additional_deps=deps,
            description=f"Warning-level expectations of {suite} (meaning rules, drift): a "
            "failure (WARN) is published with the rows' quality flags and blocks nothing.",
        ),
    ]


def _ins(*names: str) -> dict[str, dg.AssetIn]:
    return {n: dg.AssetIn(n) for n in names}


@dg.multi_asset_check(
    name="documents_checks", specs=_specs("documents"), ins=_ins(*suite_inputs("documents")),
    description="Validates documents once; reports documents_suite and documents_warnings.",
)
def documents_checks(
    context: dg.AssetCheckExecutionContext, settings: PipelineSettings, parquet_io_manager: dg.ResourceParam[ParquetIOManager],
    validation: ValidationResource,
    documents: pd.DataFrame,
) -> Iterator[dg.AssetCheckResult]:
    yield from check_results(validated("documents", context, settings, parquet_io_manager, {"documents": documents}, validation))


@dg.multi_asset_check(
    name="organisation_tables_checks",
    specs=_specs("organisations") + _specs("organisation_mentions"),
    ins=_ins("organisations", "organisation_mentions", "documents"),
    description="The two organisation tables come from one step and refer to each other "
    "(every mention's organisation exists; every organisation has a mention), so one check "
    "step validates both, once each.",
)
def organisation_tables_checks(
    context: dg.AssetCheckExecutionContext, settings: PipelineSettings, parquet_io_manager: dg.ResourceParam[ParquetIOManager],
    validation: ValidationResource,
    organisations: pd.DataFrame, organisation_mentions: pd.DataFrame, documents: pd.DataFrame,
) -> Iterator[dg.AssetCheckResult]:
    tables = {"organisations": organisations, "organisation_mentions": organisation_mentions, "documents": documents}
    for name in ("organisations", "organisation_mentions"):
        yield from check_results(validated(name, context, settings, parquet_io_manager, tables, validation))


@dg.multi_asset_check(
    name="monetary_figures_checks", specs=_specs("monetary_figures"), ins=_ins(*suite_inputs("monetary_figures")),
    description="Validates monetary_figures once; reports monetary_figures_suite and monetary_figures_warnings.",
)
def monetary_figures_checks(
    context: dg.AssetCheckExecutionContext, settings: PipelineSettings, parquet_io_manager: dg.ResourceParam[ParquetIOManager],
    validation: ValidationResource,
    monetary_figures: pd.DataFrame, documents: pd.DataFrame,
) -> Iterator[dg.AssetCheckResult]:
    tables = {"monetary_figures": monetary_figures, "documents": documents}
    yield from check_results(validated("monetary_figures", context, settings, parquet_io_manager, tables, validation))


@dg.multi_asset_check(
    name="agreements_checks", specs=_specs("agreements"), ins=_ins(*suite_inputs("agreements")),
    description="Validates agreements once; reports agreements_suite and agreements_warnings.",
)
def agreements_checks(
    context: dg.AssetCheckExecutionContext, settings: PipelineSettings, parquet_io_manager: dg.ResourceParam[ParquetIOManager],
    validation: ValidationResource,
    agreements: pd.DataFrame, documents: pd.DataFrame, monetary_figures: pd.DataFrame, organisations: pd.DataFrame,
) -> Iterator[dg.AssetCheckResult]:
    tables = {"agreements": agreements, "documents": documents, "monetary_figures": monetary_figures,
              "organisations": organisations}
    yield from check_results(validated("agreements", context, settings, parquet_io_manager, tables, validation))


SUITE_CHECKS = [
    documents_checks,
    organisation_tables_checks,
    monetary_figures_checks,
    agreements_checks,
]
