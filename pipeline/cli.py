"""Command line: ``news-agreements release|validate|suites|fetch|catalogue`` (or ``python -m pipeline ...``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path


def verbose_option() -> argparse.ArgumentParser:
    """The ``--verbose`` flag shared by the subcommands that run Dagster (``parents=[...]``)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-v", "--verbose", action="store_true",
        help="also print Dagster's own log lines (DEBUG and up) and its Python warnings",
    )
    return parent


def progress(line: str) -> None:
    """A progress line on stderr: stdout keeps only the result (its last line, the release folder)."""
    print(line, file=sys.stderr, flush=True)


def _release(args: argparse.Namespace) -> int:
    from pipeline.defs.run import RunFailed, run_release
    from pipeline.publish.release import latest_release

    before = latest_release(Path(args.output_dir).resolve() / "releases")
    progress(f"release: every asset on {args.raw_dir} into {args.output_dir}")
    started = time.monotonic()
    try:
        path = run_release(Path(args.raw_dir), Path(args.output_dir), report=progress, verbose=args.verbose)
    except RunFailed as error:
        print(f"pipeline release: {error}", file=sys.stderr)
        return 1
    progress(f"release: done in {time.monotonic() - started:.1f} s")
    if before and path.name == before["version"]:  # versions are never reused: nothing was published
        print(f"unchanged: the tables equal the latest release {before['version']}; nothing published")
    print(path)
    return 0


def _validate(args: argparse.Namespace) -> int:
    """Always answers: exit 0 only for a trusted release, else 1 with the reasons (no traceback)."""
    from pipeline.quality.verify import verify_release

    check = verify_release(Path(args.release_dir))
    print(check.report())
    if args.json:
        try:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "release": str(check.folder),
                        "trusted": check.trusted,
                        "problems": check.problems,
                        "suites": {n: r.to_dict() for n, r in check.results.items()},
                    },
                    indent=2,
                    ensure_ascii=False,
                    default=str,
                )
                + "\n",
                encoding="utf-8",
            )
        except OSError as error:
            print(f"pipeline validate: cannot write {args.json}: {error}", file=sys.stderr)
            return 1
    return 0 if check.trusted else 1


def _suites(args: argparse.Namespace) -> int:
    from pipeline.schemas import TABLE_NAMES, load_table_schema
    from pipeline.quality.suites import derive_suite, render_suite, suite_path, write_suites

    if args.write:
        for name in write_suites():
            print(f"wrote {suite_path(name)}")
        return 0
    stale = [
        name
        for name in TABLE_NAMES
        if not suite_path(name).exists()
        or suite_path(name).read_text(encoding="utf-8") != render_suite(derive_suite(load_table_schema(name)))
    ]
    for name in stale:
        print(f"{suite_path(name)} differs from what schemas/tables/{name}.schema.json derives", file=sys.stderr)
    return 1 if stale else 0


def _fetch(args: argparse.Namespace) -> int:
    """Exit 0 with the release folder as the last line, else 1 with the reason (nothing left behind)."""
    from pipeline.publish.fetch import FetchFailed, fetch_release

    try:
        folder = fetch_release(args.base_url, Path(args.to), args.version)
    except (FetchFailed, OSError) as error:
        print(f"pipeline fetch: {error}", file=sys.stderr)
        return 1
    print(folder)
    return 0


def _catalogue(args: argparse.Namespace) -> int:
    from pipeline.publish.catalogue import rebuild_catalogue

    try:
        notes = rebuild_catalogue(Path(args.output_dir))
    except (OSError, ValueError) as error:
        print(f"pipeline catalogue: {error}", file=sys.stderr)
        return 1
    for note in notes:
        print(f"pipeline catalogue: {note}", file=sys.stderr)
    print(Path(args.output_dir) / "releases" / "index.json")
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    prog = "news-agreements" if Path(sys.argv[0]).name == "news-agreements" else "python -m pipeline"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    release = sub.add_parser(
        "release",
        parents=[verbose_option()],
        help="materialise every asset on a folder of articles and publish a release; "
        "prints a line per step (on stderr) and the release folder as the last line",
    )
    release.add_argument("--raw-dir", default="raw", help="folder of raw article files (default: raw)")
    release.add_argument("--output-dir", default="outputs", help="folder for tables and releases (default: outputs)")
    release.set_defaults(func=_release)
    validate = sub.add_parser(
        "validate",
        help="check a release folder before trusting it: SHA256SUMS, manifest.json and "
        "datapackage.json hashes, then every suite; reads only regular files inside the folder; "
        "exit 0 only when all hold, else 1 with the reasons",
    )
    validate.add_argument("release_dir", help="a release folder, e.g. outputs/releases/<version>")
    validate.add_argument("--json", help="also write the full result as JSON to this file")
    validate.set_defaults(func=_validate)
    suites = sub.add_parser("suites", help="check (or --write) the stored expectation suites against the schemas")
    suites.add_argument("--write", action="store_true", help="regenerate schemas/suites/ from schemas/tables/")
    suites.set_defaults(func=_suites)
    fetch = sub.add_parser(
        "fetch",
        help="download a release listed in BASE_URL/index.json (http, https, file or a folder), check every "
        "file's sha256 against index.json and SHA256SUMS, validate it; prints the release folder last",
    )
    fetch.add_argument("base_url", help="where releases/index.json is served, e.g. http://host/releases")
    fetch.add_argument("--version", help="the version to fetch (default: the latest)")
    fetch.add_argument("--to", required=True, help="folder to put the release folder in")
    fetch.set_defaults(func=_fetch)
    catalogue = sub.add_parser(
        "catalogue", help="rebuild releases/index.json, index.html and missing archives from the manifests"
    )
    catalogue.add_argument("output_dir", nargs="?", default="outputs", help="the output folder (default: outputs)")
    catalogue.set_defaults(func=_catalogue)
    args = parser.parse_args(argv)
    if not getattr(args, "verbose", False):  # e.g. Dagster's BetaWarning about observable source assets
        warnings.filterwarnings("ignore", message=r".* is currently in (beta|preview)")
    return args.func(args)
