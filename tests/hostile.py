"""Adversarial text for the linear-time guard: generators, pipeline stages and a bounded timer.

Every generator is a pure function ``(size_bytes, seed) -> str`` that returns about
``size_bytes`` of UTF-8 text shaped to hit one weak spot of an extractor (a long capitalised
run, an "and"-chain of names, thousands of figures, a one-line megabyte article, 10^5 commas
or brackets...). Every fragment is written for this module; none is taken from an article.
:func:`mix` composes generators into one text, so hypothesis strategies can draw sizes, mixes
and seeds (``tests/test_hostile_text.py``) and ``benchmarks/hostile_text.py`` can print the
seconds per megabyte of each generator and stage.

:func:`time_stage` runs one stage on one text in a forked child process that is killed at a
deadline, so a quadratic path costs the deadline, never the hour it would take.
"""

from __future__ import annotations

import functools
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.extract.agreements import PartyMention, find_agreements
from pipeline.extract.document import extract_document, party_mentions
from pipeline.extract.money import find_monetary_figures
from pipeline.extract.organisations import find_organisation_mentions
from pipeline.ingest.cleaning import clean_text

Generator = Callable[[int, int], str]

#: Seconds per megabyte of input that no stage may exceed on any generator (README "Hostile text")
#: on the reference machine (2 cores, where ordinary prose costs ``REFERENCE_PROSE_SECONDS_PER_MB``).
#: A guard against quadratic blow-ups, not a speed target; :func:`bound_for_this_machine` scales
#: it to a slower machine.
SECONDS_PER_MB_BOUND = 20.0
#: :func:`prose_seconds_per_mb` (rules only) on the reference machine (AMD EPYC, 2 cores,
#: 2026-12): 1.1-1.3 s/MB.
REFERENCE_PROSE_SECONDS_PER_MB = 1.2
MEGABYTE = 1_000_000
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _fill(size: int, unit: Callable[[], str], separator: str = "") -> str:
    """Draw units until ``size`` UTF-8 bytes, then cut to exactly ``size`` bytes (or fewer by
    the bytes of one split character).

    >>> _fill(10, lambda: "abc ")
    'abc abc ab'
    """
    parts: list[str] = []
    total = 0
    while total < size:
        part = unit() + separator
        parts.append(part)
        total += len(part.encode("utf-8"))
    return "".join(parts).encode("utf-8")[:size].decode("utf-8", "ignore")


_HEADS = ["Bank", "Ministry", "Council", "Agency", "Union", "Fund", "Corporation", "Organisation", "Authority"]
_NAME_WORDS = [
    "Northern", "Kestrel", "Orinoco", "Valdor", "Energy", "Trade", "Harbour", "Pacific", "Steppe",
    "Lumen", "Atlas", "Meridian", "Corvane", "National", "Federal", "Quarry", "Silverline", "Tundra",
]
_PLACES = ["Ruritania", "Freedonia", "China", "Russia", "India", "Brazil", "Kazakhstan", "Egypt"]
_CONNECTORS = ["of", "for", "the", "and", "on", "de", "la", "du", "&"]


def repeated_head_word(size: int, seed: int) -> str:
    """One capitalised head word repeated on one line: "Bank Bank Bank ..."."""
    word = random.Random(seed).choice(_HEADS)
    return _fill(size, lambda: word, " ")


def capitalised_run(size: int, seed: int) -> str:
    """One unbroken run of capitalised words, head words and connectors, no punctuation; the
    foreign connectors ("de", "la") keep the line from looking like a Title Case headline."""
    rng = random.Random(seed)

    def unit() -> str:
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(_CONNECTORS)
        if roll < 0.55:
            return rng.choice(_HEADS)
        return rng.choice(_NAME_WORDS + _PLACES)

    return _fill(size, unit, " ")


