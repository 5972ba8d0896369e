"""Render the data dictionary (DATA_DICTIONARY.md) from the table schemas."""

from __future__ import annotations

import json

from pipeline.schemas import TableSchema, load_all_schemas
from pipeline.quality.suites import release_expectations

_CONSTRAINT_WORDS = {
    "required": "required",
    "unique": "unique",
    "minimum": "minimum {}",
    "maximum": "maximum {}",
    "minLength": "at least {} characters",
    "pattern": "matches `{}`",
}


def describe_constraints(constraints: dict) -> str:
    """Constraints in words.

    >>> describe_constraints({"required": True, "minimum": 0})
    'required; minimum 0'
    >>> describe_constraints({"enum": ["a", "b"]})
    'one of: `a`, `b`'
    """
    parts = []
    for key, value in constraints.items():
        if key == "enum":
            shown = ", ".join(f"`{v}`" for v in value[:12])
            more = f" and {len(value) - 12} more ISO codes" if len(value) > 12 else ""
            parts.append(f"one of: {shown}{more}")
        elif key in ("required", "unique"):
            if value:
                parts.append(_CONSTRAINT_WORDS[key])
        elif key in _CONSTRAINT_WORDS:
            parts.append(_CONSTRAINT_WORDS[key].format(value))
    return "; ".join(parts) or "—"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_table(schema: TableSchema) -> str:
    lines = [
        f"## `{schema.name}` — {schema.title}",
        "",
        schema.description,
        "",
        f"File: `{schema.name}.parquet`. Primary key: `{', '.join(schema.primary_key)}`.",
    ]
    for fk in schema.foreign_keys:
        ref = fk["reference"]
        lines.append(f"`{fk['fields']}` refers to `{ref['resource']}.{ref['fields']}`.")
    if schema.evidence:
        lines.append(
            f"Evidence: `{schema.evidence['text']}` equals "
            f"`documents.text[{schema.evidence['start']}:{schema.evidence['end']}]` for every row."
        )
    lines += ["", "| column | type | meaning | example | constraints |", "|---|---|---|---|---|"]
    for f in schema.fields:
        type_ = f.arrow_type_name or f.type
        example = json.dumps(f.example, ensure_ascii=False)
        if len(example) > 80:
            example = example[:77] + "..."
        lines.append(
            f"| `{f.name}` | {type_} | {_cell(f.description)} | `{_cell(example)}` | "
            f"{_cell(describe_constraints(f.constraints))} |"
        )
    checks = [
        f"- {c['rule']}" + (" (warning)" if c.get("severity") == "warning" else "") for c in schema.checks
    ] + [
        f"- {e['meta']['rule']}" + (" (warning)" if e["severity"] == "warning" else "")
        for e in release_expectations(schema)
    ]
    if checks:
        lines += ["", "Checked on every release, besides the constraints above (blocking unless marked):", ""]
        lines += checks
    return "\n".join(lines) + "\n"


def render_dictionary(version: str, validation_link: str = "validation/index.html") -> str:
    schemas = load_all_schemas()
    head = [
        f"# Data dictionary — release {version}",
        "",
        "Tables are Apache Parquet files. Offsets are 0-based character offsets (Unicode code "
        "points) into `documents.text`; every extracted row carries the evidence `text` that "
        "equals `documents.text[start:end]`.",
        "",
        f"Validation results of this release: [{validation_link}]({validation_link}) "
        "(machine-readable: `validation/results.json`).",
        "",
        "Tables: " + ", ".join(f"`{n}`" for n in schemas),
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(render_table(s) for s in schemas.values())
