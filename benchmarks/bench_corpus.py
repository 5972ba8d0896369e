"""A deterministic benchmark corpus of any size, built from the seed articles' sentences.

Each article is a seed title, then three or four paragraphs of seed sentences (from every
article of ``raw/``) in which the organisation names and the money figures are replaced by
generated ones, and one or two generated deal sentences ("Kalomi Holdings signed a EUR 12.5
million supply contract with Dorvane Bank."). Organisation names are built from syllables
and head words (distinct per number), amounts from a log-uniform draw and currencies from
every ISO 4217 code pycountry knows, written as a code, a symbol or a name, before or after
the number. So the corpus is not five articles repeated: names, figures and currencies vary
the way a news feed does, while the sentences stay real prose. The same ``count`` and
``seed`` always give the same bytes.

    .venv/bin/python benchmarks/bench_corpus.py OUT_DIR COUNT   # writes OUT_DIR/bench_000000.txt...
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pycountry

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = PROJECT_ROOT / "raw"

_SENTENCE_END = re.compile(r"(?<=[.!?”])\s+(?=[A-Z“\"])")
MIN_PARAGRAPH_CHARS = 60  # shorter lines are headings and page furniture

#: Organisations named in the seed sentences, replaced by generated names of the same kind.
SEED_ORGANISATIONS = {
    "Asian Infrastructure Investment Bank": "Bank",
    "Sberbank": "Bank",
    "Eurasian Economic Union": "Union",
    "Xinhua news agency": "News Agency",
    "Xinhua": "News Agency",
    "BBC News": "News",
    "CNN": "Media Group",
    "Want China Times": "Times",
    "Asia-Pacific Economic Cooperation": "Council",
    "Asia Pacific Economic Cooperation": "Council",
    "Central Military Council of China": "Council",
    "United Nations": "Council",
    "Nato": "Alliance",
    "Gazprom": "Energy",
    "Rosneft": "Oil Company",
    "China National Petroleum Corporation": "Petroleum Corporation",
    "CNPC": "Petroleum Corporation",
}
_SEED_ORG_PATTERN = re.compile("|".join(re.escape(n) for n in sorted(SEED_ORGANISATIONS, key=len, reverse=True)))

#: "$400 billion", "$4 trillion", "$1 billion": the figures the seeds write.
_SEED_MONEY = re.compile(r"(?:US)?\$\s?\d[\d,.]*(?:\s(?:million|billion|trillion))?")

SYLLABLES = ["ka", "lo", "mi", "ren", "to", "va", "dor", "se", "nu", "bri", "fa", "gol", "hi", "pel", "qui", "zan",
             "mar", "tel", "os", "vin", "ra", "cu", "bel", "sto"]
HEADS = ["Holdings", "Bank", "Group", "Energy", "Mining Corp", "Airlines", "Telecom", "Capital",
         "Industries Ltd", "Pharmaceuticals", "Motors", "Shipping Co", "Steel", "Development Bank",
         "Investment Fund", "Power Corporation", "Logistics", "Foods Inc"]
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "NGN": "₦", "KRW": "₩", "PHP": "₱", "ILS": "₪",
           "UAH": "₴", "VND": "₫", "TRY": "₺", "AUD": "A$", "CAD": "C$", "HKD": "HK$", "SGD": "S$"}
MULTIPLIERS = ["", " million", " billion", "m", "bn", " thousand"]
DEALS = ["supply contract", "loan agreement", "joint venture", "takeover", "merger agreement",
         "credit facility", "licensing deal", "memorandum of understanding", "concession", "aircraft order",
         "settlement", "power purchase agreement"]
VERBS = ["signed", "agreed", "announced", "sealed", "reached", "finalised"]
DEAL_SENTENCES = [
    "{a} {verb} a {money} {deal} with {b}.",
    "{a} and {b} {verb} a {deal} worth {money}, the companies said on {day}.",
    "Under the {deal}, {b} will pay {a} {money} over {years} years.",
    "{a} said on {day} it had {verb} a {money} {deal} with {b} and {c}.",
    "The {deal} between {a} and {b}, valued at {money}, is expected to close in {year}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def organisation_name(i: int, head: str | None = None) -> str:
    """A distinct made-up organisation per number, with a head word telling its kind.

    >>> organisation_name(0), organisation_name(25, "Bank")
    ('Kaka Holdings', 'Lolo Bank')
    """
    word = SYLLABLES[i % len(SYLLABLES)] + SYLLABLES[(i // len(SYLLABLES)) % len(SYLLABLES)]
    rest = i // len(SYLLABLES) ** 2
    while rest:  # a third, fourth... syllable once the pairs run out
        word += SYLLABLES[rest % len(SYLLABLES)]
        rest //= len(SYLLABLES)
    return f"{word.capitalize()} {head or HEADS[i % len(HEADS)]}"


def currency_codes() -> list[str]:
    """Every ISO 4217 code of a circulating currency (no funds, metals or test codes)."""
    skip = {"XAU", "XAG", "XPT", "XPD", "XTS", "XXX", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}
    return sorted(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in skip)


def money_phrase(rng: random.Random, codes: list[str]) -> str:
    """An amount in a random currency, as a code, symbol or name, before or after the number."""
    code = rng.choice(list(SYMBOLS)) if rng.random() < 0.4 else rng.choice(codes)
    multiplier = rng.choice(MULTIPLIERS)
    amount = 10 ** rng.uniform(0, 3)
    number = f"{amount:,.0f}" if amount >= 100 or rng.random() < 0.5 else f"{amount:.1f}"
    form = rng.random()
    if code in SYMBOLS and form < 0.6:
        return f"{SYMBOLS[code]}{number}{multiplier}"
    if form < 0.8:
        return f"{code} {number}{multiplier}"
    name = pycountry.currencies.get(alpha_3=code).name
    return f"{number}{multiplier or ' million'} {name}"


class CorpusWriter:
    """Draws articles from one random generator seeded once, so article i is the same for
    every corpus size (a 1,000-article corpus is the start of the 10,000-article one)."""

    def __init__(self, seed: int = 11, seed_dir: Path = SEED_DIR) -> None:
        self.rng = random.Random(seed)
        self.titles, self.sentences = seed_parts(seed_dir)
        self.codes = currency_codes()
        self.next_org = 0

    def _organisation(self, head: str | None = None) -> str:
        # a few recurring organisations (cross-article resolution has work) and a long tail
        if self.rng.random() < 0.3:
            return organisation_name(self.rng.randrange(50), head)
        self.next_org += 1
        return organisation_name(50 + self.next_org, head)

    def _vary(self, sentence: str) -> str:
        sentence = _SEED_ORG_PATTERN.sub(lambda m: self._organisation(SEED_ORGANISATIONS[m.group(0)]), sentence)
        return _SEED_MONEY.sub(lambda m: money_phrase(self.rng, self.codes), sentence)

    def _deal_sentence(self) -> str:
        return self.rng.choice(DEAL_SENTENCES).format(
            a=self._organisation(), b=self._organisation(), c=self._organisation(),
            verb=self.rng.choice(VERBS), deal=self.rng.choice(DEALS), money=money_phrase(self.rng, self.codes),
            day=self.rng.choice(DAYS), years=self.rng.randint(2, 30), year=self.rng.randint(2015, 2030),
        )

    def article(self) -> str:
        """One article: a seed title, 3-4 paragraphs of 2-3 varied seed sentences, and one or
        two generated deal sentences placed in random paragraphs."""
        paragraphs = [
            [self._vary(self.rng.choice(self.sentences)) for _ in range(self.rng.randint(2, 3))]
            for _ in range(self.rng.randint(3, 4))
        ]
        for _ in range(self.rng.randint(1, 2)):
            self.rng.choice(paragraphs).insert(0, self._deal_sentence())
        return "\n\n".join([self.rng.choice(self.titles), *(" ".join(p) for p in paragraphs)]) + "\n"

    def articles(self, count: int) -> Iterator[str]:
        for _ in range(count):
            yield self.article()


def seed_parts(folder: Path = SEED_DIR) -> tuple[list[str], list[str]]:
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


def write_corpus(folder: Path, count: int, seed: int = 11) -> list[Path]:
    """``count`` articles as ``bench_000000.txt``... in ``folder``; the same bytes for the
    same ``count`` and ``seed``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(CorpusWriter(seed).articles(count)):
        path = folder / f"bench_{i:06d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    written = write_corpus(Path(sys.argv[1]), int(sys.argv[2]))
    print(f"{len(written)} articles, {sum(p.stat().st_size for p in written) / 1e6:.1f} MB in {sys.argv[1]}")
