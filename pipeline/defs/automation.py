"""Re-runs when the sources change: Dagster watches raw/ and keeps the release current.

- ``raw_folder`` is an observable source asset; its data version is the digest of the raw
  folder's inventory (file names and sha256 of their bytes), so only a real change counts.
- The ``raw_folder_sensor`` computes it every ``PIPELINE_WATCH_SECONDS`` (default 30); when
  the digest differs from its cursor it records an observation and requests one run of
  ``publish_release_job`` (so the run shows under the named job), whose blocking Great
  Expectations checks still stop a bad release. An unchanged folder: no run, no noise.
- Every asset carries a declarative automation condition: ``eager`` (a dependency has a new
  materialisation) and all blocking checks of its dependencies passed, with ``raw_folder``
  ignored (the sensor's job run covers it, so a change never launches two runs). The
  ``release_automation`` sensor evaluates them: an asset materialised by hand in the UI
  propagates downstream, and a failed blocking check is never built upon.

Why not declarative automation alone: its runs go under Dagster's implicit asset job
(``__ASSET_JOB``). Dagster 1.13 can attach a condition to a job (``define_asset_job(...,
automation_condition=...)``, marked preview), but only the default automation sensor, or a
sensor given the hidden internal ``asset_job_keys`` parameter, evaluates it; a plain sensor
with a ``RunRequest`` for the named job is the stable way.
- The ``daily_release`` schedule (``PIPELINE_RELEASE_CRON``, default ``0 5 * * *`` UTC) runs
  the release job as a backstop; a run whose tables equal the latest release publishes
  nothing, so the backstop costs no empty versions.

All three are RUNNING by default: ``make ui`` (``dagster dev`` starts the daemon) needs no
toggle. Set ``PIPELINE_AUTOMATION=off`` to load them stopped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg

from pipeline.defs.resources import PipelineSettings
from pipeline.ingest.fingerprint import inventory, inventory_digest

RAW_FOLDER = dg.AssetKey("raw_folder")
#: A dependency is ready when its blocking checks passed, or when it is requested in this same
#: tick: then its checks run in the same run, and a failure there skips this asset.
DEPENDENCY_READY = (
    dg.AutomationCondition.will_be_requested()
    | dg.AutomationCondition.all_checks_match(dg.AutomationCondition.check_passed(), blocking_only=True)
).with_label("requested now or blocking checks passed")
#: The condition every asset materialises under: a dependency other than ``raw_folder`` was
#: materialised, none is missing or running, and every dependency is ready. A materialisation
#: in the UI thus gives one run of everything downstream (not one run per layer), and a
#: failed blocking check is never built upon. A new ``raw_folder`` version is the sensor's:
#: it requests a ``publish_release_job`` run, and these conditions do not launch a second.
AUTOMATION_CONDITION = (
    dg.AutomationCondition.eager().replace(
        "any_deps_updated",
        dg.AutomationCondition.any_deps_updated().ignore(dg.AssetSelection.assets(RAW_FOLDER)),
    )
    & dg.AutomationCondition.all_deps_match(DEPENDENCY_READY)
).with_label("eager (raw_folder left to raw_folder_sensor), blocking checks respected")


@dataclass(frozen=True)
class AutomationSettings:
    """What the deployment configures through the environment."""

    watch_seconds: int = 30
    release_cron: str = "0 5 * * *"
    enabled: bool = True

    @classmethod
    def from_env(cls) -> AutomationSettings:
        """``PIPELINE_WATCH_SECONDS``, ``PIPELINE_RELEASE_CRON``, ``PIPELINE_AUTOMATION`` (on/off)."""
        return cls(
            watch_seconds=int(os.environ.get("PIPELINE_WATCH_SECONDS", cls.watch_seconds)),
            release_cron=os.environ.get("PIPELINE_RELEASE_CRON", cls.release_cron),
            enabled=os.environ.get("PIPELINE_AUTOMATION", "on").lower() not in ("off", "0", "false", "no"),
        )

    @property
    def default_status(self) -> dg.DefaultSensorStatus:
        return dg.DefaultSensorStatus.RUNNING if self.enabled else dg.DefaultSensorStatus.STOPPED

    @property
    def default_schedule_status(self) -> dg.DefaultScheduleStatus:
        return dg.DefaultScheduleStatus.RUNNING if self.enabled else dg.DefaultScheduleStatus.STOPPED


@dg.observable_source_asset(
    key=RAW_FOLDER,
    group_name="news_agreements",
    description="The raw articles folder. Its data version is a digest of every file name and "
    "sha256: observing it after a change marks everything downstream stale and, with "
    "automation on, re-runs it.",
)
def raw_folder(settings: PipelineSettings) -> dg.ObserveResult:
    return dg.ObserveResult(
        data_version=dg.DataVersion(inventory_digest(settings.raw_path)),
        metadata={"files": len(inventory(settings.raw_path)), "raw_dir": dg.MetadataValue.path(str(settings.raw_path))},
    )


def automated(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The assets with :data:`AUTOMATION_CONDITION`; ``raw_articles`` also depends on ``raw_folder``."""

    def configure(spec: dg.AssetSpec) -> dg.AssetSpec:
        spec = spec.replace_attributes(automation_condition=AUTOMATION_CONDITION)
        return spec.merge_attributes(deps=[RAW_FOLDER]) if spec.key == dg.AssetKey("raw_articles") else spec

    return list(dg.map_asset_specs(configure, assets))


