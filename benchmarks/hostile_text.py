"""Benchmark: seconds per megabyte of every per-document stage on adversarial text.

    .venv/bin/python benchmarks/hostile_text.py [--sizes 0.1 1] [--budget 20] [--generators a,b] [--stages a,b]

For every generator of ``tests/hostile.py`` (long capitalised runs, "and"-chains, repeated
figures, one-line megabyte articles, comma and bracket floods...) and every stage (cleaning,
organisations, money, agreements given its figures and organisations, the whole
``extract_document``), prints a Markdown table: seconds per MB at each size and the ratio of
the largest size's s/MB to the smallest's (about 1 for a linear stage, about 10 for a quadratic
one between 0.1 and 1 MB). Each measurement runs in a forked child killed after ``--budget``
seconds (shown as ``> budget``); a size whose time is already known to exceed the budget
(ten times a 0.1 MB time that is over a tenth of it) is skipped and shown the same way; after
a smaller size crashed or was killed, a larger one is "not run". Tiny times (cleaning,
money on text without figures) make noisy ratios.
"""

from __future__ import annotations

import argparse
import sys

from pipeline.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))  # tests/hostile.py holds the generators the test uses too

from tests.hostile import GENERATORS, MEGABYTE, SECONDS_PER_MB_BOUND, STAGES, Timing, time_stage, warm_up  # noqa: E402


def cell(timing: Timing | str, budget: float) -> str:
    """One table cell: s/MB, or why there is no figure."""
    if isinstance(timing, str):
        return timing
    if timing.error:
        return "crash: " + timing.error.split(":")[0]
    if not timing.prepared:
        return "input not ready"
    if timing.seconds_per_mb is None:
        return f"> {budget:.0f} s"
    return f"{timing.seconds_per_mb:.2f}"


def measure(generator: str, stage: str, sizes: list[float], budget: float) -> list[Timing | str]:
    """Timings at each size (MB, ascending), or why a size was not run: the smaller size
    failed, or even linear growth from it would pass the budget."""
    timings: list[Timing | str] = []
    for megabytes in sizes:
        previous = timings[-1] if timings else None
        if isinstance(previous, str) or (previous is not None and previous.seconds is None):
            timings.append("not run")
            continue
        if previous is not None and previous.seconds * megabytes / previous.megabytes > budget:
            timings.append(f"> {budget:.0f} s")
            continue
        raw = GENERATORS[generator](int(megabytes * MEGABYTE), 0)
        timings.append(time_stage(stage, raw, budget, generator))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 1.0], help="sizes in MB, ascending")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds before a measurement is killed")
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument("--stages", default=",".join(STAGES))
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    warm_up()
    print(f"bound: {SECONDS_PER_MB_BOUND:g} s/MB; budget per measurement {args.budget:g} s; seed 0")
    header = ["generator", "stage", *(f"s/MB at {s:g} MB" for s in sizes), f"ratio {sizes[-1]:g}/{sizes[0]:g}"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for generator in args.generators.split(","):
        for stage in args.stages.split(","):
            timings = measure(generator, stage, sizes, args.budget)
            first, last = timings[0], timings[-1]
            ratio = (
                f"{last.seconds_per_mb / first.seconds_per_mb:.1f}"
                if isinstance(first, Timing) and isinstance(last, Timing) and first.seconds_per_mb and last.seconds_per_mb
                else "—"
            )
            row = [generator, stage, *(cell(t, args.budget) for t in timings), ratio]
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
