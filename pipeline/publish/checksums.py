"""SHA-256 of files, and reading a release folder that may come from anyone.

A name read from ``SHA256SUMS``, ``manifest.json`` or ``datapackage.json`` is only opened
when it is a relative path inside the folder, with no ``..``, no symbolic link on the way
and a regular file at the end, below a size bound. Files are opened without following links
and without blocking (a FIFO or a device is refused at once, never read).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO

#: Largest file a release may hold (the tables of 100,000 articles are far below it).
MAX_FILE_BYTES = 4 << 30
#: Largest metadata file (SHA256SUMS, manifest.json, datapackage.json) read into memory.
MAX_METADATA_BYTES = 64 << 20
_SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


class UnsafeFile(ValueError):
    """A name that does not lead to a regular file inside the folder, or one too big."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest_path(path: Path) -> Path:
    """The file beside ``path`` that records its sha256 (written once, when ``path`` is).

    >>> digest_path(Path("runs/r1/documents.parquet")).as_posix()
    'runs/r1/documents.parquet.sha256'
    """
    return path.with_name(f"{path.name}.sha256")


def record_sha256(path: Path) -> str:
    """Hash a file just written and record the digest beside it; the digest."""
    digest = sha256_file(path)
    digest_path(path).write_text(digest + "\n", encoding="ascii")
    return digest


def recorded_sha256(path: Path) -> str:
    """The sha256 recorded beside ``path`` by :func:`record_sha256`, computed when none is."""
    try:
        digest = digest_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return sha256_file(path)
    return digest if re.fullmatch(r"[0-9a-f]{64}", digest) else sha256_file(path)


def copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` and hash the bytes on the way (one read); (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, target.open("wb") as writer:
        for block in iter(lambda: reader.read(1 << 20), b""):
            digest.update(block)
            writer.write(block)
            size += len(block)
    return digest.hexdigest(), size


def member_path(folder: Path, name: str) -> Path:
    """``folder / name`` after checking that ``name`` stays inside ``folder`` and crosses no
    symbolic link; raises :class:`UnsafeFile` otherwise.

    >>> member_path(Path("/r"), "validation/results.json").as_posix()
    '/r/validation/results.json'
    >>> member_path(Path("/r"), "../../etc/passwd")
    Traceback (most recent call last):
    ...
    pipeline.publish.checksums.UnsafeFile: ../../etc/passwd: not a plain relative path inside the release
    """
    if not isinstance(name, str) or not name or "\0" in name or "\\" in name:
        raise UnsafeFile(f"{name!r}: not a plain relative path inside the release")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or "://" in name or any(p in ("..", ".", "") for p in parts) or name.endswith("/"):
        raise UnsafeFile(f"{name}: not a plain relative path inside the release")
    path = folder
    for part in parts[:-1]:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return folder.joinpath(*parts)  # missing: reported by the caller
        if stat.S_ISLNK(mode) or not stat.S_ISDIR(mode):
            raise UnsafeFile(f"{name}: {path.relative_to(folder).as_posix()} is not a plain folder")
    return folder.joinpath(*parts)


def open_member(folder: Path, name: str, max_bytes: int = MAX_FILE_BYTES) -> BinaryIO:
    """Open ``name`` inside ``folder`` for reading: a regular file, not a link, at most
    ``max_bytes``. Raises :class:`UnsafeFile` or :class:`FileNotFoundError`."""
    path = member_path(folder, name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as error:  # ELOOP: the name is a symbolic link
        if os.path.islink(path):
            raise UnsafeFile(f"{name}: a symbolic link, not a file of the release") from error
        raise UnsafeFile(f"{name}: cannot be opened ({error.strerror})") from error
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UnsafeFile(f"{name}: not a regular file (a folder, FIFO, socket or device)")
    if info.st_size > max_bytes:
        os.close(fd)
        raise UnsafeFile(f"{name}: {info.st_size} bytes, more than the {max_bytes} allowed")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_member(folder: Path, name: str, max_bytes: int = MAX_METADATA_BYTES) -> bytes:
    """The bytes of a small member file (see :func:`open_member`)."""
    with open_member(folder, name, max_bytes) as handle:
        return handle.read(max_bytes + 1)[:max_bytes]


def sha256_member(folder: Path, name: str, max_bytes: int = MAX_FILE_BYTES) -> tuple[str, int]:
    """SHA-256 and size of a member file, reading at most ``max_bytes``."""
    digest, size = hashlib.sha256(), 0
    with open_member(folder, name, max_bytes) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            size += len(block)
            if size > max_bytes:
                raise UnsafeFile(f"{name}: grew past the {max_bytes} bytes allowed while read")
            digest.update(block)
    return digest.hexdigest(), size


def folder_entries(folder: Path, ignore: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """Regular files under ``folder`` (relative posix names, sorted), and a problem for
    every other entry (symbolic links, FIFOs, sockets, devices). Links are never followed."""
    files, problems = [], []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in sorted(dirs + names):
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel in ignore:
                continue
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                problems.append(f"{rel}: a symbolic link inside the release (refused)")
            elif stat.S_ISREG(mode):
                files.append(rel)
            elif not stat.S_ISDIR(mode):
                problems.append(f"{rel}: not a regular file (FIFO, socket or device; refused)")
    return sorted(files), problems


def hash_members(
    folder: Path, ignore: frozenset[str] = frozenset(), known: Mapping[str, tuple[str, int]] | None = None
) -> dict[str, tuple[str, int]]:
    """(sha256, size) of every file of the folder but ``ignore``; files in ``known`` (hashed
    as they were written) are not read again."""
    files, problems = folder_entries(folder, ignore)
    if problems:
        raise UnsafeFile("; ".join(problems))
    known = known or {}
    return {name: known[name] if name in known else sha256_member(folder, name) for name in files}


def write_checksums(
    folder: Path, ignore: frozenset[str] = frozenset(), known: Mapping[str, tuple[str, int]] | None = None
) -> Path:
    """``SHA256SUMS`` (sha256sum format) for every file of the folder but itself and ``ignore``;
    the digests in ``known`` are used as they are (see :func:`hash_members`)."""
    hashes = hash_members(folder, ignore | {"SHA256SUMS"}, known)
    lines = [f"{sha}  {name}" for name, (sha, _) in sorted(hashes.items())]
    target = folder / "SHA256SUMS"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def verify_checksums(folder: Path) -> list[str]:
    """Problems found checking a folder against its ``SHA256SUMS`` (empty: all good). Never
    reads outside the folder, follows no link, opens no FIFO or device."""
    try:
        text = read_member(folder, "SHA256SUMS").decode("utf-8")
    except FileNotFoundError:
        return [f"{folder / 'SHA256SUMS'} is missing"]
    except (UnsafeFile, UnicodeDecodeError, OSError) as error:
        return [f"SHA256SUMS cannot be read: {error}"]
    problems: list[str] = []
    listed: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        match = _SUMS_LINE.match(line)
        if not match:
            problems.append(f"SHA256SUMS line {number} is not '<sha256>  <file>': {line[:80]!r}")
            continue
        digest, name = match.groups()
        listed.add(name)
        try:
            actual, _ = sha256_member(folder, name)
        except FileNotFoundError:
            problems.append(f"{name}: listed in SHA256SUMS but missing")
        except UnsafeFile as error:
            problems.append(f"SHA256SUMS names {error}")
        except OSError as error:
            problems.append(f"{name}: cannot be read ({error})")
        else:
            if actual != digest:
                problems.append(f"{name}: sha256 differs from SHA256SUMS")
    files, others = folder_entries(folder)
    problems += others
    problems += [f"{name}: not listed in SHA256SUMS" for name in files if name != "SHA256SUMS" and name not in listed]
    return problems
