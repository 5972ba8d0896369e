"""Level 2: assets called directly, on real folders, with real resources."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from pipeline.defs.assets import documents, monetary_figures, organisation_tables, raw_articles
from pipeline.defs.checks import documents_checks, monetary_figures_checks
from pipeline.defs.compute import ComputeResource
from pipeline.defs.resources import ParquetIOManager, PipelineSettings
from pipeline.defs.validation import ValidationResource


def _value(output):
    return output.value if isinstance(output, dg.Output) else output


def test_raw_articles_inventories_good_and_bad_files(articles_dir, tmp_path):
    settings = PipelineSettings(raw_dir=str(articles_dir), output_dir=str(tmp_path / "out"))
    frame = _value(raw_articles(dg.build_asset_context(), settings=settings, compute=ComputeResource()))
    assert len(frame) == 8
    by_file = frame.set_index("source_file")
    assert by_file.loc["empty.txt", "status"] == "rejected"
    assert by_file.loc["empty.txt", "problem"] == "empty file"
    assert "binary" in by_file.loc["image.txt", "problem"]
    assert by_file.loc["legacy.txt", "encoding"] == "cp1252"
    assert "café" in by_file.loc["legacy.txt", "text"]
    assert (frame["sha256"].str.len() == 64).all()


def test_documents_and_figures_from_assets_called_directly(articles_dir, tmp_path):
    settings = PipelineSettings(raw_dir=str(articles_dir), output_dir=str(tmp_path / "out"))
    raw = _value(raw_articles(dg.build_asset_context(), settings=settings, compute=ComputeResource()))
    docs = _value(documents(dg.build_asset_context(), settings=settings, compute=ComputeResource(), raw_articles=raw))
    assert len(docs) == 6  # five seeds and the legacy-encoded article
    assert docs.set_index("source_file").loc["legacy.txt", "title"] == "Café deal"
    figures = _value(monetary_figures(settings=settings, compute=ComputeResource(), documents=docs))
    legacy = figures[figures["doc_id"] == "legacy"]
    assert legacy[["text", "amount", "currency"]].values.tolist() == [["£120 million", 120e6, "GBP"]]
    outputs = {o.output_name: o.value for o in organisation_tables(settings=settings, compute=ComputeResource(), documents=docs)}
    assert set(outputs) == {"organisation_mentions", "organisations"}
    assert "gazprom" in set(outputs["organisations"]["org_id"])


def _checks(check, settings: PipelineSettings, **tables: pd.DataFrame) -> dict[str, dg.AssetCheckResult]:
    """A multi-asset check called directly: its results by check name."""
    io = ParquetIOManager(base_dir=str(settings.tables_path))
    with dg.instance_for_test() as instance:
        context = dg.build_asset_check_context(instance=instance)
        # called directly, the resource is not set up: no worker, the check validates here
        return {r.check_name: r for r in check(context, settings=settings, parquet_io_manager=io,
                                               validation=ValidationResource(), **tables)}


def test_suite_checks_called_directly_pass_and_fail(articles_dir, tmp_path):
    settings = PipelineSettings(raw_dir=str(articles_dir), output_dir=str(tmp_path / "out"))
    raw = _value(raw_articles(dg.build_asset_context(), settings=settings, compute=ComputeResource()))
    docs = _value(documents(dg.build_asset_context(), settings=settings, compute=ComputeResource(), raw_articles=raw))
    figures = _value(monetary_figures(settings=settings, compute=ComputeResource(), documents=docs))
    assert _checks(documents_checks, settings, documents=docs)["documents_suite"].passed
    # a seed says "invest billion": the source's own defect is a warning, not an error
    results = _checks(monetary_figures_checks, settings, monetary_figures=figures, documents=docs)
    suite, warned = results["monetary_figures_suite"], results["monetary_figures_warnings"]
    assert suite.passed and suite.metadata["failed_blocking"].value == 0
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    assert "the source may omit the number" in warned.metadata["failures"].value
    assert "amount_missing" in warned.metadata["warned_flags"].value
    broken = figures.copy()
    broken.loc[0, "text"] = broken.loc[0, "text"] + "x"
    result = _checks(monetary_figures_checks, settings, monetary_figures=broken, documents=docs)["monetary_figures_suite"]
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert "text equals documents.text[start:end]" in result.metadata["failures"].value
