"""What changed since the previous release: row digests, delta files and CHANGES.md.

Each table row is identified by its primary key (``doc_id``, ``org_id``, ``mention_id``,
``figure_id``, ``agreement_id``) and fingerprinted by the sha256 of its canonical JSON.
Comparing two releases row by row gives, per table, the ids added, modified and deleted.

A release folder gets, modelled on OpenSanctions' delta files::

    CHANGES.md                     human summary: counts per table and the ids that changed
    changes/<table>.delta.jsonl    one line per changed row:
                                   {"op": "ADD"|"MOD", "id": ..., "row": {...}} or
                                   {"op": "DEL", "id": ...}

The table digest (sha256 over the sorted ``id row-digest`` lines) is recorded in the
manifest; a run whose tables equal the latest release's publishes nothing.

A re-run after a few articles changed does not serialise every row again. The new tables are
compared with the previous release's Parquet files by id, column by column in Arrow
(:func:`equal_rows`, exact: equal cells give equal JSON); only rows added or differing are
turned into JSON and hashed. The digests of the rows that did not change come from the
previous release, whose row digests are kept beside the releases
(:func:`keep_row_digests`: ``releases/.row-digests/<sha256 of the table's Parquet
file>.rows-v1.parquet``, columns ``id`` and ``sha256``; read back only when its ids are the
file's). A previous release without kept digests (made before they were kept) costs one
hashing of the new table's rows.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.publish.checksums import sha256_file
from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.tables import to_arrow

#: Ids listed per operation and table in CHANGES.md; the delta files list them all.
LISTED_IDS = 50
CHANGES_FILE = "CHANGES.md"
CHANGES_DIR = "changes"
OPS = ("ADD", "MOD", "DEL")
#: Kept row digests of published tables, beside the version folders (never part of a release).
ROW_DIGESTS_DIR = ".row-digests"
#: Names the row digest: the sha256 of :func:`canonical_json`. Change it when that changes.
ROW_DIGESTS_FORMAT = "rows-v1"

_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical_json(row: Mapping[str, Any]) -> str:
    """One row as compact JSON with sorted keys: equal rows give equal strings.

    >>> canonical_json({"b": [1, 2], "a": None, "c": 1.5})
    '{"a":null,"b":[1,2],"c":1.5}'
    """
    return _ENCODER.encode(row)


def row_digest(row: Mapping[str, Any]) -> str:
    """The sha256 of a row's canonical JSON.

    >>> row_digest({"a": 1}) == hashlib.sha256(b'{"a":1}').hexdigest()
    True
    """
    return json_digest(canonical_json(row))


def json_digest(row_json: str) -> str:
    """The digest of a row already encoded by :func:`canonical_json` (what :func:`row_digest`
    returns for the row)."""
    return hashlib.sha256(row_json.encode("utf-8")).hexdigest()


def row_id(name: str, row: Mapping[str, Any]) -> str:
    """The stable id of a row of table ``name`` (its primary key, joined by ``|``)."""
    return "|".join(str(row[k]) for k in load_table_schema(name).primary_key)


def stable_ids(name: str, table: pa.Table) -> list[str]:
    """The stable id of every row of an Arrow table, in row order (:func:`row_id` of each row).

    >>> stable_ids("organisations", pa.table({"org_id": ["a", None]}))
    ['a', 'None']
    """
    keys = [table.column(k).to_pylist() for k in load_table_schema(name).primary_key]
    if len(keys) == 1:
        return [value if isinstance(value, str) else str(value) for value in keys[0]]
    return ["|".join(map(str, values)) for values in zip(*keys, strict=True)]


def positions(ids: Sequence[str]) -> dict[str, int]:
    """Each id's row; a repeated id keeps its last row (as a dict of rows by id does)."""
    return {rid: i for i, rid in enumerate(ids)}


def table_rows(table: pa.Table) -> list[dict[str, Any]]:
    """The rows of an Arrow table as dicts (``Table.to_pylist``, column by column)."""
    names = table.column_names
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)] if columns else [
        {} for _ in range(table.num_rows)
    ]


