"""Find agreements: one record per distinct agreement per article, with every mention.

A pure function of the cleaned text, the article's monetary figures and organisation
mentions, and the rules in ``schemas/rules/agreements.toml`` and ``countries.toml``.
Clustering across articles (:func:`assign_clusters`) is a separate step over all records.

Steps, each a small function:

1. :func:`find_triggers` finds the words that name an agreement (nouns such as "deal", verbs
   such as "agreed to"); two trigger nouns in a row are one ("memorandum agreement").
2. The phrase grows left over modifiers ("$400 billion energy deal", "energy and space
   deals") and right over one complement ("agreement on a $2 billion ... fund").
3. A phrase that refers back ("the deal", "the extensive joint statement") becomes a
   mention of the agreement it names; others become new agreements.
4. The members of a package ("32 agreements including X, Y") become agreements too.
5. Parties, topic, status, year and value are read from the phrase and its sentence.
"""

from __future__ import annotations

from bisect import bisect_right

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from pipeline.extract.countries import country_forms
from pipeline.extract.money import MoneyFigure
from pipeline.rules import load_rules
from pipeline.text import LineIndex, is_title_case_line, sentence_spans, slugify

_WORD = re.compile(r"[\w$£€¥₽₹][\w$£€¥₽₹.,%’'+-]*[\w%+]|[\w$£€¥₽₹]")
_YEAR = re.compile(r"(?<![\w$£€.,-])(1[89]\d\d|20\d\d)(?![\w.,%-]\d)")
_QUOTES = "\"“”‘’'"
_COUNT = (
    r"(?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|a dozen|dozens of|several|a number of|a series of|a raft of|a package of|a string of)"
)
_MEMBER_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+and\s+(?=(?:a|an|the)\s)")
_PACKAGE = re.compile(
    rf"(?i)^{_COUNT}\s+(?:[\w-]+\s+){{0,3}}(?:agreements|deals|contracts|treaties|documents|accords|memoranda)\b"
)


@dataclass(frozen=True)
class PartyMention:
    """An organisation named in the article, by its canonical name, that may be a party."""

    start: int
    end: int
    name: str
    type: str


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
class Trigger:
    start: int
    end: int
    kind: str
    is_verb: bool
    needs_parties: bool  # "statement": an agreement only when its modifiers name parties


@dataclass(frozen=True)
class AgreementRules:
    trigger: re.Pattern[str]
    nouns: dict[str, str]
    party_nouns: dict[str, str]
    verbs: dict[str, str]
    kind_priority: tuple[str, ...]
    max_left_words: int
    max_clause_words: int
    complement_words: frozenset[str]
    left_stop: frozenset[str]
    anaphora: frozenset[str]
    clause_stop: frozenset[str]
    trailing_words: frozenset[str]
    common_words: frozenset[str]  # words that do not tell one agreement from another
    package_members: re.Pattern[str]
    package_member_kind: str
    not_agreement: re.Pattern[str]
    topics: list[tuple[str, re.Pattern[str]]]
    kind_topics: dict[str, str]
    broad_kinds: frozenset[str]
    status: list[tuple[str, re.Pattern[str]]]
    country_pattern: re.Pattern[str]
    countries_of_form: dict[str, tuple[str, ...]]
    not_party_before: re.Pattern[str]
    not_party_after: re.Pattern[str]
    governed_by: re.Pattern[str]
    party_carry_chars: int
    non_party_org_types: frozenset[str]


def _words_pattern(words: Sequence[str], plurals: bool = False) -> re.Pattern[str]:
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    plural = "(?:s|es)?" if plurals else ""
    return re.compile(rf"(?i)(?<![\w-])(?:{alternation}){plural}(?![\w])")


def _first_letters(words: Sequence[str]) -> str:
    """Character class body of the first letters of some words, both cases: a cheap
    look-ahead that spares the alternation at most word starts."""
    return re.escape("".join(sorted({c for w in words for c in (w[0].lower(), w[0].upper())})))


