"""``CITATION.cff`` of a release (Citation File Format 1.2.0) and the same citation in words.

The repository URL is not known to the pipeline: set ``PIPELINE_REPOSITORY_URL`` to have
``repository-code`` and the URL in the citation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.publish.datapackage import DATASET_NAME, DATASET_TITLE, LICENSES

CITATION_FILE = "CITATION.cff"
#: Who the citation names as authors (an entity, as CFF allows).
AUTHOR = "news-agreements contributors"
REPOSITORY_VARIABLE = "PIPELINE_REPOSITORY_URL"


def repository_url() -> str | None:
    """The project's public repository, from ``PIPELINE_REPOSITORY_URL`` (None when unset)."""
    url = os.environ.get(REPOSITORY_VARIABLE, "").strip()
    return url if url.startswith(("https://", "http://")) else None


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one).

    >>> _quoted('a "b": c')
    '"a \\\\"b\\\\": c"'
    """
    return json.dumps(value, ensure_ascii=False)


def render_citation(version: str, created: str) -> str:
    """The CFF file of release ``version``, created at ISO time ``created``.

    >>> import yaml
    >>> cff = yaml.safe_load(render_citation("2026-11-25T101500Z", "2026-11-25T10:15:00Z"))
    >>> cff["cff-version"], cff["version"], cff["date-released"], cff["type"]
    ('1.2.0', '2026-11-25T101500Z', '2026-11-25', 'dataset')
    """
    lines = [
        "cff-version: 1.2.0",
        f"message: {_quoted('If you use this dataset, please cite it as below.')}",
        "type: dataset",
        f"title: {_quoted(f'{DATASET_TITLE} ({DATASET_NAME})')}",
        f"version: {_quoted(version)}",
        f"date-released: {_quoted(created[:10])}",
        "authors:",
        f"  - name: {_quoted(AUTHOR)}",
        f"license: {_quoted(LICENSES[0]['name'])}",
        f"abstract: {_quoted('Agreements, organisations and monetary figures extracted from news articles; every row keeps character offsets into the article text as evidence.')}",
        "keywords:",
        *(f"  - {_quoted(k)}" for k in ("news", "agreements", "organisations", "monetary figures", "open data")),
    ]
    url = repository_url()
    if url:
        lines.append(f"repository-code: {_quoted(url)}")
    return "\n".join(lines) + "\n"


def citation_text(version: str, created: str) -> str:
    """The citation in words, for a page.

    >>> citation_text("2026-11-25T101500Z", "2026-11-25T10:15:00Z")[:40]
    'news-agreements contributors (2026). Agr'
    """
    url = repository_url()
    return (
        f"{AUTHOR} ({created[:4]}). {DATASET_TITLE} ({DATASET_NAME}), version {version}, "
        f"released {created[:10]}. Licence {LICENSES[0]['name']}." + (f" {url}" if url else "")
    )


def write_citation(folder: Path, version: str, created: str) -> Path:
    """Write ``CITATION.cff`` into a staged release folder."""
    target = folder / CITATION_FILE
    target.write_text(render_citation(version, created), encoding="utf-8")
    return target