def and_chain(size: int, seed: int) -> str:
    """Organisation names joined by "and" in one endless sentence: "Bank of X and Banco de la Y and ..."."""
    rng = random.Random(seed)
    forms = ["{h} of {p} and", "{h} de la {p} and", "{h} du {p} and the", "{p} {h} and"]
    return _fill(size, lambda: rng.choice(forms).format(h=rng.choice(_HEADS), p=rng.choice(_PLACES)), " ")


def unicode_names(size: int, seed: int) -> str:
    """Thousands of distinct organisation names that differ only in letters outside ASCII
    ("Kжуково Bank", "Kёлкино Bank"): different names, one ASCII slug."""
    rng = random.Random(seed)
    letters = "абвгдежзиклмнопрстуфхцчшщэюяё"

    def unit() -> str:
        word = rng.choice("KZ") + "".join(rng.choice(letters) for _ in range(rng.randint(4, 8)))
        return f"officials of the {word} {rng.choice(_HEADS)} met."

    return _fill(size, unit, " ")


def repeated_figures(size: int, seed: int) -> str:
    """The same money phrase again and again: "$1 billion and $1 billion and ..."."""
    phrase = random.Random(seed).choice(["$1 billion and", "¥3 billion and", "5 billion euros and", "$2-3 bn,"])
    return _fill(size, lambda: phrase, " ")


def varied_figures(size: int, seed: int) -> str:
    """Many different figures, ranges, rates and qualifiers in one line."""
    rng = random.Random(seed)
    forms = [
        "about ${n} billion", "¥{n} trillion", "{n} million euros", "Rs {n} crore", "US${n}.5bn",
        "${n}-{m} million", "{n} billion yuan", "more than £{n}m", "${n} per barrel", "{n} billion",
    ]
    return _fill(
        size,
        lambda: rng.choice(forms).format(n=rng.randint(1, 999), m=rng.randint(1000, 2000)) + rng.choice([",", " and", ";"]),
        " ",
    )


_SENTENCES = [
    "Freedonia and Ruritania signed a {n} billion dollar gas deal with the Valdor Energy Corporation in {y}",
    "The Northern Harbour Bank (NHB) agreed to lend ${n} million to the Ministry of Trade of Ruritania",
    "Officials said the memorandum of understanding on rail links would be ratified by the Steppe Council",
    "Under the {y} treaty, China and Kazakhstan pledged to build a pipeline worth ${n}.{m} billion",
    "The NHB and the Atlas Development Fund reached an agreement on a joint investment programme",
    "Brazil's Ministry of Energy said the contract was suspended after talks with India collapsed",
]


def _sentence_run(size: int, seed: int, end: str) -> str:
    """News-like sentences, each closed by ``end``, joined by spaces on one line."""
    rng = random.Random(seed)
    return _fill(
        size,
        lambda: rng.choice(_SENTENCES).format(n=rng.randint(1, 900), m=rng.randint(1, 9), y=rng.randint(1990, 2030)) + end,
        " ",
    )


def one_line_article(size: int, seed: int) -> str:
    """A megabyte article on a single line: news-like sentences joined by spaces, no newline."""
    return _sentence_run(size, seed, ".")


def endless_sentence(size: int, seed: int) -> str:
    """One sentence that never ends, full of agreements, countries and organisations."""
    return _sentence_run(size, seed, ",")


def comma_flood(size: int, seed: int) -> str:
    """10^5 commas and more: bare, or between trigger words ("deal, deal, ...")."""
    rng = random.Random(seed)
    return _fill(size, lambda: rng.choice([",", ",", ",", ", ", "deal, ", "China, ", "Bank, "]))


def bracket_flood(size: int, seed: int) -> str:
    """10^5 brackets: opened, closed, nested, or around capitalised letters ("(A) (B) ...")."""
    rng = random.Random(seed)
    return _fill(size, lambda: rng.choice(["(", "(", ")", "([", "(A) ", "Bank (B", "[", "]"]))


