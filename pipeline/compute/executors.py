"""Executors: map a picklable function over batches, results in input order.

``PIPELINE_WORKERS`` (default: the number of cores) sets the local pool's size, 1 meaning
serial; ``PIPELINE_DASK_SCHEDULER`` (``tcp://host:8786``) sends the batches to a Dask
distributed cluster instead. Each executor gives the same results in the same order, so
the tables are byte-identical whichever runs them.

The local pool starts its workers from a *forkserver* that has imported the extractors and,
unless ``PIPELINE_EXTRACTION=rules``, loaded the spaCy model once (see
:mod:`pipeline.compute.preload`): each worker is a fork of that single-threaded process, so it
starts in milliseconds, shares the model's pages with its siblings, and never inherits the
parent's threads (Dagster's, GX's) or locks.
"""

from __future__ import annotations

import multiprocessing
import os
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORKERS_VARIABLE = "PIPELINE_WORKERS"
SCHEDULER_VARIABLE = "PIPELINE_DASK_SCHEDULER"

#: Modules the forkserver imports once (and so every local worker inherits).
PRELOAD_MODULES = ["pipeline.compute.preload"]
#: The environment of a helper process that runs beside others, one per core (a pool worker,
#: the validation worker): one BLAS thread, or two such processes with two threads each would
#: fight over two cores. Read by NumPy's OpenBLAS when NumPy is first imported.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


class Executor(Protocol):
    """Runs ``function`` on every item, returning the results in the items' order."""

    #: How many processes work at once (1: this one).
    workers: int

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def imap(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """The same results, each given as soon as it and those before it are done."""
        ...


class SerialExecutor:
    """Everything in this process, one item after another.

    >>> SerialExecutor().map(len, ["ab", "c"])
    [2, 1]
    """

    workers = 1

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [function(item) for item in items]

    def imap(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        return (function(item) for item in items)

    def __repr__(self) -> str:
        return "SerialExecutor()"


def start_forkserver() -> None:
    """Start the local pools' forkserver now, if it is not running: it imports the extractors
    and, in ``model`` mode, loads the model, in its own process, while this one goes on; the
    first pool then forks ready workers from it. One forkserver serves every pool of this
    process (``multiprocessing`` keeps it until the process ends). Called when a step first
    finds an article to extract: a run with nothing new starts none."""
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD_MODULES)
    forkserver.ensure_running()


class LocalPoolExecutor:
    """A pool of ``workers`` processes on this machine, started on the first ``map`` and
    kept until :meth:`close` (or until this executor is garbage-collected); workers are
    forked from a forkserver that already holds the extractors and the model.

    >>> pool = LocalPoolExecutor(2)
    >>> pool.map(len, ["ab", "c", ""]), pool.map(len, ["abc"])
    ([2, 1, 0], [3])
    >>> pool.close()
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"a process pool needs at least one worker, not {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._finalizer: weakref.finalize | None = None

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return list(self.imap(function, items))

    def imap(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        if not items:
            return iter(())
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD_MODULES)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
            self._finalizer = weakref.finalize(self, self._pool.shutdown)
        return self._pool.map(function, items)

    def close(self) -> None:
        """Stop the workers (a later ``map`` starts new ones)."""
        if self._finalizer is not None:
            self._finalizer()
        self._pool = self._finalizer = None

    def __repr__(self) -> str:
        return f"LocalPoolExecutor({self.workers})"


class DaskExecutor:
    """The workers of a Dask distributed cluster (its scheduler at ``address``); the
    ``pipeline`` package must be importable there (same version as here). One client is
    opened on first use and kept for this executor's life."""

    def __init__(self, address: str, connect_timeout: float = 30.0) -> None:
        if not address.strip():
            raise ValueError(f"{SCHEDULER_VARIABLE}: empty scheduler address")
        self.address = address.strip()
        self.connect_timeout = connect_timeout
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            from distributed import Client

            try:
                self._client = Client(self.address, set_as_default=False, timeout=self.connect_timeout)
            except OSError as error:
                raise ConnectionError(
                    f"{SCHEDULER_VARIABLE}={self.address}: no Dask scheduler answers there ({error})"
                ) from error
        return self._client

    @property
    def workers(self) -> int:
        return max(1, len(self.client().scheduler_info(n_workers=-1).get("workers", {})))

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        client = self.client()
        return client.gather(client.map(function, list(items), pure=False))

    def imap(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        if not items:
            return iter(())
        futures = self.client().map(function, list(items), pure=False)
        return (future.result() for future in futures)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"


def workers_from_environment(environ: dict[str, str] | None = None) -> int:
    """``PIPELINE_WORKERS`` as a positive number; the number of cores when unset.

    >>> workers_from_environment({"PIPELINE_WORKERS": "3"})
    3
    >>> workers_from_environment({"PIPELINE_WORKERS": "many"})
    Traceback (most recent call last):
    ...
    ValueError: PIPELINE_WORKERS must be a whole number of processes (1 = serial), not 'many'
    """
    environ = os.environ if environ is None else environ
    value = environ.get(WORKERS_VARIABLE, "").strip()
    if not value:
        return os.cpu_count() or 1
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{WORKERS_VARIABLE} must be a whole number of processes (1 = serial), not {value!r}")
    return int(value)


def make_executor(dask_scheduler: str | None = None, workers: int | None = None) -> Executor:
    """A Dask executor when a scheduler address is given, else a local pool of ``workers``
    processes (serial when 1).

    >>> make_executor(workers=1), make_executor(workers=2), make_executor("tcp://127.0.0.1:8786")
    (SerialExecutor(), LocalPoolExecutor(2), DaskExecutor('tcp://127.0.0.1:8786'))
    """
    if dask_scheduler:
        return DaskExecutor(dask_scheduler)
    workers = workers or os.cpu_count() or 1
    return SerialExecutor() if workers == 1 else LocalPoolExecutor(workers)


def executor_from_environment(environ: dict[str, str] | None = None) -> Executor:
    """The executor ``PIPELINE_DASK_SCHEDULER`` and ``PIPELINE_WORKERS`` ask for."""
    environ = os.environ if environ is None else environ
    return make_executor(environ.get(SCHEDULER_VARIABLE, "").strip() or None, workers_from_environment(environ))


def describe(executor: Any) -> str:
    """A short name for metadata: ``serial``, ``2 local processes``, ``dask tcp://...``."""
    if isinstance(executor, DaskExecutor):
        return f"dask {executor.address}"
    if isinstance(executor, LocalPoolExecutor):
        return f"{executor.workers} local processes"
    return "serial"
