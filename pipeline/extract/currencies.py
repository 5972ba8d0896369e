"""Currency forms of the world's press and the country an article speaks of.

A currency form (symbol, local abbreviation, ISO 4217 code or word) maps to an ISO code or
to a *group* of currencies that share it ("Rs": Indian, Pakistani or Sri Lankan rupee). A
group is resolved by the country the article names most often among the group's countries
(names, demonyms, capitals and cities counted once over the text). Forms come from
``schemas/rules/money.toml`` plus pycountry's ISO 4217 table (every code, every name with its
plural), and the country cues from ``countries.toml`` and ``currency_countries.toml``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import ahocorasick
import pycountry

from pipeline.extract.countries import default_country_forms
from pipeline.rules import load_rules

GROUP = "group:"


@dataclass(frozen=True)
class CurrencyGroup:
    """Currencies that share one written form; ``default`` is None when the form is not
    money unless the article speaks of one of ``by_country``."""

    default: str | None
    by_country: dict[str, str]


@dataclass(frozen=True)
class CurrencyForms:
    prefixes: dict[str, str]  # written before the number -> ISO code or "group:NAME"
    tight_prefixes: dict[str, str]  # one-letter symbols, glued to the number only
    suffix_words: dict[str, str]  # lower-cased words after the number -> code or group
    suffix_codes: dict[str, str]  # upper-case codes and symbols after the number
    subunits: dict[str, str]  # lower-cased hundredth words ("cents") -> code or group
    groups: dict[str, CurrencyGroup]


def plural_forms(word: str, plurals: dict[str, Any]) -> list[str]:
    """The word and its plurals, by the rules of ``[plurals]``.

    >>> rules = {"invariant": ["yen"], "irregular": {"krone": ["kroner"]}}
    >>> plural_forms("Norwegian krone", rules), plural_forms("yen", rules), plural_forms("peso", rules)
    (['Norwegian krone', 'Norwegian kroner'], ['yen'], ['peso', 'pesos'])
    """
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    key = last.lower()
    if key in plurals.get("irregular", {}):
        return [word, *(prefix + p for p in plurals["irregular"][key])]
    if key in plurals.get("invariant", []) or key.endswith("s") or not key.isalpha() or len(key) < 3:
        return [word]
    return [word, f"{word}s"]


def iso_currencies(exclude: list[str]) -> dict[str, str]:
    """ISO 4217 code -> English name from pycountry, less funds, metals and the excluded codes.

    >>> names = iso_currencies(["ALL"])
    >>> names["NOK"], "XAU" in names, "ALL" in names
    ('Norwegian Krone', False, False)
    """
    return {
        c.alpha_3: c.name
        for c in pycountry.currencies
        if not c.alpha_3.startswith("X") and c.alpha_3 not in exclude and "(" not in c.name
    }


def build_currency_forms(data: dict[str, Any]) -> CurrencyForms:
    """Assemble every form of ``money.toml`` and of ISO 4217 into lookup tables."""
    plurals = data["plurals"]
    iso = iso_currencies(data["iso_codes"]["exclude"])
    excluded_words = {w.lower() for w in data["iso_codes"]["exclude_words"]}
    groups = {
        name: CurrencyGroup(g.get("default"), dict(g["countries"])) for name, g in data["groups"].items()
    }
    words: dict[str, str] = {}
    last_words: dict[str, set[str]] = {}
    for code, name in iso.items():  # ISO names first, so that money.toml's entries win
        last = name.rsplit(" ", 1)[-1].lower()
        last_words.setdefault(last, set()).add(code)
        if " " in name or last not in excluded_words:
            for form in plural_forms(name.lower(), plurals):
                words.setdefault(form, code)
    for last, codes_of_word in last_words.items():
        if len(codes_of_word) == 1 and last not in excluded_words:
            for form in plural_forms(last, plurals):
                words.setdefault(form, next(iter(codes_of_word)))
    codes: dict[str, str] = {code: code for code in iso}
    for form, target in data["suffix_currencies"].items():
        if form.isupper() or not any(ch.isalpha() for ch in form):
            codes[form] = target
        else:
            for plural in plural_forms(form.lower(), plurals):
                words[plural] = target
    prefixes = {code: code for code in iso}
    prefixes.update(data["prefix_currencies"])
    return CurrencyForms(
        prefixes=prefixes,
        tight_prefixes=dict(data["tight_prefix_currencies"]),
        suffix_words=words,
        suffix_codes=codes,
        subunits={k.lower(): v for k, v in data["subunit_currencies"].items()},
        groups=groups,
    )


@cache
def default_currency_forms() -> CurrencyForms:
    """The currency forms of ``schemas/rules/money.toml`` and ISO 4217, built once."""
    return build_currency_forms(load_rules("money.toml"))


def country_cues() -> dict[str, tuple[str, ...]]:
    """Every form that names a country -> the countries it names (countries.toml, ISO 3166
    names, and currency_countries.toml)."""
    cues = dict(default_country_forms())
    for country, forms in load_rules("currency_countries.toml")["countries"].items():
        for form in forms:
            cues[form] = tuple(dict.fromkeys(cues.get(form, ()) + (country,)))
    return cues


@cache
def _cue_automaton() -> Any:
    """Aho-Corasick automaton of every country cue, built once."""
    automaton = ahocorasick.Automaton()
    for form, countries in country_cues().items():
        automaton.add_word(form, (len(form), countries))
    automaton.make_automaton()
    return automaton


def country_mentions(text: str) -> Counter[str]:
    """How often the text names each country (whole words, case-sensitive, the longest
    form where forms overlap), in one pass.

    >>> country_mentions("Nairobi said Kenya's shilling fell; Kenyan banks, Uganda too.")
    Counter({'Kenya': 3, 'Uganda': 1})
    >>> country_mentions("South Sudan and Sudan")
    Counter({'South Sudan': 1, 'Sudan': 1})
    """
    found = []
    for end_index, (length, countries) in _cue_automaton().iter(text):
        start, end = end_index - length + 1, end_index + 1
        if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
            continue
        found.append((start, -end, countries))
    counts: Counter[str] = Counter()
    covered = -1
    for start, negative_end, countries in sorted(found):  # "South Sudan" hides its "Sudan"
        if -negative_end <= covered:
            continue
        covered = -negative_end
        counts.update(countries)
    return counts


def resolve_currency(target: str, mentions: Counter[str], groups: dict[str, CurrencyGroup]) -> str | None:
    """ISO code of a form's target: a code stays; a group goes to the currency of the
    country the article names most among the group's countries, else to its default.

    >>> groups = default_currency_forms().groups
    >>> resolve_currency("group:rupee", Counter({"Pakistan": 3, "India": 1}), groups)
    'PKR'
    >>> resolve_currency("group:rupee", Counter(), groups), resolve_currency("NOK", Counter(), groups)
    ('INR', 'NOK')
    >>> resolve_currency("group:rand_symbol", Counter({"Kenya": 2}), groups) is None
    True
    """
    if not target.startswith(GROUP):
        return target
    group = groups[target.removeprefix(GROUP)]
    named = [(mentions[country], country) for country in group.by_country if mentions[country] > 0]
    if not named:
        return group.default
    best = max(named, key=lambda pair: pair[0])[1]
    return group.by_country[best]