def build_agreement_rules(data: dict[str, Any], countries: dict[str, Any]) -> AgreementRules:
    nouns, verbs, party_nouns = data["nouns"], data["verbs"], data.get("party_nouns", {})
    words = sorted([*nouns, *verbs, *party_nouns], key=len, reverse=True)
    alternation = "|".join(re.escape(w) for w in words)
    forms = country_forms(countries)
    form_alt = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    not_party = countries.get("not_a_party", {})
    before = "|".join(re.escape(w) for w in not_party.get("before", [])) or "(?!)"
    after = "|".join(re.escape(w) for w in not_party.get("after", [])) or "(?!)"
    phrase = data["phrase"]
    return AgreementRules(
        trigger=re.compile(rf"(?i)(?<![\w-])(?=[{_first_letters(words)}])(?:{alternation})(?![\w])"),
        nouns={k.lower(): v for k, v in nouns.items()},
        party_nouns={k.lower(): v for k, v in party_nouns.items()},
        verbs={k.lower(): v for k, v in verbs.items()},
        kind_priority=tuple(data.get("kind_priority", [])),
        max_left_words=int(phrase["max_left_words"]),
        max_clause_words=int(phrase["max_clause_words"]),
        complement_words=frozenset(phrase["complement_words"]),
        left_stop=frozenset(phrase["left_stop"]),
        anaphora=frozenset(phrase["anaphora"]),
        clause_stop=frozenset(w.lower() for w in phrase.get("clause_stop", [])),
        trailing_words=frozenset(phrase.get("trailing_words", [])),
        common_words=frozenset(
            [*phrase["left_stop"], *phrase.get("trailing_words", []), *(w.lower() for w in [*nouns, *party_nouns])]
        ),
        package_members=re.compile(
            r"(?i)\s*(?:,\s*)?(?:" + "|".join(re.escape(w) for w in phrase["package_members"]) + r")\b\s*:?\s*"
        ),
        package_member_kind=phrase.get("package_member_kind", "agreement"),
        not_agreement=_words_pattern(phrase["not_agreement"]),
        topics=[(t, _words_pattern(ws, plurals=True)) for t, ws in data["topics"].items()],
        kind_topics=dict(data.get("kind_topics", {})),
        broad_kinds=frozenset(data.get("broad_kinds", {}).get("kinds", [])),
        status=[(s, _words_pattern(ws)) for s, ws in data["status"].items()],
        country_pattern=re.compile(rf"(?<![\w-])(?=[A-Z])(?:{form_alt})(?![\w])"),
        countries_of_form=forms,
        not_party_before=re.compile(rf"(?:{before})\s+$"),
        not_party_after=re.compile(rf"^\s+(?:{after})\b"),
        governed_by=re.compile(
            r"(?i)(?<![\w-])(?:" + "|".join(re.escape(w) for w in data["parties"]["not_after"])
            + r")\s+(?:the\s+)?(?:[\w-]+['’]s\s+)?$"
        ),
        non_party_org_types=frozenset(data["parties"]["not_types"]),
        party_carry_chars=int(data["parties"]["carry_chars"]),
    )


@cache
def default_agreement_rules() -> AgreementRules:
    return build_agreement_rules(load_rules("agreements.toml"), load_rules("countries.toml"))


