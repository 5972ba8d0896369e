"""Render the data dictionary (DATA_DICTIONARY.md) from the table schemas."""

from __future__ import annotations

import json

from pipeline.publish.citation import CITATION_FILE
from pipeline.publish.datapackage import LICENSES
from pipeline.schemas import TableSchema, load_all_schemas
from pipeline.quality.flags import FLAGS_COLUMN, meaning_rules
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
    lines += render_checks(schema)
    return "\n".join(lines) + "\n"


def render_checks(schema: TableSchema) -> list[str]:
    """The table's checks in words, by severity: integrity checks block a release; meaning
    rules flag rows (``quality_flags``) and warn; whole-table assertions warn."""
    integrity = [c["rule"] for c in schema.checks if "flag" not in c]
    release = release_expectations(schema)
    lines: list[str] = []
    if integrity or any(e["severity"] == "critical" for e in release):
        lines += ["", "Integrity checks on every release, besides the constraints above (a failure blocks the release):", ""]
        lines += [f"- {rule}" for rule in integrity]
        lines += [f"- {e['meta']['rule']}" for e in release if e["severity"] == "critical"]
    rules = meaning_rules(schema.name)
    if FLAGS_COLUMN in schema.column_names:
        lines += [
            "",
            f"Meaning rules (they warn and never block): a row that breaks one is published with the flag in "
            f"`{FLAGS_COLUMN}`; every flag is one of these and the list is exactly the rules the row breaks.",
            "",
            "| flag | set when the row breaks the rule |",
            "|---|---|",
        ]
        lines += [f"| `{r.flag}` | {_cell(r.rule)} |" for r in rules]
    warned = [e for e in release if e["severity"] != "critical"]
    if warned:
        lines += ["", "Whole-table assertions (they warn and never block):", ""]
        lines += [f"- {e['meta']['rule']}" for e in warned]
    return lines


def licence_lines() -> list[str]:
    """The licence of the data and how to cite it.

    >>> licence_lines()[0].startswith("Licence: the extracted data is under CC-BY-4.0")
    True
    """
    licence = LICENSES[0]
    return [
        f"Licence: the extracted data is under {licence['name']} ({licence['path']}). `documents.text` "
        "and the evidence `text` columns quote the source articles, which remain their publishers' "
        "works: quote them within the limits of quotation or fair use.",
        "",
        f"Citation: `{CITATION_FILE}` in this release (Citation File Format 1.2.0); the release page "
        "`index.html` shows it in words.",
    ]


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
        "Integrity (types, ids, references, value sets, evidence offsets, checksums) is checked before "
        "publishing and a failure publishes nothing. What the articles say is never a reason to hold a "
        f"release back: a row that breaks a meaning rule is published with the rule's flag in its "
        f"`{FLAGS_COLUMN}` list (tables `documents`, `monetary_figures` and `agreements`). To read only "
        f"rows that pass every rule, keep those whose `{FLAGS_COLUMN}` is empty, e.g. with pandas "
        f"`df[df.{FLAGS_COLUMN}.str.len() == 0]`, or in SQL (DuckDB) `WHERE len({FLAGS_COLUMN}) = 0`.",
        "",
        "Tables: " + ", ".join(f"`{n}`" for n in schemas),
        "",
        *licence_lines(),
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(render_table(s) for s in schemas.values())
