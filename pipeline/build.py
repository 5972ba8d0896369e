"""Build each table from its inputs: the pure functions the Dagster assets call.

Per-document work (cleaning, finding mentions, figures and agreements) is a pure function
of one text and the rules, run through :class:`~pipeline.compute.steps.ArticleSteps` (an
executor: serial, both cores, or a Dask cluster; and the extraction cache); only resolving
organisations and clustering agreements look across documents, here in this process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.compute.collector import paused_cycle_collector
from pipeline.compute.steps import ArticleSteps
from pipeline.extract.agreements import PartyMention, assign_clusters
from pipeline.extract.countries import country_name_of_code
from pipeline.extract.money import MoneyFigure
from pipeline.extract.organisations import resolve_organisations
from pipeline.ingest.sources import OK, RawArticle, read_raw_folder
from pipeline.provenance import agreement_times_inputs, publication_columns, with_agreement_time, with_usd
from pipeline.quality.flags import flagged_frame
from pipeline.tables import make_frame

#: The raw_articles inventory: one row per name of the raw folder (see pipeline.ingest.sources).
RAW_COLUMNS = [
    "source_file", "doc_id", "size_bytes", "sha256", "encoding", "status", "problem", "text",
    "notes", "duplicate_of", "url", "outlet", "published", "sidecar_extra",
]


def mention_id(doc_id: str, start: int) -> str:
    """Stable id of a mention: its document and start offset.

    >>> mention_id("d1", 42)
    'd1:m42'
    """
    return f"{doc_id}:m{start}"


def figure_id(doc_id: str, start: int) -> str:
    return f"{doc_id}:f{start}"


def agreement_id(doc_id: str, start: int) -> str:
    return f"{doc_id}:a{start}"


@paused_cycle_collector()
def build_raw_articles(raw_dir: Path, steps: ArticleSteps | None = None) -> pd.DataFrame:
    """Inventory of the raw folder and its sub-folders: one row per file or folder, sorted by
    path, each with its status (``ok``, ``skipped``, ``rejected``, ``duplicate``), the reason
    and notes; the decoded text only for ``ok`` rows. ``steps`` cleans the texts (to find
    furniture-only articles and duplicates) with its cache and executor, so the documents
    step finds them cleaned."""
    articles = read_raw_folder(raw_dir, clean_many=steps.clean if steps is not None else None)
    frame = pd.DataFrame([_raw_row(a) for a in articles], columns=RAW_COLUMNS)
    return frame.astype({"size_bytes": "Int64"})


def _raw_row(a: RawArticle) -> dict:
    return {column: getattr(a, column) for column in RAW_COLUMNS}


def source_records(raw_articles: pd.DataFrame) -> list[dict]:
    """The inventory without the texts, as JSON-ready records (nulls as None) for the
    manifest: every name of the raw folder with its status, reason, notes and duplicate_of."""
    inventory = raw_articles.drop(columns=["text"], errors="ignore").astype(object)
    records = inventory.where(inventory.notna(), None).to_dict("records")
    return [{k: _record_value(k, v) for k, v in r.items()} for r in records]


def _record_value(column: str, value: object) -> object:
    if column == "size_bytes" and value is not None:
        return int(value)  # type: ignore[call-overload]
    if column == "sidecar_extra" and isinstance(value, str):
        return json.loads(value)  # the sidecar's other columns, as an object
    return value


@paused_cycle_collector()
def build_documents(
    raw_articles: pd.DataFrame, steps: ArticleSteps | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Clean every readable article (``steps``: serial without a cache by default). Returns
    the documents table and the articles that yielded no text after cleaning (as
    ``{source_file, problem}``)."""
    steps = steps or ArticleSteps()
    readable = raw_articles[raw_articles["status"] == OK]
    rows, problems = [], []
    for raw, cleaned in zip(readable.itertuples(index=False), steps.clean(readable["text"])):
        if not cleaned.text:
            problems.append({"source_file": raw.source_file, "problem": "no text left after cleaning"})
            continue
        rows.append(
            {
                "doc_id": raw.doc_id,
                "source_file": raw.source_file,
                "title": cleaned.title,
                "text": cleaned.text,
                "raw_sha256": raw.sha256,
                "encoding": raw.encoding,
                "n_chars": len(cleaned.text),
                "n_words": cleaned.n_words,
                "removed_lines": [
                    {"line": r.line, "rule": r.rule, "text": r.text} for r in cleaned.removed_lines
                ],
                **publication_columns(raw, cleaned),
            }
        )
    return flagged_frame("documents", rows), problems


