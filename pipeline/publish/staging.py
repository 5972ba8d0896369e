"""Who owns a folder being written, whether that owner still lives, and the publishing lock.

Every folder a run writes before it is complete (a release's ``.staging-<version>``, a run's
intermediate tables ``tables/runs/<run_id>``) carries :data:`OWNER_FILE`: the writing
process's pid, host, start time (so a recycled pid is not taken for the owner), the Dagster
run id and instance. A later run removes such a folder only when its owner is dead.

One ``fcntl.flock`` on ``releases/.publish.lock`` serialises publishing; the kernel releases
it when its holder dies, even by SIGKILL, so a killed publisher never blocks the next one.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

#: The owner record inside a folder being written (never part of a published release).
OWNER_FILE = ".owner.json"
#: Seconds a second publisher waits for the lock before failing (``PIPELINE_PUBLISH_LOCK_TIMEOUT``).
DEFAULT_LOCK_TIMEOUT = 120.0
#: Test hook: the named point at which the process SIGKILLs itself (see :func:`fault_point`).
FAULT_POINT_VARIABLE = "PIPELINE_FAULT_POINT"


class PublishLockTimeout(RuntimeError):
    """Another publisher held the lock for longer than the timeout; nothing was published."""


@dataclass(frozen=True)
class Owner:
    """The process writing a folder."""

    pid: int
    host: str
    started: str | None  # the process's start time in clock ticks since boot (/proc/<pid>/stat)
    run_id: str | None = None
    instance: str | None = None  # the persistent Dagster instance's folder; None when ephemeral

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}" + (f", run {self.run_id}" if self.run_id else "")


def fault_point(name: str) -> None:
    """Test hook for the fault-injection tests: SIGKILL this process when the environment
    variable ``PIPELINE_FAULT_POINT`` equals ``name``. Does nothing otherwise.

    Points: ``before_staging``, ``mid_write`` (one table staged), ``after_rename`` (the
    version folder is in place, ``versions.json`` not yet updated).
    """
    if os.environ.get(FAULT_POINT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def process_start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), or None if unknown."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def current_owner(run_id: str | None = None, instance: str | None = None) -> Owner:
    pid = os.getpid()
    return Owner(pid=pid, host=socket.gethostname(), started=process_start_time(pid), run_id=run_id, instance=instance)


def write_owner(folder: Path, owner: Owner) -> None:
    """Record ``owner`` in ``folder`` (written whole, then renamed into place)."""
    tmp = folder / f"{OWNER_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(asdict(owner)) + "\n", encoding="utf-8")
    os.replace(tmp, folder / OWNER_FILE)


def read_owner(folder: Path) -> Owner | None:
    """The owner recorded in ``folder``, or None when there is none or it is unreadable."""
    try:
        data = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        return Owner(
            pid=int(data["pid"]), host=str(data["host"]), started=data.get("started"),
            run_id=data.get("run_id"), instance=data.get("instance"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def owner_alive(owner: Owner) -> bool:
    """Whether the owner process may still be running. An owner on another host cannot be
    checked and counts as alive; a zombie or a pid recycled by a newer process is dead.

    >>> owner_alive(current_owner())
    True
    """
    if owner.host != socket.gethostname():
        return True
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _proc_stat(owner.pid)
    if fields is None:
        return True  # no /proc: the signal said the pid exists
    if fields[0] == "Z":
        return False
    return owner.started is None or process_start_time(owner.pid) == owner.started


def lock_timeout() -> float:
    """Seconds to wait for the publishing lock: ``PIPELINE_PUBLISH_LOCK_TIMEOUT`` or 120."""
    try:
        return float(os.environ.get("PIPELINE_PUBLISH_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@contextmanager
def exclusive_lock(
    path: Path, timeout: float, holder_role: str = "publisher", poll_seconds: float = 0.05
) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed); wait at most ``timeout``
    seconds for it, then raise :class:`PublishLockTimeout` naming the holder."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown"
                    raise PublishLockTimeout(
                        f"another {holder_role} ({holder}) has held {path} for more than {timeout:g} s; "
                        "nothing was published. Try again when it has finished, or raise "
                        "PIPELINE_PUBLISH_LOCK_TIMEOUT."
                    ) from None
                time.sleep(poll_seconds)
        os.ftruncate(fd, 0)
        os.pwrite(fd, current_owner().describe().encode() + b"\n", 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
