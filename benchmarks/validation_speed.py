"""Benchmark: validating 100,000 rows per table with the stored suites.

    .venv/bin/python benchmarks/validation_speed.py [--rows 100000]

Every table built from raw/ is repeated until it has ``--rows`` rows; copy k of every row
gets "-k" after each id it holds (doc_id, org_id, figure_id...), so that references stay
consistent and the suites run on data shaped like a real release. Prints seconds per table,
then the release step on those tables (``publish_release``) two ways: given the run's files
with the results their checks kept (what a Dagster run does: copy, hash once, no second
validation), and given frames only (it writes, hashes and validates them itself).
(Organisations need more copies than mentions to reach the same row count, so the surplus
organisations have no mention: that expectation fails, and its cost, listing unexpected rows,
is part of the figure.)
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from pipeline.build import build_tables
from pipeline.paths import PROJECT_ROOT
from pipeline.publish.checksums import record_sha256
from pipeline.publish.release import TableFile, publish_release
from pipeline.quality.validation import store_result, validate_table, validation_key
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import write_table

ID_COLUMNS = ("doc_id", "source_file", "org_id", "mention_id", "figure_id", "agreement_id", "cluster_id")


def repeat(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    return copies_of(frame, math.ceil(rows / len(frame))).iloc[:rows]


def copies_of(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """``count`` copies of ``frame``, copy k with "-k" after each id it holds."""
    copies = []
    for k in range(count):
        copy = frame.copy()
        for column in ID_COLUMNS:
            if column in copy:
                copy[column] = copy[column].map(lambda v, k=k: v if pd.isna(v) else f"{v}-{k}")
        copies.append(copy)
    return pd.concat(copies, ignore_index=True)


def main() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    seeds, seeds_sources = build_tables(PROJECT_ROOT / "raw")
    tables = {name: repeat(frame, args.rows) for name, frame in seeds.items()}
    validate_table("documents", seeds["documents"], seeds)  # load GX once, outside the timing
    total = 0.0
    results = {}
    for name, frame in tables.items():
        started = time.perf_counter()
        result = results[name] = validate_table(name, frame, tables)
        seconds = time.perf_counter() - started
        total += seconds
        print(f"{name:24s} {len(frame):7d} rows  {len(result.outcomes):3d} expectations  {seconds:6.1f} s"
              f"  ({len(result.blocking_failures)} blocking failures, {len(result.warnings)} warnings)")
    print(f"all tables: {total:.1f} s")
    # the release needs consistent tables: every table repeated the same number of times
    count = math.ceil(args.rows / max(len(f) for f in seeds.values()))
    tables = {name: copies_of(frame, count) for name, frame in seeds.items()}
    started = time.perf_counter()
    results = {name: validate_table(name, tables[name], tables) for name in TABLE_NAMES}
    print(f"checks on {count} copies of every table ({len(tables['organisation_mentions'])} mentions): "
          f"{time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        files = {}
        for name in TABLE_NAMES:  # what the IO manager and the checks leave in a run folder
            path = write_table(name, tables[name], run / f"{name}.parquet")
            files[name] = TableFile(path, record_sha256(path))
        digests = {n: f.sha256 for n, f in files.items()}
        for name in TABLE_NAMES:
            store_result(files[name].path, validation_key(name, digests, None), results[name])
        started = time.perf_counter()
        publish_release(tables, seeds_sources, Path(tmp) / "reused", files=files)
        reused = time.perf_counter() - started
        started = time.perf_counter()
        publish_release(tables, seeds_sources, Path(tmp) / "alone")
        alone = time.perf_counter() - started
    print(f"release step: {reused:.1f} s with the run's files and kept results; "
          f"{alone:.1f} s from frames alone (writes and validates)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
