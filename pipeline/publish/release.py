"""Publish a release: stage, validate, checksum, move into a new version folder, mark latest.

In a Dagster run each table's bytes are written once (the IO manager's run folder, hashed as
written), validated once (its asset checks, whose results are kept beside the file) and
copied into the release, hashed on the way; the release reuses the kept results for those
exact bytes. Called without the run's files it writes and validates the tables itself.

Layout under ``<output_dir>/releases/``::

    versions.json               every published version, and which is latest
    <version>/                  one release, never modified once moved here
        documents.parquet ...   the tables
        datapackage.json        Frictionless Data Package (paths, sha256 hashes, schemas)
        DATA_DICTIONARY.md      rendered from the schemas
        validation/             results.json and index.html (offline)
        manifest.json           sources, pipeline version, git commit, counts, sizes,
                                previous version, changes and content digests
        CHANGES.md, changes/    what changed since the previous version (publish.changes)
        SHA256SUMS              checksums of every other file

    .publish.lock               the lock that serialises publishing (fcntl.flock)
    .staging-<version>/         a release being written by one run (with its owner record)

A release whose blocking expectations fail raises :class:`ReleaseBlocked`: nothing is
moved into ``releases/`` and ``versions.json`` is left as it was.

Safe when runs overlap or die: each run stages in its own ``.staging-<version>`` (reserved by
an atomic ``mkdir``); only the rename into ``<version>/`` and the ``versions.json`` update
(written whole, then renamed) hold the lock. Before staging, a run repairs what killed runs
left behind (:func:`recover_releases`).

Tables equal to the latest release's (by content digest) publish nothing: the latest
:class:`Release` comes back with ``unchanged=True``.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import __version__
from pipeline.publish.changes import (
    compare_release,
    keep_row_digests,
    prune_row_digests,
    try_compare_release,
    write_changes,
)
from pipeline.publish.checksums import (
    UnsafeFile,
    copy_hashed,
    hash_members,
    read_member,
    sha256_file,
    verify_checksums,
    write_checksums,
)
from pipeline.publish.catalogue import refresh_catalogue
from pipeline.publish.citation import write_citation
from pipeline.publish.datapackage import build_datapackage, check_datapackage
from pipeline.publish.pages import write_release_page
from pipeline.publish.dictionary import render_dictionary
from pipeline.publish.staging import (
    OWNER_FILE,
    Owner,
    current_owner,
    exclusive_lock,
    fault_point,
    lock_timeout,
    owner_alive,
    read_owner,
    write_owner,
)
from pipeline.paths import PROJECT_ROOT
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import read_table, write_table
from pipeline.quality.validation import (
    SuiteResult,
    stored_result,
    validate_table,
    validation_key,
    validation_outcome,
)


#: A version folder's name: the UTC time it was staged, and a counter when that second is taken.
VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z(\.\d+)?$")
STAGING_PREFIX = ".staging-"
#: A version folder that was found unlisted and did not verify is renamed with this prefix.
ASIDE_PREFIX = ".unverified-"
LOCK_FILE = ".publish.lock"
#: The charts of the last release page, beside the releases (:func:`pipeline.publish.charts.kept_svgs`).
CHARTS_DIR = ".charts"
#: A staging folder with no owner record yet is left alone this long (it is being created).
STAGING_GRACE_SECONDS = 60.0


class ReleaseBlocked(RuntimeError):
    """The staged release failed a blocking check; nothing was published."""


@dataclass(frozen=True)
class Release:
    version: str
    path: Path
    row_counts: dict[str, int]
    warnings: list[str]
    notes: list[str] = field(default_factory=list)  # repairs of what killed runs left behind
    unchanged: bool = False  # the tables equal the latest release's: nothing was published
    validated: list[str] = field(default_factory=list)  # tables whose suites ran here (no kept result)


def version_stem(now: datetime) -> str:
    """The version id for a release staged at ``now``: it sorts by time (UTC). A second
    release staged in the same second gets ``.2``, ``.3``... (see :func:`reserve_staging`).

    >>> version_stem(datetime(2026, 11, 23, 10, 45, 12, tzinfo=UTC))
    '2026-11-23T104512Z'
    """
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")


def git_commit() -> dict[str, Any]:
    """The commit the pipeline runs from, and whether the work tree had changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": None, "dirty": None}
    if commit.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def render_validation_html(version: str, results: dict[str, SuiteResult]) -> str:
    """A self-contained page (no scripts, no remote assets) of the validation results."""
    rows = []
    for name, result in results.items():
        for o in result.outcomes:
            state = "pass" if o.success else ("FAIL" if o.severity == "critical" else "warn")
            examples = html.escape(json.dumps(o.examples, ensure_ascii=False)) if o.examples else ""
            observed = "" if o.observed_value is None else json.dumps(o.observed_value, ensure_ascii=False)[:200]
            rows.append(
                f"<tr class='{state.lower()}'><td>{html.escape(name)}</td><td>{state}</td>"
                f"<td>{html.escape(o.severity)}</td><td>{html.escape(o.expectation)}</td>"
                f"<td>{html.escape(o.column or '')}</td><td>{html.escape(o.rule)}"
                f"{f' (flag <code>{html.escape(o.flag)}</code>)' if o.flag else ''}</td>"
                f"<td>{html.escape(observed)}</td><td>{o.unexpected_count}</td><td><code>{examples}</code></td></tr>"
            )
    summary = "".join(
        f"<li><b>{html.escape(n)}</b>: {r.row_count} rows, {len(r.outcomes)} expectations, "
        f"{len(r.blocking_failures)} blocking failures, {len(r.warnings)} warnings"
        f"{f', {r.flagged_rows} rows with quality flags {html.escape(json.dumps(r.flag_counts))}' if r.flag_counts else ''}</li>"
        for n, r in results.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validation — release {html.escape(version)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 6px;font-size:90%;vertical-align:top}}
