"""The per-article steps (cleaning, organisation mentions, monetary figures, agreements)
over many articles at once: results already in the extraction cache are answered here, the
misses are cut into batches that an executor runs (this process, a local pool, a Dask
cluster), and what comes back, in input order, is stored in the cache. The tables are
therefore byte-identical whichever executor runs the batches.

A batch is a plain tuple ``(step, extraction mode, items)`` handled by :func:`run_batch`, a
module-level function, so that any process holding the ``pipeline`` package can run it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from pipeline.compute.executors import Executor, LocalPoolExecutor, SerialExecutor, start_forkserver
from pipeline.extract.agreements import Agreement, PartyMention, find_agreements
from pipeline.extract.cache import ExtractionCache, input_key
from pipeline.extract.money import MoneyFigure, find_monetary_figures
from pipeline.extract.organisations import OrgMention, extraction_mode, find_organisation_mentions
from pipeline.ingest.cleaning import CleanedDocument, clean_text
from pipeline.provenance import AgreementTimesInput, agreement_times

#: Told how far a step has gone: ``(step, articles done, articles in the input so far)``.
Progress = Callable[[str, int, int], None]

#: One article's input to agreement finding: its text, its figures, its organisations.
AgreementInput = tuple[str, list[MoneyFigure], list[PartyMention]]

#: Below this many articles to extract, a step runs in this process: starting workers and
#: sending them the texts would cost more than it saves.
MIN_PARALLEL_ARTICLES = 24
#: Most articles in one batch (bounds what one worker holds; several batches per worker
#: keep the workers evenly busy).
MAX_BATCH_ARTICLES = 64
BATCHES_PER_WORKER = 4
#: Articles taken from the input at once: only this many texts are held as Python strings
#: (and sent to the workers) at a time, whatever the corpus size.
WINDOW_ARTICLES = 4096

#: Batches this process has run (on a Dask worker or a pool worker: the ones sent to it).
batches_run = 0


def _organisations_batch(texts: list[str], mode: str) -> list[list[OrgMention]]:
    if mode == "model":
        from pipeline.extract.organisation_model import read_with_model

        read_with_model(texts)  # one pass of the model over every new line of the batch
    return [find_organisation_mentions(text, mode=mode) for text in texts]


STEP_FUNCTIONS: dict[str, Callable[[list[Any], str], list[Any]]] = {
    "cleaning": lambda raws, mode: [clean_text(raw) for raw in raws],
    "organisations": _organisations_batch,
    "money": lambda texts, mode: [find_monetary_figures(text) for text in texts],
    "agreements": lambda items, mode: [
        find_agreements(text, figures, organisations=parties) for text, figures, parties in items
    ],
    "agreement_times": lambda items, mode: [agreement_times(item) for item in items],
}


def run_batch(batch: tuple[str, str, list[Any]]) -> list[Any]:
    """Run one step on a batch of articles: ``(step, mode, items)`` -> one result per item.

    >>> run_batch(("money", "rules", ["It cost $5 million.", "No figure."]))[1]
    []
    """
    global batches_run
    step, mode, items = batch
    results = STEP_FUNCTIONS[step](items, mode)
    batches_run += 1
    return results


def warm_up(mode: str | None = None) -> None:
    """Build every extractor's rules (and load the model in ``model`` mode) in this process."""
    mode = mode or extraction_mode()
    text = clean_text("Warm-up\n\nThe Warm-up Bank (WB) signed a $5 million loan with Acme Corp.\n").text
    figures = find_monetary_figures(text)
    find_organisation_mentions(text, mode=mode)
    find_agreements(text, figures)


def batch_size(articles: int, workers: int) -> int:
    """Articles per batch: about ``BATCHES_PER_WORKER`` batches per worker, at most
    ``MAX_BATCH_ARTICLES``.

    >>> batch_size(10_000, 2), batch_size(100, 2), batch_size(3, 2)
    (64, 13, 1)
    """
    return max(1, min(MAX_BATCH_ARTICLES, math.ceil(articles / (workers * BATCHES_PER_WORKER))))


