"""Extraction quality by the project's own yardstick (``../shared/gold/score.py``).

Two annotated sets: the five seeds (issue 3's bars) and the development set of 30 real
articles of other subjects (``../shared/dev``). A change that loses quality on either fails
here, with score.py's list of misses in the message. (The example tables in
test_*_examples.py hold news forms neither set contains.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import build_tables
from pipeline.tables import write_table

from .conftest import GOLD

SHARED = GOLD.parent
#: Per annotated set: its raw folder, its gold folder and the lowest score each figure may have.
SETS = {
    "seeds": (SHARED / "seeds", GOLD, {
        "organisations_f1": 0.95,
        "money_f1": 0.98,
        "qualifier_accuracy": 0.90,
        "agreements_f1": 0.85,
        "agreement_attrs": 0.85,
        "clusters_f1": 0.80,
    }),
    "dev": (SHARED / "dev" / "raw", SHARED / "dev" / "gold", {
        "organisations_f1": 0.90,
        "money_f1": 0.97,
        "qualifier_accuracy": 0.90,
        "agreements_f1": 0.80,
        "agreement_attrs": 0.80,
    }),
}

pytestmark = pytest.mark.skipif(not (GOLD / "score.py").exists(), reason="../shared/gold is not beside the project")


@pytest.mark.parametrize("name", sorted(SETS))
def test_scores_meet_the_bars(name: str, tmp_path: Path) -> None:
    raw, gold, bars = SETS[name]
    if not gold.is_dir():
        pytest.skip(f"{gold} is not beside the project")
    tables, _ = build_tables(raw)
    for name, frame in tables.items():
        write_table(name, frame, tmp_path / f"{name}.parquet")
    out = tmp_path / "score.json"
    done = subprocess.run(
        [sys.executable, str(GOLD / "score.py"), str(tmp_path), str(gold), "--json", str(out), "--verbose"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    a = result["agreements"]
    scores = {
        "organisations_f1": result["organisations"]["f1"],
        "money_f1": result["monetary_figures"]["f1"],
        "qualifier_accuracy": result["monetary_figures"]["qualifier_accuracy"],
        "agreements_f1": a["f1"],
        "agreement_attrs": (a["kind_accuracy"] + a["topic_accuracy"] + a["parties_accuracy"] + a["value_accuracy"]) / 4,
        "clusters_f1": a["cluster_pairwise"]["f1"],
    }
    misses = "\n".join(
        line for line in done.stdout.splitlines()
        if line.startswith("  ") and not line.lstrip().startswith(('"', "}", "{"))
    )
    below = {k: v for k, v in scores.items() if k in bars and v < bars[k]}
    assert not below, f"below the bars: {below}\n{misses}"
