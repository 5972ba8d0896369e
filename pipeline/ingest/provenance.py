"""Source metadata: the optional ``sources.csv`` sidecar at the top of the raw folder.

The sidecar names, for some articles, where and when they were published::

    file,url,outlet,published
    2024/05/deal.txt,https://news.example.org/deal,Example News,2024-05-14
    gas.txt,,Wire Service,2015-09-01T13:06:00+00:00

``file`` is the article's path relative to the raw folder; any other column may be empty;
``published`` is an ISO 8601 date or date-time. Columns beyond these four are kept, per
article, in the manifest's source records (``sidecar_extra``). A bad row never stops a run:
a file that is not in the raw folder drops the row, an unparsable date or a URL that is not
http(s) drops that value only; each becomes a warning that quotes the row, recorded in the
sidecar's own inventory notes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

SIDECAR_NAME = "sources.csv"
KNOWN_COLUMNS = ("file", "url", "outlet", "published")


@dataclass(frozen=True)
class SourceEntry:
    """What the sidecar says about one article (each value None when empty or rejected)."""

    url: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO 8601, as normalised by :func:`normalise_published`
    extra: dict[str, str] = field(default_factory=dict)  # the sidecar's other columns


@dataclass(frozen=True)
class Sidecar:
    """The sidecar read: entries by article path, and one warning per bad row or value."""

    entries: dict[str, SourceEntry]
    warnings: list[str]


def normalise_published(value: str) -> str:
    """An ISO 8601 date or date-time, normalised; ``ValueError`` for anything else.

    >>> normalise_published("2015-09-01"), normalise_published("2015-09-01T13:06:00Z")
    ('2015-09-01', '2015-09-01T13:06:00+00:00')
    >>> normalise_published("1 Sept 2015")
    Traceback (most recent call last):
    ...
    ValueError: not an ISO 8601 date or date-time: '1 Sept 2015'
    """
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        if len(text) > 10 and text[10] in "T ":
            return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ValueError(f"not an ISO 8601 date or date-time: {value!r}")


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host.

    >>> is_web_url("https://news.example.org/a"), is_web_url("ftp://x.org/a"), is_web_url("www.x.org")
    (True, False, False)
    """
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def read_sidecar(data: bytes, files: set[str]) -> Sidecar:
    """Parse the sidecar's bytes against the raw folder's names ``files``.

    >>> sidecar = read_sidecar(
    ...     b"file,url,outlet,published,desk\\n"
    ...     b"a.txt,https://x.org/a,X News,2021-03-12,economy\\n"
    ...     b"b.txt,mailto:desk@x.org,,12/03/2021,\\n"
    ...     b"gone.txt,,,,\\n",
    ...     {"a.txt", "b.txt"})
    >>> sidecar.entries["a.txt"]
    SourceEntry(url='https://x.org/a', outlet='X News', published='2021-03-12', extra={'desk': 'economy'})
    >>> sidecar.entries["b.txt"].url, sidecar.entries["b.txt"].published
    (None, None)
    >>> [w.split(": ", 1)[1] for w in sidecar.warnings]
    ["url is not an http(s) URL: 'mailto:desk@x.org'", "published not an ISO 8601 date or date-time: '12/03/2021'", 'file is not in the raw folder']
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Sidecar({}, [f"{SIDECAR_NAME}: not UTF-8 ({error.reason} at byte {error.start}): not used"])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if "file" not in header:
        return Sidecar({}, [f"{SIDECAR_NAME}: no 'file' column in the header {header}: not used"])
    reader.fieldnames = header
    entries: dict[str, SourceEntry] = {}
    warnings: list[str] = []
    for number, row in enumerate(reader, start=2):  # line 1 is the header
        cells = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if row.get(None):  # more cells than header columns
            cells["_unnamed"] = ",".join(row[None])
        entry, problems = _entry_of_row(cells, files, entries)
        shown = f"{SIDECAR_NAME} row {number} ({', '.join(f'{k}={v}' for k, v in cells.items() if v)})"
        warnings += [f"{shown}: {p}" for p in problems]
        if entry is not None:
            entries[cells["file"]] = entry
    return Sidecar(entries, warnings)


def _entry_of_row(
    cells: dict[str, str], files: set[str], taken: dict[str, SourceEntry]
) -> tuple[SourceEntry | None, list[str]]:
    name = cells.get("file", "")
    if not name:
        return None, ["no file named"]
    if name not in files:
        return None, ["file is not in the raw folder"]
    if name in taken:
        return None, ["file already described by an earlier row: row ignored"]
    problems = []
    url = cells.get("url") or None
    if url is not None and not is_web_url(url):
        problems.append(f"url is not an http(s) URL: {url!r}")
        url = None
    published = cells.get("published") or None
    if published is not None:
        try:
            published = normalise_published(published)
        except ValueError as error:
            problems.append(f"published {error}")
            published = None
    extra = {k: v for k, v in cells.items() if k not in KNOWN_COLUMNS and v}
    return SourceEntry(url, cells.get("outlet") or None, published, extra), problems


__all__ = ["KNOWN_COLUMNS", "SIDECAR_NAME", "Sidecar", "SourceEntry", "is_web_url", "normalise_published", "read_sidecar"]
