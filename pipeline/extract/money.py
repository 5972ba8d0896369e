"""Find monetary figures: amount in currency units, ISO 4217 currency, qualifier, range, rate.

Small parsing steps in the manner of price-parser: :func:`parse_number` turns the written
number into a float, :func:`find_monetary_figures` finds the figures and keeps each one's
original text and offsets. Every word list comes from ``schemas/rules/money.toml``; the
currency forms (symbols, ISO 4217 codes and names, forms shared by several currencies and
resolved by the article's country) from :mod:`pipeline.extract.currencies`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import ahocorasick

from pipeline.extract.currencies import (
    CurrencyForms,
    build_currency_forms,
    country_mentions,
    resolve_currency,
)
from pipeline.rules import load_rules
from pipeline.text import literal_alternation

_THOUSANDS = ",\u00a0\u202f\u2009"  # comma, no-break space, narrow no-break space, thin space
_DIGITS = rf"\d{{1,3}}(?:[{_THOUSANDS}]\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
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
    """Everything the extractor reads, compiled from ``money.toml`` by :func:`build_money_rules`."""

    forms: CurrencyForms
    multipliers: dict[str, float]
    short_multipliers: frozenset[str]
    need_multiplier: frozenset[str]
    trusted_codes: frozenset[str]
    untrusted_abbreviations: frozenset[str]
    number_words: dict[str, float]
    qualifier_before: re.Pattern[str]  # on reversed text; a named group per qualifier
    qualifier_after: re.Pattern[str]  # groups named <qualifier>_<n>
    qualifier_exceptions: re.Pattern[str]
    weight_after: re.Pattern[str]
    not_money_after: re.Pattern[str]
    prefix_pattern: re.Pattern[str]
    suffix_pattern: re.Pattern[str]
    missing_pattern: re.Pattern[str]
    rate_pattern: re.Pattern[str]
    exchange_pattern: re.Pattern[str]
    range_tail: re.Pattern[str]
    tight_anchor: re.Pattern[str]
    anchors: Any  # Aho-Corasick automaton of currency symbols, codes, words and multipliers


_WIDEN = 200  # a window grows to a word boundary at most this far: no rescans of spaceless text


def _anchor_automaton(exact: Iterable[str], words: Iterable[str]) -> Any:
    """Forms without which no figure can match, for a fast first pass over the text as
    written: symbols and codes as they are, words (matched without case by the patterns)
    in lower, capitalised and upper case, by their last word."""
    forms = set(exact)
    for word in words:
        last = word.rsplit(" ", 1)[-1]
        forms.update((last.lower(), last.capitalize(), last.upper()))
    automaton = ahocorasick.Automaton()
    for form in forms:
        automaton.add_word(form, (len(form), form[0].isalpha() or form[-1].isalpha()))
    automaton.make_automaton()
    return automaton


def _anchor_spans(text: str, rules: MoneyRules) -> list[tuple[int, int]]:
    """Spans of currency forms and multipliers, in text order (Aho-Corasick, plus one regular
    expression pass for the one-letter symbols glued to a digit)."""
    spans: list[tuple[int, int]] = []
    for end_index, (length, is_word) in rules.anchors.iter(text):
        start, end = end_index - length + 1, end_index + 1
        if is_word and ((start > 0 and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha())):
            continue  # "Rs" inside "Years"
        spans.append((start, end))
    tight = [
        m.span()
        for m in rules.tight_anchor.finditer(text)
        if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_$.,")
    ]
    return sorted(spans + tight)  # Aho-Corasick reports by end: a longer form may start earlier


def candidate_windows(text: str, rules: MoneyRules | None = None, margin: int = 80) -> list[tuple[int, int]]:
    """Stretches of text that can hold a figure: around each currency symbol, code, word or
    multiplier (found in one Aho-Corasick pass), widened to whole words and merged. The
    regular expressions then run on these stretches only. Each window is widened at most
    ``_WIDEN`` characters, so the whole pass stays linear even on text without spaces.

    >>> t = "Nothing here. Then $4 billion, later."
    >>> [t[s:e] for s, e in candidate_windows(t, margin=5)]
    ['Then $4 billion, later.']
    """
    rules = rules or default_money_rules()
    windows: list[tuple[int, int]] = []
    for start, end in _anchor_spans(text, rules):
        lo = max(0, start - margin)
        if lo > 0:
            space_before = text.rfind(" ", max(0, lo - _WIDEN), lo)
            lo = space_before + 1 if space_before >= 0 else max(0, lo - _WIDEN)
        hi = min(len(text), end + margin)
        space = _SPACE.search(text, hi, min(len(text), hi + _WIDEN))
        hi = space.start() if space else min(len(text), hi + _WIDEN)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows


def build_money_rules(data: dict[str, Any], forms: CurrencyForms | None = None) -> MoneyRules:
    """Compile the word lists of ``money.toml`` and the currency forms into the patterns."""
    forms = forms or build_currency_forms(data)
    multipliers = {k.lower(): float(v) for k, v in data["multipliers"].items()}
    short = frozenset(data["short_multipliers"])
    long_mult = literal_alternation([m for m in multipliers if m not in short], ignore_case=True)
    short_mult = literal_alternation(short, ignore_case=True)
    number_words = {k.lower(): float(v) for k, v in data["number_words"].items()}
    words = literal_alternation(number_words, ignore_case=True)
    number = rf"(?:{_DIGITS}|(?i:{words})(?:-(?i:{words}))?)"
    prefixes = forms.prefixes
    symbol_prefixes = [p for p in prefixes if not p.isalpha() and not p.rstrip(".").isalpha()]
    code_prefixes = [p for p in prefixes if p not in symbol_prefixes]
    tight = literal_alternation(forms.tight_prefixes)
    prefix = (
        rf"(?:{literal_alternation(symbol_prefixes)}|(?<![\w$])(?:{literal_alternation(code_prefixes)})(?=[\s\d$])"
        rf"|(?<![\w$.,])(?:{tight})(?=\d))"
    )
    multiplier = (
        rf"(?:(?:[ \t]|\n|-)?(?P<mult>(?i:{long_mult}))(?![\w])"
        rf"|[ \n]?(?P<smult>(?i:{short_mult}))(?![\w$£€]))"
    )
    prefix_pattern = re.compile(
        rf"(?P<cur>{prefix})[ ]?(?P<num>{number})"
        rf"(?:[ ]?{_DASH}[ ]?(?:{prefix})?[ ]?(?P<num2>{number})(?=[\s\-]?(?i:{long_mult}|{short_mult})|[\s,.;:)]|$))?"
        rf"{multiplier}?"
    )
    suffix_words = {**forms.suffix_words, **forms.subunits}
    symbols = [w for w in forms.suffix_codes if not any(ch.isalpha() for ch in w)]
    codes = [w for w in forms.suffix_codes if w not in symbols]
    words_after = literal_alternation(suffix_words, ignore_case=True)
    currency_after = rf"(?:(?i:{words_after})|{literal_alternation(codes)}|{literal_alternation(symbols)})"
    suffix_pattern = re.compile(
        rf"(?<![\w.,$£€¥₽₹])(?P<num>{number})(?:[ ]?{_DASH}[ ]?(?P<num2>{number}))?"
        rf"(?:(?:[ \t\n]|-)(?P<mult>(?i:{long_mult}))|[ ]?(?P<smult>(?i:{short_mult})))?"
        rf"(?P<sep>[ \t\n]|-)?(?:\((?P<pcur>{currency_after})\)|(?P<cur>{currency_after}))(?![\w])"
    )
    verbs = literal_alternation(data["missing_number"]["verbs"], ignore_case=True)
    missing_pattern = re.compile(
        rf"(?i:(?<![\w])(?:{verbs}))[ ](?P<mult>(?i:billion|million|trillion))(?![\w])"
    )
    rates = data["rates"]
    rate_pattern = re.compile(
        rf"^[ ]?(?P<sep>(?i:per|a|an|each)[ ]|/[ ]?)(?P<unit>(?i:{literal_alternation(rates['units'], ignore_case=True)}))(?![\w])"
    )
    exchange_pattern = re.compile(
        rf"^[ ]?(?i:{literal_alternation(rates['exchange_words'], ignore_case=True)})[ ](?i:{literal_alternation(rates['exchange_units'], ignore_case=True)})[ ]"
        rf"(?P<unit>{currency_after})(?![\w])"
    )

    def qualifier_pattern(table: dict[str, list[str]], before: bool) -> re.Pattern[str]:
        """One pattern for a whole table, a named group per qualifier; the longest phrase
        wins ("no more than" over "more than")."""
        alone = {p for ps in data["suffix_qualifiers_alone"].values() for p in ps}
        options = sorted(((p, q) for q, ps in table.items() for p in ps), key=lambda x: -len(x[0]))
        if before:  # matched on the reversed text before the figure: one anchored attempt
            groups = "|".join(
                rf"(?P<{q}>{literal_alternation((p[::-1] for p, qq in options if qq == q), ignore_case=True)})" for q in table
            )
            return re.compile(rf"(?i)[ ]*(?:{groups})(?![\w])")
        no_word_after = r"(?![ ]+[\w])"
        alternatives = "|".join(
            rf"(?P<{q}_{i}>{re.escape(p)}(?![\w]){no_word_after if p in alone else ''})"
            for i, (p, q) in enumerate(options)
        )
        return re.compile(rf"(?i)^[ ]?(?:{alternatives})")

    materials = literal_alternation(data["weight_pounds"]["materials_after_of"], ignore_case=True)
    return MoneyRules(
        forms=forms,
        multipliers=multipliers,
        short_multipliers=short,
        need_multiplier=frozenset(w.lower() for w in data["ambiguous_suffix_currencies"]["need_multiplier"]),
        trusted_codes=frozenset(data["iso_codes"]["trusted"]),
        untrusted_abbreviations=frozenset(data["iso_codes"]["untrusted_abbreviations"]),
        number_words=number_words,
        qualifier_before=qualifier_pattern(data["qualifiers"], True),
        qualifier_after=qualifier_pattern(data["suffix_qualifiers"], False),
        qualifier_exceptions=re.compile(
            rf"(?i)[ ]*(?:{literal_alternation((p[::-1] for p in data['qualifier_exceptions']['before']), ignore_case=True)})(?![\w])"
        ),
        not_money_after=re.compile(rf"(?i)[ -](?:{literal_alternation(data['not_money_after']['words'], ignore_case=True)})(?![\w])"),
        weight_after=re.compile(rf"(?i)[ ]of[ ](?:the[ ]|\w+[ ])?(?:{materials})(?![\w])"),
        prefix_pattern=prefix_pattern,
        suffix_pattern=suffix_pattern,
        missing_pattern=missing_pattern,
        rate_pattern=rate_pattern,
        exchange_pattern=exchange_pattern,
        anchors=_anchor_automaton(
            [*prefixes, *forms.suffix_codes], [*suffix_words, *(m for m in multipliers if m not in short)]
        ),
        tight_anchor=re.compile(rf"(?:{tight})(?=\d)"),  # preceding character checked in _anchor_spans
        range_tail=re.compile(
            rf"^[ ]?(?:-|–|—)[ ]?(?:{prefix})?[ ]?(?P<num2>{_DIGITS})"
            rf"(?:(?:[ ]|-)?(?P<mult>(?i:{long_mult}))(?![\w])|[ ]?(?P<smult>(?i:{short_mult}))(?![\w$£€]))"
        ),
    )


@cache
def default_money_rules() -> MoneyRules:
    """The money rules of ``schemas/rules/money.toml``, compiled once."""
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
    cleaned = text.translate({ord(c): None for c in _THOUSANDS}).strip()
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
    before = text[max(0, start - 40) : start][::-1]  # read backwards from the figure
    if rules.qualifier_exceptions.match(before):
        before = ""  # "hand over $5": a verb, not "more than"
    found = rules.qualifier_before.match(before)
    if found and found.lastgroup:
        return found.lastgroup
    found = rules.qualifier_after.match(text[end : end + 20])
    if found and found.lastgroup:
        return found.lastgroup.rsplit("_", 1)[0]
    return "exact"


def _normalise_symbol(symbol: str) -> str:
    """A currency form with its inner line breaks or double spaces made one space."""
    return re.sub(r"\s+", " ", symbol)


def _without_overlaps(found: list[MoneyFigure], taken: list[MoneyFigure]) -> list[MoneyFigure]:
    """The figures of ``found`` (in text order) that overlap none of ``taken`` (in text order,
    disjoint): one merge-like pass, linear in both lists."""
    kept: list[MoneyFigure] = []
    starts = [t.start for t in taken]
    for figure in found:
        i = bisect_left(starts, figure.end)  # taken[:i] start before the figure ends
        if i and taken[i - 1].end > figure.start:
            continue
        kept.append(figure)
    return kept


def _first_of_overlaps(found: list[MoneyFigure]) -> list[MoneyFigure]:
    """Figures in text order, each dropped when it starts inside the one kept before it."""
    kept: list[MoneyFigure] = []
    for figure in found:
        if not kept or figure.start >= kept[-1].end:
            kept.append(figure)
    return kept


def find_monetary_figures(text: str, rules: MoneyRules | None = None) -> list[MoneyFigure]:
    """Every monetary figure in a cleaned article, in text order.

    Linear in the text: one Aho-Corasick pass finds the windows, each pattern reads each
    window once, overlaps are settled by bisection over figures already in text order, and
    the article's countries (for "Rs", "Sh", "¥"...) are counted once, when first needed.

    >>> [(f.text, f.amount, f.currency, f.qualifier) for f in find_monetary_figures(
    ...     "GDP of more than $4 trillion; 8.2 billion euros; USD four billion; 38 billion cubic metres")]
    [('$4 trillion', 4000000000000.0, 'USD', 'more_than'), ('8.2 billion euros', 8200000000.0, 'EUR', 'exact'), ('USD four billion', 4000000000.0, 'USD', 'exact')]
    """
    rules = rules or default_money_rules()
    counted: list[Counter[str]] = []

    def mentions() -> Counter[str]:
        if not counted:
            counted.append(country_mentions(text))
        return counted[0]

    windows = candidate_windows(text, rules)
    figures: list[MoneyFigure] = []
    for pattern in (rules.prefix_pattern, rules.suffix_pattern):
        found = [
            figure
            for lo, hi in windows
            for match in pattern.finditer(text, lo, hi)
            if (figure := _figure_from_match(text, match, rules, mentions)) is not None
        ]
        found = _first_of_overlaps(found)  # a range's tail ("$2 billion-$3 billion") ends past its match
        figures = sorted(figures + _without_overlaps(found, figures), key=lambda f: f.start)
    missing = []
    for match in (m for lo, hi in windows for m in rules.missing_pattern.finditer(text, lo, hi)):
        start, end = match.span("mult")
        missing.append(
            MoneyFigure(start, end, text[start:end], None, None, None, None, "unknown", match.group("mult"), None)
        )
    return sorted(figures + _without_overlaps(missing, figures), key=lambda f: f.start)


def _currency_target(word: str, forms: CurrencyForms) -> tuple[str | None, float]:
    """What a written currency form stands for (ISO code or group) and its factor (0.01 for
    a hundredth such as "cents")."""
    if word in forms.prefixes:
        return forms.prefixes[word], 1.0
    if word in forms.tight_prefixes:
        return forms.tight_prefixes[word], 1.0
    if word in forms.suffix_codes:
        return forms.suffix_codes[word], 1.0
    lowered = word.lower()
    if lowered in forms.subunits:
        return forms.subunits[lowered], 0.01
    return forms.suffix_words.get(lowered), 1.0


def _figure_from_match(
    text: str, match: re.Match[str], rules: MoneyRules, mentions: Callable[[], Counter[str]]
) -> MoneyFigure | None:
    groups = match.groupdict()
    written_number = match.group("num")
    number = parse_number(written_number, rules)
    if not number:
        return None  # "10 000 dollars" read from "000": no amount is zero
    mult_word = groups.get("mult") or groups.get("smult")
    symbol = _normalise_symbol(groups.get("cur") or groups.get("pcur") or "")
    is_word_number = not re.match(r"[\d.]", written_number)
    if is_word_number and written_number.lower() in ("a", "an") and not mult_word:
        return None  # "a dollar-denominated bond" is not one dollar
    separator = groups.get("sep", " ")
    if separator is None and any(ch.isalpha() for ch in symbol):
        return None  # "5yen" is not written
    if separator == "-" and not mult_word:
        return None  # "a 30-dollar-bond": a compound needs its multiplier ("545-million-euro")
    plain = re.fullmatch(r"\d+", written_number) is not None
    if not mult_word and plain and symbol.lower() in rules.need_multiplier:
        return None  # "in 2020 won the vote"; "784,000 won" and "129.53 rand" are money
    target, factor_of_unit = _currency_target(symbol, rules.forms)
    if target is None:
        return None
    if "sep" in groups and rules.not_money_after.match(text, match.end()):
        return None  # "1.2 million euro zone residents"
    if symbol.lower() in ("pound", "pounds") and rules.weight_after.match(text, match.end()):
        return None  # "7 million pounds of uranium": a weight
    factor = parse_multiplier(mult_word, rules)
    untrusted = (target == symbol and target not in rules.trusted_codes) or symbol in rules.untrusted_abbreviations
    if untrusted and not mult_word and number < 100:
        return None  # "PHP 7", "version 8 CAD": a code without a multiplier names a version or a grade
    second = parse_number(groups["num2"], rules) if groups.get("num2") else None
    start, end = match.start(), match.end()
    if second is not None and second < number:  # "₹70 to one dollar" is no range: keep "₹70"
        second, mult_word, factor, end = None, None, 1.0, match.end("num")
    currency = resolve_currency(target, mentions(), rules.forms.groups) if target.startswith("group:") else target
    if currency is None:
        return None  # "R1" where the article speaks of no rand country
    low = scale(number, factor) * factor_of_unit
    high = scale(second, factor) * factor_of_unit if second is not None else low
    tail = rules.range_tail.match(text[end : end + 40]) if second is None and mult_word else None
    if tail and parse_multiplier(tail.group("mult") or tail.group("smult"), rules) == factor:
        high = scale(parse_number(tail.group("num2"), rules) or 0.0, factor)  # "$2bn-3bn", "$2 billion-$3 billion"
        if high > low:
            end += tail.end()
        else:
            high = low
    per = None
    rate = rules.rate_pattern.match(text[end : end + 60])
    exchange = None if rate else rules.exchange_pattern.match(text[end : end + 60])
    if rate:
        per = "per " + rate.group("unit")
        end += rate.end()
    elif exchange:
        unit_target, _ = _currency_target(_normalise_symbol(exchange.group("unit")), rules.forms)
        unit = resolve_currency(unit_target, mentions(), rules.forms.groups) if unit_target else None
        if unit:
            per = f"per 1 {unit}"
            end += exchange.end()
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
