"""Find organisation mentions in cleaned text and resolve them to canonical organisations.

Three finders, each a pure function of the text and data under ``schemas/rules/``:

* the gazetteer (``organisations.json``), matched with an Aho-Corasick automaton;
* acronym definitions ("Asian Infrastructure Investment Bank (AIIB)") and later uses of the
  acronym in the same article;
* head-word patterns (``organisation_patterns.toml``): capitalised names ending in, or
  built around, a word such as Bank, University or Organisation;
* unless ``PIPELINE_EXTRACTION=rules``, a statistical named-entity model as an open-world
  candidate generator (``organisation_model``), whose names pass precision filters.

Within an article a short form ("Crown") is the long name it begins ("Crown Resorts Ltd").
Finding (this module's ``find_*`` functions) is kept apart from resolving
(:func:`resolve_organisations`), which maps every mention to one canonical organisation
across all articles. Every step is linear in the text: capitalised runs are cut at
``max_run_words``, acronym definitions read a bounded window, overlaps are resolved with an
occupancy array.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

import ahocorasick

from pipeline.extract.countries import default_country_forms
from pipeline.rules import load_rules
from pipeline.text import LineIndex, is_title_case_line, literal_alternation, slugify

PRIORITY = {"gazetteer": 0, "acronym": 1, "pattern": 2}  # then by_model: rules before the model
ACRONYM_WINDOW = 300
_WORD_WITH_DIGIT = re.compile(r"\S*\d\S*")  # characters before "(ACR)" read for its long form


@dataclass(frozen=True)
class GazetteerEntry:
    key: str
    name: str
    aliases: tuple[str, ...]
    type: str
    country: str | None
    wikidata: str | None


@dataclass(frozen=True)
class OrgMention:
    """A place in the text that names an organisation; ``key`` identifies the organisation
    before resolution (``gaz:<name>`` for gazetteer entries, ``pat:<normalised name>`` else)."""

    start: int
    end: int
    text: str
    key: str
    method: str
    name: str  # the organisation's fullest name as known at this mention
    type: str
    acronym: str | None = None
    by_model: bool = False  # proposed by the statistical model (method stays "pattern")
    owner_form: str | None = None  # "Iran's Foreign Ministry" for a generic name with its owner
    by_cue: bool = False  # found by a context cue ("drug maker X")


@dataclass(frozen=True)
class Organisation:
    org_id: str
    name: str
    aliases: list[str]
    type: str
    country: str | None
    wikidata_id: str | None
    source: str
    mention_count: int
    document_count: int


@dataclass(frozen=True)
class OrganisationFinder:
    """Compiled gazetteer and patterns, built once and shared by every article."""

    entries: dict[str, GazetteerEntry]
    automaton: Any
    by_normalised_form: dict[str, str]
    heads: dict[str, str]
    connectors: frozenset[str]
    extenders: frozenset[str]
    leading_words: frozenset[str]
    reject: frozenset[str]
    run_pattern: re.Pattern[str]
    acronym_pattern: re.Pattern[str]
    generic_words: frozenset[str]
    country_of_form: dict[str, tuple[str, ...]]
    title_words: frozenset[str]
    located_heads: frozenset[str]
    not_organisation_words: frozenset[str]
    legal_suffixes: frozenset[str]
    max_run_words: int
    headline_max_chars: int
    cue_patterns: tuple[re.Pattern[str], ...]
    lowercase_body_pattern: re.Pattern[str]
    cue_noun_types: dict[str, str]


_WORD_BREAKS = re.compile(r"[\s\-]+")
_WORD_BREAKS_WITH_DASHES = re.compile(r"[\s\-–]+")
_POSSESSIVE_END = re.compile(r"['’]s$")
_LOWERCASE_WORD = re.compile(r"(?<![\w’'-])[a-z][a-z]+(?![\w’'-])")
_WORD_INITIAL_CAPITAL = re.compile(r"(?:^|[\s\-])[A-Z]")
_APOSTROPHE_S = re.compile(r"'s\b")
_LEADING_THE = re.compile(r"^the\s+")
_SPELLINGS = (
    (re.compile(r"\b(organis)"), "organiz"),
    (re.compile(r"\bdefence\b"), "defense"),
    (re.compile(r"\bcentre\b"), "center"),
)
_OF_THE_REPUBLIC_OF = re.compile(r"\bof the republic of\b")
_NOT_NAME_CHARACTERS = re.compile(r"[^\w&+]+")


@lru_cache(maxsize=200_000)
def normalise_org_name(name: str) -> str:
    """Key for comparing organisation names: case, 'the', punctuation and British/American
    spelling do not matter.

    >>> normalise_org_name("The Shanghai Cooperation Organisation")
    'shanghai cooperation organization'
    >>> normalise_org_name("Xinhua News Agency") == normalise_org_name("Xinhua news agency")
    True
    >>> normalise_org_name("China National Offshore Oil Corp.")
    'china national offshore oil'
    >>> normalise_org_name("Central Bank of the Republic of Turkey")
    'central bank of turkey'
    """
    text = name.casefold().replace("’", "'")
    text = _APOSTROPHE_S.sub("", text)
    text = _LEADING_THE.sub("", text.strip())
    for pattern, spelling in _SPELLINGS:
        text = pattern.sub(spelling, text)
    text = text.replace("co-operation", "cooperation")
    text = _OF_THE_REPUBLIC_OF.sub("of", text)  # "Central Bank of the Republic of Turkey"
    text = " ".join(_NOT_NAME_CHARACTERS.sub(" ", text).split())
    stripped = _legal_suffix_pattern().sub("", text)
    return stripped if " " in stripped or len(stripped) > 3 else text


@cache
def _legal_suffix_pattern() -> re.Pattern[str]:
    """Trailing legal-form words ("Corp", "Ltd", "PJSC"), as listed in the pattern rules."""
    suffixes = load_rules("organisation_patterns.toml")["legal_suffixes"]
    return re.compile(rf"(?:\s+(?:{literal_alternation(suffixes)}))+$")


def build_organisation_finder(
    gazetteer: dict[str, Any], patterns: dict[str, Any], countries: dict[str, tuple[str, ...]] | None = None
) -> OrganisationFinder:
    entries: dict[str, GazetteerEntry] = {}
    automaton = ahocorasick.Automaton()
    by_form: dict[str, str] = {}
    for item in gazetteer["organisations"]:
        key = "gaz:" + item["name"]
        entry = GazetteerEntry(
            key,
            item["name"],
            tuple(item.get("aliases", [])),
            item["type"],
            item.get("country"),
            item.get("wikidata"),
        )
        entries[key] = entry
        for form in (entry.name, *entry.aliases):
            for variant in _surface_variants(form):
                automaton.add_word(variant, (len(variant), key))
            by_form.setdefault(normalise_org_name(form), key)
    automaton.make_automaton()
    connectors = frozenset(patterns["connectors"])
    countries = countries if countries is not None else default_country_forms()
    abbreviations = "|".join(re.escape(a) for a in patterns["abbreviations"])
    legal = "|".join(re.escape(a) for a in patterns["legal_suffixes_written"])
    letter = r"[^\W\d_]"
    # A capitalised word without digits; an abbreviation with its full stop inside a name
    # ("Corp. Ltd."); a bracketed place before a legal form ("Bank (Hong Kong) Ltd.").
    cap = (
        rf"(?:(?:{abbreviations})\.(?=[ ](?:[A-Z]|\())"
        rf"|[A-Z](?:{letter}|[’'&.\-])*(?:{letter}|&)|[A-Z]\.?"
        rf"|\([A-Z]{letter}+(?:[ ][A-Z]{letter}+)?\)(?=[ ](?:{legal})\b))"
    )
    conn = literal_alternation(connectors)
    run = rf"(?<![\w’'-]){cap}(?:[ ](?:(?:{conn})[ ])*{cap})*"
    return OrganisationFinder(
        entries=entries,
        automaton=automaton,
        by_normalised_form=by_form,
        heads=dict(patterns["heads"]),
        connectors=connectors,
        extenders=frozenset(patterns["extenders"]),
        leading_words=frozenset(patterns["reject"]["leading_words"]),
        reject=frozenset(normalise_org_name(x) for x in patterns["reject"]["exact"]),
        run_pattern=re.compile(run),
        acronym_pattern=re.compile(r"[ ]?\(([A-Z][A-Za-z&]{1,9})\)"),
        generic_words=frozenset(patterns["generic_words"]),
        country_of_form=countries,
        title_words=frozenset(patterns["title_words"]),
        located_heads=frozenset(patterns["located_heads"]),
        not_organisation_words=frozenset(patterns["not_organisation_words"]),
        legal_suffixes=frozenset(s.casefold() for s in patterns["legal_suffixes"]),
        max_run_words=int(patterns["max_run_words"]),
        headline_max_chars=int(patterns["headline_max_chars"]),
        cue_patterns=_cue_patterns(patterns["cues"]),
        lowercase_body_pattern=_lowercase_body_pattern(patterns["lowercase_bodies"]),
        cue_noun_types=dict(patterns["cues"]["nouns"]),
    )


def _lowercase_body_pattern(bodies: dict[str, Any]) -> re.Pattern[str]:
    """"finance ministry" (group ``portfolio``) or an owned body such as "parliament"."""
    return re.compile(
        rf"(?<![\w-])(?:(?P<portfolio>(?:{literal_alternation(bodies['portfolios'])})[ ](?:{literal_alternation(bodies['kinds'])}))"
        rf"|(?P<owned>{literal_alternation(bodies['owned'])}))(?![\w-])"
    )


def _cue_patterns(cues: dict[str, Any]) -> tuple[re.Pattern[str], ...]:
    """Regular expressions of the context cues; group ``name`` (and ``name2``) hold the
    names, group ``noun`` the organisation noun where there is one. Every part is bounded
    (at most four words a name, five before the noun), so matching stays linear."""
    # The capital is looked for first: a cheaper test than the look-behind at every position.
    name = r"(?=[A-Z])(?<![\w’'-])[A-Z][\w’'&-]*(?:[ ][A-Z][\w’'&-]*){0,3}"
    nouns = literal_alternation(cues["nouns"])
    follows = r"(?=[,.;:)]|[ ](?:that|which|based|with|in|of|and|whose|owned|listed|said|has|had|is|was|will))"
    return (
        re.compile(rf"\b(?P<noun>{nouns})[ ](?P<name>{name})(?:(?:,[ ]|[ ]and[ ])(?P<name2>{name}))?"),
        re.compile(rf"(?P<name>{name}),[ ](?:the|a|an)[ ](?:[\w’'-]+[ ]){{0,5}}?(?P<noun>{nouns}){follows}"),
        re.compile(rf"(?P<name>{name})['’]s[ ](?:[\w-]+[ ])?(?:{literal_alternation(cues['possessed'])})\b"),
        re.compile(rf"\b(?:{literal_alternation(cues['before'])})[ ](?P<name>{name})"),
        re.compile(rf"(?P<name>{name})[ ](?:{literal_alternation(cues['after'])})\b"),
    )


def _surface_variants(form: str) -> set[str]:
    """Forms to look for: as written, with a curly apostrophe, and with 'the' lower-cased."""
    variants = {form, form.replace("'", "’")}
    if form.startswith("The "):
        variants |= {"the " + v[4:] for v in variants}
    return variants


@cache
def default_organisation_finder() -> OrganisationFinder:
    return build_organisation_finder(
        load_rules("organisations.json"), load_rules("organisation_patterns.toml")
    )


def _is_word_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "_")


def find_gazetteer_mentions(text: str, finder: OrganisationFinder) -> list[OrgMention]:
    """Every gazetteer name or alias in the text, on word boundaries (overlaps allowed)."""
    found = []
    for end_index, (length, key) in finder.automaton.iter(text):
        start, end = end_index - length + 1, end_index + 1
        if not _is_word_boundary(text, start, end):
            continue
        entry = finder.entries[key]
        found.append(OrgMention(start, end, text[start:end], key, "gazetteer", entry.name, entry.type))
    return found


def _acronym_fits(acronym: str, name: str) -> bool:
    """Does an acronym plausibly abbreviate a name? Its first letter starts the name and
    most of its letters are initials of the name's words (hyphenated parts count).

    >>> _acronym_fits("EAEU", "Eurasian Economic Union")
    True
    >>> _acronym_fits("Apec", "Asia-Pacific Economic Cooperation")
    True
    >>> _acronym_fits("RIC", "Peace Mission")
    False
    """
    letters = [c for c in acronym.upper() if c.isalpha()]
    initials = [w[0].upper() for w in _WORD_BREAKS_WITH_DASHES.split(name) if w and w[0].isalpha()]
    if not letters or not initials or letters[0] != initials[0]:
        return False
    hits = sum(1 for c in letters if c in initials)
    return hits / len(letters) >= 0.6


def _trim_candidate(words: list[str], finder: OrganisationFinder) -> list[str]:
    while words and (words[0] in finder.leading_words or words[0].lower() in finder.connectors):
        words = words[1:]
    while words and words[-1].lower() in finder.connectors:
        words = words[:-1]
    return words


def _name_from_run(words: list[str], finder: OrganisationFinder) -> tuple[int, int] | None:
    """Word range [i, j) of the organisation name inside a run of capitalised words."""
    # Titles and honorifics split a run: "Bank of China Chairman Liu" -> "Bank of China"
    # (not when a head word follows: "Kenyan Premier League");
    # a head word that starts a title is part of the title: "National Treasury Cabinet
    # Secretary" -> "National Treasury".
    best = None
    segment_start = 0
    for k in range(len(words) + 1):
        if k < len(words) and words[k] not in finder.leading_words:
            continue
        if k < len(words) - 1 and words[k + 1].rstrip(".,") in finder.heads:
            continue  # "Premier League", "General Electric": a title word before a head word
        end = k
        if k < len(words) and words[k] in finder.title_words and end - 1 > segment_start:
            if words[end - 1].rstrip(".,") in finder.heads:
                end -= 1
        span = _name_in_segment(words, segment_start, end, finder)
        if span and (best is None or span[1] - span[0] > best[1] - best[0]):
            best = span
        segment_start = k + 1
    return best


def _name_in_segment(
    words: list[str], lo: int, hi: int, finder: OrganisationFinder
) -> tuple[int, int] | None:
    while lo < hi and words[lo].lower() in finder.connectors:
        lo += 1
    heads = [k for k in range(lo, hi) if words[k].rstrip(".,") in finder.heads]
    if not heads:
        return None
    # "Jaime Cruz of the Department of Transport": a name that only starts after "of"/"for".
    first = heads[0]
    k = first
    while k > lo and words[k - 1].lower() in finder.connectors:
        k -= 1
    if k < first and words[k].lower() in finder.extenders and not any(
        words[m].rstrip(".,") in finder.heads for m in range(lo, k)
    ):
        lo = first
    last = heads[-1]
    end = last + 1
    # "Council of China", "Organisation for the Prohibition of Chemical Weapons",
    # "Institute of Energy Studies": the first head followed by "of"/"for" takes the rest.
    for head in heads:
        extenders = finder.extenders | ({"in"} if words[head].rstrip(".,") in finder.located_heads else set())
        if head + 1 < hi and words[head + 1].lower() in extenders:
            k = head + 1
            while k < hi and words[k].lower() in finder.connectors:
                k += 1
            if k < hi:
                last, end = head, hi
                while end > last + 1 and words[end - 1].lower() in finder.connectors:
                    end -= 1
                break
    before_head = sum(1 for w in words[lo:last] if w.lower() not in finder.connectors)
    if before_head == 0 and end == last + 1:
        return None  # a head word alone ("Bank") names nothing
    return lo, end


def _is_headline(line: str, finder: OrganisationFinder) -> bool:
    """A short Title Case line: a headline, where capitalisation says nothing about names.
    A long line of capitalised names (a list of lenders) is not a headline."""
    if len(line) > finder.headline_max_chars:
        return False
    return is_title_case_line(_WORD_WITH_DIGIT.sub("", line))  # "$3.9bn" is no word


def find_pattern_mentions(
    text: str, finder: OrganisationFinder, runs: Sequence[re.Match[str]] | None = None
) -> list[OrgMention]:
    """Capitalised names built on an organisational head word, outside headlines.

    A run of capitalised words is cut at a possessive ("India's Ministry of Defence",
    "Harvard University's Belfer Center") and at an "and" between two names that each have a
    head word ("Siemens Energy and Adani Green Energy Ltd"). A name made only of generic
    words gets the country that owns it: "Ministry of Defence (India)". Runs longer than
    ``max_run_words`` are read in pieces of that length, which keeps the work linear.

    >>> [(m.text, m.name) for m in find_pattern_mentions(
    ...     "Officials of India's Ministry of Defence met executives of Siemens Energy and "
    ...     "Adani Green Energy Ltd at a hotel on the outskirts of the city.",
    ...     default_organisation_finder())]
    [('Ministry of Defence', 'Ministry of Defence (India)'), ('Siemens Energy', 'Siemens Energy'), ('Adani Green Energy Ltd', 'Adani Green Energy Ltd')]
    """
    found = []
    headline: dict[int, bool] = {}  # line start -> is a headline, computed once per line
    lines = LineIndex(text)
    for match in runs if runs is not None else finder.run_pattern.finditer(text):
        line_start, line_end = lines.bounds(match.start())
        if line_start not in headline:
            headline[line_start] = _is_headline(text[line_start:line_end], finder)
        if headline[line_start]:
            continue
        run_words = match.group(0).split(" ")
        if not _has_head_word(run_words, finder):
            continue  # most runs ("The", "Moscow"): no name is built without a head word
        all_words, all_offsets, pos = [], [], match.start()
        for w in run_words:
            all_words.append(w)
            all_offsets.append(pos)
            pos += len(w) + 1
        step = finder.max_run_words
        for piece in range(0, len(all_words), step):
            words, offsets = all_words[piece : piece + step], all_offsets[piece : piece + step]
            owner: tuple[str, ...] | None = None
            owner_start: int | None = None
            for part_words, part_offsets, possessive in _split_possessives(words, offsets):
                for lo, hi in _split_at_and(part_words, finder):
                    mention = _pattern_mention(
                        text, part_words[lo:hi], part_offsets[lo:hi], owner, owner_start, finder
                    )
                    if mention:
                        found.append(mention)
                owner = finder.country_of_form.get(possessive) if possessive else None
                owner_start = part_offsets[-1] if possessive else None
    return found


def _has_head_word(words: list[str], finder: OrganisationFinder) -> bool:
    """Whether a word of a run is a head word, as the name builders read it (without a
    trailing full stop or comma, nor a possessive "'s"): without one they find nothing.

    >>> finder = default_organisation_finder()
    >>> _has_head_word(["Moscow"], finder), _has_head_word(["The", "Bank's"], finder)
    (False, True)
    """
    heads = finder.heads
    return any(
        w.rstrip(".,") in heads or (w[-2:] in ("'s", "’s") and w[:-2].rstrip(".,") in heads) for w in words
    )


def _split_possessives(
    words: list[str], offsets: list[int]
) -> list[tuple[list[str], list[int], str | None]]:
    """Parts of a run cut after each possessive word ("India's"), with the possessor.
    "People's" inside a name ("Popular People's Front") does not cut it."""
    parts, lo = [], 0
    for k, w in enumerate(words):
        if _POSSESSIVE_END.search(w) and w[:-2].casefold() not in ("people", "workers", "women"):
            stripped = w[:-2]
            parts.append((words[lo:k] + [stripped], offsets[lo : k + 1], stripped))
            lo = k + 1
    parts.append((words[lo:], offsets[lo:], None))
    return [(w, o, p) for w, o, p in parts if w]


def _split_at_and(words: list[str], finder: OrganisationFinder) -> list[tuple[int, int]]:
    """Word ranges of the names in a run, cut at "and"/"&" where both sides name something,
    at "and the", and at "and" after a proper name that is no descriptive word ("Netflix
    and TKO Group", "Israel and the Palestinian Authority"; not "Trade and Industry
    Ministry"). The run is at most ``max_run_words`` long, so the checks stay bounded."""
    ranges, lo = [], 0
    for k, w in enumerate(words):
        if w.lower() not in ("and", "&") or not lo < k < len(words) - 1:
            continue
        right = _name_in_segment(words, k + 1, len(words), finder)
        if right is None:
            continue
        left_word = words[k - 1].rstrip(".,")
        proper_left = (
            w.lower() == "and"
            and k - lo == 1
            and left_word not in finder.heads
            and left_word not in finder.generic_words
            and left_word.lower() not in finder.connectors
        )
        if (
            words[k + 1].lower() == "the"
            or proper_left
            or _name_in_segment(words, lo, k, finder)
        ):
            ranges.append((lo, k))
            lo = k + 1
    ranges.append((lo, len(words)))
    return ranges


def _pattern_mention(
    text: str,
    words: list[str],
    offsets: list[int],
    owner: tuple[str, ...] | None,
    owner_start: int | None,
    finder: OrganisationFinder,
) -> OrgMention | None:
    span = _name_from_run(words, finder)
    if span is None:
        return None
    i, j = span
    start = offsets[i]
    end = offsets[j - 1] + len(words[j - 1].rstrip(".,"))
    name = text[start:end]
    key = normalise_org_name(name)
    if key in finder.reject or len(name) < 4 or name in finder.country_of_form:
        return None
    gaz = finder.by_normalised_form.get(key)
    if gaz:
        entry = finder.entries[gaz]
        return OrgMention(start, end, name, gaz, "gazetteer", entry.name, entry.type)
    head = words[j - 1].rstrip(".,")
    type_ = finder.heads.get(head) or _type_of_heads(words[i:j], finder)
    canonical = name
    owner_form = None
    if owner and len(owner) == 1 and all(w.rstrip(".,") in finder.generic_words for w in words[i:j]):
        canonical = f"{name} ({owner[0]})"
        key = normalise_org_name(canonical)
        if owner_start is not None and i == 0:
            owner_form = text[owner_start:end]
    return OrgMention(start, end, name, "pat:" + key, "pattern", canonical, type_, owner_form=owner_form)


def _type_of_heads(words: Sequence[str], finder: OrganisationFinder) -> str:
    for w in reversed(words):
        if w.rstrip(".,") in finder.heads:
            return finder.heads[w.rstrip(".,")]
    return "other"


def acronym_definitions(
    text: str, finder: OrganisationFinder, runs: Sequence[re.Match[str]] | None = None
) -> list[tuple[str, int, int, int]]:
    """Every "Long Name (ACR)" of the text as (acronym, acronym start, long-form start,
    long-form end): the long form is the capitalised run that ends just before the bracket,
    read in a window of ``ACRONYM_WINDOW`` characters (bounded work per bracket).

    >>> t = "The Andean Energy Agency (AEA) met; a (BIG) one."
    >>> [(a, t[s:e]) for a, _, s, e in acronym_definitions(t, default_organisation_finder())]
    [('AEA', 'Andean Energy Agency')]
    """
    found = []
    run_ending_at = {run.end(): run for run in (runs if runs is not None else finder.run_pattern.finditer(text))}
    for match in finder.acronym_pattern.finditer(text):
        name_end = match.start()
        run = run_ending_at.get(name_end)
        if run is None:
            continue
        run_start = max(run.start(), name_end - ACRONYM_WINDOW)
        words = text[run_start:name_end].split(" ")
        # the long form is the shortest tail of the run that the acronym fits, else the run
        acronym = match.group(1)
        start = run_start
        offset = name_end
        for w in reversed(words):
            offset -= len(w)
            if w.lower() not in finder.connectors and _acronym_fits(acronym, text[offset:name_end]):
                letters = sum(1 for c in acronym if c.isupper())
                initials = len(_WORD_INITIAL_CAPITAL.findall(text[offset:name_end]))
                if initials >= letters or offset == run_start:
                    start = offset
                    break
            offset -= 1
        found.append((acronym, match.start(1), start, name_end))
    return found


def find_acronym_mentions(
    text: str, finder: OrganisationFinder, named: Sequence[OrgMention],
    runs: Sequence[re.Match[str]] | None = None,
) -> list[OrgMention]:
    """Acronyms defined in the text ("Name (ACR)") for a name that is an organisation
    (in the gazetteer, found by pattern or by the model), and every later use of those
    acronyms, found in one pass of an Aho-Corasick automaton."""
    by_end = defaultdict(list)
    for m in named:
        by_end[m.end].append(m)
    defined: dict[str, OrgMention] = {}
    found = []
    for acronym, start, _, name_end in acronym_definitions(text, finder, runs):
        owner = max(by_end.get(name_end, []), key=lambda m: m.end - m.start, default=None)
        if owner is None or not _acronym_fits(acronym, owner.text):
            continue
        mention = OrgMention(
            start, start + len(acronym), acronym, owner.key, "acronym", owner.name, owner.type, acronym
        )
        defined.setdefault(acronym, mention)
        found.append(mention)
    if not defined:
        return found
    automaton = ahocorasick.Automaton()
    for acronym in defined:
        automaton.add_word(acronym, acronym)
    automaton.make_automaton()
    for end_index, acronym in automaton.iter(text):
        start, end = end_index - len(acronym) + 1, end_index + 1
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalnum() or before in "-_" or after.isalnum() or after in "-_":
            continue
        definition = defined[acronym]
        if start == definition.start:
            continue
        found.append(
            OrgMention(start, end, acronym, definition.key, "acronym", definition.name, definition.type, acronym)
        )
    return found


def lowercase_words(text: str) -> set[str]:
    """The words an article writes in lower case, whole (not inside a hyphenated or
    possessive word): a one-word name the article also writes in lower case is a common word.

    >>> sorted(lowercase_words("The Pioneer fund and a pioneer-led pioneer's bank"))
    ['and', 'bank', 'fund']
    """
    return set(_LOWERCASE_WORD.findall(text))


def find_cue_mentions(text: str, finder: OrganisationFinder) -> list[OrgMention]:
    """Names the sentence itself calls organisations, whatever the name: after an
    organisation noun ("drug makers Novaxis and Pharmon"), in apposition ("Uralite, the
    potash miner,"), with a possessed noun ("Zentro's shares") or phrase ("shares in Zentro",
    "Zentro said in a statement"). Titles, countries and common words are not names.

    >>> [(m.text, m.type) for m in find_cue_mentions(
    ...     "Drug makers Novaxis and Pharmon signed. Uralite, the potash miner, grew.",
    ...     default_organisation_finder())]
    [('Novaxis', 'company'), ('Pharmon', 'company'), ('Uralite', 'company')]
    """
    lowercase = lowercase_words(text)
    found = []
    for pattern in finder.cue_patterns:
        for match in pattern.finditer(text):
            noun = match.groupdict().get("noun")
            type_ = finder.cue_noun_types.get(noun, "company") if noun else "company"
            for group in ("name", "name2"):
                if match.groupdict().get(group):
                    mention = _cue_mention(text, match.start(group), match.end(group), type_, finder, lowercase)
                    if mention:
                        found.append(mention)
    return found


def _cue_mention(
    text: str, start: int, end: int, type_: str, finder: OrganisationFinder, lowercase_words: set[str]
) -> OrgMention | None:
    words = text[start:end].split(" ")
    while words and (words[0] in finder.leading_words or words[0] in finder.title_words):
        start += len(words[0]) + 1
        words = words[1:]
    if not words:
        return None
    if _POSSESSIVE_END.search(words[-1]):
        end -= 2
        words[-1] = words[-1][:-2]
    name = text[start:end]
    if (
        name in finder.country_of_form
        or normalise_org_name(name) in finder.reject
        or any(w in finder.not_organisation_words or w in finder.leading_words for w in words)
        or all(w in finder.generic_words or w in finder.heads for w in words)
        or (len(words) == 1 and name.casefold() in lowercase_words)
        or any(w in finder.country_of_form for w in words)
    ):
        return None
    key = normalise_org_name(name)
    gaz = finder.by_normalised_form.get(key)
    if gaz:
        entry = finder.entries[gaz]
        return OrgMention(start, end, name, gaz, "gazetteer", entry.name, entry.type)
    type_ = _type_of_heads(words, finder) if any(w in finder.heads for w in words) else type_
    return OrgMention(start, end, name, "pat:" + key, "pattern", name, type_, by_cue=True)


def find_lowercase_bodies(text: str, finder: OrganisationFinder) -> list[OrgMention]:
    """Government bodies written in lower case, with the country before them when there is
    one: "the finance ministry", "Malaysia's defence ministry", "the Iranian parliament"
    (an owned body such as a parliament counts only with its country).

    >>> [(m.text, m.name) for m in find_lowercase_bodies(
    ...     "Officials at Malaysia's defence ministry and the finance ministry met; the Iranian "
    ...     "parliament voted, the parliament said.", default_organisation_finder())]
    [("Malaysia's defence ministry", 'Defence Ministry (Malaysia)'), ('finance ministry', 'Finance Ministry'), ('Iranian parliament', 'Parliament (Iran)')]
    """
    found = []
    for match in finder.lowercase_body_pattern.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        owner_match = re.search(r"([A-Z][\w.-]*(?:[ ][A-Z][\w.-]*){0,2})(['’]s)?[ ]$", before)
        owner = None
        start = match.start()
        if owner_match:
            words = owner_match.group(1).split(" ")
            for k in range(len(words)):
                countries = finder.country_of_form.get(" ".join(words[k:]))
                if countries and len(countries) == 1:
                    owner = countries[0]
                    start = match.start() - len(owner_match.group(0)) + len(" ".join(words[:k])) + (1 if k else 0)
                    break
        if owner is None and match.group("owned"):
            continue
        body = match.group(0)
        name = body.title() + (f" ({owner})" if owner else "")
        found.append(
            OrgMention(start, match.end(), text[start : match.end()], "pat:" + normalise_org_name(name),
                       "pattern", name, "government")
        )
    return found


def find_initialisms(text: str, finder: OrganisationFinder, named: Sequence[OrgMention]) -> list[OrgMention]:
    """Capital-letter words that spell the initials of exactly one organisation named in the
    article, though never defined in brackets ("NTFG" after "Norland Tokyo Financial Group").

    >>> f = default_organisation_finder()
    >>> t = "Norland Tokyo Financial Group Inc. grew; an NTFG official said so."
    >>> [(m.text, m.name) for m in find_initialisms(t, f, find_pattern_mentions(t, f))]
    [('NTFG', 'Norland Tokyo Financial Group Inc')]
    """
    by_initials: dict[str, set[str]] = defaultdict(set)
    owner: dict[str, OrgMention] = {}
    for m in named:
        if m.method != "acronym" and " " in m.name:
            initials = _initials(m.name, finder)
            if len(initials) >= 3:
                by_initials[initials].add(m.key)
                owner.setdefault(m.key, m)
    found = []
    for match in re.finditer(r"(?<![\w-])[A-Z]{3,6}(?![\w-])", text):
        keys = by_initials.get(match.group())
        if keys and len(keys) == 1:
            m = owner[next(iter(keys))]
            found.append(OrgMention(match.start(), match.end(), match.group(), m.key, "acronym", m.name, m.type, match.group()))
    return found


def find_other_occurrences(text: str, mentions: Sequence[OrgMention]) -> list[OrgMention]:
    """Every other place that writes a name found by a cue or the model, as a mention of the
    same organisation (one Aho-Corasick pass): the article names it the same way throughout."""
    by_surface = {m.text: m for m in mentions if (m.by_model or m.by_cue) and len(m.text) >= 3}
    if not by_surface:
        return []
    automaton = ahocorasick.Automaton()
    for surface in by_surface:
        automaton.add_word(surface, surface)
    automaton.make_automaton()
    found = []
    for end_index, surface in automaton.iter(text):
        start, end = end_index - len(surface) + 1, end_index + 1
        if _is_word_boundary(text, start, end):
            found.append(replace(by_surface[surface], start=start, end=end))
    return found


def _pattern_may_override(pattern: OrgMention, known: OrgMention) -> bool:
    """A pattern name may replace a known name it overlaps only by extending it
    ("Central Military Council" -> "... of China"), not by joining it to another name
    across "and" ("AIIB and Princeton University")."""
    if not (pattern.start <= known.start and known.end <= pattern.end):
        return False
    before = pattern.text[: known.start - pattern.start]
    after = pattern.text[known.end - pattern.start :]
    if re.search(r"(?:^|\s)and(?:\s|$)", before + " " + after):
        return False
    return not after.lstrip().startswith("&")  # "Industrial & Commercial Bank" may extend


def _overlapping(
    mention: OrgMention, starts: list[int], ordered: list[OrgMention], longest: int
) -> Iterable[OrgMention]:
    """Mentions of ``ordered`` (sorted by start, none longer than ``longest``) that overlap."""
    k = bisect_left(starts, mention.end)
    while k > 0 and starts[k - 1] > mention.start - longest:
        k -= 1
        other = ordered[k]
        if other.start < mention.end and mention.start < other.end:
            yield other


def select_mentions(candidates: Iterable[OrgMention]) -> list[OrgMention]:
    """Non-overlapping mentions: longest first, then gazetteer over acronym over pattern
    over model. Linear in the number of candidates times their length."""
    candidates = list(candidates)
    known = sorted((m for m in candidates if m.method != "pattern"), key=lambda m: m.start)
    starts = [m.start for m in known]
    longest = max((m.end - m.start for m in known), default=0)
    candidates = [
        m
        for m in candidates
        if m.method != "pattern"
        or all(_pattern_may_override(m, k) for k in _overlapping(m, starts, known, longest))
    ]
    ordered = sorted(
        candidates, key=lambda m: (-(m.end - m.start), PRIORITY[m.method], m.by_model, m.start)
    )
    occupied = bytearray(max((m.end for m in candidates), default=0))
    taken: list[OrgMention] = []
    for m in ordered:
        if any(occupied[m.start : m.end]):
            continue
        taken.append(m)
        occupied[m.start : m.end] = b"\x01" * (m.end - m.start)
    return sorted(taken, key=lambda m: m.start)


def _words_of(name: str) -> list[str]:
    """Words of a name for comparing short and long forms, without 'the' and legal forms."""
    words = [w for w in _WORD_BREAKS_WITH_DASHES.split(normalise_org_name(name)) if w]
    return words


def _initials(name: str, finder: OrganisationFinder) -> str:
    """Initials of a name's words, without connectors and legal forms.

    >>> _initials("Mitsubishi Tokyo Financial Group Inc.", default_organisation_finder())
    'MTFG'
    """
    words = [w for w in _WORD_BREAKS.split(name) if w]
    return "".join(
        w[0].upper()
        for w in words
        if w[0].isalpha() and w.lower() not in finder.connectors and w.rstrip(".,").casefold() not in finder.legal_suffixes
    )


def link_short_forms(mentions: list[OrgMention], finder: OrganisationFinder) -> list[OrgMention]:
    """One organisation per article: a mention whose words begin exactly one longer name of
    the same article ("Crown" and "Crown Resorts Ltd", "Sibanye" and "Sibanye-Stillwater"),
    or an acronym that spells the initials of exactly one ("MTFG"), becomes a mention of it. A short form that begins several names of the article
    stays as it is when a rule found it, and is dropped when only the model proposed it.

    >>> f = default_organisation_finder()
    >>> ms = [OrgMention(0, 20, "Crown Resorts Ltd", "pat:crown resorts", "pattern", "Crown Resorts Ltd", "company"),
    ...       OrgMention(30, 35, "Crown", "pat:crown", "pattern", "Crown", "company", by_model=True)]
    >>> [(m.text, m.name) for m in link_short_forms(ms, f)]
    [('Crown Resorts Ltd', 'Crown Resorts Ltd'), ('Crown', 'Crown Resorts Ltd')]
    """
    full: dict[str, OrgMention] = {}  # one mention per organisation, a named one before an acronym
    for m in mentions:
        current = full.get(m.key)
        if current is None or (
            m.method != "acronym" and (current.method == "acronym" or len(m.name) > len(current.name))
        ):
            full[m.key] = m
    by_first: dict[str, list[tuple[list[str], OrgMention]]] = defaultdict(list)
    for m in full.values():
        words = _words_of(m.name)
        if words:
            by_first[words[0]].append((words, m))
    by_initials: dict[str, set[str]] = defaultdict(set)
    for m in full.values():
        by_initials[_initials(m.name, finder)].add(m.key)
    linked: dict[str, OrgMention | None] = {}
    for key, m in full.items():
        if m.method == "acronym":
            continue
        if m.method != "gazetteer" and m.text.isupper() and 2 <= len(m.text) <= 6:
            expansions = by_initials.get(m.text, set()) - {key}
            if len(expansions) == 1:  # "MTFG" of "Mitsubishi Tokyo Financial Group Inc."
                linked[key] = full[next(iter(expansions))]
                continue
        words = _words_of(m.text)
        if not words or m.text.split()[-1].rstrip(".,").casefold() in finder.legal_suffixes:
            continue  # "San Miguel Corporation" is a full name, not short for "San Miguel Holdings"
        longer = {
            other.key: other
            for other_words, other in by_first.get(words[0], [])
            if len(other_words) > len(words) and other_words[: len(words)] == words and other.key != key
            and (not m.by_cue or other.type == m.type)  # "betting company X" is not "X League"
        }
        if len(longer) == 1:
            linked[key] = next(iter(longer.values()))
        elif len(longer) > 1 and m.by_model and m.method != "gazetteer":
            linked[key] = None
    result = []
    for m in mentions:
        if m.key not in linked:
            result.append(m)
            continue
        target = linked[m.key]
        if target is None:
            continue
        while target.key in linked and linked[target.key] is not None:
            target = linked[target.key]  # type: ignore[assignment]
        result.append(replace(m, key=target.key, name=target.name, type=target.type))
    return result


def extraction_mode() -> str:
    """``model`` (default: rules plus the statistical model) or ``rules`` (rules only), from
    the environment variable ``PIPELINE_EXTRACTION``."""
    mode = os.environ.get("PIPELINE_EXTRACTION", "model").strip().lower() or "model"
    if mode not in ("model", "rules"):
        raise ValueError(f"PIPELINE_EXTRACTION must be 'model' or 'rules', not {mode!r}")
    return mode


def find_organisation_mentions(
    text: str, finder: OrganisationFinder | None = None, mode: str | None = None
) -> list[OrgMention]:
    """All organisation mentions of one cleaned article, in text order, without overlaps.

    >>> [m.text for m in find_organisation_mentions(
    ...     "The Asian Infrastructure Investment Bank (AIIB) lends. The AIIB and Princeton University agree.")]
    ['Asian Infrastructure Investment Bank', 'AIIB', 'AIIB', 'Princeton University']
    """
    finder = finder or default_organisation_finder()
    mode = mode or extraction_mode()
    runs = list(finder.run_pattern.finditer(text))
    named = select_mentions(
        find_gazetteer_mentions(text, finder) + find_pattern_mentions(text, finder, runs)
        + find_cue_mentions(text, finder) + find_lowercase_bodies(text, finder)
    )
    if mode == "model":
        from pipeline.extract.organisation_model import find_model_mentions

        named = select_mentions(named + find_model_mentions(text, finder, named))
    named = select_mentions(named + find_other_occurrences(text, named))
    mentions = select_mentions(
        named + find_acronym_mentions(text, finder, named, runs) + find_initialisms(text, finder, named)
    )
    return link_short_forms(mentions, finder)


def resolve_organisations(
    mentions_by_doc: dict[str, list[OrgMention]], finder: OrganisationFinder | None = None
) -> tuple[list[Organisation], dict[str, str]]:
    """Canonical organisations for all mentions of all articles, and the map from a
    mention's ``key`` to its ``org_id``. A pattern name whose normalised form is a
    gazetteer form is merged into that gazetteer organisation."""
    finder = finder or default_organisation_finder()
    mentions = [(doc_id, m) for doc_id, ms in mentions_by_doc.items() for m in ms]
    merged: dict[str, str] = {}
    for _, m in mentions:
        if m.key.startswith("pat:"):
            gaz = finder.by_normalised_form.get(m.key[4:])
            merged[m.key] = gaz or m.key
    key_of = lambda k: merged.get(k, k)  # noqa: E731

    surfaces: dict[str, set[str]] = defaultdict(set)
    fullest: dict[str, str] = {}
    types: dict[str, str] = {}
    counts: dict[str, int] = defaultdict(int)
    docs: dict[str, set[str]] = defaultdict(set)
    for doc_id, m in mentions:
        k = key_of(m.key)
        surfaces[k].add(m.text)
        if m.owner_form:
            surfaces[k].add(m.owner_form)
        if m.method != "acronym" and len(m.name) > len(fullest.get(k, "")):
            fullest[k] = m.name
        types.setdefault(k, m.type)
        counts[k] += 1
        docs[k].add(doc_id)

    organisations, id_of = [], {}
    used_ids: set[str] = set()
    for k in sorted(counts):
        entry = finder.entries.get(k)
        name = entry.name if entry else fullest.get(k) or sorted(surfaces[k])[0]
        aliases = set(surfaces[k]) | (set(entry.aliases) if entry else set())
        normal_name = normalise_org_name(name)
        aliases = sorted({a for a in aliases if normalise_org_name(a) != normal_name})
        org_id = slugify(name)
        while org_id in used_ids:
            org_id += "-2"
        used_ids.add(org_id)
        id_of[k] = org_id
        organisations.append(
            Organisation(
                org_id=org_id,
                name=name,
                aliases=aliases,
                type=entry.type if entry else types[k],
                country=entry.country if entry else None,
                wikidata_id=entry.wikidata if entry else None,
                source="gazetteer" if entry else "pattern",
                mention_count=counts[k],
                document_count=len(docs[k]),
            )
        )
    key_to_id = {k: id_of[key_of(k)] for _, m in mentions for k in [m.key]}
    return organisations, key_to_id
