"""Every expectation of every suite catches its defect.

For each expectation, a copy of the real tables (built from the seed articles) gets one
precise defect aimed at it; validating makes that expectation fail, and any other failure
is a direct consequence on the same column (a null ``text`` also breaks the evidence
equality). A suite expectation without a defect here fails the coverage test.

A meaning defect is what an article may say: the pipeline flags the row (its
``quality_flags`` are recomputed, as the build does), the expectation warns, nothing
blocks, and Great Expectations counts exactly the rows that carry the flag.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from pipeline.build import build_tables
from pipeline.provenance import with_usd
from pipeline.quality.flags import FLAGS_COLUMN, flag_ids, with_quality_flags
from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.quality.suites import FLAGS_EXACT, FLAGS_KNOWN, load_suite, parse_reference_column
from pipeline.quality.validation import validate_table

from .conftest import RAW

Tables = dict[str, pd.DataFrame]


# Publication dates for three seeds (so that USD columns are filled) and an article dated by
# its own dateline (a publication date with evidence, an agreement signed "on Tuesday").
SIDECAR = (
    "file,url,outlet,published\n"
    "000_40583fd52b4b10e4.txt,https://news.example.org/a,Example News,2015-09-01\n"
    "001_1fee3075a4aac813.txt,https://news.example.org/b,,2018-06-08T10:30:00+03:00\n"
    "003_09b765c9070b9dc1.txt,,Example Wire,2019-06-05\n"
)
DATED = "Japan and France sign loan\n\nTOKYO, March 2, 2016 (Kyodo) - Japan signed a 30 billion yen loan agreement with France on Tuesday.\n"


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    folder = tmp_path_factory.mktemp("raw")
    for path in sorted(RAW.glob("*.txt")):
        shutil.copy(path, folder / path.name)
    (folder / "sources.csv").write_text(SIDECAR, encoding="utf-8")
    (folder / "dated.txt").write_text(DATED, encoding="utf-8")
    built, _ = build_tables(folder)
    return built


@pytest.fixture(scope="module")
def already_failing(tables: Tables) -> dict[str, set[str]]:
    """Rules that fail on the real tables as they are (warnings such as "invest billion")."""
    return {
        t: {o.rule for o in validate_table(t, tables[t], tables).outcomes if not o.success} for t in TABLE_NAMES
    }


def _columns(kwargs: dict[str, Any]) -> set[str]:
    return {kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(kwargs.get(k), str)}


def _first_with(frame: pd.DataFrame, column: str) -> int:
    """Index of the first row where ``column`` has a value."""
    return int(frame.index[frame[column].notna()][0])


# Defects for the derived check columns: each breaks the data the column is computed from.
def _spans(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    frame.at[0, "mentions"] = [{"start": 5, "end": 2}]
    return frame


def _title(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    frame.at[0, "title"] = "A title that is not the first line"
    return frame


def _ceiling(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    i = _first_with(frame, "amount")
    frame.loc[i, ["amount", "low", "high"]] = 1e20
    return frame


def _null_amount(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    i = _first_with(frame, "amount")
    frame.loc[i, ["amount", "low", "high"]] = None
    frame.at[i, "qualifier"] = "exact"
    return frame


def _party_count(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    frame.at[0, "parties"] = []
    return frame


def _unknown_party(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    frame.at[0, "parties"] = ["Atlantis"]
    return frame


def _value_mismatch(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    i = _first_with(frame, "figure_id")
    frame.at[i, "amount"] = frame.at[i, "amount"] * 2
    return frame


def _evidence_elsewhere(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    i = _first_with(frame, "published_evidence_start")
    frame.at[i, "published_evidence"] = "1 January 1999"
    return frame


def _usd_not_amount_times_rate(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    i = _first_with(frame, "amount_usd")
    frame.at[i, "amount_usd"] = frame.at[i, "amount_usd"] * 2
    return frame


def _rate_not_the_source_rate(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    i = int(frame.index[frame["usd_rate"].notna() & (frame["usd_rate"] != 1.0)][0])
    frame.at[i, "usd_rate"] = frame.at[i, "usd_rate"] * 1.01
    frame.at[i, "amount_usd"] = frame.at[i, "amount"] * frame.at[i, "usd_rate"]
    return frame


def _with_usd_of_amounts(table: str, frame: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """What the build derives from an amount an article states: its USD columns."""
    if table != "monetary_figures":
        return frame
    rows = with_usd(frame.astype(object).where(frame.notna(), None).to_dict("records"), tables["documents"])
    for column in ("amount_usd", "usd_rate", "usd_rate_date", "usd_rate_source", "usd_missing_reason"):
        frame[column] = pd.Series([r[column] for r in rows], index=frame.index, dtype=frame[column].dtype)
    return frame


def _unknown_flag(frame: pd.DataFrame, _: Tables) -> pd.DataFrame:
    frame.at[0, FLAGS_COLUMN] = ["not-a-flag"]
    return frame


def _wrong_flag(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Row 0 breaks no meaning rule but claims to break the table's first one."""
    assert len(frame.at[0, FLAGS_COLUMN]) == 0
    frame.at[0, FLAGS_COLUMN] = [flag_ids(table)[0]]
    return frame


