"""Check a release folder, one downloaded from elsewhere included, before trusting it.

Three steps, each reported: the files against ``SHA256SUMS``; the Parquet files against the
``hash`` of their resource in ``datapackage.json``; then every stored suite on the tables
(with the previous release's row counts that the manifest recorded, for drift).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.publish.checksums import sha256_file
from pipeline.publish.release import verify_checksums
from pipeline.schemas import TABLE_NAMES
from pipeline.tables import read_table
from pipeline.quality.validation import SuiteResult, validate_tables


@dataclass
class ReleaseCheck:
    folder: Path
    problems: list[str] = field(default_factory=list)  # checksum, hash and file problems
    results: dict[str, SuiteResult] = field(default_factory=dict)

    @property
    def trusted(self) -> bool:
        """No file problem and every blocking expectation holds."""
        return not self.problems and bool(self.results) and all(r.success for r in self.results.values())

    def report(self) -> str:
        lines = [f"release {self.folder}"]
        lines += [f"  file problem: {p}" for p in self.problems]
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


def verify_datapackage_hashes(folder: Path) -> list[str]:
    """Problems found comparing each resource's file with its ``hash`` in datapackage.json."""
    path = folder / "datapackage.json"
    if not path.exists():
        return [f"{path.name} is missing"]
    problems = []
    for resource in json.loads(path.read_text(encoding="utf-8")).get("resources", []):
        file = folder / resource["path"]
        expected = str(resource.get("hash", "")).removeprefix("sha256:")
        if not file.exists():
            problems.append(f"{resource['path']}: named in datapackage.json but missing")
        elif not expected:
            problems.append(f"{resource['path']}: datapackage.json gives no hash")
        elif sha256_file(file) != expected:
            problems.append(f"{resource['path']}: sha256 differs from datapackage.json")
    return problems


def verify_release(folder: Path) -> ReleaseCheck:
    """Checksums, package hashes, then every suite on the release's tables."""
    check = ReleaseCheck(folder=folder)
    if not folder.is_dir():
        check.problems.append(f"{folder} is not a folder")
        return check
    check.problems += verify_checksums(folder)
    check.problems += verify_datapackage_hashes(folder)
    tables = {}
    for name in TABLE_NAMES:
        try:
            tables[name] = read_table(folder / f"{name}.parquet")
        except Exception as error:  # noqa: BLE001 - any unreadable file is a problem to report
            check.problems.append(f"{name}.parquet cannot be read: {error}")
    if len(tables) < len(TABLE_NAMES):
        return check
    previous = None
    manifest = folder / "manifest.json"
    if manifest.exists():
        previous = (json.loads(manifest.read_text(encoding="utf-8")).get("previous_release") or {}).get("row_counts")
    check.results = validate_tables(tables, previous)
    return check
