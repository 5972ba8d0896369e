"""Table assets: load inputs, call the pure build function, return the table and metadata."""


import hashlib
import time
from collections.abc import Iterator
from contextlib import closing

import dagster as dg
import pandas as pd

from pipeline import __version__
from pipeline.build import (
    build_agreements,
    build_documents,
    build_monetary_figures,
    build_organisation_tables,
    build_raw_articles,
)
from pipeline.compute.executors import describe
from pipeline.compute.steps import ArticleSteps, Progress
from pipeline.defs.progress import ARTICLE_PROGRESS
from pipeline.defs.compute import ComputeResource
from pipeline.defs.metadata import table_metadata
from pipeline.extract.cache import ExtractionCache
from pipeline.defs.resources import PipelineSettings
from pipeline.paths import RULES_DIR

IO = "parquet_io_manager"


def code_version(*rule_files: str) -> str:
    """Package version plus a digest of the rule files an asset depends on, so that a
    change of patterns or word lists marks the asset's code as changed in the UI."""
    digest = hashlib.sha256()
    for name in rule_files:
        digest.update((RULES_DIR / name).read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}" if rule_files else __version__


def extraction_cache(settings: PipelineSettings) -> ExtractionCache:
    """Per-article results kept under ``<output_dir>/cache`` (see :mod:`pipeline.extract.cache`)."""
    return ExtractionCache(settings.output_path / "cache")


#: How often (seconds) a per-article step logs how far it has gone.
PROGRESS_SECONDS = 1.0


def step_progress(total: int) -> Progress | None:
    """Logs ``articles <step> <done>/<total>`` (DEBUG) at most every :data:`PROGRESS_SECONDS`
    and at the end, in the running asset's log (the command line draws a bar from it, see
    :mod:`pipeline.defs.progress`); None outside a run (an asset called directly). A total
    of 0 is unknown (the inventory cleans what it finds): no end is told, only the pace
    (each line is an event stored by Dagster, a few milliseconds each)."""
    try:
        log = dg.AssetExecutionContext.get().log
    except dg.DagsterInvariantViolationError:
        return None
    last = [0.0]

    def report(step: str, done: int, _seen: int) -> None:
        now = time.monotonic()
        if (total and done >= total) or now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            log.debug(f"{ARTICLE_PROGRESS} {step} {done}/{total}")

    return report


def article_steps(settings: PipelineSettings, compute: ComputeResource, total: int = 0) -> ArticleSteps:
    """The per-article steps on the configured executor, with the extraction cache, telling
    their progress over ``total`` articles to the run's log."""
    return ArticleSteps(compute.executor(), extraction_cache(settings), progress=step_progress(total))


def prune_and_describe(steps: ArticleSteps) -> dict[str, int | str]:
    """Once a step has gone over every article: drop the results no article uses any more,
    and say how many articles were read from the cache, how many extracted and where (shown
    in the UI)."""
    cache = steps.cache
    assert cache is not None
    pruned = cache.prune_unused()
    return {"cache_hits": cache.hits, "extracted": cache.misses, "cache_pruned": pruned,
            "extractor_code_version": cache.code_version, "executor": describe(steps.executor)}


@dg.asset(
    group_name="news_agreements",
    io_manager_key=IO,
    code_version=code_version("sources.toml", "cleaning.toml"),
    description="Inventory of the raw folder and its sub-folders: one row per file or folder "
    "with size, sha256, encoding and decoded text, and a status: ok, skipped (links, dot-files, "
    "backups, pipes), rejected (empty, binary, too large, XML, furniture only) or duplicate, "
    "with the reason; notes say what was mended (control characters, HTML).",
)
def raw_articles(
    context: dg.AssetExecutionContext, settings: PipelineSettings, compute: ComputeResource
) -> dg.Output[pd.DataFrame]:
    with closing(article_steps(settings, compute)) as steps:
        frame = build_raw_articles(settings.raw_path, steps)
    odd = frame[(frame["status"] != "ok") | frame["notes"].notna()]
    for row in odd.itertuples(index=False):
        reason = "; ".join(str(x) for x in (row.problem, row.notes) if isinstance(x, str))
        context.log.warning(f"{row.status} source {row.source_file}: {reason}")
    counts = frame["status"].value_counts().to_dict()
    return dg.Output(
        frame,
        metadata=table_metadata("raw_articles", frame)
        | {
            "raw_dir": dg.MetadataValue.path(str(settings.raw_path)),
            "status_counts": dg.MetadataValue.json({k: int(v) for k, v in counts.items()}),
            "not_published": int((frame["status"] != "ok").sum()),
            "odd_files": dg.MetadataValue.json(
                odd[["source_file", "status", "problem", "notes"]].astype(object).where(odd.notna(), None)
                .to_dict("records")
            ),
        },
    )


