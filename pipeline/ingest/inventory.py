"""Walk the raw folder safely: every entry listed, only regular files inside it read.

The walk holds an open descriptor of each folder and opens every name relative to it with
``O_NOFOLLOW``, so nothing outside the raw folder can be reached: not through a symbolic
link, nor through a folder swapped for a link while the run reads. Symbolic links are never
followed, wherever they point: a link is recorded as skipped with where it points (inside the
folder, outside it, or nowhere); a link to a file inside the folder loses nothing, since the
target is read under its own name. Sub-folders are read recursively, each file named by its
path relative to the raw folder (``2024/05/a.txt``). Dot-files, dot-folders, editor backups
and anything that is not a regular file or a folder (pipes, sockets, devices) are recorded as
skipped. A file's size comes from its metadata before a byte is read, and no read takes more
than the limit plus one byte, so a 4 GB (even sparse) file costs nothing.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.rules import load_rules

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class SkipRule:
    reason: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class SourceRules:
    max_bytes: int
    binary_control_ratio: float
    max_id_chars: int
    skip: tuple[SkipRule, ...]


def parse_source_rules(data: dict[str, Any]) -> SourceRules:
    return SourceRules(
        max_bytes=int(data["max_bytes"]),
        binary_control_ratio=float(data["binary_control_ratio"]),
        max_id_chars=int(data["max_id_chars"]),
        skip=tuple(SkipRule(s["reason"], re.compile(s["pattern"])) for s in data["skip"]),
    )


@cache
def default_source_rules() -> SourceRules:
    """The rules of ``schemas/rules/sources.toml``, parsed once."""
    return parse_source_rules(load_rules("sources.toml"))


class TooLarge(Exception):
    """A file larger than the limit; found without reading more than limit + 1 bytes."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"larger than the limit of {limit} bytes ({size} bytes)")
        self.size = size


@dataclass(frozen=True)
class Entry:
    """One name found in the raw folder.

    ``source_file`` is the path relative to the raw folder, with ``/`` separators (a name that
    is not valid UTF-8 is shown with ``\\xNN`` escapes); ``raw_path`` is the same path as the
    file system's bytes. ``skip_reason`` is set for anything that is not read.
    """

    source_file: str
    raw_path: bytes
    kind: str  # "file", "folder", "symlink", "special"
    size_bytes: int | None
    skip_reason: str | None = None
    name_note: str | None = None


@dataclass
class OpenFolder:
    """A folder being walked: read its files by name while the walk stands in it."""

    fd: int

    def read(self, name: str, limit: int) -> bytes:
        """The bytes of a regular file of this folder, never following a link; at most
        ``limit`` bytes, else :class:`TooLarge`."""
        return read_bounded(name, limit, dir_fd=self.fd)


