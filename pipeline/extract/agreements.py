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

from bisect import bisect_left, bisect_right

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from pipeline.extract.countries import country_forms
from pipeline.extract.money import MoneyFigure
from pipeline.rules import load_rules
from pipeline.text import LineIndex, is_title_case_line, literal_alternation, sentence_spans, slugify

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
    head: str = ""  # the last trigger word, lower case ("deal" in "prisoner swap deal")
    joined: bool = False  # two trigger nouns in a row ("loan agreements")


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
    modified_nouns: dict[str, frozenset[str]]  # "order" -> modifiers that do not make it one ("court")
    plural_nouns: frozenset[str]
    vague_plural_modifiers: frozenset[str]
    prospect_modifiers: frozenset[str]
    prospect_before: re.Pattern[str]
    new_referent: frozenset[str]
    reference_modifiers: frozenset[str]
    not_value_context: re.Pattern[str]
    conversion_gap: re.Pattern[str]
    interchangeable_kinds: frozenset[str]  # nouns reporters swap for one another ("the deal", "the agreement")
    organisation_anaphora: re.Pattern[str]  # "the company": the article's most-named organisation
    like_previous: frozenset[str]  # "a similar arrangement": of the previous agreement's topic
    finance_instruments: frozenset[str]  # "loan": finance as the means, the purpose gives the topic
    purpose_cue: re.Pattern[str]  # "to fund", "to strengthen": the purpose follows


def _words_pattern(words: Sequence[str], plurals: bool = False) -> re.Pattern[str]:
    alternation = literal_alternation(words, ignore_case=True)
    plural = "(?:s|es)?" if plurals else ""
    return re.compile(rf"(?i)(?<![\w-])(?:{alternation}){plural}(?![\w])")


def _first_letters(words: Sequence[str]) -> str:
    """Character class body of the first letters of some words, both cases: a cheap
    look-ahead that spares the alternation at most word starts."""
    return re.escape("".join(sorted({c for w in words for c in (w[0].lower(), w[0].upper())})))


def build_agreement_rules(data: dict[str, Any], countries: dict[str, Any]) -> AgreementRules:
    nouns, party_nouns = data["nouns"], data.get("party_nouns", {})
    verbs = dict(data["verbs"])
    for verb, kind in data["verbs"].items():  # "agreed on Tuesday to", "agreed in principle to"
        if verb.endswith(" to"):
            verbs.update({f"{verb[:-3]} {adverbial} to": kind for adverbial in data["verb_adverbials"]["adverbials"]})
    words = [*nouns, *verbs, *party_nouns]  # longest first: literal_alternation's trie
    alternation = literal_alternation(words, ignore_case=True)
    forms = country_forms(countries)
    form_alt = literal_alternation(forms)
    not_party = countries.get("not_a_party", {})
    before = "|".join(re.escape(w) for w in not_party.get("before", [])) or "(?!)"
    after = "|".join(re.escape(w) for w in not_party.get("after", [])) or "(?!)"
    phrase = data["phrase"]
    return AgreementRules(
        trigger=re.compile(rf"(?i)(?<![\w-])(?=[{_first_letters(words)}])(?:{alternation})(?![\w])"),
        nouns={k.lower(): v for k, v in nouns.items()},
        party_nouns={k.lower(): v for k, v in party_nouns.items()},
        verbs={k.lower(): v for k, v in verbs.items()},
        kind_priority=tuple(data["joined_nouns"]["kind_priority"]),
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
        not_party_after=re.compile(rf"(?i)^\s+(?:{after})\b"),
        governed_by=re.compile(
            r"(?i)(?<![\w-])(?:" + "|".join(re.escape(w) for w in data["parties"]["not_after"])
            + r")\s+(?:the\s+)?(?:[\w-]+['’]s\s+)?$"
        ),
        non_party_org_types=frozenset(data["parties"]["not_types"]),
        party_carry_chars=int(data["parties"]["carry_chars"]),
        modified_nouns={k.lower(): frozenset(w.lower() for w in v) for k, v in data["modified_nouns"].items()},
        plural_nouns=frozenset(
            w.lower() for w in nouns
            if w.lower().endswith("s") and (w.lower()[:-1] in _lower(nouns) or w.lower()[:-2] in _lower(nouns))
        ) | frozenset({"memoranda of understanding", "treaties", "lines of credit"}),
        vague_plural_modifiers=frozenset(data["vague"]["plural_modifiers"]),
        prospect_modifiers=frozenset(data["vague"]["prospect_modifiers"]),
        prospect_before=re.compile(
            r"(?i)(?<![\w-])(?:" + "|".join(re.escape(w) for w in data["vague"]["prospect_before"])
            + r")\s+(?:(?:a|an|the|any|new)\s+)?$"
        ),
        new_referent=frozenset(data["vague"]["new_referent"]),
        reference_modifiers=frozenset(data["vague"]["reference_modifiers"]),
        not_value_context=_words_pattern(data["value"]["not_value_words"]),
        conversion_gap=re.compile(data["value"]["conversion_gap"]),
        interchangeable_kinds=frozenset(data["interchangeable_kinds"]["kinds"]),
        organisation_anaphora=_words_pattern(data["parties"]["organisation_anaphora"]),
        like_previous=frozenset(data["vague"]["like_previous"]),
        finance_instruments=frozenset(w.lower() for w in data["purpose"]["instruments"]),
        purpose_cue=_words_pattern(data["purpose"]["cues"]),
    )


def _lower(words: Sequence[str]) -> set[str]:
    return {w.lower() for w in words}


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
        if text[match.end() : match.end() + 1] in ("$", "£", "€", "¥"):
            continue  # "US$9.00", "HK$21 billion": a currency, not a party
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
            trigger = Trigger(match.start(), match.end(), rules.verbs[word], True, False, word)
        elif word in rules.nouns:
            trigger = Trigger(match.start(), match.end(), rules.nouns[word], False, False, word)
        else:
            trigger = Trigger(match.start(), match.end(), rules.party_nouns[word], False, True, word)
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
                False, previous.needs_parties and trigger.needs_parties, trigger.head, True,
            )
            continue
        triggers.append(trigger)
    return triggers


def _stronger_kind(first: str, head: str, rules: AgreementRules) -> str:
    """Kind of two trigger nouns in a row: a listed kind wins ("memorandum agreement"), else
    the head noun's ("concession agreement" is an agreement)."""
    order = {k: i for i, k in enumerate(rules.kind_priority)}
    if first in order or head in order:
        return min((first, head), key=lambda k: order.get(k, len(order)))
    return head


