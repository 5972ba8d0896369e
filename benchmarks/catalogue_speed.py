"""Benchmark: what the catalogue adds to publishing, and fetch throughput.

    .venv/bin/python benchmarks/catalogue_speed.py [--articles 1000]

Builds the tables of a synthetic corpus (tests/synthetic_corpus.py, rules only), publishes one
release, then times on it: the release page with its six charts, the archive, the catalogue
refresh (index.json + index.html), and a fetch over a real http.server on 127.0.0.1 (download,
hashes, SHA256SUMS, validate). A benchmark prints figures; no test times anything.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("PIPELINE_EXTRACTION", "rules")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.build import build_tables  # noqa: E402
from pipeline.publish.archive import write_archive  # noqa: E402
from pipeline.publish.catalogue import refresh_catalogue  # noqa: E402
from pipeline.publish.fetch import fetch_release  # noqa: E402
from pipeline.publish.pages import render_release_page  # noqa: E402
from pipeline.publish.release import publish_release  # noqa: E402
from pipeline.schemas import TABLE_NAMES  # noqa: E402
from pipeline.tables import read_table  # noqa: E402
from tests.synthetic_corpus import write_corpus  # noqa: E402


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None


def timed(label: str, function, repeat: int = 3):  # type: ignore[no-untyped-def]
    """Run ``function`` ``repeat`` times; print the best time; return its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<48} {best:8.3f} s (best of {repeat})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_corpus(base / "raw", args.articles)
        tables, sources = build_tables(base / "raw")
        release = publish_release(tables, sources, base / "out")
        releases = base / "out" / "releases"
        folder = release.path
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"release of {args.articles} articles: {size / 1e6:.1f} MB in {folder.name}; rows "
              + ", ".join(f"{n} {c}" for n, c in release.row_counts.items()))
        staged = {n: read_table(folder / f"{n}.parquet") for n in TABLE_NAMES}
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        timed("release page (7 charts)", lambda: render_release_page(
            folder.name, manifest["created"], staged, manifest, sorted(manifest["files"])))
        timed("archive (tar.gz)", lambda: write_archive(folder, base / "bench.tar.gz", manifest["created"]))
        timed("catalogue refresh (index.json, index.html)", lambda: refresh_catalogue(releases))
        timed("catalogue rebuild, archives hashed again", lambda: refresh_catalogue(releases, rehash=True))
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(base / "out")))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/releases"
        counter = iter(range(100))
        try:
            timed("fetch over http (download, hashes, validate)",
                  lambda: fetch_release(url, base / f"got{next(counter)}"))
        finally:
            server.shutdown()
            server.server_close()
        print(f"fetched {size / 1e6:.1f} MB per fetch")


if __name__ == "__main__":
    main()
