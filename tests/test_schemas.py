"""Each table has one schema file; Parquet types, suites and dictionary derive from it."""

from __future__ import annotations

import json

import pycountry
import pytest

from pipeline.schemas import TABLE_NAMES, load_table_schema
from pipeline.quality.suites import derive_suite, load_suite, render_suite, suite_path
from pipeline.tables import make_frame, to_arrow


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_stored_suite_is_what_the_schema_derives(name):
    """Fails when a schema changes and `python -m pipeline suites --write` was not run."""
    stored = suite_path(name).read_text(encoding="utf-8")
    assert stored == render_suite(derive_suite(load_table_schema(name)))


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_field_has_a_description_and_an_example(name):
    for field in load_table_schema(name).fields:
        assert len(field.description) > 15, field.name
        assert field.example is not None or not field.required, field.name
    raw = json.loads(load_table_schema(name).path.read_text())
    assert all("example" in f for f in raw["fields"]), name


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_parquet_types_come_from_the_schema(name):
    schema = load_table_schema(name)
    arrow = to_arrow(name, make_frame(name, [])).schema
    assert arrow.names == schema.column_names
    for field in schema.fields:
        assert arrow.field(field.name).type == field.arrow_type, field.name


def test_list_columns_are_typed_any_for_frictionless():
    for name in TABLE_NAMES:
        for field in load_table_schema(name).fields:
            if field.arrow_type_name and field.arrow_type_name.startswith("list"):
                assert field.type == "any", (name, field.name)
                assert "List" in field.description, (name, field.name)


def test_currency_values_are_iso_4217():
    codes = sorted(c.alpha_3 for c in pycountry.currencies)
    for name in ("monetary_figures", "agreements"):
        assert load_table_schema(name).field("currency").constraints["enum"] == codes


def test_suites_check_evidence_and_references():
    rules = {e["meta"]["rule"] for e in load_suite("organisation_mentions")["expectations"]}
    assert "text equals documents.text[start:end]" in rules
    assert "every doc_id resolves to a row of documents" in rules
    assert "every org_id resolves to a row of organisations" in rules