def _is_topic_word(word: str, rules: AgreementRules) -> bool:
    return any(p.fullmatch(word) for _, p in rules.topics)


def _grow_left(text: str, start: int, floor: int, rules: AgreementRules) -> int:
    """Extend a phrase start over the modifiers before it ("$400 billion energy deal",
    "energy and space deals", "the “P5” statement")."""
    words = list(_WORD.finditer(text, max(floor, start - 300), start))  # a dozen words at most are taken
    taken: list[str] = []
    k = len(words) - 1
    named = text[start : start + 1].isupper()  # "... Security Agreement": a name, grown as one
    while k >= 0 and len(taken) < rules.max_left_words + (4 if named else 0):
        w = words[k]
        gap = text[w.end() : start]
        if gap.strip() == ")" and k > 0:  # "£24bn ($32bn) deal": over the bracketed conversion
            opening = text.rfind("(", max(floor, start - 30), start)
            if opening > 0 and not text[words[k - 1].end() : opening].strip():
                while k >= 0 and words[k].start() > opening:
                    k -= 1
                start = opening
                continue
        if gap.strip(" -" + _QUOTES):
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
    matches = _topic_matches(phrase, rules, names_matter)
    in_phrase = {t for t, _ in matches}
    instrument_only = all(m.group(0).lower() in rules.finance_instruments for t, m in matches if t == "finance")
    if "finance" in in_phrase and instrument_only and len(in_phrase) == 2:
        return (in_phrase - {"finance"}).pop()  # "a loan for metro lines": the loan's purpose
    if in_phrase == {"finance"} and instrument_only and trigger_at is not None:
        purpose = rules.purpose_cue.search(sentence, trigger_at)
        if purpose:
            named = {t for t, _ in _topic_matches(sentence[purpose.end() : purpose.end() + 80], rules, names_matter)}
            if len(named - {"finance"}) == 1:
                return (named - {"finance"}).pop()  # "a loan ... to strengthen urban infrastructure"
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


_HEADING_SMALL_WORDS = frozenset("a an and as at but by for from in into nor of on or over per the to up via vs with".split())

#: A heading is a short line; a longer one is prose, whatever it ends with.
_MAX_HEADING_CHARS = 160


def _is_heading(text: str, lines: LineIndex, pos: int) -> bool:
    """Is ``pos`` on a short heading line inside the article (not its title)?"""
    start, end = lines.bounds(pos)
    if start == 0 or end - start > _MAX_HEADING_CHARS:
        return False
    line = text[start:end].strip()
    if not line or len(line.split()) > 10 or line[-1] in ".!?:;\"”’)":
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", line) if w.lower() not in _HEADING_SMALL_WORDS]
    return all(w[0].isupper() for w in words)  # "Netflix lands ... deal" is a headline, content


def _sentence_of(
    sentences: Sequence[tuple[int, int]], starts: Sequence[int], pos: int, length: int
) -> tuple[int, int]:
    """The sentence holding ``pos`` (``starts`` are the sentences' starts), else the text."""
    i = bisect_right(starts, pos) - 1
    if i >= 0 and sentences[i][0] <= pos < sentences[i][1]:
        return sentences[i]
    return 0, length


@dataclass
class _Article:
    """What the steps of :func:`find_agreements` share about one article: its sentences, its
    usable figures and its possible parties, each sorted by offset for bisection (so every
    lookup costs O(log n) and the whole extraction stays linear in the text)."""

    text: str
    rules: AgreementRules
    sentences: list[tuple[int, int]]
    sentence_starts: list[int]
    figures: list[MoneyFigure]  # figures that can be an agreement's value, by start
    figure_starts: list[int]
    every_figure: list[MoneyFigure]
    every_figure_start: list[int]
    organisations: list[PartyMention]  # by start
    organisation_starts: list[int]
    countries: list[tuple[int, int, tuple[str, ...]]]
    country_starts: list[int]
    top_countries: list[str]
    top_organisations: list[str]
    about_organisations: bool  # the article names its top organisation at least as often as its top country
    title_end: int

    def sentence(self, pos: int) -> tuple[int, int]:
        """The sentence holding ``pos``, at most ``_SENTENCE_REACH`` characters either side of
        it: a run-on "sentence" of a megabyte costs no more per trigger than a real one."""
        start, end = _sentence_of(self.sentences, self.sentence_starts, pos, len(self.text))
        return max(start, pos - _SENTENCE_REACH), min(end, pos + _SENTENCE_REACH)

    def organisations_in(self, lo: int, hi: int) -> list[PartyMention]:
        i = bisect_left(self.organisation_starts, lo)
        j = bisect_left(self.organisation_starts, hi)
        return [o for o in self.organisations[i:j] if o.end <= hi]

    def countries_in(self, lo: int, hi: int) -> list[tuple[int, int, tuple[str, ...]]]:
        i = bisect_left(self.country_starts, lo)
        j = bisect_left(self.country_starts, hi)
        return [c for c in self.countries[i:j] if c[1] <= hi]

    def headline_like(self, pos: int) -> bool:
        """Is the sentence at ``pos`` capitalised like a headline (judged on at most 200
        characters either side, so the cost per trigger stays bounded)?"""
        start, end = self.sentence(pos)
        return is_title_case_line(self.text[max(start, pos - 200) : min(end, pos + 200)])

    def all_figures_in(self, lo: int, hi: int) -> list[MoneyFigure]:
        """Every figure (conversions, fines and rates too) that starts in [lo, hi)."""
        return self.every_figure[bisect_left(self.every_figure_start, lo) : bisect_left(self.every_figure_start, hi)]

    def figures_in(self, lo: int, hi: int) -> list[MoneyFigure]:
        """Usable figures that start in [lo, hi)."""
        return self.figures[bisect_left(self.figure_starts, lo) : bisect_left(self.figure_starts, hi)]


def _read_article(
    text: str, figures: Sequence[MoneyFigure], organisations: Sequence[PartyMention], rules: AgreementRules
) -> _Article:
    sentences = sentence_spans(text)
    countries = find_country_spans(text, rules=rules)
    usable = _value_figures(text, figures, rules)
    orgs = sorted(organisations, key=lambda o: (o.start, o.end))
    title_end = _headline_end(text)
    return _Article(
        text=text,
        rules=rules,
        sentences=sentences,
        sentence_starts=[s for s, _ in sentences],
        figures=usable,
        figure_starts=[f.start for f in usable],
        every_figure=sorted(figures, key=lambda f: f.start),
        every_figure_start=sorted(f.start for f in figures),
        organisations=orgs,
        organisation_starts=[o.start for o in orgs],
        countries=countries,
        country_starts=[c[0] for c in countries],
        top_countries=_top_countries(countries),
        top_organisations=_top_organisations(orgs, rules),
        about_organisations=_most_named(Counter(o.name for o in orgs if o.type not in rules.non_party_org_types))
        >= _most_named(Counter(c[2][0] for c in countries if len(c[2]) == 1)),
        title_end=title_end,
    )


