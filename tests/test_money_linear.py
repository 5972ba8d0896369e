"""The money extractor is linear in its input (issue 8): on every hostile text, ten times the
text takes at most about ten times as long. The bound is generous (25x, where a quadratic
path gives 100x) because the machine is shared; ``benchmarks/extraction_speed.py
--adversarial`` prints the same measure at 0.1 MB and 1 MB."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from pipeline.extract.money import find_monetary_figures

from .adversarial_texts import MONEY_ADVERSARIES

SMALL, LARGE = 10_000, 100_000
BOUND = 25.0
FLOOR = 0.002  # seconds: below this a measure is noise


def _seconds(text: str) -> float:
    started = time.perf_counter()
    find_monetary_figures(text)
    return time.perf_counter() - started


@pytest.mark.parametrize("name", sorted(MONEY_ADVERSARIES))
def test_ten_times_the_text_takes_about_ten_times_as_long(name: str) -> None:
    make: Callable[[int], str] = MONEY_ADVERSARIES[name]
    small, large = make(SMALL), make(LARGE)
    assert len(large) >= 9 * len(small)
    find_monetary_figures(small)  # rules loaded, caches warm
    small_time = max(min(_seconds(small) for _ in range(3)), FLOOR)
    large_time = _seconds(large)
    if large_time > BOUND * small_time:  # a busy machine can stall one run; a quadratic path fails twice
        large_time = min(large_time, _seconds(large))
    assert large_time <= BOUND * small_time, f"{name}: {small_time:.4f}s for 10 kB, {large_time:.4f}s for 100 kB"