def acronym_definitions(size: int, seed: int) -> str:
    """Thousands of distinct acronym definitions: "Kestrel Atlas Bank (KAB) ..."."""
    rng = random.Random(seed)

    def unit() -> str:
        words = [rng.choice(_NAME_WORDS) for _ in range(rng.randint(1, 3))] + [rng.choice(_HEADS)]
        acronym = "".join(w[0] for w in words) + "".join(rng.choice("ABCDEFGHKLMNPRSTVWXZ") for _ in range(2))
        return f"The {' '.join(words)} ({acronym}) met the {acronym}."

    return _fill(size, unit, " ")


def short_lines(size: int, seed: int) -> str:
    """Thousands of short lines, many repeated: headings holding a trigger, bare words, blanks."""
    rng = random.Random(seed)
    lines = ["Gas deal", "Trade agreement signed", "", "Bank of Ruritania", "$1 billion", "Updated on", "Photo: Staff"]
    return _fill(size, lambda: rng.choice(lines), "\n")


GENERATORS: dict[str, Generator] = {
    "repeated_head_word": repeated_head_word,
    "capitalised_run": capitalised_run,
    "and_chain": and_chain,
    "repeated_figures": repeated_figures,
    "varied_figures": varied_figures,
    "one_line_article": one_line_article,
    "endless_sentence": endless_sentence,
    "comma_flood": comma_flood,
    "bracket_flood": bracket_flood,
    "acronym_definitions": acronym_definitions,
    "unicode_names": unicode_names,
    "short_lines": short_lines,
}


def mix(parts: Sequence[tuple[str, float]], size: int, seed: int, separator: str = " ") -> str:
    """Text of about ``size`` bytes made of consecutive stretches of several generators, each
    taking its share (by weight) of the size.

    >>> text = mix([("comma_flood", 1), ("repeated_head_word", 1)], 200, 7)
    >>> 190 <= len(text.encode()) <= 201
    True
    """
    total = sum(weight for _, weight in parts) or 1.0
    return separator.join(
        GENERATORS[name](max(1, int(size * weight / total)), seed + i) for i, (name, weight) in enumerate(parts)
    )


# --- stages: prepare (untimed) the inputs of one extractor, then run it (timed) -------------


@dataclass(frozen=True)
class Stage:
    """One step of the per-document pipeline; ``prepare`` builds its inputs from raw text
    (not timed), ``run`` is what is timed."""

    name: str
    prepare: Callable[[str], Any]
    run: Callable[[Any], Any]


def _cleaned(raw: str) -> str:
    return clean_text(raw).text


def _agreement_inputs(raw: str) -> tuple[str, list[Any], list[PartyMention]]:
    text = _cleaned(raw)
    return text, find_monetary_figures(text), party_mentions(find_organisation_mentions(text))


STAGES: dict[str, Stage] = {
    s.name: s
    for s in [
        Stage("cleaning", lambda raw: raw, clean_text),
        Stage("organisations", _cleaned, find_organisation_mentions),
        Stage("money", _cleaned, find_monetary_figures),
        Stage("agreements", _agreement_inputs, lambda args: find_agreements(args[0], args[1], organisations=args[2])),
        Stage("document", _cleaned, extract_document),
        Stage("article", lambda raw: raw, lambda raw: extract_document(clean_text(raw).text)),  # cleaning + document
    ]
}


def warm_up() -> None:
    """Load and compile every rule file once, so no timing includes it."""
    for stage in STAGES.values():
        stage.run(stage.prepare("Warm-up: Russia signed a $1 billion deal with the Bank of China (BOC)."))