def _headline_end(text: str) -> int:
    """End of the short lines that open an article (masthead, date, headline) before its first
    paragraph; 0 when the article opens with a paragraph.

    >>> _headline_end("Daily Post\\n\\nAcme wins $5bn deal\\n\\nAcme Corp has won a contract.")
    31
    """
    end, pos = 0, 0
    while pos < len(text):
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        line = text[pos:line_end].strip()
        if line_end - pos > _MAX_HEADING_CHARS or line.endswith((".", "!", "?", ".”", '."')):
            return end  # a sentence: the body has begun
        if line:
            end = line_end
        pos = line_end + 1
    return end


def _value_figures(text: str, figures: Sequence[MoneyFigure], rules: AgreementRules) -> list[MoneyFigure]:
    """The figures that can be an agreement's value, by start: an amount, not a rate, not a
    conversion of the figure before it ("£24bn ($32bn)"), not a fine, a share price or a profit.

    >>> from pipeline.extract.money import find_monetary_figures
    >>> t = "A £24bn ($32bn) deal; a fine of $5 billion; shares at A$13.07 a share."
    >>> [f.text for f in _value_figures(t, find_monetary_figures(t), default_agreement_rules())]
    ['£24bn']
    """
    ordered = sorted(figures, key=lambda f: f.start)
    usable = []
    excluded_end = -1  # end of the last figure left out for what it is (a fine, a grant, a price)
    for i, f in enumerate(ordered):
        if f.amount is None or f.per is not None:
            continue
        gap = text[ordered[i - 1].end : f.start] if i > 0 else ""
        if i > 0 and rules.conversion_gap.match(gap[-40:]) and f.start - ordered[i - 1].end <= 40:
            continue
        if excluded_end == ordered[i - 1].end and i > 0 and len(gap) <= 40 and not re.search(r"[.;!?]", gap):
            excluded_end = f.end  # "a grant of Sh8 million, a sum amounting to $74,000": the same figure again
            continue
        before = re.split(r"[;.!?]\s", text[max(0, f.start - 30) : f.start])[-1]
        after = re.split(r"[;.!?(]", re.sub(r"^\s*\([^()]{0,30}\)", "", text[f.end : f.end + 60])[:25])[0]
        around = before + " " + after
        if rules.not_value_context.search(around):
            excluded_end = f.end
            continue
        usable.append(f)
    return usable


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
    article = _read_article(text, figures, organisations, rules)
    agreements: list[Agreement] = []
    by_text: dict[str, Agreement] = {}
    own_parties: dict[int, frozenset[str]] = {}  # id(agreement) -> parties its own sentence names
    packages: list[tuple[Agreement, int]] = []
    pending: list[tuple[int, int, Trigger, int, int]] = []  # "the deal" before any agreement is named
    sides: dict[int, tuple[list[str], list[str]]] = {}  # id(agreement) -> (own parties, carried parties)
    organisation_names = {o.name for o in article.organisations}
    lines = LineIndex(text)
    for trigger in find_triggers(text, rules):
        if _is_heading(text, lines, trigger.start):
            continue
        s_start, s_end = article.sentence(trigger.start)
        if trigger.is_verb:
            start, end = trigger.start, _grow_right(text, trigger.end, s_end, rules, rules.max_clause_words)
        else:
            start = _grow_left(text, trigger.start, s_start, rules)
            end = _grow_right(text, trigger.end, s_end, rules, 0)
        if trigger.needs_parties and not _names_several_parties(
            text, start, trigger.start, rules, article.organisations_in(start, trigger.start)
        ):
            continue
        if _is_other_sense(text, start, trigger, rules):
            continue
        recent = agreements[-_LOOK_BACK:]
        if recent and trigger.start < recent[-1].mentions[-1][1]:
            earlier = recent[-1]  # "agreed to a merger with X": the noun is inside the act of agreeing
        else:
            earlier = by_text.get(text[start:end].lower()) or _referent(article, start, end, trigger, s_start, recent)
        if earlier is not None:
            _add_mention(article, earlier, start, end)
            continue
        if _is_vague(text, start, end, trigger, s_start, rules) or _is_bare_modified_noun(text, start, end, trigger, rules):
            continue
        if (
            start == trigger.start and end == trigger.end and not trigger.is_verb
            and _previous_word(text, start, s_start) in rules.anaphora and not recent
        ):
            pending.append((start, end, trigger, s_start, s_end))  # "The deal: what we know": named later
            continue
        nearby = [a for a in recent if trigger.start - a.end <= rules.party_carry_chars]
        own = find_parties(text, start, end, (s_start, s_end), (), [], rules, article=article)
        if article.top_organisations and rules.organisation_anaphora.search(text, _clause_start(text, s_start, start), start):
            own = list(dict.fromkeys([article.top_organisations[0], *own]))  # "The company signed another deal"
        carried = sorted(nearby[-1].parties, key=lambda p: p not in organisation_names) if nearby else []
        agreement = _new_agreement(article, start, end, trigger.kind, trigger.start, (s_start, s_end), carried, own)
        if (
            recent and not trigger.is_verb and not own and agreement.amount is None and agreement.status is None
            and _previous_word(text, start, s_start) in ("a", "an")
            and not rules.new_referent & {w.lower() for w in _WORD.findall(text, start, trigger.start)}
        ):
            continue  # "In a currency swap, two parties ...": a description, not one more agreement
        twin = None if _previous_word(text, start, s_start) in rules.new_referent else _twin(
            article, agreement, frozenset(own), recent, own_parties, trigger
        )
        if twin is not None:
            _add_mention(article, twin, start, end)
            continue
        if recent and agreement.topic == "other" and rules.like_previous & {w.lower() for w in _WORD.findall(text, start, trigger.start)}:
            agreement.topic = recent[-1].topic  # "a similar arrangement": like the one before
        agreements.append(agreement)
        agreement.mentions[:0] = [(p_start, p_end) for p_start, p_end, *_ in pending]
        pending.clear()
        by_text.setdefault(agreement.text.lower(), agreement)
        own_parties[id(agreement)] = frozenset(own)
        sides[id(agreement)] = (own, carried)
        if _PACKAGE.match(agreement.text):
            packages.append((agreement, s_end))
    for start, end, trigger, s_start, s_end in pending[:1]:  # the article never names it otherwise
        agreement = _new_agreement(article, start, end, trigger.kind, trigger.start, (s_start, s_end), [])
        agreement.mentions += [(p_start, p_end) for p_start, p_end, *_ in pending[1:]]
        agreements.append(agreement)
    named = sorted(span for a in agreements for span in a.mentions) if packages else []
    named_starts = [s for s, _ in named]
    for package, s_end in packages:
        for start, end in _package_members(text, package.end, s_end, rules):
            nearby_spans = named[max(0, bisect_left(named_starts, start) - 1) : bisect_left(named_starts, end)]
            if any(s < end and start < e for s, e in nearby_spans):
                continue
            member = _new_agreement(article, start, end, rules.package_member_kind, start, (start, s_end), [], [])
            member.parties = list(package.parties)
            member.status = package.status
            agreements.append(member)
    agreements = _merge_same_value(sorted(agreements, key=lambda a: a.start))
    for agreement in agreements:
        if agreement.amount is None:
            _value_from_sentences(article, agreement)
        if id(agreement) in sides:
            _parties_from_mentions(article, agreement, *sides[id(agreement)])
        if agreement.topic == "other":  # "the three-stage deal ... the debt deal": a later mention names it
            agreement.topic = next(
                (t for t in (classify_topic(text[s:e], "", rules, agreement.kind) for s, e in agreement.mentions[1:]) if t != "other"),
                "other",
            )
    return agreements


