"""The quality_flags column: row-local, computed from the schema's meaning checks, documented."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.build import build_tables
from pipeline.publish.dictionary import render_dictionary
from pipeline.quality.flags import FLAGS_COLUMN, flag_ids, flagged_tables, quality_flags, with_quality_flags
from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.tables import read_table, write_table

from .conftest import RAW


@pytest.fixture(scope="module")
def odd_tables() -> dict[str, pd.DataFrame]:
    """The seed tables with a few rows that break meaning rules, as articles may."""
    tables, _ = build_tables(RAW)
    agreements = tables["agreements"].copy()
    agreements.at[0, "parties"] = []
    agreements.at[1, "year"] = 1700
    figures = tables["monetary_figures"].copy()
    figures.loc[0, ["amount", "low", "high"]] = [5e20, 5e20, 5e20]
    figures.at[2, "low"] = figures.at[2, "amount"] * 2
    documents = tables["documents"].copy()
    documents.at[3, "title"] = "Another title"
    return {"agreements": agreements, "monetary_figures": figures, "documents": documents}


def test_the_flagged_tables_are_the_ones_with_meaning_rules() -> None:
    assert flagged_tables() == ["documents", "monetary_figures", "agreements"]
    for name in TABLE_NAMES:
        columns = load_table_schema(name).column_names
        assert (FLAGS_COLUMN in columns) == bool(flag_ids(name))
        assert FLAGS_COLUMN not in columns or columns[-1] == FLAGS_COLUMN


def test_flags_name_the_rules_each_row_breaks(odd_tables: dict[str, pd.DataFrame]) -> None:
    agreements = quality_flags("agreements", odd_tables["agreements"])
    assert agreements[0] == ["no_party"] and agreements[1] == ["implausible_year"]
    figures = quality_flags("monetary_figures", odd_tables["monetary_figures"])
    assert figures[0] == ["amount_above_ceiling"] and figures[2] == ["amount_below_low"]
    assert quality_flags("documents", odd_tables["documents"])[3] == ["title_not_first_line"]


def test_a_rows_flags_depend_on_that_row_alone(odd_tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in odd_tables.items():
        whole = quality_flags(name, frame)
        assert any(whole)
        alone = [quality_flags(name, frame.iloc[[i]])[0] for i in range(len(frame))]
        assert alone == whole, name


def test_flags_survive_parquet(odd_tables: dict[str, pd.DataFrame], tmp_path) -> None:
    for name, frame in odd_tables.items():
        flagged = with_quality_flags(name, frame)
        back = read_table(write_table(name, flagged, tmp_path / f"{name}.parquet"))
        assert [list(f) for f in back[FLAGS_COLUMN]] == quality_flags(name, back) == list(flagged[FLAGS_COLUMN])


def test_the_data_dictionary_lists_every_flag() -> None:
    dictionary = render_dictionary("test")
    for name in flagged_tables():
        section = dictionary.split(f"## `{name}`")[1].split("\n## ")[0]
        for flag in flag_ids(name):
            assert f"| `{flag}` |" in section, (name, flag)
