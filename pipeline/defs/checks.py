"""Blocking asset checks: each table's stored Great Expectations suite.

A failed critical (integrity) expectation fails its check with ERROR severity, so no asset
downstream (the release among them) runs and the latest release stays as it was; failed
warning-level expectations (meaning rules such as a figure whose number the source omits,
whose rows carry the rule's flag in ``quality_flags``, and whole-table assertions such as a
drift against the previous release) fail the check with WARN severity, which blocks
nothing and shows in the UI with what was observed.

Each check loads the tables its suite refers to (documents for evidence and row counts per
document, the targets of references) and the previous release's row counts for drift.
"""


import dagster as dg
import pandas as pd

from pipeline.defs.resources import PipelineSettings
from pipeline.publish.release import latest_release
from pipeline.quality.validation import SuiteResult, validate_table


def check_result(result: SuiteResult, **key: str) -> dg.AssetCheckResult:
    """The check's result for a suite's outcome; ``key`` names the asset and check when one
    step checks several tables (``asset_key=..., check_name=...``)."""
    failures = result.blocking_failures + result.warnings
    return dg.AssetCheckResult(
        **key,
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR if result.blocking_failures else dg.AssetCheckSeverity.WARN,
        metadata={
            "rows": result.row_count,
            "expectations": len(result.outcomes),
            "failed_blocking": len(result.blocking_failures),
            "failed_warning": len(result.warnings),
            "flagged_rows": result.flagged_rows,
            "quality_flags": dg.MetadataValue.json(result.flag_counts),
            "failures": dg.MetadataValue.md(result.describe_failures() or "none"),
        },
        description=f"{len(result.outcomes) - len(failures)}/{len(result.outcomes)} expectations hold",
    )


def run_suite(name: str, settings: PipelineSettings, **tables: pd.DataFrame) -> SuiteResult:
    previous = latest_release(settings.output_path / "releases")
    return validate_table(name, tables[name], tables, previous["row_counts"] if previous else None)


def _description(name: str) -> str:
    return f"Great Expectations suite schemas/suites/{name}.json, derived from schemas/tables/{name}.schema.json."


def _ins(*names: str) -> dict[str, dg.AssetIn]:
    return {n: dg.AssetIn(n) for n in names}


@dg.asset_check(asset="documents", blocking=True, description=_description("documents"))
def documents_suite(settings: PipelineSettings, documents: pd.DataFrame) -> dg.AssetCheckResult:
    return check_result(run_suite("documents", settings, documents=documents))


@dg.multi_asset_check(
    name="organisation_tables_suites",
    specs=[
        dg.AssetCheckSpec("organisations_suite", asset="organisations", blocking=True,
                          additional_deps=["documents", "organisation_mentions"],
                          description=_description("organisations")),
        dg.AssetCheckSpec("organisation_mentions_suite", asset="organisation_mentions", blocking=True,
                          additional_deps=["documents", "organisations"],
                          description=_description("organisation_mentions")),
    ],
    ins=_ins("organisations", "organisation_mentions", "documents"),
    description="The two organisation tables come from one step and refer to each other "
    "(every mention's organisation exists; every organisation has a mention), so one check "
    "step runs both suites.",
)
def organisation_tables_suites(
    settings: PipelineSettings,
    organisations: pd.DataFrame,
    organisation_mentions: pd.DataFrame,
    documents: pd.DataFrame,
):
    tables = {"organisations": organisations, "organisation_mentions": organisation_mentions, "documents": documents}
    for name in ("organisations", "organisation_mentions"):
        yield check_result(run_suite(name, settings, **tables), asset_key=name, check_name=f"{name}_suite")


@dg.asset_check(
    asset="monetary_figures",
    blocking=True,
    description=_description("monetary_figures"),
    additional_ins=_ins("documents"),
)
def monetary_figures_suite(
    settings: PipelineSettings, monetary_figures: pd.DataFrame, documents: pd.DataFrame
) -> dg.AssetCheckResult:
    return check_result(run_suite("monetary_figures", settings, monetary_figures=monetary_figures, documents=documents))


@dg.asset_check(
    asset="agreements",
    blocking=True,
    description=_description("agreements"),
    additional_ins=_ins("documents", "monetary_figures", "organisations"),
)
def agreements_suite(
    settings: PipelineSettings,
    agreements: pd.DataFrame,
    documents: pd.DataFrame,
    monetary_figures: pd.DataFrame,
    organisations: pd.DataFrame,
) -> dg.AssetCheckResult:
    return check_result(
        run_suite(
            "agreements", settings,
            agreements=agreements, documents=documents, monetary_figures=monetary_figures, organisations=organisations,
        )
    )


SUITE_CHECKS = [
    documents_suite,
    organisation_tables_suites,
    monetary_figures_suite,
    agreements_suite,
]