def raw_folder_sensor(settings: AutomationSettings, release_job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    """Observes ``raw_folder``; when its digest changed, records the new data version and
    requests a run of ``release_job``."""

    @dg.sensor(
        name="raw_folder_sensor",
        job=release_job,
        minimum_interval_seconds=settings.watch_seconds,
        default_status=settings.default_status,
        description="When an article is added, removed or edited: records a new data version of "
        "raw_folder and runs publish_release_job.",
    )
    def watch(context: dg.SensorEvaluationContext, settings: PipelineSettings) -> dg.SensorResult | dg.SkipReason:
        if not settings.raw_path.is_dir():
            return dg.SkipReason(f"raw folder {settings.raw_path} does not exist")
        digest = inventory_digest(settings.raw_path)
        if digest == context.cursor:
            return dg.SkipReason("raw folder unchanged")
        observation = dg.AssetObservation(
            asset_key=RAW_FOLDER,
            tags={"dagster/data_version": digest},
            metadata={"files": len(inventory(settings.raw_path))},
        )
        run = dg.RunRequest(tags={"pipeline/raw_digest": digest})
        return dg.SensorResult(run_requests=[run], asset_events=[observation], cursor=digest)

    return watch


def automation_definitions(release_job: dg.UnresolvedAssetJobDefinition) -> dict[str, list]:
    """Sensors and schedule for :func:`pipeline.defs.build_definitions` (``sensors=``, ``schedules=``)."""
    settings = AutomationSettings.from_env()
    return {
        "sensors": [
            raw_folder_sensor(settings, release_job),
            dg.AutomationConditionSensorDefinition(
                "release_automation",
                target=dg.AssetSelection.all(),
                default_status=settings.default_status,
                minimum_interval_seconds=settings.watch_seconds,
                description="Evaluates every asset's automation condition: re-runs what is "
                "downstream of an asset materialised outside a release run (raw/ changes are "
                "raw_folder_sensor's).",
            ),
        ],
        "schedules": [
            dg.ScheduleDefinition(
                name="daily_release",
                job=release_job,
                cron_schedule=settings.release_cron,
                execution_timezone="UTC",
                default_status=settings.default_schedule_status,
                description="Backstop: run the release job daily (PIPELINE_RELEASE_CRON); "
                "unchanged tables publish nothing.",
            )
        ],
    }
