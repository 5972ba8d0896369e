"""Metadata shown in the Dagster UI for a table: row count, column schema, preview, and
the rows per quality flag of a table with ``quality_flags``."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd

from pipeline.quality.flags import FLAGS_COLUMN, flag_counts, flagged_row_count
from pipeline.schemas import TABLE_NAMES, load_table_schema

PREVIEW_ROWS = 10


def column_schema(name: str) -> dg.TableSchema:
    schema = load_table_schema(name)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=f.name,
                type=f.arrow_type_name or f.type,
                description=f.description,
                constraints=dg.TableColumnConstraints(
                    nullable=not f.required, unique=bool(f.constraints.get("unique"))
                ),
            )
            for f in schema.fields
        ]
    )


def _cell(value: Any) -> str:
    text = str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def markdown_preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> str:
    head = frame.head(rows)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in head.itertuples(index=False)]
    return "\n".join(lines)


def table_metadata(name: str, frame: pd.DataFrame) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "dagster/row_count": len(frame),
        "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["text"], errors="ignore") if name in ("documents", "raw_articles") else frame)),
    }
    if name in TABLE_NAMES:
        metadata["dagster/column_schema"] = column_schema(name)
    if FLAGS_COLUMN in frame.columns:
        metadata["flagged_rows"] = flagged_row_count(frame)
        metadata["quality_flags"] = dg.MetadataValue.json(flag_counts(frame))
    return metadata
