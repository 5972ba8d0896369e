"""Per-article steps on a real local process pool (forkserver workers): the same tables as
a serial run, cache hits answered in the parent, small inputs kept in this process; in a
run, a step's progress lines come at a pace, not one per batch."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline.build import build_tables
from pipeline.compute import steps as steps_module
from pipeline.compute.executors import LocalPoolExecutor, SerialExecutor, executor_from_environment
from pipeline.compute.steps import MIN_PARALLEL_ARTICLES, ArticleSteps
from pipeline.extract.cache import ExtractionCache

from .synthetic_corpus import write_corpus


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "raw"
    write_corpus(folder, 3 * MIN_PARALLEL_ARTICLES)
    return folder


@pytest.mark.parametrize("mode", ["rules", "model"])
def test_a_process_pool_gives_the_serial_tables(corpus, tmp_path, monkeypatch, mode):
    monkeypatch.setenv("PIPELINE_EXTRACTION", mode)
    serial, _ = build_tables(corpus, ArticleSteps(SerialExecutor()))
    assert len(serial["documents"]) == 3 * MIN_PARALLEL_ARTICLES and len(serial["agreements"]) > 0
    before = steps_module.batches_run
    pooled, _ = build_tables(corpus, ArticleSteps(LocalPoolExecutor(2)))
    assert steps_module.batches_run == before  # every batch ran in a worker process
    assert_same_tables(pooled, serial)


def test_cache_hits_are_answered_here_and_misses_extracted_by_the_pool(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_EXTRACTION", "rules")
    n = 3 * MIN_PARALLEL_ARTICLES
    # windows of 30 articles: the corpus is read, sent and stored in three parts
    first = ArticleSteps(LocalPoolExecutor(2), ExtractionCache(tmp_path / "cache"), window=30)
    cold, _ = build_tables(corpus, first)
    dated = cold["agreements"]["doc_id"].nunique()  # the articles whose agreements are dated
    assert 0 < dated <= n
    # the documents step finds the texts the inventory cleaned (its duplicate test)
    assert (first.cache.hits, first.cache.misses) == (n, 4 * n + dated)
    second = ArticleSteps(LocalPoolExecutor(2), ExtractionCache(tmp_path / "cache"))
    warm, _ = build_tables(corpus, second)
    assert (second.cache.hits, second.cache.misses) == (5 * n + dated, 0)
    assert_same_tables(warm, cold)
    assert_same_tables(cold, build_tables(corpus, ArticleSteps(SerialExecutor()))[0])


def test_a_few_articles_are_extracted_in_this_process(raw_dir, monkeypatch):
    monkeypatch.setenv("PIPELINE_EXTRACTION", "rules")
    before = steps_module.batches_run
    tables, _ = build_tables(raw_dir, ArticleSteps(LocalPoolExecutor(2)))
    # one batch per step, here (cleaning twice: the inventory's and, with no cache, the
    # documents'; agreements found, then dated): no pool started
    assert steps_module.batches_run == before + 6
    assert_same_tables(tables, build_tables(raw_dir)[0])


def test_with_the_model_even_one_article_goes_to_the_pool_that_holds_the_model(raw_dir, monkeypatch):
    """A re-run's one new article: the model's step runs on the pool's worker (forked from
    the forkserver that loaded the model), the other steps here; the tables are the same."""
    monkeypatch.setenv("PIPELINE_EXTRACTION", "model")
    before = steps_module.batches_run
    pool = LocalPoolExecutor(2)
    try:
        tables, _ = build_tables(raw_dir, ArticleSteps(pool))
        assert pool._pool is not None  # the pool was started, for the organisations step alone
    finally:
        pool.close()
    assert steps_module.batches_run == before + 5  # the 6 batches of the rules run but one
    assert_same_tables(tables, build_tables(raw_dir, ArticleSteps(SerialExecutor()))[0])


def test_pipeline_workers_picks_the_executor(monkeypatch):
    assert isinstance(executor_from_environment({"PIPELINE_WORKERS": "1"}), SerialExecutor)
    default = executor_from_environment({})
    assert default.workers == (os.cpu_count() or 1)
    with pytest.raises(ValueError, match="PIPELINE_WORKERS must be a whole number"):
        executor_from_environment({"PIPELINE_WORKERS": "0"})


def test_the_compute_resource_reads_the_environment_and_names_a_wrong_value(monkeypatch):
    from pipeline.defs.compute import compute_from_environment

    monkeypatch.setenv("PIPELINE_WORKERS", "1")
    monkeypatch.delenv("PIPELINE_DASK_SCHEDULER", raising=False)
    assert isinstance(compute_from_environment().executor(), SerialExecutor)
    monkeypatch.setenv("PIPELINE_WORKERS", "zero")
    resource = compute_from_environment()  # the definitions still load
    with pytest.raises(ValueError, match="PIPELINE_WORKERS must be a whole number of processes .* not 'zero'"):
        resource.executor()


def test_a_run_tells_the_inventory_cleaning_at_a_pace_not_per_batch(corpus, tmp_path, dagster_home, monkeypatch):
    """The inventory cleans articles before it knows how many: its progress (each line an
    event Dagster stores, a few milliseconds each) is told at most once a second, not after
    each of its batches (150 lines at 10,000 articles)."""
    import dagster as dg

    from pipeline.compute.steps import batch_size
    from pipeline.defs.run import run_release

    monkeypatch.setenv("PIPELINE_EXTRACTION", "rules")
    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    instance = dg.DagsterInstance.get()
    run_release(corpus, tmp_path / "out", instance=instance, verbose=False)
    run = instance.get_runs(limit=1)[0]
    logs = instance.all_logs(run.run_id)
    raw_step = [e for e in logs if e.step_key == "raw_articles"]
    seconds = raw_step[-1].timestamp - raw_step[0].timestamp
    cleaning = [e for e in raw_step if (e.user_message or "").startswith("articles cleaning ")]
    batches = -(-3 * MIN_PARALLEL_ARTICLES // batch_size(3 * MIN_PARALLEL_ARTICLES, 2))
    assert 1 <= len(cleaning) <= 1 + seconds < batches, (len(cleaning), seconds, batches)
    documents_step = [e.user_message for e in logs if e.step_key == "documents"]
    assert f"articles cleaning {3 * MIN_PARALLEL_ARTICLES}/{3 * MIN_PARALLEL_ARTICLES}" in documents_step  # its end
