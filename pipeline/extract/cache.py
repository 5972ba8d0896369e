"""Per-article extraction results kept between runs, so a run re-extracts only what changed.

A result is stored under ``<output>/cache/<code_version>/<step>/<key[:2]>/<key>.json`` where

- ``key`` is the sha256 of everything the per-article step reads: the raw text for
  cleaning, the cleaned text for the extractors, and for
  agreements also the article's monetary figures and its organisation mentions with their
  canonical names (those can change when another article is added);
- ``code_version`` is the package version plus a digest of the extractors' source files and
  of every rule file under ``schemas/rules/``: editing a pattern, a word list or an
  extractor makes a new folder, so every article is extracted again (older folders are
  removed when a new one is made).

Steps across articles (resolving organisations, clustering agreements) are not cached: they
run on every build from the cached per-article results and stay cheap. Files are written
atomically (a temporary file renamed into place), so a crash never leaves half a result.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.extract.agreements import Agreement
from pipeline.extract.money import MoneyFigure
from pipeline.extract.organisations import OrgMention, extraction_mode
from pipeline.ingest.cleaning import CleanedDocument, RemovedLine
from pipeline.paths import PROJECT_ROOT, RULES_DIR

#: Source files whose code decides what the per-article extractors return.
EXTRACTOR_SOURCES: tuple[str, ...] = ("pipeline/extract", "pipeline/ingest", "pipeline/text.py", "pipeline/rules.py")


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
    """sha256 of a step's inputs: texts as their UTF-8 bytes, lists of dataclasses as the
    canonical JSON of their fields.

    >>> input_key("a text") == input_key("a text"), input_key("a text") == input_key("another")
    (True, False)
    """
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, str):
            digest.update(b"T" + part.encode("utf-8"))
        else:
            fields = [vars(item) for item in part]
            digest.update(b"J" + json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


class ExtractionCache:
    """JSON results of per-article steps, one file per (step, input key), for one code version."""

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

    def _remove_other_versions(self) -> None:
        for other in self.root.iterdir():
            if other.is_dir() and other != self.folder:
                shutil.rmtree(other, ignore_errors=True)

    def path(self, step: str, key: str) -> Path:
        return self.folder / step / key[:2] / f"{key}.json"

    def get(self, step: str, key: str) -> Any | None:
        """The stored result, or None when absent or unreadable."""
        try:
            return json.loads(self.path(step, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, step: str, key: str, value: Any) -> None:
        """Store a JSON-ready result atomically."""
        target = self.path(step, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def lookup(self, step: str, key: str) -> Any | None:
        """The stored result of ``step`` for ``key`` (decoded: a :class:`CleanedDocument`
        for cleaning, a list of records for the extractors), or None; counts a hit or a miss
        and marks the key as used."""
        self.used.setdefault(step, set()).add(key)
        stored = self.get(step, key)
        if stored is None:
            self.misses += 1
            return None
        self.hits += 1
        decoded = [DECODERS[step](record) for record in stored]
        return decoded[0] if step == "cleaning" else decoded

    def store(self, step: str, key: str, result: Any) -> None:
        """Keep a freshly computed result of ``step`` (as :meth:`lookup` returns it)."""
        records = [result] if step == "cleaning" else result
        self.put(step, key, [asdict(r) for r in records])

    def prune_unused(self) -> int:
        """Remove the results of the steps used here that this build did not read (articles
        since removed or edited): call it after a step went over the whole corpus. Returns
        how many files were removed."""
        removed = 0
        for step, keys in self.used.items():
            for path in (self.folder / step).glob("*/*.json"):
                if path.stem not in keys:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


def _cleaned(record: dict[str, Any]) -> CleanedDocument:
    """A :class:`CleanedDocument` back from JSON."""
    return CleanedDocument(record["title"], record["text"], [RemovedLine(**r) for r in record["removed_lines"]])


def _agreement(record: dict[str, Any]) -> Agreement:
    """An :class:`Agreement` back from JSON (its mention spans as tuples again)."""
    return Agreement(**(record | {"mentions": [tuple(m) for m in record["mentions"]]}))


#: Per step: a stored record back as the extractor's value.
DECODERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "cleaning": _cleaned,
    "organisations": lambda record: OrgMention(**record),
    "money": lambda record: MoneyFigure(**record),
    "agreements": _agreement,
}
