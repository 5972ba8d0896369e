"""A raw folder holding every odd or hostile input beside the seeds publishes, through the
real pipeline (Dagster in a temporary home, real GX, real Parquet): each odd name is in
manifest.json with its status and reason and logged as a Dagster warning, the seeds are
published as without them, and no byte from outside the folder reaches any table."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from pipeline.defs.run import run_release
from pipeline.schemas import TABLE_NAMES

from .conftest import RAW

SECRET = "OUTSIDE-SECRET-7f3a"  # written only outside the raw folder

GAS_DEAL = """Gas deal signed

Gazprom and China National Petroleum Corporation signed a supply contract worth $2 billion
in Beijing on Monday, the companies said. Deliveries are due to start in 2027.
"""
HTML_PAGE = """<!doctype html><html><head><title>Rail pact | Example Wire</title>
<script>var figures = ["$9 billion", "$8 billion"];</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a></nav><article><h1>Rail pact agreed</h1>
<p>Russia and China agreed a rail pact worth $4&nbsp;billion on Friday, officials said.</p>
<p>Work on the line starts next year &amp; ends in 2030.</p></article>
<footer>&copy; Example Wire</footer></body></html>
"""
NUL_ARTICLE = """Bank loan agreed

The Export-Import Bank of China agreed a loan of $300 million to Kenya Railways on Thursday,
the bank said in a statement.\x00 The loan runs for fifteen years.\x1b
"""
CYRILLIC = """Port deal

Rosneft signed a contract with Essar Energy on Wednesday to supply oil to an Indian refinery.
"""
CHINESE = """Power plant deal

State Grid Corporation of China signed a $1.5 billion deal to build a power line in Brazil.
"""
SUBFOLDER = """Mining agreement