@dg.asset(
    group_name="news_agreements",
    io_manager_key=IO,
    code_version=code_version("cleaning.toml"),
    description="Cleaned article text (title as first line, page furniture removed); "
    "every offset in the other tables indexes documents.text.",
)
def documents(
    context: dg.AssetExecutionContext, settings: PipelineSettings, compute: ComputeResource,
    raw_articles: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    with closing(article_steps(settings, compute, int((raw_articles["status"] == "ok").sum()))) as steps:
        frame, problems = build_documents(raw_articles, steps)
    for p in problems:
        context.log.warning(f"rejected source {p['source_file']}: {p['problem']}")
    removed = int(frame["removed_lines"].map(len).sum()) if len(frame) else 0
    return dg.Output(frame, metadata=table_metadata("documents", frame) | {"removed_lines": removed} | prune_and_describe(steps))


@dg.multi_asset(
    group_name="news_agreements",
    outs={
        "organisation_mentions": dg.AssetOut(
            io_manager_key=IO,
            code_version=code_version("organisations.json", "organisation_patterns.toml"),
            description="Every place an article names an organisation, resolved to its canonical organisation.",
        ),
        "organisations": dg.AssetOut(
            io_manager_key=IO,
            code_version=code_version("organisations.json", "organisation_patterns.toml"),
            description="Canonical organisations with aliases, type, country and mention counts.",
        ),
    },
)
def organisation_tables(
    settings: PipelineSettings, compute: ComputeResource, documents: pd.DataFrame
) -> Iterator[dg.Output[pd.DataFrame]]:
    with closing(article_steps(settings, compute, len(documents))) as steps:
        mentions, organisations = build_organisation_tables(documents, steps)
    yield dg.Output(mentions, output_name="organisation_mentions",
                    metadata=table_metadata("organisation_mentions", mentions) | prune_and_describe(steps))
    yield dg.Output(organisations, output_name="organisations", metadata=table_metadata("organisations", organisations))


@dg.asset(
    group_name="news_agreements",
    io_manager_key=IO,
    code_version=code_version("money.toml"),
    description="Monetary figures: amount in currency units, ISO 4217 currency, qualifier, range and rate.",
)
def monetary_figures(
    settings: PipelineSettings, compute: ComputeResource, documents: pd.DataFrame
) -> dg.Output[pd.DataFrame]:
    with closing(article_steps(settings, compute, len(documents))) as steps:
        frame = build_monetary_figures(documents, steps)
    return dg.Output(frame, metadata=table_metadata("monetary_figures", frame) | prune_and_describe(steps))


@dg.asset(
    group_name="news_agreements",
    io_manager_key=IO,
    code_version=code_version("agreements.toml", "countries.toml", "organisations.json"),
    description="Agreements, one row per distinct agreement per article, with every mention, "
    "kind, parties, topic, value, status, year and a cross-article cluster.",
)
def agreements(
    settings: PipelineSettings,
    compute: ComputeResource,
    documents: pd.DataFrame,
    monetary_figures: pd.DataFrame,
    organisation_mentions: pd.DataFrame,
    organisations: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    with closing(article_steps(settings, compute, len(documents))) as steps:
        frame = build_agreements(documents, monetary_figures, organisation_mentions, organisations, steps)
    return dg.Output(frame, metadata=table_metadata("agreements", frame) | prune_and_describe(steps))
