"""Dates in article text: the publication date of the dateline, and the day an agreement names.

**Publication date.** News pages state it on a line of its own near the top, in many forms:

- a date line: ``Thursday, 19 August 2010``, ``Tue Mar 4, 2014 9:15am EST``,
  ``September 1, 2015 / 1:06 PM``, ``2nd February 2019``;
- a keyword and a date: ``Published : May 4, 2016, 10:30``, ``Updated on 12 March 2021``,
  ``date 2019-06-30 ...`` (even when the title follows on the same line);
- a byline segment: ``By A. Writer | Published 4 June 2018``, ``By: A. Writer – 7th May 2017``;
- a wire dateline opening a paragraph: ``NAIROBI, Feb 2, 2009 (AFP) -``.

Only the first 15 lines are read, and a line must be mostly the date (at most two other
words besides the keyword, weekday, time and zone), so that a caption ("seen on 5 April
2006") or a sentence is not taken for the dateline. A date without a year ("LONDON, Nov 3
(Reuters) -") is no publication date: the year is never guessed. Dates are parsed by
``dateparser`` in English only (no language detection), with day, month and year required.

**Agreement date.** In the sentence that names an agreement: a full date ("on 12 March
2021"), a day and month ("on March 12": the year that puts it nearest the publication date),
a weekday ("signed on Tuesday": the last such day on or before the publication date, or the
next one after "next" or "will") or "yesterday"/"today", resolved against the publication
date; else only a year ("last year" needs the publication date too). Without a publication
date a relative expression gives nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

from pipeline.text import sentence_spans

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?"
_FULL_DATE = re.compile(
    rf"(?<![\w-])(?:{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}|{_MONTH}\s+{_DAY},?\s+{_YEAR}|{_YEAR}-[01]\d-[0-3]\d)(?![\w-])"
)
_DAY_MONTH = re.compile(rf"(?<![\w-])(?:{_DAY}\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+{_DAY})(?![\w-])(?!,?\s*\d)")
_KEYWORD = re.compile(
    r"^\W*(?:(?:first\s+)?published|posted|(?:last\s+)?updated|modified|date[d]?)(?:\s+(?:on|at))?\s*:?\s*$", re.I
)
_WIRE = re.compile(rf"^[A-Z][A-Z.'’ /-]+(?:,\s*[A-Z][A-Za-z. ]+)?,\s*(?P<date>{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?)\s*(?:\([^)]{{1,30}}\))?\s*[-–—:]")
_SEGMENTS = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")
_FURNITURE = re.compile(
    rf"{_WEEKDAY}|\b\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?|\b\d{{1,2}}\s*[ap]\.?m\.?|\b(?:[A-Z]{{1,4}}T|GMT|UTC)\b"
    r"|\b(?:first\s+)?published\b|\bposted\b|\b(?:last\s+)?updated\b|\bmodified\b|\bdated?\b|\bon\b|\bat\b",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_HEAD_LINES = 15
_MAX_OTHER_WORDS = 2
_RELATIVE_DAY = re.compile(rf"\b(?:(?P<next>next\s+)?(?P<weekday>{'|'.join(_WEEKDAYS)})|(?P<word>yesterday|today))\b")
_RELATIVE_YEAR = re.compile(r"\b(?P<which>last|this|next)\s+year\b", re.I)
_BARE_YEAR = re.compile(rf"(?<![\w$£€.,-])({_YEAR})(?![\w.,%-]\d)")
_YEAR_IN = re.compile(_YEAR)
_FUTURE = re.compile(r"\b(?:will|shall|is to|are to|due to|set to|expected to)\b", re.I)


@dataclass(frozen=True)
class PublishedDate:
    """A publication date read from the text, with its evidence: ``text`` is the date as
    written; ``start``/``end`` index the searched text (None when it was a removed line)."""

    day: date
    text: str
    start: int | None
    end: int | None


@cache
def _dateparser_settings() -> dict[str, Any]:
    return {
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": ["absolute-time"],
        "DATE_ORDER": "DMY",
    }


@lru_cache(maxsize=1 << 14)
def parse_day(text: str) -> date | None:
    """A written date (day, month and year all given) as a date, else None. English only.
    Kept for the last 16,384 texts: ``dateparser`` takes most of a millisecond a call, and
    the same dates come back across the articles of a corpus (and three times for each day
    and month without a year, see :func:`_nearest_year_of`).

    >>> parse_day("Tue Jan 3, 2012"), parse_day("31st January 2022"), parse_day("2023-07-16")
    (datetime.date(2012, 1, 3), datetime.date(2022, 1, 31), datetime.date(2023, 7, 16))
    >>> parse_day("Nov 3") is None
    True
    """
    import dateparser  # imported on first use: its language data takes a moment to load

    cleaned = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text).replace(" of ", " ")
    found = dateparser.parse(cleaned, languages=["en"], settings=_dateparser_settings())
    return found.date() if found is not None else None


def find_published_date(text: str, removed_lines: list[str] | None = None) -> PublishedDate | None:
    """The publication date of an article: the first date line among its first lines
    (then among the lines cleaning removed, whose evidence has no offsets), else None.

    >>> find_published_date("Deal signed\\n\\nMonday 7 May 2018 10.08 BST\\n\\nBody.")
    PublishedDate(day=datetime.date(2018, 5, 7), text='7 May 2018', start=20, end=30)
    >>> find_published_date("Deal\\n\\nThe offices, pictured on April 6, 2016.") is None
    True
    """
    offset = 0
    for number, line in enumerate(text.split("\n")):
        if number >= _HEAD_LINES:
            break
        found = date_of_line(line)
        if found is not None:
            return replace(found, start=offset + (found.start or 0), end=offset + (found.end or 0))
        offset += len(line) + 1
    for line in removed_lines or []:
        found = date_of_line(line)
        if found is not None:
            return PublishedDate(found.day, found.text, None, None)
    return None


def date_of_line(line: str) -> PublishedDate | None:
    """The date of a dateline or date line, offsets within ``line``; None for other lines.

    >>> date_of_line("SEOUL, Dec 4, 2015 (Yonhap) -- The pact was signed.").text
    'Dec 4, 2015'
    >>> date_of_line("By J. Writer | Published : March 9, 2017, 11:20 | Last updated : March 9, 2017").day
    datetime.date(2017, 3, 9)
    >>> date_of_line("LONDON, Nov 3 (Reuters) - Banks agreed.") is None  # no year: not guessed
    True
    """
    if _YEAR_IN.search(line) is None:  # every date that parses has a year: most lines end here
        return None
    wire = _WIRE.match(line)
    if wire is not None:
        return _dated(line, wire.start("date"), wire.end("date"))
    position = 0
    for segment in _SEGMENTS.split(line):
        position = line.find(segment, position)
        match = _FULL_DATE.search(segment)
        if match is not None and (_KEYWORD.match(segment[: match.start()]) or _mostly_date(segment, match)):
            found = _dated(line, position + match.start(), position + match.end())
            if found is not None:
                return found
        position += len(segment)
    return None


def _mostly_date(segment: str, match: re.Match[str]) -> bool:
    rest = _FURNITURE.sub(" ", segment[: match.start()] + " " + segment[match.end() :])
    return len(_WORD.findall(rest)) <= _MAX_OTHER_WORDS


def _dated(line: str, start: int, end: int) -> PublishedDate | None:
    day = parse_day(line[start:end])
    return PublishedDate(day, line[start:end], start, end) if day is not None else None


@dataclass(frozen=True)
class AgreementTime:
    """When an agreement was made, as far as its sentence says: a day, or only a year."""

    year: int | None
    day: date | None


def agreement_time(
    text: str,
    mentions: Sequence[int],
    published: date | None,
    year: int | None = None,
    skip: tuple[int, int] | None = None,
) -> AgreementTime:
    """The day (and year) given by the sentence of the first of the agreement's
    ``mentions`` (start offsets, in order) that gives one, resolved against the publication
    date; the expression nearest the mention wins. Else ``year`` (the extractor's, from the
    phrase or sentence), or a relative year of the first mention's sentence. ``skip`` is a
    span not to read (the publication date's own evidence, when a title shares its line).

    >>> text = "Lead.\\n\\nIran and Iraq signed the gas deal on Tuesday in Baghdad."
    >>> agreement_time(text, [0, text.index("gas deal")], date(2021, 3, 12))
    AgreementTime(year=2021, day=datetime.date(2021, 3, 9))
    >>> agreement_time(text, [text.index("gas deal")], None)
    AgreementTime(year=None, day=None)
    >>> text = "The accord, signed in Paris on 4 July 2014, holds."
    >>> agreement_time(text, [4], None, 2014)
    AgreementTime(year=2014, day=datetime.date(2014, 7, 4))
    """
    for start in mentions:
        s_start, s_end = _sentence_around(text, start)
        days = [(at, day) for at, day in _days_in(text[s_start:s_end], published) if not _inside(s_start + at, skip)]
        if days:
            _, day = min(days, key=lambda d: abs(d[0] - (start - s_start)))
            return AgreementTime(day.year, day)
    if year is not None:
        return AgreementTime(year, None)
    s_start, s_end = _sentence_around(text, mentions[0]) if mentions else (0, 0)
    sentence = text[s_start:s_end]
    relative = _RELATIVE_YEAR.search(sentence)
    if relative is not None and published is not None and not _BARE_YEAR.search(sentence):
        shift = {"last": -1, "this": 0, "next": 1}[relative.group("which").lower()]
        return AgreementTime(published.year + shift, None)
    return AgreementTime(None, None)


def _inside(position: int, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= position < span[1]


@lru_cache(maxsize=256)
def _sentences_of(text: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The text's sentence spans and their starts, found once per text (an article's
    agreements and mentions all ask; the article's rows come one after another)."""
    spans = tuple(sentence_spans(text))
    return tuple(s for s, _ in spans), spans


def _sentence_around(text: str, position: int) -> tuple[int, int]:
    """The span of the sentence holding ``position``, else the empty span at it.

    >>> _sentence_around("One. Two three.", 6), _sentence_around("One.", 9)
    ((5, 15), (9, 9))
    """
    starts, spans = _sentences_of(text)
    index = bisect_right(starts, position) - 1
    if index >= 0 and spans[index][0] <= position < spans[index][1]:
        return spans[index]
    return position, position


def _days_in(sentence: str, published: date | None) -> list[tuple[int, date]]:
    """Every day the sentence names, with its position: full dates always, the relative
    ones only with a publication date."""
    out: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []
    for match in _FULL_DATE.finditer(sentence):
        day = parse_day(match.group())
        if day is not None:
            out.append((match.start(), day))
            taken.append(match.span())
    if published is None:
        return out
    for match in _DAY_MONTH.finditer(sentence):
        if any(s <= match.start() < e for s, e in taken):
            continue
        day = _nearest_year_of(match.group(), published)
        if day is not None:
            out.append((match.start(), day))
            taken.append(match.span())
    for match in _RELATIVE_DAY.finditer(sentence):
        if any(s <= match.start() < e for s, e in taken):
            continue
        if match.group("word"):
            out.append((match.start(), published - timedelta(days=1 if match.group("word") == "yesterday" else 0)))
            continue
        ahead = bool(match.group("next")) or bool(_FUTURE.search(sentence, 0, match.start()))
        out.append((match.start(), weekday_near(published, _WEEKDAYS.index(match.group("weekday")), ahead)))
    return out


def weekday_near(published: date, weekday: int, ahead: bool = False) -> date:
    """The last day of that weekday on or before ``published`` (or the next one after it).

    >>> weekday_near(date(2021, 3, 12), 1), weekday_near(date(2021, 3, 12), 1, ahead=True)
    (datetime.date(2021, 3, 9), datetime.date(2021, 3, 16))
    """
    if ahead:
        return published + timedelta(days=(weekday - published.weekday() - 1) % 7 + 1)
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def _nearest_year_of(day_month: str, published: date) -> date | None:
    candidates = [parse_day(f"{day_month} {year}") for year in (published.year - 1, published.year, published.year + 1)]
    found = [d for d in candidates if d is not None]
    return min(found, key=lambda d: abs((d - published).days)) if found else None


__all__ = [
    "AgreementTime", "PublishedDate", "agreement_time", "date_of_line", "find_published_date", "parse_day",
    "weekday_near",
]