def read_bounded(path: str | Path, limit: int, dir_fd: int | None = None) -> bytes:
    """Read a regular file without following a final symbolic link and without reading more
    than ``limit + 1`` bytes. Raises :class:`TooLarge` (size from ``fstat`` first), or
    ``OSError`` (a link, a pipe, a device, or unreadable).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.txt"; _ = f.write_bytes(b"12345")
    >>> read_bounded(f, 5)
    b'12345'
    >>> read_bounded(f, 4)
    Traceback (most recent call last):
    ...
    pipeline.ingest.inventory.TooLarge: larger than the limit of 4 bytes (5 bytes)
    """
    fd = os.open(path, _FILE_FLAGS, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file ({_kind_of_mode(info.st_mode)})")
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        chunks, total = [], 0
        while total <= limit:  # the file may have grown since fstat
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise TooLarge(total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def walk_raw_folder(raw_dir: Path, rules: SourceRules | None = None) -> Iterator[tuple[Entry, OpenFolder | None]]:
    """Every entry of ``raw_dir`` and its sub-folders, depth first, names sorted.

    Yields ``(entry, folder)``: for a file to read, ``folder`` reads it by its bare name and is
    valid only until the walk goes on; for anything skipped it is None.
    """
    rules = rules or default_source_rules()
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir} does not exist or is not a folder")
    root_fd = os.open(raw_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        yield from _walk(root_fd, b"", os.path.realpath(raw_dir), rules)
    finally:
        os.close(root_fd)


def _walk(dir_fd: int, prefix: bytes, real_root: str, rules: SourceRules) -> Iterator[tuple[Entry, OpenFolder | None]]:
    names = sorted(os.fsencode(e.name) for e in os.scandir(dir_fd))
    folder = OpenFolder(dir_fd)
    for raw_name in names:
        raw_path = prefix + raw_name
        name = os.fsdecode(raw_name)
        shown, name_note = display_path(raw_path)
        try:
            info = os.lstat(name, dir_fd=dir_fd)
        except OSError as error:
            yield Entry(shown, raw_path, "special", None, f"cannot be inspected: {error.strerror}", name_note), None
            continue
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            reason = _symlink_reason(dir_fd, name, raw_path, real_root)
            yield Entry(shown, raw_path, "symlink", None, reason, name_note), None
            continue
        is_dir = stat.S_ISDIR(mode)
        skip = skip_reason(name, is_dir, rules)
        if is_dir:
            if skip is None:
                try:
                    sub_fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
                except OSError as error:
                    skip = f"folder cannot be opened: {error.strerror}"
                else:
                    try:
                        yield from _walk(sub_fd, raw_path + b"/", real_root, rules)
                    except OSError as error:
                        yield Entry(shown, raw_path, "folder", None, f"folder cannot be read: {error.strerror}", name_note), None
                    finally:
                        os.close(sub_fd)
                    continue
            yield Entry(shown, raw_path, "folder", None, skip, name_note), None
        elif stat.S_ISREG(mode):
            if skip is not None:
                yield Entry(shown, raw_path, "file", info.st_size, skip, name_note), None
            else:
                yield Entry(shown, raw_path, "file", info.st_size, None, name_note), folder
        else:
            reason = f"not a regular file ({_kind_of_mode(mode)}): not read"
            yield Entry(shown, raw_path, "special", None, reason, name_note), None


def skip_reason(name: str, is_dir: bool, rules: SourceRules | None = None) -> str | None:
    """Why a file or folder of this name is not read, or None.

    >>> skip_reason(".DS_Store", False), skip_reason(".git", True)
    ('hidden file (name starts with a dot)', 'hidden folder (name starts with a dot): not read')
    >>> skip_reason("deal.txt~", False), skip_reason("#deal.txt#", False), skip_reason("deal.txt", False)
    ('editor backup file', 'editor swap or autosave file', None)
    """
    rules = rules or default_source_rules()
    if name.startswith("."):
        return "hidden folder (name starts with a dot): not read" if is_dir else "hidden file (name starts with a dot)"
    for rule in rules.skip:
        if rule.pattern.search(name):
            return f"{rule.reason}: not read" if is_dir else rule.reason
    return None


def display_path(raw_path: bytes) -> tuple[str, str | None]:
    """The path as text, and a note when its bytes are not valid UTF-8 (shown escaped).

    >>> display_path("2024/05/café.txt".encode())
    ('2024/05/café.txt', None)
    >>> display_path(b"caf\\xe9.txt")
    ('caf\\\\xe9.txt', 'file name is not valid UTF-8; shown with \\\\xNN escapes')
    """
    try:
        return raw_path.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw_path.decode("utf-8", "backslashreplace"), "file name is not valid UTF-8; shown with \\xNN escapes"


def _symlink_reason(dir_fd: int, name: str, raw_path: bytes, real_root: str) -> str:
    """Where a symbolic link points, said without following it for reading."""
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return "symbolic link (unreadable): not followed"
    base = os.path.join(real_root, os.fsdecode(os.path.dirname(raw_path)))
    resolved = os.path.realpath(os.path.join(base, target))
    if os.path.commonpath([resolved, real_root]) != real_root:
        return "symbolic link to a path outside the raw folder: not followed"
    relative = Path(os.path.relpath(resolved, real_root)).as_posix()
    if not os.path.lexists(resolved):
        return "broken symbolic link: not followed"
    if os.path.isdir(resolved):
        return f"symbolic link to the folder {relative} inside the raw folder: not followed"
    return f"symbolic link to {relative} inside the raw folder: not followed (the target is listed under its own name)"


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"
