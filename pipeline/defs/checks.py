"""Blocking asset checks: each table's stored Great Expectations suite.

A failed critical expectation fails its check with ERROR severity, so no asset downstream
(the release among them) runs; failed warning-level expectations are reported with WARN.
"""


import dagster as dg
import pandas as pd

from pipeline.validation import SuiteResult, validate_table


def check_result(result: SuiteResult) -> dg.AssetCheckResult:
    failures = result.blocking_failures + result.warnings
    return dg.AssetCheckResult(
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR if result.blocking_failures else dg.AssetCheckSeverity.WARN,
        metadata={
            "rows": result.row_count,
            "expectations": len(result.outcomes),
            "failed_blocking": len(result.blocking_failures),
            "failed_warning": len(result.warnings),
            "failures": dg.MetadataValue.md(result.describe_failures() or "none"),
        },
        description=f"{len(result.outcomes) - len(failures)}/{len(result.outcomes)} expectations hold",
    )


def run_suite(name: str, **tables: pd.DataFrame) -> dg.AssetCheckResult:
    return check_result(validate_table(name, tables[name], tables))


def _description(name: str) -> str:
    return f"Great Expectations suite schemas/suites/{name}.json, derived from schemas/tables/{name}.schema.json."


@dg.asset_check(asset="documents", blocking=True, description=_description("documents"))
def documents_suite(documents: pd.DataFrame) -> dg.AssetCheckResult:
    return run_suite("documents", documents=documents)


@dg.asset_check(asset="organisations", blocking=True, description=_description("organisations"))
def organisations_suite(organisations: pd.DataFrame) -> dg.AssetCheckResult:
    return run_suite("organisations", organisations=organisations)


@dg.asset_check(
    asset="organisation_mentions",
    blocking=True,
    description=_description("organisation_mentions"),
    additional_ins={"documents": dg.AssetIn("documents"), "organisations": dg.AssetIn("organisations")},
)
def organisation_mentions_suite(
    organisation_mentions: pd.DataFrame, documents: pd.DataFrame, organisations: pd.DataFrame
) -> dg.AssetCheckResult:
    return run_suite(
        "organisation_mentions",
        organisation_mentions=organisation_mentions,
        documents=documents,
        organisations=organisations,
    )


@dg.asset_check(
    asset="monetary_figures",
    blocking=True,
    description=_description("monetary_figures"),
    additional_ins={"documents": dg.AssetIn("documents")},
)
def monetary_figures_suite(monetary_figures: pd.DataFrame, documents: pd.DataFrame) -> dg.AssetCheckResult:
    return run_suite("monetary_figures", monetary_figures=monetary_figures, documents=documents)


@dg.asset_check(
    asset="agreements",
    blocking=True,
    description=_description("agreements"),
    additional_ins={"documents": dg.AssetIn("documents"), "monetary_figures": dg.AssetIn("monetary_figures")},
)
def agreements_suite(
    agreements: pd.DataFrame, documents: pd.DataFrame, monetary_figures: pd.DataFrame
) -> dg.AssetCheckResult:
    return run_suite("agreements", agreements=agreements, documents=documents, monetary_figures=monetary_figures)


SUITE_CHECKS = [
    documents_suite,
    organisations_suite,
    organisation_mentions_suite,
    monetary_figures_suite,
    agreements_suite,
]