#: How far from a trigger its sentence is read (keeps a text without sentence ends linear).
_SENTENCE_REACH = 600

#: How many earlier agreements a new phrase is compared with (keeps long texts linear).
_LOOK_BACK = 30


def _add_mention(article: _Article, agreement: Agreement, start: int, end: int) -> None:
    """One more place that names ``agreement``; its figure becomes the value when the
    agreement has none yet, or when it states the same value more exactly ("£5.136bn" over
    "£5bn")."""
    agreement.mentions.append((start, end))
    figure = _value_of(article, start, end, article.sentence(start)[1])
    if figure is None:
        return
    if agreement.amount is None or (
        figure.currency == agreement.currency
        and same_value(figure.amount, agreement.amount)
        and _significant_digits(figure.amount) > _significant_digits(agreement.amount)
    ):
        agreement.amount, agreement.currency, agreement.figure_start = figure.amount, figure.currency, figure.start


def same_value(a: float | None, b: float | None) -> bool:
    """Do two amounts state the same value, one perhaps rounded ("$5.4 billion" and "$5.43
    billion", "£24bn" and "£24.3bn")?

    >>> same_value(5.4e9, 5.43e9), same_value(24e9, 24.3e9), same_value(2e9, 3e9), same_value(8e9, 8.9e9)
    (True, True, False, False)
    """
    if a is None or b is None or a <= 0 or b <= 0:
        return False
    rough, exact = (a, b) if _significant_digits(a) <= _significant_digits(b) else (b, a)
    digits = _significant_digits(rough)
    return float(f"{exact:.{digits}g}") == rough or abs(a - b) <= 0.02 * max(a, b)


def _significant_digits(amount: float) -> int:
    mantissa = f"{amount:.6e}".split("e")[0].replace(".", "").rstrip("0")
    return max(1, len(mantissa))


def _value_from_sentences(article: _Article, agreement: Agreement) -> None:
    """An agreement still without value takes the one figure of the sentence that first names
    it ("Netflix struck a 10-year deal. ... will cost Netflix more than $5 billion")."""
    for start, end in agreement.mentions:
        if start < article.title_end or _is_plural(article.text[start:end], article.rules):
            continue  # the headline's figure is often rounded or converted; "the agreements" name several
        s_start, s_end = article.sentence(start)
        found = [
            f for f in article.figures_in(s_start, s_end)
            if not _INFINITIVE_BEFORE.search(article.text[max(s_start, f.start - 30) : f.start])
            and not (f.end <= start and _SUBORDINATE.match(article.text[s_start:start]))
        ]
        # the mention's own clause: "paid $1 billion when it acquired X, and ... paying $19
        # billion"; "the pact ..., and it lowers tariffs for states whose economies are worth £12trn"
        c_start = _clause_start(article.text, s_start, start)
        c_end = next((m.start() for m in _CLAUSE_BOUNDARY.finditer(article.text, end, s_end)), s_end)
        found = [f for f in found if c_start <= f.start and f.end <= c_end]
        if len(found) == 1:
            figure = found[0]
            agreement.amount, agreement.currency, agreement.figure_start = figure.amount, figure.currency, figure.start
            return
    first_body = next((s for s, _ in agreement.mentions if s >= article.title_end), None)
    if first_body is None:
        return
    next_start = article.sentence(first_body)[1] + 1  # "... placed the biggest order. ... a contract value of NOK 127 billion"
    next_sentence = article.sentence(min(next_start + 1, len(article.text) - 1)) if next_start < len(article.text) else None
    if next_sentence is None:
        return
    cued = [
        f for f in article.figures_in(*next_sentence)
        if _VALUE_CUE.search(article.text[max(next_sentence[0], f.start - 25) : f.start])
    ]
    if len(cued) == 1:
        agreement.amount, agreement.currency, agreement.figure_start = cued[0].amount, cued[0].currency, cued[0].start


_INFINITIVE_BEFORE = re.compile(r"(?i)\bto\s+[a-z]+\s+(?:an?\s+|the\s+)?$")
#: "Although the transaction is valued at R1, it also brings ... the agreement": the figure
#: belongs to the subordinate clause, not to the agreement named after it.
_SUBORDINATE = re.compile(r"(?i)\s*(?:although|though|while|whereas|even though|as|after|before|because|if|when|since)\b[^,]*,")
_VALUE_CUE = re.compile(r"(?i)\b(?:value of|valued at|worth|priced at|cost of|costing|totall?ing|amounting to|amounts to)\s+(?:about\s+|some\s+|around\s+)?$")


