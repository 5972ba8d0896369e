"""Load the data files under ``schemas/rules/`` (patterns and word lists), once per process."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from typing import Any

from pipeline.paths import RULES_DIR


@cache
def load_rules(name: str) -> dict[str, Any]:
    """Parse ``schemas/rules/<name>`` (TOML or JSON). The result is shared: do not mutate it.

    >>> sorted(load_rules("cleaning.toml"))[:2]
    ['block_max_words', 'duplicate_min_words']
    """
    path = RULES_DIR / name
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        return tomllib.loads(text)
    return json.loads(text)
