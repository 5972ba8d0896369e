"""Raw articles: list them, fingerprint them, decode them, and say what became of each.

A bad or odd file never stops a run: every name of the raw folder becomes a
:class:`RawArticle` with a status, and every status other than ``ok`` has a ``problem`` that
names the reason:

- ``ok`` — read and published; ``notes`` says what was mended on the way (control characters
  removed, main text read from an HTML page, a file name that is not UTF-8);
- ``skipped`` — deliberately not read: symbolic links, dot-files and dot-folders, editor
  backups, pipes and devices (see :mod:`pipeline.ingest.inventory`); and the ``sources.csv``
  sidecar, read as the articles' url, outlet and publication date, not as an article (its
  notes list its bad rows; see :mod:`pipeline.ingest.provenance`);
- ``rejected`` — read but not an article: empty, binary, too large, XML, markup without text,
  nothing left after page furniture is removed;
- ``duplicate`` — the same cleaned text as a file earlier in path order (``duplicate_of``).
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from anyascii import anyascii

from pipeline.ingest.cleaning import CleanedDocument, CleaningRules, clean_text
from pipeline.ingest.html import MarkupRejected, html_to_text, markup_kind, root_element
from pipeline.ingest.provenance import SIDECAR_NAME, read_sidecar
from pipeline.ingest.inventory import (
    Entry,
    OpenFolder,
    SourceRules,
    TooLarge,
    default_source_rules,
    display_path,
    read_bounded,
    walk_raw_folder,
)

OK, SKIPPED, REJECTED, DUPLICATE = "ok", "skipped", "rejected", "duplicate"
STATUSES = (OK, SKIPPED, REJECTED, DUPLICATE)

_LATIN_CODE_PAGES = frozenset(
    ["cp1250", "cp1252", "cp1254", "cp1257", "latin-1", "iso8859-1", "iso8859-2", "iso8859-15", "mac-roman"]
)
#: Control bytes that do not occur in text: C0 but tab, LF, VT, FF, CR; and DEL.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r") + b"\x7f"
#: The same as decoded characters, plus the C1 controls.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_NOT_ID = re.compile(r"[^a-z0-9_.]+")

#: Cleans many raw texts at once, results in order (e.g. ArticleSteps.clean: cached, on every core).
CleanMany = Callable[[list[str]], list[CleanedDocument]]


@dataclass(frozen=True)
class RawArticle:
    """One name of the raw folder: its fingerprint, what became of it and, when it is
    published, its decoded text."""

    source_file: str  # path relative to the raw folder, "/" separated
    doc_id: str | None
    size_bytes: int | None
    sha256: str | None  # of the raw bytes; None when they were not read
    encoding: str | None
    status: str  # one of STATUSES
    problem: str | None
    text: str | None
    notes: str | None = None
    duplicate_of: str | None = None
    url: str | None = None  # from the sidecar (see pipeline.ingest.provenance)
    outlet: str | None = None
    published: str | None = None  # ISO 8601 date or date-time, from the sidecar
    sidecar_extra: str | None = None  # the sidecar's other columns for this file, as JSON

    @property
    def ok(self) -> bool:
        return self.status == OK


def make_doc_id(source_file: str, raw_path: bytes | None = None, max_chars: int = 80) -> str:
    """Stable document id of a path, made only from the path itself.

    A plain lower-case ``name.txt`` at the top of the folder keeps ``name`` as its id. Any
    other path (capitals, other scripts, punctuation, another extension, a sub-folder) is
    transliterated to ASCII and gets a suffix of 8 hex digits of its path's SHA-256, so two
    paths never share an id and a file's id never depends on which other files exist.

    >>> make_doc_id("000_40583fd52b4b10e4.txt")
    '000_40583fd52b4b10e4'
    >>> make_doc_id("Putin & Xi: Summit (2015).TXT")
    'putin-xi-summit-2015-16f1dd30'
    >>> make_doc_id("Сделка.txt"), make_doc_id("中俄协议.txt")
    ('sdelka-19ec537f', 'zhongexieyi-9f4ccd59')
    >>> make_doc_id("2024/05/a.txt")
    '2024-05-a-d2fd65e1'
    """
    folder, _, name = source_file.rpartition("/")
    stem = os.path.splitext(name)[0] or name
    base = f"{folder}/{stem}" if folder else stem
    slug = _NOT_ID.sub("-", anyascii(base).lower()).strip("-._")[:max_chars].strip("-._")
    if slug and source_file == f"{slug}.txt":
        return slug
    digest = hashlib.sha256(raw_path if raw_path is not None else source_file.encode("utf-8", "surrogatepass"))
    return f"{slug or 'document'}-{digest.hexdigest()[:8]}"


def control_byte_ratio(data: bytes) -> float:
    """Share of control bytes (trailing NUL padding not counted).

    >>> control_byte_ratio(b"ab\\x00d"), control_byte_ratio(b"text\\n\\x00\\x00")
    (0.25, 0.0)
    """
    body = data.rstrip(b"\x00")
    if not body:
        return 1.0 if data else 0.0
    return (len(body) - len(body.translate(None, _CONTROL_BYTES))) / len(body)


def decode_bytes(data: bytes, binary_control_ratio: float | None = None) -> tuple[str, str]:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16 or UTF-32 with BOM, else the
    encoding charset-normalizer detects. Returns ``(text, encoding)``.

    >>> decode_bytes("Café".encode("utf-8"))
    ('Café', 'utf-8')
    >>> decode_bytes("Caf\\xe9 au lait, r\\xe9sum\\xe9 and na\\xefve".encode("cp1252"))[0]
    'Café au lait, résumé and naïve'

    Raises ``ValueError`` naming the reason when the bytes are not text: binary when at
    least ``binary_control_ratio`` of them are control bytes.
    """
    if binary_control_ratio is None:
        binary_control_ratio = default_source_rules().binary_control_ratio
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return data.decode("utf-32"), "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    wide = utf16_without_bom(data)
    if wide is not None:
        return data.decode(wide), wide
    ratio = control_byte_ratio(data)
    if ratio >= binary_control_ratio:
        return _raise(f"binary content ({ratio:.0%} control bytes), not text")
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


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when the bytes look like UTF-16 text written without
    a byte order mark (mostly Latin text: one byte of each pair is NUL), else None.

    >>> utf16_without_bom("Deal signed in Paris".encode("utf-16-le"))
    'utf-16-le'
    >>> utf16_without_bom(b"Deal signed\\x00 in Paris") is None
    True
    >>> utf16_without_bom(bytes(range(1, 30)).replace(b"", b"\\x00")[1:]) is None  # small 16-bit numbers
    True
    """
    half = len(data) // 2
    if half < 2 or len(data) % 2:
        return None
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    for encoding, nuls, others in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls >= 0.5 * half and others <= 0.01 * half:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            controls = len(_CONTROL_CHARS.findall(text))
            return encoding if controls <= 0.01 * len(text) else None  # 16-bit numbers, not text
    return None


def _raise(message: str) -> tuple[str, str]:
    raise ValueError(message)


def remove_control_characters(text: str) -> tuple[str, str | None]:
    """The text without control characters, and a note of what was removed.

    >>> remove_control_characters("Deal\\x00 signed\\x00\\x1b.")
    ('Deal signed.', 'removed 3 control characters (U+0000 x2, U+001B x1)')
    >>> remove_control_characters("Deal signed.")
    ('Deal signed.', None)
    """
    found = Counter(_CONTROL_CHARS.findall(text))
    if not found:
        return text, None
    kinds = ", ".join(f"U+{ord(c):04X} x{n}" for c, n in sorted(found.items())[:6])
    more = ", ..." if len(found) > 6 else ""
    return _CONTROL_CHARS.sub("", text), f"removed {sum(found.values())} control characters ({kinds}{more})"


def article_from_bytes(
    source_file: str, doc_id: str, data: bytes, rules: SourceRules | None = None, notes: tuple[str, ...] = ()
) -> RawArticle:
    """Fingerprint and decode one file's bytes into an article, ``ok`` or ``rejected``."""
    rules = rules or default_source_rules()
    sha = hashlib.sha256(data).hexdigest()
    notes_list = list(notes)

    def rejected(problem: str, encoding: str | None = None) -> RawArticle:
        return RawArticle(source_file, doc_id, len(data), sha, encoding, REJECTED, problem, None, _join(notes_list))

    if not data.strip():
        return rejected("empty file")
    try:
        text, encoding = decode_bytes(data, rules.binary_control_ratio)
    except (ValueError, UnicodeDecodeError) as error:
        return rejected(str(error))
    text, control_note = remove_control_characters(text)
    if control_note:
        notes_list.append(control_note)
    if not text.strip():
        return rejected("no text: only control characters and white space", encoding)
    kind = markup_kind(text)
    if kind == "xml":
        return rejected(f"XML document (root element <{root_element(text)}>), not an article text", encoding)
    if kind == "html":
        try:
            page = html_to_text(text)
        except MarkupRejected as error:
            return rejected(str(error), encoding)
        if markup_kind(page.text) is not None:
            return rejected("HTML page whose text is itself markup", encoding)
        text = page.text
        notes_list.append(f"HTML page: main text read from <{page.container}>, title from <{page.title_from}>")
    return RawArticle(source_file, doc_id, len(data), sha, encoding, OK, None, text, _join(notes_list))


