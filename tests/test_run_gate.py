"""The gate inside a real Dagster run: a blocking expectation stops the release; warnings
are published with it and shown on the checks."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from pipeline.defs.run import RunFailed, run_release

NO_ORGANISATIONS = [
    "Rain returns to the valley\n\nRain fell on the valley for a third day on Tuesday. "
    "Farmers said the fields were wet and the river was high.",
    "A quiet week in the hills\n\nThe hills were quiet this week. Walkers said the paths "
    "were muddy and the views were fine.",
    "Snow expected at the weekend\n\nForecasters expect snow on Saturday. Roads in the north "
    "may close for a few hours.",
]


def _check(instance: dg.DagsterInstance, asset: str) -> tuple[bool, str]:
    record = instance.get_latest_asset_check_evaluation_record(dg.AssetCheckKey(dg.AssetKey(asset), f"{asset}_suite"))
    evaluation = record.event.dagster_event.event_specific_data
    return evaluation.passed, evaluation.severity.value


def test_a_blocking_failure_publishes_nothing_and_says_why(articles_dir, dagster_home, tmp_path):
    instance = dg.DagsterInstance.get()
    out = tmp_path / "out"
    good = run_release(articles_dir, out, instance=instance)
    releases = out / "releases"
    versions_before = (releases / "versions.json").read_text()
    folders_before = sorted(p.name for p in releases.iterdir())

    bad = tmp_path / "weather"
    bad.mkdir()
    for i, text in enumerate(NO_ORGANISATIONS):
        (bad / f"weather_{i}.txt").write_text(text, encoding="utf-8")
    with pytest.raises(RunFailed) as failed:
        run_release(bad, out, instance=instance)

    message = str(failed.value)
    assert "organisation_mentions_suite failed (ERROR)" in message
    assert "at least 0.5 rows per document" in message
    assert (releases / "versions.json").read_text() == versions_before
    assert sorted(p.name for p in releases.iterdir()) == folders_before
    assert json.loads(versions_before)["latest"] == good.name
    assert _check(instance, "organisation_mentions") == (False, "ERROR")
    release = instance.get_latest_materialization_event(dg.AssetKey("release"))
    assert Path(release.asset_materialization.metadata["path"].value) == good


def test_a_warning_only_run_publishes_with_its_warnings_listed(articles_dir, dagster_home, tmp_path):
    instance = dg.DagsterInstance.get()
    path = run_release(articles_dir, tmp_path / "out", instance=instance)
    rule = 'a figure has an amount (the source may omit the number: "invest billion")'
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["validation"]["success"] is True
    assert manifest["validation"]["blocking_failures"] == 0
    assert {"table": "monetary_figures", "rule": rule, "unexpected_count": 1} in manifest["validation"]["warned"]
    report = json.loads((path / "validation" / "results.json").read_text())
    (outcome,) = [e for e in report["suites"]["monetary_figures"]["expectations"] if e["rule"] == rule]
    assert outcome["success"] is False and outcome["severity"] == "warning"
    assert outcome["examples"][0]["text"] == "billion" and outcome["examples"][0]["doc_id"]
    assert _check(instance, "monetary_figures") == (False, "WARN")
    assert _check(instance, "agreements")[0] is True
