"""Per-article extraction results kept between runs, so a run re-extracts only what changed.

A result is a row ``(step, key, pickled value)`` of one SQLite file,
``<output>/cache/<code_version>/results.sqlite``, where

- ``key`` is the sha256 of everything the per-article step reads: the raw text for
  cleaning, the cleaned text for the extractors, and for
  agreements also the article's monetary figures and its organisation mentions with their
  canonical names (those can change when another article is added); for dating the
  agreements, the text, the publication day and each agreement's mentions and year;
- ``code_version`` is the package version plus a digest of the extractors' source files and
  of every rule file under ``schemas/rules/``: editing a pattern, a word list or an
  extractor makes a new folder, so every article is extracted again (older folders are
  removed when a new one is made).

Steps across articles (resolving organisations, clustering agreements) are not cached: they
run on every build from the cached per-article results and stay cheap. The results of a
batch of articles are written in one transaction, so a crash never leaves half a result, and
thousands of articles cost one file, not one file each (which cost more than extracting them).
Several processes may share the file (SQLite's locking; they wait for each other).

Values are pickled: reading 10,000 articles' results back is the larger part of a re-run,
and unpickling builds the dataclass values directly, several times faster than decoding JSON
and rebuilding them. Pickle runs code named in the bytes, so the cache is only ever read from
the output folder this pipeline writes (never from a release or a download); a value that
does not unpickle is extracted again.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import sqlite3
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.extract.organisations import extraction_mode
from pipeline.ingest.cleaning import CleanedDocument
from pipeline.paths import PROJECT_ROOT, RULES_DIR

#: Source files whose code decides what the per-article extractors return.
EXTRACTOR_SOURCES: tuple[str, ...] = (
    "pipeline/extract", "pipeline/ingest", "pipeline/text.py", "pipeline/rules.py", "pipeline/provenance.py",
    "pipeline/compute/steps.py",
)


def files_digest(root: Path, files: Sequence[Path]) -> str:
    """A short digest of the files' paths (relative to ``root``) and bytes."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def extractor_files(root: Path = PROJECT_ROOT, rules_dir: Path = RULES_DIR) -> list[Path]:
    """The extractor sources and every rule file: what decides a per-article result
    (this module only decides how results are stored, so it is left out)."""
    files: list[Path] = []
    for entry in EXTRACTOR_SOURCES:
        path = root / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    files += sorted(p for p in rules_dir.rglob("*") if p.is_file())
    return [p for p in files if p.resolve() != Path(__file__).resolve()]


@cache
def _extractor_digest() -> str:
    return files_digest(PROJECT_ROOT, extractor_files())


def extractor_code_version() -> str:
    """Package version + a digest of the extractor sources and all rule files (computed once)
    + the extraction mode (``PIPELINE_EXTRACTION``: results with and without the model differ).

    >>> extractor_code_version().startswith(__version__ + "+")
    True
    """
    return f"{__version__}+{_extractor_digest()}-{extraction_mode()}"


