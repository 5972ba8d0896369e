"""Run the stored Great Expectations suites on tables and report the results as plain data.

``validate_table`` is what the Dagster asset checks call and what the release step runs
on the staged Parquet files; the results are plain dataclasses, ready for JSON.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pandas as pd

from pipeline.extract.countries import default_country_forms
from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.quality.suites import derived_columns, load_suite, parse_reference_column, release_parameter

MAX_EXAMPLES = 10


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    rule: str
    column: str | None
    severity: str
    success: bool
    observed_value: Any
    unexpected_count: int
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteResult:
    table: str
    row_count: int
    outcomes: list[ExpectationOutcome]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    @property
    def success(self) -> bool:
        return not self.blocking_failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row_count": self.row_count,
            "success": self.success,
            "evaluated": len(self.outcomes),
            "failed_blocking": len(self.blocking_failures),
            "failed_warning": len(self.warnings),
            "expectations": [asdict(o) for o in self.outcomes],
        }

    def describe_failures(self) -> str:
        lines = []
        for o in self.blocking_failures + self.warnings:
            where = f" on {o.column}" if o.column else ""
            lines.append(
                f"{self.table}: {o.severity} {o.expectation}{where} ({o.rule}): "
                f"{o.unexpected_count} unexpected; e.g. {o.examples[:3]}"
            )
        return "\n".join(lines)


@cache
def _gx_batch_definition(table: str) -> Any:
    """One ephemeral GX context per process, one dataframe asset per table."""
    source = _gx_context().data_sources.add_or_update_pandas(f"pipeline_{table}")
    return source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(f"{table}_whole")


@cache
def _gx_context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def suite_parameters(
    tables: dict[str, pd.DataFrame], previous_counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """Values the suites leave open, filled from the release being validated:

    * ``<table>_min_rows`` / ``_max_rows``: row-count bounds, per document where the schema
      says so; ``<table>_shrink_floor``: the least row count that is not a drift warning
      against the previous release (0 without one);
    * ``latest_plausible_year``: ten years after this one.
    """
    n_docs = len(tables["documents"]) if "documents" in tables else 0
    params: dict[str, Any] = {"latest_plausible_year": datetime.now(UTC).year + 10}
    for name in TABLE_NAMES:
        spec = load_table_schema(name).release_assertions
        per_doc = spec.get("rowsPerDocument")
        if per_doc:
            params[release_parameter(name, "min_rows")] = math.ceil(per_doc["min"] * n_docs)
            params[release_parameter(name, "max_rows")] = math.floor(per_doc["max"] * max(n_docs, 1))
        else:
            params[release_parameter(name, "min_rows")] = spec.get("minRows", 0)
            params[release_parameter(name, "max_rows")] = None
        previous = (previous_counts or {}).get(name, 0)
        params[release_parameter(name, "shrink_floor")] = math.ceil(previous * (1 - spec.get("maxShrink", 1)))
    return params


def _known_parties(tables: dict[str, pd.DataFrame]) -> set[str]:
    names = {n for names in default_country_forms().values() for n in names}
    organisations = tables.get("organisations")
    if organisations is not None:
        names |= set(organisations["name"])
    return names


def _derived_meaning_columns(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> dict[str, list]:
    """The ``_`` columns the meaning checks of table ``name`` read."""
    wanted = set(derived_columns(load_table_schema(name)))
    out: dict[str, list] = {}
    if "_title_is_first_line" in wanted:
        out["_title_is_first_line"] = [
            isinstance(t, str) and t.split("\n", 1)[0].strip() == title
            for t, title in zip(frame["text"], frame["title"])
        ]
    if "_text_length" in wanted:
        out["_text_length"] = [len(t) if isinstance(t, str) else -1 for t in frame["text"]]
    if "_amount_below_ceiling" in wanted:
        ceilings = load_table_schema(name).release_assertions["amountCeilings"]
        out["_amount_below_ceiling"] = [
            pd.isna(a) or a < ceilings.get(c if isinstance(c, str) else "", ceilings["default"])
            for a, c in zip(frame["amount"], frame["currency"])
        ]
    if "_null_amount_is_unknown" in wanted:
        out["_null_amount_is_unknown"] = [
            pd.notna(a) or q == "unknown" for a, q in zip(frame["amount"], frame["qualifier"])
        ]
    if "_party_count" in wanted:
        out["_party_count"] = [0 if p is None else len(p) for p in frame["parties"]]
    if "_parties_known" in wanted:
        known = _known_parties(tables)
        out["_parties_known"] = [p is not None and all(x in known for x in p) for p in frame["parties"]]
    if "_value_matches_figure" in wanted:
        figures = tables.get("monetary_figures")
        value_of = (
            {}
            if figures is None
            else {f: (a, c) for f, a, c in zip(figures["figure_id"], figures["amount"], figures["currency"])}
        )
        out["_value_matches_figure"] = [
            (pd.isna(a) if pd.isna(f) else f in value_of and _same_value((a, c), value_of[f]))
            for f, a, c in zip(frame["figure_id"], frame["amount"], frame["currency"])
        ]
    return out


def _same_value(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    amounts = (pd.isna(a[0]) and pd.isna(b[0])) or (
        pd.notna(a[0]) and pd.notna(b[0]) and math.isclose(float(a[0]), float(b[0]), rel_tol=1e-9)
    )
    currencies = (pd.isna(a[1]) and pd.isna(b[1])) or a[1] == b[1]
    return bool(amounts and currencies)


def validation_frame(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The table plus the derived ``_`` columns its suite checks: evidence against the
    documents, and what the meaning checks need (in :func:`pipeline.quality.suites.derived_columns`
    order)."""
    schema = load_table_schema(name)
    out = frame.copy()
    ev = schema.evidence
    if ev:
        documents = tables.get("documents")
        texts = {} if documents is None else dict(zip(documents["doc_id"], documents["text"]))
        doc_texts = [texts.get(d) for d in frame[ev["document"]]]
        out["_document_length"] = [len(t) if t is not None else -1 for t in doc_texts]
        out["_document_slice"] = [
            t[int(s) : int(e)] if t is not None and pd.notna(s) and pd.notna(e) else None
            for t, s, e in zip(doc_texts, frame[ev["start"]], frame[ev["end"]])
        ]
        if "spans" in ev:
            out["_spans_valid"] = [
                t is not None
                and spans is not None
                and all(0 <= sp["start"] < sp["end"] <= len(t) for sp in spans)
                for t, spans in zip(doc_texts, frame[ev["spans"]])
            ]
    for column, values in _derived_meaning_columns(name, frame, tables).items():
        out[column] = values
    for column in derived_columns(schema):
        reference = parse_reference_column(column)
        if reference:
            own, table, field = reference
            target = tables.get(table)
            known = target[field] if target is not None else pd.Series([], dtype=object)
            out[column] = frame[own].isna() | frame[own].isin(known)  # an empty reference is no reference
    return out[frame.columns.tolist() + [c for c in derived_columns(schema) if c in out.columns]]


