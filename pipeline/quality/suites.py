"""Expectation suites derived from the table schemas and stored under ``schemas/suites/``.

``python -m pipeline suites --write`` regenerates the stored suites; a test fails when a
stored suite differs from what its schema derives (the two cannot drift).

Columns whose names start with ``_`` are not in the tables: the validator derives them
for a check (the document slice an evidence row must equal, whether a reference resolves,
whether every party is known...). Values that depend on the release as a whole (row-count
bounds per document, the previous release's row counts) are
suite parameters, filled in at validation time.

Severity follows one policy: ``critical`` (blocking) expectations guard integrity only
(types and columns, required values, unique ids, value sets, patterns, references,
evidence offsets, the schema's integrity checks, the ``quality_flags`` column itself);
the schema's meaning checks and the release assertions are ``warning`` expectations. A
meaning check's ``flag`` id is kept in the expectation's ``meta``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from pipeline.paths import SCHEMAS_DIR
from pipeline.quality.flags import FLAGS_COLUMN, flag_ids
from pipeline.schemas import TABLE_NAMES, TableSchema, load_table_schema

SUITES_DIR = SCHEMAS_DIR / "suites"


#: Derived columns of a table with ``quality_flags``: every flag is a known id (no repeats),
#: and the row carries exactly the flags its values imply.
FLAGS_KNOWN = "_quality_flags_known"
FLAGS_EXACT = "_quality_flags_exact"


def _expectation(
    type_: str, rule: str, severity: str = "critical", flag: str | None = None, **kwargs: Any
) -> dict[str, Any]:
    meta = {"rule": rule} | ({"flag": flag} if flag else {})
    return {"type": type_, "kwargs": kwargs, "meta": meta, "severity": severity}


def reference_column(column: str, table: str, field: str | None = None) -> str:
    """Name of the derived column that says whether ``column`` resolves to ``table.field``
    (a value set of 100,000 ids in a suite parameter is copied by GX at every step; a
    boolean column computed with pandas is checked in one pass).

    >>> reference_column("doc_id", "documents")
    '_doc_id_in_documents'
    >>> reference_column("owner", "organisations", "org_id")
    '_owner_in_organisations_org_id'
    """
    return f"_{column}_in_{table}" if field in (None, column) else f"_{column}_in_{table}_{field}"


_REFERENCE = re.compile(
    rf"^_(?P<column>\w+?)_in_(?P<table>{'|'.join(sorted(TABLE_NAMES, key=len, reverse=True))})(?:_(?P<field>\w+))?$"
)


def parse_reference_column(name: str) -> tuple[str, str, str] | None:
    """(column, table, field) of a derived reference column, else None.

    >>> parse_reference_column("_org_id_in_organisation_mentions")
    ('org_id', 'organisation_mentions', 'org_id')
    """
    match = _REFERENCE.match(name)
    if not match:
        return None
    return match["column"], match["table"], match["field"] or match["column"]


def derived_columns(schema: TableSchema) -> list[str]:
    """The check columns the validator appends to a table, in order: the evidence columns,
    then those the schema's meaning checks name."""
    columns = [
        reference_column(fk["fields"], fk["reference"]["resource"], fk["reference"]["fields"])
        for fk in schema.foreign_keys
    ]
    if schema.evidence:
        columns += ["_document_length", "_document_slice"]
        columns += ["_spans_valid"] if "spans" in schema.evidence else []
    for check in schema.checks:
        for key in ("column", "column_A", "column_B"):
            name = check["kwargs"].get(key)
            if isinstance(name, str) and name.startswith("_") and name not in columns:
                columns.append(name)
    if FLAGS_COLUMN in schema.column_names:
        columns += [FLAGS_KNOWN, FLAGS_EXACT]
    return columns


def release_parameter(table: str, what: str) -> str:
    """Name of a release-level suite parameter ("agreements_min_rows").

    >>> release_parameter("agreements", "max_rows")
    'agreements_max_rows'
    """
    return f"{table}_{what}"


def release_expectations(schema: TableSchema) -> list[dict[str, Any]]:
    """Assertions on the whole table, as in mature open-data publishers: row counts relative
    to the number of documents, fill rates of key columns and drift against the previous
    release. What articles say moves them all, so they warn; only a release without any
    row of a table that needs ``minRows`` (documents: an empty release) blocks."""
    spec = schema.release_assertions
    if not spec:
        return []
    per_doc = spec.get("rowsPerDocument")
    if per_doc:
        low, severity = f"at least {per_doc['min']} rows per document", "warning"
    else:
        least = spec.get("minRows", 0)
        low, severity = f"at least {least} row{'' if least == 1 else 's'}", "critical"
    exps = [
        _expectation(
            "expect_table_row_count_to_be_between", low, severity,
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
                column=reference_column(fk["fields"], ref["resource"], ref["fields"]),
                value_set=[True],
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
        exps.append(
            _expectation(
                check["expectation"], check["rule"], check.get("severity", "critical"), check.get("flag"),
                **check["kwargs"],
            )
        )
    if FLAGS_COLUMN in schema.column_names:
        exps += [
            _expectation(
                "expect_column_values_to_be_in_set",
                f"every quality flag is one of: {', '.join(flag_ids(schema.name))} (none repeated)",
                column=FLAGS_KNOWN,
                value_set=[True],
            ),
            _expectation(
                "expect_column_values_to_be_in_set",
                "quality_flags names exactly the meaning rules the row breaks",
                column=FLAGS_EXACT,
                value_set=[True],
            ),
        ]
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
