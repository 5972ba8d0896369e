"""The automation conditions, evaluated by Dagster's own evaluator on a real instance.

Events are reported to the instance as the daemon and runs would record them; no run is
launched, so each evaluation takes well under a second."""

from __future__ import annotations

import dagster as dg
import pytest

from pipeline.defs import build_definitions
from pipeline.defs.automation import RAW_FOLDER, AutomationSettings

ALL = {"raw_articles", "documents", "organisation_mentions", "organisations", "monetary_figures", "agreements", "release"}


@pytest.fixture
def defs(tmp_path) -> dg.Definitions:
    (tmp_path / "raw").mkdir()
    return build_definitions(str(tmp_path / "raw"), str(tmp_path / "out"))


def observe(instance: dg.DagsterInstance, version: str) -> None:
    instance.report_runless_asset_event(dg.AssetObservation(RAW_FOLDER, tags={"dagster/data_version": version}))


def requested(result) -> set[str]:
    return {name for name in ALL if result.get_num_requested(dg.AssetKey(name))}


def test_a_new_raw_version_requests_every_asset_at_once_and_nothing_after(defs):
    instance = dg.DagsterInstance.ephemeral()
    observe(instance, "v1")
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert requested(first) == set()  # nothing new since the conditions started
    observe(instance, "v2")
    changed = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert requested(changed) == ALL  # one run of every asset and its checks
    observe(instance, "v2")  # observed again, same data version
    same = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=changed.cursor)
    assert requested(same) == set()


def test_no_asset_is_built_on_a_failed_blocking_check(defs):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)

    def documents_updated(passed: bool):
        instance.report_runless_asset_event(dg.AssetMaterialization("documents"))
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(asset_key=dg.AssetKey("documents"), check_name="documents_suite", passed=passed,
                                    severity=dg.AssetCheckSeverity.ERROR)
        )
        return dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)

    failed = documents_updated(passed=False)
    assert requested(failed) == set()
    result = failed
    passed = documents_updated(passed=True)
    # everything downstream of documents (organisation_tables is one step with two outputs)
    assert {"organisation_mentions", "organisations", "monetary_figures"} <= requested(passed)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("PIPELINE_AUTOMATION", raising=False)
    assert AutomationSettings.from_env().default_status == dg.DefaultSensorStatus.RUNNING
    monkeypatch.setenv("PIPELINE_AUTOMATION", "off")
    monkeypatch.setenv("PIPELINE_RELEASE_CRON", "30 2 * * 1")
    monkeypatch.setenv("PIPELINE_WATCH_SECONDS", "7")
    settings = AutomationSettings.from_env()
    assert settings == AutomationSettings(watch_seconds=7, release_cron="30 2 * * 1", enabled=False)
    assert settings.default_schedule_status == dg.DefaultScheduleStatus.STOPPED
