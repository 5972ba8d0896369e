"""Run the stored Great Expectations suites on tables and report the results as plain data.

``validate_table`` is what the Dagster asset checks call (on the tables loaded from the run's
Parquet files); the results are plain dataclasses, ready for JSON. A check keeps its result
beside the table's file, keyed by :func:`validation_key` (the sha256 of every file the suite
read, the suite and the previous release's row counts), so that the release step reuses it
for the same bytes instead of validating again (:func:`stored_result`). Each failed
expectation is described by what was observed: the number of rows that break it and
example rows, or the observed value of a whole-table assertion and the bound it missed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.extract.countries import default_country_forms
from pipeline.extract.rates import default_rate_table, rate_is_source_rate, usd_is_amount_times_rate
from pipeline.provenance import present
from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.quality.flags import (
    FLAGS_COLUMN,
    flag_counts,
    flag_ids,
    flagged_row_count,
    flagged_tables,
    quality_flags,
    row_check_columns,
)
from pipeline.quality.suites import (
    FLAGS_EXACT,
    FLAGS_KNOWN,
    derived_columns,
    load_suite,
    parse_reference_column,
    release_parameter,
)

MAX_EXAMPLES = 10
EXAMPLE_TEXT_CHARS = 160  # evidence shown in an example row (a document's text is cut)
WHOLE_TABLE = {"expect_table_row_count_to_be_between", "expect_table_columns_to_match_ordered_list"}


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
    flag: str | None = None  # the quality flag of a meaning check
    expected: dict[str, Any] = field(default_factory=dict)  # bounds, with parameters filled in

    def observation(self, row_count: int, with_examples: bool = True) -> str:
        """What was observed, in words: the rows that break the expectation and examples,
        or a whole-table value and the bound it missed.

        >>> ExpectationOutcome("expect_table_row_count_to_be_between", "at least 0.2 rows per document",
        ...     None, "warning", False, 3, 0, expected={"min_value": 400}).observation(3)
        'observed 3 rows; expected at least 400'
        >>> ExpectationOutcome("expect_column_values_to_not_be_null", "status is filled in at least 50% of rows",
        ...     "status", "warning", False, None, 3, [{"row": 0}], expected={"mostly": 0.5}).observation(4)
        '1 of 4 rows filled (25%), expected at least 50%; empty in 3 rows, e.g. [{"row": 0}]'
        """
        if self.expectation == "expect_table_row_count_to_be_between":
            low, high = self.expected.get("min_value"), self.expected.get("max_value")
            bounds = " and ".join(
                b for b in (f"at least {low}" if low is not None else "", f"at most {high}" if high is not None else "") if b
            )
            return f"observed {self.observed_value} rows; expected {bounds or 'any number'}"
        if self.expectation in WHOLE_TABLE:
            return f"observed {self.observed_value}; expected {self.expected}"
        shown = json.dumps(self.examples[:3], ensure_ascii=False)
        examples = f", e.g. {shown}" if self.examples and with_examples else ""
        if self.expected.get("mostly") is not None and self.expectation == "expect_column_values_to_not_be_null":
            filled = row_count - self.unexpected_count
            rate = filled / row_count if row_count else 0.0
            return (
                f"{filled} of {row_count} rows filled ({rate:.0%}), expected at least {self.expected['mostly']:.0%}; "
                f"empty in {self.unexpected_count} rows{examples}"
            )
        return f"{self.unexpected_count} of {row_count} rows break it{examples}"


@dataclass(frozen=True)
class SuiteResult:
    table: str
    row_count: int
    outcomes: list[ExpectationOutcome]
    flag_counts: dict[str, int] = field(default_factory=dict)  # rows per quality flag
    flagged_rows: int = 0  # rows with at least one quality flag

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
            "flagged_rows": self.flagged_rows,
            "quality_flags": self.flag_counts,
            "expectations": [asdict(o) for o in self.outcomes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SuiteResult:
        """The result :meth:`to_dict` wrote (a stored result read back)."""
        return cls(
            table=data["table"],
            row_count=int(data["row_count"]),
            outcomes=[ExpectationOutcome(**o) for o in data["expectations"]],
            flag_counts=dict(data.get("quality_flags") or {}),
            flagged_rows=int(data.get("flagged_rows") or 0),
        )

    def describe_failures(self) -> str:
        """One line per failed expectation, blocking ones first: table, severity, rule,
        expectation and column, the flag it sets, and what was observed."""
        lines = []
        for o in self.blocking_failures + self.warnings:
            where = f" on {o.column}" if o.column else ""
            flag = f" (flag {o.flag})" if o.flag else ""
            lines.append(
                f"{self.table}: {o.severity} {o.rule}{flag} [{o.expectation}{where}]: {o.observation(self.row_count)}"
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
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every in-memory batch it is given (a batch marker, nothing reads it
    # back) with md5 over a pickle of the whole frame when pandas cannot hash a column (our
    # list columns), twice per validation: 3.5 s of 12 s for the five tables of 10,000
    # articles. Frames above HASH_THRESHOLD bytes are not fingerprinted; the tables' own
    # fingerprint is the sha256 of their Parquet files, which the validation key holds.
    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def prepare_validation() -> None:
    """What every validation needs first, done before the first table (the validation
    worker does it while the run's first assets are built): import GX, make its context and
    each table's batch definition, read the suites, the USD rates and the country names."""
    for name in TABLE_NAMES:
        _gx_batch_definition(name)
        load_suite(name)
    default_rate_table()
    default_country_forms()


def suite_parameters(
    tables: dict[str, pd.DataFrame], previous_counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """Values the suites leave open, filled from the release being validated:

    * ``<table>_min_rows`` / ``_max_rows``: row-count bounds, per document where the schema
      says so; ``<table>_shrink_floor``: the least row count that is not a drift warning
      against the previous release (0 without one).
    """
    n_docs = len(tables["documents"]) if "documents" in tables else 0
    params: dict[str, Any] = {}
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


def _derived_check_columns(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> dict[str, list]:
    """The ``_`` columns the checks of table ``name`` read, besides evidence and references:
    the row-local ones (shared with the quality flags), the cross-table integrity ones, and
    the two that check the ``quality_flags`` column itself."""
    wanted = set(derived_columns(load_table_schema(name)))
    out: dict[str, list] = row_check_columns(name, frame)
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
    out |= provenance_check_columns(wanted, frame)
    if FLAGS_KNOWN in wanted:
        ids = set(flag_ids(name))
        stored = [None if f is None else [str(x) for x in f] for f in frame[FLAGS_COLUMN]]
        out[FLAGS_KNOWN] = [f is not None and set(f) <= ids and len(set(f)) == len(f) for f in stored]
        implied = quality_flags(name, frame)
        out[FLAGS_EXACT] = [f is not None and f == i for f, i in zip(stored, implied)]
    return out


def provenance_check_columns(wanted: set[str], frame: pd.DataFrame) -> dict[str, list]:
    """The integrity columns of the publication date's evidence and of the USD amounts:
    the evidence is the text at its offsets; ``amount_usd == amount * usd_rate``; the rate
    is the rate source's own fixing of ``usd_rate_date`` (see :mod:`pipeline.extract.rates`)."""
    out: dict[str, list] = {}
    if "_published_evidence_in_text" in wanted:
        out["_published_evidence_in_text"] = [
            (pd.isna(s) and pd.isna(e)) or (isinstance(t, str) and pd.notna(s) and pd.notna(e) and t[int(s) : int(e)] == ev)
            for t, ev, s, e in zip(
                frame["text"], frame["published_evidence"], frame["published_evidence_start"], frame["published_evidence_end"]
            )
        ]
    if "_usd_is_amount_times_rate" in wanted:
        out["_usd_is_amount_times_rate"] = [
            usd_is_amount_times_rate(present(a), present(u), present(r), present(why))
            for a, u, r, why in zip(frame["amount"], frame["amount_usd"], frame["usd_rate"], frame["usd_missing_reason"])
        ]
    if "_usd_rate_is_source_rate" in wanted:
        rates = default_rate_table()
        out["_usd_rate_is_source_rate"] = [
            (not isinstance(d, str) or _iso_day(d) is not None)
            and rate_is_source_rate(rates, present(c), present(r), _iso_day(d))
            for c, r, d in zip(frame["currency"], frame["usd_rate"], frame["usd_rate_date"])
        ]
    return out


def _iso_day(value: Any) -> date | None:
    """An ISO date cell as a date; None when empty or not an ISO date."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


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
    for column, values in _derived_check_columns(name, frame, tables).items():
        out[column] = values
    for column in derived_columns(schema):
        reference = parse_reference_column(column)
        if reference:
            own, table, field = reference
            target = tables.get(table)
            known = set(target[field].dropna().tolist()) if target is not None else set()
            values = frame[own]
            # an empty reference is no reference; a set lookup, not pandas' isin over Arrow
            # strings (about 0.2 s per column at 10,000 articles)
            out[column] = values.isna().to_numpy() | np.fromiter(
                (v in known for v in values.tolist()), dtype=bool, count=len(values)
            )
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
    parameters = suite_parameters(tables, previous_counts)
    result = batch.validate(
        suite,
        expectation_parameters=parameters,
        result_format={"result_format": "COMPLETE"},
    )
    outcomes = []
    for item in result.results:  # GX orders results its own way; each carries its config
        cfg = item.expectation_config
        res = item.result or {}
        indexes = res.get("unexpected_index_list") or []
        checked = [cfg.kwargs.get(k) for k in ("column", "column_A", "column_B")]
        examples = [_example_row(data, i, checked) for i in indexes[:MAX_EXAMPLES] if isinstance(i, int)]
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
                flag=(cfg.meta or {}).get("flag"),
                expected=_expected(cfg.kwargs, parameters),
            )
        )
    return SuiteResult(
        table=name, row_count=len(frame), outcomes=outcomes,
        flag_counts=flag_counts(frame), flagged_rows=flagged_row_count(frame),
    )


def _expected(kwargs: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The bounds and sets an expectation was checked against, parameters filled in."""
    keys = ("min_value", "max_value", "mostly", "column_list", "value_set", "regex", "strict_min", "or_equal")
    out = {}
    for key in keys:
        value = kwargs.get(key)
        if isinstance(value, dict) and "$PARAMETER" in value:
            value = parameters.get(value["$PARAMETER"])
        if key in kwargs:
            out[key] = _plain(value)
    return out


def _example_row(data: pd.DataFrame, index: int, checked: list[Any]) -> dict[str, Any]:
    """An unexpected row as shown in reports: its id, document and evidence (texts cut to
    ``EXAMPLE_TEXT_CHARS``), the values of the checked columns, and its quality flags."""
    row = data.iloc[index]
    keep = [c for c in data.columns if not c.startswith("_")][:1] + [
        c for c in ("doc_id", "text", "start", "end") if c in data.columns
    ]
    keep += [c for c in checked if isinstance(c, str) and c in data.columns]
    keep += [FLAGS_COLUMN] if FLAGS_COLUMN in data.columns else []
    out: dict[str, Any] = {"row": index}
    for c in dict.fromkeys(keep):
        value = _plain(row[c])
        if isinstance(value, str) and len(value) > EXAMPLE_TEXT_CHARS:
            value = value[:EXAMPLE_TEXT_CHARS] + "…"
        out[c] = value
    return out


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a value from GX or pandas."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, np.ndarray):  # a list cell read from Parquet
        return [_plain(v) for v in value.tolist()]
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def suite_inputs(name: str) -> tuple[str, ...]:
    """The tables the suite of table ``name`` reads: itself, documents (row-count bounds per
    document, evidence), the targets of its references and of its meaning checks.

    >>> suite_inputs("monetary_figures")
    ('documents', 'monetary_figures')
    """
    wanted = set(derived_columns(load_table_schema(name)))
    inputs = {name, "documents"}
    inputs |= {ref[1] for ref in map(parse_reference_column, wanted) if ref}
    inputs |= {"organisations"} if "_parties_known" in wanted else set()
    inputs |= {"monetary_figures"} if "_value_matches_figure" in wanted else set()
    return tuple(t for t in TABLE_NAMES if t in inputs)


def validation_key(name: str, file_sha256: Mapping[str, str], previous_counts: Mapping[str, int] | None) -> str:
    """What a suite's result depends on, as one sha256: the suite itself, the sha256 of the
    Parquet file of every table it reads (:func:`suite_inputs`) and the previous release's
    row counts (the drift bounds). Equal keys give equal results."""
    material = {
        "suite": load_suite(name),
        "files": {t: file_sha256[t] for t in suite_inputs(name)},
        "previous": dict(previous_counts or {}),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()


def result_path(table_file: Path) -> Path:
    """Where the result of a table file's suite is kept: beside the file.

    >>> result_path(Path("runs/r1/documents.parquet")).as_posix()
    'runs/r1/documents.parquet.validation.json'
    """
    return table_file.with_name(f"{table_file.name}.validation.json")


def store_result(table_file: Path, key: str, result: SuiteResult) -> None:
    """Keep ``result`` beside ``table_file`` under ``key`` (written whole, then renamed)."""
    target = result_path(table_file)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "result": result.to_dict()}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target)


def stored_result(table_file: Path, key: str) -> SuiteResult | None:
    """The result kept beside ``table_file`` when it was computed under ``key``, else None
    (none kept, another key, or unreadable: the caller validates)."""
    try:
        data = json.loads(result_path(table_file).read_text(encoding="utf-8"))
        return SuiteResult.from_dict(data["result"]) if data.get("key") == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


#: Results kept in a store of results by validation key (the newest kept, older removed).
KEPT_RESULTS = 40


def keep_result(store: Path, key: str, result: SuiteResult, kept: int = KEPT_RESULTS) -> None:
    """Keep ``result`` in ``store`` as ``<key>.validation.json``; only the ``kept`` newest stay.

    The same key means the same suite on the same bytes of every table it reads: a later
    run whose tables equal an earlier run's reads the result instead of validating again.
    """
    store.mkdir(parents=True, exist_ok=True)
    store_result(store / key, key, result)
    results = sorted(store.glob("*.validation.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in results[kept:]:
        old.unlink(missing_ok=True)


def kept_result(store: Path, key: str) -> SuiteResult | None:
    """The result ``store`` keeps under ``key``, else None.

    >>> import tempfile
    >>> store = Path(tempfile.mkdtemp())
    >>> keep_result(store, "k1", SuiteResult(table="documents", row_count=3, outcomes=[]))
    >>> kept_result(store, "k1").row_count, kept_result(store, "k2")
    (3, None)
    """
    return stored_result(store / key, key)


def validate_tables(
    tables: dict[str, pd.DataFrame], previous_counts: dict[str, int] | None = None
) -> dict[str, SuiteResult]:
    """Every release table's suite."""
    return {name: validate_table(name, tables[name], tables, previous_counts) for name in TABLE_NAMES}


def validation_outcome(results: dict[str, SuiteResult]) -> dict[str, Any]:
    """The overall outcome of a release's validation, as recorded in its manifest and
    report: counts, every warning with its flag and what it observed, and the rows per
    quality flag of each table."""
    return {
        "success": all(r.success for r in results.values()),
        "expectations": sum(len(r.outcomes) for r in results.values()),
        "blocking_failures": sum(len(r.blocking_failures) for r in results.values()),
        "warnings": sum(len(r.warnings) for r in results.values()),
        "warned": [
            {
                "table": r.table,
                "rule": o.rule,
                "flag": o.flag,
                "unexpected_count": o.unexpected_count,
                "observed": o.observation(r.row_count, with_examples=False),
                "examples": o.examples[:3],
            }
            for r in results.values()
            for o in r.warnings
        ],
        "quality_flags": {t: results[t].flag_counts for t in flagged_tables() if t in results},
        "flagged_rows": {t: results[t].flagged_rows for t in flagged_tables() if t in results},
        "report": "validation/results.json",
    }