def read_article(path: Path, source_file: str | None = None, rules: SourceRules | None = None) -> RawArticle:
    """Fingerprint and decode one file; a file that cannot be used is returned with
    ``status="rejected"`` and the reason, never raised. A symbolic link is not followed."""
    rules = rules or default_source_rules()
    source_file = source_file or path.name
    doc_id = make_doc_id(source_file, max_chars=rules.max_id_chars)
    try:
        data = read_bounded(path, rules.max_bytes)
    except TooLarge as error:
        return RawArticle(source_file, doc_id, error.size, None, None, REJECTED, str(error), None)
    except OSError as error:
        return RawArticle(source_file, doc_id, None, None, None, REJECTED, _cannot_read(error), None)
    return article_from_bytes(source_file, doc_id, data, rules)


def list_article_files(raw_dir: Path, rules: SourceRules | None = None) -> list[Path]:
    """The regular files of the raw folder and its sub-folders that a run reads (not the
    skipped names, nor files over the size limit), sorted by relative path: what a change
    detector should watch.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()); (folder / "2024").mkdir()
    >>> for name in ("b.txt", ".hidden", "2024/a.txt", "b.txt~"): _ = (folder / name).write_text("x")
    >>> [p.relative_to(folder).as_posix() for p in list_article_files(folder)]
    ['2024/a.txt', 'b.txt']
    """
    rules = rules or default_source_rules()
    found = [
        (entry.source_file, Path(raw_dir) / os.fsdecode(entry.raw_path))
        for entry, folder in walk_raw_folder(raw_dir, rules)
        if folder is not None and (entry.size_bytes or 0) <= rules.max_bytes
    ]
    return [path for _, path in sorted(found)]


