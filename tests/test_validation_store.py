"""A run whose tables equal an earlier run's (and whose previous release is the same) reuses
that run's validation results.

Real Dagster instance in a temporary DAGSTER_HOME, real extraction, real Great Expectations,
real Parquet: the check steps say in the event log whether they validated or reused, and a
reused result equals the one validated."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from pipeline.defs.resources import RESULTS_FOLDER
from pipeline.defs.run import run_release
from pipeline.quality.validation import KEPT_RESULTS, SuiteResult, keep_result, kept_result
from pipeline.schemas import TABLE_NAMES


def check_messages(instance: dg.DagsterInstance) -> dict[str, str]:
    """Table -> "validated" or "reused", from the check steps' log lines of the latest run."""
    run = instance.get_runs(limit=1)[0]
    said = {}
    for entry in instance.all_logs(run.run_id):
        message = entry.user_message or ""
        for table in TABLE_NAMES:
            if message.startswith(f"{table}: "):
                said[table] = "reused" if "reused" in message else "validated"
    return said


def kept_results(folder: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text())["result"] for p in folder.glob("*.validation.json")}


def test_an_unchanged_rerun_reuses_every_validation_and_a_change_validates_again(raw_dir, tmp_path, dagster_home):
    instance = dg.DagsterInstance.get()
    out = tmp_path / "out"
    first = run_release(raw_dir, out, instance=instance, verbose=False)
    assert check_messages(instance) == dict.fromkeys(TABLE_NAMES, "validated")
    store = out / "tables" / RESULTS_FOLDER
    validated = kept_results(store)
    assert len(validated) == len(TABLE_NAMES)

    # The drift bounds read the previous release's row counts, part of the key: the first
    # re-run validates against the release the first run made, the next ones reuse.
    again = run_release(raw_dir, out, instance=instance, verbose=False)
    assert again == first  # unchanged: nothing published
    assert check_messages(instance) == dict.fromkeys(TABLE_NAMES, "validated")
    validated = kept_results(store)
    assert len(validated) == 2 * len(TABLE_NAMES)
    assert run_release(raw_dir, out, instance=instance, verbose=False) == first
    assert check_messages(instance) == dict.fromkeys(TABLE_NAMES, "reused")
    assert kept_results(store) == validated  # the same results, nothing added

    edited = sorted(raw_dir.glob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nShell signed a $2 million deal with BP.\n", encoding="utf-8")
    changed = run_release(raw_dir, out, instance=instance, verbose=False)
    assert changed != first
    # documents changed, and every suite reads documents: all five validate again
    assert check_messages(instance) == dict.fromkeys(TABLE_NAMES, "validated")
    assert len(kept_results(store)) == 3 * len(TABLE_NAMES)


def test_the_store_keeps_only_the_newest_results(tmp_path):
    result = SuiteResult(table="documents", row_count=1, outcomes=[])
    for i in range(KEPT_RESULTS + 5):
        keep_result(tmp_path, f"key{i}", result)
    assert len(list(tmp_path.glob("*.validation.json"))) == KEPT_RESULTS
    assert kept_result(tmp_path, f"key{KEPT_RESULTS + 4}") == result
