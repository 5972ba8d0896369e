"""Level 1: the definitions load, with every asset, check and the release job."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipeline.defs import RELEASE_JOB, defs
from pipeline.defs.checks import SUITE_CHECKS

ROOT = Path(__file__).resolve().parent.parent
TABLE_ASSETS = ["documents", "organisation_mentions", "organisations", "monetary_figures", "agreements"]


def test_every_asset_is_defined():
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {"raw_folder", "raw_articles", *TABLE_ASSETS, "release"}


def test_every_table_has_a_blocking_suite_check_and_a_warnings_check():
    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert checks == {(t, f"{t}_{kind}") for t in TABLE_ASSETS for kind in ("suite", "warnings")}
    blocking = {spec.name: spec.blocking for check in SUITE_CHECKS for spec in check.check_specs}
    assert blocking == {f"{t}_{kind}": kind == "suite" for t in TABLE_ASSETS for kind in ("suite", "warnings")}


def test_descriptions_render_as_written():
    """Markdown descriptions in the UI: an angle-bracket placeholder is only safe in code."""
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        text = graph.get(key).description or ""
        outside_code = "".join(part for i, part in enumerate(text.split("`")) if i % 2 == 0)
        assert "<" not in outside_code, (key, text)


def test_assets_carry_descriptions_groups_and_code_versions():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.group_name and node.group_name != "default", key
        assert node.code_version or not node.is_materializable, key  # raw_folder is observed, not built


def test_release_job_selects_everything():
    job = defs.resolve_job_def(RELEASE_JOB)
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} >= {"release", *TABLE_ASSETS}


def test_dagster_cli_validates_the_code_location_without_flags(tmp_path):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_only_pipeline_defs_imports_dagster():
    offenders = []
    for path in (ROOT / "pipeline").rglob("*.py"):
        if "defs" in path.relative_to(ROOT / "pipeline").parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "dagster" or n.startswith("dagster.") or n.startswith("dagster_") for n in names):
                offenders.append(str(path))
    assert offenders == []
