"""Meaning rules applied row by row: the ``quality_flags`` column of the extracted tables.

A table schema's ``checks`` are of two kinds:

* **integrity** checks (no ``flag``): the data is what it says it is (counts match the
  text, every party resolves, a linked figure states the agreement's value). They are
  ``critical`` and block a release, like the types, ids, references, value sets and
  evidence offsets the suite derives from the fields.
* **meaning** checks (a stable ``flag`` id, severity ``warning``): what an article says
  may be odd (an agreement without a party, an amount above any budget, a year in the
  past millennium). They never block: a row that breaks one is published with the flag id
  in its ``quality_flags`` list, and the suite's warning expectation counts such rows.

Both the warning expectation (run by Great Expectations) and the flags (computed here,
with pandas) are made from the same check definition, and the suite checks that every
published row carries exactly the flags its values imply, so the two cannot drift apart.
Meaning checks read only the row itself (its columns and the row-local derived columns of
:func:`row_check_columns`), so a row's flags never depend on other rows or tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.tables import make_frame

FLAGS_COLUMN = "quality_flags"

#: Derived columns a meaning check may read: each is computed from its own row alone.
ROW_CHECK_COLUMNS = (
    "_title_is_first_line",
    "_text_length",
    "_amount_below_ceiling",
    "_null_amount_is_unknown",
    "_party_count",
)


@dataclass(frozen=True)
class MeaningRule:
    """One meaning check of a table schema: the flag a row gets when it breaks the rule."""

    table: str
    flag: str
    rule: str
    expectation: str
    kwargs: Mapping[str, Any]

    @property
    def columns(self) -> list[str]:
        """The columns the rule reads.

        >>> MeaningRule("t", "f", "r", "expect_column_values_to_not_be_null", {"column": "amount"}).columns
        ['amount']
        """
        return [self.kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(self.kwargs.get(k), str)]


@cache
def meaning_rules(table: str) -> tuple[MeaningRule, ...]:
    """The meaning checks of ``table``'s schema, in schema order (checks with a ``flag``)."""
    schema = load_table_schema(table)
    rules = tuple(
        MeaningRule(table, c["flag"], c["rule"], c["expectation"], c["kwargs"]) for c in schema.checks if "flag" in c
    )
    for check in schema.checks:
        expected = "warning" if "flag" in check else "critical"
        if check.get("severity", "critical") != expected:
            raise ValueError(f"{table}: check {check['rule']!r} must be {expected} (meaning checks warn, integrity checks block)")
    for rule in rules:
        readable = set(schema.column_names) | set(ROW_CHECK_COLUMNS)
        unreadable = [c for c in rule.columns if c not in readable]
        if unreadable:
            raise ValueError(f"{table}: meaning check {rule.flag!r} reads {unreadable}, which are not row-local")
    flags = [r.flag for r in rules]
    if len(set(flags)) != len(flags):
        raise ValueError(f"{table}: flag ids repeat: {flags}")
    if rules and FLAGS_COLUMN not in schema.column_names:
        raise ValueError(f"{table} has meaning checks but no {FLAGS_COLUMN} column")
    return rules


def flag_ids(table: str) -> list[str]:
    """The flag ids a row of ``table`` may carry.

    >>> flag_ids("agreements")
    ['no_party', 'amount_not_positive', 'implausible_year']
    """
    return [r.flag for r in meaning_rules(table)]


def flagged_tables() -> list[str]:
    """The release tables that have a ``quality_flags`` column."""
    return [n for n in TABLE_NAMES if FLAGS_COLUMN in load_table_schema(n).column_names]