Rio Tinto and the government of Mongolia signed an agreement on Tuesday to expand a copper mine.
"""


def _hostile_folder(root: Path) -> Path:
    """The seeds plus one of every odd input; secrets placed beside the folder."""
    raw = root / "raw"
    raw.mkdir()
    for path in sorted(RAW.glob("*.txt")):
        shutil.copy(path, raw / path.name)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\n\n{GAS_DEAL}", encoding="utf-8")
    (raw / "passwd.txt").symlink_to("/etc/passwd")
    (raw / "secret.txt").symlink_to(outside / "secret.txt")
    (raw / "linked-folder").symlink_to(outside, target_is_directory=True)
    (raw / "alias.txt").symlink_to("000_40583fd52b4b10e4.txt")
    (raw / "2024" / "05").mkdir(parents=True)
    (raw / "2024" / "05" / "mining.txt").write_text(SUBFOLDER, encoding="utf-8")
    (raw / ".git").mkdir()
    (raw / ".git" / "HEAD.txt").write_text(GAS_DEAL, encoding="utf-8")
    (raw / ".notes.txt").write_text(GAS_DEAL, encoding="utf-8")
    (raw / "gas.txt~").write_text(GAS_DEAL, encoding="utf-8")
    (raw / "#gas.txt#").write_text(GAS_DEAL, encoding="utf-8")
    (raw / "gas.txt.swp").write_bytes(b"b0VIM 8.2" + b"\x00" * 64)
    with (raw / "huge.txt").open("wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse
    (raw / "page.txt").write_text(HTML_PAGE, encoding="utf-8")
    (raw / "feed.txt").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title></channel></rss>', encoding="utf-8"
    )
    (raw / "nul.txt").write_bytes(NUL_ARTICLE.encode("utf-8"))
    (raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "wide.txt").write_bytes(GAS_DEAL.encode("utf-16"))
    (raw / "Сделка.txt").write_text(CYRILLIC, encoding="utf-8")
    (raw / "中国电网.txt").write_text(CHINESE, encoding="utf-8")
    (raw / "copy-of-seed.txt").write_bytes((RAW / "001_1fee3075a4aac813.txt").read_bytes())
    (raw / "furniture.txt").write_text("Subscribe to The Week\n\nShare this article\n\nAdvertisement\n")
    os.mkfifo(raw / "pipe.txt")
    (raw / "line\nbreak.txt").write_text("Odd name\n\nTurkey and Qatar signed a defence pact on Monday.\n")
    (raw / "-dash back\\slash\ttab.txt").write_text("Odd name two\n\nIndia and Japan signed a rail deal.\n")
    with open(os.path.join(os.fsencode(raw), b"latin-\xe9.txt"), "wb") as handle:
        handle.write(b"Latin name\n\nA file name in Latin-1 bytes about a trade agreement between Chile and Peru.\n")
    return raw


# (status, problem or a prefix of it ending in "...", notes or None)
EXPECTED = {
    "passwd.txt": ("skipped", "symbolic link to a path outside the raw folder: not followed", None),
    "secret.txt": ("skipped", "symbolic link to a path outside the raw folder: not followed", None),
    "linked-folder": ("skipped", "symbolic link to a path outside the raw folder: not followed", None),
    "alias.txt": ("skipped", "symbolic link to 000_40583fd52b4b10e4.txt inside the raw folder: not followed "
                  "(the target is listed under its own name)", None),
    "2024/05/mining.txt": ("ok", None, None),
    ".git": ("skipped", "hidden folder (name starts with a dot): not read", None),
    ".notes.txt": ("skipped", "hidden file (name starts with a dot)", None),
    "gas.txt~": ("skipped", "editor backup file", None),
    "#gas.txt#": ("skipped", "editor swap or autosave file", None),
    "gas.txt.swp": ("skipped", "editor swap or autosave file", None),
    "huge.txt": ("rejected", f"larger than the limit of 20971520 bytes ({4 * 1024**3} bytes)", None),
    "page.txt": ("ok", None, "HTML page: main text read from <article>, title from <h1>"),
    "feed.txt": ("rejected", "XML document (root element <rss>), not an article text", None),
    "nul.txt": ("ok", None, "removed 2 control characters (U+0000 x1, U+001B x1)"),
    "image.txt": ("rejected", "binary content (...", None),
    "empty.txt": ("rejected", "empty file", None),
    "wide.txt": ("ok", None, None),
    "Сделка.txt": ("ok", None, None),
    "中国电网.txt": ("ok", None, None),
    "001_1fee3075a4aac813.txt": ("ok", None, None),
    "copy-of-seed.txt": ("duplicate", "same text as 001_1fee3075a4aac813.txt", None),
    "furniture.txt": ("rejected", "no text left after cleaning: only page furniture (advertisement, share, subscribe)", None),
    "pipe.txt": ("skipped", "not a regular file (named pipe): not read", None),
    "latin-\\xe9.txt": ("ok", None, "file name is not valid UTF-8; shown with \\xNN escapes"),
    "line\nbreak.txt": ("ok", None, None),
    "-dash back\\slash\ttab.txt": ("ok", None, None),
}


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {home / 'storage'}\ntelemetry:\n  enabled: false\n"
    )
    raw = _hostile_folder(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        instance = dg.DagsterInstance.get()
        path = run_release(raw, root / "out", instance=instance)
        [run] = instance.get_runs()
        warnings = [e.user_message for e in instance.all_logs(run.run_id) if e.level == logging.WARNING]
    yield raw, path, warnings
    instance.dispose()


def test_the_release_publishes_every_good_article(hostile_release):
    _, path, _ = hostile_release
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["validation"]["success"] is True
    documents = pq.read_table(path / "documents.parquet").to_pylist()
    published = {d["source_file"] for d in documents}
    ok = {s["source_file"] for s in manifest["sources"] if s["status"] == "ok"}
    assert published == ok
    assert {p.name for p in RAW.glob("*.txt")} < published
    assert len(published) == 5 + 9
    assert len({d["doc_id"] for d in documents}) == len(documents)


def test_each_odd_input_is_in_the_manifest_with_its_status_and_reason(hostile_release):
    _, path, _ = hostile_release
    sources = {s["source_file"]: s for s in json.loads((path / "manifest.json").read_text())["sources"]}
    for name, (status, problem, notes) in EXPECTED.items():
        record = sources[name]
        assert record["status"] == status, (name, record)
        if problem is not None and problem.endswith("..."):
            assert record["problem"].startswith(problem[:-3]), (name, record)
        else:
            assert record["problem"] == problem, (name, record)
        assert record["notes"] == notes, (name, record)
    assert sources["copy-of-seed.txt"]["duplicate_of"] == "001_1fee3075a4aac813.txt"
    assert not any(name.startswith((".git/", "linked-folder/")) for name in sources)  # not entered
    assert set(sources) == set(EXPECTED) | {p.name for p in RAW.glob("*.txt")}


def test_each_odd_input_is_logged_as_a_dagster_warning(hostile_release):
    _, _, warnings = hostile_release
    for name, (status, _, notes) in EXPECTED.items():
        if status != "ok" or notes:
            assert any(f"{status} source {name}: " in w for w in warnings), name


def test_no_byte_from_outside_the_folder_reaches_any_table(hostile_release):
    raw, path, _ = hostile_release
    passwd = Path("/etc/passwd").read_text(errors="replace").splitlines() if Path("/etc/passwd").exists() else []
    inside = {hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.rglob("*")
              if p.is_file() and not p.is_symlink() and p.stat().st_size < 1 << 20}
    for name in TABLE_NAMES:
        dumped = json.dumps(pq.read_table(path / f"{name}.parquet").to_pylist(), ensure_ascii=False, default=str)
        assert SECRET not in dumped, name
        for line in passwd:
            if len(line) > 12:
                assert line not in dumped, (name, line)
    for doc in pq.read_table(path / "documents.parquet").to_pylist():
        assert doc["raw_sha256"] in inside, doc["source_file"]
    everything = "".join(p.read_text(errors="replace") for p in path.rglob("*") if p.suffix in (".json", ".md", ".html"))
    assert SECRET not in everything


def test_markup_and_control_characters_never_reach_the_tables(hostile_release):
    _, path, _ = hostile_release
    docs = {d["source_file"]: d for d in pq.read_table(path / "documents.parquet").to_pylist()}
    page = docs["page.txt"]
    assert page["title"] == "Rail pact agreed"
    assert "worth $4 billion on Friday" in page["text"] and "<" not in page["text"]
    figures = pq.read_table(path / "monetary_figures.parquet").to_pylist()
    page_amounts = sorted(f["amount"] for f in figures if f["doc_id"] == page["doc_id"])
    assert page_amounts == [4e9]  # not the $9 billion or $8 billion of the script
    assert all("\x00" not in d["text"] and "\x1b" not in d["text"] for d in docs.values())
    assert "fifteen years" in docs["nul.txt"]["text"]
    assert docs["wide.txt"]["encoding"] == "utf-16"
    assert docs["2024/05/mining.txt"]["doc_id"].startswith("2024-05-mining-")
    assert docs["Сделка.txt"]["doc_id"].startswith("sdelka-")
    assert docs["中国电网.txt"]["doc_id"].startswith("zhongguodianwang-")
