"""Two real releases made by the pipeline, shared by the catalogue, fetch and loader tests.

The seeds are published, then the seeds plus one article: real extraction (rules only, for
speed), real Great Expectations, real Parquet, the real publisher (archives, index.json,
pages). A ``sources.csv`` sidecar dates most articles (one seed stays undated), so the
releases hold amounts in US dollars for several publication years, and a euro amount. Made once per test session; tests that change a releases folder work on a copy.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from pipeline.build import build_tables
from pipeline.publish.release import publish_release

from .conftest import RAW

EXTRA_ARTICLE = (
    "Lisbon utility signs grid deal\n\n"
    "Energias de Portugal signed a 40 million euro agreement with Siemens on Tuesday to "
    "modernise the grid around Lisbon, the companies said.\n"
)
#: The sidecar of the first release (the second adds the extra article's row).
SOURCES = (
    "file,url,outlet,published\n"
    "000_40583fd52b4b10e4.txt,https://news.example.org/world-order,Example News,2023-03-21\n"
    "001_1fee3075a4aac813.txt,https://news.example.org/closer,Example News,2023-03-22\n"
    "002_48415b9bfa23d4b9.txt,,Example Weekly,2019-06-05\n"
    "003_09b765c9070b9dc1.txt,https://wire.example.com/summit,Example Wire,2024-05-16T09:30:00+00:00\n"
)
EXTRA_SOURCE = "zz_lisbon-grid.txt,https://news.example.pt/grid,Example Lisboa,2021-03-18\n"
_MADE: dict[Path, Path] = {}


@contextmanager
def rules_only() -> Iterator[None]:
    """Organisations without the spaCy model while the block runs (the releases are the same kind)."""
    before = os.environ.get("PIPELINE_EXTRACTION")
    os.environ["PIPELINE_EXTRACTION"] = "rules"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PIPELINE_EXTRACTION", None)
        else:
            os.environ["PIPELINE_EXTRACTION"] = before


def publish_folder(raw_dir: Path, output_dir: Path):
    """One real release of ``raw_dir`` into ``output_dir`` (the :class:`Release`)."""
    with rules_only():
        tables, sources = build_tables(raw_dir)
        return publish_release(tables, sources, output_dir)


def two_releases(base: Path) -> Path:
    """``<base>/out/releases`` holding two versions (made on the first call for ``base``)."""
    if base not in _MADE:
        raw = base / "raw"
        raw.mkdir(parents=True)
        for path in sorted(RAW.glob("*.txt")):
            shutil.copy(path, raw / path.name)
        (raw / "sources.csv").write_text(SOURCES, encoding="utf-8")
        publish_folder(raw, base / "out")
        (raw / "zz_lisbon-grid.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
        (raw / "sources.csv").write_text(SOURCES + EXTRA_SOURCE, encoding="utf-8")
        publish_folder(raw, base / "out")
        _MADE[base] = base / "out" / "releases"
    return _MADE[base]


def copy_output(releases_dir: Path, target: Path) -> Path:
    """A writable copy of the output folder holding ``releases_dir``; returns the copy's releases folder."""
    shutil.copytree(releases_dir.parent, target, ignore=shutil.ignore_patterns(".publish.lock"))
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target / "releases"
