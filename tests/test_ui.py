"""`dagster dev` serves the code location on 127.0.0.1: a real server, stopped as a process group."""

from __future__ import annotations

import time

import pytest

from .dagster_dev import dagster_dev, graphql, new_instance


@pytest.mark.slow
def test_dagster_dev_lists_every_asset(tmp_path):
    home = new_instance(tmp_path / "home")
    with dagster_dev(home, {"PIPELINE_OUTPUT_DIR": str(tmp_path / "out")}) as port:
        query = "{ assetNodes { assetKey { path } hasAssetChecks } }"
        deadline, data = time.monotonic() + 180, None
        while time.monotonic() < deadline:
            try:
                data = graphql(port, query, timeout=5)
                if data.get("assetNodes"):
                    break
            except (OSError, ValueError, KeyError, TypeError):
                pass
            time.sleep(1)
        assert data and data["assetNodes"], "dagster dev did not answer within 180 s"
        nodes = {n["assetKey"]["path"][-1]: n["hasAssetChecks"] for n in data["assetNodes"]}
        assert set(nodes) == {"raw_folder", "raw_articles", "documents", "organisation_mentions", "organisations",
                              "monetary_figures", "agreements", "release"}
        assert nodes["agreements"] and nodes["documents"]
