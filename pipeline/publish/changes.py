"""What changed since the previous release: content digests, delta files and CHANGES.md.

Each table row is identified by its primary key (``doc_id``, ``org_id``, ``mention_id``,
``figure_id``, ``agreement_id``) and fingerprinted by the sha256 of its canonical JSON.
Comparing two releases row by row gives, per table, the ids added, modified and deleted.

A release folder gets, modelled on OpenSanctions' delta files::

    CHANGES.md                     human summary: counts per table and the ids that changed
    changes/<table>.delta.jsonl    one line per changed row:
                                   {"op": "ADD"|"MOD", "id": ..., "row": {...}} or
                                   {"op": "DEL", "id": ...}

The table digest (sha256 over the sorted ``id row-digest`` lines) is recorded in the
manifest; a run whose five digests equal the latest release's publishes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.tables import to_arrow

#: Ids listed per operation and table in CHANGES.md; the delta files list them all.
LISTED_IDS = 50
CHANGES_FILE = "CHANGES.md"
CHANGES_DIR = "changes"
OPS = ("ADD", "MOD", "DEL")


def canonical_json(row: Mapping[str, Any]) -> str:
    """One row as compact JSON with sorted keys: equal rows give equal strings.

    >>> canonical_json({"b": [1, 2], "a": None, "c": 1.5})
    '{"a":null,"b":[1,2],"c":1.5}'
    """
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def row_id(name: str, row: Mapping[str, Any]) -> str:
    """The stable id of a row of table ``name`` (its primary key, joined by ``|``)."""
    return "|".join(str(row[k]) for k in load_table_schema(name).primary_key)


def rows_by_id(name: str, table: pa.Table) -> dict[str, dict[str, Any]]:
    """Every row of an Arrow table, keyed by its stable id."""
    return {row_id(name, r): r for r in table.to_pylist()}


@dataclass(frozen=True)
class IndexedTable:
    """A table's rows and their sha256 (of canonical JSON), keyed by stable id: computed once
    per table and publish, for the "unchanged" test, the deltas and the content digest."""

    rows: dict[str, dict[str, Any]]
    digests: dict[str, str]

    @property
    def digest(self) -> str:
        return digest_of_rows(self.digests)


def index_table(name: str, table: pd.DataFrame | pa.Table) -> IndexedTable:
    """Every row of table ``name`` with its digest (a frame is typed by its schema first)."""
    rows = rows_by_id(name, _arrow(name, table))
    return IndexedTable(rows, {rid: hashlib.sha256(canonical_json(r).encode("utf-8")).hexdigest() for rid, r in rows.items()})


def index_tables(tables: Mapping[str, pd.DataFrame | pa.Table]) -> dict[str, IndexedTable] | None:
    """Every release table indexed, or None when one does not fit its schema (publishing
    then reports it)."""
    try:
        return {name: index_table(name, tables[name]) for name in TABLE_NAMES}
    except (ValueError, TypeError, KeyError, pa.ArrowException):
        return None


def row_digests(name: str, table: pa.Table) -> dict[str, str]:
    """sha256 of each row's canonical JSON, keyed by the row's id."""
    return index_table(name, table).digests


def digest_of_rows(digests: Mapping[str, str]) -> str:
    """A table's content digest: independent of row order, changed by any cell.

    >>> digest_of_rows({"a": "1", "b": "2"}) == digest_of_rows({"b": "2", "a": "1"})
    True
    """
    lines = "\n".join(f"{rid} {d}" for rid, d in sorted(digests.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def content_digests(tables: Mapping[str, pd.DataFrame | pa.Table]) -> dict[str, str]:
    """The content digest of each release table (frames are typed by their schema first)."""
    return {name: digest_of_rows(row_digests(name, _arrow(name, tables[name]))) for name in TABLE_NAMES}


def _arrow(name: str, table: pd.DataFrame | pa.Table) -> pa.Table:
    return table if isinstance(table, pa.Table) else to_arrow(name, table)


def release_digests(folder: Path) -> dict[str, str]:
    """The content digests of a published release: from its manifest when recorded there,
    else computed from its Parquet files (releases made before digests were recorded)."""
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        recorded = json.loads(manifest_path.read_text(encoding="utf-8")).get("content_digests")
        if recorded and set(recorded) == set(TABLE_NAMES):
            return dict(recorded)
    return content_digests({n: pq.read_table(folder / f"{n}.parquet") for n in TABLE_NAMES})


def unchanged_version(
    tables: Mapping[str, pd.DataFrame], releases_dir: Path, latest: str | None,
    indexed: Mapping[str, IndexedTable] | None = None,
) -> str | None:
    """``latest`` when every table's content equals that release's, else None; ``indexed``
    are the tables already indexed (:func:`index_tables`), computed here when not given.

    Tables that do not fit their schema are never "unchanged": publishing reports them."""
    if latest is None or not (releases_dir / latest).is_dir():
        return None
    indexed = indexed if indexed is not None else index_tables(tables)
    if indexed is None:
        return None
    current = {name: indexed[name].digest for name in TABLE_NAMES}
    return latest if current == release_digests(releases_dir / latest) else None


@dataclass
class TableDelta:
    """Rows of one table added, modified and deleted since the previous release."""

    table: str
    records: list[dict[str, Any]] = field(default_factory=list)

    def ids(self, op: str) -> list[str]:
        return [r["id"] for r in self.records if r["op"] == op]

    def counts(self) -> dict[str, int]:
        return {op: len(self.ids(op)) for op in OPS}


def table_delta(name: str, current: pa.Table, previous: pa.Table | None) -> TableDelta:
    """ADD, MOD and DEL records of table ``name`` (sorted by id within each operation).

    >>> old = pa.table({"org_id": ["a", "b"], "name": ["A", "B"]})
    >>> new = pa.table({"org_id": ["b", "c"], "name": ["B2", "C"]})
    >>> [(r["op"], r["id"]) for r in table_delta("organisations", new, old).records]
    [('ADD', 'c'), ('MOD', 'b'), ('DEL', 'a')]
    """
    return delta_of(name, index_table(name, current), index_table(name, previous) if previous is not None else None)


def delta_of(name: str, current: IndexedTable, previous: IndexedTable | None) -> TableDelta:
    """:func:`table_delta` of indexed tables: rows are compared by their digests."""
    now, before = current.digests, previous.digests if previous is not None else {}
    delta = TableDelta(name)
    delta.records += [{"op": "ADD", "id": i, "row": current.rows[i]} for i in sorted(now.keys() - before.keys())]
    delta.records += [
        {"op": "MOD", "id": i, "row": current.rows[i]} for i in sorted(now.keys() & before.keys()) if now[i] != before[i]
    ]
    delta.records += [{"op": "DEL", "id": i} for i in sorted(before.keys() - now.keys())]
    return delta


def render_changes(version: str, previous_version: str | None, deltas: Mapping[str, TableDelta], row_counts: Mapping[str, int]) -> str:
    """CHANGES.md: a table of counts, then the changed ids of each table."""
    since = f"release `{previous_version}`" if previous_version else "nothing (first release: every row is ADD)"
    lines = [
        f"# Changes in release `{version}`",
        "",
        f"Compared with {since}. Rows are matched by their stable id; the full rows are in "
        f"`{CHANGES_DIR}/<table>.delta.jsonl` (one JSON object per line: `op`, `id`, `row`).",
        "",
        "| table | ADD | MOD | DEL | rows |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, delta in deltas.items():
        c = delta.counts()
        lines.append(f"| `{name}` | {c['ADD']} | {c['MOD']} | {c['DEL']} | {row_counts.get(name, 0)} |")
    for name, delta in deltas.items():
        if not delta.records:
            continue
        lines += ["", f"## `{name}`", ""]
        for op in OPS:
            ids = delta.ids(op)
            lines += [f"- {op} `{i}`" for i in ids[:LISTED_IDS]]
            if len(ids) > LISTED_IDS:
                lines.append(f"- {op} ... and {len(ids) - LISTED_IDS} more (see `{CHANGES_DIR}/{name}.delta.jsonl`)")
    return "\n".join(lines) + "\n"


def write_changes(
    folder: Path,
    tables: Mapping[str, pd.DataFrame | pa.Table],
    previous_folder: Path | None,
    version: str,
    indexed: Mapping[str, IndexedTable] | None = None,
) -> dict[str, Any]:
    """Write CHANGES.md and the delta files into a staged release folder; returns what the
    manifest records: the previous version, counts per table and operation, content digests.
    ``indexed`` are ``tables`` already indexed (:func:`index_tables`), else indexed here."""
    previous_version = previous_folder.name if previous_folder is not None else None
    deltas: dict[str, TableDelta] = {}
    digests: dict[str, str] = {}
    (folder / CHANGES_DIR).mkdir(exist_ok=True)
    for name in TABLE_NAMES:
        current = indexed[name] if indexed is not None else index_table(name, tables[name])
        previous = (
            index_table(name, pq.read_table(previous_folder / f"{name}.parquet")) if previous_folder is not None else None
        )
        deltas[name] = delta_of(name, current, previous)
        digests[name] = current.digest
        with (folder / CHANGES_DIR / f"{name}.delta.jsonl").open("w", encoding="utf-8") as out:
            for record in deltas[name].records:
                out.write(canonical_json(record) + "\n")
    row_counts = {n: len(tables[n]) for n in TABLE_NAMES}
    (folder / CHANGES_FILE).write_text(render_changes(version, previous_version, deltas, row_counts), encoding="utf-8")
    return {
        "previous_version": previous_version,
        "changes": {n: d.counts() for n, d in deltas.items()},
        "content_digests": digests,
    }