def read_raw_folder(
    raw_dir: Path,
    rules: SourceRules | None = None,
    cleaning: CleaningRules | None = None,
    clean_many: CleanMany | None = None,
) -> list[RawArticle]:
    """Every name of the raw folder and its sub-folders, sorted by path, each with its
    status; articles whose cleaned text is empty or repeats an earlier one are marked
    (``clean_many`` cleans the readable texts, e.g. from a cache and on every core)."""
    rules = rules or default_source_rules()
    articles = []
    sidecar: bytes | None = None
    for entry, folder in walk_raw_folder(raw_dir, rules):
        if entry.source_file == SIDECAR_NAME and folder is not None:
            sidecar, article = _read_sidecar_entry(entry, folder, rules)
            articles.append(article)
            continue
        articles.append(_article_of_entry(entry, folder, rules))
    articles.sort(key=lambda a: a.source_file)
    articles = settle_contents(_distinct_ids(articles), cleaning, clean_many)
    return with_source_metadata(articles, sidecar) if sidecar is not None else articles


def _read_sidecar_entry(entry: Entry, folder: OpenFolder, rules: SourceRules) -> tuple[bytes | None, RawArticle]:
    """The sidecar's bytes and its inventory row (``skipped``: metadata, not an article)."""
    try:
        data: bytes | None = folder.read(SIDECAR_NAME, rules.max_bytes)
        problem = _SIDECAR_ROLE
    except (TooLarge, OSError) as error:
        data, problem = None, f"{_SIDECAR_ROLE}; not used: {error}"
    sha = hashlib.sha256(data).hexdigest() if data is not None else None
    return data, RawArticle(SIDECAR_NAME, None, entry.size_bytes, sha, None, SKIPPED, problem, None, entry.name_note)


_SIDECAR_ROLE = "source metadata sidecar (url, outlet, published per article), not an article"


def with_source_metadata(articles: list[RawArticle], data: bytes) -> list[RawArticle]:
    """The articles with what the sidecar says of them; the sidecar's own row gets a note
    per bad row or value (see :func:`pipeline.ingest.provenance.read_sidecar`)."""
    files = {a.source_file for a in articles if a.source_file != SIDECAR_NAME}
    sidecar = read_sidecar(data, files)
    out = []
    for article in articles:
        if article.source_file == SIDECAR_NAME:
            notes = ([article.notes] if article.notes else []) + sidecar.warnings
            out.append(replace(article, notes=_join(notes)))
            continue
        entry = sidecar.entries.get(article.source_file)
        if entry is None:
            out.append(article)
            continue
        extra = json.dumps(entry.extra, ensure_ascii=False, sort_keys=True) if entry.extra else None
        out.append(replace(article, url=entry.url, outlet=entry.outlet, published=entry.published, sidecar_extra=extra))
    return out


