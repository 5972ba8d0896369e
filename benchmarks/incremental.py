"""Benchmark: a full run versus a re-run after one article changed, on a synthetic corpus.

    .venv/bin/python benchmarks/incremental.py [--articles 1000] [--no-release]

The corpus is the seed articles repeated, each copy made distinct by a closing sentence
naming an invented institute (its own sha256 and cache entry, its own organisation). Prints, for the cold run (empty cache) and the
re-run after one article changed: the per-article extraction with the cross-article steps
(``pipeline.build`` with the extraction cache), then the whole Dagster release run
(``run_release``: extraction, Great Expectations checks, publishing), the ratio, and the
release step's share of each run (the step that publishes: copy, reuse of the checks'
results, change set, metadata, hashing).
A benchmark prints figures; no test times anything.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import dagster as dg

from pipeline.build import (
    build_agreements,
    build_documents,
    build_monetary_figures,
    build_organisation_tables,
    build_raw_articles,
)
from pipeline.compute.executors import executor_from_environment
from pipeline.compute.steps import ArticleSteps
from pipeline.defs.run import run_release
from pipeline.extract.cache import ExtractionCache
from pipeline.paths import PROJECT_ROOT


SYLLABLES = ["ka", "lo", "mi", "ren", "to", "va", "dor", "se", "nu", "bri", "fa", "gol", "hi", "pel", "qui", "zan"]


def invented_name(i: int) -> str:
    """A distinct made-up name per number: ``invented_name(0) == 'Kakakaka'``."""
    parts = [SYLLABLES[(i >> (4 * k)) & 15] for k in range(4)]
    return "".join(parts).capitalize()


def write_corpus(folder: Path, articles: int) -> list[Path]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "raw").glob("*.txt"))]
    paths = []
    for i in range(articles):
        path = folder / f"a{i:06d}.txt"
        closing = f"\nThe {invented_name(i)} Institute archived this report.\n"  # an organisation of its own
        path.write_text(seeds[i % len(seeds)] + closing, encoding="utf-8")
        paths.append(path)
    return paths


def extract(raw_dir: Path, cache_dir: Path) -> tuple[float, ExtractionCache]:
    """Seconds to build every extracted table from the raw folder, with the cache."""
    started = time.perf_counter()
    cache = ExtractionCache(cache_dir)
    steps = ArticleSteps(executor_from_environment(), cache)
    documents, _ = build_documents(build_raw_articles(raw_dir, steps), steps)
    mentions, organisations = build_organisation_tables(documents, steps)
    figures = build_monetary_figures(documents, steps)
    build_agreements(documents, figures, mentions, organisations, steps)
    return time.perf_counter() - started, cache


def release(raw_dir: Path, out: Path, instance: dg.DagsterInstance) -> float:
    started = time.perf_counter()
    run_release(raw_dir, out, instance=instance)
    return time.perf_counter() - started


def step_seconds(instance: dg.DagsterInstance) -> dict[str, float]:
    """Seconds per step of the latest run."""
    run_id = instance.get_runs(limit=1)[0].run_id
    return {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(run_id)
            if s.start_time and s.end_time}


def release_share(label: str, seconds: float, steps: dict[str, float]) -> str:
    """The release step's seconds and share of the whole run."""
    step = steps.get("release", 0.0)
    checks = sum(v for k, v in steps.items() if k.endswith("_checks"))
    return (f"  {label}: run {seconds:.1f} s, release step {step:.1f} s ({100 * step / seconds:.0f}% of the run), "
            f"checks {checks:.1f} s ({100 * checks / seconds:.0f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--no-release", action="store_true", help="time the extraction only")
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        paths = write_corpus(raw, args.articles)
        megabytes = sum(p.stat().st_size for p in paths) / 1e6
        print(f"corpus: {args.articles} articles, {megabytes:.1f} MB")

        full, cold = extract(raw, Path(tmp) / "extract-cache")
        changed = paths[len(paths) // 2]
        changed.write_text(changed.read_text(encoding="utf-8") + "Officials confirmed the figures on Friday.\n",
                           encoding="utf-8")
        again, warm = extract(raw, Path(tmp) / "extract-cache")
        print(f"extraction: full {full:.1f} s ({cold.misses} extractions), one changed {again:.1f} s "
              f"({warm.misses} extractions, {warm.hits} from cache): {100 * again / full:.0f}% of full")
        if args.no_release:
            return

        raw2 = Path(tmp) / "raw2"
        raw2.mkdir()
        paths = write_corpus(raw2, args.articles)
        instance = dg.DagsterInstance.ephemeral()
        out = Path(tmp) / "out"
        full = release(raw2, out, instance)
        full_steps = step_seconds(instance)
        unchanged = release(raw2, out, instance)
        unchanged_steps = step_seconds(instance)
        changed = paths[len(paths) // 2]
        changed.write_text(changed.read_text(encoding="utf-8") + "Officials confirmed the figures on Friday.\n",
                           encoding="utf-8")
        again = release(raw2, out, instance)
        again_steps = step_seconds(instance)
        print(f"release run: full {full:.1f} s, unchanged {unchanged:.1f} s (publishes nothing), "
              f"one changed {again:.1f} s: {100 * again / full:.0f}% of full")
        print(release_share("full", full, full_steps))
        print(release_share("unchanged", unchanged, unchanged_steps))
        print(release_share("one changed", again, again_steps))
        print("steps of the one-changed run: " + ", ".join(f"{k} {v:.1f} s" for k, v in again_steps.items()))


if __name__ == "__main__":
    main()
