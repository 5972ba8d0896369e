"""A fingerprint of the raw folder: one digest that changes when any article is added,
removed, renamed or edited, and only then (touching a file without changing it does not)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.ingest.sources import list_article_files

#: sha256 of each file already read, keyed by (path, size, mtime): unchanged files are not re-read.
_known: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, remembered while its size and modification time stay the same."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _known:
        _known[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _known[key]


def inventory(raw_dir: Path) -> dict[str, str]:
    """Every article file of ``raw_dir`` (the files the pipeline reads) with its sha256."""
    return {p.name: file_sha256(p) for p in list_article_files(raw_dir)}


def inventory_digest(raw_dir: Path) -> str:
    """One digest of the folder's file names and contents, independent of listing order.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Deal signed.")
    >>> first = inventory_digest(folder)
    >>> _ = (folder / "a.txt").write_text("Deal signed.")   # same bytes again
    >>> inventory_digest(folder) == first
    True
    >>> _ = (folder / "b.txt").write_text("Another deal.")
    >>> inventory_digest(folder) == first
    False
    """
    lines = "".join(f"{name}\0{sha}\n" for name, sha in sorted(inventory(raw_dir).items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()
