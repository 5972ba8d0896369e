"""Download a release from a catalogue (``index.json``) and trust it only once it checks out.

``fetch_release(base_url, to_dir, version)`` reads ``<base_url>/index.json`` (http, https or
file; a plain folder path also works), takes the latest version or the one asked for, and
downloads every file it lists into a temporary sibling of the target folder. Each name must
be a plain relative path (no absolute path, no ``..``); each download is bounded by the size
the index states and hashed while it streams; then the folder is checked against
``SHA256SUMS`` and by :func:`pipeline.quality.verify.verify_release` (checksums, manifest,
package hashes, every suite). Only then is it renamed to ``<to_dir>/<version>``: a failure
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from pipeline.publish.checksums import MAX_FILE_BYTES, MAX_METADATA_BYTES, member_path, verify_checksums

INDEX_FILE = "index.json"
TIMEOUT_SECONDS = 60.0
SCHEMES = ("http", "https", "file")


class FetchFailed(RuntimeError):
    """The release could not be fetched or did not check out; nothing was left behind."""


def base_of(location: str) -> str:
    """The catalogue's base URL, ending in ``/``; a folder path becomes a ``file:`` URL.

    >>> base_of("http://127.0.0.1:8000/releases")
    'http://127.0.0.1:8000/releases/'
    >>> base_of("/srv/releases/")
    'file:///srv/releases/'
    >>> base_of("ftp://example.org/x")
    Traceback (most recent call last):
    ...
    pipeline.publish.fetch.FetchFailed: ftp://example.org/x: only http, https and file URLs (or a folder path) are fetched
    """
    scheme = urllib.parse.urlsplit(location).scheme
    if not scheme:
        location = Path(location).resolve().as_uri()
    elif scheme not in SCHEMES:
        raise FetchFailed(f"{location}: only http, https and file URLs (or a folder path) are fetched")
    return location.rstrip("/") + "/"


def _url(base: str, relative: str) -> str:
    return base + urllib.parse.quote(relative)


def _open(url: str) -> Any:
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS)  # noqa: S310 - schemes checked in base_of
    except urllib.error.HTTPError as error:
        raise FetchFailed(f"{url}: the server answered {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise FetchFailed(f"{url}: cannot be read ({reason})") from error


def download(url: str, target: Path, max_bytes: int) -> tuple[str, int]:
    """Stream ``url`` into ``target``, at most ``max_bytes``; returns its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    with _open(url) as response, target.open("xb") as out:
        while block := response.read(1 << 20):
            size += len(block)
            if size > max_bytes:
                raise FetchFailed(f"{url}: longer than the {max_bytes} bytes the catalogue states")
            digest.update(block)
            out.write(block)
    return digest.hexdigest(), size


def read_index(base: str) -> dict[str, Any]:
    """``index.json`` at ``base``, checked for the fields fetching needs."""
    url = _url(base, INDEX_FILE)
    with _open(url) as response:
        raw = response.read(MAX_METADATA_BYTES + 1)
    if len(raw) > MAX_METADATA_BYTES:
        raise FetchFailed(f"{url}: larger than {MAX_METADATA_BYTES} bytes; not a catalogue")
    try:
        index = json.loads(raw)
    except ValueError as error:
        raise FetchFailed(f"{url}: not valid JSON ({error})") from error
    if not isinstance(index, dict) or not isinstance(index.get("versions"), list):
        raise FetchFailed(f"{url}: has no 'versions' list; not a release catalogue")
    return index


def choose_version(index: dict[str, Any], version: str | None, where: str) -> dict[str, Any]:
    """The entry of ``version``, or of the latest when ``version`` is None."""
    wanted = version or index.get("latest")
    if not wanted:
        raise FetchFailed(f"{where}: names no latest version; give --version")
    for entry in index["versions"]:
        if isinstance(entry, dict) and entry.get("version") == wanted:
            return entry
    known = [e.get("version") for e in index["versions"] if isinstance(e, dict)]
    raise FetchFailed(f"{where}: no version {wanted!r}; it lists {', '.join(map(str, known[-5:])) or 'none'}"
                      + (" (latest five)" if len(known) > 5 else ""))


