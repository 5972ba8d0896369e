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


#: One article's input to dating its agreements: the text, the publication day (ISO) or None,
#: the span of the publication date's own evidence or None, and for each agreement its mention
#: starts (its own first) and the extractor's year.
AgreementTimesInput = tuple[str, "str | None", "tuple[int, int] | None", list[tuple[list[int], "int | None"]]]


def agreement_times_inputs(rows: Iterable[Mapping[str, Any]], documents: pd.DataFrame) -> dict[str, AgreementTimesInput]:
    """doc_id -> what :func:`agreement_times` reads of that article's ``agreements`` rows (in
    row order), for the documents that have rows."""
    days = publication_days(documents)
    texts = dict(zip(documents["doc_id"], documents["text"]))
    evidence = _evidence_spans(documents)
    out: dict[str, AgreementTimesInput] = {}
    for row in rows:
        doc_id = row["doc_id"]
        if doc_id not in out:
            day = days.get(doc_id)
            out[doc_id] = (texts[doc_id], day.isoformat() if day else None, evidence.get(doc_id), [])
        start = int(row["start"])
        starts = [start] + [int(m["start"]) for m in row.get("mentions") or [] if int(m["start"]) != start]
        out[doc_id][3].append((starts, present(row.get("year"))))
    return out


def agreement_times(item: AgreementTimesInput) -> list[tuple[int | None, str | None]]:
    """``(year, ISO day)`` of each agreement of one article, from the sentence that names it
    (relative days resolved against the publication day): a pure function of the article,
    so a per-article step that can be cached.

    >>> text = "Lead.\\n\\nIran and Iraq signed the gas deal on Tuesday in Baghdad."
    >>> agreement_times((text, "2021-03-12", None, [([text.index("gas deal")], None)]))
    [(2021, '2021-03-09')]
    """
    text, published, skip, agreements = item
    day = date.fromisoformat(published) if published else None
    out = []
    for starts, year in agreements:
        time = agreement_time(text, starts, day, year, skip)
        out.append((time.year, time.day.isoformat() if time.day else None))
    return out


def with_agreement_time(
    rows: Iterable[Mapping[str, Any]],
    documents: pd.DataFrame,
    rates: RateTable | None = None,
    times: Mapping[str, list[tuple[int | None, str | None]]] | None = None,
) -> list[dict[str, Any]]:
    """``agreements`` rows with ``year`` and ``date`` from the sentence that names the
    agreement (relative days resolved against the publication day), and ``amount_usd``
    of the value at the publication day's rate. ``times`` holds each document's
    :func:`agreement_times` when computed already (e.g. cached), else they are computed here."""
    rates = rates or default_rate_table()
    rows = list(rows)
    if times is None:
        times = {d: agreement_times(item) for d, item in agreement_times_inputs(rows, documents).items()}
    days = publication_days(documents)
    taken: dict[str, int] = {}
    out = []
    for row in rows:
        doc_id = row["doc_id"]
        index = taken[doc_id] = taken.get(doc_id, -1) + 1
        year, day = times[doc_id][index]
        usd = rates.to_usd(present(row.get("amount")), present(row.get("currency")), days.get(doc_id))
        out.append({**row, "year": year, "date": day, "amount_usd": usd.amount_usd})
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


__all__ = ["SIDECAR", "TEXT", "AgreementTimesInput", "agreement_times", "agreement_times_inputs", "publication_columns", "publication_day", "publication_days", "with_agreement_time", "with_usd"]
