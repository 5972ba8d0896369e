"""Where and when each article was published: the ``sources.csv`` sidecar with good and bad
rows, the dateline when the sidecar says nothing, never the file's time; and the columns
this gives the published tables (documents, monetary_figures, agreements)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.build import build_raw_articles, build_tables, source_records
from pipeline.extract.rates import default_rate_table
from pipeline.ingest.sources import read_raw_folder
from pipeline.publish.release import publish_release
from pipeline.tables import read_table

ARTICLES = {
    "loan.txt": "Japan lends to India\n\nJapan signed a 30 billion yen loan agreement with India on Tuesday.\n",
    "2024/port.txt": "Port contract signed\n\nDenmark signed a €200 million port contract with Norway on 3 May 2024.\n",
    "wire.txt": "Lenders merge\n\nLONDON, Nov 3, 2014 (Reuters) - Britain agreed a £2 billion rescue deal with Ireland on Monday.\n",
    "undated.txt": "Kenya loan\n\nKenya agreed a Sh20 billion loan with Uganda.\n",
    "bad-values.txt": "Swap\n\nTurkey and Qatar agreed a currency swap worth $5 billion.\n",
}
SIDECAR = (
    "file,url,outlet,published,desk,language\n"
    "loan.txt,https://news.example.org/loan,Example News,2021-03-11,asia,en\n"  # good
    "2024/port.txt,http://ports.example.com/a?id=7,,2024-05-06T09:15:00Z,,\n"  # good, date-time, no outlet
    "missing.txt,https://news.example.org/missing,Example News,2020-01-01,,\n"  # bad: no such file
    "bad-values.txt,javascript:alert(1),Wire,11/03/2021,,\n"  # bad url, bad date: both dropped, outlet kept
    "loan.txt,https://news.example.org/again,,2019-01-01,,\n"  # bad: the file again
)


@pytest.fixture
def sourced_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    for name, text in ARTICLES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "sources.csv").write_text(SIDECAR, encoding="utf-8")
    os.utime(folder / "undated.txt", (1_300_000_000, 1_300_000_000))  # a file time (2011) that must not date it
    return folder


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_EXTRACTION", "rules")


def test_the_sidecar_is_metadata_not_an_article_and_each_bad_row_is_a_warning_quoting_it(sourced_dir: Path) -> None:
    articles = {a.source_file: a for a in read_raw_folder(sourced_dir)}
    sidecar = articles["sources.csv"]
    assert sidecar.status == "skipped" and sidecar.doc_id is None and sidecar.text is None
    assert "source metadata sidecar" in sidecar.problem
    warnings = sidecar.notes.split("; ")
    assert warnings == [
        "sources.csv row 4 (file=missing.txt, url=https://news.example.org/missing, outlet=Example News, "
        "published=2020-01-01): file is not in the raw folder",
        "sources.csv row 5 (file=bad-values.txt, url=javascript:alert(1), outlet=Wire, published=11/03/2021): "
        "url is not an http(s) URL: 'javascript:alert(1)'",
        "sources.csv row 5 (file=bad-values.txt, url=javascript:alert(1), outlet=Wire, published=11/03/2021): "
        "published not an ISO 8601 date or date-time: '11/03/2021'",
        "sources.csv row 6 (file=loan.txt, url=https://news.example.org/again, published=2019-01-01): "
        "file already described by an earlier row: row ignored",
    ]
    loan, port, bad = articles["loan.txt"], articles["2024/port.txt"], articles["bad-values.txt"]
    assert (loan.url, loan.outlet, loan.published) == ("https://news.example.org/loan", "Example News", "2021-03-11")
    assert json.loads(loan.sidecar_extra) == {"desk": "asia", "language": "en"}
    assert (port.url, port.outlet, port.published, port.sidecar_extra) == (
        "http://ports.example.com/a?id=7", None, "2024-05-06T09:15:00+00:00", None,
    )
    assert (bad.status, bad.url, bad.outlet, bad.published) == ("ok", None, "Wire", None)  # cost nothing else
    assert all(a.status == "ok" for name, a in articles.items() if name != "sources.csv")


def test_a_sidecar_that_cannot_be_used_says_why_and_the_articles_publish(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "a.txt").write_text("Deal\n\nTwo firms agreed a merger.\n", encoding="utf-8")
    (folder / "sources.csv").write_bytes(b"name;link\na.txt;https://x.org\n")
    articles = {a.source_file: a for a in read_raw_folder(folder)}
    assert "no 'file' column in the header" in articles["sources.csv"].notes
    assert articles["a.txt"].status == "ok" and articles["a.txt"].url is None
    (folder / "sources.csv").write_bytes(b"file,url\na.txt,https://x.org/\xff\n")
    assert "not UTF-8" in {a.source_file: a for a in read_raw_folder(folder)}["sources.csv"].notes


def test_manifest_records_keep_the_sidecar_columns_and_warnings(sourced_dir: Path) -> None:
    records = {r["source_file"]: r for r in source_records(build_raw_articles(sourced_dir))}
    assert records["loan.txt"]["sidecar_extra"] == {"desk": "asia", "language": "en"}
    assert records["loan.txt"]["url"] == "https://news.example.org/loan"
    assert "missing.txt" in records["sources.csv"]["notes"]
    json.dumps(records)  # JSON-ready


def test_documents_say_where_and_when_and_figures_and_agreements_carry_usd(sourced_dir: Path, rules_only: None) -> None:
    tables, _ = build_tables(sourced_dir)
    docs = tables["documents"].set_index("source_file")
    assert "sources.csv" not in docs.index
    got = docs[["url", "outlet", "published_at", "published_source", "published_evidence"]].astype(object)
    got = got.where(got.notna(), None).to_dict("index")
    assert got == {
        "loan.txt": {"url": "https://news.example.org/loan", "outlet": "Example News", "published_at": "2021-03-11",
                     "published_source": "sidecar", "published_evidence": None},
        "2024/port.txt": {"url": "http://ports.example.com/a?id=7", "outlet": None,
                          "published_at": "2024-05-06T09:15:00+00:00", "published_source": "sidecar",
                          "published_evidence": None},
        "wire.txt": {"url": None, "outlet": None, "published_at": "2014-11-03", "published_source": "text",
                     "published_evidence": "Nov 3, 2014"},
        "undated.txt": {"url": None, "outlet": None, "published_at": None, "published_source": None,
                        "published_evidence": None},  # never the file's modification time
        "bad-values.txt": {"url": None, "outlet": "Wire", "published_at": None, "published_source": None,
                           "published_evidence": None},
    }
    wire = docs.loc["wire.txt"]
    assert wire["text"][int(wire["published_evidence_start"]) : int(wire["published_evidence_end"])] == "Nov 3, 2014"

    doc_of = dict(zip(tables["documents"]["doc_id"], tables["documents"]["source_file"]))
    figures = tables["monetary_figures"].assign(source_file=lambda f: f["doc_id"].map(doc_of)).set_index("source_file")
    rates = default_rate_table()
    for name, currency, published in [("loan.txt", "JPY", date(2021, 3, 11)), ("2024/port.txt", "EUR", date(2024, 5, 6)),
                                      ("wire.txt", "GBP", date(2014, 11, 3))]:
        row = figures.loc[name]
        rate, fixing = rates.usd_rate(currency, published)
        assert row["currency"] == currency and row["usd_rate_date"] == fixing.isoformat()
        assert math.isclose(row["amount_usd"], row["amount"] * rate, rel_tol=1e-12)
        assert pd.isna(row["usd_missing_reason"])
    assert figures.loc["undated.txt", "usd_missing_reason"] == "no_publication_date"
    assert figures.loc["bad-values.txt", "amount_usd"] == 5e9  # USD needs no date

    agreements = tables["agreements"].assign(source_file=lambda f: f["doc_id"].map(doc_of))
    by_file = {r.source_file: r for r in agreements.itertuples(index=False)}
    assert by_file["loan.txt"].date == "2021-03-09"  # "on Tuesday", published Thursday 11 March 2021
    assert by_file["2024/port.txt"].date == "2024-05-03"
    assert by_file["wire.txt"].date == "2014-11-03"  # "on Monday", published Monday 3 November 2014
    assert pd.isna(by_file["undated.txt"].date) and pd.isna(by_file["undated.txt"].year)
    for name in ("loan.txt", "2024/port.txt", "wire.txt"):
        assert by_file[name].year == int(by_file[name].date[:4])
        assert math.isclose(by_file[name].amount_usd, figures.loc[name, "amount_usd"], rel_tol=1e-12)


def test_a_release_with_a_sidecar_publishes_and_validates(sourced_dir: Path, rules_only: None, tmp_path: Path) -> None:
    tables, sources = build_tables(sourced_dir)
    release = publish_release(tables, sources, tmp_path / "out").path
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    sidecar = next(r for r in manifest["sources"] if r["source_file"] == "sources.csv")
    assert sidecar["status"] == "skipped" and "missing.txt" in sidecar["notes"]
    assert manifest["validation"]["success"] and manifest["validation"]["blocking_failures"] == 0
    documents = read_table(release / "documents.parquet")
    assert documents["published_at"].notna().sum() == 3
    figures = read_table(release / "monetary_figures.parquet")
    assert figures["amount_usd"].notna().sum() >= 4
    dictionary = (release / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert "European Central Bank" in dictionary and f"data end on {default_rate_table().end_date}" in dictionary


@pytest.mark.slow
def test_the_command_publishes_a_sidecar_release_that_validate_trusts(sourced_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PIPELINE_EXTRACTION": "rules", "DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(sourced_dir), "--output-dir", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    release = Path(done.stdout.strip().splitlines()[-1])
    checked = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", str(release)], capture_output=True, text=True, timeout=300, env=env
    )
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert read_table(release / "agreements.parquet")["date"].notna().sum() == 3