def _is_vague(text: str, start: int, end: int, trigger: Trigger, floor: int, rules: AgreementRules) -> bool:
    """A mention that names no specific agreement (GUIDELINES): a prospect ("close to a deal",
    "potential contracts") or an unspecified plural ("deals", "other deals", "key agreements").

    >>> rules = default_agreement_rules()
    >>> [_is_vague(t, *span, rules) for t, span in [
    ...     ("They are close to a deal.", (18, 22, Trigger(18, 22, "deal", False, False, "deal"), 0)),
    ...     ("Other deals may follow.", (6, 11, Trigger(6, 11, "deal", False, False, "deals"), 0)),
    ...     ("Mega deals with Acme followed.", (0, 20, Trigger(5, 10, "deal", False, False, "deals"), 0))]]
    [True, True, False]
    """
    if trigger.is_verb:
        return False
    modifiers = [w.lower() for w in _WORD.findall(text, start, trigger.start)]
    if any(m in rules.prospect_modifiers for m in modifiers):
        return True
    if rules.prospect_before.search(text[max(floor, start - 40) : start]):
        return True
    if trigger.head not in rules.plural_nouns or trigger.joined or _PACKAGE.match(text[start:end]):
        return False
    named = any(w[0].isupper() for w in _WORD.findall(text, trigger.end, end))
    if named:
        return False
    # "other deals", "analysts expect key agreements": the word before the noun decides
    return not modifiers or modifiers[-1] in rules.vague_plural_modifiers


def _is_bare_modified_noun(text: str, start: int, end: int, trigger: Trigger, rules: AgreementRules) -> bool:
    """"order", "licence", "settlement" name an agreement only with a modifier of their own
    ("aircraft order") or a complement ("an order for 50 jets"), not "a court order"."""
    if trigger.head not in rules.modified_nouns or trigger.joined or trigger.is_verb:
        return False
    return start == trigger.start and end == trigger.end


def _is_other_sense(text: str, start: int, trigger: Trigger, rules: AgreementRules) -> bool:
    """"a court order", "the world order", "Jewish settlements": a modifier that gives the
    noun a sense other than an agreement."""
    other_senses = rules.modified_nouns.get(trigger.head)
    if other_senses is None or trigger.joined or trigger.is_verb:
        return False
    return any(w.lower() in other_senses for w in _WORD.findall(text, start, trigger.start))


def _new_agreement(
    article: _Article,
    start: int,
    end: int,
    kind: str,
    trigger_start: int,
    sentence_span: tuple[int, int],
    carried: Sequence[str],
    own: Sequence[str] | None = None,
) -> Agreement:
    text, rules = article.text, article.rules
    s_start, s_end = sentence_span
    sentence = text[s_start:s_end]
    phrase = text[start:end]
    figure = _value_of(article, start, end, s_end)
    year = _YEAR.search(phrase) or _nearest_year(sentence, trigger_start - s_start)
    parties = list(own) if own is not None else find_parties(text, start, end, sentence_span, (), [], rules, article=article)
    return Agreement(
        start=start,
        end=end,
        text=phrase,
        kind=kind,
        parties=_complete_parties(article, parties, carried),
        topic=classify_topic(phrase, sentence, rules, kind, trigger_start - s_start),
        status=classify_status(sentence, rules),
        year=int(year.group(1)) if year else None,
        amount=figure.amount if figure else None,
        currency=figure.currency if figure else None,
        figure_start=figure.start if figure else None,
        mentions=[(start, end)],
    )


def _complete_parties(article: _Article, parties: Sequence[str], carried: Sequence[str]) -> list[str]:
    """Parties short of two sides take those of the agreement just before ("The two leaders
    also agreed to ..."), then the article's most-named organisations (when a side is a body)
    and countries."""
    parties = list(parties)
    names = {o.name for o in article.organisations}
    has_organisation = any(p in names for p in parties) or (not parties and article.about_organisations)
    fill = [*carried, *(article.top_organisations if has_organisation else []), *article.top_countries]
    for name in fill:
        if len(parties) >= 2:
            break
        if name not in parties:
            parties.append(name)
    return parties


def _parties_from_mentions(article: _Article, agreement: Agreement, own: Sequence[str], carried: Sequence[str]) -> None:
    """An agreement whose first sentence names fewer than two sides takes the sides its other
    mentions' sentences name ("the three-stage deal ... the debt deal for Nigeria")."""
    if len(own) >= 2 or len(agreement.mentions) < 2:
        return
    sides = list(own)
    for start, end in agreement.mentions[1:]:
        if start < article.title_end:
            continue
        for name in find_parties(article.text, start, end, article.sentence(start), (), [], article.rules, article=article):
            if name not in sides:
                sides.append(name)
    if len(sides) > len(own):
        agreement.parties = _complete_parties(article, sides[: max(2, len(own))], carried)


def _merge_same_value(agreements: list[Agreement]) -> list[Agreement]:
    """One row for an agreement named twice with its value ("$5.4 billion deal" in the title,
    "$5.43 billion deal" in the text): same currency, the same value perhaps rounded. The
    exact statement of the value is kept."""
    kept: list[Agreement] = []
    by_currency: dict[str, list[Agreement]] = {}
    for a in agreements:
        same = by_currency.setdefault(a.currency or "", []) if a.amount is not None else []
        twin = next(
            (
                k for k in reversed(same[-_LOOK_BACK:])
                if same_value(k.amount, a.amount) and k.figure_start != a.figure_start  # "A and B worth $5bn": two
            ),
            None,
        )
        if twin is None:
            kept.append(a)
            same.append(a)
            continue
        twin.mentions.extend(a.mentions)
        if _significant_digits(a.amount or 0) > _significant_digits(twin.amount or 0):
            twin.amount, twin.figure_start = a.amount, a.figure_start
    for a in kept:
        a.mentions.sort()
    return kept


def _referent(
    article: _Article, start: int, end: int, trigger: Trigger, floor: int, agreements: Sequence[Agreement]
) -> Agreement | None:
    """The earlier agreement a definite phrase refers back to, if any: "the deal", "the new
    sponsorship deal", "the $8bn acquisition", "the WWE agreement", "Pakistan's staff-level
    agreement". Reporters vary the noun, so any kind may be meant; the latest earlier
    agreement whose value, topic and names do not contradict the phrase is the one."""
    text, rules = article.text, article.rules
    if trigger.is_verb or not agreements:
        return None
    before = _determiner(text, start, floor, rules)
    phrase_words = _WORD.findall(text, start, trigger.start)
    named_modifier = bool(phrase_words) and phrase_words[0][0].isupper()
    if before in rules.new_referent:
        return None
    if not (before in rules.anaphora or before.endswith(("'s", "’s")) or named_modifier):
        return None
    if text[trigger.start].isupper() and trigger.start > floor and not article.headline_like(trigger.start):
        return None  # "the Oslo Accords": a name, not a reference
    bare = start == trigger.start and end == trigger.end
    candidates = [
        a for a in reversed(agreements)
        if not _PACKAGE.match(a.text)
        and (a.kind == trigger.kind or {a.kind, trigger.kind} <= rules.interchangeable_kinds)
        and _compatible(article, start, end, a)
    ]
    if not candidates:
        return None
    same_kind = [a for a in candidates if a.kind == trigger.kind]
    if bare and not trigger.needs_parties:
        return (same_kind or candidates)[0]
    return (same_kind or candidates)[0]


