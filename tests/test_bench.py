"""``make bench``'s machinery on a tiny corpus: the keys it documents, sane values, the corpus.

The figures themselves are never asserted (speed is for the benchmark to print).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

BENCH = ROOT / "benchmarks" / "bench.py"
sys.path.append(str(ROOT / "benchmarks"))  # after site-packages: a script name never shadows a library
from bench_corpus import write_corpus  # noqa: E402  (benchmarks/ is not a package)

STAGES = ["inventory_cleaning", "organisations", "money", "agreements", "cross_article", "checks", "release"]
MACHINE_KEYS = {"cores", "memory_gb", "cpu_model", "python", "platform", "git_commit", "load_average_start"}
COMMAND_KEYS = {"full_seconds", "peak_rss_mb", "unchanged_seconds", "unchanged_percent", "incremental_seconds",
                "incremental_percent", "published", "steps"}


def test_the_corpus_is_deterministic_and_varied(tmp_path: Path) -> None:
    first = [p.read_bytes() for p in write_corpus(tmp_path / "a", 200)]
    again = [p.read_bytes() for p in write_corpus(tmp_path / "b", 200)]
    shorter = [p.read_bytes() for p in write_corpus(tmp_path / "c", 50)]
    assert first == again
    assert shorter == first[:50]  # article i does not depend on the corpus size
    assert len(set(first)) == 200
    text = b"\n".join(first).decode("utf-8")
    codes = set(re.findall(r"\b[A-Z]{3}\b(?= \d)", text))
    symbols = set(re.findall(r"[$€£₹₦₩₱₪₴₫₺](?=\d)", text))
    names = set(re.findall(r"\b[A-Z][a-z]+ (?:Holdings|Bank|Group|Energy|Capital|Motors|Steel|Logistics)\b", text))
    assert len(codes) > 40 and len(symbols) > 5, (codes, symbols)
    assert len(names) > 100
    assert "Asian Infrastructure Investment Bank" not in text and "$400 billion" not in text


def test_bench_writes_every_documented_key_with_sane_values(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    env = os.environ | {"GX_ANALYTICS_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "8", "--modes", "rules", "--no-peer", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    documented = BENCH.read_text(encoding="utf-8")
    for key in ["created", "command", "sizes", "modes", "machine", "entries", *MACHINE_KEYS, *COMMAND_KEYS,
                *STAGES, "corpus_mb", "text_mb", "mb_per_s", "articles_per_s", "peer"]:
        assert f"``{key}``" in documented, f"{key} is not documented in the bench module's docstring"
    assert report["sizes"] == [8] and report["modes"] == ["rules"]
    assert set(report["machine"]) == MACHINE_KEYS and report["machine"]["cores"] >= 1
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", report["machine"]["git_commit"])
    [entry] = report["entries"]
    assert entry["articles"] == 8 and entry["mode"] == "rules" and entry["peer"] is None
    assert 0 < entry["text_mb"] <= entry["corpus_mb"]
    assert list(entry["stages"]) == STAGES
    for name, stage in entry["stages"].items():
        assert stage["seconds"] > 0, name
        assert stage["mb_per_s"] > 0 and stage["articles_per_s"] > 0, name
    command = entry["release_command"]
    assert set(command) == COMMAND_KEYS
    assert command["published"] is True
    for key in ["full_seconds", "unchanged_seconds", "incremental_seconds", "peak_rss_mb"]:
        assert command[key] > 0, key
    assert command["peak_rss_mb"] > 50  # a Python process with pandas and Dagster, summed over its tree
    assert command["incremental_percent"] == round(100 * command["incremental_seconds"] / command["full_seconds"], 1)
    assert {"raw_articles", "documents", "release"} <= set(command["steps"])
    assert not (out / "work").exists()  # the corpus and the runs' outputs are removed
    table = subprocess.run([sys.executable, str(BENCH), "--markdown", str(out / "bench.json")],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "| 8 | " in table.stdout and "| cross_article | " in table.stdout
    if importlib.util.find_spec("matplotlib"):
        assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "not drawn: matplotlib is not installed" in done.stdout


def test_bad_sizes_are_refused_with_the_reason(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--sizes", "ten", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "sizes must be whole numbers" in done.stderr
    assert not (tmp_path / "bench.json").exists()


def test_the_examples_in_the_bench_modules_hold() -> None:
    import doctest

    import bench
    import bench_corpus

    for module in (bench, bench_corpus):  # benchmarks/ is outside pytest's doctest paths
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