def digest_of_rows(digests: Mapping[str, str]) -> str:
    """A table's content digest: independent of row order, changed by any cell.

    >>> digest_of_rows({"a": "1", "b": "2"}) == digest_of_rows({"b": "2", "a": "1"})
    True
    """
    lines = "\n".join(f"{rid} {d}" for rid, d in sorted(digests.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _arrow(name: str, table: pd.DataFrame | pa.Table) -> pa.Table:
    return table if isinstance(table, pa.Table) else to_arrow(name, table)


# Equal rows, cell by cell in Arrow --------------------------------------------------------

_COMPARED_AS_VALUES = (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer, pa.types.is_boolean,
                       pa.types.is_binary, pa.types.is_large_binary, pa.types.is_date, pa.types.is_timestamp)


def _valid(array: pa.Array) -> np.ndarray:
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _true(mask: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def equal_values(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Whether ``a[i]`` and ``b[i]`` are the same value, for each ``i``: two nulls are equal, a
    float equals only a float of the same value and sign (``0.0`` is not ``-0.0``; ``NaN``
    equals nothing), lists and structs compare element by element. Arrays of different types,
    or of a type not listed here, are never equal. True implies that both give the same
    :func:`canonical_json`; False only asks for the JSON to be compared.

    >>> equal_values(pa.array([1.0, 0.0, None, float("nan")]), pa.array([1.0, -0.0, None, float("nan")])).tolist()
    [True, False, True, False]
    >>> equal_values(pa.array([["a"], ["a", "b"], None, []]), pa.array([["a"], ["a", "c"], [], []])).tolist()
    [True, False, False, True]
    """
    if len(a) != len(b):
        raise ValueError(f"cannot compare {len(a)} values with {len(b)}")
    if a.type != b.type:
        return np.zeros(len(a), dtype=bool)
    kind = a.type
    valid_a, valid_b = _valid(a), _valid(b)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        same = _equal_lists(a, b, valid_a & valid_b)
    elif pa.types.is_struct(kind):
        same = np.ones(len(a), dtype=bool)
        for child_a, child_b in zip(a.flatten(), b.flatten(), strict=True):
            same &= equal_values(child_a, child_b)
    elif pa.types.is_floating(kind):
        same = _true(pc.equal(a, b)) & (
            np.signbit(a.to_numpy(zero_copy_only=False)) == np.signbit(b.to_numpy(zero_copy_only=False))
        )
    elif any(test(kind) for test in _COMPARED_AS_VALUES):
        same = _true(pc.equal(a, b))
    else:
        return np.zeros(len(a), dtype=bool)
    return (~valid_a & ~valid_b) | (valid_a & valid_b & same)


def _equal_lists(a: pa.Array, b: pa.Array, both: np.ndarray) -> np.ndarray:
    """Lists of equal length whose elements are equal (``both``: neither list is null)."""
    length_a = pc.fill_null(pc.list_value_length(a), -1).to_numpy()
    length_b = pc.fill_null(pc.list_value_length(b), -1).to_numpy()
    rows = np.flatnonzero(both & (length_a == length_b))
    same = np.zeros(len(a), dtype=bool)
    if rows.size:
        taken_a, taken_b = a.take(pa.array(rows)), b.take(pa.array(rows))
        elements = equal_values(taken_a.flatten(), taken_b.flatten())
        parents = np.repeat(np.arange(rows.size), length_a[rows])
        ok = np.ones(rows.size, dtype=bool)
        ok[parents[~elements]] = False
        same[rows] = ok
    return same


def equal_rows(current: pa.Table, previous: pa.Table) -> np.ndarray:
    """Whether row ``i`` of ``current`` equals row ``i`` of ``previous`` in every column
    (:func:`equal_values`; columns matched by name, their order ignored as in the JSON)."""
    if current.num_rows != previous.num_rows:
        raise ValueError(f"cannot compare {current.num_rows} rows with {previous.num_rows}")
    names = current.column_names
    if len(set(names)) != len(names) or sorted(names) != sorted(previous.column_names):
        return np.zeros(current.num_rows, dtype=bool)
    same = np.ones(current.num_rows, dtype=bool)
    for name in names:
        same &= equal_values(current.column(name).combine_chunks(), previous.column(name).combine_chunks())
    return same


# One table against the previous release's -------------------------------------------------


@dataclass
class TableDelta:
    """Rows of one table added, modified and deleted since the previous release."""

    table: str
    records: list[dict[str, Any]] = field(default_factory=list)
    #: The canonical JSON of a record's row by id, when it was already encoded (to hash it).
    row_json: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def lines(self) -> Iterator[str]:
        """Each record as one line of the delta file: its canonical JSON. A row already
        encoded is not encoded again (``{"id":..,"op":..,"row":..}`` is the key order).

        >>> delta = TableDelta("t", [{"op": "ADD", "id": "a"}, {"op": "DEL", "id": "c"}], {"a": '{"b":1}'})
        >>> list(delta.lines()) == ['{"id":"a","op":"ADD","row":{"b":1}}\\n', '{"id":"c","op":"DEL"}\\n']
        True
        >>> delta.full_records()[0]["row"]
        {'b': 1}
        """
        for record in self.records:
            row = self.row_json.get(record["id"]) if record["op"] != "DEL" else None
            if row is None:
                yield canonical_json(record) + "\n"
            else:
                yield f'{{"id":{_ENCODER.encode(record["id"])},"op":{_ENCODER.encode(record["op"])},"row":{row}}}\n'

    def full_records(self) -> list[dict[str, Any]]:
        """The records with every ADD and MOD row as a dict (decoded from its JSON when the
        record holds only its id: :func:`compare_table` keeps rows as JSON strings, not as
        dicts, to hold less while a release is made)."""
        return [json.loads(line) for line in self.lines()]

    def ids(self, op: str) -> list[str]:
        return [r["id"] for r in self.records if r["op"] == op]

    def counts(self) -> dict[str, int]:
        return {op: len(self.ids(op)) for op in OPS}


@dataclass
class TableChanges:
    """One table compared with the previous release's: its delta, the digests of the rows
    hashed for it (added or differing), and the ids of the rows equal to the previous
    release's (``kept``), whose digests are the previous ones."""

    name: str
    table: pa.Table
    delta: TableDelta
    hashed: dict[str, str]
    kept: list[str]
    positions: dict[str, int]
    previous_ids: set[str] = field(default_factory=set)

    def digests(self, previous: Mapping[str, str] | None) -> dict[str, str]:
        """Every row's digest by id: the ``kept`` rows' from ``previous`` (the previous
        release's row digests) when given, else hashed now from this table."""
        digests = dict(self.hashed)
        if not self.kept:
            return digests
        if previous is not None:
            digests.update((rid, previous[rid]) for rid in self.kept)
        else:
            digests.update((rid, json_digest(line)) for rid, line in encoded_rows(self.table, self.positions, self.kept))
        return digests


def _indices(at: Mapping[str, int], ids: Sequence[str]) -> pa.Array:
    return pa.array([at[rid] for rid in ids], pa.int64())


def compare_table(name: str, current: pd.DataFrame | pa.Table, previous: pa.Table | None) -> TableChanges:
    """Table ``name`` against the previous release's (None: every row is ADD). Rows whose
    cells all equal the previous row of their id are kept without being serialised; the
    others are hashed, and a common id is MOD when its digest differs from the previous one."""
    table = _arrow(name, current)
    at = positions(stable_ids(name, table))
    before = positions(stable_ids(name, previous)) if previous is not None else {}
    common = [rid for rid in at if rid in before]
    same = equal_rows(table.take(_indices(at, common)), previous.take(_indices(before, common))) if common else []
    kept = [rid for rid, equal in zip(common, same, strict=True) if equal]
    differing = [rid for rid, equal in zip(common, same, strict=True) if not equal]
    added = sorted(at.keys() - before.keys())
    encoded = dict(encoded_rows(table, at, [*added, *differing]))  # hashed here, written as the delta's rows
    hashed = {rid: json_digest(line) for rid, line in encoded.items()}
    modified = sorted(rid for rid, line in encoded_rows(previous, before, differing) if hashed[rid] != json_digest(line))
    delta = TableDelta(name, row_json=encoded)
    delta.records += [{"op": "ADD", "id": rid} for rid in added]
    delta.records += [{"op": "MOD", "id": rid} for rid in modified]
    delta.records += [{"op": "DEL", "id": rid} for rid in sorted(before.keys() - at.keys())]
    return TableChanges(name, table, delta, hashed, kept, at, set(before))


#: Rows turned into Python values at once when encoding a table's rows as JSON: only the
#: JSON strings are kept, never a dict per row of the whole table.
ENCODE_CHUNK_ROWS = 16_384


def encoded_rows(table: pa.Table | None, at: Mapping[str, int], ids: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(id, canonical JSON of its row) for each of ``ids`` (rows at ``at[id]``), a chunk of
    :data:`ENCODE_CHUNK_ROWS` rows at a time.

    >>> list(encoded_rows(pa.table({"k": ["a", "b"], "v": [1, 2]}), {"a": 0, "b": 1}, ["b"]))
    [('b', '{"k":"b","v":2}')]
    """
    if table is None:
        return
    for i in range(0, len(ids), ENCODE_CHUNK_ROWS):
        part = ids[i : i + ENCODE_CHUNK_ROWS]
        yield from zip(part, map(canonical_json, table_rows(table.take(_indices(at, part)))), strict=True)


def unchanged_table(name: str, current: pd.DataFrame | pa.Table) -> TableChanges:
    """A table whose Parquet file is byte for byte the previous release's: no delta, every
    row kept, nothing read from the previous release."""
    table = _arrow(name, current)
    at = positions(stable_ids(name, table))
    return TableChanges(name, table, TableDelta(name), {}, list(at), at, set(at))


def table_delta(name: str, current: pa.Table, previous: pa.Table | None) -> TableDelta:
    """ADD, MOD and DEL records of table ``name`` (sorted by id within each operation).

    >>> old = pa.table({"org_id": ["a", "b"], "name": ["A", "B"]})
    >>> new = pa.table({"org_id": ["b", "c"], "name": ["B2", "C"]})
    >>> [(r["op"], r["id"]) for r in table_delta("organisations", new, old).records]
    [('ADD', 'c'), ('MOD', 'b'), ('DEL', 'a')]
    """
    return compare_table(name, current, previous).delta


# Kept row digests ----------------------------------------------------------------------


def row_digests_path(releases_dir: Path, file_sha256: str) -> Path:
    """Where the row digests of a published table file are kept, beside the releases.

    >>> row_digests_path(Path("releases"), "ab" * 32).name == "ab" * 32 + ".rows-v1.parquet"
    True
    """
    return releases_dir / ROW_DIGESTS_DIR / f"{file_sha256}.{ROW_DIGESTS_FORMAT}.parquet"


def keep_row_digests(releases_dir: Path, file_sha256: str, digests: Mapping[str, str]) -> Path:
    """Keep the row digests of the table file with sha256 ``file_sha256`` (written whole, then
    renamed: a reader never sees half a file)."""
    target = row_digests_path(releases_dir, file_sha256)
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        table = pa.table({"id": pa.array(list(digests), pa.string()), "sha256": pa.array(list(digests.values()), pa.string())})
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def kept_row_digests(releases_dir: Path, file_sha256: str, ids: set[str]) -> dict[str, str] | None:
    """The row digests kept for the table file with sha256 ``file_sha256``, when they are
    exactly ``ids`` (the file's stable ids); None when none are kept, they are
    unreadable or another table's (the caller hashes the rows)."""
    try:
        table = pq.read_table(row_digests_path(releases_dir, file_sha256))
        digests = dict(zip(table.column("id").to_pylist(), table.column("sha256").to_pylist(), strict=True))
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None
    return digests if digests.keys() == ids else None


def prune_row_digests(releases_dir: Path, keep: set[str]) -> None:
    """Remove the kept row digests of every table file but those with a sha256 in ``keep``
    (the latest release's: the only ones a next run reads)."""
    folder = releases_dir / ROW_DIGESTS_DIR
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name.split(".", 1)[0] not in keep:
            path.unlink(missing_ok=True)


# A whole release ------------------------------------------------------------------------


def release_files_sha256(folder: Path) -> dict[str, str]:
    """The sha256 of each table's Parquet file in a published release: as its manifest
    records it (the manifest read once), else read from the file."""
    try:
        files = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("files") or {}
    except (OSError, ValueError, AttributeError):
        files = {}
    digests = {}
    for name in TABLE_NAMES:
        entry = files.get(f"{name}.parquet") if isinstance(files, dict) else None
        recorded = entry.get("sha256") if isinstance(entry, dict) else None
        digests[name] = recorded if isinstance(recorded, str) and len(recorded) == 64 else sha256_file(folder / f"{name}.parquet")
    return digests


@dataclass
class ReleaseChanges:
    """Every table compared with the previous release (None: first release)."""

    previous_folder: Path | None
    tables: dict[str, TableChanges]
    #: The previous release's table files' sha256 (:func:`release_files_sha256`).
    previous_sha256: dict[str, str] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        """No row added, modified or deleted in any table (and there is a previous release)."""
        return self.previous_folder is not None and not any(c.delta.records for c in self.tables.values())

    def digests(self) -> dict[str, dict[str, str]]:
        """Every row digest of every table: the kept rows' from the previous release's kept
        digests when there are some, else hashed."""
        result = {}
        for name, changes in self.tables.items():
            previous = None
            if changes.kept and self.previous_folder is not None:
                previous = kept_row_digests(
                    self.previous_folder.parent, self.previous_sha256[name], changes.previous_ids
                )
            result[name] = changes.digests(previous)
        return result


def compare_release(
    tables: Mapping[str, pd.DataFrame | pa.Table], previous_folder: Path | None,
    file_sha256: Mapping[str, str] | None = None,
) -> ReleaseChanges:
    """Every release table against the previous release's Parquet files; a table whose file
    sha256 (``file_sha256``, when known) is the previous file's is not read again."""
    compared = {}
    previous_sha256 = release_files_sha256(previous_folder) if previous_folder is not None else {}
    for name in TABLE_NAMES:
        if previous_folder is None:
            compared[name] = compare_table(name, tables[name], None)
        elif file_sha256 is not None and file_sha256.get(name) == previous_sha256[name]:
            compared[name] = unchanged_table(name, tables[name])
        else:
            compared[name] = compare_table(name, tables[name], pq.read_table(previous_folder / f"{name}.parquet"))
    return ReleaseChanges(previous_folder, compared, previous_sha256)


def try_compare_release(
    tables: Mapping[str, pd.DataFrame | pa.Table], previous_folder: Path | None,
    file_sha256: Mapping[str, str] | None = None,
) -> ReleaseChanges | None:
    """:func:`compare_release`, or None when a table does not fit its schema (publishing then
    reports it)."""
    try:
        return compare_release(tables, previous_folder, file_sha256)
    except (ValueError, TypeError, KeyError, pa.ArrowException):
        return None


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
    folder: Path, changes: ReleaseChanges, version: str, digests: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Write CHANGES.md and the delta files into a staged release folder; returns what the
    manifest records: the previous version, counts per table and operation, content digests
    (of ``digests``, :meth:`ReleaseChanges.digests`)."""
    previous_version = changes.previous_folder.name if changes.previous_folder is not None else None
    (folder / CHANGES_DIR).mkdir(exist_ok=True)
    deltas = {name: changes.tables[name].delta for name in TABLE_NAMES}
    for name, delta in deltas.items():
        with (folder / CHANGES_DIR / f"{name}.delta.jsonl").open("w", encoding="utf-8") as out:
            out.writelines(delta.lines())
    row_counts = {n: changes.tables[n].table.num_rows for n in TABLE_NAMES}
    (folder / CHANGES_FILE).write_text(render_changes(version, previous_version, deltas, row_counts), encoding="utf-8")
    return {
        "previous_version": previous_version,
        "changes": {n: d.counts() for n, d in deltas.items()},
        "content_digests": {n: digest_of_rows(digests[n]) for n in TABLE_NAMES},
    }
