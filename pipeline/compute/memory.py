"""Give freed memory back to the operating system between the steps of a long process.

CPython frees a large object (an article's text, a column's buffer) with the C library's
``free``; glibc keeps the freed pages in its heap for later allocations, so the resident size
of a process that built a large table stays at its high-water mark through every later step.
``malloc_trim(0)`` returns those pages. Elsewhere than glibc (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        return None


def give_back_memory() -> bool:
    """Return the C heap's free pages to the system; True when some were returned.

    >>> give_back_memory() in (True, False)
    True
    """
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