class ArticleSteps:
    """The per-article steps over many articles, on ``executor`` (serial by default), with
    ``cache`` (optional) answering the articles extracted before, taking ``window`` articles
    from the input at a time."""

    def __init__(
        self,
        executor: Executor | None = None,
        cache: ExtractionCache | None = None,
        mode: str | None = None,
        window: int = WINDOW_ARTICLES,
        progress: Progress | None = None,
    ) -> None:
        self.executor = executor or SerialExecutor()
        self.cache = cache
        self.mode = mode or extraction_mode()
        self.window = window
        self.progress = progress

    def clean(self, raw_texts: Iterable[str]) -> list[CleanedDocument]:
        return self._run("cleaning", ((raw, input_key(raw)) for raw in raw_texts))

    def organisation_mentions(self, texts: Iterable[str]) -> list[list[OrgMention]]:
        return self._run("organisations", ((text, input_key(text)) for text in texts))

    def monetary_figures(self, texts: Iterable[str]) -> list[list[MoneyFigure]]:
        return self._run("money", ((text, input_key(text)) for text in texts))

    def agreements(self, inputs: Iterable[AgreementInput]) -> list[list[Agreement]]:
        return self._run(
            "agreements",
            (((text, figures, parties), input_key(text, list(figures), list(parties))) for text, figures, parties in inputs),
        )

    def agreement_times(self, inputs: Iterable[AgreementTimesInput]) -> list[list[tuple[int | None, str | None]]]:
        """Each article's agreements dated (see :func:`pipeline.provenance.agreement_times`)."""
        return self._run("agreement_times", ((item, input_key(item[0], list(item[1:]))) for item in inputs))

    def _run(self, step: str, keyed: Iterable[tuple[Any, str]]) -> list[Any]:
        """Results of ``step`` for every (item, key), read from the input in windows of
        ``self.window`` articles: cache hits from the cache, the others computed and stored."""
        results: list[Any] = []
        keyed = iter(keyed)
        seen = 0
        while window := list(islice(keyed, self.window)):
            keys = [key for _, key in window]
            seen += len(keys)
            stored = self.cache.lookup_many(step, keys) if self.cache is not None else {}
            missing = [index for index, key in enumerate(keys) if key not in stored]
            if missing and not self._in_this_process("organisations", 1):
                # an article to extract, and the organisations step will send even one to the
                # pool (the model): its forkserver loads on another core from now on
                start_forkserver()
            done = len(results) + len(keys) - len(missing)
            computed = self._compute(step, [window[i][0] for i in missing], done, seen)
            del window
            found = dict(zip((keys[i] for i in missing), computed))
            if self.cache is not None and found:
                self.cache.store_many(step, list(found.items()))
            results += [stored[key] if key in stored else found[key] for key in keys]
        return results

    def close(self) -> None:
        """Stop the executor's workers, if it keeps any."""
        close = getattr(self.executor, "close", None)
        if close is not None:
            close()

    def _in_this_process(self, step: str, count: int) -> bool:
        """Whether ``count`` articles of ``step`` are cheaper here than on the executor: a few
        are, except for the model, which a local pool's workers hold already (forked from
        its forkserver) and this process would load (about a second).

        >>> steps = ArticleSteps(LocalPoolExecutor(2), mode="model")
        >>> steps._in_this_process("money", 3), steps._in_this_process("organisations", 3)
        (True, False)
        """
        if isinstance(self.executor, SerialExecutor):
            return True
        if step == "organisations" and self.mode == "model" and isinstance(self.executor, LocalPoolExecutor):
            return count == 0
        return count < MIN_PARALLEL_ARTICLES

    def _compute(self, step: str, items: list[Any], done: int = 0, seen: int = 0) -> list[Any]:
        """Results of the step on the items, in order: in this process for a few, else in
        batches on the executor; ``progress`` is told after each batch (``done`` articles
        were answered before, ``seen`` read from the input so far)."""
        if self._in_this_process(step, len(items)):
            # in this process; batches only so that progress is told as it goes
            size = MAX_BATCH_ARTICLES
            batches = (run_batch((step, self.mode, items[i : i + size])) for i in range(0, len(items), size))
        else:
            size = batch_size(len(items), self.executor.workers)
            batches = self.executor.imap(
                run_batch, [(step, self.mode, items[i : i + size]) for i in range(0, len(items), size)]
            )
        results: list[Any] = []
        for batch in batches:
            results += batch
            if self.progress is not None:
                self.progress(step, done + len(results), seen)
        if self.progress is not None and not items:
            self.progress(step, done, seen)
        return results
