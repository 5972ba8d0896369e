"""A deterministic corpus of any size recombined from the seed articles' sentences.

Each synthetic article takes a seed title and three or four paragraphs of two or three
sentences drawn (with a fixed random seed) from every seed article, so the corpus has the
seeds' organisations, figures and agreements in new company, and its size is what
differs. Used to prove that a large release of realistic text publishes.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from .conftest import RAW

_SENTENCE_END = re.compile(r"(?<=[.!?”])\s+(?=[A-Z“\"])")
MIN_PARAGRAPH_CHARS = 60  # shorter lines are headings and page furniture


def seed_parts(folder: Path = RAW) -> tuple[list[str], list[str]]:
    """The seed articles' titles (first lines) and the sentences of their paragraphs.

    >>> titles, sentences = seed_parts()
    >>> len(titles), len(sentences) > 50
    (5, True)
    """
    titles, sentences = [], []
    for path in sorted(folder.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        titles.append(lines[0])
        for line in lines[1:]:
            if len(line) >= MIN_PARAGRAPH_CHARS:
                sentences += [s for s in _SENTENCE_END.split(line) if s]
    return titles, sentences


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
