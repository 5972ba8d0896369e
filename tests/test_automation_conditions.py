"""The automation conditions, evaluated by Dagster's own evaluator on a real instance.

Events are reported to the instance as the daemon and runs would record them; no run is
launched, so each evaluation takes well under a second."""

from __future__ import annotations

import dagster as dg
import pytest

from pipeline.defs import RELEASE_JOB, build_definitions
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


def test_a_new_raw_version_is_left_to_the_sensor_and_its_named_job(defs):
    """A new raw_folder version launches no declarative run (the sensor's publish_release_job
    run covers it: never two runs for one change)."""
    instance = dg.DagsterInstance.ephemeral()
    observe(instance, "v1")
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert requested(first) == set()  # nothing new since the conditions started
    observe(instance, "v2")
    changed = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert requested(changed) == set()


def test_a_materialisation_outside_a_release_run_requests_everything_downstream_at_once(defs):
    instance = dg.DagsterInstance.ephemeral()
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    instance.report_runless_asset_event(dg.AssetMaterialization("raw_articles"))
    changed = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert requested(changed) == ALL - {"raw_articles"}  # one run of everything downstream and its checks
    same = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=changed.cursor)
    assert requested(same) == set()


def test_the_sensor_requests_the_release_job_once_per_change(defs, tmp_path):
    sensor = defs.resolve_sensor_def("raw_folder_sensor")
    assert sensor.job_name == RELEASE_JOB  # its run requests launch the named job
    resources = defs.resources
    with dg.instance_for_test() as instance:
        def tick(cursor):
            # the resources the sensor asks for, as the daemon gives them (the validation
            # resource, which starts a worker process, is the runs' alone)
            needed = {key: resources[key] for key in sensor.required_resource_keys}
            context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=needed, definitions=defs)
            return sensor(context)

        empty = tick(None)
        assert len(empty.run_requests) == 1  # the folder as first found
        assert tick(empty.cursor).__class__ is dg.SkipReason  # unchanged: no run
        (tmp_path / "raw" / "a.txt").write_text("Acme signed a deal.\n", encoding="utf-8")
        added = tick(empty.cursor)
        assert len(added.run_requests) == 1 and added.cursor != empty.cursor


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
