"""Find agreements: one record per distinct agreement per article, with every mention.

A pure function of the cleaned text, the article's monetary figures and the rules in
``schemas/rules/agreements.toml`` and ``countries.toml``. Clustering across articles
(:func:`assign_clusters`) is a separate step over all records.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from pipeline.extract.money import MoneyFigure
from pipeline.rules import load_rules
from pipeline.text import sentence_spans, slugify

_WORD = re.compile(r"[\w$£€¥₽₹][\w$£€¥₽₹.,%’'-]*[\w%]|[\w$£€¥₽₹]")
_YEAR = re.compile(r"(?<![\w$£€.,-])(1[89]\d\d|20\d\d)(?![\w.,%-]\d)")


@dataclass
class Agreement:
    """An agreement of one article; ``mentions`` holds every (start, end) that names it."""

    start: int
    end: int
    text: str
    kind: str
    parties: list[str]
    topic: str
    status: str | None
    year: int | None
    amount: float | None = None
    currency: str | None = None
    figure_start: int | None = None
    mentions: list[tuple[int, int]] = field(default_factory=list)
    cluster_key: str | None = None


@dataclass(frozen=True)
class AgreementRules:
    trigger: re.Pattern[str]
    nouns: dict[str, str]
    verbs: dict[str, str]
    max_left_words: int
    max_clause_words: int
    complement_words: frozenset[str]
    left_stop: frozenset[str]
    anaphora: frozenset[str]
    not_agreement: re.Pattern[str]
    topics: list[tuple[str, re.Pattern[str]]]
    status: list[tuple[str, re.Pattern[str]]]
    country_pattern: re.Pattern[str]
    country_of_form: dict[str, str]


def _words_pattern(words: Sequence[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?i)(?<![\w-])(?:{alternation})(?![\w])")


def build_agreement_rules(data: dict[str, Any], countries: dict[str, Any]) -> AgreementRules:
    nouns, verbs = data["nouns"], data["verbs"]
    alternation = "|".join(re.escape(w) for w in sorted([*nouns, *verbs], key=len, reverse=True))
    forms = {form: name for name, fs in countries["countries"].items() for form in fs}
    form_alt = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return AgreementRules(
        trigger=re.compile(rf"(?i)(?<![\w-])(?:{alternation})(?![\w])"),
        nouns={k.lower(): v for k, v in nouns.items()},
        verbs={k.lower(): v for k, v in verbs.items()},
        max_left_words=int(data["phrase"]["max_left_words"]),
        max_clause_words=int(data["phrase"]["max_clause_words"]),
        complement_words=frozenset(data["phrase"]["complement_words"]),
        left_stop=frozenset(data["phrase"]["left_stop"]),
        anaphora=frozenset(data["phrase"]["anaphora"]),
        not_agreement=_words_pattern(data["phrase"]["not_agreement"]),
        topics=[(t, _words_pattern(ws)) for t, ws in data["topics"].items()],
        status=[(s, _words_pattern(ws)) for s, ws in data["status"].items()],
        country_pattern=re.compile(rf"(?<![\w-])(?:{form_alt})(?![\w])"),
        country_of_form=forms,
    )


@cache
def default_agreement_rules() -> AgreementRules:
    return build_agreement_rules(load_rules("agreements.toml"), load_rules("countries.toml"))


def find_countries(text: str, rules: AgreementRules | None = None) -> list[str]:
    """Countries named in a passage, in order of first appearance, by common English name.

    >>> find_countries("Moscow and Beijing agreed; the Chinese side and Russia signed.")
    ['Russia', 'China']
    """
    rules = rules or default_agreement_rules()
    found: list[str] = []
    for match in rules.country_pattern.finditer(text):
        name = rules.country_of_form[match.group(0)]
        if name not in found:
            found.append(name)
    return found


def _grow_left(text: str, start: int, floor: int, rules: AgreementRules) -> int:
    """Extend a phrase start over the modifiers before it ("$400 billion energy deal")."""
    words = list(_WORD.finditer(text, floor, start))
    taken = 0
    for w in reversed(words):
        gap = text[w.end() : start]
        if taken >= rules.max_left_words or gap.strip() not in ("", "-"):
            break
        token = w.group(0)
        if token.lower() in rules.left_stop or token.lower() in rules.nouns:
            break
        start = w.start()
        taken += 1
    return start


def _grow_right(text: str, end: int, ceiling: int, rules: AgreementRules, words: int) -> int:
    """Extend a phrase end over a complement ("agreement on a ... fund") or a clause."""
    following = list(_WORD.finditer(text, end, ceiling))
    if not following:
        return end
    first = following[0]
    if text[end : first.start()].strip():
        return end  # punctuation right after the trigger
    if words == 0 and first.group(0).lower() not in rules.complement_words:
        return end
    limit = words or rules.max_clause_words
    new_end = end
    for count, w in enumerate(following):
        gap = text[new_end : w.start()]
        if count >= limit + (0 if words else 1) or gap.strip() not in ("", "-", "$"):
            break
        if count > 0 and w.group(0).lower() in ("and", "which", "that", "but", "while", "who"):
            break
        new_end = w.end()
    return new_end


def classify_topic(phrase: str, sentence: str, rules: AgreementRules | None = None) -> str:
    """Topic from the words of the phrase, else of its sentence.

    >>> classify_topic("energy and space deals", "")
    'multiple'
    >>> classify_topic("$400 billion energy deal", "")
    'energy'
    """
    rules = rules or default_agreement_rules()
    in_phrase = [t for t, p in rules.topics if p.search(phrase)]
    if re.match(r"(?i)\d+\s+(?:\w+\s+){0,3}(agreements|deals|contracts|treaties|documents)\b", phrase):
        return "multiple"
    if len(in_phrase) >= 2:
        return "multiple"
    if in_phrase:
        return in_phrase[0]
    in_sentence = [t for t, p in rules.topics if p.search(sentence)]
    return in_sentence[0] if in_sentence else "other"


def classify_status(sentence: str, rules: AgreementRules) -> str | None:
    for status, pattern in rules.status:
        if pattern.search(sentence):
            return status
    return None


def find_agreements(
    text: str, figures: Sequence[MoneyFigure] = (), rules: AgreementRules | None = None
) -> list[Agreement]:
    """Agreements of one cleaned article, each with all its mentions, in text order.

    >>> [(a.text, a.kind, a.topic, a.amount) for a in find_agreements(
    ...     "Last year, Russia and China signed a landmark gas deal valued at $400 billion. The deal stalled.",
    ...     [MoneyFigure(65, 77, "$400 billion", 4e11, 4e11, 4e11, "USD", "exact", "billion", None)])]
    [('landmark gas deal', 'deal', 'energy', 400000000000.0)]
    """
    rules = rules or default_agreement_rules()
    sentences = sentence_spans(text)
    doc_countries = Counter(m.group(0) for m in rules.country_pattern.finditer(text))
    top_countries = _top_countries(doc_countries, rules)
    agreements: list[Agreement] = []
    for match in rules.trigger.finditer(text):
        trigger = match.group(0).lower()
        s_start, s_end = next(((s, e) for s, e in sentences if s <= match.start() < e), (0, len(text)))
        sentence = text[s_start:s_end]
        window = text[max(s_start, match.start() - 25) : min(s_end, match.end() + 25)]
        if rules.not_agreement.search(window) and _not_agreement_here(text, match, rules):
            continue
        if trigger in rules.verbs:
            kind = rules.verbs[trigger]
            start, end = match.start(), _grow_right(text, match.end(), s_end, rules, rules.max_clause_words)
        else:
            kind = rules.nouns[trigger]
            start = _grow_left(text, match.start(), s_start, rules)
            end = _grow_right(text, match.end(), s_end, rules, 0)
        previous_word = _previous_word(text, start, s_start)
        same_kind = [a for a in agreements if a.kind == kind]
        if previous_word in rules.anaphora and same_kind and trigger in rules.nouns:
            bare = start == match.start()  # "the deal"
            if bare or _refers_back(text[start:end], same_kind[-1]):  # "the energy deal"
                same_kind[-1].mentions.append((start, end))
                continue
        phrase = text[start:end]
        duplicate = next((a for a in agreements if a.text.lower() == phrase.lower()), None)
        if duplicate:
            duplicate.mentions.append((start, end))
            continue
        parties = find_countries(sentence, rules) or list(top_countries)
        if kind == "pledge" and len(parties) == 1 and len(top_countries) > 1:
            parties = list(dict.fromkeys(parties + list(top_countries)))
        figure = _value_of(start, end, s_end, figures)
        year = _YEAR.search(phrase) or _YEAR.search(sentence)
        agreements.append(
            Agreement(
                start=start,
                end=end,
                text=phrase,
                kind=kind,
                parties=parties,
                topic=classify_topic(phrase, sentence, rules),
                status=classify_status(sentence, rules),
                year=int(year.group(1)) if year else None,
                amount=figure.amount if figure else None,
                currency=figure.currency if figure else None,
                figure_start=figure.start if figure else None,
                mentions=[(start, end)],
            )
        )
    return agreements


def _not_agreement_here(text: str, match: re.Match[str], rules: AgreementRules) -> bool:
    """Is the trigger at ``match`` inside one of the 'not an agreement' phrases?"""
    lo, hi = max(0, match.start() - 25), min(len(text), match.end() + 25)
    return any(
        m.start() <= match.start() and match.end() <= m.end()
        for m in rules.not_agreement.finditer(text, lo, hi)
    )


def _previous_word(text: str, start: int, floor: int) -> str:
    before = list(_WORD.finditer(text, floor, start))
    return before[-1].group(0).lower() if before else ""


def _refers_back(phrase: str, earlier: Agreement) -> bool:
    """'the energy deal' refers to '$400 billion energy deal': every word of the later
    phrase appears in the earlier one."""
    words = {w.lower() for w in _WORD.findall(phrase)}
    earlier_words = {w.lower() for w in _WORD.findall(earlier.text)}
    return bool(words) and words <= earlier_words


def _value_of(
    start: int, end: int, sentence_end: int, figures: Sequence[MoneyFigure]
) -> MoneyFigure | None:
    """The figure inside the phrase, else one right after it ("valued at $400 billion")."""
    inside = [f for f in figures if start <= f.start and f.end <= end and f.amount is not None]
    if inside:
        return inside[0]
    after = [f for f in figures if end <= f.start < min(sentence_end, end + 30) and f.amount is not None]
    return after[0] if after else None


def _top_countries(counts: Counter[str], rules: AgreementRules) -> list[str]:
    by_country: Counter[str] = Counter()
    for form, n in counts.items():
        by_country[rules.country_of_form[form]] += n
    return [name for name, _ in by_country.most_common(2)]


def assign_clusters(agreements_by_doc: dict[str, list[Agreement]]) -> dict[str, list[Agreement]]:
    """Give every agreement a ``cluster_key``: agreements of different articles with the same
    kind, topic, parties and value (or year) share it; others get their own."""
    out: dict[str, list[Agreement]] = {}
    for doc_id, agreements in agreements_by_doc.items():
        clustered = []
        for a in agreements:
            parties = "-".join(sorted(slugify(p) for p in a.parties)) or "unknown"
            if a.amount is not None:
                key = f"{a.topic}-{parties}-{a.currency or 'xxx'}-{a.amount:.0f}".lower()
            elif a.year is not None:
                key = f"{a.kind}-{a.topic}-{parties}-{a.year}"
            else:
                key = f"{doc_id}-{a.kind}-{a.start}"
            clustered.append(replace(a, cluster_key=slugify(key)))
        out[doc_id] = clustered
    return out