def _article_of_entry(entry: Entry, folder: OpenFolder | None, rules: SourceRules) -> RawArticle:
    notes = (entry.name_note,) if entry.name_note else ()
    if folder is None:
        return RawArticle(entry.source_file, None, entry.size_bytes, None, None, SKIPPED, entry.skip_reason, None, _join(notes))
    doc_id = make_doc_id(entry.source_file, entry.raw_path, rules.max_id_chars)
    if entry.size_bytes is not None and entry.size_bytes > rules.max_bytes:  # from lstat: no byte read
        problem = str(TooLarge(entry.size_bytes, rules.max_bytes))
        return RawArticle(entry.source_file, doc_id, entry.size_bytes, None, None, REJECTED, problem, None, _join(notes))
    name = os.fsdecode(entry.raw_path.rpartition(b"/")[2])
    try:
        data = folder.read(name, rules.max_bytes)
    except TooLarge as error:
        return RawArticle(entry.source_file, doc_id, error.size, None, None, REJECTED, str(error), None, _join(notes))
    except OSError as error:
        return RawArticle(entry.source_file, doc_id, entry.size_bytes, None, None, REJECTED, _cannot_read(error), None, _join(notes))
    return article_from_bytes(entry.source_file, doc_id, data, rules, notes)


def _distinct_ids(articles: list[RawArticle]) -> list[RawArticle]:
    """Guard against the two clashes names cannot exclude: an 8-digit hash suffix equal to a
    plain name's (the later path gets a longer suffix), and a name that is not UTF-8 shown
    with escapes exactly as another file is named (the later one is rejected)."""
    taken_ids: set[str] = set()
    shown: set[str] = set()
    out = []
    for article in articles:
        if article.source_file in shown:
            out.append(replace(article, status=REJECTED, text=None, problem="another file of the folder is shown under the same name"))
            continue
        shown.add(article.source_file)
        doc_id = article.doc_id
        if doc_id is not None:
            if doc_id in taken_ids:
                digest = hashlib.sha256(article.source_file.encode("utf-8", "surrogatepass")).hexdigest()
                doc_id = f"{doc_id}-{digest[:16]}"
                article = replace(article, doc_id=doc_id)
            taken_ids.add(doc_id)
        out.append(article)
    return out


def settle_contents(
    articles: list[RawArticle], cleaning: CleaningRules | None = None, clean_many: CleanMany | None = None
) -> list[RawArticle]:
    """Reject an article that cleaning leaves empty (page furniture only), and mark as
    ``duplicate`` one whose cleaned text is the same as an article earlier in the list.
    ``clean_many`` cleans every readable text at once (default: :func:`clean_text` with
    ``cleaning``, one after another)."""
    if clean_many is None:
        clean_many = lambda texts: [clean_text(text, cleaning) for text in texts]  # noqa: E731
    cleaned_texts = iter(clean_many([article.text or "" for article in articles if article.status == OK]))
    first_with: dict[str, str] = {}
    out = []
    for article in articles:
        if article.status != OK:
            out.append(article)
            continue
        cleaned = next(cleaned_texts)
        if not cleaned.text:
            rules = sorted({r.rule for r in cleaned.removed_lines})
            problem = "no text left after cleaning: only page furniture" + (f" ({', '.join(rules)})" if rules else "")
            out.append(replace(article, status=REJECTED, problem=problem, text=None))
            continue
        key = hashlib.sha256(cleaned.text.encode("utf-8", "surrogatepass")).hexdigest()
        first = first_with.setdefault(key, article.source_file)
        if first != article.source_file:
            out.append(
                replace(article, status=DUPLICATE, problem=f"same text as {first}", duplicate_of=first, text=None)
            )
            continue
        out.append(article)
    return out


def _cannot_read(error: OSError) -> str:
    if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link (swapped in after the walk listed a file)
        return "is a symbolic link: not followed"
    return f"cannot be read: {error.strerror or error}"


def _join(notes: list[str] | tuple[str, ...]) -> str | None:
    return "; ".join(notes) if notes else None


__all__ = [
    "DUPLICATE", "OK", "REJECTED", "SKIPPED", "STATUSES", "RawArticle", "article_from_bytes",
    "control_byte_ratio", "decode_bytes", "display_path", "list_article_files", "make_doc_id", "read_article",
    "read_raw_folder", "remove_control_characters", "settle_contents", "with_source_metadata",
]
