"""Benchmark: extraction throughput on a corpus made of the seed articles repeated.

    .venv/bin/python benchmarks/extraction_speed.py [--megabytes 5]
    .venv/bin/python benchmarks/extraction_speed.py --adversarial
    .venv/bin/python benchmarks/extraction_speed.py --hostile [--modes rules,model]

Prints, per extractor, megabytes of cleaned text per second and peak memory of the run;
organisations with the model (the default) on text it reads for the first time ("new": its
line cache cleared before each article) and on lines it has read before ("seen"), and with
rules only (``PIPELINE_EXTRACTION=rules``).
``--adversarial``: the money extractor on each hostile text of tests/adversarial_texts.py at
0.1 MB and 1 MB, and the ratio of the two times (linear: about 10).
``--hostile``: organisation extraction on each adversarial form of
tests/adversarial_texts.py at 0.1 MB and 1 MB, seconds per MB and the ratio.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from pipeline.ingest.cleaning import clean_text
from pipeline.extract.agreements import find_agreements
from pipeline.extract.money import find_monetary_figures
from pipeline.extract.organisation_model import clear_model_cache
from pipeline.extract.organisations import find_organisation_mentions
from pipeline.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))
from tests.adversarial_texts import MONEY_ADVERSARIES, ORGANISATION_ADVERSARIES  # noqa: E402


def corpus(megabytes: float) -> list[str]:
    seeds = [clean_text(p.read_text(encoding="utf-8")).text for p in sorted((PROJECT_ROOT / "raw").glob("*.txt"))]
    texts, size = [], 0
    while size < megabytes * 1e6:
        for t in seeds:
            texts.append(t)
            size += len(t.encode("utf-8"))
    return texts


def adversarial(sizes: tuple[int, int] = (100_000, 1_000_000)) -> None:
    """Seconds of the money extractor on each hostile text at two sizes, and their ratio."""
    find_monetary_figures("warm up: $1 billion")
    print(f"money extractor on hostile texts: {sizes[0] / 1e6:g} MB, {sizes[1] / 1e6:g} MB, ratio")
    for name, make in MONEY_ADVERSARIES.items():
        seconds = []
        for size in sizes:
            text = make(size)
            started = time.perf_counter()
            figures = find_monetary_figures(text)
            seconds.append(time.perf_counter() - started)
        ratio = seconds[1] / max(seconds[0], 1e-3)
        print(f"{name:28s} {seconds[0]:7.3f} s {seconds[1]:7.3f} s  x{ratio:4.1f}  ({len(figures)} figures)")


def hostile(modes: list[str]) -> None:
    """Seconds for 0.1 MB and 1 MB of each adversarial form, per extraction mode."""
    for mode in modes:
        find_organisation_mentions("Warm-up Bank (WB) said.", mode=mode)
        for form, make in ORGANISATION_ADVERSARIES.items():
            seconds = []
            for size in (100_000, 1_000_000):
                clear_model_cache()
                text = make(size)
                started = time.perf_counter()
                find_organisation_mentions(text, mode=mode)
                seconds.append(time.perf_counter() - started)
            print(
                f"{mode:6s} {form:30s} 0.1 MB {seconds[0]:6.2f} s   1 MB {seconds[1]:6.2f} s"
                f"   ratio {seconds[1] / max(seconds[0], 1e-9):5.1f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--adversarial", action="store_true", help="hostile texts at 0.1 MB and 1 MB (money)")
    parser.add_argument("--hostile", action="store_true", help="time the adversarial forms instead")
    parser.add_argument("--modes", default="rules,model", help="extraction modes for --hostile")
    args = parser.parse_args()
    if args.adversarial:
        adversarial()
        return
    if args.hostile:
        hostile(args.modes.split(","))
        return
    texts = corpus(args.megabytes)
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    find_organisation_mentions(texts[0]), find_monetary_figures(texts[0]), find_agreements(texts[0])  # load rules
    print(f"corpus: {len(texts)} articles, {size:.1f} MB of cleaned text")
    def model_on_new_text(text: str) -> None:
        clear_model_cache()
        find_organisation_mentions(text, mode="model")

    for name, run in [
        ("organisations (model, new)", model_on_new_text),
        ("organisations (model, seen)", lambda t: find_organisation_mentions(t, mode="model")),
        ("organisations (rules)", lambda t: find_organisation_mentions(t, mode="rules")),
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
