"""Text helpers: sentence spans equal the plain definition (a look-behind at every position),
on the corner cases and on seeded random texts over the characters the pattern reads; a
word trie matches what the plain longest-first alternation matches, with and without case;
the cycle collector pause nests and survives an exception."""

from __future__ import annotations

import gc
import random
import re

import pytest

from pipeline.compute.collector import paused_cycle_collector
from pipeline.text import literal_alternation, sentence_spans, slugify

#: The definition the faster pattern of pipeline.text must reproduce.
_PLAIN_END = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9$£€¥])|\n+")


def plain_sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _PLAIN_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n. Foo", ".  Foo", "a.\n\n  B", "x!\" Y", "…\n\n\nZ", "  \n \n A. B.", "A.\n", "Done.) (See",
     "1. 2. 3.", "a?” “B", "Signed. \n\nThe deal.\nlower case. Next", "Mr. Smith met Dr. Jones. They agreed."],
)
def test_sentence_spans_on_corner_cases(text: str) -> None:
    assert sentence_spans(text) == plain_sentence_spans(text)


def test_sentence_spans_on_random_texts() -> None:
    rng = random.Random(11)
    alphabet = list(".!?…\"”’')]“‘([ \n\tAb1$£€¥x")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert sentence_spans(text) == plain_sentence_spans(text), repr(text)


def plain_alternation(words: list[str]) -> str:
    """The definition :func:`literal_alternation` must reproduce."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@pytest.mark.parametrize("ignore_case", [False, True])
def test_the_word_trie_matches_what_the_plain_alternation_matches(ignore_case: bool) -> None:
    rng = random.Random(5)
    alphabet = list("aAbB .-(+*$İiIısſSkK\u212a")  # shared prefixes, case pairs, metacharacters, Unicode folds
    flags = re.IGNORECASE if ignore_case else 0
    for _ in range(3_000):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(0, 8))]
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for template in ("(?:{})", r"(?<![\w-])(?:{})(?![\w])", "(?:{})b"):  # alone, bounded, followed
            plain = re.compile(template.format(plain_alternation(words)), flags)
            trie = re.compile(template.format(literal_alternation(words, ignore_case=ignore_case)), flags)
            assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)], (
                words, text, template,
            )


def test_slugify_gives_the_same_slug_from_its_memory() -> None:
    assert slugify("People’s Bank of China") == slugify("People’s Bank of China") == "peoples-bank-of-china"


def test_the_collector_pause_nests_and_ends_on_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with paused_cycle_collector():
            with paused_cycle_collector():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the outer pause still holds
            raise ValueError("stop")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_cycle_collector():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
