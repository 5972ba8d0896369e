"""find_agreements is linear in its input on hostile text (issue 8).

Each hostile form is a block repeated; the block's figures and organisation mentions are found
once by the real finders (as extract_document finds them) and shifted to every copy, so only
find_agreements is timed. Ten times the text may cost at most about ten times the time: the
bound is 18 (12, the issue's figure, with room for a busy shared machine). The issue's own
sizes, 0.1 MB and 1 MB, are printed by ``benchmarks/agreement_hostile.py``; here 20 kB and
200 kB keep the test to seconds (a time under 5 ms counts as 5 ms: below that the clock
measures the machine, not the code).
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from pipeline.extract.agreements import PartyMention, find_agreements
from pipeline.extract.money import MoneyFigure, find_monetary_figures
from pipeline.extract.organisations import find_organisation_mentions, resolve_organisations

ONE_LINE_ARTICLE = (
    "Acme Corp signed a $2 billion supply deal with the Government of Kenya on Monday, and the "
    "deal was welcomed by Kenya Airways. The contract runs for ten years; the takeover of Beta "
    "Holdings by Gamma Bank, agreed last year, closed too. "
)
UNITS = {
    "one-line article": ONE_LINE_ARTICLE,
    "capitalised run": "Bank Trade Agreement Deal Union Ministry ",
    "and-chain of names": "Bank of China and ",
    "repeated figures": "$1 billion and ",
    "deal deal deal": "deal ",
    "commas": ",",
    "brackets": "(",
    "many agreements": "Russia and China signed a $1 billion gas deal. The deal stalled. ",
    "many headings": "Title\n\nTrade Agreement\n\n",
}
BLOCK_CHARS = 2_000
SMALL_COPIES, LARGE_COPIES = 10, 100  # 20 kB and 200 kB


def tiled_inputs(block: str, copies: int) -> tuple[list[MoneyFigure], list[PartyMention]]:
    mentions = find_organisation_mentions(block)
    organisations, org_id_of = resolve_organisations({"doc": mentions})
    by_id = {o.org_id: o for o in organisations}
    parties = [
        PartyMention(m.start, m.end, by_id[org_id_of[m.key]].name, by_id[org_id_of[m.key]].type) for m in mentions
    ]
    figures = find_monetary_figures(block)
    n = len(block)
    return (
        [replace(f, start=f.start + k * n, end=f.end + k * n) for k in range(copies) for f in figures],
        [replace(o, start=o.start + k * n, end=o.end + k * n) for k in range(copies) for o in parties],
    )


def seconds_for(block: str, copies: int) -> float:
    text = block * copies
    figures, parties = tiled_inputs(block, copies)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        find_agreements(text, figures, organisations=parties)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("form", list(UNITS))
def test_ten_times_the_text_costs_about_ten_times_the_time(form: str) -> None:
    unit = UNITS[form]
    block = unit * -(-BLOCK_CHARS // len(unit))
    find_agreements(block)  # rules loaded before timing
    small = seconds_for(block, SMALL_COPIES)
    large = seconds_for(block, LARGE_COPIES)
    assert large <= 18 * max(small, 0.005), f"{form}: {small:.3f} s for 20 kB, {large:.3f} s for 200 kB"


def test_the_hostile_forms_still_find_what_they_name() -> None:
    """The linear paths keep their results: every "deal" of the repeated sentences is found."""
    text = UNITS["many agreements"] * 50
    found = find_agreements(text, find_monetary_figures(text))
    assert found and all(a.kind == "deal" and a.amount == 1e9 for a in found)
    assert sum(len(a.mentions) for a in found) == 100
