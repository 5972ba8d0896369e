"""Charts kept beside the releases: a page drawn with them is byte for byte the page drawn
without them; a kept chart is read instead of drawn; other data is drawn anew.

Real tables of the seed articles (rules-only extraction), real matplotlib, real files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.build import build_tables
from pipeline.publish.pages import write_release_page
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import to_arrow

from .conftest import RAW
from .published_releases import rules_only

CHANGES = {"previous_version": None, "changes": {}}


@pytest.fixture(scope="module")
def seed_arrow() -> dict[str, pa.Table]:
    with rules_only():
        tables, _ = build_tables(RAW)
    return {name: to_arrow(name, tables[name]) for name in TABLE_NAMES}


def page(folder: Path, tables: dict[str, pa.Table], kept: Path | None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return write_release_page(folder, "v1", "2026-01-01T00:00:00Z", tables, CHANGES, kept_charts=kept).read_text(encoding="utf-8")


def test_kept_charts_give_the_same_page_and_are_read_instead_of_drawn(seed_arrow, tmp_path):
    drawn = page(tmp_path / "plain", seed_arrow, None)
    kept = tmp_path / "kept"
    assert page(tmp_path / "first", seed_arrow, kept) == drawn  # drawn, then kept
    svgs = sorted(kept.glob("*.svg"))
    assert len(svgs) == drawn.count("<svg") >= 5
    assert page(tmp_path / "second", seed_arrow, kept) == drawn  # read back

    # a kept chart is what the page shows (proof that it is read, not drawn again)
    marked = svgs[0].read_text(encoding="utf-8").replace("</svg>", "<!-- kept --></svg>")
    svgs[0].write_text(marked, encoding="utf-8")
    assert page(tmp_path / "third", seed_arrow, kept).count("<!-- kept -->") == 1
    # a kept file that is not a chart is drawn again and replaced
    svgs[0].write_text("not a chart", encoding="utf-8")
    assert page(tmp_path / "fourth", seed_arrow, kept) == drawn
    assert svgs[0].read_text(encoding="utf-8").startswith("<svg")


def test_other_data_is_drawn_anew_and_the_folder_keeps_only_the_last_page_charts(seed_arrow, tmp_path):
    kept = tmp_path / "kept"
    page(tmp_path / "first", seed_arrow, kept)
    before = {p.name for p in kept.glob("*.svg")}
    organisations = seed_arrow["organisations"]
    counts = organisations.column("mention_count").to_pylist()
    changed = dict(seed_arrow, organisations=organisations.set_column(
        organisations.column_names.index("mention_count"), "mention_count",
        pa.array([c + 100 if i == 0 else c for i, c in enumerate(counts)], pa.int64()),
    ))
    expected = page(tmp_path / "plain", changed, None)
    assert page(tmp_path / "second", changed, kept) == expected
    after = {p.name for p in kept.glob("*.svg")}
    assert len(after) == len(before) and len(after - before) == 1  # only the organisations chart is new
