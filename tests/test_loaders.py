"""A fetched release loads in pandas, DuckDB and polars with the same rows, list columns as lists.

The release is fetched with the real ``fetch`` from a real catalogue, then read the way the
release page tells users to read it."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from pipeline.publish.fetch import fetch_release
from pipeline.schemas import TABLE_NAMES, load_table_schema

from .published_releases import two_releases


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_releases(tmp_path_factory.getbasetemp() / "two-releases")


@pytest.fixture(scope="module")
def fetched(releases: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fetch_release(releases.as_uri(), tmp_path_factory.mktemp("fetched"))


def list_columns(name: str) -> list[str]:
    return [f.name for f in load_table_schema(name).fields if (f.arrow_type_name or "").startswith("list<")]


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_each_reader_sees_the_same_rows_and_lists(fetched, name):
    path = fetched / f"{name}.parquet"
    expected_rows = json.loads((fetched / "manifest.json").read_text(encoding="utf-8"))["row_counts"][name]
    truth = pq.read_table(path).to_pylist()
    frame = pd.read_parquet(path, dtype_backend="pyarrow")
    con = duckdb.connect()
    try:
        result = con.execute(f"SELECT * FROM read_parquet('{path.as_posix()}')")
        columns = [d[0] for d in result.description]
        ducks = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    polar = pl.read_parquet(path)
    assert len(truth) == expected_rows == len(frame) == len(ducks) == polar.height
    if name in ("documents", "organisations", "agreements"):
        assert expected_rows > 0
    for column in list_columns(name):
        assert isinstance(polar.schema[column], pl.List)
        want = [row[column] for row in truth]
        assert [row[column] for row in ducks] == want
        assert polar[column].to_list() == want
        assert frame[column].tolist() == want
        assert all(isinstance(cell, list) for cell in frame[column]), column
    if name == "agreements":
        assert any(row["parties"] for row in truth)  # the comparison above saw real lists


def test_the_snippets_of_the_release_page_run_as_written_on_the_fetched_release(fetched, monkeypatch, capsys):
    """The pandas, DuckDB and polars blocks of the page, taken from the HTML and executed."""
    page = (fetched / "index.html").read_text(encoding="utf-8")
    blocks = [html.unescape(b) for b in re.findall(r"<pre>(.*?)</pre>", page, flags=re.S)]
    by_reader = {reader: next(b for b in blocks if f"import {reader}" in b) for reader in ("pandas", "duckdb", "polars")}
    monkeypatch.chdir(fetched)
    results: dict[str, dict] = {}
    for reader, code in by_reader.items():
        results[reader] = {}
        exec(compile(code, f"<{reader} snippet>", "exec"), results[reader])  # noqa: S102 - our own page's code
    shown = capsys.readouterr().out
    agreements = pq.read_table("agreements.parquet").to_pylist()
    unflagged = sum(1 for row in agreements if not row["quality_flags"])
    assert len(results["pandas"]["clean"]) == results["polars"]["clean"].height == unflagged
    assert "kind" in shown and str(agreements[0]["kind"]) in shown  # DuckDB's .show() printed the counts