def prose_seconds_per_mb(repeats: int = 5) -> float:
    """Seconds per MB of the ``article`` stage (cleaning, then ``extract_document``) on ordinary
    prose, the seed articles of ``raw/`` once each (26 KB, about 30 ms), best of ``repeats``, in
    this process. Once, not repeated: the seeds four times over measure 0.39 s/MB on the
    reference machine, a third of a new text's cost, and would never scale a bound."""
    articles = sorted((PROJECT_ROOT / "raw").glob("*.txt"))
    text = "\n\n".join(path.read_text(encoding="utf-8") for path in articles)
    megabytes = len(text.encode("utf-8")) / MEGABYTE
    stage = STAGES["article"]
    inputs = stage.prepare(text)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        stage.run(inputs)
        best = min(best, time.perf_counter() - started)
    return best / megabytes


@functools.cache
def machine_slowness() -> float:
    """How many times slower than the reference machine this one runs ordinary prose just now
    (never below 1: a faster machine keeps the reference bound). Measured once per process,
    after :func:`warm_up`, with the extraction mode of the environment at the first call."""
    return max(1.0, prose_seconds_per_mb() / REFERENCE_PROSE_SECONDS_PER_MB)


def bound_for_this_machine(bound: float = SECONDS_PER_MB_BOUND) -> float:
    """``bound`` (seconds per MB on the reference machine) scaled by :func:`machine_slowness`:
    a loaded CI machine that runs prose twice as slowly gets twice the seconds, while a
    quadratic path, a hundred times slower at 1 MB than at 0.1 MB, still fails."""
    return bound * machine_slowness()


@dataclass(frozen=True)
class Timing:
    """Seconds one stage took on ``megabytes`` of input. ``seconds`` is None when the stage
    did not finish: still running at the deadline, its input (the earlier stages) not ready
    in two deadlines and 5 s, or ``error`` (an exception it raised, such as a RecursionError)."""

    generator: str
    stage: str
    megabytes: float
    seconds: float | None
    deadline: float
    prepared: bool = True
    error: str | None = None

    @property
    def seconds_per_mb(self) -> float | None:
        return None if self.seconds is None else self.seconds / self.megabytes

    def describe(self) -> str:
        what = f"{self.stage} on {self.megabytes:.2f} MB of {self.generator}"
        if self.error:
            return f"{what}: crashed with {self.error}"
        if not self.prepared:
            return f"{what}: its input (earlier stages) not ready after {2 * self.deadline + 5:.0f} s"
        if self.seconds is None:
            return f"{what}: still running after {self.deadline:.0f} s"
        return f"{what}: {self.seconds:.2f} s = {self.seconds_per_mb:.2f} s/MB"


def _child(stage_name: str, raw: str, connection: Any) -> None:
    stage = STAGES[stage_name]
    try:
        inputs = stage.prepare(raw)
        connection.send(("prepared", None))
        started = time.perf_counter()
        stage.run(inputs)
        connection.send(("done", time.perf_counter() - started))
    except Exception as error:  # reported to the parent as this stage's result
        connection.send(("error", f"{type(error).__name__}: {str(error)[:200]}"))
    connection.close()


def time_stage(stage_name: str, raw: str, deadline: float, generator: str = "text") -> Timing:
    """Time one stage on one raw text in a forked child (rules already loaded by the parent),
    killed when its timed part runs past ``deadline`` seconds."""
    megabytes = len(raw.encode("utf-8")) / MEGABYTE
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(stage_name, raw, sender), daemon=True)
    child.start()
    sender.close()
    prepared, seconds, error = False, None, None
    try:
        # preparing runs the earlier stages (cleaning; figures and organisations for agreements)
        if receiver.poll(2 * deadline + 5.0):
            kind, value = receiver.recv()
            prepared = kind == "prepared"
            error = value if kind == "error" else None
            if prepared and receiver.poll(deadline):
                kind, value = receiver.recv()
                seconds = value if kind == "done" else None
                error = value if kind == "error" else None
    except EOFError:
        error = f"child process died (exit code {child.exitcode})"
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    return Timing(generator, stage_name, megabytes, seconds, deadline, prepared or error is not None, error)
