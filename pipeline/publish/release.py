"""Publish a release: stage, validate, checksum, move into a new version folder, mark latest.

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

Tables equal to the latest release's (by content digest) publish nothing: the latest
:class:`Release` comes back with ``unchanged=True``. A release whose blocking expectations
fail raises :class:`ReleaseBlocked`: nothing is moved into ``releases/`` and
``versions.json`` is left as it was.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.publish.changes import unchanged_version, write_changes
from pipeline.publish.checksums import sha256_file
from pipeline.publish.datapackage import build_datapackage, check_datapackage
from pipeline.publish.dictionary import render_dictionary
from pipeline.paths import PROJECT_ROOT
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import read_table, write_table
from pipeline.quality.validation import SuiteResult, validate_tables


class ReleaseBlocked(RuntimeError):
    """The staged release failed a blocking check; nothing was published."""


@dataclass(frozen=True)
class Release:
    version: str
    path: Path
    row_counts: dict[str, int]
    warnings: list[str]
    unchanged: bool = False  # the tables equal the latest release's: nothing was published


def new_version_id(now: datetime, releases_dir: Path) -> str:
    """A version id that sorts by time (UTC), unique within ``releases_dir``.

    >>> new_version_id(datetime(2026, 11, 23, 10, 45, 12, tzinfo=UTC), Path("/nonexistent"))
    '2026-11-23T104512Z'
    """
    base = now.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    version, n = base, 1
    while (releases_dir / version).exists() or (releases_dir / f".staging-{version}").exists():
        n += 1
        version = f"{base}.{n}"
    return version


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


def write_checksums(folder: Path) -> Path:
    """``SHA256SUMS`` (sha256sum format) for every file of the folder but itself."""
    lines = [
        f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    ]
    target = folder / "SHA256SUMS"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def verify_checksums(folder: Path) -> list[str]:
    """Problems found checking a release folder against its ``SHA256SUMS`` (empty: all good)."""
    sums = folder / "SHA256SUMS"
    if not sums.exists():
        return [f"{sums} is missing"]
    problems = []
    listed = set()
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed.add(name)
        path = folder / name
        if not path.exists():
            problems.append(f"{name}: listed in SHA256SUMS but missing")
        elif sha256_file(path) != digest:
            problems.append(f"{name}: sha256 differs from SHA256SUMS")
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and p.name != "SHA256SUMS" and rel not in listed:
            problems.append(f"{rel}: not listed in SHA256SUMS")
    return problems


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
                f"<td>{html.escape(o.column or '')}</td><td>{html.escape(o.rule)}</td>"
                f"<td>{html.escape(observed)}</td><td>{o.unexpected_count}</td><td><code>{examples}</code></td></tr>"
            )
    summary = "".join(
        f"<li><b>{html.escape(n)}</b>: {r.row_count} rows, {len(r.outcomes)} expectations, "
        f"{len(r.blocking_failures)} blocking failures, {len(r.warnings)} warnings</li>"
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


def latest_release(releases_dir: Path) -> dict[str, Any] | None:
    """The entry of ``versions.json`` that is marked latest (its version and row counts)."""
    path = releases_dir / "versions.json"
    if not path.exists():
        return None
    versions = json.loads(path.read_text(encoding="utf-8"))
    latest = versions.get("latest")
    return next((v for v in versions.get("versions", []) if v.get("version") == latest), None)


def validation_outcome(results: dict[str, SuiteResult]) -> dict[str, Any]:
    """The overall outcome of a release's validation, as recorded in its manifest."""
    return {
        "success": all(r.success for r in results.values()),
        "expectations": sum(len(r.outcomes) for r in results.values()),
        "blocking_failures": sum(len(r.blocking_failures) for r in results.values()),
        "warnings": sum(len(r.warnings) for r in results.values()),
        "warned": [
            {"table": r.table, "rule": o.rule, "unexpected_count": o.unexpected_count}
            for r in results.values()
            for o in r.warnings
        ],
        "report": "validation/results.json",
    }


def _update_versions(releases_dir: Path, entry: dict[str, Any]) -> None:
    path = releases_dir / "versions.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"versions": []}
    data["versions"].append(entry)
    data["latest"] = entry["version"]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _freeze(folder: Path) -> None:
    """Make a published folder read-only: a published version is never modified."""
    for p in sorted(folder.rglob("*"), reverse=True):
        p.chmod(0o444 if p.is_file() else 0o555)
    folder.chmod(0o555)


def publish_release(
    tables: dict[str, pd.DataFrame],
    sources: list[dict[str, Any]],
    output_dir: Path,
    now: datetime | None = None,
) -> Release:
    """Stage the tables, validate the staged files, write the metadata, checksum, and move
    the folder into ``<output_dir>/releases/<version>``; then mark it latest."""
    now = now or datetime.now(UTC)
    releases_dir = output_dir / "releases"
    releases_dir.mkdir(parents=True, exist_ok=True)
    latest = latest_release(releases_dir)
    if unchanged_version(tables, releases_dir, latest["version"] if latest else None):
        return Release(latest["version"], releases_dir / latest["version"], latest["row_counts"], [], unchanged=True)
    version = new_version_id(now, releases_dir)
    staging = releases_dir / f".staging-{version}"
    staging.mkdir()
    try:
        for name in TABLE_NAMES:
            try:
                write_table(name, tables[name], staging / f"{name}.parquet")
            except (ValueError, TypeError, KeyError) as error:  # pyarrow's type and null errors
                raise ReleaseBlocked(
                    f"{name} does not fit schemas/tables/{name}.schema.json: {error}"
                ) from error
        staged = {name: read_table(staging / f"{name}.parquet") for name in TABLE_NAMES}
        previous = latest_release(releases_dir)
        results = validate_tables(staged, previous["row_counts"] if previous else None)
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
        row_counts = {n: len(staged[n]) for n in TABLE_NAMES}
        created = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
        changes = write_changes(staging, staged, releases_dir / previous["version"] if previous else None, version)
        descriptor = build_datapackage(staging, version, created, sources)
        (staging / "datapackage.json").write_text(
            json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        problems = check_datapackage(staging / "datapackage.json")
        if problems:
            raise ReleaseBlocked("datapackage.json does not validate:\n" + "\n".join(problems))
        manifest = {
            "version": version,
            "created": created,
            "pipeline": {"name": "news-agreements", "version": __version__, **git_commit()},
            "sources": sources,
            "row_counts": row_counts,
            "files": {
                p.relative_to(staging).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
                for p in sorted(staging.rglob("*"))
                if p.is_file()
            },
            "previous_release": (
                {"version": previous["version"], "row_counts": previous["row_counts"]} if previous else None
            ),
            "validation": validation_outcome(results),
            **changes,  # previous_version, changes (counts per table and op), content_digests
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        write_checksums(staging)
        final = releases_dir / version
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _freeze(final)
    _update_versions(
        releases_dir, {"version": version, "created": created, "path": version, "row_counts": row_counts}
    )
    return Release(version=version, path=final, row_counts=row_counts, warnings=warnings)
