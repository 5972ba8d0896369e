"""Run the stored Great Expectations suites on tables and report the results as plain data.

``validate_table`` is what the Dagster asset checks call and what the release step runs
on the staged Parquet files; the results are plain dataclasses, ready for JSON.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.suites import load_suite, parameter_name

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


def reference_parameters(tables: dict[str, pd.DataFrame]) -> dict[str, list[Any]]:
    """Suite parameters: for every foreign key target, the values it may take."""
    params: dict[str, list[Any]] = {}
    for name in TABLE_NAMES:
        for fk in load_table_schema(name).foreign_keys:
            ref = fk["reference"]
            key = parameter_name(ref["resource"], ref["fields"])
            frame = tables.get(ref["resource"])
            params[key] = [] if frame is None else frame[ref["fields"]].dropna().tolist()
    return params


def validation_frame(name: str, frame: pd.DataFrame, documents: pd.DataFrame | None) -> pd.DataFrame:
    """The table plus the derived ``_`` columns its suite checks (evidence against documents)."""
    schema = load_table_schema(name)
    if not schema.evidence:
        return frame
    ev = schema.evidence
    texts = {} if documents is None else dict(zip(documents["doc_id"], documents["text"]))
    out = frame.copy()
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
    return out


def validate_table(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> SuiteResult:
    """Run the stored suite of table ``name`` on ``frame``; ``tables`` supplies the tables
    it refers to (documents for evidence, the targets of its foreign keys)."""
    import great_expectations as gx

    suite_json = load_suite(name)
    suite = gx.ExpectationSuite(
        name=suite_json["name"], expectations=[dict(e) for e in suite_json["expectations"]]
    )
    data = validation_frame(name, frame, tables.get("documents"))
    data = data.reset_index(drop=True)
    batch = _gx_batch_definition(name).get_batch(batch_parameters={"dataframe": data})
    result = batch.validate(
        suite,
        expectation_parameters=reference_parameters(tables),
        result_format={"result_format": "COMPLETE"},
    )
    outcomes = []
    for item, spec in zip(result.results, suite_json["expectations"]):
        cfg = item.expectation_config
        res = item.result or {}
        indexes = res.get("unexpected_index_list") or []
        examples = [_example_row(data, i) for i in indexes[:MAX_EXAMPLES] if isinstance(i, int)]
        outcomes.append(
            ExpectationOutcome(
                expectation=cfg.type,
                rule=(cfg.meta or {}).get("rule", spec["meta"]["rule"]),
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


def validate_tables(tables: dict[str, pd.DataFrame]) -> dict[str, SuiteResult]:
    """Every release table's suite."""
    return {name: validate_table(name, tables[name], tables) for name in TABLE_NAMES}
