"""Great Expectations in a process of its own, started when a run starts.

Importing Great Expectations costs about three seconds, the largest fixed cost of a run
that re-extracts one article. :class:`ValidationWorker` starts ``python -m
pipeline.quality.worker`` at once; that process imports GX on the other core while this
one inventories and cleans the articles, then validates each table it is sent, reading the
table and those its suite refers to from their Parquet files (only paths cross the pipe,
never the tables). It runs the same :func:`~pipeline.quality.validation.validate_table`
on the same bytes, so its results are those this process would get.

The worker only saves time: if it cannot start, dies, or fails on a table, :meth:`validate`
returns None and the caller validates in its own process, where a real error is raised
with its own traceback.

Protocol: one pickled request per line of work on the child's stdin, ``(table, {table:
Parquet path}, previous row counts)``; one pickled reply on its stdout, ``("ok",
SuiteResult)`` or ``("error", traceback text)``, in the order of the requests. Anything
the child prints goes to stderr. Each request is answered in a fork of the prepared worker,
so that the memory one table's validation took is given back when it is done.

A table can be sent ahead (:meth:`ValidationWorker.submit`, as soon as its file is written):
the worker validates it while this process goes on with the next step, and the check that
later asks for the same request (:meth:`ValidationWorker.validate`) gets the reply waiting
for it instead of sending it again.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from pipeline.compute.executors import ONE_BLAS_THREAD
from pipeline.quality.validation import SuiteResult

#: Set to ``0`` to validate in the run's own process (no worker).
WORKER_VARIABLE = "PIPELINE_VALIDATION_WORKER"


def worker_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether runs start a validation worker (``PIPELINE_VALIDATION_WORKER``, default on).

    >>> worker_enabled({}), worker_enabled({"PIPELINE_VALIDATION_WORKER": "0"})
    (True, False)
    """
    return environ.get(WORKER_VARIABLE, "1").strip().lower() not in ("0", "false", "no", "off")


class ValidationWorker:
    """A child process that validates tables from their Parquet files (see the module).

    >>> worker = ValidationWorker()
    >>> worker.validate("documents", {"documents": Path("/nonexistent.parquet")}, None) is None
    True
    >>> worker.close()
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self.failure: str | None = None  # why the last validate() returned None
        self._pending: deque[tuple] = deque()  # requests sent, oldest first, not yet answered
        self._replies: dict[tuple, tuple[str, Any]] = {}  # replies read, not yet asked for
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "pipeline.quality.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=os.environ | {"GX_ANALYTICS_ENABLED": "false"} | ONE_BLAS_THREAD,
            )
        except OSError as error:
            self.failure = f"could not start the validation worker: {error}"

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def submit(self, name: str, files: Mapping[str, Path], previous_counts: dict[str, int] | None) -> bool:
        """Send table ``name`` to be validated now, without waiting for the reply (a later
        :meth:`validate` of the same request reads it); False when the worker cannot take it
        (``failure`` says why) or already has it."""
        request = _request(name, files, previous_counts)
        with self._lock:
            if request in self._pending or request in self._replies:
                return False
            return self._send(request)

    def validate(
        self, name: str, files: Mapping[str, Path], previous_counts: dict[str, int] | None
    ) -> SuiteResult | None:
        """Table ``name`` validated by the worker (``files``: the Parquet file of it and of
        each table its suite reads); None when the worker could not (``failure`` says why).
        A request sent ahead by :meth:`submit` is not sent again: its reply is awaited."""
        request = _request(name, files, previous_counts)
        with self._lock:
            if request not in self._pending and request not in self._replies and not self._send(request):
                return None
            while request not in self._replies:
                if not self._receive():
                    return None
            status, value = self._replies.pop(request)
        if status != "ok":
            self.failure = f"the validation worker failed on {name}: {value}"
            return None
        return value

    def _send(self, request: tuple) -> bool:
        """Write one request (the lock held); False, with the reason, when the worker is gone."""
        if not self.alive:
            if self._process is not None:  # it died since the last request
                self.failure = f"the validation worker is not running (exit status {self._process.returncode})"
                self._stop()
            # else: failure still says why it never started or why it was stopped
            return False
        assert self._process is not None and self._process.stdin
        name, files, counts = request
        try:
            pickle.dump((name, dict(files), None if counts is None else dict(counts)), self._process.stdin)
            self._process.stdin.flush()
        except OSError as error:
            self.failure = f"the validation worker stopped: {error!r}"
            self._stop()
            return False
        self._pending.append(request)
        return True

    def _receive(self) -> bool:
        """Read the reply to the oldest request sent (the lock held); False when the worker stopped."""
        assert self._process is not None and self._process.stdout
        try:
            reply = pickle.load(self._process.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as error:
            self.failure = f"the validation worker stopped: {error!r}"
            self._stop()
            return False
        self._replies[self._pending.popleft()] = reply
        return True

    def close(self) -> None:
        """Stop the worker."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        """Kill the worker: it holds nothing but what it was sent (an orderly exit tears down
        GX and pandas, about a second, for nothing)."""
        process, self._process = self._process, None
        self._pending.clear()
        self._replies.clear()
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        process.kill()
        process.wait()


def _request(name: str, files: Mapping[str, Path], previous_counts: Mapping[str, int] | None) -> tuple:
    """A request as a hashable key: equal requests are answered once.

    >>> _request("documents", {"documents": Path("/d.parquet")}, {"documents": 3})
    ('documents', (('documents', '/d.parquet'),), (('documents', 3),))
    """
    counts = None if previous_counts is None else tuple(sorted(previous_counts.items()))
    return (name, tuple(sorted((t, str(p)) for t, p in files.items())), counts)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The worker's loop: answer each request until the input ends, each in a fork of this
    process (see :func:`answer_in_fork`)."""
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        if hasattr(os, "fork"):
            answer_in_fork(request, replies)
        else:
            pickle.dump(answer(request), replies)
            replies.flush()


def answer(request: tuple[str, dict[str, str], dict[str, int] | None]) -> tuple[str, Any]:
    """``("ok", SuiteResult)`` for one request, or ``("error", traceback text)``."""
    from pipeline.quality.validation import validate_table
    from pipeline.tables import read_table

    name, files, counts = request
    try:
        tables = {table: read_table(Path(path)) for table, path in files.items()}
        return ("ok", validate_table(name, tables[name], tables, counts))
    except Exception:  # noqa: BLE001 - reported to the caller, which validates again itself
        return ("error", traceback.format_exc())


def answer_in_fork(request: tuple[str, dict[str, str], dict[str, int] | None], replies: IO[bytes]) -> None:
    """Answer one request in a child forked from this process, which holds GX imported and
    its context made: the child's tables and every copy GX makes of them go back to the
    system when it ends (in one long process GX kept 2.5 GB after the tables of 100,000
    articles). A child that dies without replying is reported as an error."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reader)
        status = 1
        try:
            with os.fdopen(writer, "wb") as out:
                pickle.dump(answer(request), out)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as child:
        reply = child.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not reply:
        reply = pickle.dumps(("error", f"the validation child of {request[0]} ended with wait status {status}"))
    replies.write(reply)
    replies.flush()


def main() -> None:
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever GX or pandas print goes to stderr, not into the replies
    sys.stdout = sys.stderr
    from pipeline.quality.validation import prepare_validation

    prepare_validation()  # the work this process exists to do ahead of time
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