def _determiner(text: str, start: int, floor: int, rules: AgreementRules) -> str:
    """The word before a phrase, over modifiers a reference may add ("the new ... deal")."""
    words = list(_WORD.finditer(text, max(floor, start - 60), start))
    for w in reversed(words):
        token = w.group(0).lower()
        if token not in rules.reference_modifiers:
            return token
    return ""


def _compatible(article: _Article, start: int, end: int, earlier: Agreement) -> bool:
    """Can text[start:end] name ``earlier``? Not when it states another value, names another
    topic, or names a party or number that the sentences naming ``earlier`` do not."""
    text, rules = article.text, article.rules
    phrase = text[start:end]
    inside = [f for f in article.all_figures_in(start, end) if f.end <= end]
    if inside and inside[0].amount is not None and earlier.amount is not None and not same_value(inside[0].amount, earlier.amount):
        return False
    names_matter = not article.headline_like(start)
    topics = {
        t for t, m in _topic_matches(phrase, rules, names_matter)
        if not (t == "finance" and m.group(0).lower() in rules.finance_instruments)  # "the loan" of a metro line
    }
    if topics and earlier.topic not in ("other", "multiple") and earlier.topic not in topics:
        return False
    if not names_matter:
        return True
    context = " ".join(text[article.sentence(s)[0] : min(start, article.sentence(s)[1])] for s, _ in earlier.mentions[:3])
    head = {w.lower() for w in _WORD.findall(text[start:end])} & rules.common_words
    known = {w[:5].lower() for w in _WORD.findall(context)}
    distinctive = unknown = 0
    for word in _WORD.finditer(text, start, end):
        if any(f.start <= word.start() < f.end for f in inside):
            continue  # a figure: compared as a value above
        token = word.group(0)
        if text[word.start() - 1 : word.start()] == "(" and text[word.end() : word.end() + 1] == ")":
            continue  # "(PPP)": the short form of the words before it
        if not (token[0].isupper() or any(c.isdigit() for c in token)) or token.lower() in head:
            continue
        distinctive += 1
        # "Israeli-Palestinian" is known from "Israel" and "Palestinian" (same first letters)
        if token not in context and not all(part[:5].lower() in known for part in token.split("-") if part):
            unknown += 1
    return 2 * unknown <= distinctive and not (distinctive and unknown == distinctive)


def _twin(
    article: _Article,
    agreement: Agreement,
    own: frozenset[str],
    agreements: Sequence[Agreement],
    own_parties: dict[int, frozenset[str]],
    trigger: Trigger,
) -> Agreement | None:
    """An earlier agreement that a new indefinite phrase names again: the headline's deal told
    again in the first paragraph, or a second telling with the same parties ("a prisoner swap
    deal with Washington", "a prisoner exchange deal with the US")."""
    if trigger.is_verb:
        return None
    rules = article.rules
    words = _descriptive_words(agreement.text, rules)
    for earlier in reversed(agreements):
        if earlier.kind == "agreed_action" or (
            earlier.kind != agreement.kind and not {earlier.kind, agreement.kind} <= rules.interchangeable_kinds
        ) or (
            earlier.amount is not None and agreement.amount is not None
            and not same_value(earlier.amount, agreement.amount)
        ):
            continue
        if agreement.topic not in ("other", "multiple") and earlier.topic not in ("other", "multiple", agreement.topic):
            continue
        from_title = agreement.start >= article.title_end and all(s < article.title_end for s, _ in earlier.mentions)
        earlier_words = _descriptive_words(earlier.text, rules)
        told_apart = bool(words and earlier_words and not words & earlier_words)
        if re.fullmatch(r"(?i)\s*(?:,|and|as well as|plus)\s*(?:an?\s+|the\s+)?", article.text[earlier.mentions[-1][1] : agreement.start]):
            continue  # "signed loan agreements and an exchange of notes": two agreements, coordinated
        if _is_plural(earlier.text, rules) != _is_plural(agreement.text, rules):
            continue  # "deals with Sanofi and Janssen" hold "a deal with Sanofi", they are not it
        earlier_own = own_parties.get(id(earlier), frozenset())
        # the same sides, or all the sides the earlier telling named and one more ("KAI signed the
        # deal" ... "KAI secured a deal to supply Malaysia")
        same_sides = bool(own and earlier_own) and (_covers(own, earlier_own) or _covers(earlier_own, own))
        if from_title or (not told_apart and same_sides and len(own | earlier_own) >= 2):
            return earlier
    return None


def _is_plural(phrase: str, rules: AgreementRules) -> bool:
    return any(w.lower() in rules.plural_nouns for w in _WORD.findall(phrase))


def _same_sides(a: frozenset[str], b: frozenset[str]) -> bool:
    """Do two sets of parties name the same sides, a body standing for its country ("Defense
    Ministry (Malaysia)" for "Malaysia")?

    >>> _same_sides(frozenset({"KAI", "Defense Ministry (Malaysia)"}), frozenset({"KAI", "Malaysia"}))
    True
    """
    return len(a) == len(b) and _covers(a, b) and _covers(b, a)


def _covers(a: frozenset[str], b: frozenset[str]) -> bool:
    """Is every party of ``b`` in ``a``, as itself or as a body of its country ("X (Malaysia)")?"""
    return all(any(x == y or x.endswith(f"({y})") or y.endswith(f"({x})") for x in a) for y in b)


def _descriptive_words(phrase: str, rules: AgreementRules) -> set[str]:
    """Lower-case words that tell one agreement from another, numbers aside ("grant" in
    "grant agreement for a further project")."""
    return {w for w in _content_words(phrase, rules) if not any(c.isdigit() for c in w)} - _AMOUNT_WORDS


_AMOUNT_WORDS = frozenset({"million", "billion", "trillion", "bn", "m", "mn", "crore", "lakh", "worth", "valued"})


