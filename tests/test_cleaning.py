"""Cleaning removes page furniture and keeps the prose and the title."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.cleaning import classify_line, clean_text, default_cleaning_rules

from .conftest import RAW

SEEDS = {p.name: p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt"))}

FURNITURE = [
    ("Updated on", "updated_on"),
    ("Last updated: 5 May 2015 10:02", "updated_on"),
    ("(Image credit: Greg Baker/AFP/Getty Images)", "image_credit"),
    ("Photo: Reuters", "image_credit"),
    ("Subscribe to The Week", "subscribe"),
    ("SUBSCRIBE & SAVE", "subscribe"),
    ("Sign up for The Week's Free Newsletters", "newsletter"),
    ("Sign up", "sign_up"),
    ("Leave a Comment", "comments"),
    ("Explore More", "related_links"),
    ("You might also like", "related_links"),
    ("https://cdn.mos.cms.futurecdn.net/flexiimages/jacafc5zvs1692883516.jpg", "bare_url"),
    ("Share this article", "share"),
    ("Advertisement", "advertisement"),
    ("© 2023 Example Media. All rights reserved.", "copyright"),
]
PROSE = [
    "Updated figures show that trade between the two countries grew by a third last year.",
    "The photo of the summit shows the two leaders shaking hands in Beijing on Monday.",
    "Russia and China agreed to conduct the naval exercise in the Mediterranean Sea.",
    "Readers who subscribe to the idea of a multipolar world see the summit as a turning point.",
    "Comments by the foreign minister were widely reported.",
]


@pytest.mark.parametrize("line,rule", FURNITURE)
def test_furniture_lines_are_classified(line, rule):
    found = classify_line(line, default_cleaning_rules())
    assert found is not None and found.name == rule


@pytest.mark.parametrize("line", PROSE)
def test_prose_is_kept(line):
    assert classify_line(line, default_cleaning_rules()) is None


@pytest.mark.parametrize(
    "source,gone",
    [
        ("000_40583fd52b4b10e4.txt", ["Updated on", "Leave a Comment"]),
        ("002_48415b9bfa23d4b9.txt", ["Image credit", "Subscribe to The Week", "Escape your echo chamber",
                                      "SUBSCRIBE & SAVE", "futurecdn", "Free Newsletters", "morning news briefing",
                                      "Explore More"]),
        ("003_09b765c9070b9dc1.txt", ["You might also like"]),
    ],
)
def test_seed_furniture_is_removed(source, gone):
    text = clean_text(SEEDS[source]).text
    for fragment in gone:
        assert fragment not in text, fragment


def test_repeated_caption_is_kept_once():
    caption = "Vladimir Putin shakes hands with Xi Jinping at the Asia-Pacific Economic Cooperation summit"
    assert clean_text(SEEDS["002_48415b9bfa23d4b9.txt"]).text.count(caption) == 1


@pytest.mark.parametrize("source", sorted(SEEDS))
def test_title_is_the_first_line_and_prose_survives(source):
    raw = SEEDS[source]
    doc = clean_text(raw)
    first_line = next(line.strip() for line in raw.splitlines() if line.strip())
    assert doc.title == first_line
    assert doc.text.split("\n", 1)[0] == doc.title
    prose = [line.strip() for line in raw.splitlines() if len(line.split()) > 40]
    for paragraph in prose:
        assert " ".join(paragraph.split()) in doc.text


def test_removed_lines_record_line_numbers_and_rules():
    doc = clean_text("Title\n\nUpdated on\nBody text here.\n")
    assert [(r.line, r.rule, r.text) for r in doc.removed_lines] == [(3, "updated_on", "Updated on")]


def test_whitespace_and_unicode_are_normalised():
    doc = clean_text("Title\r\n\r\n\r\n\r\nA\u00a0b  c\u200b d\u2009e\n")
    assert doc.text == "Title\n\nA b c d e"


def test_an_html_page_cleans_to_its_title_and_prose_with_entities_decoded():
    from pipeline.ingest.html import html_to_text

    page = html_to_text(
        "<html><head><title>Ignored | Site</title></head><body><article><h1>Grid deal  signed</h1>"
        "<p>Share this article</p><p>The utilities agreed a $2&nbsp;billion grid deal&#8203; on Monday.</p>"
        "<p>Updated on</p><figure><figcaption>Photo: Reuters</figcaption></figure></article></body></html>"
    )
    doc = clean_text(page.text)
    assert doc.title == "Grid deal signed"
    assert doc.text == "Grid deal signed\n\nThe utilities agreed a $2 billion grid deal on Monday."
    assert [r.rule for r in doc.removed_lines] == ["share", "updated_on", "image_credit"]


def test_control_characters_left_in_text_are_dropped_by_cleaning():
    assert clean_text("Title\n\nA\x00B\x1bC\x7fD\x85E").text == "Title\n\nABCDE"
