"""The validation worker: a real child process with Great Expectations imported ahead of
the checks, validating real Parquet files; its results are this process's results, and
when it cannot answer the check validates here."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from pipeline.build import build_tables
from pipeline.defs.run import run_release
from pipeline.quality.validation import suite_inputs, validate_table
from pipeline.quality.worker import ValidationWorker, worker_enabled
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import read_table, write_table


@pytest.fixture
def table_files(raw_dir: Path, tmp_path: Path) -> dict[str, Path]:
    tables, _ = build_tables(raw_dir)
    files = {}
    for name, frame in tables.items():
        files[name] = write_table(name, frame, tmp_path / f"{name}.parquet")
    return files


def test_the_worker_gives_the_results_this_process_gives(table_files):
    worker = ValidationWorker()
    try:
        for name in TABLE_NAMES:
            files = {t: table_files[t] for t in suite_inputs(name)}
            tables = {t: read_table(p) for t, p in files.items()}
            here = validate_table(name, tables[name], tables, {"documents": 3})
            there = worker.validate(name, files, {"documents": 3})
            assert there is not None, worker.failure
            assert there.to_dict() == here.to_dict()
            assert there.outcomes  # a real suite ran
    finally:
        worker.close()
    assert not worker.alive


def test_a_table_sent_ahead_is_validated_once_and_its_reply_waits_for_its_check(table_files):
    worker = ValidationWorker()
    try:
        requests = {name: {t: table_files[t] for t in suite_inputs(name)} for name in ("documents", "monetary_figures")}
        for name, files in requests.items():
            assert worker.submit(name, files, {"documents": 3})
        assert not worker.submit("documents", requests["documents"], {"documents": 3})  # already on its way
        assert len(worker._pending) == 2
        money = worker.validate("monetary_figures", requests["monetary_figures"], {"documents": 3})
        assert not worker._pending and len(worker._replies) == 1  # the documents' reply read on the way
        documents = worker.validate("documents", requests["documents"], {"documents": 3})
        assert not worker._replies
        for name, result in (("documents", documents), ("monetary_figures", money)):
            tables = {t: read_table(p) for t, p in requests[name].items()}
            assert result is not None and result.to_dict() == validate_table(name, tables[name], tables, {"documents": 3}).to_dict()
        other_counts = worker.validate("documents", requests["documents"], {"documents": 4})  # another request
        assert other_counts is not None and not worker._pending
    finally:
        worker.close()


def test_a_worker_that_cannot_answer_says_why_and_leaves_validation_to_the_caller(table_files, tmp_path):
    worker = ValidationWorker()
    try:
        missing = worker.validate("documents", {"documents": tmp_path / "gone.parquet"}, None)
        assert missing is None and "gone.parquet" in (worker.failure or "")
        assert worker.alive  # a failed table does not stop it
        answered = worker.validate("documents", {"documents": table_files["documents"]}, None)
        assert answered is not None and answered.table == "documents"
        worker._process.kill()  # the worker dies (out of memory, killed by a user)
        worker._process.wait()
        assert worker.validate("documents", {"documents": table_files["documents"]}, None) is None
        assert "not running" in (worker.failure or "")
    finally:
        worker.close()


def test_a_run_validates_in_its_worker_and_leaves_no_process_behind(raw_dir, tmp_path, dagster_home, monkeypatch):
    monkeypatch.delenv("PIPELINE_VALIDATION_WORKER", raising=False)
    assert worker_enabled()
    instance = dg.DagsterInstance.get()
    run_release(raw_dir, tmp_path / "out", instance=instance, verbose=False)
    run = instance.get_runs(limit=1)[0]
    messages = [entry.user_message or "" for entry in instance.all_logs(run.run_id)]
    assert sum(m.endswith(": validated") for m in messages) == len(TABLE_NAMES)
    ahead = {m.split(":")[0] for m in messages if m.endswith("sent to the validation worker ahead of its check")}
    assert ahead == set(TABLE_NAMES)  # each table went to the worker when its step wrote it
    assert not [m for m in messages if "validating in this process" in m]
    assert not [p for p in _child_pids() if "pipeline.quality.worker" in _cmdline(p)]


def _child_pids() -> list[int]:
    """This process's children, from /proc (the field after the command name is the parent)."""
    me = str(os.getpid())
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "stat").read_text().split(") ")[1].split()[1] == me:
                    out.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_each_request_is_answered_in_a_child_that_ends(table_files):
    """The worker answers every table in a fork of itself: the child is waited for once
    the reply is read, and a failing request is an error reply while the worker goes on
    answering."""
    import io
    import pickle

    from pipeline.quality.worker import answer_in_fork

    before = zombie_children()
    replies = io.BytesIO()
    answer_in_fork(("documents", {"documents": "/nonexistent.parquet"}, None), replies)
    files = {t: str(table_files[t]) for t in suite_inputs("documents")}
    answer_in_fork(("documents", files, {"documents": 3}), replies)
    replies.seek(0)
    failed, answered = pickle.load(replies), pickle.load(replies)
    assert failed[0] == "error" and "nonexistent.parquet" in failed[1]
    assert answered[0] == "ok" and answered[1].outcomes
    assert zombie_children() == before  # each child was waited for


def zombie_children() -> set[int]:
    """Pids of this process's children that ended and were not waited for (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found
