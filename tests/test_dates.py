"""Publication dates from the forms news pages write them in, and agreement dates resolved
against them (pipeline.extract.dates), on cleaned texts as the pipeline makes them."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract.dates import agreement_time, date_of_line, find_published_date
from pipeline.ingest.cleaning import clean_text
from pipeline.provenance import publication_columns


def published(raw_text: str) -> tuple[str | None, str | None, str | None]:
    """(date, evidence, text at the evidence offsets) of a raw article, cleaned as the pipeline does."""
    cleaned = clean_text(raw_text)
    found = find_published_date(cleaned.text, [r.text for r in cleaned.removed_lines])
    if found is None:
        return None, None, None
    at = cleaned.text[found.start : found.end] if found.start is not None else None
    return found.day.isoformat(), found.text, at


DATELINES = [
    # (a date line or dateline, as pages write them; the day it gives)
    ("September 1, 2015 / 1:06 PM", "2015-09-01"),
    ("LONDON, Nov 3, 2014 (Reuters) - Two lenders agreed to merge.", "2014-11-03"),
    ("NAIROBI, Feb 2, 2009 (AFP) – The ministry signed the loan.", "2009-02-02"),
    ("Published : May 4, 2016, 10:30 | Last updated : May 4, 2016, 11:02", "2016-05-04"),
    ("By Ann Writer | Published: 3 February 2019", "2019-02-03"),
    ("By: Ann Writer (Business Desk) – 2nd February 2019", "2019-02-02"),
    ("Tue Mar 4, 2014 9:15am EST", "2014-03-04"),
    ("Saturday, 14 May 2011", "2011-05-14"),
    ("Wednesday 9 October 2013 16.20 BST", "2013-10-09"),
    ("Friday, March 8, 2019 64° Print Edition", "2019-03-08"),
    (" date 2019-06-30 Ports operator wins concession", "2019-06-30"),
    ("Posted on 21st of June 2017", "2017-06-21"),
]


@pytest.mark.parametrize(("line", "day"), DATELINES, ids=[d[0][:40] for d in DATELINES])
def test_a_date_line_near_the_top_gives_the_publication_date(line: str, day: str) -> None:
    article = f"Two lenders seal merger\n\n{line}\n\nThe two banks said the deal would close next year.\n"
    found, evidence, at_offsets = published(article)
    assert found == day
    assert at_offsets in (evidence, None)  # evidence is the text at its offsets, or in a removed line


def test_updated_on_line_removed_by_cleaning_still_dates_the_article_with_its_text_as_evidence() -> None:
    article = "Port deal agreed\n\nUpdated on 12 March 2021\n\nThe port authority signed a lease.\n"
    cleaned = clean_text(article)
    assert "Updated on" not in cleaned.text  # cleaning removed the stamp as page furniture
    assert published(article) == ("2021-03-12", "12 March 2021", None)


def test_the_evidence_offsets_index_the_cleaned_text() -> None:
    article = "Steel merger approved\n\nBy Ann Writer | Published: 3 February 2019\n\nRegulators approved it.\n"
    day, evidence, at_offsets = published(article)
    assert (day, evidence, at_offsets) == ("2019-02-03", "3 February 2019", "3 February 2019")


@pytest.mark.parametrize(
    "article",
    [
        # a wire dateline without a year: the year is never guessed
        "Lenders merge\n\nLONDON, Nov 3 (Reuters) - Two lenders agreed to merge on Tuesday.\n",
        # a caption that names a day is not a date line
        "Port deal\n\nThe container port, pictured on May 3, 2012.\n\nThe lease was signed.\n",
        # a sentence with a date is not a date line
        "Gas deal\n\nThe two countries signed the gas deal on 4 July 2014 in Beijing after years of talks.\n",
        # a date line far down the article is not the dateline
        "Gas deal\n\n" + "".join(f"Paragraph {i} of the story.\n\n" for i in range(20)) + "Saturday, 14 May 2011\n",
        # a bare year
        "Gas deal\n\nIn 2014\n\nThe deal was signed.\n",
    ],
    ids=["yearless wire dateline", "caption", "sentence", "too far down", "bare year"],
)
def test_no_date_line_gives_no_publication_date(article: str) -> None:
    assert published(article) == (None, None, None)


def test_a_sidecar_date_wins_over_the_text_and_keeps_no_text_evidence() -> None:
    from types import SimpleNamespace

    cleaned = clean_text("Lenders merge\n\nSaturday, 14 May 2011\n\nThey merged.\n")
    raw = SimpleNamespace(url="https://news.example.org/m", outlet="Example", published="2011-05-15T08:00:00+02:00")
    columns = publication_columns(raw, cleaned)
    assert (columns["published_at"], columns["published_source"], columns["published_evidence"]) == (
        "2011-05-15T08:00:00+02:00", "sidecar", None,
    )
    columns = publication_columns(SimpleNamespace(url=None, outlet=None, published=None), cleaned)
    assert (columns["published_at"], columns["published_source"]) == ("2011-05-14", "text")


def test_a_date_line_with_an_unreal_day_is_no_date() -> None:
    assert date_of_line("Monday, 31 February 2011") is None


THURSDAY = date(2021, 3, 11)

AGREEMENT_TIMES = [
    # (sentence naming the agreement, publication day, (year, date))
    ("Iran and Iraq signed the gas deal on Tuesday in Baghdad.", THURSDAY, (2021, "2021-03-09")),
    ("The gas deal was signed on Thursday, the ministry said.", THURSDAY, (2021, "2021-03-11")),
    ("The two ministers will sign the gas deal on Monday.", THURSDAY, (2021, "2021-03-15")),
    ("They expect to sign the gas deal next Tuesday.", THURSDAY, (2021, "2021-03-16")),
    ("The gas deal was signed yesterday in Baghdad.", THURSDAY, (2021, "2021-03-10")),
    ("The gas deal was signed on March 2 in Baghdad.", THURSDAY, (2021, "2021-03-02")),
    ("The gas deal signed on 28 December was ratified.", date(2021, 1, 5), (2020, "2020-12-28")),
    ("The gas deal was signed on 4 July 2014 in Beijing.", THURSDAY, (2014, "2014-07-04")),
    ("The gas deal, signed in 2014, was extended.", THURSDAY, (2014, None)),
    ("The gas deal was signed last year.", THURSDAY, (2020, None)),
    ("Iran and Iraq signed the gas deal on Tuesday in Baghdad.", None, (None, None)),
    ("The gas deal was signed last year.", None, (None, None)),
    ("The gas deal is a milestone.", THURSDAY, (None, None)),
]


@pytest.mark.parametrize(("sentence", "day", "expected"), AGREEMENT_TIMES, ids=[a[0][:45] for a in AGREEMENT_TIMES])
def test_agreement_time_from_its_sentence_resolved_against_the_publication_day(
    sentence: str, day: date | None, expected: tuple[int | None, str | None]
) -> None:
    text = f"Gas deal\n\n{sentence}\n"
    year = 2014 if "in 2014" in sentence else None  # the extractor's own year, as find_agreements reads it
    found = agreement_time(text, [text.index("gas deal")], day, year)
    assert (found.year, found.day.isoformat() if found.day else None) == expected


def test_the_publication_date_of_a_shared_title_line_is_not_the_agreement_date() -> None:
    text = " date 2019-06-30 Ports operator wins port concession\n\nThe board approved it.\n"
    evidence = (text.index("2019"), text.index("2019") + 10)
    found = agreement_time(text, [text.index("port concession")], date(2019, 6, 30), None, skip=evidence)
    assert (found.year, found.day) == (None, None)
