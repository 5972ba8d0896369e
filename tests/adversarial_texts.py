"""Hostile texts of any size for the per-extractor linear-time checks (issue 8) and
``benchmarks/extraction_speed.py``: each generator takes a size in characters and returns a
text of exactly that size, one unit repeated. (``tests/hostile.py`` has the seeded generators
and mixes of the property test over every stage.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pipeline.extract.agreements import PartyMention
from pipeline.extract.document import party_mentions
from pipeline.extract.money import MoneyFigure, find_monetary_figures
from pipeline.extract.organisations import find_organisation_mentions


def repeated(unit: str) -> Callable[[int], str]:
    """A unit repeated to the size asked, cut at the end.

    >>> repeated("ab")(5)
    'ababa'
    """
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def one_long_number(head: str, body: str, tail: str) -> Callable[[int], str]:
    """``head`` + ``body`` repeated + ``tail``: one number run of the size asked.

    >>> one_long_number("$", "9", " dollars")(12)
    '$999 dollars'
    """
    return lambda size: head + body * ((size - len(head) - len(tail)) // len(body)) + tail


MONEY_ADVERSARIES: dict[str, Callable[[int], str]] = {
    "repeated figures": repeated("$1 billion and "),
    "repeated shared symbols": repeated("¥1 billion and Rs 5 crore in Japan, "),
    "repeated currency words": repeated("dollars rupees won "),
    "repeated one-letter symbols": repeated("R1 N2 K3 "),
    "figures without spaces": repeated("$1"),
    "words without spaces": repeated("1billiondollars"),
    "one-line article": repeated(
        "The ministry signed a loan of Sh 4.5 billion (about $35m) with the bank, officials in Nairobi "
        "said; the 700-million-euro credit line and 3 trillion won of bonds follow. "
    ),
    "commas": repeated(","),
    "brackets": repeated("(["),
    "digits": repeated("7"),
    "spaced numbers": repeated("12 "),
    "hyphen runs": repeated("5-"),
    "number with thousands": one_long_number("$", ",000", " dollars"),
    "dollar and digits": one_long_number("$", "9", ""),
}


ORGANISATION_ADVERSARIES: dict[str, Callable[[int], str]] = {
    "capitalised run": repeated("Bank "),
    "capitalised run without head": repeated("Alpha Beta "),
    "and-chain of names": repeated("Bank of China and "),
    "commas": repeated(","),
    "brackets": repeated("("),
    "acronym brackets": repeated("Alpha Beta Bank (ABB) "),
    "repeated names": repeated("Zentrix Corp. signed with Gazprom, the gas producer. "),
    "one-line article": repeated(
        "The Asian Infrastructure Investment Bank (AIIB) and drug maker Novaxis said in a statement "
        "that Uralite's shares rose after the Harbour Bank (Asia) Ltd. loan. "
    ),
}


#: Units repeated into blocks for the agreement finder's linear-time check and benchmark.
AGREEMENT_UNITS: dict[str, str] = {
    "one-line article": (
        "Acme Corp signed a $2 billion supply deal with the Government of Kenya on Monday, and the "
        "deal was welcomed by Kenya Airways. The contract runs for ten years; the takeover of Beta "
        "Holdings by Gamma Bank, agreed last year, closed too. "
    ),
    "capitalised run": "Bank Trade Agreement Deal Union Ministry ",
    "and-chain of names": "Bank of China and ",
    "repeated figures": "$1 billion and ",
    "deal deal deal": "deal ",
    "commas": ",",
    "brackets": "(",
    "many agreements": "Russia and China signed a $1 billion gas deal. The deal stalled. ",
    "many headings": "Title\n\nTrade Agreement\n\n",
}


def tiled_agreement_inputs(block: str, copies: int) -> tuple[list[MoneyFigure], list[PartyMention]]:
    """The figures and organisation mentions of ``block`` (found once by the real finders, as
    extract_document finds them) shifted to each of ``copies`` copies: so that only
    find_agreements is timed on ``block * copies``."""
    figures, parties, n = find_monetary_figures(block), party_mentions(find_organisation_mentions(block)), len(block)
    return (
        [replace(f, start=f.start + k * n, end=f.end + k * n) for k in range(copies) for f in figures],
        [replace(o, start=o.start + k * n, end=o.end + k * n) for k in range(copies) for o in parties],
    )
