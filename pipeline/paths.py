"""Where the project's data files live."""

from __future__ import annotations

from pathlib import Path

#: The repository root (the package is installed in editable mode from here).
PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
#: Table schemas, expectation suites, and the patterns, word lists and gazetteers extractors use.
SCHEMAS_DIR: Path = PROJECT_ROOT / "schemas"
RULES_DIR: Path = SCHEMAS_DIR / "rules"
