"""Check a release folder, one downloaded from elsewhere included, before trusting it.

Four steps, each reported: the files against ``SHA256SUMS``; against the sha256 and size of
each in ``manifest.json``; the Parquet files against the ``hash`` of their resource in
``datapackage.json``; then, when the files are exactly those described, every stored suite on
the tables (with the previous release's row counts that the manifest recorded, for drift).

A downloaded folder is untrusted input: only regular files inside it are read (names that
are absolute, contain ``..``, cross a symbolic link, or lead to a FIFO or device are refused
without being opened for reading, see :mod:`pipeline.publish.checksums`), sizes are bounded,
and every failure becomes a reason in the report (exit 1), never a traceback or a hang.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pipeline.publish.checksums import (
    UnsafeFile,
    folder_entries,
    open_member,
    read_member,
    sha256_member,
    verify_checksums,
)
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import to_frame
from pipeline.quality.validation import SuiteResult, validate_tables


@dataclass
class ReleaseCheck:
    folder: Path
    problems: list[str] = field(default_factory=list)  # checksum, hash and file problems
    results: dict[str, SuiteResult] = field(default_factory=dict)
    suites_skipped: str | None = None  # why the suites were not run, when they were not

    @property
    def trusted(self) -> bool:
        """No file problem and every blocking expectation holds."""
        return not self.problems and bool(self.results) and all(r.success for r in self.results.values())

    def report(self) -> str:
        lines = [f"release {self.folder}"]
        lines += [f"  file problem: {p}" for p in self.problems]
        if self.suites_skipped:
            lines.append(f"  suites not run: {self.suites_skipped}")
        for name, r in self.results.items():
            state = "ok" if r.success else "FAILED"
            lines.append(
                f"  {name}: {state}, {r.row_count} rows, {len(r.outcomes)} expectations, "
                f"{len(r.blocking_failures)} blocking failures, {len(r.warnings)} warnings"
            )
            for o in r.blocking_failures + r.warnings:
                kind = "ERROR" if o.severity == "critical" else "WARN"
                lines.append(f"    {kind} {o.rule} [{o.expectation}]: {o.observation(r.row_count, with_examples=False)}")
                lines += [f"      e.g. {json.dumps(e, ensure_ascii=False)}" for e in o.examples[:10]]
        lines.append("trusted: all checksums match and every blocking expectation holds" if self.trusted
                     else "NOT trusted: see the problems above")
        return "\n".join(lines)


def _read_json(folder: Path, name: str) -> tuple[Any, str | None]:
    """A member JSON file of the release, or None and the reason it cannot be read."""
    try:
        return json.loads(read_member(folder, name)), None
    except FileNotFoundError:
        return None, f"{name} is missing"
    except UnsafeFile as error:
        return None, f"{name} refused: {error}"
    except (OSError, ValueError) as error:
        return None, f"{name} cannot be read: {error}"


def _hash_problem(folder: Path, name: Any, listed_in: str) -> tuple[str | None, tuple[str, int] | None]:
    """(problem, None) when ``name`` cannot be hashed safely, else (None, (sha256, bytes))."""
    try:
        return None, sha256_member(folder, name)
    except FileNotFoundError:
        return f"{name}: named in {listed_in} but missing", None
    except UnsafeFile as error:
        return f"{listed_in} names {error}", None
    except OSError as error:
        return f"{name}: cannot be read ({error})", None


def verify_datapackage_hashes(folder: Path) -> list[str]:
    """Problems found comparing each resource's file with its ``hash`` in datapackage.json."""
    package, problem = _read_json(folder, "datapackage.json")
    if problem:
        return [problem]
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list):
        return ["datapackage.json has no list of resources"]
    problems = []
    for resource in resources:
        name = resource.get("path") if isinstance(resource, dict) else None
        expected = str(resource.get("hash", "")).removeprefix("sha256:") if isinstance(resource, dict) else ""
        problem, found = _hash_problem(folder, name, "datapackage.json")
        if problem:
            problems.append(problem)
        elif not expected:
            problems.append(f"{name}: datapackage.json gives no hash")
        elif found[0] != expected:
            problems.append(f"{name}: sha256 differs from datapackage.json")
    return problems


def verify_manifest_files(folder: Path) -> tuple[list[str], dict[str, int] | None]:
    """Problems found comparing the release's files with the sha256 and size of each in
    manifest.json (which lists every file but itself and SHA256SUMS); and the previous
    release's row counts it records (for drift)."""
    manifest, problem = _read_json(folder, "manifest.json")
    if problem:
        return [problem], None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return ["manifest.json has no 'files' table of sha256 and bytes"], None
    problems = []
    for name, expected in files.items():
        problem, found = _hash_problem(folder, name, "manifest.json")
        if problem:
            problems.append(problem)
        elif not isinstance(expected, dict) or found[0] != expected.get("sha256"):
            problems.append(f"{name}: sha256 differs from manifest.json")
        elif found[1] != expected.get("bytes"):
            problems.append(f"{name}: {found[1]} bytes, manifest.json says {expected.get('bytes')}")
    present, _ = folder_entries(folder)
    problems += [
        f"{name}: not listed in manifest.json"
        for name in present
        if name not in files and name not in ("manifest.json", "SHA256SUMS")
    ]
    previous = manifest.get("previous_release") or {}
    counts = previous.get("row_counts") if isinstance(previous, dict) else None
    valid = isinstance(counts, dict) and all(isinstance(v, int) for v in counts.values())
    return problems, counts if valid else None


def read_release_table(folder: Path, name: str) -> pd.DataFrame:
    """A table of the release, opened as a regular file inside the folder (never a link)."""
    with open_member(folder, f"{name}.parquet") as handle:
        return to_frame(pq.read_table(handle))


def verify_release(folder: Path) -> ReleaseCheck:
    """Checksums, manifest and package hashes, then every suite on the release's tables.
    Always answers: whatever goes wrong becomes a problem of the report."""
    check = ReleaseCheck(folder=folder)
    try:
        _verify(folder, check)
    except Exception as error:  # noqa: BLE001 - validate always answers, never with a traceback
        check.problems.append(f"the check could not finish: {type(error).__name__}: {error}")
    return check


def _verify(folder: Path, check: ReleaseCheck) -> None:
    if not folder.is_dir():
        check.problems.append(f"{folder} is not a folder")
        return
    folder = folder.resolve()
    check.problems += verify_checksums(folder)
    manifest_problems, previous = verify_manifest_files(folder)
    check.problems += manifest_problems
    check.problems += verify_datapackage_hashes(folder)
    tables = {}
    for name in TABLE_NAMES:
        try:
            tables[name] = read_release_table(folder, name)
        except FileNotFoundError:
            check.problems.append(f"{name}.parquet is missing")
        except UnsafeFile as error:
            check.problems.append(f"{name}.parquet refused: {error}")
        except Exception as error:  # noqa: BLE001 - any unreadable file is a problem to report
            check.problems.append(f"{name}.parquet cannot be read: {error}")
    if check.problems:
        check.suites_skipped = "the files are not those the release's checksums describe"
        return
    check.results = validate_tables(tables, previous)
