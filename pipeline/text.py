"""Small text helpers shared by the extractors."""

from __future__ import annotations

import re
import unicodedata

_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or over per the to up via vs with".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9$£€¥])|\n+")


def slugify(text: str) -> str:
    """Lower-case ASCII slug.

    >>> slugify("Organisation for the Prohibition of Chemical Weapons")
    'organisation-for-the-prohibition-of-chemical-weapons'
    >>> slugify("People’s Bank of China")
    'peoples-bank-of-china'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"['’]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end offsets of the line holding ``pos``."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def is_title_case_line(line: str) -> bool:
    """A headline-style line where (almost) every word is capitalised.

    >>> is_title_case_line("Russia, China Aim To Jointly Reconstruct The Current World Order")
    True
    >>> is_title_case_line("The Asian Infrastructure Investment Bank is based in Beijing.")
    False
    """
    words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", line) if w.lower() not in _SMALL_WORDS]
    if len(words) < 4:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised / len(words) >= 0.85


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of a text (a line break always ends a sentence).

    >>> t = "Russia signed. China agreed.\\nNew line"
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['Russia signed.', 'China agreed.', 'New line']
    """
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]
