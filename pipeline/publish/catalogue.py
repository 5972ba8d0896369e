"""The catalogue of releases: ``releases/index.json`` (for programs) and ``releases/index.html``.

``index.json`` is derived from ``versions.json`` and each version's ``manifest.json`` (so it
can always be rebuilt: ``python -m pipeline catalogue OUTPUT_DIR``), plus one archive per
version (:mod:`pipeline.publish.archive`). Its shape is ``schemas/catalogue/index.schema.json``::

    {"format": "news-agreements-catalogue/1", "name", "title", "licenses", "updated",
     "latest": "<version>",
     "versions": [{"version", "created", "previous_version", "path", "page", "citation",
                   "row_counts", "changes", "files": [{"name", "path", "bytes", "sha256"}],
                   "validation": {"success", "expectations", "blocking_failures",
                                  "warnings", "warned": [...]},
                   "archive": {"path", "format", "bytes", "sha256"}, "pipeline"}]}

Every path is relative to the folder holding ``index.json``. Written whole, then renamed,
by the publisher holding the publishing lock, right after ``versions.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pipeline.paths import SCHEMAS_DIR
from pipeline.publish.archive import archive_entry, archive_name, write_archive
from pipeline.publish.checksums import UnsafeFile, read_member, sha256_member
from pipeline.publish.datapackage import DATASET_NAME, DATASET_TITLE, LICENSES

INDEX_FILE = "index.json"
PAGE_FILE = "index.html"
INDEX_FORMAT = "news-agreements-catalogue/1"
INDEX_SCHEMA = SCHEMAS_DIR / "catalogue" / "index.schema.json"
#: Files of a version that its manifest cannot list (written after it); hashed from disk.
AFTER_MANIFEST = ("manifest.json", "SHA256SUMS")


def _listing(releases_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((releases_dir / "versions.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"versions": []}
    return data if isinstance(data, dict) and isinstance(data.get("versions"), list) else {"versions": []}


def _previous_index(releases_dir: Path) -> dict[str, dict[str, Any]]:
    """Entries of the index.json in place, by version (to reuse archive hashes and the
    entries of versions already listed); none when it was written in another format."""
    try:
        data = json.loads((releases_dir / INDEX_FILE).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            return {}
        return {v["version"]: v for v in data["versions"] if isinstance(v, dict) and "version" in v}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def version_entry(releases_dir: Path, version: str, archive: dict[str, Any]) -> dict[str, Any]:
    """The index entry of one published version, from its ``manifest.json``. Raises
    ``ValueError`` naming the file when the manifest is missing or malformed."""
    folder = releases_dir / version
    try:
        manifest = json.loads(read_member(folder, "manifest.json"))
    except (OSError, UnsafeFile, ValueError) as error:
        raise ValueError(f"{folder / 'manifest.json'}: unreadable ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("version") != version or not isinstance(manifest.get("files"), dict):
        raise ValueError(f"{folder / 'manifest.json'}: not the manifest of version {version}")
    files = {name: (meta["sha256"], int(meta["bytes"])) for name, meta in manifest["files"].items()}
    for name in AFTER_MANIFEST:
        files[name] = sha256_member(folder, name)
    outcome = manifest.get("validation") or {}
    return {
        "version": version,
        "created": manifest.get("created"),
        "previous_version": manifest.get("previous_version"),
        "path": f"{version}/",
        "page": f"{version}/{PAGE_FILE}" if PAGE_FILE in files else None,
        "citation": f"{version}/CITATION.cff" if "CITATION.cff" in files else None,
        "row_counts": manifest.get("row_counts", {}),
        "changes": manifest.get("changes", {}),
        "files": [
            {"name": name, "path": f"{version}/{name}", "bytes": size, "sha256": digest}
            for name, (digest, size) in sorted(files.items())
        ],
        "validation": {
            "success": bool(outcome.get("success")),
            "expectations": int(outcome.get("expectations", 0)),
            "blocking_failures": int(outcome.get("blocking_failures", 0)),
            "warnings": int(outcome.get("warnings", 0)),
            "warned": [
                {k: w.get(k) for k in ("table", "rule", "flag", "unexpected_count", "observed")}
                for w in outcome.get("warned", [])
                if isinstance(w, dict)
            ],
            "report": f"{version}/validation/results.json",
        },
        "archive": archive,
        "pipeline": {k: (manifest.get("pipeline") or {}).get(k) for k in ("name", "version", "commit")},
    }


def ensure_archive(releases_dir: Path, version: str, created: str | None, known: dict[str, Any] | None,
                   rehash: bool = False) -> dict[str, Any]:
    """The archive entry of ``version``, writing the archive when it is missing. The hash of
    an archive already listed with its current size is reused unless ``rehash``."""
    target = releases_dir / archive_name(version)
    if not target.exists():
        write_archive(releases_dir / version, target, created)
    elif not rehash and known and known.get("path") == archive_name(version) and known.get("bytes") == target.stat().st_size:
        return known
    return archive_entry(releases_dir, version)


def build_index(releases_dir: Path, rehash: bool = False) -> tuple[dict[str, Any], list[str]]:
    """The catalogue of every version ``versions.json`` lists, oldest first, and a note for
    each version left out (its name and why)."""
    listing = _listing(releases_dir)
    known = _previous_index(releases_dir)
    entries, notes = [], []
    for item in listing["versions"]:
        version = item.get("version") if isinstance(item, dict) else None
        if not isinstance(version, str) or not (releases_dir / version).is_dir():
            notes.append(f"versions.json lists {item!r}, which is not a version folder; left out of {INDEX_FILE}")
            continue
        try:
            listed = known.get(version) or {}
            archive = ensure_archive(releases_dir, version, item.get("created"), listed.get("archive"), rehash)
            # a version folder is never modified: its entry, once listed with the same archive,
            # is reused (reading every manifest again grows with the number of releases);
            # ``rehash`` (python -m pipeline catalogue) reads them all again
            reuse = not rehash and listed.get("archive") == archive and listed.get("path") == f"{version}/"
            entries.append(listed if reuse else version_entry(releases_dir, version, archive))
        except (OSError, ValueError) as error:
            notes.append(f"{version} left out of {INDEX_FILE}: {error}")
    latest = listing.get("latest") if any(e["version"] == listing.get("latest") for e in entries) else None
    index = {
        "format": INDEX_FORMAT,
        "name": DATASET_NAME,
        "title": DATASET_TITLE,
        "licenses": LICENSES,
        "updated": max((e["created"] or "" for e in entries), default=None),
        "latest": latest,
        "versions": entries,
    }
    return index, notes


def _write_whole(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def refresh_catalogue(releases_dir: Path, rehash: bool = False) -> list[str]:
    """Write missing archives, ``index.json`` and ``index.html``; call it holding the
    publishing lock. Returns a note per version left out."""
    from pipeline.publish.pages import render_catalogue_page

    index, notes = build_index(releases_dir, rehash)
    _write_whole(releases_dir / INDEX_FILE, json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    _write_whole(releases_dir / PAGE_FILE, render_catalogue_page(index))
    return notes


def rebuild_catalogue(output_dir: Path) -> list[str]:
    """``refresh_catalogue`` of ``<output_dir>/releases`` under the publishing lock, every
    archive hashed again (``python -m pipeline catalogue``)."""
    from pipeline.publish.release import publishing_lock

    releases_dir = output_dir / "releases"
    if not (releases_dir / "versions.json").is_file():
        raise FileNotFoundError(f"{releases_dir / 'versions.json'}: no releases to catalogue")
    with publishing_lock(releases_dir):
        return refresh_catalogue(releases_dir, rehash=True)
