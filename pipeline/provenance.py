"""Provenance and time columns of the built tables: where and when each article was
published, agreement dates resolved against it, and amounts in USD at its day's rate.

Pure functions over the rows :mod:`pipeline.build` makes, applied after the per-article
extraction (so the cached extraction results never depend on the sidecar or the rates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from pipeline.extract.dates import agreement_time, find_published_date
from pipeline.extract.rates import RateTable, default_rate_table
from pipeline.ingest.cleaning import CleanedDocument

SIDECAR, TEXT = "sidecar", "text"


def present(value: Any) -> Any:
    """A cell's value, None when empty (null, NaN, pandas' NA); lists and dicts as they are.

    >>> present(float("nan")), present(["a"]), present("x")
    (None, ['a'], 'x')
    """
    return None if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)) else value


def publication_columns(raw: Any, cleaned: CleanedDocument) -> dict[str, Any]:
    """The ``documents`` columns of provenance for one article: url and outlet from the
    sidecar; ``published_at`` from the sidecar, else from the article's own date line
    (with its evidence), else null. ``raw`` is a ``raw_articles`` row.

    >>> from pipeline.ingest.cleaning import clean_text
    >>> from types import SimpleNamespace
    >>> raw = SimpleNamespace(url=None, outlet="Wire", published=None)
    >>> cols = publication_columns(raw, clean_text("Pact signed\\n\\nTOKYO, March 2, 2016 (Kyodo) - A pact."))
    >>> cols["published_at"], cols["published_source"], cols["published_evidence"]
    ('2016-03-02', 'text', 'March 2, 2016')
    """
    url, outlet, published = (present(getattr(raw, k, None)) for k in ("url", "outlet", "published"))
    columns: dict[str, Any] = {
        "url": url, "outlet": outlet, "published_at": published, "published_source": SIDECAR if published else None,
        "published_evidence": None, "published_evidence_start": None, "published_evidence_end": None,
    }
    if published is None:
        found = find_published_date(cleaned.text, [r.text for r in cleaned.removed_lines])
        if found is not None:
            columns |= {
                "published_at": found.day.isoformat(), "published_source": TEXT, "published_evidence": found.text,
                "published_evidence_start": found.start, "published_evidence_end": found.end,
            }
    return columns


def publication_day(published_at: Any) -> date | None:
    """The calendar day of a ``published_at`` value (an ISO date or date-time, in the
    time zone it was given in).

    >>> publication_day("2015-09-01T23:30:00-05:00"), publication_day(None)
    (datetime.date(2015, 9, 1), None)
    """
    value = present(published_at)
    return date.fromisoformat(value[:10]) if isinstance(value, str) else None


def publication_days(documents: pd.DataFrame) -> dict[str, date | None]:
    """doc_id -> publication day (None when unknown)."""
    if "published_at" not in documents.columns:
        return {}
    return {d: publication_day(p) for d, p in zip(documents["doc_id"], documents["published_at"])}


def with_usd(rows: Iterable[Mapping[str, Any]], documents: pd.DataFrame, rates: RateTable | None = None) -> list[dict[str, Any]]:
    """``monetary_figures`` rows with ``amount_usd``, ``usd_rate``, ``usd_rate_date``,
    ``usd_rate_source`` and ``usd_missing_reason`` (see :mod:`pipeline.extract.rates`)."""
    rates = rates or default_rate_table()
    days = publication_days(documents)
    out = []
    for row in rows:
        usd = rates.to_usd(present(row.get("amount")), present(row.get("currency")), days.get(row["doc_id"]))
        out.append(
            {
                **row,
                "amount_usd": usd.amount_usd,
                "usd_rate": usd.rate,
                "usd_rate_date": usd.rate_date.isoformat() if usd.rate_date else None,
                "usd_rate_source": usd.source,
                "usd_missing_reason": usd.reason,
            }
        )
    return out


def with_agreement_time(
    rows: Iterable[Mapping[str, Any]], documents: pd.DataFrame, rates: RateTable | None = None
) -> list[dict[str, Any]]:
    """``agreements`` rows with ``year`` and ``date`` from the sentence that names the
    agreement (relative days resolved against the publication day), and ``amount_usd``
    of the value at the publication day's rate."""
    rates = rates or default_rate_table()
    days = publication_days(documents)
    texts = dict(zip(documents["doc_id"], documents["text"]))
    evidence = _evidence_spans(documents)
    out = []
    for row in rows:
        published = days.get(row["doc_id"])
        starts = [int(row["start"])] + [int(m["start"]) for m in row.get("mentions") or [] if int(m["start"]) != int(row["start"])]
        time = agreement_time(texts[row["doc_id"]], starts, published, present(row.get("year")), evidence.get(row["doc_id"]))
        usd = rates.to_usd(present(row.get("amount")), present(row.get("currency")), published)
        out.append({**row, "year": time.year, "date": time.day.isoformat() if time.day else None, "amount_usd": usd.amount_usd})
    return out


def _evidence_spans(documents: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """doc_id -> the offsets of its publication date's evidence, where it has some."""
    if "published_evidence_start" not in documents.columns:
        return {}
    return {
        d: (int(s), int(e))
        for d, s, e in zip(documents["doc_id"], documents["published_evidence_start"], documents["published_evidence_end"])
        if pd.notna(s) and pd.notna(e)
    }


__all__ = ["SIDECAR", "TEXT", "publication_columns", "publication_day", "publication_days", "with_agreement_time", "with_usd"]