def find_country_spans(
    text: str, lo: int = 0, hi: int | None = None, rules: AgreementRules | None = None
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Places in text[lo:hi] that name a country as a possible party, with the countries named.
    Place names ("Sea of Japan", "South China Sea") and currencies ("US dollars") do not count.

    >>> t = "Moscow and Beijing held drills in the Sea of Japan and the South China Sea."
    >>> [(t[s:e], names) for s, e, names in find_country_spans(t)]
    [('Moscow', ('Russia',)), ('Beijing', ('China',))]
    """
    rules = rules or default_agreement_rules()
    hi = len(text) if hi is None else hi
    found = []
    for match in rules.country_pattern.finditer(text, lo, hi):
        if rules.not_party_before.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        if rules.not_party_after.match(text[match.end() : match.end() + 20]):
            continue
        found.append((match.start(), match.end(), rules.countries_of_form[match.group(0)]))
    return found


def find_triggers(text: str, rules: AgreementRules | None = None) -> list[Trigger]:
    """Words that name an agreement, in text order; adjacent trigger nouns are joined.

    >>> [(text[t.start:t.end], t.kind) for text in ["They signed a memorandum agreement."]
    ...  for t in find_triggers(text)]
    [('memorandum agreement', 'memorandum')]
    """
    rules = rules or default_agreement_rules()
    triggers: list[Trigger] = []
    for match in rules.trigger.finditer(text):
        word = match.group(0).lower()
        window = text[max(0, match.start() - 25) : min(len(text), match.end() + 25)]
        if rules.not_agreement.search(window) and _not_agreement_here(text, match, rules):
            continue
        if word in rules.verbs:
            trigger = Trigger(match.start(), match.end(), rules.verbs[word], True, False)
        elif word in rules.nouns:
            trigger = Trigger(match.start(), match.end(), rules.nouns[word], False, False)
        else:
            trigger = Trigger(match.start(), match.end(), rules.party_nouns[word], False, True)
        previous = triggers[-1] if triggers else None
        if (
            previous
            and not previous.is_verb
            and not trigger.is_verb
            and text[previous.end : trigger.start].strip(" -") == ""
            and "\n" not in text[previous.end : trigger.start]
        ):
            triggers[-1] = Trigger(
                previous.start, trigger.end, _stronger_kind(previous.kind, trigger.kind, rules),
                False, previous.needs_parties and trigger.needs_parties,
            )
            continue
        triggers.append(trigger)
    return triggers


def _stronger_kind(a: str, b: str, rules: AgreementRules) -> str:
    order = {k: i for i, k in enumerate(rules.kind_priority)}
    return min((a, b), key=lambda k: order.get(k, len(order)))


def _is_topic_word(word: str, rules: AgreementRules) -> bool:
    return any(p.fullmatch(word) for _, p in rules.topics)


def _grow_left(text: str, start: int, floor: int, rules: AgreementRules) -> int:
    """Extend a phrase start over the modifiers before it ("$400 billion energy deal",
    "energy and space deals", "the “P5” statement")."""
    words = list(_WORD.finditer(text, floor, start))
    taken: list[str] = []
    k = len(words) - 1
    named = text[start : start + 1].isupper()  # "... Security Agreement": a name, grown as one
    while k >= 0 and len(taken) < rules.max_left_words + (4 if named else 0):
        w = words[k]
        if text[w.end() : start].strip(" -" + _QUOTES):
            break
        token = w.group(0).lower()
        if named and token in ("and", "of", "on", "for", "&") and k > 0 and taken:
            before = words[k - 1].group(0)
            if before[0].isupper() and before.lower() not in rules.left_stop and start < len(text) and text[start].isupper():
                start, k = words[k - 1].start(), k - 2  # "Compatibility and Security Agreement"
                taken += [token, before.lower()]
                continue
        if token in ("and", "or") and taken and _is_topic_word(taken[-1], rules) and k > 0:
            before = words[k - 1]
            if _is_topic_word(before.group(0).lower(), rules) and not text[before.end() : w.start()].strip():
                start, k = before.start(), k - 2
                taken.append(before.group(0).lower())
                continue
        if token in rules.left_stop or token in rules.nouns or token in rules.party_nouns:
            break
        start = w.start()
        taken.append(token)
        k -= 1
    if taken and start > 0 and text[start - 1] in "“‘\"":
        start -= 1  # keep the opening quote of a quoted modifier
    return start


def _grow_right(text: str, end: int, ceiling: int, rules: AgreementRules, words: int) -> int:
    """Extend a phrase end over a complement ("agreement on a ... fund") or a clause, up to
    a word that starts a new clause ("and", "which", "can", "during")."""
    following = list(_WORD.finditer(text, end, ceiling))
    if not following:
        return end
    first = following[0]
    if text[end : first.start()].strip():
        return end  # punctuation right after the trigger
    if words == 0 and first.group(0).lower() not in rules.complement_words:
        return end
    limit = words or rules.max_clause_words
    taken: list[re.Match[str]] = []
    for count, w in enumerate(following):
        gap = text[(taken[-1].end() if taken else end) : w.start()]
        if gap.strip() not in ("", "-", "$"):
            break
        if count >= limit + (0 if words else 1) and not _inside_name(taken, w):
            break
        token = w.group(0).lower()
        if count > 0 and token in rules.clause_stop:
            nxt = following[count + 1] if count + 1 < len(following) else None
            coordinated = (
                token in ("and", "or") and taken and nxt is not None
                and _is_topic_word(taken[-1].group(0).lower(), rules)
                and _is_topic_word(nxt.group(0).lower(), rules)
            )
            if not coordinated:  # "covering energy and trade" goes on; "fund and a loan" stops
                break
        taken.append(w)
    while len(taken) > 1 and taken[-1].group(0).lower() in rules.trailing_words:
        taken.pop()
    if len(taken) == 1 and words == 0:
        return end  # a complement word alone ("agreement on") is not a complement
    return taken[-1].end() if taken else end


def _inside_name(taken: Sequence[re.Match[str]], word: re.Match[str]) -> bool:
    """Would stopping before ``word`` cut a proper name ("the Sea | of Japan")?"""
    if not taken:
        return False
    last = taken[-1].group(0)
    if last in ("of", "the"):
        return len(taken) > 1 and taken[-2].group(0)[0].isupper() and word.group(0)[0].isupper()
    return last[0].isupper() and (word.group(0)[0].isupper() or word.group(0) in ("of", "the"))


def classify_topic(
    phrase: str, sentence: str, rules: AgreementRules | None = None, kind: str | None = None,
    trigger_at: int | None = None,
) -> str:
    """Topic from the words of the phrase; else by kind (a bare treaty is diplomatic); else
    from the sentence: "multiple" for a broad kind naming several topics, otherwise the topic
    named nearest the trigger at ``trigger_at`` (an offset into ``sentence``).

    >>> classify_topic("energy and space deals", "")
    'multiple'
    >>> classify_topic("$400 billion energy deal", "")
    'energy'
    >>> classify_topic("2001 Treaty", "threats to national security", kind="treaty")
    'diplomacy'
    """
    rules = rules or default_agreement_rules()
    if _PACKAGE.match(phrase):
        return "multiple"
    names_matter = not is_title_case_line(sentence)  # in a headline every word is capitalised
    in_phrase = {t for t, _ in _topic_matches(phrase, rules, names_matter)}
    if len(in_phrase) >= 2:
        return "multiple"
    if in_phrase:
        return in_phrase.pop()
    if kind in rules.kind_topics:
        return rules.kind_topics[kind]
    at = trigger_at if trigger_at is not None else 0
    near = sorted((abs(m.start() - at), t) for t, m in _topic_matches(sentence, rules, names_matter))
    if not near:
        return "other"
    if kind in rules.broad_kinds and len({t for _, t in near}) >= 2:
        return "multiple"
    return near[0][1]


def _topic_matches(
    text: str, rules: AgreementRules, names_matter: bool = True
) -> list[tuple[str, re.Match[str]]]:
    """Topic words of a passage, except those inside a proper name ("Silk Road",
    "Eurasian Economic Union"): a name says little about what an agreement covers.

    >>> [(t, m.group(0)) for t, m in _topic_matches("a gas deal on the Silk Road", default_agreement_rules())]
    [('energy', 'gas')]
    """
    found = []
    for topic, pattern in rules.topics:
        for m in pattern.finditer(text):
            if names_matter and m.group(0)[0].isupper() and _next_to_capitalised(text, m.start(), m.end()):
                continue
            found.append((topic, m))
    # "information security" is cyber, not also defence: a match inside a longer one drops out
    return [
        (t, m) for t, m in found
        if not any(
            o.start() <= m.start() and m.end() <= o.end() and o.end() - o.start() > m.end() - m.start()
            for _, o in found
        )
    ]


def _next_to_capitalised(text: str, start: int, end: int) -> bool:
    before = re.search(r"([A-Z][\w’'-]*)\s+$", text[max(0, start - 30) : start])
    after = re.match(r"\s+(?:of\s+|for\s+)?[A-Z]", text[end : end + 30])
    return bool(before or after)


def classify_status(sentence: str, rules: AgreementRules) -> str | None:
    for status, pattern in rules.status:
        if pattern.search(sentence):
            return status
    return None


#: A heading is a short line; a longer one is prose, whatever it ends with.
_MAX_HEADING_CHARS = 160


def _is_heading(text: str, lines: LineIndex, pos: int) -> bool:
    """Is ``pos`` on a short heading line inside the article (not its title)?"""
    start, end = lines.bounds(pos)
    if start == 0 or end - start > _MAX_HEADING_CHARS:
        return False
    line = text[start:end].strip()
    return bool(line) and len(line.split()) <= 10 and line[-1] not in ".!?:;\"”’)"


def _sentence_of(
    sentences: Sequence[tuple[int, int]], starts: Sequence[int], pos: int, length: int
) -> tuple[int, int]:
    """The sentence holding ``pos`` (``starts`` are the sentences' starts), else the text."""
    i = bisect_right(starts, pos) - 1
    if i >= 0 and sentences[i][0] <= pos < sentences[i][1]:
        return sentences[i]
    return 0, length


def find_agreements(
    text: str,
    figures: Sequence[MoneyFigure] = (),
    rules: AgreementRules | None = None,
    organisations: Sequence[PartyMention] = (),
) -> list[Agreement]:
    """Agreements of one cleaned article, each with all its mentions, in text order.

    >>> [(a.text, a.kind, a.topic, a.parties, a.amount) for a in find_agreements(
    ...     "Last year, Russia and China signed a landmark gas deal valued at $400 billion. The deal stalled.",
    ...     [MoneyFigure(65, 77, "$400 billion", 4e11, 4e11, 4e11, "USD", "exact", "billion", None)])]
    [('landmark gas deal', 'deal', 'energy', ['Russia', 'China'], 400000000000.0)]
    """
    rules = rules or default_agreement_rules()
    sentences = sentence_spans(text)
    countries = find_country_spans(text, rules=rules)
    top_countries = _top_countries(countries)
    agreements: list[Agreement] = []
    packages: list[tuple[Agreement, int]] = []
    sentence_starts = [s for s, _ in sentences]
    lines = LineIndex(text)
    for trigger in find_triggers(text, rules):
        if _is_heading(text, lines, trigger.start):
            continue
        s_start, s_end = _sentence_of(sentences, sentence_starts, trigger.start, len(text))
        if trigger.is_verb:
            start, end = trigger.start, _grow_right(text, trigger.end, s_end, rules, rules.max_clause_words)
        else:
            start = _grow_left(text, trigger.start, s_start, rules)
            end = _grow_right(text, trigger.end, s_end, rules, 0)
        if trigger.needs_parties and not _names_several_parties(text, start, trigger.start, rules, organisations):
            continue
        earlier = _referent(text, start, end, trigger, s_start, agreements, rules)
        if earlier is not None:
            earlier.mentions.append((start, end))
            continue
        nearby = [a for a in agreements if trigger.start - a.end <= rules.party_carry_chars]
        agreement = _new_agreement(
            text, start, end, trigger.kind, trigger.start, (s_start, s_end), figures, organisations,
            (nearby[-1].parties if nearby else []) + top_countries, rules, countries,
        )
        agreements.append(agreement)
        if _PACKAGE.match(agreement.text):
            packages.append((agreement, s_end))
    for package, s_end in packages:
        for start, end in _package_members(text, package.end, s_end, rules):
            if any(s < end and start < e for a in agreements for s, e in a.mentions):
                continue
            member = _new_agreement(
                text, start, end, rules.package_member_kind, start, (start, s_end), figures,
                organisations, top_countries, rules, countries,
            )
            member.parties = list(package.parties)
            member.status = package.status
            agreements.append(member)
    return _merge_same_value(sorted(agreements, key=lambda a: a.start))


def _merge_same_value(agreements: list[Agreement], tolerance: float = 0.02) -> list[Agreement]:
    """One row for an agreement named twice with a rounded value ("$5.4 billion deal" in the
    title, "$5.43 billion deal" in the text): same kind, parties and currency, values within
    2%."""
    kept: list[Agreement] = []
    for a in agreements:
        twin = next(
            (
                k for k in kept
                if a.amount is not None and k.amount is not None and k.kind == a.kind
                and k.currency == a.currency and set(k.parties) == set(a.parties)
                and abs(k.amount - a.amount) <= tolerance * max(k.amount, a.amount)
            ),
            None,
        )
        if twin is None:
            kept.append(a)
        else:
            twin.mentions.extend(a.mentions)
    for a in kept:
        a.mentions.sort()
    return kept


def _new_agreement(
    text: str,
    start: int,
    end: int,
    kind: str,
    trigger_start: int,
    sentence_span: tuple[int, int],
    figures: Sequence[MoneyFigure],
    organisations: Sequence[PartyMention],
    top_countries: list[str],
    rules: AgreementRules,
    country_spans: Sequence[tuple[int, int, tuple[str, ...]]] | None = None,
) -> Agreement:
    s_start, s_end = sentence_span
    sentence = text[s_start:s_end]
    phrase = text[start:end]
    figure = _value_of(start, end, s_end, figures)
    year = _YEAR.search(phrase) or _nearest_year(sentence, trigger_start - s_start)
    return Agreement(
        start=start,
        end=end,
        text=phrase,
        kind=kind,
        parties=find_parties(
            text, start, end, sentence_span, organisations, top_countries, rules, country_spans
        ),
        topic=classify_topic(phrase, sentence, rules, kind, trigger_start - s_start),
        status=classify_status(sentence, rules),
        year=int(year.group(1)) if year else None,
        amount=figure.amount if figure else None,
        currency=figure.currency if figure else None,
        figure_start=figure.start if figure else None,
        mentions=[(start, end)],
    )


def _nearest_year(sentence: str, at: int) -> re.Match[str] | None:
    years = list(_YEAR.finditer(sentence))
    return min(years, key=lambda m: abs(m.start() - at)) if years else None


def _names_several_parties(
    text: str, start: int, trigger_start: int, rules: AgreementRules, organisations: Sequence[PartyMention]
) -> bool:
    """Do the modifiers text[start:trigger_start] name two or more parties ("P5",
    "Russia-China", "BRICS")?"""
    countries = {n for _, _, names in find_country_spans(text, start, trigger_start, rules) for n in names}
    blocs = [o for o in organisations if start <= o.start and o.end <= trigger_start and o.type == "intergovernmental"]
    return len(countries) >= 2 or bool(blocs)


def _referent(
    text: str,
    start: int,
    end: int,
    trigger: Trigger,
    floor: int,
    agreements: Sequence[Agreement],
    rules: AgreementRules,
) -> Agreement | None:
    """The earlier agreement a phrase refers back to, if any: the same words again, or a
    definite phrase ("the deal", "the extensive joint statement", "the energy deal") whose
    words add no topic, number or party that the earlier agreement lacks."""
    phrase = text[start:end]
    same = next((a for a in agreements if a.text.lower() == phrase.lower()), None)
    if same is not None:
        return same
    if trigger.is_verb or _previous_word(text, start, floor) not in rules.anaphora:
        return None
    bare = start == trigger.start and end == trigger.end  # "the deal"
    for earlier in reversed(agreements):
        if earlier.kind == trigger.kind and (bare or _refers_back(phrase, earlier, rules)):
            return earlier
    if bare and agreements and not trigger.needs_parties:
        return agreements[-1]  # "signed a contract ... the deal": reporters vary the word
    content = _content_words(phrase, rules)
    for earlier in reversed(agreements):  # "the agreement on the S-400" names the S-400 deal
        if content and content <= {w.lower() for w in _WORD.findall(earlier.text)}:
            return earlier
    return None


def _content_words(phrase: str, rules: AgreementRules) -> set[str]:
    """The words of a phrase that tell one agreement from another (not "the", "on", "deal").

    >>> sorted(_content_words("agreement on the S-400", default_agreement_rules()))
    ['s-400']
    """
    return {w.lower() for w in _WORD.findall(phrase)} - rules.common_words


def _refers_back(phrase: str, earlier: Agreement, rules: AgreementRules) -> bool:
    """'the energy deal' refers to '$400 billion energy deal': its words are the earlier
    phrase's words, or it adds no number, no party and no other topic.

    >>> a = Agreement(0, 0, "$400 billion energy deal", "deal", [], "energy", None, None)
    >>> rules = default_agreement_rules()
    >>> _refers_back("energy deal", a, rules), _refers_back("arms deal", a, rules)
    (True, False)
    """
    words = {w.lower() for w in _WORD.findall(phrase)}
    earlier_words = {w.lower() for w in _WORD.findall(earlier.text)}
    if words and words <= earlier_words:
        return True
    if re.search(r"\d", phrase) or rules.country_pattern.search(phrase):
        return False
    topics = {t for t, p in rules.topics if p.search(phrase)}
    return not topics or topics == {earlier.topic}


def _package_members(text: str, end: int, ceiling: int, rules: AgreementRules) -> list[tuple[int, int]]:
    """Spans of the items listed after a package ("32 agreements including X, Y and Z")."""
    intro = rules.package_members.match(text, end, ceiling)
    if not intro:
        return []
    members = []
    pos = intro.end()
    # items end at a comma, a semicolon, or an "and" before a new noun phrase ("... and a rail
    # link"), not at an "and" inside a name ("Eurasian Economic Union and Silk Road")
    cuts = [(m.start(), m.end()) for m in _MEMBER_SEPARATOR.finditer(text, pos, ceiling)]
    bounds = [pos] + [x for cut in cuts for x in cut] + [ceiling]
    for s, e in zip(bounds[::2], bounds[1::2]):
        item = re.match(r"\s*(?:and\s+|or\s+)?(?:(?:the|a|an)\s+)?", text[s:e])
        s += item.end() if item else 0
        while e > s and text[e - 1] in " .!?\n":
            e -= 1
        if 2 <= len(text[s:e].split()) <= 12:
            members.append((s, e))
    return members


def find_parties(
    text: str,
    start: int,
    end: int,
    sentence_span: tuple[int, int],
    organisations: Sequence[PartyMention],
    top_countries: Sequence[str],
    rules: AgreementRules | None = None,
    country_spans: Sequence[tuple[int, int, tuple[str, ...]]] | None = None,
) -> list[str]:
    """Parties of the agreement named at text[start:end], by common or canonical name.

    Countries and organisations named before the phrase in its sentence or inside it come
    first ("Russia and China signed ...", "a Gazprom-CNPC deal"); then organisations after
    "with" or "between" and countries elsewhere in the sentence; an agreement still short of
    two parties takes the article's most-named countries ("the two countries signed").
    Media, universities and think tanks report agreements; they are not parties.
    """
    rules = rules or default_agreement_rules()
    s_start, s_end = sentence_span
    orgs = [
        o for o in organisations
        if s_start <= o.start and o.end <= s_end and o.type not in rules.non_party_org_types
    ]
    in_sentence = (
        [c for c in country_spans if s_start <= c[0] and c[1] <= s_end]
        if country_spans is not None
        else find_country_spans(text, s_start, s_end, rules)
    )
    countries = [c for c in in_sentence if not any(o.start <= c[0] and c[1] <= o.end for o in organisations)]
    first: list[str] = []
    later: list[str] = []
    previous_end = -1  # end of the last organisation taken after the phrase
    for o in orgs:
        before = text[max(s_start, o.start - 30) : o.start]
        if o.start >= end:
            # "a deal with CNPC", "between Gazprom and CNPC"; not ", and BP signed ..." (a new clause)
            joined = re.search(r"(?i)\b(?:with|between)\s+(?:the\s+)?$", before) or (
                re.search(r"(?i)\band\s+(?:the\s+)?$", before)
                and (
                    (previous_end >= 0 and re.fullmatch(r"(?i)\s+and\s+(?:the\s+)?", text[previous_end : o.start]))
                    or ("," not in text[end : o.start] and o.start - end <= 40)
                )
            )
            if joined:
                first.append(o.name)
                previous_end = o.end
        elif not rules.governed_by.search(before):
            first.append(o.name)
    for c_start, c_end, names in countries:
        if _qualifies_org(text, c_end, orgs):
            continue  # "Russia's Gazprom": the organisation stands for itself
        governed = rules.governed_by.search(text[max(s_start, c_start - 30) : c_start])
        (first if c_start < end and not governed else later).extend(names)
    parties = list(dict.fromkeys(first))
    for name in [*later, *top_countries]:
        if len(parties) >= 2:
            break
        if name not in parties:
            parties.append(name)
    return parties


def _qualifies_org(text: str, country_end: int, orgs: Sequence[PartyMention]) -> bool:
    after = re.match(r"(?:['’]s)?\s+", text[country_end : country_end + 4])
    return bool(after) and any(o.start == country_end + after.end() for o in orgs)


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


def _value_of(
    start: int, end: int, sentence_end: int, figures: Sequence[MoneyFigure]
) -> MoneyFigure | None:
    """The figure inside the phrase, else one right after it ("valued at $400 billion")."""
    inside = [f for f in figures if start <= f.start and f.end <= end and f.amount is not None]
    if inside:
        return inside[0]
    after = [f for f in figures if end <= f.start < min(sentence_end, end + 30) and f.amount is not None]
    return after[0] if after else None


def _top_countries(country_spans: Sequence[tuple[int, int, tuple[str, ...]]]) -> list[str]:
    """The two countries the article names most often (ties in order of appearance)."""
    counts: Counter[str] = Counter()
    for _, _, names in country_spans:
        if len(names) == 1:
            counts[names[0]] += 1
    return [name for name, _ in counts.most_common(2)]


def cluster_key(doc_id: str, agreement: Agreement) -> str:
    """Key shared by the same real-world agreement across articles: its parties and value
    when it has one (the value pins a deal better than words that differ between
    reporters), else its kind, topic, parties and year; else one key per row.

    >>> a = Agreement(0, 0, "gas deal", "deal", ["Russia", "China"], "energy", None, None, 4e11, "USD")
    >>> cluster_key("d1", a)
    'china-russia-usd-400000000000'
    """
    parties = "-".join(sorted(slugify(p) for p in agreement.parties)) or "unknown"
    if agreement.amount is not None:
        key = f"{parties}-{agreement.currency or 'xxx'}-{agreement.amount:.0f}"
    elif agreement.year is not None:
        key = f"{agreement.kind}-{agreement.topic}-{parties}-{agreement.year}"
    else:
        key = f"{doc_id}-{agreement.kind}-{agreement.start}"
    return slugify(key)


def assign_clusters(agreements_by_doc: dict[str, list[Agreement]]) -> dict[str, list[Agreement]]:
    """Give every agreement a ``cluster_key`` (see :func:`cluster_key`)."""
    return {
        doc_id: [replace(a, cluster_key=cluster_key(doc_id, a)) for a in agreements]
        for doc_id, agreements in agreements_by_doc.items()
    }
