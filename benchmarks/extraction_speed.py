"""Benchmark: extraction throughput on a corpus made of the seed articles repeated.

    .venv/bin/python benchmarks/extraction_speed.py [--megabytes 5]

Prints, per extractor, megabytes of cleaned text per second and peak memory of the run.
A benchmark prints figures; no test times anything.
"""

from __future__ import annotations

import argparse
import time
import resource
from pathlib import Path

from pipeline.ingest.cleaning import clean_text
from pipeline.extract.agreements import find_agreements
from pipeline.extract.money import find_monetary_figures
from pipeline.extract.organisations import find_organisation_mentions
from pipeline.paths import PROJECT_ROOT


def corpus(megabytes: float) -> list[str]:
    seeds = [clean_text(p.read_text(encoding="utf-8")).text for p in sorted((PROJECT_ROOT / "raw").glob("*.txt"))]
    texts, size = [], 0
    while size < megabytes * 1e6:
        for t in seeds:
            texts.append(t)
            size += len(t.encode("utf-8"))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    args = parser.parse_args()
    texts = corpus(args.megabytes)
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    find_organisation_mentions(texts[0]), find_monetary_figures(texts[0]), find_agreements(texts[0])  # load rules
    print(f"corpus: {len(texts)} articles, {size:.1f} MB of cleaned text")
    for name, run in [
        ("organisations", lambda t: find_organisation_mentions(t)),
        ("monetary figures", lambda t: find_monetary_figures(t)),
        ("agreements (with figures)", lambda t: find_agreements(t, find_monetary_figures(t))),
    ]:
        started = time.perf_counter()
        for t in texts:
            run(t)
        seconds = time.perf_counter() - started
        print(f"{name:28s} {size / seconds:6.2f} MB/s  ({seconds:.2f} s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
