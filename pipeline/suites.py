"""Expectation suites derived from the table schemas and stored under ``schemas/suites/``.

``python -m pipeline suites --write`` regenerates the stored suites; a test fails when a
stored suite differs from what its schema derives (the two cannot drift).

Columns whose names start with ``_`` are not in the tables: the validator derives them
for a check (the document slice an evidence row must equal, the document length, ...).
Values that come from other tables (the ids a foreign key may take) are suite parameters,
filled in at validation time.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pipeline.paths import SCHEMAS_DIR
from pipeline.schemas import TABLE_NAMES, TableSchema, load_table_schema

SUITES_DIR = SCHEMAS_DIR / "suites"


def _expectation(type_: str, rule: str, severity: str = "critical", **kwargs: Any) -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs, "meta": {"rule": rule}, "severity": severity}


def parameter_name(resource: str, field: str) -> str:
    """Name of the suite parameter holding the values of ``resource.field``.

    >>> parameter_name("documents", "doc_id")
    'documents_doc_id'
    """
    return f"{resource}_{field}"


def derived_columns(schema: TableSchema) -> list[str]:
    """The check columns the validator appends to a table, in order: the evidence columns,
    then those the schema's meaning checks name."""
    columns = []
    if schema.evidence:
        columns += ["_document_length", "_document_slice"]
        columns += ["_spans_valid"] if "spans" in schema.evidence else []
    for check in schema.checks:
        for key in ("column", "column_A", "column_B"):
            name = check["kwargs"].get(key)
            if isinstance(name, str) and name.startswith("_") and name not in columns:
                columns.append(name)
    return columns


def release_parameter(table: str, what: str) -> str:
    """Name of a release-level suite parameter ("agreements_min_rows").

    >>> release_parameter("agreements", "max_rows")
    'agreements_max_rows'
    """
    return f"{table}_{what}"


def release_expectations(schema: TableSchema) -> list[dict[str, Any]]:
    """Assertions on the whole table, as in mature open-data publishers: row counts relative
    to the number of documents (too few blocks, too many warns), fill rates of key columns
    and drift against the previous release (warnings)."""
    spec = schema.release_assertions
    if not spec:
        return []
    per_doc = spec.get("rowsPerDocument")
    low = f"at least {per_doc['min']} rows per document" if per_doc else f"at least {spec.get('minRows', 0)} rows"
    exps = [
        _expectation(
            "expect_table_row_count_to_be_between", low, "critical",
            min_value={"$PARAMETER": release_parameter(schema.name, "min_rows")}, max_value=None,
        )
    ]
    if per_doc:
        exps.append(
            _expectation(
                "expect_table_row_count_to_be_between", f"at most {per_doc['max']} rows per document", "warning",
                min_value=None, max_value={"$PARAMETER": release_parameter(schema.name, "max_rows")},
            )
        )
    if "maxShrink" in spec:
        exps.append(
            _expectation(
                "expect_table_row_count_to_be_between",
                f"the table keeps at least {1 - spec['maxShrink']:.0%} of the previous release's rows",
                "warning",
                min_value={"$PARAMETER": release_parameter(schema.name, "shrink_floor")}, max_value=None,
            )
        )
    for column, rate in spec.get("fillRates", {}).items():
        exps.append(
            _expectation(
                "expect_column_values_to_not_be_null", f"{column} is filled in at least {rate:.0%} of rows",
                "warning", column=column, mostly=rate,
            )
        )
    return exps


def derive_suite(schema: TableSchema) -> dict[str, Any]:
    """The expectation suite (GX 1.x JSON) that a table schema implies."""
    exps = [
        _expectation(
            "expect_table_columns_to_match_ordered_list",
            "the table has exactly the schema's columns, in order (then the derived check columns)",
            column_list=schema.column_names + derived_columns(schema),
        )
    ]
    for f in schema.fields:
        c = f.constraints
        if c.get("required"):
            exps.append(_expectation("expect_column_values_to_not_be_null", f"{f.name} is required", column=f.name))
        if c.get("unique") or schema.primary_key == (f.name,):
            exps.append(_expectation("expect_column_values_to_be_unique", f"{f.name} is unique", column=f.name))
        if "enum" in c:
            exps.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    f"{f.name} takes one of its allowed values",
                    column=f.name,
                    value_set=list(c["enum"]),
                )
            )
        if "pattern" in c:
            exps.append(
                _expectation(
                    "expect_column_values_to_match_regex",
                    f"{f.name} matches its pattern",
                    column=f.name,
                    regex=f"^(?:{c['pattern']})$",
                )
            )
        if "minimum" in c or "maximum" in c:
            exps.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    f"{f.name} lies within its bounds",
                    column=f.name,
                    min_value=c.get("minimum"),
                    max_value=c.get("maximum"),
                )
            )
        if "minLength" in c:
            exps.append(
                _expectation(
                    "expect_column_value_lengths_to_be_between",
                    f"{f.name} is not empty",
                    column=f.name,
                    min_value=c["minLength"],
                    max_value=None,
                )
            )
    for fk in schema.foreign_keys:
        ref = fk["reference"]
        exps.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                f"every {fk['fields']} resolves to a row of {ref['resource']}",
                column=fk["fields"],
                value_set={"$PARAMETER": parameter_name(ref["resource"], ref["fields"])},
            )
        )
    if schema.evidence:
        ev = schema.evidence
        exps += [
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "evidence ends after it starts",
                column_A=ev["end"],
                column_B=ev["start"],
                or_equal=False,
            ),
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "evidence lies inside its document",
                column_A="_document_length",
                column_B=ev["end"],
                or_equal=True,
            ),
            _expectation(
                "expect_column_pair_values_to_be_equal",
                "text equals documents.text[start:end]",
                column_A=ev["text"],
                column_B="_document_slice",
            ),
        ]
        if "spans" in ev:
            exps.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    f"every span of {ev['spans']} lies inside its document and ends after it starts",
                    column="_spans_valid",
                    value_set=[True],
                )
            )
    for check in schema.checks:
        exps.append(_expectation(check["expectation"], check["rule"], check.get("severity", "critical"), **check["kwargs"]))
    exps += release_expectations(schema)
    return {
        "name": schema.name,
        "expectations": exps,
        "meta": {"derived_from": f"schemas/tables/{schema.name}.schema.json"},
    }


def suite_path(name: str):
    return SUITES_DIR / f"{name}.json"


def render_suite(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def write_suites() -> list[str]:
    """(Re)write every stored suite from its schema; returns the names written."""
    SUITES_DIR.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        suite_path(name).write_text(render_suite(derive_suite(load_table_schema(name))), encoding="utf-8")
    return list(TABLE_NAMES)


@cache
def load_suite(name: str) -> dict[str, Any]:
    """The stored suite of a table (``schemas/suites/<name>.json``)."""
    return json.loads(suite_path(name).read_text(encoding="utf-8"))
