"""The change set of a re-run: Arrow comparison by id plus kept row digests give exactly what
hashing every row of both releases gives (the reference below), byte for byte.

Real tables of the seed articles (rules-only extraction), real Parquet files, real releases."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.build import build_tables
from pipeline.publish.changes import (
    ROW_DIGESTS_DIR,
    compare_table,
    digest_of_rows,
    equal_values,
    row_digests_path,
)
from pipeline.publish.release import publish_release
from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.tables import to_arrow

from .conftest import RAW
from .published_releases import EXTRA_ARTICLE, rules_only

FIRST, SECOND, THIRD = (f"2026-01-0{d}T000000Z" for d in (1, 2, 3))


def reference_json(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def reference(name: str, current: pa.Table, previous: pa.Table | None) -> tuple[list[dict], dict[str, str]]:
    """The delta records and row digests as the publisher computed them before row digests
    were kept: every row of both tables as canonical JSON, hashed, compared by id."""
    def rows(table: pa.Table) -> dict[str, dict]:
        keys = load_table_schema(name).primary_key
        return {"|".join(str(r[k]) for k in keys): r for r in table.to_pylist()}

    def digests(by_id: dict[str, dict]) -> dict[str, str]:
        return {i: hashlib.sha256(reference_json(r).encode("utf-8")).hexdigest() for i, r in by_id.items()}

    now, before = rows(current), rows(previous) if previous is not None else {}
    new, old = digests(now), digests(before)
    records = [{"op": "ADD", "id": i, "row": now[i]} for i in sorted(new.keys() - old.keys())]
    records += [{"op": "MOD", "id": i, "row": now[i]} for i in sorted(new.keys() & old.keys()) if new[i] != old[i]]
    records += [{"op": "DEL", "id": i} for i in sorted(old.keys() - new.keys())]
    return records, new


@pytest.fixture(scope="module")
def seed_arrow() -> dict[str, pa.Table]:
    with rules_only():
        tables, _ = build_tables(RAW)
    return {name: to_arrow(name, tables[name]) for name in TABLE_NAMES}


def edited(table: pa.Table, edit) -> pa.Table:
    """``table`` with ``edit`` applied to its rows (a list of dicts, edited in place)."""
    rows = table.to_pylist()
    edit(rows)
    return pa.Table.from_pylist(rows, schema=table.schema)


def roundtrip(table: pa.Table, path: Path) -> pa.Table:
    pq.write_table(table, path, compression="zstd")
    return pq.read_table(path)


def assert_same_as_reference(name: str, current: pa.Table, previous: pa.Table | None) -> None:
    changes = compare_table(name, current, previous)
    expected_records, expected_digests = reference(name, current, previous)
    assert [reference_json(r) for r in changes.delta.full_records()] == [reference_json(r) for r in expected_records]
    _, previous_digests = reference(name, previous, None) if previous is not None else (None, None)
    for kept in (previous_digests, None):  # the previous digests kept, or none kept
        assert changes.digests(kept) == expected_digests
    assert digest_of_rows(changes.digests(None)) == digest_of_rows(expected_digests)


def test_every_kind_of_edit_gives_the_delta_and_digests_of_hashing_every_row(seed_arrow, tmp_path):
    documents = roundtrip(seed_arrow["documents"], tmp_path / "documents.parquet")

    def edit_documents(rows: list[dict]) -> None:
        rows[0]["text"] += " One more sentence."                      # a string cell
        rows[1]["removed_lines"] = [*(rows[1]["removed_lines"] or []), {"line": 99, "rule": "x", "text": "y"}]  # a list grows
        rows[2]["n_words"] += 1                                       # an integer
        rows.append(dict(rows[3], doc_id="zz-new"))                   # ADD
        rows.append(dict(rows[1], title="last row of a repeated id wins"))  # a repeated id
        del rows[4]                                                    # DEL

    assert_same_as_reference("documents", edited(documents, edit_documents), documents)

    figures = seed_arrow["monetary_figures"]
    assert figures.num_rows >= 4
    previous = edited(figures, lambda rows: [rows[0].update(amount=0.0), rows[1].update(amount=float("nan"))])
    previous = roundtrip(previous, tmp_path / "monetary_figures.parquet")

    def edit_figures(rows: list[dict]) -> None:
        rows[0]["amount"] = -0.0          # equal as numbers, not as JSON
        rows[1]["amount"] = float("nan")  # NaN again: the same JSON, not a change
        rows[2]["quality_flags"] = [*rows[2]["quality_flags"], "amount_missing"]
        rows[3]["amount_usd"] = None if rows[3]["amount_usd"] is not None else 1.5

    assert_same_as_reference("monetary_figures", edited(previous, edit_figures), previous)

    agreements = roundtrip(seed_arrow["agreements"], tmp_path / "agreements.parquet")
    assert agreements.num_rows >= 3

    def edit_agreements(rows: list[dict]) -> None:
        rows[0]["mentions"] = [dict(m, start=m["start"] + 1) for m in rows[0]["mentions"]]  # a struct field
        rows[1]["parties"] = list(reversed(rows[1]["parties"])) + ["Someone Else"]
        rows[2]["parties"] = []

    assert_same_as_reference("agreements", edited(agreements, edit_agreements), agreements)


def test_columns_in_another_order_or_type_are_compared_by_their_json(seed_arrow, tmp_path):
    organisations = roundtrip(seed_arrow["organisations"], tmp_path / "organisations.parquet")
    reordered = organisations.select(list(reversed(organisations.column_names)))
    assert_same_as_reference("organisations", reordered, organisations)
    assert not compare_table("organisations", reordered, organisations).delta.records
    narrower = organisations.set_column(
        organisations.column_names.index("mention_count"), "mention_count",
        organisations.column("mention_count").cast(pa.int32()),
    )
    assert_same_as_reference("organisations", narrower, organisations)  # same JSON: no MOD
    as_float = organisations.set_column(
        organisations.column_names.index("mention_count"), "mention_count",
        organisations.column("mention_count").cast(pa.float64()),
    )
    assert_same_as_reference("organisations", as_float, organisations)  # 3.0 is not 3: every row MOD
    assert compare_table("organisations", as_float, organisations).delta.counts()["MOD"] == organisations.num_rows
    assert_same_as_reference("organisations", organisations, None)  # first release: every row ADD


def test_equal_values_compares_nested_lists_and_structs_element_by_element():
    kind = pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))
    a = pa.array([[{"start": 1, "end": 2}], [{"start": 1, "end": 2}], None, [], [None]], kind)
    b = pa.array([[{"start": 1, "end": 2}], [{"start": 1, "end": 3}], None, None, [None]], kind)
    assert equal_values(a, b).tolist() == [True, False, True, False, True]
    assert equal_values(a.slice(1), b.slice(1)).tolist() == [False, True, False, True]
    assert equal_values(pa.array([1, 2]), pa.array([1.0, 2.0])).tolist() == [False, False]


def publish(raw: Path, out: Path, version: str):
    with rules_only():
        tables, sources = build_tables(raw)
    return publish_release(tables, sources, out, now=datetime.strptime(version, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=UTC))


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_release_without_kept_digests_or_with_broken_ones_gives_the_same_bytes(raw_dir, tmp_path):
    first = publish(raw_dir, tmp_path / "kept", FIRST)
    releases = tmp_path / "kept" / "releases"
    kept = sorted(p.name for p in (releases / ROW_DIGESTS_DIR).iterdir())
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert kept == sorted(row_digests_path(releases, manifest["files"][f"{n}.parquet"]["sha256"]).name for n in TABLE_NAMES)

    shutil.copytree(tmp_path / "kept", tmp_path / "none", symlinks=True)
    shutil.rmtree(tmp_path / "none" / "releases" / ROW_DIGESTS_DIR)  # as a release made before digests were kept
    shutil.copytree(tmp_path / "kept", tmp_path / "broken", symlinks=True)
    broken = tmp_path / "broken" / "releases" / ROW_DIGESTS_DIR
    for i, path in enumerate(sorted(broken.iterdir())):
        if i % 2:
            path.write_bytes(b"not parquet")
        else:  # readable, but not the digests of that file's rows
            pq.write_table(pa.table({"id": ["nobody"], "sha256": ["0" * 64]}), path)

    edited = sorted(raw_dir.glob("*.txt"))[1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOfficials expect a second round of talks in May.\n",
                      encoding="utf-8")
    (raw_dir / "zz_lisbon-grid.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
    seconds = {variant: publish(raw_dir, tmp_path / variant, SECOND) for variant in ("kept", "none", "broken")}
    assert {s.version for s in seconds.values()} == {SECOND} and not any(s.unchanged for s in seconds.values())
    published = folder_bytes(seconds["kept"].path)
    assert folder_bytes(seconds["none"].path) == published
    assert folder_bytes(seconds["broken"].path) == published

    second = seconds["kept"].path
    manifest = json.loads((second / "manifest.json").read_text())
    for name in TABLE_NAMES:
        records, digests = reference(name, pq.read_table(second / f"{name}.parquet"), pq.read_table(first.path / f"{name}.parquet"))
        lines = (second / "changes" / f"{name}.delta.jsonl").read_text(encoding="utf-8").splitlines()
        assert lines == [reference_json(r) for r in records], name
        assert manifest["content_digests"][name] == digest_of_rows(digests), name
        kept_file = row_digests_path(releases, manifest["files"][f"{name}.parquet"]["sha256"])
        kept_table = pq.read_table(kept_file)
        assert dict(zip(kept_table.column("id").to_pylist(), kept_table.column("sha256").to_pylist())) == digests
    # only the latest release's digests are kept
    assert len(list((releases / ROW_DIGESTS_DIR).iterdir())) == len(TABLE_NAMES)
    assert any(r["op"] == "MOD" for r in json.loads("[" + ",".join(
        (second / "changes" / "documents.delta.jsonl").read_text().splitlines()) + "]"))


def test_an_unchanged_run_after_a_release_without_kept_digests_publishes_nothing(raw_dir, tmp_path):
    first = publish(raw_dir, tmp_path / "out", FIRST)
    shutil.rmtree(tmp_path / "out" / "releases" / ROW_DIGESTS_DIR)  # as a release made before digests were kept
    again = publish(raw_dir, tmp_path / "out", SECOND)
    assert again.unchanged and again.version == first.version
    assert not (tmp_path / "out" / "releases" / SECOND).exists()
    (raw_dir / "zz_lisbon-grid.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
    changed = publish(raw_dir, tmp_path / "out", THIRD)
    assert not changed.unchanged and changed.version == THIRD
    assert json.loads((changed.path / "manifest.json").read_text())["previous_version"] == FIRST
