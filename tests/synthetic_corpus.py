"""A deterministic corpus of any size recombined from the seed articles' sentences.

Each synthetic article takes a seed title and three or four paragraphs of two or three
sentences drawn (with a fixed random seed) from every seed article, so the corpus has the
seeds' organisations, figures and agreements in new company, and its size is what
differs. Used to prove that a large release of realistic text publishes. ``make bench``
(``benchmarks/bench_corpus.py``) builds on the same seed sentences and also varies the names,
figures and currencies.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_corpus import seed_parts  # noqa: E402  (one splitter of the seeds for tests and `make bench`)


def synthetic_article(rng: random.Random, titles: list[str], sentences: list[str]) -> str:
    """One article: a seed title, then 3-4 paragraphs of 2-3 seed sentences."""
    paragraphs = [
        " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 3))) for _ in range(rng.randint(3, 4))
    ]
    return "\n\n".join([rng.choice(titles), *paragraphs]) + "\n"


def write_corpus(folder: Path, count: int, seed: int = 8) -> list[Path]:
    """``count`` synthetic articles as ``synthetic_0000.txt``... in ``folder`` (the same
    files for the same count and seed)."""
    titles, sentences = seed_parts()
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"synthetic_{i:04d}.txt"
        path.write_text(synthetic_article(rng, titles, sentences), encoding="utf-8")
        paths.append(path)
    return paths
