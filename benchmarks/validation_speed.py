"""Benchmark: validating 100,000 rows per table with the stored suites.

    .venv/bin/python benchmarks/validation_speed.py [--rows 100000]

Every table built from raw/ is repeated until it has ``--rows`` rows; copy k of every row
gets "-k" after each id it holds (doc_id, org_id, figure_id...), so that references stay
consistent and the suites run on data shaped like a real release. Prints seconds per table.
(Organisations need more copies than mentions to reach the same row count, so the surplus
organisations have no mention: that expectation fails, and its cost, listing unexpected rows,
is part of the figure.)
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time

import pandas as pd

from pipeline.build import build_tables
from pipeline.paths import PROJECT_ROOT
from pipeline.quality.validation import validate_table

ID_COLUMNS = ("doc_id", "source_file", "org_id", "mention_id", "figure_id", "agreement_id", "cluster_id")


def repeat(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    copies = []
    for k in range(math.ceil(rows / len(frame))):
        copy = frame.copy()
        for column in ID_COLUMNS:
            if column in copy:
                copy[column] = copy[column].map(lambda v, k=k: v if pd.isna(v) else f"{v}-{k}")
        copies.append(copy)
    return pd.concat(copies, ignore_index=True).iloc[:rows]


def main() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    seeds, _ = build_tables(PROJECT_ROOT / "raw")
    tables = {name: repeat(frame, args.rows) for name, frame in seeds.items()}
    validate_table("documents", seeds["documents"], seeds)  # load GX once, outside the timing
    total = 0.0
    for name, frame in tables.items():
        started = time.perf_counter()
        result = validate_table(name, frame, tables)
        seconds = time.perf_counter() - started
        total += seconds
        print(f"{name:24s} {len(frame):7d} rows  {len(result.outcomes):3d} expectations  {seconds:6.1f} s"
              f"  ({len(result.blocking_failures)} blocking failures, {len(result.warnings)} warnings)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all tables: {total:.1f} s; peak resident memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