DERIVED: dict[str, Callable[[pd.DataFrame, Tables], pd.DataFrame]] = {
    FLAGS_KNOWN: _unknown_flag,
    "_spans_valid": _spans,
    "_title_is_first_line": _title,
    "_amount_below_ceiling": _ceiling,
    "_null_amount_is_unknown": _null_amount,
    "_party_count": _party_count,
    "_parties_known": _unknown_party,
    "_value_matches_figure": _value_mismatch,
    "_published_evidence_in_text": _evidence_elsewhere,
    "_usd_is_amount_times_rate": _usd_not_amount_times_rate,
    "_usd_rate_is_source_rate": _rate_not_the_source_rate,
}


def _percentage_in_the_text(table: str, tables: Tables) -> Tables:
    """A document that writes a figure as a percentage: the figure's text and the document's
    text both change (same length, so every offset still holds)."""
    frame = tables[table].copy().reset_index(drop=True)
    documents = tables["documents"].copy()
    doc_id, start, end = frame.at[0, "doc_id"], int(frame.at[0, "start"]), int(frame.at[0, "end"])
    text = "9" * (end - start - 1) + "%"
    frame.at[0, "text"] = text
    where = documents.index[documents["doc_id"] == doc_id][0]
    old = documents.at[where, "text"]
    documents.at[where, "text"] = old[:start] + text + old[end:]
    return {**tables, "documents": documents, table: frame}


def _zero_value(tables: Tables) -> Tables:
    """An article that values a deal at zero: the agreement and its figure both say 0."""
    agreements = tables["agreements"].copy().reset_index(drop=True)
    figures = tables["monetary_figures"].copy()
    i = _first_with(agreements, "figure_id")
    agreements.at[i, "amount"] = 0.0
    figures.loc[figures["figure_id"] == agreements.at[i, "figure_id"], ["amount", "low", "high"]] = 0.0
    return {**tables, "agreements": agreements, "monetary_figures": with_quality_flags("monetary_figures", figures)}


def inject(
    table: str, expectation: dict[str, Any], tables: Tables
) -> tuple[pd.DataFrame, dict[str, int] | None, Tables]:
    """A copy of ``table`` with the defect ``expectation`` is there to catch, the previous
    release's row counts to validate against, and the tables to validate with."""
    if expectation["type"] == "expect_column_values_to_not_match_regex":
        defective = _percentage_in_the_text(table, tables)
        return defective[table], None, defective
    if table == "agreements" and expectation["meta"].get("flag") == "amount_not_positive":
        defective = _zero_value(tables)
        return defective[table], None, defective
    frame, previous = _inject(table, expectation, tables)
    return frame, previous, {**tables, table: frame}


