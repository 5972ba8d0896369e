"""Find monetary figures: amount in currency units, ISO 4217 currency, qualifier, range, rate.

Small parsing steps in the manner of price-parser: :func:`parse_number` turns the written
number into a float, :func:`find_monetary_figures` finds the figures and keeps each one's
original text and offsets. Every word list comes from ``schemas/rules/money.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import ahocorasick

from pipeline.rules import load_rules

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_DASH = r"(?:-|–|—|to)"
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class MoneyFigure:
    """One mention of an amount of money; ``text`` is the source verbatim."""

    start: int
    end: int
    text: str
    amount: float | None
    low: float | None
    high: float | None
    currency: str | None
    qualifier: str
    multiplier: str | None
    per: str | None


@dataclass(frozen=True)
class MoneyRules:
    prefix_currencies: dict[str, str]
    suffix_currencies: dict[str, str]
    multipliers: dict[str, float]
    short_multipliers: frozenset[str]
    need_multiplier: frozenset[str]
    number_words: dict[str, float]
    qualifier_before: list[tuple[re.Pattern[str], str]]
    qualifier_after: list[tuple[re.Pattern[str], str]]
    yuan_words: re.Pattern[str]
    yen_words: re.Pattern[str]
    yen_default: str
    prefix_pattern: re.Pattern[str]
    suffix_pattern: re.Pattern[str]
    missing_pattern: re.Pattern[str]
    rate_pattern: re.Pattern[str]
    range_tail: re.Pattern[str]
    anchors: Any  # Aho-Corasick automaton of currency symbols, codes, words and multipliers


def _anchor_automaton(words: list[str]) -> Any:
    """Words without which no figure can match, lower-cased, for a fast first pass."""
    automaton = ahocorasick.Automaton()
    for word in {w.lower() for w in words}:
        automaton.add_word(word, (len(word), word[0].isalpha() or word[-1].isalpha()))
    automaton.make_automaton()
    return automaton


def candidate_windows(text: str, rules: MoneyRules | None = None, margin: int = 80) -> list[tuple[int, int]]:
    """Stretches of text that can hold a figure: around each currency symbol, code, word or
    multiplier (found in one Aho-Corasick pass), widened to whole words and merged. The
    regular expressions then run on these stretches only.

    >>> t = "Nothing here. Then $4 billion, later."
    >>> [t[s:e] for s, e in candidate_windows(t, margin=5)]
    ['Then $4 billion, later.']
    """
    rules = rules or default_money_rules()
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare character whose lower case is longer: scan it all
        return [(0, len(text))]
    windows: list[tuple[int, int]] = []
    for end_index, (length, is_word) in rules.anchors.iter(lowered):
        start, end = end_index - length + 1, end_index + 1
        if is_word and (
            (start > 0 and lowered[start - 1].isalpha()) or (end < len(text) and lowered[end].isalpha())
        ):
            continue  # "rs" inside "years"
        lo = max(0, start - margin)
        lo = lowered.rfind(" ", 0, lo) + 1 if lo > 0 else 0
        hi = min(len(text), end + margin)
        space = _SPACE.search(text, hi)
        hi = space.start() if space else len(text)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows


def _alternation(items: list[str]) -> str:
    return "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))


def build_money_rules(data: dict[str, Any]) -> MoneyRules:
    multipliers = {k.lower(): float(v) for k, v in data["multipliers"].items()}
    short = frozenset(data["short_multipliers"])
    long_mult = _alternation([m for m in multipliers if m not in short])
    short_mult = _alternation(sorted(short))
    number_words = {k.lower(): float(v) for k, v in data["number_words"].items()}
    words = _alternation(list(number_words))
    number = rf"(?:{_DIGITS}|(?i:{words})(?:-(?i:{words}))?)"
    prefixes = data["prefix_currencies"]
    symbol_prefixes = [p for p in prefixes if not p.isalpha() and not p.rstrip(".").isalpha()]
    code_prefixes = [p for p in prefixes if p not in symbol_prefixes]
    prefix = rf"(?:{_alternation(symbol_prefixes)}|(?<![\w$])(?:{_alternation(code_prefixes)})(?=[\s\d$]))"
    multiplier = rf"(?:(?:[ \t]|\n|-)?(?P<mult>(?i:{long_mult}))(?![\w])|[ ]?(?P<smult>(?i:{short_mult}))(?![\w$£€]))"
    prefix_pattern = re.compile(
        rf"(?P<cur>{prefix})[ ]?(?P<num>{number})"
        rf"(?:[ ]?{_DASH}[ ]?(?:{prefix})?[ ]?(?P<num2>{number})(?=[\s\-]?(?i:{long_mult}|{short_mult})|[\s,.;:)]|$))?"
        rf"{multiplier}?"
    )
    suffix_words = data["suffix_currencies"]
    codes = [w for w in suffix_words if w.isupper()]
    names = [w for w in suffix_words if not w.isupper()]
    suffix_pattern = re.compile(
        rf"(?<![\w.,$£€¥₽₹])(?P<num>{number})(?:[ ]?{_DASH}[ ]?(?P<num2>{number}))?"
        rf"(?:(?:[ \t\n]|-)(?P<mult>(?i:{long_mult})))?"
        rf"[ \t\n](?P<cur>(?i:{_alternation(names)})|{_alternation(codes)})(?![\w])"
    )
    verbs = _alternation(data["missing_number"]["verbs"])
    missing_pattern = re.compile(
        rf"(?i:(?<![\w])(?:{verbs}))[ ](?P<mult>(?i:billion|million|trillion))(?![\w])"
    )
    rate_pattern = re.compile(
        rf"^[ ]?(?P<sep>(?i:per|a|an|each)[ ]|/[ ]?)(?P<unit>(?i:{_alternation(data['rates']['units'])}))(?![\w])"
    )

    def qualifier_patterns(table: dict[str, list[str]], before: bool) -> list[tuple[re.Pattern[str], str]]:
        pairs = sorted(((p, q) for q, ps in table.items() for p in ps), key=lambda x: -len(x[0]))
        if before:
            return [(re.compile(rf"(?i)(?:^|[^\w]){re.escape(p)}[ ]*$"), q) for p, q in pairs]
        return [(re.compile(rf"(?i)^[ ]?{re.escape(p)}(?![\w])"), q) for p, q in pairs]

    yen = data["yen_or_yuan"]
    return MoneyRules(
        prefix_currencies=prefixes,
        suffix_currencies={k.lower() if not k.isupper() else k: v for k, v in suffix_words.items()},
        multipliers=multipliers,
        short_multipliers=short,
        need_multiplier=frozenset(w.lower() for w in data["ambiguous_suffix_currencies"]["need_multiplier"]),
        number_words=number_words,
        qualifier_before=qualifier_patterns(data["qualifiers"], True),
        qualifier_after=qualifier_patterns(data["suffix_qualifiers"], False),
        yuan_words=re.compile(rf"\b(?:{_alternation(yen['yuan_words'])})\b"),
        yen_words=re.compile(rf"\b(?:{_alternation(yen['yen_words'])})\b"),
        yen_default=yen["default"],
        prefix_pattern=prefix_pattern,
        suffix_pattern=suffix_pattern,
        missing_pattern=missing_pattern,
        rate_pattern=rate_pattern,
        anchors=_anchor_automaton(
            [*prefixes, *suffix_words, *(m for m in multipliers if m not in short)]
        ),
        range_tail=re.compile(
            rf"^[ ]?(?:-|–|—)[ ]?(?:{prefix})?[ ]?(?P<num2>{_DIGITS})"
            rf"(?:(?:[ ]|-)?(?P<mult>(?i:{long_mult}))(?![\w])|[ ]?(?P<smult>(?i:{short_mult}))(?![\w$£€]))"
        ),
    )


@cache
def default_money_rules() -> MoneyRules:
    return build_money_rules(load_rules("money.toml"))


def parse_number(text: str, rules: MoneyRules | None = None) -> float | None:
    """The value of a written number: digits with thousands separators or number words.

    >>> parse_number("1,234.5")
    1234.5
    >>> parse_number("four")
    4.0
    >>> parse_number("twenty-five")
    25.0
    >>> parse_number("lots") is None
    True
    """
    rules = rules or default_money_rules()
    cleaned = text.replace(",", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        pass
    total = 0.0
    for part in cleaned.lower().split("-"):
        if part not in rules.number_words:
            return None
        total += rules.number_words[part]
    return total


def parse_multiplier(word: str | None, rules: MoneyRules | None = None) -> float:
    """Factor of a multiplier word or abbreviation; 1 when there is none.

    >>> parse_multiplier("bn"), parse_multiplier("Trillion"), parse_multiplier(None)
    (1000000000.0, 1000000000000.0, 1.0)
    """
    rules = rules or default_money_rules()
    return rules.multipliers[word.lower()] if word else 1.0


def scale(number: float, factor: float) -> float:
    """``number * factor`` in decimal arithmetic, so that written amounts stay exact.

    >>> scale(8.2, 1e9), 8.2 * 1e9
    (8200000000.0, 8199999999.999999)
    """
    return float(Decimal(repr(number)) * Decimal(repr(factor)))


def find_qualifier(text: str, start: int, end: int, rules: MoneyRules | None = None) -> str:
    """Qualifier of the figure at text[start:end] from the words just before or after it.

    >>> t = "a combined GDP of more than $4 trillion"
    >>> find_qualifier(t, t.index("$"), len(t))
    'more_than'
    >>> t = "almost $1 billion line of credit"
    >>> find_qualifier(t, 7, 17)
    'less_than'
    """
    rules = rules or default_money_rules()
    before = text[max(0, start - 40) : start]
    for pattern, qualifier in rules.qualifier_before:
        if pattern.search(before):
            return qualifier
    after = text[end : end + 20]
    for pattern, qualifier in rules.qualifier_after:
        if pattern.search(after):
            return qualifier
    return "exact"


def resolve_currency(symbol: str, document: str, rules: MoneyRules) -> str:
    """ISO code of a currency as written; the ambiguous ``¥`` by what the article is about."""
    code = rules.prefix_currencies.get(symbol) or rules.suffix_currencies.get(
        symbol if symbol.isupper() else symbol.lower()
    )
    if code is None:
        raise KeyError(symbol)
    if code != "¥":
        return code
    yuan = len(rules.yuan_words.findall(document))
    yen = len(rules.yen_words.findall(document))
    if yuan == yen:
        return rules.yen_default
    return "CNY" if yuan > yen else "JPY"


def _normalise_symbol(symbol: str) -> str:
    return re.sub(r"\s+", " ", symbol)


def find_monetary_figures(text: str, rules: MoneyRules | None = None) -> list[MoneyFigure]:
    """Every monetary figure in a cleaned article, in text order.

    >>> [(f.text, f.amount, f.currency, f.qualifier) for f in find_monetary_figures(
    ...     "GDP of more than $4 trillion; 8.2 billion euros; USD four billion; 38 billion cubic metres")]
    [('$4 trillion', 4000000000000.0, 'USD', 'more_than'), ('8.2 billion euros', 8200000000.0, 'EUR', 'exact'), ('USD four billion', 4000000000.0, 'USD', 'exact')]
    """
    rules = rules or default_money_rules()
    figures: list[MoneyFigure] = []
    taken: list[tuple[int, int]] = []

    def overlaps(s: int, e: int) -> bool:
        return any(s < te and ts < e for ts, te in taken)

    windows = candidate_windows(text, rules)
    for pattern in (rules.prefix_pattern, rules.suffix_pattern):
        for match in (m for lo, hi in windows for m in pattern.finditer(text, lo, hi)):
            figure = _figure_from_match(text, match, rules)
            if figure is None or overlaps(figure.start, figure.end):
                continue
            figures.append(figure)
            taken.append((figure.start, figure.end))
    for match in (m for lo, hi in windows for m in rules.missing_pattern.finditer(text, lo, hi)):
        start, end = match.span("mult")
        if overlaps(start, end):
            continue
        figures.append(
            MoneyFigure(start, end, text[start:end], None, None, None, None, "unknown", match.group("mult"), None)
        )
        taken.append((start, end))
    return sorted(figures, key=lambda f: f.start)


def _figure_from_match(text: str, match: re.Match[str], rules: MoneyRules) -> MoneyFigure | None:
    number = parse_number(match.group("num"), rules)
    if number is None:
        return None
    groups = match.groupdict()
    mult_word = groups.get("mult") or groups.get("smult")
    is_word_number = not re.match(r"[\d.]", match.group("num"))
    if is_word_number and match.group("num").lower() in ("a", "an") and not mult_word:
        return None  # "a dollar-denominated bond" is not one dollar
    if not mult_word and match.group("cur").lower() in rules.need_multiplier:
        return None  # "in 2020 won the vote"
    factor = parse_multiplier(mult_word, rules)
    second = parse_number(groups["num2"], rules) if groups.get("num2") else None
    low = scale(number, factor)
    high = scale(second, factor) if second is not None else low
    if second is not None and high < low:
        return None  # "$5-2" is not a range
    currency = resolve_currency(_normalise_symbol(match.group("cur")), text, rules)
    start, end = match.start(), match.end()
    tail = rules.range_tail.match(text[end : end + 40]) if second is None and mult_word else None
    if tail and parse_multiplier(tail.group("mult") or tail.group("smult"), rules) == factor:
        high = scale(float(tail.group("num2").replace(",", "")), factor)  # "$2bn-3bn", "$2 billion-$3 billion"
        if high > low:
            end += tail.end()
        else:
            high = low
    per = None
    rate = rules.rate_pattern.match(text[end : end + 60])
    if rate:
        per = "per " + rate.group("unit")
        end += rate.end()
    return MoneyFigure(
        start=start,
        end=end,
        text=text[start:end],
        amount=(low + high) / 2,
        low=low,
        high=high,
        currency=currency,
        qualifier=find_qualifier(text, start, end, rules),
        multiplier=mult_word,
        per=per,
    )
