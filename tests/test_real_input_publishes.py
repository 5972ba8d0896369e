"""Real input never costs a release: whatever the articles say, the real pipeline publishes
them, and what is odd in them is flagged and listed, not blocking.

The seeds and ``../shared/dev/raw`` go through ``python -m pipeline release`` (a real
subprocess); a 2,000-article corpus recombined from the seeds' sentences and single odd
articles go through :func:`pipeline.defs.run.run_release` with a real Dagster instance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from pipeline.defs.run import run_release

from .conftest import GOLD, RAW, ROOT
from .synthetic_corpus import write_corpus

DEV_RAW = GOLD.parent / "dev" / "raw"

pytestmark = pytest.mark.slow  # each test publishes a release with Dagster


def _published(path: Path) -> dict:
    """The release's manifest, after checking that it is the latest and passed its gate."""
    versions = json.loads((path.parent / "versions.json").read_text())
    assert versions["latest"] == path.name
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["validation"]["success"] is True and manifest["validation"]["blocking_failures"] == 0
    for warned in manifest["validation"]["warned"]:  # every warning says what it saw
        assert warned["observed"] and "e.g. []" not in warned["observed"], warned
        assert warned["examples"] or warned["unexpected_count"] == 0 or warned["observed"].startswith("observed")
    return manifest


def _rows(path: Path, table: str) -> list[dict]:
    return pq.read_table(path / f"{table}.parquet").to_pylist()


@pytest.mark.parametrize(
    "raw_dir",
    [
        pytest.param(RAW, id="seeds"),
        pytest.param(
            DEV_RAW, id="dev", marks=pytest.mark.skipif(not DEV_RAW.is_dir(), reason="../shared/dev/raw is absent")
        ),
    ],
)
def test_real_articles_publish_through_the_command_line(raw_dir: Path, dagster_home: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(raw_dir), "--output-dir", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "DAGSTER_HOME": str(dagster_home), "GX_ANALYTICS_ENABLED": "false"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    path = Path(done.stdout.strip().splitlines()[-1])
    manifest = _published(path)
    readable = [s for s in manifest["sources"] if s["status"] == "ok"]
    assert len(readable) == len(list(raw_dir.glob("*.txt")))
    assert manifest["row_counts"]["documents"] == len(readable)


def test_a_synthetic_corpus_of_2000_articles_publishes(dagster_home: Path, tmp_path: Path) -> None:
    """2,000 articles recombined from the seeds: few new organisations per document (the
    organisations are the seeds' own), many figures without their number."""
    write_corpus(tmp_path / "raw", 2000)
    path = run_release(tmp_path / "raw", tmp_path / "out", instance=dg.DagsterInstance.get())
    manifest = _published(path)
    assert manifest["row_counts"]["documents"] == 2000
    validation = manifest["validation"]
    warned = {w["rule"]: w for w in validation["warned"]}
    few = warned["at least 0.2 rows per document"]  # 0.2 organisations per document would block before
    assert few["table"] == "organisations"
    assert few["observed"] == f"observed {manifest['row_counts']['organisations']} rows; expected at least 400"
    figures = _rows(path, "monetary_figures")
    missing = sum(1 for f in figures if f["amount"] is None)
    assert missing > 0 and validation["quality_flags"]["monetary_figures"]["amount_missing"] == missing
    assert all(("amount_missing" in f["quality_flags"]) == (f["amount"] is None) for f in figures)


NO_PARTY = (
    "Talks drag on over the river crossing\n\n"
    "Officials said on Thursday that a deal on the new river crossing was close, though nobody "
    "would say who would sign it or when. The talks have run since the spring.\n\n"
    "Residents of both banks said they had heard such promises before.\n"
)


def test_an_article_whose_only_agreement_names_no_party_publishes(dagster_home: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "river_crossing.txt").write_text(NO_PARTY, encoding="utf-8")
    path = run_release(raw, tmp_path / "out", instance=dg.DagsterInstance.get())
    manifest = _published(path)
    (agreement,) = _rows(path, "agreements")
    assert agreement["parties"] == [] and agreement["quality_flags"] == ["no_party"]
    (warned,) = [w for w in manifest["validation"]["warned"] if w["flag"] == "no_party"]
    assert warned["unexpected_count"] == 1 and warned["examples"][0]["agreement_id"] == agreement["agreement_id"]
    assert manifest["validation"]["quality_flags"]["agreements"] == {"no_party": 1}


def test_a_cp1252_article_titled_big_deal_for_gazprom_publishes(dagster_home: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    article = (
        "\u201cBig\u201d deal for Gazprom\n\n"
        "The gas company\u2019s chief called it \u201cbig\u201d: a supply contract worth \u00a3300 million "
        "over five years, signed in a caf\u00e9 near the harbour.\n"
    )
    (raw / "big_deal.txt").write_bytes(article.encode("cp1252"))
    path = run_release(raw, tmp_path / "out", instance=dg.DagsterInstance.get())
    manifest = _published(path)
    (document,) = _rows(path, "documents")
    assert document["title"] == "\u201cBig\u201d deal for Gazprom" and document["encoding"] == "cp1252"
    assert document["quality_flags"] == []
    assert manifest["row_counts"]["agreements"] >= 1
    (figure,) = _rows(path, "monetary_figures")
    assert (figure["amount"], figure["currency"]) == (3e8, "GBP")
