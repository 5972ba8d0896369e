"""Build the release tables as pandas DataFrames and move them to and from Parquet.

Every frame is shaped by its schema (columns in schema order) and written with the Arrow
schema derived from it, so a Parquet file's types are the schema's types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schemas import load_table_schema


def make_frame(name: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A DataFrame with exactly the columns of table ``name``, in schema order.

    >>> make_frame("monetary_figures", []).columns.tolist()[:4]
    ['figure_id', 'doc_id', 'text', 'start']
    """
    schema = load_table_schema(name)
    columns = schema.column_names  # a property that builds its list: read it once, not per row
    rows = list(rows)
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise ValueError(f"{name} rows lack columns {missing}")
    # column by column (one list per column, as Arrow stores them), not a dict per row
    arrays = {c: [r.get(c) for r in rows] for c in columns}
    return to_frame(pa.Table.from_pydict(arrays, schema=schema.arrow_schema))


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas, keeping nullable integers as integers (not floats with NaN)."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table with the schema of table ``name`` (fails on a type mismatch)."""
    schema = load_table_schema(name)
    return pa.Table.from_pandas(frame[schema.column_names], schema=schema.arrow_schema, preserve_index=False)


def write_table(name: str, frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_arrow(name, frame), path, compression="zstd")
    return path


def read_table(path: Path, skip: Sequence[str] = ()) -> pd.DataFrame:
    """A Parquet file as a frame, without the columns named in ``skip``."""
    columns = [name for name in pq.read_schema(path).names if name not in skip] if skip else None
    return to_frame(pq.read_table(path, columns=columns))