def find_parties(
    text: str,
    start: int,
    end: int,
    sentence_span: tuple[int, int],
    organisations: Sequence[PartyMention],
    top_countries: Sequence[str],
    rules: AgreementRules | None = None,
    country_spans: Sequence[tuple[int, int, tuple[str, ...]]] | None = None,
    article: _Article | None = None,
) -> list[str]:
    """Parties of the agreement named at text[start:end], by common or canonical name.

    For each side the body that signs where the sentence names it, else its country
    (GUIDELINES): organisations and countries named before the phrase in its sentence or inside
    it come first ("Gazprom and CNPC signed ...", "a Gazprom-CNPC deal"); then organisations
    after "with" or "between" and countries elsewhere in the sentence. A country that only
    says where an organisation is from ("France's Sanofi", "Statoil of Norway", "the German
    bank KfW") is not a side of its own; "the Government of Kenya" is Kenya. An agreement
    still short of two parties takes ``top_countries``. Media, universities and think tanks
    report agreements; they are not parties.

    >>> find_parties("Acme Corp signed a deal with France's Sanofi.", 15, 44, (0, 45),
    ...     [PartyMention(0, 9, "Acme Corp", "company"), PartyMention(38, 44, "Sanofi", "company")], [])
    ['Acme Corp', 'Sanofi']
    """
    rules = rules or default_agreement_rules()
    s_start, s_end = sentence_span
    if article is None:
        ordered = sorted(organisations, key=lambda o: o.start)
        in_sentence_orgs = [o for o in ordered if s_start <= o.start and o.end <= s_end]
        in_sentence = (
            [c for c in country_spans if s_start <= c[0] and c[1] <= s_end]
            if country_spans is not None
            else find_country_spans(text, s_start, s_end, rules)
        )
    else:
        in_sentence_orgs = article.organisations_in(s_start, s_end)
        in_sentence = article.countries_in(s_start, s_end)
    orgs = [o for o in in_sentence_orgs if o.type not in rules.non_party_org_types]
    countries = [c for c in in_sentence if not any(o.start <= c[0] and c[1] <= o.end for o in in_sentence_orgs)]
    first: list[str] = []
    later: list[str] = []
    taken: list[PartyMention] = []
    previous_end = -1  # end of the last organisation taken after the phrase
    clause_start = _clause_start(text, s_start, start)
    between = False  # "the merger between A and B": both sides follow the phrase
    for o in orgs:
        before = text[max(s_start, o.start - 60) : o.start]
        if o.start < clause_start:
            continue  # "... acquired Instagram, and Facebook acquired WhatsApp": another clause
        if o.start >= end:
            # "a deal with CNPC", "between Gazprom and CNPC"; not ", and BP signed ..." (a new clause)
            linked = re.search(r"(?i)\b(?:with|between)\s+(?P<rest>(?:the\s+)?(?:[\w'’-]+\s+){0,5})$", before)
            joined = bool(linked) and "," not in linked.group("rest")  # type: ignore[union-attr]
            # "a loan ($400 million) from the Trade Bank", "the takeover by Blackstone"
            joined = joined or bool(_FROM_OR_BY.fullmatch(text[end : o.start]))
            joined = joined or (
                re.search(r"(?i)\band\s+(?:the\s+)?$", before)
                and (
                    (previous_end >= 0 and re.fullmatch(r"(?i)\s+and\s+(?:the\s+)?", text[previous_end : o.start]))
                    or ("," not in text[end : o.start] and o.start - end <= 40)
                )
            )
            if joined:
                between = between or bool(linked and linked.group(0).lower().startswith("between"))
                first.append(o.name)
                taken.append(o)
                previous_end = o.end
        elif not rules.governed_by.search(before):
            first.append(o.name)
            taken.append(o)
    if between or re.search(r"(?i)\bbetween\s", text[start:end]):
        before_phrase = {o.name for o in taken if o.end <= start}
        first = [name for name in first if name not in before_phrase]
    organisation_sides = len(first)
    for c_start, c_end, names in countries:
        if c_start < clause_start:
            continue  # "after lobbying by Britain, and the Paris Club accepted a deal": another clause
        if _qualifies_org(text, c_start, c_end, taken):
            continue  # "Russia's Gazprom": the organisation stands for itself
        linked = c_start >= end and _COUNTRY_LINKED.search(text[max(end, c_start - 40) : c_start])
        if organisation_sides >= 2 and not linked:
            continue  # both sides are bodies that sign; a country here only says where they are
        inside = c_start < end and not rules.governed_by.search(text[max(s_start, c_start - 30) : c_start])
        (first if inside or linked else later).extend(names)
    parties = list(dict.fromkeys(_country_of_government(name, rules) for name in first))
    for name in [*later, *top_countries]:
        if len(parties) >= 2:
            break
        if name not in parties:
            parties.append(name)
    return parties


_GOVERNMENT = re.compile(r"^(?:the\s+)?(?:[Gg]overnment of\s+(?:the\s+)?(?P<of>.+)|(?P<adj>.+?)\s+[Gg]overnment)$")


_FROM_OR_BY = re.compile(r"(?i)(?:\s*\([^()]{0,40}\))?,?\s+(?:from|by)\s+(?:the\s+)?")
_CLAUSE_BOUNDARY = re.compile(r"(?i)(?:[;:]|,\s+(?:and|but|while|whereas|which|whose|who)\b|\s+while\b)\s*")


def _clause_start(text: str, floor: int, start: int) -> int:
    """Start of the clause that holds the phrase at ``start`` (after "; " or ", and ")."""
    boundaries = list(_CLAUSE_BOUNDARY.finditer(text, floor, start))
    return boundaries[-1].end() if boundaries else floor


def _country_of_government(name: str, rules: AgreementRules) -> str:
    """"the Government of Kenya" and "Kenyan government" are Kenya (GUIDELINES).

    >>> rules = default_agreement_rules()
    >>> _country_of_government("Government of Japan", rules), _country_of_government("Sanofi", rules)
    ('Japan', 'Sanofi')
    """
    match = _GOVERNMENT.match(name)
    if not match:
        return name
    countries = rules.countries_of_form.get(match.group("of") or match.group("adj") or "")
    return countries[0] if countries and len(countries) == 1 else name


_COUNTRY_LINKED = re.compile(r"(?i)\b(?:with|between)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,3}$")
_QUALIFIER_AFTER = re.compile(r"(?:['’]s)?(?:\s+(?!(?:and|or|with|between|to|from|by)\b)[a-z][\w-]*){0,4},?\s+")
_QUALIFIER_BEFORE = re.compile(r"(?:\s+(?:of|in|from|based in)\s+|,\s+)$")


