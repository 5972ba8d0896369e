"""Benchmark: extraction throughput on a corpus made of the seed articles repeated.

    .venv/bin/python benchmarks/extraction_speed.py [--megabytes 5]
    .venv/bin/python benchmarks/extraction_speed.py --adversarial
    .venv/bin/python benchmarks/extraction_speed.py --hostile [--modes rules,model]

Prints, per extractor, megabytes of cleaned text per second and peak memory of the run;
organisations with the model (the default) on text it reads for the first time ("new": its
line cache cleared before each article) and on lines it has read before ("seen"), and with
rules only (``PIPELINE_EXTRACTION=rules``); and with the model reading each batch of
articles a worker gets in one ``nlp.pipe`` pass (line cache cleared before each batch).
``--adversarial``: the money extractor on each hostile text of tests/adversarial_texts.py at
0.1 MB and 1 MB, and the ratio of the two times (linear: about 10).
``--hostile``: organisation extraction on each adversarial form of
tests/adversarial_texts.py at 0.1 MB and 1 MB, seconds per MB and the ratio.

    .venv/bin/python benchmarks/extraction_speed.py --release 10000 [--modes rules,model]

``--release N``: ``python -m pipeline release`` on N synthetic articles
(tests/synthetic_corpus.py) in a fresh output folder, per extraction mode: seconds end to
end, the peak memory of the whole process tree (the run and its workers, sampled every
0.1 s; the RSS sum counts shared pages once per process, PSS divides them among their
sharers), the CPU seconds of the whole tree (less sensitive to a loaded machine than the
wall time) and the Dagster step times. ``PIPELINE_WORKERS`` is passed on (default: every core).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.ingest.cleaning import clean_text
from pipeline.extract.agreements import find_agreements
from pipeline.extract.money import find_monetary_figures
from pipeline.compute.steps import MAX_BATCH_ARTICLES
from pipeline.extract.organisation_model import clear_model_cache, read_with_model
from pipeline.extract.organisations import find_organisation_mentions
from pipeline.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))
from tests.adversarial_texts import MONEY_ADVERSARIES, ORGANISATION_ADVERSARIES  # noqa: E402
from tests.synthetic_corpus import write_corpus  # noqa: E402


def corpus(megabytes: float) -> list[str]:
    seeds = [clean_text(p.read_text(encoding="utf-8")).text for p in sorted((PROJECT_ROOT / "raw").glob("*.txt"))]
    texts, size = [], 0
    while size < megabytes * 1e6:
        for t in seeds:
            texts.append(t)
            size += len(t.encode("utf-8"))
    return texts


def adversarial(sizes: tuple[int, int] = (100_000, 1_000_000)) -> None:
    """Seconds of the money extractor on each hostile text at two sizes, and their ratio."""
    find_monetary_figures("warm up: $1 billion")
    print(f"money extractor on hostile texts: {sizes[0] / 1e6:g} MB, {sizes[1] / 1e6:g} MB, ratio")
    for name, make in MONEY_ADVERSARIES.items():
        seconds = []
        for size in sizes:
            text = make(size)
            started = time.perf_counter()
            figures = find_monetary_figures(text)
            seconds.append(time.perf_counter() - started)
        ratio = seconds[1] / max(seconds[0], 1e-3)
        print(f"{name:28s} {seconds[0]:7.3f} s {seconds[1]:7.3f} s  x{ratio:4.1f}  ({len(figures)} figures)")


def hostile(modes: list[str]) -> None:
    """Seconds for 0.1 MB and 1 MB of each adversarial form, per extraction mode."""
    for mode in modes:
        find_organisation_mentions("Warm-up Bank (WB) said.", mode=mode)
        for form, make in ORGANISATION_ADVERSARIES.items():
            seconds = []
            for size in (100_000, 1_000_000):
                clear_model_cache()
                text = make(size)
                started = time.perf_counter()
                find_organisation_mentions(text, mode=mode)
                seconds.append(time.perf_counter() - started)
            print(
                f"{mode:6s} {form:30s} 0.1 MB {seconds[0]:6.2f} s   1 MB {seconds[1]:6.2f} s"
                f"   ratio {seconds[1] / max(seconds[0], 1e-9):5.1f}",
                flush=True,
            )


def tree_memory(process: "psutil.Process", cpu: dict[int, float]) -> tuple[int, int]:  # noqa: F821
    """Resident bytes (RSS) and proportional set size (PSS: shared pages divided among
    their sharers) of a process and all its descendants, summed; records each one's CPU
    seconds so far in ``cpu`` (by pid)."""
    import psutil

    rss = pss = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            info = p.memory_full_info()
            times = p.cpu_times()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        cpu[p.pid] = times.user + times.system
    return rss, pss


def release_run(articles: int, modes: list[str]) -> None:
    """End-to-end seconds and peak process-tree memory of the release command."""
    import psutil

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        paths = write_corpus(raw, articles)
        megabytes = sum(p.stat().st_size for p in paths) / 1e6
        print(f"corpus: {articles} synthetic articles, {megabytes:.1f} MB; "
              f"PIPELINE_WORKERS={os.environ.get('PIPELINE_WORKERS', 'unset (every core)')}")
        for mode in modes:
            out = Path(tmp) / f"out-{mode}"
            home = Path(tmp) / f"home-{mode}"
            home.mkdir()
            env = os.environ | {"PIPELINE_EXTRACTION": mode, "DAGSTER_HOME": str(home), "GX_ANALYTICS_ENABLED": "false"}
            command = [sys.executable, "-m", "pipeline", "release", "--raw-dir", str(raw), "--output-dir", str(out)]
            started = time.perf_counter()
            child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            watched = psutil.Process(child.pid)
            peak = peak_pss = 0
            cpu_by_pid: dict[int, float] = {}
            while child.poll() is None:
                rss, pss = tree_memory(watched, cpu_by_pid)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
                time.sleep(0.1)
            seconds = time.perf_counter() - started
            stdout, stderr = child.communicate()
            cpu = sum(cpu_by_pid.values())  # as last sampled (up to 0.1 s early)
            last = stdout.strip().splitlines()[-1] if stdout.strip() else stderr.strip()[-300:]
            print(f"{mode:6s} {seconds:6.1f} s end to end, {articles / seconds:6.0f} articles/s, "
                  f"{megabytes / seconds:5.2f} MB/s, peak {peak / 2**20:6.0f} MB RSS, {peak_pss / 2**20:6.0f} MB PSS "
                  f"(process tree), {cpu:.0f} CPU s (whole tree, user+sys); exit {child.returncode}: {last}")
            print("       steps: " + step_times(home))


def step_times(home: Path) -> str:
    """Seconds per step of the latest run recorded in a Dagster home."""
    code = (
        "import dagster as dg, json\n"
        "i = dg.DagsterInstance.get()\n"
        "r = i.get_runs(limit=1)\n"
        "print(json.dumps({s.step_key: s.end_time - s.start_time for s in i.get_run_step_stats(r[0].run_id)"
        " if s.start_time and s.end_time} if r else {}))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=os.environ | {"DAGSTER_HOME": str(home)},
                          capture_output=True, text=True)
    try:
        stats = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "(no step statistics: " + done.stderr.strip()[-200:] + ")"
    return ", ".join(f"{k} {v:.1f} s" for k, v in stats.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--adversarial", action="store_true", help="hostile texts at 0.1 MB and 1 MB (money)")
    parser.add_argument("--hostile", action="store_true", help="time the adversarial forms instead")
    parser.add_argument("--modes", default="rules,model", help="extraction modes for --hostile and --release")
    parser.add_argument("--release", type=int, metavar="N", help="time the release command on N synthetic articles")
    args = parser.parse_args()
    if args.release:
        release_run(args.release, args.modes.split(","))
        return
    if args.adversarial:
        adversarial()
        return
    if args.hostile:
        hostile(args.modes.split(","))
        return
    texts = corpus(args.megabytes)
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    find_organisation_mentions(texts[0]), find_monetary_figures(texts[0]), find_agreements(texts[0])  # load rules
    print(f"corpus: {len(texts)} articles, {size:.1f} MB of cleaned text")
    def model_on_new_text(text: str) -> None:
        clear_model_cache()
        find_organisation_mentions(text, mode="model")

    def model_on_new_batch(batch: list[str]) -> None:
        clear_model_cache()
        read_with_model(batch)  # what a worker does with its batch: one nlp.pipe over every new line
        for text in batch:
            find_organisation_mentions(text, mode="model")

    batches = [texts[i : i + MAX_BATCH_ARTICLES] for i in range(0, len(texts), MAX_BATCH_ARTICLES)]
    started = time.perf_counter()
    for batch in batches:
        model_on_new_batch(batch)
    seconds = time.perf_counter() - started
    print(f"{'organisations (model, new, batches of ' + str(MAX_BATCH_ARTICLES) + ')':28s} {size / seconds:6.2f} MB/s  ({seconds:.2f} s)")
    for name, run in [
        ("organisations (model, new)", model_on_new_text),
        ("organisations (model, seen)", lambda t: find_organisation_mentions(t, mode="model")),
        ("organisations (rules)", lambda t: find_organisation_mentions(t, mode="rules")),
        ("monetary figures", lambda t: find_monetary_figures(t)),
        ("agreements (with figures)", lambda t: find_agreements(t, find_monetary_figures(t))),
    ]:
        started = time.perf_counter()
        for t in texts:
            run(t)
        seconds = time.perf_counter() - started
        print(f"{name:28s} {size / seconds:6.2f} MB/s  ({seconds:.2f} s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
