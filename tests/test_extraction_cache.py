"""Per-article results kept between runs: real extractors, real files under a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.build import (
    build_agreements,
    build_documents,
    build_monetary_figures,
    build_organisation_tables,
    build_raw_articles,
)
from pipeline.compute.steps import ArticleSteps
from pipeline.extract.cache import ExtractionCache, encode, extractor_code_version, extractor_files, files_digest



def build_with(raw_dir: Path, cache: ExtractionCache | None) -> dict[str, pd.DataFrame]:
    steps = ArticleSteps(cache=cache)
    documents, _ = build_documents(build_raw_articles(raw_dir, steps), steps)
    mentions, organisations = build_organisation_tables(documents, steps)
    figures = build_monetary_figures(documents, steps)
    agreements = build_agreements(documents, figures, mentions, organisations, steps)
    return {"documents": documents, "organisation_mentions": mentions, "organisations": organisations,
            "monetary_figures": figures, "agreements": agreements}


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_cached_results_equal_fresh_extraction_and_are_reused(raw_dir, tmp_path):
    fresh = build_with(raw_dir, None)
    first = ExtractionCache(tmp_path / "cache")
    assert_same_tables(build_with(raw_dir, first), fresh)
    # five steps (cleaning, organisations, money, agreements, their dates), five articles
    # (each with agreements); the documents step finds the texts the inventory cleaned
    assert fresh["agreements"]["doc_id"].nunique() == 5
    assert first.misses == 5 * 5 and first.hits == 5
    second = ExtractionCache(tmp_path / "cache")
    assert_same_tables(build_with(raw_dir, second), fresh)
    assert second.hits == 6 * 5 and second.misses == 0


def test_one_changed_article_is_extracted_again_alone(raw_dir, tmp_path):
    build_with(raw_dir, ExtractionCache(tmp_path / "cache"))
    changed = sorted(raw_dir.glob("*.txt"))[2]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nSiemens later signed a $5 million service contract.\n",
                       encoding="utf-8")
    cache = ExtractionCache(tmp_path / "cache")
    tables = build_with(raw_dir, cache)
    # cleaning, organisations, money and dates: that article only; agreements: that article,
    # plus any other whose organisations' canonical names the new text changed (none here)
    assert cache.misses == 5 and cache.hits == 5 * 4 + 5  # + the documents step's cleaning
    assert_same_tables(tables, build_with(raw_dir, None))


def test_a_new_code_version_extracts_everything_and_drops_the_old_results(raw_dir, tmp_path):
    build_with(raw_dir, ExtractionCache(tmp_path / "cache", code_version="1+aaa"))
    cache = ExtractionCache(tmp_path / "cache", code_version="1+bbb")
    build_with(raw_dir, cache)
    assert cache.misses == 5 * 5 and cache.hits == 5  # only the documents step's cleaning, done by the inventory
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["1+bbb"]


def test_a_rule_or_extractor_edit_changes_the_code_version(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(Path(__file__).resolve().parent.parent / "pipeline", root / "pipeline")
    shutil.copytree(Path(__file__).resolve().parent.parent / "schemas" / "rules", root / "schemas" / "rules")
    rules = root / "schemas" / "rules"
    before = files_digest(root, extractor_files(root, rules))
    money = rules / "money.toml"
    money.write_text(money.read_text(encoding="utf-8") + "\n# a new comment is a new rule file\n", encoding="utf-8")
    after_rule = files_digest(root, extractor_files(root, rules))
    agreements = root / "pipeline" / "extract" / "agreements.py"
    agreements.write_text(agreements.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after_code = files_digest(root, extractor_files(root, rules))
    assert len({before, after_rule, after_code}) == 3
    assert extractor_code_version().split("+")[1] != ""


def test_an_unreadable_result_is_extracted_again(raw_dir, tmp_path):
    build_with(raw_dir, ExtractionCache(tmp_path / "cache"))
    cache = ExtractionCache(tmp_path / "cache")
    (key,) = cache.connection.execute("SELECT key FROM results WHERE step = 'money' LIMIT 1").fetchone()
    cache.put_many("money", [(key, encode([])[:-1])])  # a half-written result
    tables = build_with(raw_dir, cache)
    assert cache.misses == 1
    assert_same_tables(tables, build_with(raw_dir, None))


def test_an_unreadable_database_is_replaced(raw_dir, tmp_path):
    first = ExtractionCache(tmp_path / "cache")
    build_with(raw_dir, first)
    first.close()
    for path in first.folder.glob("results.sqlite*"):
        path.write_bytes(b"not a database at all" * 100)
    cache = ExtractionCache(tmp_path / "cache")
    tables = build_with(raw_dir, cache)
    assert (cache.hits, cache.misses) == (5, 5 * 5)  # nothing read from the old file; the documents step reuses the inventory's cleaning
    assert_same_tables(tables, build_with(raw_dir, None))


def test_results_no_article_uses_any_more_are_pruned(raw_dir, tmp_path):
    build_with(raw_dir, ExtractionCache(tmp_path / "cache"))
    gone = sorted(raw_dir.glob("*.txt"))[0]
    gone.unlink()
    cache = ExtractionCache(tmp_path / "cache")
    build_with(raw_dir, cache)
    assert cache.prune_unused() == 5  # the removed article's cleaning, organisations, money, agreements, dates
    assert cache.count() == 5 * 4
    again = ExtractionCache(tmp_path / "cache")
    build_with(raw_dir, again)
    assert again.misses == 0 and again.prune_unused() == 0
