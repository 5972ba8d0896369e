"""Benchmark: extraction throughput on a corpus made of the seed articles repeated.

    .venv/bin/python benchmarks/extraction_speed.py [--megabytes 5]
    .venv/bin/python benchmarks/extraction_speed.py --adversarial agreements

Prints, per extractor, megabytes of cleaned text per second and peak memory of the run.
``--adversarial agreements`` times :func:`find_agreements` (given the text's figures and
organisation mentions, found first and not timed) on each hostile form at 0.1 MB and 1 MB
and prints the ratio: linear work gives about 10.
A benchmark prints figures; no test times anything.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import time
import resource
from pathlib import Path

from pipeline.ingest.cleaning import clean_text
from pipeline.extract.agreements import PartyMention, find_agreements
from pipeline.extract.money import MoneyFigure, find_monetary_figures
from pipeline.extract.organisations import find_organisation_mentions, resolve_organisations
from pipeline.paths import PROJECT_ROOT


def corpus(megabytes: float) -> list[str]:
    seeds = [clean_text(p.read_text(encoding="utf-8")).text for p in sorted((PROJECT_ROOT / "raw").glob("*.txt"))]
    texts, size = [], 0
    while size < megabytes * 1e6:
        for t in seeds:
            texts.append(t)
            size += len(t.encode("utf-8"))
    return texts


HOSTILE_UNITS = {
    "capitalised run": "Bank Trade Agreement Deal Union Ministry ",
    "and-chain of names": "Bank of China and ",
    "repeated figures": "$1 billion and ",
    "deal deal deal": "deal ",
    "commas": ",",
    "brackets": "(",
    "many agreements": "Russia and China signed a $1 billion gas deal. The deal stalled. ",
    "many headings": "Title\n\nTrade Agreement\n\n",
}


def hostile_blocks() -> dict[str, str]:
    """One block of about 20 kB per hostile form; a hostile text is a block repeated."""
    seeds = " ".join(clean_text(p.read_text(encoding="utf-8")).text for p in sorted((PROJECT_ROOT / "raw").glob("*.txt")))
    units = {"one-line article": seeds.replace("\n", " "), **HOSTILE_UNITS}
    return {name: unit * -(-20_000 // len(unit)) for name, unit in units.items()}


def tiled_inputs(block: str, copies: int) -> tuple[list[MoneyFigure], list[PartyMention]]:
    """The figures and organisation mentions of ``block`` repeated ``copies`` times, found
    once in the block as extract_document finds them and shifted (the finders' own cost is
    theirs, measured above; here only find_agreements is timed)."""
    mentions = find_organisation_mentions(block)
    organisations, org_id_of = resolve_organisations({"doc": mentions})
    by_id = {o.org_id: o for o in organisations}
    parties = [PartyMention(m.start, m.end, by_id[org_id_of[m.key]].name, by_id[org_id_of[m.key]].type) for m in mentions]
    figures = find_monetary_figures(block)
    n = len(block)
    return (
        [replace(f, start=f.start + k * n, end=f.end + k * n) for k in range(copies) for f in figures],
        [replace(o, start=o.start + k * n, end=o.end + k * n) for k in range(copies) for o in parties],
    )


def adversarial_agreements() -> None:
    """find_agreements on each hostile form at about 0.1 MB and 1 MB; linear work gives a
    ratio of about 10 (the bound is 12)."""
    for name, block in hostile_blocks().items():
        seconds = []
        for megabytes in (0.1, 1.0):
            copies = max(1, round(megabytes * 1e6 / len(block)))
            text = block * copies
            figures, parties = tiled_inputs(block, copies)
            started = time.perf_counter()
            find_agreements(text, figures, organisations=parties)
            seconds.append((time.perf_counter() - started) / copies)
        print(f"{name:22s} 0.1 MB {seconds[0] * 0.1e6 / len(block):7.3f} s   1 MB {seconds[1] * 1e6 / len(block):7.3f} s   "
              f"ratio {10 * seconds[1] / max(seconds[0], 1e-9):5.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--adversarial", choices=["agreements"], help="time hostile texts at 0.1 and 1 MB")
    args = parser.parse_args()
    if args.adversarial == "agreements":
        adversarial_agreements()
        return
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