def input_key(*parts: str | list[Any]) -> str:
    """sha256 of a step's inputs: texts as their UTF-8 bytes, other parts (lists of
    dataclasses or of plain values) as the ``repr`` of their items, each dataclass as its
    field values in field order. ``repr`` is canonical for the str, int, float, None, tuple
    and list values they hold, and several times faster than canonical JSON (10,000
    articles' figures and parties are keyed on every run).

    >>> input_key("a text") == input_key("a text"), input_key("a text") == input_key("another")
    (True, False)
    """
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, str):
            digest.update(b"T" + part.encode("utf-8"))
        else:
            fields = [tuple(vars(item).values()) if hasattr(item, "__dataclass_fields__") else item for item in part]
            digest.update(b"R" + repr(fields).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


class ExtractionCache:
    """JSON results of per-article steps, one row per (step, input key), for one code version."""

    #: Keys per ``IN (...)`` query (SQLite allows at most 32,766 parameters).
    QUERY_KEYS = 900

    def __init__(self, root: Path, code_version: str | None = None) -> None:
        self.root = Path(root)
        self.code_version = code_version or extractor_code_version()
        self.folder = self.root / self.code_version.replace("/", "_")
        self.hits = 0
        self.misses = 0
        self.used: dict[str, set[str]] = {}
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            self._remove_other_versions()
        self.database = self.folder / "results.sqlite"
        self.connection = self._open()

    def _open(self) -> sqlite3.Connection:
        """The results database, created when missing; an unreadable one is replaced (it only
        holds what can be extracted again)."""
        for attempt in (1, 2):
            connection = sqlite3.connect(self.database, timeout=300, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS results (step TEXT, key TEXT, value TEXT, PRIMARY KEY (step, key))"
                    " WITHOUT ROWID"
                )
                return connection
            except sqlite3.DatabaseError:
                connection.close()
                if attempt == 2:
                    raise
                for path in self.folder.glob("results.sqlite*"):
                    path.unlink(missing_ok=True)
        raise AssertionError("unreachable")

    def _remove_other_versions(self) -> None:
        for other in self.root.iterdir():
            if other.is_dir() and other != self.folder:
                shutil.rmtree(other, ignore_errors=True)

    def get_many(self, step: str, keys: Sequence[str]) -> dict[str, Any]:
        """The stored values of the keys that have a readable result."""
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), self.QUERY_KEYS):
            chunk = unique[i : i + self.QUERY_KEYS]
            rows = self.connection.execute(
                f"SELECT key, value FROM results WHERE step = ? AND key IN ({','.join('?' * len(chunk))})",
                [step, *chunk],
            )
            for key, value in rows:
                try:
                    found[key] = decode(value)
                except Exception:  # noqa: BLE001 - any unreadable result (truncated, another format) is extracted again
                    pass
        return found

    def put_many(self, step: str, values: Sequence[tuple[str, bytes]]) -> None:
        """Store (key, encoded value) pairs in one transaction."""
        with self.connection:
            self.connection.execute("BEGIN IMMEDIATE")
            self.connection.executemany(
                "INSERT OR REPLACE INTO results (step, key, value) VALUES (?, ?, ?)",
                [(step, key, value) for key, value in values],
            )

    def lookup_many(self, step: str, keys: Sequence[str]) -> dict[str, Any]:
        """The stored results of ``step`` for the keys that have one, as the step returned
        them (a :class:`CleanedDocument` for cleaning, a list of records for the extractors);
        counts hits and misses and marks every key as used."""
        self.used.setdefault(step, set()).update(keys)
        out = self.get_many(step, keys)
        self.hits += sum(1 for key in keys if key in out)
        self.misses += sum(1 for key in keys if key not in out)
        return out

    def store_many(self, step: str, results: Sequence[tuple[str, Any]]) -> None:
        """Keep freshly computed results of ``step`` (as :meth:`lookup_many` returns them)."""
        self.put_many(step, [(key, encode(r)) for key, r in results])

    def prune_unused(self) -> int:
        """Remove the results of the steps used here that this build did not read (articles
        since removed or edited): call it after a step went over the whole corpus. Returns
        how many results were removed."""
        removed = 0
        for step, keys in self.used.items():
            stored = [key for (key,) in self.connection.execute("SELECT key FROM results WHERE step = ?", [step])]
            stale = [(step, key) for key in stored if key not in keys]
            if stale:
                with self.connection:
                    self.connection.execute("BEGIN IMMEDIATE")
                    self.connection.executemany("DELETE FROM results WHERE step = ? AND key = ?", stale)
            removed += len(stale)
        return removed

    def count(self) -> int:
        """How many results are stored (every step)."""
        return self.connection.execute("SELECT count(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self.connection.close()


def encode(value: Any) -> bytes:
    """A step's result (dataclass values, lists, tuples) as pickle bytes.

    >>> from pipeline.ingest.cleaning import RemovedLine
    >>> value = CleanedDocument("T", "T\\nx", [RemovedLine(2, "rule", "y")])
    >>> decode(encode(value)) == value
    True
    """
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def decode(blob: bytes) -> Any:
    """A result back from :func:`encode`'s bytes (raises on anything else)."""
    if not isinstance(blob, bytes):
        raise TypeError(f"a stored result is bytes, not {type(blob).__name__}")
    return pickle.loads(blob)
