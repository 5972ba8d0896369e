"""Find organisation mentions in cleaned text and resolve them to canonical organisations.

Three finders, each a pure function of the text and data under ``schemas/rules/``:

* the gazetteer (``organisations.json``), matched with an Aho-Corasick automaton;
* acronym definitions ("Asian Infrastructure Investment Bank (AIIB)") and later uses of the
  acronym in the same article;
* head-word patterns (``organisation_patterns.toml``): capitalised names ending in, or
  built around, a word such as Bank, University or Organisation.

Finding (this module's ``find_*`` functions) is kept apart from resolving
(:func:`resolve_organisations`), which maps every mention to one canonical organisation
across all articles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import ahocorasick

from pipeline.extract.countries import default_country_forms
from pipeline.rules import load_rules
from pipeline.text import LineIndex, is_title_case_line, slugify

PRIORITY = {"gazetteer": 0, "acronym": 1, "pattern": 2}


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


def normalise_org_name(name: str) -> str:
    """Key for comparing organisation names: case, 'the', punctuation and British/American
    spelling do not matter.

    >>> normalise_org_name("The Shanghai Cooperation Organisation")
    'shanghai cooperation organization'
    >>> normalise_org_name("Xinhua News Agency") == normalise_org_name("Xinhua news agency")
    True
    >>> normalise_org_name("China National Offshore Oil Corp.")
    'china national offshore oil'
    """
    text = name.casefold().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"^the\s+", "", text.strip())
    text = re.sub(r"\b(organis)", "organiz", text)
    text = re.sub(r"\bdefence\b", "defense", text)
    text = re.sub(r"\bcentre\b", "center", text)
    text = text.replace("co-operation", "cooperation")
    text = " ".join(re.sub(r"[^\w&+]+", " ", text).split())
    stripped = _legal_suffix_pattern().sub("", text)
    return stripped if " " in stripped or len(stripped) > 3 else text


@cache
def _legal_suffix_pattern() -> re.Pattern[str]:
    """Trailing legal-form words ("Corp", "Ltd", "PJSC"), as listed in the pattern rules."""
    suffixes = load_rules("organisation_patterns.toml")["legal_suffixes"]
    alternation = "|".join(re.escape(x) for x in sorted(suffixes, key=len, reverse=True))
    return re.compile(rf"(?:\s+(?:{alternation}))+$")


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
    cap = r"(?:[A-Z][\w’'&.\-]*[\w&]|[A-Z]\.?)"
    conn = "|".join(re.escape(c) for c in sorted(connectors, key=len, reverse=True))
    run = rf"(?<![\w’'-]){cap}(?:[ ](?:(?:{conn})[ ])*{cap})*"
    acronym = rf"({run})[ ]?\(((?:[A-Z][A-Za-z&]{{1,9}}))\)"
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
        acronym_pattern=re.compile(acronym),
        generic_words=frozenset(patterns["generic_words"]),
        country_of_form=countries,
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
    initials = [w[0].upper() for w in re.split(r"[\s\-–]+", name) if w and w[0].isalpha()]
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
    # Titles and honorifics split a run: "Bank of China Chairman Liu" -> "Bank of China".
    best = None
    segment_start = 0
    for k in range(len(words) + 1):
        if k < len(words) and words[k] not in finder.leading_words:
            continue
        span = _name_in_segment(words, segment_start, k, finder)
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
    last = heads[-1]
    end = last + 1
    # "Council of China", "Organisation for the Prohibition of Chemical Weapons",
    # "Institute of Energy Studies": the first head followed by "of"/"for" takes the rest.
    for head in heads:
        if head + 1 < hi and words[head + 1].lower() in finder.extenders:
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


def find_pattern_mentions(text: str, finder: OrganisationFinder) -> list[OrgMention]:
    """Capitalised names built on an organisational head word, outside Title Case lines.

    A run of capitalised words is cut at a possessive ("India's Ministry of Defence",
    "Harvard University's Belfer Center") and at an "and" between two names that each have a
    head word ("Siemens Energy and Adani Green Energy Ltd"). A name made only of generic
    words gets the country that owns it: "Ministry of Defence (India)".

    >>> [(m.text, m.name) for m in find_pattern_mentions(
    ...     "Officials of India's Ministry of Defence met executives of Siemens Energy and "
    ...     "Adani Green Energy Ltd at a hotel on the outskirts of the city.",
    ...     default_organisation_finder())]
    [('Ministry of Defence', 'Ministry of Defence (India)'), ('Siemens Energy', 'Siemens Energy'), ('Adani Green Energy Ltd', 'Adani Green Energy Ltd')]
    """
    found = []
    headline: dict[int, bool] = {}  # line start -> is a Title Case line, computed once per line
    lines = LineIndex(text)
    for match in finder.run_pattern.finditer(text):
        line_start, line_end = lines.bounds(match.start())
        if line_start not in headline:
            headline[line_start] = is_title_case_line(text[line_start:line_end])
        if headline[line_start]:
            continue
        words, offsets, pos = [], [], match.start()
        for w in match.group(0).split(" "):
            words.append(w)
            offsets.append(pos)
            pos += len(w) + 1
        owner = None
        for part_words, part_offsets, possessive in _split_possessives(words, offsets):
            for lo, hi in _split_at_and(part_words, finder):
                mention = _pattern_mention(text, part_words[lo:hi], part_offsets[lo:hi], owner, finder)
                if mention:
                    found.append(mention)
            owner = finder.country_of_form.get(possessive) if possessive else None
    return found


def _split_possessives(
    words: list[str], offsets: list[int]
) -> list[tuple[list[str], list[int], str | None]]:
    """Parts of a run cut after each possessive word ("India's"), with the possessor."""
    parts, lo = [], 0
    for k, w in enumerate(words):
        if re.search(r"['’]s$", w):
            stripped = w[:-2]
            parts.append((words[lo:k] + [stripped], offsets[lo : k + 1], stripped))
            lo = k + 1
    parts.append((words[lo:], offsets[lo:], None))
    return [(w, o, p) for w, o, p in parts if w]


def _split_at_and(words: list[str], finder: OrganisationFinder) -> list[tuple[int, int]]:
    """Word ranges of the names in a run, cut at "and"/"&" where both sides name something."""
    for k, w in enumerate(words):
        if w.lower() in ("and", "&") and 0 < k < len(words) - 1:
            if _name_in_segment(words, 0, k, finder) and _name_in_segment(words, k + 1, len(words), finder):
                return [(0, k)] + [(k + 1 + lo, k + 1 + hi) for lo, hi in _split_at_and(words[k + 1 :], finder)]
    return [(0, len(words))]


def _pattern_mention(
    text: str,
    words: list[str],
    offsets: list[int],
    owner: tuple[str, ...] | None,
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
    if key in finder.reject or len(name) < 4:
        return None
    gaz = finder.by_normalised_form.get(key)
    if gaz:
        entry = finder.entries[gaz]
        return OrgMention(start, end, name, gaz, "gazetteer", entry.name, entry.type)
    head = words[j - 1].rstrip(".,")
    type_ = finder.heads.get(head) or _type_of_heads(words[i:j], finder)
    canonical = name
    if owner and len(owner) == 1 and all(w.rstrip(".,") in finder.generic_words for w in words[i:j]):
        canonical = f"{name} ({owner[0]})"
        key = normalise_org_name(canonical)
    return OrgMention(start, end, name, "pat:" + key, "pattern", canonical, type_)


def _type_of_heads(words: Sequence[str], finder: OrganisationFinder) -> str:
    for w in reversed(words):
        if w.rstrip(".,") in finder.heads:
            return finder.heads[w.rstrip(".,")]
    return "other"


def find_acronym_mentions(
    text: str, finder: OrganisationFinder, named: Sequence[OrgMention]
) -> list[OrgMention]:
    """Acronyms defined in the text ("Name (ACR)") for a name that is an organisation
    (in the gazetteer or found by pattern), and every later use of those acronyms."""
    by_span = {(m.start, m.end): m for m in named}
    by_end = defaultdict(list)
    for m in named:
        by_end[m.end].append(m)
    defined: dict[str, OrgMention] = {}
    found = []
    for match in finder.acronym_pattern.finditer(text):
        acronym = match.group(2)
        name_end = match.end(1)
        owner = max(by_end.get(name_end, []), key=lambda m: m.end - m.start, default=None)
        if owner is None or not _acronym_fits(acronym, owner.text):
            continue
        start = match.start(2)
        mention = OrgMention(
            start, start + len(acronym), acronym, owner.key, "acronym", owner.name, owner.type, acronym
        )
        defined.setdefault(acronym, mention)
        if (mention.start, mention.end) not in by_span:
            found.append(mention)
    for acronym, definition in defined.items():
        for match in re.finditer(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", text):
            if match.start() == definition.start:
                continue
            found.append(
                OrgMention(
                    match.start(), match.end(), acronym, definition.key, "acronym",
                    definition.name, definition.type, acronym,
                )
            )
    return found


def _pattern_may_override(pattern: OrgMention, known: OrgMention) -> bool:
    """A pattern name may replace a known name it overlaps only by extending it
    ("Central Military Council" -> "... of China"), not by joining it to another name
    across "and" ("AIIB and Princeton University")."""
    if not (pattern.start <= known.start and known.end <= pattern.end):
        return False
    outside = pattern.text[: known.start - pattern.start] + " " + pattern.text[known.end - pattern.start :]
    return re.search(r"(?:^|\s)(?:and|&)(?:\s|$)", outside) is None


def select_mentions(candidates: Iterable[OrgMention]) -> list[OrgMention]:
    """Non-overlapping mentions: longest first, then gazetteer over acronym over pattern."""
    candidates = list(candidates)
    known = [m for m in candidates if m.method != "pattern"]
    candidates = [
        m
        for m in candidates
        if m.method != "pattern"
        or all(_pattern_may_override(m, k) for k in known if m.start < k.end and k.start < m.end)
    ]
    ordered = sorted(candidates, key=lambda m: (-(m.end - m.start), PRIORITY[m.method], m.start))
    taken: list[OrgMention] = []
    occupied: list[tuple[int, int]] = []
    for m in ordered:
        if any(m.start < e and s < m.end for s, e in occupied):
            continue
        taken.append(m)
        occupied.append((m.start, m.end))
    return sorted(taken, key=lambda m: m.start)


def find_organisation_mentions(
    text: str, finder: OrganisationFinder | None = None
) -> list[OrgMention]:
    """All organisation mentions of one cleaned article, in text order, without overlaps.

    >>> [m.text for m in find_organisation_mentions(
    ...     "The Asian Infrastructure Investment Bank (AIIB) lends. The AIIB and Princeton University agree.")]
    ['Asian Infrastructure Investment Bank', 'AIIB', 'AIIB', 'Princeton University']
    """
    finder = finder or default_organisation_finder()
    named = find_gazetteer_mentions(text, finder) + find_pattern_mentions(text, finder)
    named = select_mentions(named)
    return select_mentions(named + find_acronym_mentions(text, finder, named))


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
        aliases = sorted({a for a in aliases if normalise_org_name(a) != normalise_org_name(name)})
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
