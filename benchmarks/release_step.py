"""Benchmark: the release step alone (``publish_release``) on a re-run, wall and CPU seconds.

    .venv/bin/python benchmarks/release_step.py --previous RELEASE_FOLDER --tables RUN_FOLDER
        [--repeat 3] [--profile N] [--keep DIR] [--cold]

``--previous`` is a published release folder (the previous run's); ``--tables`` a run's folder
of Parquet tables as the Dagster IO manager leaves it (``<name>.parquet`` with its ``.sha256``
and the checks' ``.validation.json`` beside it, and ``raw_articles.parquet`` for the
sources), for example the second run of the release command after one article changed::

    cp -p outputs/tables/runs/<run_id>/* /tmp/run2/

The previous release's tables are first published, by the code under test, into a fresh
output folder (version ``2026-01-01T000000Z``); then each repetition copies that folder and
times ``publish_release`` of the run's tables into it (version ``2026-01-02T000000Z``), the
run's files passed as the release asset passes them. ``--cold`` removes what the first publish
kept beside the releases (``releases/.row-digests``), as for a previous release made by older
code. ``--profile N`` prints the N largest cumulative costs of one more repetition under
cProfile and the time of each component of the step. ``--keep DIR`` leaves the last published
output folder in DIR, to compare releases made by two versions of the code byte for byte
(same inputs, same version names). A benchmark prints figures; no test times anything.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.build import source_records  # noqa: E402
from pipeline.publish.checksums import recorded_sha256  # noqa: E402
from pipeline.publish.release import TableFile, publish_release  # noqa: E402
from pipeline.schemas import TABLE_NAMES  # noqa: E402
from pipeline.tables import read_table  # noqa: E402

BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 2, tzinfo=UTC)
#: The components of the step reported under ``--profile`` (cumulative seconds of each function).
COMPONENTS = {
    "change set: compare with the previous release (before: index_tables)": ("changes.py", "compare_release"),
    "change set: old index_tables (code before kept digests)": ("changes.py", "index_tables"),
    "change set: write_changes": ("changes.py", "write_changes"),
    "copy tables into staging": ("release.py", "_stage_tables"),
    "kept validation results": ("release.py", "_suite_results"),
    "read Parquet tables": ("parquet/core.py", "read_table"),
    "release page": ("pages.py", "write_release_page"),
    "charts": ("pages.py", "charts_section"),
    "datapackage check (frictionless)": ("datapackage.py", "check_datapackage"),
    "git commit": ("release.py", "git_commit"),
    "hash members": ("checksums.py", "hash_members"),
    "catalogue refresh (archive, index.json, index.html)": ("catalogue.py", "refresh_catalogue"),
    "archive": ("archive.py", "write_archive"),
    "row digests kept": ("changes.py", "keep_row_digests"),
}


def run_tables(folder: Path) -> tuple[dict, list, dict[str, TableFile]]:
    """The run's frames, sources and files, as the release asset has them."""
    files = {n: TableFile(folder / f"{n}.parquet", recorded_sha256(folder / f"{n}.parquet")) for n in TABLE_NAMES}
    frames = {n: read_table(f.path) for n, f in files.items()}
    return frames, source_records(read_table(folder / "raw_articles.parquet")), files


def base_output(previous: Path, cold: bool) -> Path:
    """A fresh output folder whose latest release holds the tables of ``previous``."""
    out = Path(tempfile.mkdtemp(prefix="release-step-base-"))
    frames = {n: read_table(previous / f"{n}.parquet") for n in TABLE_NAMES}
    sources = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))["sources"]
    publish_release(frames, sources, out, now=BEFORE)
    if cold:
        shutil.rmtree(out / "releases" / ".row-digests", ignore_errors=True)
    return out


def fresh_copy(base: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="release-step-"))
    shutil.copytree(base, target / "out", symlinks=True)
    for path in (target / "out").rglob("*"):  # published folders are read-only: make the copy removable
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target / "out"


def component_seconds(stats: pstats.Stats) -> dict[str, float]:
    found: dict[str, float] = {}
    for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        for label, (file_end, name) in COMPONENTS.items():
            if function == name and filename.endswith(file_end):
                found[label] = found.get(label, 0.0) + cumulative
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--previous", type=Path, required=True)
    parser.add_argument("--tables", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()

    frames, sources, files = run_tables(args.tables)
    base = base_output(args.previous, args.cold)
    print(f"previous release {args.previous.name} published again in {base}; run tables from {args.tables}")
    out = None
    for attempt in range(1, args.repeat + 1):
        out = fresh_copy(base)
        wall, cpu = time.perf_counter(), time.process_time()
        release = publish_release(frames, sources, out, now=NOW, files=files)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"run {attempt}: publish_release {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"({'unchanged' if release.unchanged else release.version})")
        if attempt < args.repeat or args.profile:
            shutil.rmtree(out.parent)
    if args.profile:
        out = fresh_copy(base)
        profiler = cProfile.Profile()
        profiler.runcall(publish_release, frames, sources, out, now=NOW, files=files)
        stats = pstats.Stats(profiler)
        print("components (cumulative seconds under cProfile):")
        for label, seconds in component_seconds(stats).items():
            print(f"  {seconds:7.3f}  {label}")
        stats.sort_stats("cumulative").print_stats(args.profile)
    if args.keep and out is not None:
        shutil.rmtree(args.keep, ignore_errors=True)
        shutil.move(out, args.keep)
        print(f"kept the output folder in {args.keep}")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