def planned_files(entry: dict[str, Any], where: str) -> list[tuple[str, str, int, str]]:
    """``(name, path, bytes, sha256)`` of every file of the entry, each name checked: a plain
    relative path, under the version's folder, with a sha256 and a bounded size."""
    version, files = entry["version"], entry.get("files")
    if not isinstance(version, str) or "/" in version or version in ("", ".", "..") or not isinstance(files, list):
        raise FetchFailed(f"{where}: the entry of {version!r} is malformed")
    plan, scratch = [], Path("/nonexistent-fetch-check")
    for item in files:
        try:
            name, path, size, digest = item["name"], item["path"], int(item["bytes"]), item["sha256"]
            member_path(scratch, name)
        except (KeyError, TypeError, ValueError) as error:
            raise FetchFailed(f"{where}: version {version} lists a file the fetch refuses: {error}") from error
        if path != f"{version}/{name}":
            raise FetchFailed(f"{where}: {name}: its path {path!r} is not inside {version}/")
        if not (0 <= size <= MAX_FILE_BYTES) or not isinstance(digest, str) or len(digest) != 64:
            raise FetchFailed(f"{where}: {name}: size {size} or sha256 {digest!r} is not acceptable")
        plan.append((name, path, size, digest))
    if "SHA256SUMS" not in {p[0] for p in plan}:
        raise FetchFailed(f"{where}: version {version} lists no SHA256SUMS")
    return plan


def fetch_release(location: str, to_dir: Path, version: str | None = None) -> Path:
    """Fetch, check and validate a release; returns ``<to_dir>/<version>``. Raises
    :class:`FetchFailed` with every reason, leaving no folder behind."""
    from pipeline.quality.verify import verify_release

    base = base_of(location)
    index_url = _url(base, INDEX_FILE)
    entry = choose_version(read_index(base), version, index_url)
    plan = planned_files(entry, index_url)
    to_dir.mkdir(parents=True, exist_ok=True)
    final = to_dir / entry["version"]
    if final.exists():
        raise FetchFailed(f"{final} already exists; fetch into another folder or remove it")
    tmp = to_dir / f".fetch-{entry['version']}.{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        for name, path, size, digest in plan:
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            actual, actual_size = download(_url(base, path), target, size)
            if actual_size != size or actual != digest:
                raise FetchFailed(
                    f"{_url(base, path)}: {actual_size} bytes with sha256 {actual}, but {INDEX_FILE} states "
                    f"{size} bytes with sha256 {digest}: corrupted in transit or changed on the server"
                )
        listed = set(_sums_names(tmp))
        missing = sorted(listed - {p[0] for p in plan})
        if missing:
            raise FetchFailed(f"SHA256SUMS of {entry['version']} names files {INDEX_FILE} does not list: {missing[:5]}")
        problems = verify_checksums(tmp)
        if problems:
            raise FetchFailed(f"{entry['version']} does not match its SHA256SUMS: " + "; ".join(problems[:5]))
        try:
            stated = json.loads((tmp / "manifest.json").read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError, AttributeError) as error:
            raise FetchFailed(f"{entry['version']}: manifest.json is missing or unreadable ({error})") from error
        if stated != entry["version"]:
            raise FetchFailed(f"{INDEX_FILE} offers version {entry['version']}, but its manifest.json says {stated!r}")
        check = verify_release(tmp)
        if not check.trusted:
            raise FetchFailed(f"{entry['version']} does not validate:\n{check.report()}")
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _sums_names(folder: Path) -> list[str]:
    try:
        text = (folder / "SHA256SUMS").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FetchFailed(f"SHA256SUMS cannot be read: {error}") from error
    return [line.split(None, 1)[1].lstrip("*") for line in text.splitlines() if len(line.split(None, 1)) == 2]

