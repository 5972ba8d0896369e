"""Raw articles: list them, fingerprint them, decode them.

A bad file never stops a run: it becomes a :class:`RawArticle` with ``status="rejected"``
and a ``problem`` that names the reason, and the run goes on with the others.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Largest raw file accepted; larger ones are rejected rather than risked in memory.
MAX_RAW_BYTES = 20 * 1024 * 1024
_LATIN_CODE_PAGES = frozenset(
    ["cp1250", "cp1252", "cp1254", "cp1257", "latin-1", "iso8859-1", "iso8859-2", "iso8859-15", "mac-roman"]
)


@dataclass(frozen=True)
class RawArticle:
    """One file of the raw folder: its fingerprint and, when readable, its decoded text."""

    source_file: str
    doc_id: str
    size_bytes: int
    sha256: str
    encoding: str | None
    status: str  # "ok" or "rejected"
    problem: str | None
    text: str | None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def make_doc_id(file_name: str) -> str:
    """Stable document id from a source file name.

    >>> make_doc_id("000_40583fd52b4b10e4.txt")
    '000_40583fd52b4b10e4'
    >>> make_doc_id("Putin & Xi: Summit (2015).TXT")
    'putin-xi-summit-2015'
    """
    stem = Path(file_name).stem.lower()
    slug = re.sub(r"[^a-z0-9_.]+", "-", stem).strip("-._")
    return slug or "document"


def list_article_files(raw_dir: Path) -> list[Path]:
    """Regular, non-hidden files directly inside ``raw_dir``, sorted by name."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir} does not exist")
    return sorted(
        p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith((".", "~"))
    )


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else the
    encoding charset-normalizer detects. Returns ``(text, encoding)``.

    >>> decode_bytes("Café".encode("utf-8"))
    ('Café', 'utf-8')
    >>> decode_bytes("Caf\\xe9 au lait, r\\xe9sum\\xe9 and na\\xefve".encode("cp1252"))[0]
    'Café au lait, résumé and naïve'

    Raises ``ValueError`` naming the reason when the bytes are not text.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data:
        raise ValueError("binary content (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ValueError("not valid UTF-8 and no other text encoding fits")
    encoding = best.encoding.replace("_", "-")
    # On short English text the detector cannot tell the Latin code pages apart; the one
    # English news was written in is Windows-1252.
    if encoding in _LATIN_CODE_PAGES:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), encoding


def read_article(path: Path, doc_id: str | None = None) -> RawArticle:
    """Fingerprint and decode one raw file; a file that cannot be used is returned
    with ``status="rejected"`` and the reason, never raised."""
    doc_id = doc_id or make_doc_id(path.name)
    try:
        data = path.read_bytes()
    except OSError as error:
        return _rejected(path.name, doc_id, 0, "", f"cannot be read: {error.strerror or error}")
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return _rejected(path.name, doc_id, len(data), sha, "empty file")
    if len(data) > MAX_RAW_BYTES:
        return _rejected(
            path.name, doc_id, len(data), sha, f"larger than {MAX_RAW_BYTES} bytes"
        )
    try:
        text, encoding = decode_bytes(data)
    except ValueError as error:
        return _rejected(path.name, doc_id, len(data), sha, str(error))
    return RawArticle(path.name, doc_id, len(data), sha, encoding, "ok", None, text)


def _rejected(name: str, doc_id: str, size: int, sha: str, problem: str) -> RawArticle:
    return RawArticle(name, doc_id, size, sha, None, "rejected", problem, None)


def read_articles(paths: Iterable[Path]) -> list[RawArticle]:
    """Read every file; a second file whose name maps to an id already taken is rejected."""
    seen: dict[str, str] = {}
    articles = []
    for path in paths:
        doc_id = make_doc_id(path.name)
        if doc_id in seen:
            sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
            articles.append(
                _rejected(
                    path.name,
                    doc_id,
                    path.stat().st_size,
                    sha,
                    f"its document id {doc_id!r} is already taken by {seen[doc_id]}",
                )
            )
            continue
        seen[doc_id] = path.name
        articles.append(read_article(path, doc_id))
    return articles