tr.fail{{background:#fdd}}tr.warn{{background:#ffd}}code{{font-size:85%}}</style></head>
<body><h1>Validation results — release {html.escape(version)}</h1>
<p>Great Expectations suites from <code>schemas/suites/</code>, run on the Parquet files of this
release. Machine-readable: <a href="results.json">results.json</a>.</p>
<ul>{summary}</ul>
<table><tr><th>table</th><th>result</th><th>severity</th><th>expectation</th><th>column</th>
<th>rule</th><th>observed</th><th>unexpected</th><th>examples (up to ten rows)</th></tr>
{''.join(rows)}
</table></body></html>
"""


def read_versions(releases_dir: Path) -> dict[str, Any]:
    """``versions.json`` of a releases folder (an empty listing when there is none yet)."""
    path = releases_dir / "versions.json"
    if not path.exists():
        return {"versions": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ReleaseBlocked(f"{path} is not valid JSON ({error}); nothing was published") from error
    if not isinstance(data, dict) or not isinstance(data.get("versions"), list):
        raise ReleaseBlocked(f"{path} has no 'versions' list; nothing was published")
    return data


def latest_release(releases_dir: Path) -> dict[str, Any] | None:
    """The entry of ``versions.json`` that is marked latest (its version and row counts)."""
    versions = read_versions(releases_dir)
    latest = versions.get("latest")
    return next((v for v in versions["versions"] if v.get("version") == latest), None)


def _write_versions(releases_dir: Path, data: dict[str, Any]) -> None:
    """Replace ``versions.json`` whole (written to a temporary file, then renamed)."""
    path = releases_dir / "versions.json"
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _freeze(folder: Path) -> None:
    """Make a published folder read-only: a published version is never modified."""
    for p in sorted(folder.rglob("*"), reverse=True):
        p.chmod(0o444 if p.is_file() else 0o555)
    folder.chmod(0o555)


def _remove_tree(folder: Path) -> None:
    """Remove a folder, read-only parts included."""
    def make_writable_and_retry(function: Any, path: str, _: Any) -> None:
        os.chmod(os.path.dirname(path), 0o755)
        function(path)

    shutil.rmtree(folder, onerror=make_writable_and_retry)


@contextmanager
def publishing_lock(releases_dir: Path) -> Iterator[None]:
    """The one lock that serialises changes to ``releases/`` (see :mod:`pipeline.publish.staging`)."""
    with exclusive_lock(releases_dir / LOCK_FILE, lock_timeout()):
        yield


def reserve_staging(now: datetime, releases_dir: Path, owner: Owner) -> tuple[str, Path]:
    """A new version id and its staging folder, created atomically (``mkdir`` fails for the
    second of two runs that picked the same id, which then takes the next one) and marked
    with its owner."""
    base = version_stem(now)
    n = 1
    while True:
        version = base if n == 1 else f"{base}.{n}"
        n += 1
        if (releases_dir / version).exists() or (releases_dir / f"{ASIDE_PREFIX}{version}").exists():
            continue
        staging = releases_dir / f"{STAGING_PREFIX}{version}"
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        if (releases_dir / version).exists():  # published while we looked
            staging.rmdir()
            continue
        write_owner(staging, owner)
        return version, staging


def _manifest_of(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads(read_member(folder, "manifest.json"))
    except (OSError, ValueError, UnsafeFile):
        return None
    return manifest if isinstance(manifest, dict) else None


def recover_releases(releases_dir: Path) -> list[str]:
    """Repair what killed runs left in ``releases_dir``; call it holding :func:`publishing_lock`.

    - ``.staging-*`` folders whose owner process is dead (or, with no owner recorded, older
      than a minute) are removed;
    - a version folder that ``versions.json`` does not list (a run killed between the rename
      and the listing) is listed when its checksums and manifest verify, else renamed
      ``.unverified-<version>`` with a note ``.unverified-<version>.txt`` beside it.

    Returns one note per repair.
    """
    notes: list[str] = []
    for entry in sorted(releases_dir.iterdir()):
        if not entry.name.startswith(STAGING_PREFIX) or entry.is_symlink() or not entry.is_dir():
            continue
        owner = read_owner(entry)
        if owner is None and time.time() - entry.lstat().st_mtime < STAGING_GRACE_SECONDS:
            continue  # being created this instant: its owner is written right after mkdir
        if owner is not None and owner_alive(owner):
            continue
        _remove_tree(entry)
        notes.append(
            f"removed {entry.name}: staging left by a killed run "
            f"({owner.describe() if owner else 'no owner recorded'})"
        )
    (releases_dir / "versions.json.tmp").unlink(missing_ok=True)
    versions = read_versions(releases_dir)
    listed = {v.get("version") for v in versions["versions"] if isinstance(v, dict)}
    changed = False
    for entry in sorted(releases_dir.iterdir()):
        if not VERSION_PATTERN.match(entry.name) or entry.name in listed or entry.is_symlink() or not entry.is_dir():
            continue
        if (entry / OWNER_FILE).exists():  # the rename happened; the owner record is not part of the release
            entry.chmod(0o755)
            (entry / OWNER_FILE).unlink()
        problems = verify_checksums(entry)
        manifest = _manifest_of(entry)
        if manifest is None:
            problems.append("manifest.json is missing or unreadable")
        elif manifest.get("version") != entry.name:
            problems.append(f"manifest.json names version {manifest.get('version')!r}")
        if not problems and manifest is not None:
            _freeze(entry)
            versions["versions"].append(
                {"version": entry.name, "created": manifest.get("created"), "path": entry.name,
                 "row_counts": manifest.get("row_counts", {})}
            )
            versions.setdefault("latest", entry.name)
            changed = True
            notes.append(f"listed {entry.name}: complete (checksums verified) but unlisted after an interrupted run")
        else:
            aside = releases_dir / f"{ASIDE_PREFIX}{entry.name}"
            os.rename(entry, aside)
            (releases_dir / f"{ASIDE_PREFIX}{entry.name}.txt").write_text(
                f"{entry.name} was found unlisted in versions.json and did not verify, so it was moved "
                f"aside on {datetime.now(UTC).isoformat()}:\n" + "\n".join(f"- {p}" for p in problems) + "\n",
                encoding="utf-8",
            )
            notes.append(f"moved {entry.name} aside to {aside.name}: unlisted and it does not verify ({problems[0]})")
    if changed:
        _write_versions(releases_dir, versions)
    return notes


@dataclass(frozen=True)
class TableFile:
    """A table already written as Parquet by this run, with the sha256 recorded when it
    was written (the validation results kept beside it are keyed by that digest)."""

    path: Path
    sha256: str


def _same_files_as(latest_folder: Path, files: Mapping[str, TableFile]) -> bool:
    """Whether every table file has the sha256 the latest release's manifest records for
    it: then the tables are those of that release, with no row read."""
    manifest = _manifest_of(latest_folder) or {}
    recorded = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    return all(
        isinstance(recorded.get(f"{n}.parquet"), dict) and recorded[f"{n}.parquet"].get("sha256") == files[n].sha256
        for n in TABLE_NAMES
    )


def _stage_tables(
    tables: Mapping[str, pd.DataFrame], files: Mapping[str, TableFile] | None, staging: Path
) -> dict[str, tuple[str, int]]:
    """Put each table's Parquet file into ``staging``: a copy of the run's file when there
    is one, else written from the frame. Each file is hashed once, as it is written; the
    (sha256, size) per file name."""
    hashes: dict[str, tuple[str, int]] = {}
    for name in TABLE_NAMES:
        target = staging / f"{name}.parquet"
        if files is not None and name in files:
            hashes[target.name] = copy_hashed(files[name].path, target)
        else:
            try:
                write_table(name, tables[name], target)
            except (ValueError, TypeError, KeyError) as error:  # pyarrow's type and null errors
                raise ReleaseBlocked(
                    f"{name} does not fit schemas/tables/{name}.schema.json: {error}"
                ) from error
            hashes[target.name] = (sha256_file(target), target.stat().st_size)
        fault_point("mid_write")
    return hashes


def _suite_results(
    staging: Path,
    table_sha256: Mapping[str, str],
    files: Mapping[str, TableFile] | None,
    previous_counts: Mapping[str, int] | None,
) -> tuple[dict[str, SuiteResult], list[str]]:
    """Each table's suite result: the one its check kept beside the run's file when it was
    computed on these very bytes with these previous row counts, else validated now on the
    staged file. Also the names of the tables validated here."""
    results: dict[str, SuiteResult] = {}
    for name in TABLE_NAMES:
        if files is not None and name in files and files[name].sha256 == table_sha256[name]:
            kept = stored_result(files[name].path, validation_key(name, table_sha256, previous_counts))
            if kept is not None:
                results[name] = kept
    missing = [n for n in TABLE_NAMES if n not in results]
    if missing:
        staged = {name: read_table(staging / f"{name}.parquet") for name in TABLE_NAMES}
        results |= {n: validate_table(n, staged[n], staged, dict(previous_counts or {})) for n in missing}
    return {n: results[n] for n in TABLE_NAMES}, missing


def _current_tables(
    tables: Mapping[str, pd.DataFrame], files: Mapping[str, TableFile] | None
) -> dict[str, pa.Table | pd.DataFrame]:
    """The tables to publish as Arrow: the run's Parquet files when there are some (the very
    bytes staged), else the frames (typed by their schemas when compared)."""
    return {
        name: pq.read_table(files[name].path) if files is not None and name in files else tables[name]
        for name in TABLE_NAMES
    }


def _keep_digests(releases_dir: Path, table_sha256: Mapping[str, str], digests: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Keep the new latest release's row digests for the next run (and only those): a failure
    costs the next run one hashing of its rows, never this release. A note when it fails."""
    try:
        for name in TABLE_NAMES:
            keep_row_digests(releases_dir, table_sha256[name], digests[name])
        prune_row_digests(releases_dir, set(table_sha256.values()))
    except OSError as error:
        return [f"row digests not kept beside the releases ({error}); the next run hashes its rows again"]
    return []


def publish_release(
    tables: dict[str, pd.DataFrame],
    sources: list[dict[str, Any]],
    output_dir: Path,
    now: datetime | None = None,
    run_id: str | None = None,
    files: Mapping[str, TableFile] | None = None,
) -> Release:
    """Stage the tables, validate them, write the metadata, checksum, and move the folder
    into ``<output_dir>/releases/<version>``; then mark it latest.

    ``files`` are the run's Parquet files of the tables (the Dagster IO manager's), copied
    into the release rather than written again; their checks' kept results are reused when
    the bytes match (:func:`pipeline.quality.validation.stored_result`), and a table without
    one is validated here. Each file is hashed once; ``datapackage.json``, ``manifest.json``
    and ``SHA256SUMS`` share those digests.

    Staging is private to this call (``.staging-<version>``, owned by this process); only the
    move and the ``versions.json`` update hold the publishing lock. Leftovers of killed runs
    are repaired first (:func:`recover_releases`)."""
    now = now or datetime.now(UTC)
    releases_dir = output_dir / "releases"
    releases_dir.mkdir(parents=True, exist_ok=True)
    with publishing_lock(releases_dir):
        notes = recover_releases(releases_dir)
        if notes:  # a version may have been listed: keep the catalogue in step
            notes += refresh_catalogue(releases_dir)
    latest = latest_release(releases_dir)
    same_files = (
        latest is not None and files is not None and set(files) >= set(TABLE_NAMES)
        and _same_files_as(releases_dir / latest["version"], files)
    )
    if latest is not None and same_files:
        return Release(latest["version"], releases_dir / latest["version"], latest["row_counts"], [], notes, unchanged=True)
    current = _current_tables(tables, files)  # Arrow, once: compared, counted and charted
    changes = try_compare_release(
        current, releases_dir / latest["version"] if latest else None,
        {n: f.sha256 for n, f in files.items()} if files is not None else None,
    )
    if latest is not None and changes is not None and changes.unchanged:
        return Release(latest["version"], releases_dir / latest["version"], latest["row_counts"], [], notes, unchanged=True)
    fault_point("before_staging")
    version, staging = reserve_staging(now, releases_dir, current_owner(run_id))
    try:
        hashes = _stage_tables(tables, files, staging)
        table_sha256 = {n: hashes[f"{n}.parquet"][0] for n in TABLE_NAMES}
        previous = latest_release(releases_dir)
        previous_counts = previous["row_counts"] if previous else None
        results, validated = _suite_results(staging, table_sha256, files, previous_counts)
        blocking = [r for r in results.values() if not r.success]
        if blocking:
            raise ReleaseBlocked(
                "blocking expectations failed; nothing was published:\n"
                + "\n".join(r.describe_failures() for r in blocking)
            )
        warnings = [r.describe_failures() for r in results.values() if r.warnings]
        (staging / "validation").mkdir()
        report = {"version": version, **validation_outcome(results), "suites": {n: r.to_dict() for n, r in results.items()}}
        (staging / "validation" / "results.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (staging / "validation" / "index.html").write_text(
            render_validation_html(version, results), encoding="utf-8"
        )
        (staging / "DATA_DICTIONARY.md").write_text(render_dictionary(version), encoding="utf-8")
        previous_folder = releases_dir / previous["version"] if previous else None
        if changes is None or changes.previous_folder != previous_folder:  # another run published meanwhile
            staged = {n: pq.read_table(staging / f"{n}.parquet") for n in TABLE_NAMES}
            changes = compare_release(staged, previous_folder, table_sha256)
        arrow = {n: changes.tables[n].table for n in TABLE_NAMES}
        row_counts = {n: arrow[n].num_rows for n in TABLE_NAMES}
        created = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
        digests = changes.digests()
        manifest_changes = write_changes(staging, changes, version, digests)
        write_citation(staging, version, created)
        write_release_page(staging, version, created, arrow, manifest_changes, kept_charts=releases_dir / CHARTS_DIR)
        descriptor = build_datapackage(table_sha256, version, created, sources)
        (staging / "datapackage.json").write_text(
            json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        problems = check_datapackage(staging / "datapackage.json")
        if problems:
            raise ReleaseBlocked("datapackage.json does not validate:\n" + "\n".join(problems))
        hashes = hash_members(staging, frozenset({OWNER_FILE}), known=hashes)
        manifest = {
            "version": version,
            "created": created,
            "pipeline": {"name": "news-agreements", "version": __version__, **git_commit()},
            "sources": sources,
            "row_counts": row_counts,
            "files": {name: {"sha256": sha, "bytes": size} for name, (sha, size) in hashes.items()},
            "previous_release": (
                {"version": previous["version"], "row_counts": previous["row_counts"]} if previous else None
            ),
            "validation": validation_outcome(results),
            **manifest_changes,  # previous_version, changes (counts per table and op), content_digests
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        write_checksums(staging, ignore=frozenset({OWNER_FILE}), known=hashes)
        final = releases_dir / version
        with publishing_lock(releases_dir):
            (staging / OWNER_FILE).unlink()  # the version folder holds exactly the release
            os.rename(staging, final)
            fault_point("after_rename")
            _freeze(final)
            versions = read_versions(releases_dir)
            versions["versions"].append(
                {"version": version, "created": created, "path": version, "row_counts": row_counts}
            )
            versions["latest"] = version
            _write_versions(releases_dir, versions)
            notes += refresh_catalogue(releases_dir)  # archive, index.json, index.html
            notes += _keep_digests(releases_dir, table_sha256, digests)
    except BaseException:
        if staging.exists():
            _remove_tree(staging)
        raise
    return Release(
        version=version, path=final, row_counts=row_counts, warnings=warnings, notes=notes, validated=validated
    )
