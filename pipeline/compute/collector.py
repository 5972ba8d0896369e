"""Python's cycle collector paused while a build makes many small objects.

Each full pass of the collector walks every container object of the process, and a build
holding 10,000 articles (texts, cached results, frames) has millions of them: building the
rows of a table triggers a full pass every few hundred thousand new objects, and those passes
were a fifth of a cached re-run's cross-article time. The rows, dataclasses and dicts a build
makes hold no reference cycles (reference counting frees them), so the collector is paused
for the build and runs again, as usual, after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_cycle_collector() -> Iterator[None]:
    """Pause the cycle collector inside the block (or the decorated function: each call
    pauses anew), re-enabling it after only if it was enabled before, so nested pauses and
    callers that keep it off stay as they are.

    >>> with paused_cycle_collector():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