def row_check_columns(table: str, frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The row-local derived columns that ``table``'s checks read, computed from ``frame``."""
    wanted = {
        c
        for check in load_table_schema(table).checks
        for c in (check["kwargs"].get(k) for k in ("column", "column_A", "column_B"))
        if c in ROW_CHECK_COLUMNS
    }
    out: dict[str, list[Any]] = {}
    if "_title_is_first_line" in wanted:
        out["_title_is_first_line"] = [
            isinstance(t, str) and t.split("\n", 1)[0].strip() == title for t, title in zip(frame["text"], frame["title"])
        ]
    if "_text_length" in wanted:
        out["_text_length"] = [len(t) if isinstance(t, str) else -1 for t in frame["text"]]
    if "_amount_below_ceiling" in wanted:
        ceilings = load_table_schema(table).release_assertions["amountCeilings"]
        out["_amount_below_ceiling"] = [
            bool(pd.isna(a) or a < ceilings.get(c if isinstance(c, str) else "", ceilings["default"]))
            for a, c in zip(frame["amount"], frame["currency"])
        ]
    if "_null_amount_is_unknown" in wanted:
        out["_null_amount_is_unknown"] = [
            bool(pd.notna(a) or q == "unknown") for a, q in zip(frame["amount"], frame["qualifier"])
        ]
    if "_party_count" in wanted:
        out["_party_count"] = [0 if p is None else len(p) for p in frame["parties"]]
    return out


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters[value["$PARAMETER"]]
    return value


def _comparable(column: pd.Series) -> pd.Series:
    """A column whose empty cells compare as NaN (False), even in an object column of None."""
    return column.where(column.notna(), float("nan")) if column.dtype == object else column


def breaks(rule: MeaningRule, data: pd.DataFrame, parameters: Mapping[str, Any]) -> pd.Series:
    """Which rows of ``data`` (a table plus its row check columns) break ``rule``: the rows
    Great Expectations counts as unexpected for the same expectation (an empty value is
    not checked, except by a not-null rule)."""
    with np.errstate(invalid="ignore"):  # NaN compares as False: an empty cell breaks no bound
        return _breaks(rule, data, {k: _resolve(v, parameters) for k, v in rule.kwargs.items()})


def _breaks(rule: MeaningRule, data: pd.DataFrame, kw: dict[str, Any]) -> pd.Series:
    kind = rule.expectation
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _comparable(data[kw["column_A"]]), _comparable(data[kw["column_B"]])
        skip = {"either_value_is_missing": a.isna() | b.isna(), "both_values_are_missing": a.isna() & b.isna()}[
            kw.get("ignore_row_if", "both_values_are_missing")
        ]
        holds = (a >= b) if kw.get("or_equal") else (a > b)
        return ~skip & ~holds.fillna(False).astype(bool)
    column = data[kw["column"]]
    present = column.notna()
    if kind == "expect_column_values_to_not_be_null":
        return ~present
    if kind == "expect_column_values_to_be_in_set":
        return present & ~column.isin(kw["value_set"])
    if kind == "expect_column_values_to_not_match_regex":
        return present & column.astype(str).str.contains(kw["regex"], regex=True)
    if kind == "expect_column_values_to_be_between":
        low, high = kw.get("min_value"), kw.get("max_value")
        broken = pd.Series(False, index=data.index)
        column = _comparable(column)
        if low is not None:
            broken |= (column <= low) if kw.get("strict_min") else (column < low)
        if high is not None:
            broken |= (column >= high) if kw.get("strict_max") else (column > high)
        return present & broken.fillna(False).astype(bool)
    raise ValueError(f"{rule.table}: no row evaluation for {kind} (meaning check {rule.flag!r})")


def quality_flags(
    table: str, frame: pd.DataFrame, parameters: Mapping[str, Any] | None = None
) -> list[list[str]]:
    """Each row's flags: the ids of the meaning rules it breaks, in schema order.

    >>> docs = make_frame("documents", [{
    ...     "doc_id": "d1", "source_file": "d1.txt", "title": "Not the first line", "text": "A title\\n\\nBody.",
    ...     "raw_sha256": "0" * 64, "encoding": "utf-8", "n_chars": 15, "n_words": 3, "removed_lines": [],
    ...     **dict.fromkeys(["url", "outlet", "published_at", "published_source", "published_evidence",
    ...                      "published_evidence_start", "published_evidence_end"]),
    ...     "quality_flags": []}])
    >>> quality_flags("documents", docs)
    [['title_not_first_line']]
    """
    rules = meaning_rules(table)
    if not rules or frame.empty:
        return [[] for _ in range(len(frame))]
    parameters = parameters or {}
    data = frame.reset_index(drop=True)
    data = data.assign(**row_check_columns(table, data))
    hits = {r.flag: breaks(r, data, parameters).to_numpy() for r in rules}
    return [[flag for flag, rows in hits.items() if rows[i]] for i in range(len(data))]


def with_quality_flags(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``quality_flags`` column (re)computed."""
    out = frame.copy()
    out[FLAGS_COLUMN] = pd.Series(quality_flags(table, frame), index=frame.index, dtype=object)
    return out


def flagged_frame(table: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The typed frame of ``rows`` (as :func:`pipeline.tables.make_frame`), each row with
    its ``quality_flags``."""
    frame = make_frame(table, [{**r, FLAGS_COLUMN: []} for r in rows])
    return with_quality_flags(table, frame)


def flag_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Rows per flag (flags that no row carries are left out).

    >>> flag_counts(pd.DataFrame({"quality_flags": [["no_party"], [], ["no_party", "implausible_year"]]}))
    {'no_party': 2, 'implausible_year': 1}
    """
    if FLAGS_COLUMN not in frame.columns:
        return {}
    counts: Counter[str] = Counter()
    for flags in frame[FLAGS_COLUMN]:
        if flags is not None:
            counts.update(str(f) for f in flags)
    return dict(counts)


def flagged_row_count(frame: pd.DataFrame) -> int:
    """Rows that carry at least one flag."""
    if FLAGS_COLUMN not in frame.columns:
        return 0
    return int(sum(1 for flags in frame[FLAGS_COLUMN] if flags is not None and len(flags) > 0))