@paused_cycle_collector()
def build_organisation_tables(
    documents: pd.DataFrame, steps: ArticleSteps | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``organisation_mentions`` and ``organisations``: found per document (``steps``),
    resolved across all."""
    found = (steps or ArticleSteps()).organisation_mentions(documents["text"])
    mentions_by_doc = dict(zip(documents["doc_id"], found))
    organisations, id_of = resolve_organisations(mentions_by_doc)
    mention_rows = [
        {
            "mention_id": mention_id(doc_id, m.start),
            "doc_id": doc_id,
            "org_id": id_of[m.key],
            "text": m.text,
            "start": m.start,
            "end": m.end,
            "method": m.method,
        }
        for doc_id, mentions in mentions_by_doc.items()
        for m in mentions
    ]
    org_rows = [vars(o) for o in organisations]
    return make_frame("organisation_mentions", mention_rows), make_frame("organisations", org_rows)


@paused_cycle_collector()
def build_monetary_figures(documents: pd.DataFrame, steps: ArticleSteps | None = None) -> pd.DataFrame:
    """``monetary_figures``: every document's figures (``steps``)."""
    found = (steps or ArticleSteps()).monetary_figures(documents["text"])
    rows = [
        {
            "figure_id": figure_id(d.doc_id, f.start),
            "doc_id": d.doc_id,
            "text": f.text,
            "start": f.start,
            "end": f.end,
            "amount": f.amount,
            "low": f.low,
            "high": f.high,
            "currency": f.currency,
            "qualifier": f.qualifier,
            "multiplier": f.multiplier,
            "per": f.per,
        }
        for d, figures in zip(documents.itertuples(index=False), found)
        for f in figures
    ]
    return flagged_frame("monetary_figures", with_usd(rows, documents))


def figures_of(monetary_figures: pd.DataFrame, doc_id: str) -> list[MoneyFigure]:
    """The rows of one document's figures, back as :class:`MoneyFigure` values."""
    return figures_by_doc(monetary_figures[monetary_figures["doc_id"] == doc_id]).get(doc_id, [])


def figures_by_doc(monetary_figures: pd.DataFrame) -> dict[str, list[MoneyFigure]]:
    """Every document's figures as :class:`MoneyFigure` values, in one pass over the table
    (filtering the table once per document is quadratic in the corpus)."""
    out: dict[str, list[MoneyFigure]] = {}
    columns = ("doc_id", "start", "end", "text", "amount", "low", "high", "currency", "qualifier", "multiplier", "per")
    for doc_id, start, end, text, amount, low, high, currency, qualifier, multiplier, per in column_rows(
        monetary_figures, columns
    ):
        out.setdefault(doc_id, []).append(
            MoneyFigure(
                start=int(start),
                end=int(end),
                text=text,
                amount=None if pd.isna(amount) else float(amount),
                low=None if pd.isna(low) else float(low),
                high=None if pd.isna(high) else float(high),
                currency=None if pd.isna(currency) else currency,
                qualifier=qualifier,
                multiplier=None if pd.isna(multiplier) else multiplier,
                per=None if pd.isna(per) else per,
            )
        )
    return out


def column_rows(frame: pd.DataFrame, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The frame's rows as tuples of the named columns' Python values: each column converted
    once (``itertuples`` boxes every value of an Arrow-backed column, several times slower).

    >>> list(column_rows(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), ["b", "a"]))
    [('x', 1), ('y', 2)]
    """
    return zip(*(frame[column].tolist() for column in columns))


def party_mentions_by_doc(
    organisation_mentions: pd.DataFrame, organisations: pd.DataFrame
) -> dict[str, list[PartyMention]]:
    """Each document's organisation mentions with their canonical names, as possible parties."""
    name_and_type = dict(zip(organisations["org_id"].tolist(), zip(organisations["name"].tolist(), organisations["type"].tolist())))
    out: dict[str, list[PartyMention]] = {}
    for doc_id, start, end, org_id in column_rows(organisation_mentions, ("doc_id", "start", "end", "org_id")):
        out.setdefault(doc_id, []).append(PartyMention(int(start), int(end), *name_and_type[org_id]))
    return out


def countries_of_organisations(organisations: pd.DataFrame) -> dict[str, str]:
    """Organisation name -> the common name of its country, for comparing agreements across
    articles ("Gazprom" in one article, "Russia" in another)."""
    out = {}
    for name, code in zip(organisations["name"], organisations["country"]):
        country = country_name_of_code(code) if isinstance(code, str) else None
        if country is not None:
            out[name] = country
    return out


@paused_cycle_collector()
def build_agreements(
    documents: pd.DataFrame,
    monetary_figures: pd.DataFrame,
    organisation_mentions: pd.DataFrame,
    organisations: pd.DataFrame,
    steps: ArticleSteps | None = None,
) -> pd.DataFrame:
    """``agreements``: found per document (``steps``) with its figures and organisations,
    then clustered across documents, then dated (``steps`` again)."""
    steps = steps or ArticleSteps()
    parties = party_mentions_by_doc(organisation_mentions, organisations)
    figures = figures_by_doc(monetary_figures)
    doc_ids = documents["doc_id"].tolist()
    inputs = ((text, figures.get(d, []), parties.get(d, [])) for d, text in zip(doc_ids, documents["text"]))
    found = dict(zip(doc_ids, steps.agreements(inputs)))
    rows = [
        {
            "agreement_id": agreement_id(doc_id, a.start),
            "doc_id": doc_id,
            "text": a.text,
            "start": a.start,
            "end": a.end,
            "mentions": [{"start": s, "end": e} for s, e in a.mentions],
            "kind": a.kind,
            "parties": a.parties,
            "topic": a.topic,
            "amount": a.amount,
            "currency": a.currency,
            "figure_id": figure_id(doc_id, a.figure_start) if a.figure_start is not None else None,
            "status": a.status,
            "year": a.year,
            "cluster_id": a.cluster_key,
        }
        for doc_id, agreements in assign_clusters(found, countries_of_organisations(organisations)).items()
        for a in agreements
    ]
    dating = agreement_times_inputs(rows, documents)
    times = dict(zip(dating, steps.agreement_times(dating.values())))
    return flagged_frame("agreements", with_agreement_time(rows, documents, times=times))


def build_tables(raw_dir: Path, steps: ArticleSteps | None = None) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Every published table built from a folder of raw articles, without Dagster, and the
    source records for the manifest (what the assets compute, in one call)."""
    steps = steps or ArticleSteps()
    raw = build_raw_articles(raw_dir, steps)
    documents, _ = build_documents(raw, steps)
    mentions, organisations = build_organisation_tables(documents, steps)
    figures = build_monetary_figures(documents, steps)
    tables = {
        "documents": documents,
        "organisations": organisations,
        "organisation_mentions": mentions,
        "monetary_figures": figures,
        "agreements": build_agreements(documents, figures, mentions, organisations, steps),
    }
    return tables, source_records(raw)
