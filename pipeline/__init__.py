"""News articles to a versioned open dataset of agreements, organisations and money.

The package is plain Python; only :mod:`pipeline.defs` imports Dagster.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("news-agreements")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0+unknown"
