"""Table schemas: one Frictionless Table Schema per table under ``schemas/tables/``.

Everything typed about a table derives from its schema file: the Arrow (Parquet) schema
here, the expectation suite in :mod:`pipeline.quality.suites`, the data dictionary in
:mod:`pipeline.publish.dictionary` and the resource descriptors in :mod:`pipeline.publish.datapackage`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.paths import SCHEMAS_DIR

#: Release tables in publication order (referenced tables before the tables that refer to them).
TABLE_NAMES: tuple[str, ...] = (
    "documents",
    "organisations",
    "organisation_mentions",
    "monetary_figures",
    "agreements",
)

_SCALAR_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
}


@dataclass(frozen=True)
class Field:
    """One column of a table, as its schema file describes it."""

    name: str
    type: str
    description: str
    example: Any
    constraints: dict[str, Any]
    arrow_type_name: str | None

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def arrow_type(self) -> pa.DataType:
        return parse_arrow_type(self.arrow_type_name or self.type)


@dataclass(frozen=True)
class TableSchema:
    """A table's schema file, parsed."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict[str, Any], ...]
    evidence: dict[str, str] | None
    checks: tuple[dict[str, Any], ...]  # meaning checks: GX expectations with a rule and a severity
    release_assertions: dict[str, Any]  # row counts per document, fill rates, drift, ceilings
    descriptor: dict[str, Any]
    path: Path

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(f.name, f.arrow_type, nullable=not f.required) for f in self.fields]
        )


def parse_arrow_type(text: str) -> pa.DataType:
    """Parse the small type language used by ``arrowType`` in the schema files.

    >>> parse_arrow_type("list<string>")
    ListType(list<item: string>)
    >>> parse_arrow_type("list<struct<start: int64, end: int64>>")
    ListType(list<item: struct<start: int64, end: int64>>)
    """
    text = text.strip()
    if text in _SCALAR_ARROW_TYPES:
        return _SCALAR_ARROW_TYPES[text]
    match = re.fullmatch(r"(list|struct)<(.*)>", text)
    if not match:
        raise ValueError(f"unknown arrow type {text!r}")
    kind, inner = match.groups()
    if kind == "list":
        return pa.list_(parse_arrow_type(inner))
    members = []
    for part in _split_top_level(inner):
        name, _, type_text = part.partition(":")
        members.append(pa.field(name.strip(), parse_arrow_type(type_text)))
    return pa.struct(members)


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not nested inside angle brackets."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += (ch == "<") - (ch == ">")
        current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def schema_path(name: str) -> Path:
    return SCHEMAS_DIR / "tables" / f"{name}.schema.json"


@cache
def load_table_schema(name: str) -> TableSchema:
    """Read and parse ``schemas/tables/<name>.schema.json`` (once per process)."""
    path = schema_path(name)
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    fields = tuple(
        Field(
            name=f["name"],
            type=f["type"],
            description=f["description"],
            example=f.get("example"),
            constraints=dict(f.get("constraints", {})),
            arrow_type_name=f.get("arrowType"),
        )
        for f in descriptor["fields"]
    )
    return TableSchema(
        name=descriptor["name"],
        title=descriptor["title"],
        description=descriptor["description"],
        fields=fields,
        primary_key=tuple(descriptor.get("primaryKey", [])),
        foreign_keys=tuple(descriptor.get("foreignKeys", [])),
        evidence=descriptor.get("evidence"),
        checks=tuple(descriptor.get("checks", [])),
        release_assertions=dict(descriptor.get("releaseAssertions", {})),
        descriptor=descriptor,
        path=path,
    )


def load_all_schemas() -> dict[str, TableSchema]:
    return {name: load_table_schema(name) for name in TABLE_NAMES}