def _inject(table: str, expectation: dict[str, Any], tables: Tables) -> tuple[pd.DataFrame, dict[str, int] | None]:
    frame = tables[table].copy().reset_index(drop=True)
    kind, kw = expectation["type"], expectation["kwargs"]
    column = kw.get("column")
    if kind == "expect_table_columns_to_match_ordered_list":
        names = list(frame.columns)
        return frame[[names[1], names[0], *names[2:]]], None
    if kind == "expect_table_row_count_to_be_between":
        if isinstance(kw.get("max_value"), dict):  # too many rows: the table blown up, ids kept unique
            key = load_table_schema(table).primary_key[0]
            copies = []
            for i in range(1200):
                copy = frame.copy()
                copy[key] = copy[key] + f"-copy{i}"
                copies.append(copy)
            return pd.concat(copies, ignore_index=True), None
        if "shrink_floor" in kw["min_value"]["$PARAMETER"]:  # the previous release had 3x the rows
            return frame, {table: 3 * len(frame)}
        return frame.iloc[:0], None  # no rows at all
    if column == FLAGS_EXACT:
        return _wrong_flag(frame, table), None
    if column in DERIVED:
        return DERIVED[column](frame, tables), None
    reference = parse_reference_column(column or "")
    if reference:  # a reference to a row that does not exist
        own = reference[0]
        frame.at[_first_with(frame, own), own] = "zz-unknown-id"
        return frame, None
    if kind == "expect_column_values_to_not_be_null":
        if kw.get("mostly"):
            frame[column] = None
        else:
            frame.at[_first_with(frame, column), column] = None
        return frame, None
    if kind == "expect_column_values_to_be_unique":
        frame.at[1, column] = frame.at[0, column]
        return frame, None
    if kind == "expect_column_values_to_be_in_set":
        frame.at[_first_with(frame, column), column] = "not-an-allowed-value"
        return frame, None
    if kind == "expect_column_values_to_match_regex":
        frame.at[_first_with(frame, column), column] = "!! not matching !!"
        return frame, None
    if kind == "expect_column_value_lengths_to_be_between":
        frame.at[0, column] = ""
        return frame, None
    if kind == "expect_column_values_to_be_between":
        i = _first_with(frame, column)
        low = kw.get("min_value")
        frame.at[i, column] = (low if kw.get("strict_min") else low - 1) if low is not None else 10**6
        if isinstance(low, dict) or low is None:
            frame.at[i, column] = 10**6
        return frame, None
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kw["column_A"], kw["column_B"]
        if a == "_document_length":  # the evidence runs past the end of its document
            frame.at[0, b] = 10**7
        else:
            i = _first_with(frame, b)
            frame.at[i, a] = frame.at[i, b] - (0 if not kw.get("or_equal") else 1)
        return frame, None
    if kind == "expect_column_pair_values_to_be_equal":
        a = kw["column_A"]
        frame.at[0, a] = frame.at[0, a] + ("x" if isinstance(frame.at[0, a], str) else 1)
        return frame, None
    raise AssertionError(f"no defect known for {kind} {kw}")


CASES = [
    pytest.param(table, i, id=f"{table}: {e['meta']['rule']}")
    for table in TABLE_NAMES
    for i, e in enumerate(load_suite(table)["expectations"])
]


