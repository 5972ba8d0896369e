"""Re-runs when the sources change: Dagster watches raw/ and keeps the release current.

- ``raw_folder`` is an observable source asset; its data version is the digest of the raw
  folder's inventory (file names and sha256 of their bytes), so only a real change counts.
- The ``raw_folder_sensor`` observes it every ``PIPELINE_WATCH_SECONDS`` (default 30) and
  records an observation only when the digest differs from its cursor: no run, no noise.
- Every asset carries a declarative automation condition: ``eager`` (a dependency has a new
  data version or materialisation) and all blocking checks of its dependencies passed. The
  ``release_automation`` sensor evaluates them; a new raw digest therefore gives one run of
  every asset, whose blocking Great Expectations checks still stop a bad release.
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
#: The condition every asset materialises under: a dependency changed, none is missing or
#: running, and every dependency is ready. A new raw_folder version thus gives one run of
#: every asset (not one run per layer), and a failed blocking check is never built upon.
AUTOMATION_CONDITION = (
    dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_match(DEPENDENCY_READY)
).with_label("eager, blocking checks respected")


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


def raw_folder_sensor(settings: AutomationSettings) -> dg.SensorDefinition:
    """Observes ``raw_folder`` and records its new data version when the digest changed."""

    @dg.sensor(
        name="raw_folder_sensor",
        minimum_interval_seconds=settings.watch_seconds,
        default_status=settings.default_status,
        description="Records a new data version of raw_folder when an article is added, removed or edited.",
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
        return dg.SensorResult(asset_events=[observation], cursor=digest)

    return watch


def automation_definitions(release_job: dg.UnresolvedAssetJobDefinition) -> dict[str, list]:
    """Sensors and schedule for :func:`pipeline.defs.build_definitions` (``sensors=``, ``schedules=``)."""
    settings = AutomationSettings.from_env()
    return {
        "sensors": [
            raw_folder_sensor(settings),
            dg.AutomationConditionSensorDefinition(
                "release_automation",
                target=dg.AssetSelection.all(),
                default_status=settings.default_status,
                minimum_interval_seconds=settings.watch_seconds,
                description="Evaluates every asset's automation condition: re-runs the "
                "pipeline after raw_folder gets a new data version.",
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