def _qualifies_org(text: str, country_start: int, country_end: int, orgs: Sequence[PartyMention]) -> bool:
    """Does the country only say where a taken organisation is from: "Russia's Gazprom",
    "the German development bank KfW", "Statoil of Norway", "Acme, the French carmaker"?"""
    if not orgs:
        return False
    after = _QUALIFIER_AFTER.match(text[country_end : country_end + 60])
    if after and any(o.start == country_end + after.end() for o in orgs):
        return True
    before = _QUALIFIER_BEFORE.search(text[max(0, country_start - 20) : country_start])
    return bool(before) and any(o.end == country_start - len(before.group(0)) for o in orgs)


def _value_of(article: _Article, start: int, end: int, sentence_end: int) -> MoneyFigure | None:
    """The figure inside the phrase, else one right after it ("valued at $400 billion"); not
    one an infinitive governs ("a deal to enter a £12trn bloc")."""
    inside = [
        f for f in article.figures_in(start, end)
        if f.end <= end and not _INFINITIVE_BEFORE.search(article.text[start : f.start])
    ]
    if inside:
        return inside[0]
    after = article.figures_in(end, min(sentence_end, end + 30))
    return after[0] if after else None


def _most_named(counts: Counter[str]) -> int:
    return counts.most_common(1)[0][1] if counts else 0


def _top_organisations(organisations: Sequence[PartyMention], rules: AgreementRules) -> list[str]:
    """The two organisations that may be parties the article names most (twice at least)."""
    counts = Counter(o.name for o in organisations if o.type not in rules.non_party_org_types)
    return [name for name, n in counts.most_common(2) if n >= 2]


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


def _content_words(phrase: str, rules: AgreementRules) -> set[str]:
    """The words of a phrase that tell one agreement from another (not "the", "on", "deal").

    >>> sorted(_content_words("agreement on the S-400", default_agreement_rules()))
    ['s-400']
    """
    return {w.lower() for w in _WORD.findall(phrase)} - rules.common_words


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


def _top_countries(country_spans: Sequence[tuple[int, int, tuple[str, ...]]]) -> list[str]:
    """The two countries the article names most often (ties in order of appearance)."""
    counts: Counter[str] = Counter()
    for _, _, names in country_spans:
        if len(names) == 1:
            counts[names[0]] += 1
    return [name for name, _ in counts.most_common(2)]


def cluster_key(doc_id: str, agreement: Agreement) -> str:
    """Key of a cluster, named after its first agreement: its parties and value when it has
    one, else its kind, topic, parties and year; else one key per row.

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


def same_real_agreement(a: Agreement, b: Agreement, country_of: dict[str, str] | None = None) -> bool:
    """Do two agreements of different articles tell of one real agreement? Parties and values
    are compared loosely: a value rounded in one article and exact in the other is one value;
    a company stands for its country ("Gazprom" for "Russia") where ``country_of`` knows it.

    >>> deal = Agreement(0, 0, "gas deal", "deal", ["Gazprom", "China"], "energy", None, 2014, 4e11, "USD")
    >>> told_again = Agreement(0, 0, "energy deal", "deal", ["Russia", "China"], "energy", None, None, 4.02e11, "USD")
    >>> same_real_agreement(deal, told_again, {"Gazprom": "Russia"})
    True
    """
    return _same_real_agreement(a, b, _sides(a.parties, country_of or {}), _sides(b.parties, country_of or {}))


def _same_real_agreement(
    a: Agreement, b: Agreement, sides_a: Sequence[frozenset[str]], sides_b: Sequence[frozenset[str]]
) -> bool:
    """:func:`same_real_agreement` given each agreement's sides (found once per agreement)."""
    if a.amount is not None and b.amount is not None:
        if a.currency != b.currency or not same_value(a.amount, b.amount):
            return False
        return not sides_a or not sides_b or any(x & y for x in sides_a for y in sides_b)
    if a.amount is not None or b.amount is not None:
        return False
    if a.year is None or a.year != b.year or a.kind != b.kind or a.topic != b.topic:
        return False
    if len(sides_a) < 2 or len(sides_a) != len(sides_b):
        return False
    return all(any(x & y for y in sides_b) for x in sides_a)


def _sides(parties: Sequence[str], country_of: dict[str, str]) -> list[frozenset[str]]:
    """Each party with the names it may go by in another article (its country)."""
    return [frozenset({slugify(p)} | ({slugify(country_of[p])} if p in country_of else set())) for p in parties]


def assign_clusters(
    agreements_by_doc: dict[str, list[Agreement]], country_of: dict[str, str] | None = None
) -> dict[str, list[Agreement]]:
    """Give every agreement a ``cluster_key``: agreements of different articles that
    :func:`same_real_agreement` joins share the key of the first of them.

    Agreements are compared only within a block of the same currency and leading digit of
    value (or the same kind, topic and year), and there only with one representative per
    cluster, so the work grows with the corpus, not with its square.
    """
    items = [(doc_id, a) for doc_id, agreements in agreements_by_doc.items() for a in agreements]
    sides = [_sides(a.parties, country_of or {}) for _, a in items]  # once per agreement, not per comparison
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    representatives: dict[tuple, list[int]] = {}
    for i, (doc_id, a) in enumerate(items):
        if a.amount is not None:
            block: tuple = ("value", a.currency, f"{a.amount:.1g}")
        elif a.year is not None:
            block = ("terms", a.kind, a.topic, a.year)
        else:
            continue
        reps = representatives.setdefault(block, [])
        match = next(
            (r for r in reps if items[r][0] != doc_id and _same_real_agreement(items[r][1], a, sides[r], sides[i])),
            None,
        )
        if match is None:
            reps.append(i)
        else:
            parent[i] = root(match)
    keys: dict[int, str] = {}
    taken: set[str] = set()
    for i in range(len(items)):
        if root(i) == i:
            key = cluster_key(*items[i])
            if key in taken:  # two agreements of one article with the same sides and value
                key = slugify(f"{key}-{items[i][0]}-{items[i][1].start}")
            taken.add(key)
            keys[i] = key
    out: dict[str, list[Agreement]] = {doc_id: [] for doc_id in agreements_by_doc}
    for i, (doc_id, a) in enumerate(items):
        out[doc_id].append(replace(a, cluster_key=keys[root(i)]))
    return out