@pytest.mark.parametrize(("table", "index"), CASES)
def test_each_expectation_catches_its_defect(
    tables: Tables, already_failing: dict[str, set[str]], table: str, index: int
) -> None:
    expectation = load_suite(table)["expectations"][index]
    target = expectation["meta"]["rule"]
    if target in already_failing[table]:  # the real data has this defect: without its rows, it holds
        tables = {**tables, table: _without_failing_rows(table, target, tables)}
        assert next(o for o in validate_table(table, tables[table], tables).outcomes if o.rule == target).success
    frame, previous, context = inject(table, expectation, tables)
    flag = expectation["meta"].get("flag")
    if flag:  # what an article says: the build converts the amount and flags the row
        frame = with_quality_flags(table, _with_usd_of_amounts(table, frame, tables))
    result = validate_table(table, frame, {**context, table: frame}, previous)
    hit = [o for o in result.outcomes if o.rule == target and not o.success]
    assert hit, f"{table}: the defect for {target!r} went unnoticed"
    assert hit[0].severity == expectation["severity"]
    if flag:
        assert hit[0].severity == "warning" and result.success, result.describe_failures()
        assert hit[0].flag == flag
        assert hit[0].unexpected_count == result.flag_counts[flag] >= 1
        assert all(flag in e[FLAGS_COLUMN] for e in hit[0].examples)
    others = [
        o for o in result.outcomes if not o.success and o.rule != target and o.rule not in already_failing[table]
    ]
    columns_of = {e["meta"]["rule"]: _columns(e["kwargs"]) for e in load_suite(table)["expectations"]}
    touched = _columns(expectation["kwargs"])
    assert all(_is_consequence(columns_of[o.rule], touched, expectation) for o in others), [
        (o.rule, o.column) for o in others
    ]


def _without_failing_rows(table: str, rule: str, tables: Tables) -> pd.DataFrame:
    outcome = next(o for o in validate_table(table, tables[table], tables).outcomes if o.rule == rule)
    rows = [e["row"] for e in outcome.examples]
    return tables[table].drop(index=tables[table].index[rows]).reset_index(drop=True)


def _is_consequence(other: set[str], touched: set[str], expectation: dict[str, Any]) -> bool:
    """Another failure the same defect explains: on the same column, or on a derived column
    computed from the data (evidence slices, party counts), or a count or rate after a change
    of the whole table."""
    if expectation["type"] == "expect_table_row_count_to_be_between":
        return True  # a table emptied or blown up fails every count and rate assertion too
    return bool(other & touched) or any(c.startswith("_") for c in other | touched)


def test_the_real_tables_pass_every_blocking_expectation(tables: Tables) -> None:
    for table in TABLE_NAMES:
        result = validate_table(table, tables[table], tables)
        assert result.success, result.describe_failures()


def test_severity_policy_integrity_blocks_meaning_warns() -> None:
    """Only integrity blocks: every critical expectation checks structure, ids, references,
    value sets, evidence or the flags column; every meaning check warns with a flag, and so
    does every whole-table assertion except an empty documents table."""
    for table in TABLE_NAMES:
        expectations = load_suite(table)["expectations"]
        for e in expectations:
            rule, flag = e["meta"]["rule"], e["meta"].get("flag")
            if flag:
                assert e["severity"] == "warning", rule
            elif e["type"] == "expect_table_row_count_to_be_between":
                blocks = (table, rule) == ("documents", "at least 1 row")  # an empty release
                assert e["severity"] == ("critical" if blocks else "warning"), rule
            elif e["kwargs"].get("mostly") is not None:
                assert e["severity"] == "warning", rule  # fill rates
            else:
                assert e["severity"] == "critical", rule
        flags = [e["meta"]["flag"] for e in expectations if "flag" in e["meta"]]
        assert flags == flag_ids(table) and len(set(flags)) == len(flags)
        assert bool(flags) == (FLAGS_COLUMN in load_table_schema(table).column_names)


def test_every_warning_names_what_it_observed(tables: Tables) -> None:
    """A warning says how many rows and shows some, or the observed value of the table."""
    result = validate_table("organisations", tables["organisations"].iloc[:0], tables)
    least = math.ceil(0.2 * len(tables["documents"]))
    line = "organisations: warning at least 0.2 rows per document [expect_table_row_count_to_be_between]: "
    assert f"{line}observed 0 rows; expected at least {least}" in result.describe_failures().splitlines()
    figures = tables["monetary_figures"]
    result = validate_table("monetary_figures", figures, tables)
    line = next(line for line in result.describe_failures().splitlines() if "amount_missing" in line)
    assert f'1 of {len(figures)} rows break it, e.g. [{{"row": ' in line and '"text": "billion"' in line
    assert "e.g. []" not in line
