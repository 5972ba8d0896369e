"""Organisation extraction is linear in its input on adversarial text (issue 8).

Each hostile form is timed at two sizes ten times apart, in rules mode (the model reads
bounded pieces, checked without timing below), the best of a few runs against load spikes. The bound is generous, as the issue asks:
ten times the text may cost at most 25 times the time (a quadratic path costs 100 times),
and 0.25 MB at most 15 s on a loaded two-core machine (it takes well under 2 s).
"""

from __future__ import annotations

import time

import pytest

from pipeline.extract.organisation_model import clear_model_cache, text_chunks
from pipeline.extract.organisations import find_organisation_mentions

from .adversarial_texts import ORGANISATION_ADVERSARIES

SMALL, LARGE = 25_000, 250_000


def _seconds(text: str) -> float:
    started = time.perf_counter()
    find_organisation_mentions(text, mode="rules")
    return time.perf_counter() - started


@pytest.mark.parametrize("form", sorted(ORGANISATION_ADVERSARIES))
def test_ten_times_the_text_costs_about_ten_times_the_time(form: str) -> None:
    find_organisation_mentions("Warm-up Bank (WB).", mode="rules")
    small = min(_seconds(ORGANISATION_ADVERSARIES[form](SMALL)) for _ in range(3))
    large = min(_seconds(ORGANISATION_ADVERSARIES[form](LARGE)) for _ in range(2))
    assert large < 15, f"{form}: {large:.1f} s for {LARGE} characters"
    assert large <= 25 * max(small, 0.01), f"{form}: {small:.3f} s -> {large:.3f} s for 10x the text"


@pytest.mark.parametrize("form", sorted(ORGANISATION_ADVERSARIES))
def test_the_model_reads_bounded_pieces_that_rebuild_the_text(form: str) -> None:
    text = ORGANISATION_ADVERSARIES[form](50_000)
    pieces = list(text_chunks(text, 2_000))
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 2_000 for _, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)


@pytest.mark.parametrize("form", ["commas", "brackets"])
def test_the_model_is_not_fed_endless_words(form: str) -> None:
    """0.2 MB without a space cost the model's tokenizer ~100 s (quadratic in one word's
    length, even in 10,000-character pieces); long runs are blanked, it now takes ~0.3 s."""
    clear_model_cache()
    find_organisation_mentions("Warm-up Bank (WB) said.", mode="model")
    clear_model_cache()
    started = time.perf_counter()
    find_organisation_mentions(ORGANISATION_ADVERSARIES[form](200_000), mode="model")
    assert time.perf_counter() - started < 15


def test_the_model_multiplies_matrices_with_numpy_and_finds_what_blis_finds() -> None:
    """The model's layers run on thinc's NumPy backend without BLIS (NumPy's OpenBLAS is
    faster here); the entities are those of a pipeline loaded on thinc's default backend."""
    import spacy

    from pipeline.extract.organisation_model import load_model, model_directory

    model = load_model()
    assert all(getattr(pipe.model.ops, "use_blis", None) is False for _, pipe in model.pipeline)
    default = spacy.load(model_directory(), exclude=["parser", "tagger", "senter", "attribute_ruler", "lemmatizer"])
    assert getattr(default.get_pipe("ner").model.ops, "use_blis", None) is True  # the thread's backend came back
    text = "Siemens Energy signed a supply deal with the Nigerian National Petroleum Corporation in Abuja."
    assert [(e.text, e.label_) for e in model(text).ents] == [(e.text, e.label_) for e in default(text).ents]
    assert any(e.label_ == "ORG" for e in model(text).ents)
