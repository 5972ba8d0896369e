"""``python -m pipeline fetch``: a real http.server on 127.0.0.1 serving real releases.

The server runs in a thread on a free port and is shut down after each test; one handler
flips a byte of one file on its way out. Every failure must name the cause and leave no
folder behind."""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.publish.checksums import sha256_file
from pipeline.publish.fetch import FetchFailed, fetch_release

from .conftest import ROOT
from .published_releases import copy_output, two_releases


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_releases(tmp_path_factory.getbasetemp() / "two-releases")


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder; flips one byte in the middle of every file whose name is in ``corrupt``."""

    corrupt: frozenset[str] = frozenset()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        return None

    def copyfile(self, source, outputfile) -> None:  # type: ignore[no-untyped-def]
        if self.path.rsplit("/", 1)[-1] not in self.corrupt:
            return super().copyfile(source, outputfile)
        data = bytearray(source.read())
        data[len(data) // 2] ^= 0xFF
        outputfile.write(bytes(data))


@functools.cache
def _handler(corrupt: frozenset[str]) -> type[QuietHandler]:
    return type("CorruptingHandler", (QuietHandler,), {"corrupt": corrupt})


def serve(folder: Path, corrupt: frozenset[str] = frozenset()):
    """A started server on 127.0.0.1 (free port) and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_handler(corrupt), directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_address[1]}/releases"


@pytest.fixture
def server(releases) -> Iterator[str]:
    srv, thread, url = serve(releases.parent)
    yield url
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=10)


def fetch_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "fetch", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def same_files(a: Path, b: Path) -> bool:
    def listing(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): sha256_file(p) for p in folder.rglob("*") if p.is_file()}
    return listing(a) == listing(b)


def test_fetch_takes_the_latest_over_http_checks_it_and_prints_the_folder_last(releases, server, tmp_path):
    latest = json.loads((releases / "index.json").read_text(encoding="utf-8"))["latest"]
    done = fetch_cli(server, "--to", str(tmp_path / "got"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "got" / latest)
    assert [p.name for p in (tmp_path / "got").iterdir()] == [latest]
    assert same_files(releases / latest, tmp_path / "got" / latest)


def test_fetch_a_named_version(releases, server, tmp_path):
    first = json.loads((releases / "index.json").read_text(encoding="utf-8"))["versions"][0]["version"]
    folder = fetch_release(server, tmp_path / "got", version=first)
    assert folder == tmp_path / "got" / first and same_files(releases / first, folder)


def test_a_byte_flipped_in_transit_is_caught_and_leaves_nothing_behind(releases, tmp_path):
    srv, thread, url = serve(releases.parent, frozenset({"agreements.parquet"}))
    try:
        done = fetch_cli(url, "--to", str(tmp_path / "got"))
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=10)
    assert done.returncode == 1
    assert "agreements.parquet" in done.stderr and "corrupted in transit" in done.stderr
    assert "Traceback" not in done.stderr
    assert list((tmp_path / "got").iterdir()) == []


def test_a_missing_version_is_named_and_nothing_is_created(server, tmp_path):
    done = fetch_cli(server, "--version", "2001-01-01T000000Z", "--to", str(tmp_path / "got"))
    assert done.returncode == 1
    assert "no version '2001-01-01T000000Z'" in done.stderr and "index.json" in done.stderr
    assert not (tmp_path / "got").exists()


def test_a_base_url_with_no_catalogue_says_so(releases, tmp_path):
    srv, thread, url = serve(releases.parent)
    try:
        with pytest.raises(FetchFailed, match="404"):
            fetch_release(url + "/nothing-here", tmp_path / "got")
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=10)


def test_file_urls_and_plain_folders_are_fetched_too(releases, tmp_path):
    latest = json.loads((releases / "index.json").read_text(encoding="utf-8"))["latest"]
    by_url = fetch_release(releases.as_uri(), tmp_path / "url")
    by_path = fetch_release(str(releases), tmp_path / "path")
    assert by_url.name == by_path.name == latest
    assert same_files(releases / latest, by_url) and same_files(by_url, by_path)


def _rewrite_index(releases_dir: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = releases_dir / "index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    change(index["versions"][-1])
    path.write_text(json.dumps(index), encoding="utf-8")


@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/passwd", "changes/../../x"])
def test_a_catalogue_naming_a_file_outside_the_version_is_refused_before_any_download(releases, tmp_path, name):
    copied = copy_output(releases, tmp_path / "out")

    def point_outside(entry: dict) -> None:
        entry["files"][0]["name"] = name
        entry["files"][0]["path"] = f"{entry['version']}/{name}"

    _rewrite_index(copied, point_outside)
    with pytest.raises(FetchFailed, match="refuses|not a plain relative path"):
        fetch_release(copied.as_uri(), tmp_path / "got")
    assert not (tmp_path / "got").exists()


def test_a_file_changed_with_the_catalogue_but_not_its_sums_is_caught_by_sha256sums(releases, tmp_path):
    copied = copy_output(releases, tmp_path / "out")
    latest = json.loads((copied / "index.json").read_text(encoding="utf-8"))["latest"]
    changed = copied / latest / "CHANGES.md"
    changed.write_bytes(changed.read_bytes() + b"\nA line nobody published.\n")

    def restate(entry: dict) -> None:
        item = next(f for f in entry["files"] if f["name"] == "CHANGES.md")
        item["bytes"], item["sha256"] = changed.stat().st_size, hashlib.sha256(changed.read_bytes()).hexdigest()

    _rewrite_index(copied, restate)
    with pytest.raises(FetchFailed, match=r"CHANGES\.md: sha256 differs from SHA256SUMS"):
        fetch_release(copied.as_uri(), tmp_path / "got")
    assert list((tmp_path / "got").iterdir()) == []


def test_a_file_larger_than_the_catalogue_states_is_cut_off(releases, tmp_path):
    copied = copy_output(releases, tmp_path / "out")
    latest = json.loads((copied / "index.json").read_text(encoding="utf-8"))["latest"]
    (copied / latest / "CHANGES.md").write_bytes(b"x" * 10_000_000)
    with pytest.raises(FetchFailed, match="longer than the"):
        fetch_release(copied.as_uri(), tmp_path / "got")
    assert list((tmp_path / "got").iterdir()) == []


def test_an_existing_target_is_not_overwritten(releases, tmp_path):
    latest = json.loads((releases / "index.json").read_text(encoding="utf-8"))["latest"]
    (tmp_path / "got" / latest).mkdir(parents=True)
    with pytest.raises(FetchFailed, match="already exists"):
        fetch_release(releases.as_uri(), tmp_path / "got")
    assert list((tmp_path / "got" / latest).iterdir()) == []


def test_a_version_served_under_another_name_is_refused(releases, tmp_path):
    copied = copy_output(releases, tmp_path / "out")
    index = json.loads((copied / "index.json").read_text(encoding="utf-8"))
    first, latest = index["versions"][0]["version"], index["latest"]
    alias = "2030-01-01T000000Z"
    (copied / latest).rename(copied / alias)  # the latest release's files, offered as another version

    def rename(entry: dict) -> None:
        entry["version"] = alias
        for item in entry["files"]:
            item["path"] = f"{alias}/{item['name']}"

    _rewrite_index(copied, rename)
    with pytest.raises(FetchFailed, match=f"offers version {alias}, but its manifest.json says '{latest}'"):
        fetch_release(copied.as_uri(), tmp_path / "got", version=alias)
    assert list((tmp_path / "got").iterdir()) == []
    assert fetch_release(copied.as_uri(), tmp_path / "got", version=first).name == first
