"""The release's ``datapackage.json`` (Frictionless Data Package) and its check.

The hashes are those the release computed once for its files (the same values as in
``manifest.json`` and ``SHA256SUMS``). :func:`check_datapackage` checks the descriptor (the
Data Package profile, through frictionless) and that each resource's schema names the
columns of its Parquet file, in order; it does not read rows: every row was written through
the pyarrow schema derived from the same Table Schema and checked by the Great Expectations
suites (frictionless' row-by-row check cost about 70% of a one-article release step).
List columns are typed ``any`` in the schemas, with the list's content in the description.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.schemas import TABLE_NAMES, load_table_schema

DATASET_NAME = "news-agreements"
DATASET_TITLE = "Agreements, organisations and monetary figures in news articles"
LICENSES = [
    {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0 (the extracted data; article texts remain their publishers')",
    }
]


def resource_descriptor(name: str, sha256: str) -> dict[str, Any]:
    """The resource of table ``name`` whose Parquet file has digest ``sha256``."""
    schema = load_table_schema(name)
    table_schema = {k: v for k, v in schema.descriptor.items() if k not in ("name", "title", "description")}
    return {
        "name": name,
        "path": f"{name}.parquet",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "title": schema.title,
        "description": schema.description,
        "hash": f"sha256:{sha256}",
        "schema": table_schema,
    }


def build_datapackage(
    table_sha256: Mapping[str, str], version: str, created: str, sources: list[dict[str, Any]]
) -> dict[str, Any]:
    """The descriptor of a release whose table files have the digests ``table_sha256``."""
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": DATASET_NAME,
        "title": DATASET_TITLE,
        "description": (
            "Agreements (treaties, deals, contracts, memoranda, pledges, joint statements), "
            "organisations and monetary figures extracted from news articles, each row with "
            "character offsets into the cleaned article text as evidence."
        ),
        "version": version,
        "created": created,
        "licenses": LICENSES,
        "sources": [
            {"title": s["source_file"], "path": f"raw/{s['source_file']}", "sha256": s["sha256"]}
            for s in sources
            if s.get("status") == "ok"
        ],
        "resources": [resource_descriptor(name, table_sha256[name]) for name in TABLE_NAMES],
    }


def check_datapackage(path: Path) -> list[str]:
    """Problems of a datapackage.json (empty: none): the descriptor against the Data Package
    profile (frictionless), and each resource's fields against its Parquet file's columns
    (read from the file's footer, not its rows)."""
    from frictionless import Package

    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return [f"{path.name} cannot be read: {error}"]
    report = Package.validate_descriptor(descriptor)
    problems = [f"package: {e.type}: {e.note}" for e in report.errors]
    for resource in descriptor.get("resources", []) if isinstance(descriptor, dict) else []:
        name = resource.get("name")
        fields = [f.get("name") for f in resource.get("schema", {}).get("fields", [])]
        try:
            columns = pq.read_schema(path.parent / str(resource.get("path"))).names
        except (OSError, ValueError) as error:
            problems.append(f"{name}: {resource.get('path')} cannot be read: {error}")
            continue
        if columns != fields:
            problems.append(f"{name}: the Parquet file has columns {columns}, the descriptor names {fields}")
    return problems
