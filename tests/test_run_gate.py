"""The gate inside a real Dagster run, both ways: an integrity defect stops the release with
an ERROR check and leaves versions.json untouched; a meaning defect (what an article says)
publishes with a WARN check, the flag in the row, and the manifest and validation report
listing it."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from pipeline.build import build_monetary_figures
from pipeline.defs import ASSETS, RELEASE_JOB, build_definitions
from pipeline.defs.assets import monetary_figures as real_monetary_figures
from pipeline.defs.checks import SUITE_CHECKS
from pipeline.defs.run import describe_failure, run_release
from pipeline.publish.checksums import recorded_sha256, sha256_file
from pipeline.quality.validation import result_path

AMOUNT_MISSING = 'a figure has an amount (the source may omit the number: "invest billion")'


def _check(instance: dg.DagsterInstance, asset: str, kind: str = "suite") -> tuple[bool, str]:
    record = instance.get_latest_asset_check_evaluation_record(dg.AssetCheckKey(dg.AssetKey(asset), f"{asset}_{kind}"))
    evaluation = record.event.dagster_event.event_specific_data
    return evaluation.passed, evaluation.severity.value


def _definitions_with_a_broken_extractor(raw_dir: Path, output_dir: Path) -> dg.Definitions:
    """The real definitions (assets, checks, resources, job) but for a monetary_figures
    asset whose first figure's evidence ends past its document: a fault of the pipeline,
    not of an article, which no real input can produce."""
    real = build_definitions(str(raw_dir), str(output_dir))

    @dg.asset(name="monetary_figures", group_name="extraction", io_manager_key="parquet_io_manager")
    def broken_monetary_figures(documents: pd.DataFrame) -> pd.DataFrame:
        frame = build_monetary_figures(documents)
        frame.loc[0, "end"] = 10**7
        return frame

    return dg.Definitions(
        assets=[a for a in ASSETS if a is not real_monetary_figures] + [broken_monetary_figures],
        asset_checks=SUITE_CHECKS,
        jobs=[dg.define_asset_job(RELEASE_JOB, selection=dg.AssetSelection.all())],
        resources=real.resources,
    )


def test_an_integrity_defect_blocks_with_error_and_publishes_nothing(articles_dir, dagster_home, tmp_path):
    instance = dg.DagsterInstance.get()
    out = tmp_path / "out"
    good = run_release(articles_dir, out, instance=instance)
    releases = out / "releases"
    versions_before = (releases / "versions.json").read_text()
    folders_before = sorted(p.name for p in releases.iterdir())

    job = _definitions_with_a_broken_extractor(articles_dir, out).resolve_job_def(RELEASE_JOB)
    result = job.execute_in_process(instance=instance, raise_on_error=False)

    assert not result.asset_materializations_for_node("release")
    message = describe_failure(result)
    assert "check monetary_figures_suite failed (ERROR)" in message
    assert "evidence lies inside its document" in message and "1 of " in message and '"end": 10000000' in message
    assert _check(instance, "monetary_figures") == (False, "ERROR")
    assert (releases / "versions.json").read_text() == versions_before
    assert sorted(p.name for p in releases.iterdir()) == folders_before
    assert json.loads(versions_before)["latest"] == good.name
    release = instance.get_latest_materialization_event(dg.AssetKey("release"))
    assert Path(release.asset_materialization.metadata["path"].value) == good


def test_a_meaning_defect_publishes_with_warn_and_the_flag_listed(articles_dir, dagster_home, tmp_path):
    """The seeds say "China promised to invest billion": a figure without its number."""
    instance = dg.DagsterInstance.get()
    path = run_release(articles_dir, tmp_path / "out", instance=instance)

    figures = pq.read_table(path / "monetary_figures.parquet").to_pandas()
    (row,) = figures[figures["amount"].isna()].itertuples()
    assert row.text == "billion" and list(row.quality_flags) == ["amount_missing"]
    assert all(len(f) == 0 for f in figures[figures["amount"].notna()]["quality_flags"])

    manifest = json.loads((path / "manifest.json").read_text())
    validation = manifest["validation"]
    assert validation["success"] is True and validation["blocking_failures"] == 0
    (warned,) = [w for w in validation["warned"] if w["rule"] == AMOUNT_MISSING]
    assert warned["flag"] == "amount_missing" and warned["unexpected_count"] == 1
    assert warned["observed"] == f"1 of {len(figures)} rows break it"
    assert warned["examples"][0]["figure_id"] == row.figure_id
    assert validation["quality_flags"]["monetary_figures"] == {"amount_missing": 1}
    assert validation["flagged_rows"]["monetary_figures"] == 1

    report = json.loads((path / "validation" / "results.json").read_text())
    assert report["suites"]["monetary_figures"]["quality_flags"] == {"amount_missing": 1}
    (outcome,) = [e for e in report["suites"]["monetary_figures"]["expectations"] if e["rule"] == AMOUNT_MISSING]
    assert outcome["success"] is False and outcome["severity"] == "warning" and outcome["flag"] == "amount_missing"
    assert outcome["examples"][0]["text"] == "billion" and outcome["examples"][0]["quality_flags"] == ["amount_missing"]
    assert "amount_missing" in (path / "validation" / "index.html").read_text()
    assert "`amount_missing`" in (path / "DATA_DICTIONARY.md").read_text()

    # the blocking check passed; the warnings check, not blocking, failed with WARN
    assert _check(instance, "monetary_figures") == (True, "ERROR")
    assert _check(instance, "monetary_figures", "warnings") == (False, "WARN")
    assert _check(instance, "agreements")[0] is True

    # validated once: the release holds the run's file, byte for byte, and the result its
    # check kept beside that file
    run_file = Path(materialization_path(instance, "monetary_figures"))
    assert sha256_file(path / "monetary_figures.parquet") == recorded_sha256(run_file)
    kept = json.loads(result_path(run_file).read_text())["result"]
    assert kept == report["suites"]["monetary_figures"]
    published = instance.get_latest_materialization_event(dg.AssetKey("release")).asset_materialization
    assert published.metadata["validated_here"].value == []  # every table's result came from its check
    materialization = instance.get_latest_materialization_event(dg.AssetKey("monetary_figures"))
    assert materialization.asset_materialization.metadata["flagged_rows"].value == 1


def materialization_path(instance: dg.DagsterInstance, asset: str) -> str:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return str(event.asset_materialization.metadata["path"].value)