def validate_table(
    name: str,
    frame: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    previous_counts: dict[str, int] | None = None,
) -> SuiteResult:
    """Run the stored suite of table ``name`` on ``frame``; ``tables`` supplies the tables
    it refers to (documents for evidence, the targets of its references) and
    ``previous_counts`` the row counts of the previous release (for drift)."""
    import great_expectations as gx

    suite_json = load_suite(name)
    suite = gx.ExpectationSuite(
        name=suite_json["name"], expectations=[dict(e) for e in suite_json["expectations"]]
    )
    data = validation_frame(name, frame, tables)
    # GX filters the whole frame once per expectation; Arrow-backed strings are copied by each
    # filter (the documents' texts: hundreds of MB), Python objects only by reference.
    data = data.astype({c: object for c in data.columns if isinstance(data[c].dtype, pd.StringDtype)})
    data = data.reset_index(drop=True)
    batch = _gx_batch_definition(name).get_batch(batch_parameters={"dataframe": data})
    result = batch.validate(
        suite,
        expectation_parameters=suite_parameters(tables, previous_counts),
        result_format={"result_format": "COMPLETE"},
    )
    outcomes = []
    for item in result.results:  # GX orders results its own way; each carries its config
        cfg = item.expectation_config
        res = item.result or {}
        indexes = res.get("unexpected_index_list") or []
        examples = [_example_row(data, i) for i in indexes[:MAX_EXAMPLES] if isinstance(i, int)]
        outcomes.append(
            ExpectationOutcome(
                expectation=cfg.type,
                rule=(cfg.meta or {}).get("rule", cfg.type),
                column=cfg.kwargs.get("column") or cfg.kwargs.get("column_A"),
                severity=str(getattr(cfg.severity, "value", cfg.severity) or "critical"),
                success=bool(item.success),
                observed_value=_plain(res.get("observed_value")),
                unexpected_count=int(res.get("unexpected_count") or 0),
                examples=examples,
            )
        )
    return SuiteResult(table=name, row_count=len(frame), outcomes=outcomes)


def _example_row(data: pd.DataFrame, index: int) -> dict[str, Any]:
    row = data.iloc[index]
    keep = [c for c in data.columns if not c.startswith("_")][:1] + [
        c for c in ("doc_id", "text", "start", "end") if c in data.columns
    ]
    return {"row": index} | {c: _plain(row[c]) for c in dict.fromkeys(keep)}


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a value from GX or pandas."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def validate_tables(
    tables: dict[str, pd.DataFrame], previous_counts: dict[str, int] | None = None
) -> dict[str, SuiteResult]:
    """Every release table's suite."""
    return {name: validate_table(name, tables[name], tables, previous_counts) for name in TABLE_NAMES}
