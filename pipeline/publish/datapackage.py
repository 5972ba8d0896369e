"""The release's ``datapackage.json`` (Frictionless Data Package) and its validation.

frictionless-py 5.21 cannot count a Parquet resource's bytes nor check its hash, so sizes
live in ``manifest.json`` and hashes are checked by :func:`pipeline.publish.release.verify_checksums`.
List columns are typed ``any`` in the schemas, with the list's content in the description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.publish.checksums import sha256_file
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


def resource_descriptor(name: str, folder: Path) -> dict[str, Any]:
    schema = load_table_schema(name)
    table_schema = {k: v for k, v in schema.descriptor.items() if k not in ("name", "title", "description")}
    return {
        "name": name,
        "path": f"{name}.parquet",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "title": schema.title,
        "description": schema.description,
        "hash": f"sha256:{sha256_file(folder / f'{name}.parquet')}",
        "schema": table_schema,
    }


def build_datapackage(
    folder: Path, version: str, created: str, sources: list[dict[str, Any]]
) -> dict[str, Any]:
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
        "resources": [resource_descriptor(name, folder) for name in TABLE_NAMES],
    }


def check_datapackage(path: Path) -> list[str]:
    """Validate a datapackage.json and its Parquet resources with frictionless; the errors."""
    from frictionless import validate

    report = validate(str(path))
    if report.valid:
        return []
    return [
        f"{task.name}: {error.type}: {error.note}" if hasattr(error, "note") else str(error)
        for task in report.tasks
        for error in task.errors
    ] + [f"package: {e.type}: {e.note}" for e in report.errors]
