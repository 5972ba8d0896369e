"""Monetary figures: example tables, input text -> expected figures.

Each case lists every figure the text holds as (text, amount, currency, qualifier); a text
with no money lists none. ``BUGS_CAUGHT`` keeps every case that once failed, with the bug.
A generated grid crosses currency forms, numbers and multipliers.
"""

from __future__ import annotations

import itertools

import pytest

from pipeline.extract.money import find_monetary_figures

B, M, T = 1e9, 1e6, 1e12

# (text, [(figure text, amount, currency, qualifier), ...])
SYMBOLS_AND_CODES = [
    ("a combined GDP of $4 trillion", [("$4 trillion", 4 * T, "USD", "exact")]),
    ("The deal is worth $62.3 bln over ten years.", [("$62.3 bln", 62.3 * B, "USD", "exact")]),
    ("a £12.1-billion contract", [("£12.1-billion", 12.1 * B, "GBP", "exact")]),
    ("a $250 m loan", [("$250 m", 250 * M, "USD", "exact")]),
    ("a $250m loan", [("$250m", 250 * M, "USD", "exact")]),
    ("US$1.2 billion in bonds", [("US$1.2 billion", 1.2 * B, "USD", "exact")]),
    ("U.S.$300 million", [("U.S.$300 million", 300 * M, "USD", "exact")]),
    ("USD four billion in credit", [("USD four billion", 4 * B, "USD", "exact")]),
    ("USD 15bn of trade", [("USD 15bn", 15 * B, "USD", "exact")]),
    ("€1.5bn for the grid", [("€1.5bn", 1.5 * B, "EUR", "exact")]),
    ("EUR 2 billion in aid", [("EUR 2 billion", 2 * B, "EUR", "exact")]),
    ("€300,000 in fines", [("€300,000", 300_000, "EUR", "exact")]),
    ("£3.5m in damages", [("£3.5m", 3.5 * M, "GBP", "exact")]),
    ("GBP 400 million", [("GBP 400 million", 400 * M, "GBP", "exact")]),
    ("C$500 million for the port", [("C$500 million", 500 * M, "CAD", "exact")]),
    ("A$2bn of iron ore", [("A$2bn", 2 * B, "AUD", "exact")]),
    ("HK$10 billion listing", [("HK$10 billion", 10 * B, "HKD", "exact")]),
    ("S$3 million grant", [("S$3 million", 3 * M, "SGD", "exact")]),
    ("RMB 3 billion loan", [("RMB 3 billion", 3 * B, "CNY", "exact")]),
    ("CNY 10bn facility", [("CNY 10bn", 10 * B, "CNY", "exact")]),
    ("₽500 billion budget", [("₽500 billion", 500 * B, "RUB", "exact")]),
    ("RUB 20 billion", [("RUB 20 billion", 20 * B, "RUB", "exact")]),
    ("Rs. 5,000 crore deal", [("Rs. 5,000 crore", 50 * B, "INR", "exact")]),
    ("Rs 500 crore", [("Rs 500 crore", 5 * B, "INR", "exact")]),
    ("INR 300 crore", [("INR 300 crore", 3 * B, "INR", "exact")]),
    ("₹2.5 lakh crore budget", [("₹2.5 lakh crore", 2.5 * T, "INR", "exact")]),
    ("a $1.5tn economy", [("$1.5tn", 1.5 * T, "USD", "exact")]),
    ("$5 000 fee", [("$5", 5, "USD", "exact")]),
    ("$1,234,567.89 exactly", [("$1,234,567.89", 1234567.89, "USD", "exact")]),
    ("₩1 trillion investment", [("₩1 trillion", 1 * T, "KRW", "exact")]),
    ("R$20 billion", [("R$20 billion", 20 * B, "BRL", "exact")]),
    ("CHF 1 billion", [("CHF 1 billion", 1 * B, "CHF", "exact")]),
]

CURRENCY_WORDS = [
    ("3.1 billion U.S. dollars were pledged", [("3.1 billion U.S. dollars", 3.1 * B, "USD", "exact")]),
    ("8.2 billion euros of investment", [("8.2 billion euros", 8.2 * B, "EUR", "exact")]),
    ("1.2 trillion roubles", [("1.2 trillion roubles", 1.2 * T, "RUB", "exact")]),
    ("50 billion rubles", [("50 billion rubles", 50 * B, "RUB", "exact")]),
    ("500 million yuan", [("500 million yuan", 500 * M, "CNY", "exact")]),
    ("20 billion renminbi", [("20 billion renminbi", 20 * B, "CNY", "exact")]),
    ("2.5 trillion rupees", [("2.5 trillion rupees", 2.5 * T, "INR", "exact")]),
    ("300 million Pakistani rupees", [("300 million Pakistani rupees", 300 * M, "PKR", "exact")]),
    ("1 billion Swiss francs", [("1 billion Swiss francs", 1 * B, "CHF", "exact")]),
    ("40 million pounds sterling", [("40 million pounds sterling", 40 * M, "GBP", "exact")]),
    ("3 trillion won", [("3 trillion won", 3 * T, "KRW", "exact")]),
    ("10 billion yen", [("10 billion yen", 10 * B, "JPY", "exact")]),
    ("two billion dollars", [("two billion dollars", 2 * B, "USD", "exact")]),
    ("twenty-five million pounds", [("twenty-five million pounds", 25 * M, "GBP", "exact")]),
    ("half a billion dollars", [("half a billion dollars", 0.5 * B, "USD", "exact")]),
    ("a billion dollars", [("a billion dollars", 1 * B, "USD", "exact")]),
    ("5 billion Hong Kong dollars", [("5 billion Hong Kong dollars", 5 * B, "HKD", "exact")]),
    ("100 billion Turkish lira", [("100 billion Turkish lira", 100 * B, "TRY", "exact")]),
    ("900 million Saudi riyals", [("900 million Saudi riyals", 900 * M, "SAR", "exact")]),
    ("7 billion dirhams", [("7 billion dirhams", 7 * B, "AED", "exact")]),
    ("12 billion USD", [("12 billion USD", 12 * B, "USD", "exact")]),
    ("4 billion EUR", [("4 billion EUR", 4 * B, "EUR", "exact")]),
]

QUALIFIERS = [
    ("more than $4 trillion", [("$4 trillion", 4 * T, "USD", "more_than")]),
    ("over $10 billion", [("$10 billion", 10 * B, "USD", "more_than")]),
    ("at least €2bn", [("€2bn", 2 * B, "EUR", "more_than")]),
    ("in excess of £1 billion", [("£1 billion", 1 * B, "GBP", "more_than")]),
    ("a $1bn-plus deal", [("$1bn", 1 * B, "USD", "more_than")]),
    ("$3 billion or more", [("$3 billion", 3 * B, "USD", "more_than")]),
    ("almost $1 billion line of credit", [("$1 billion", 1 * B, "USD", "less_than")]),
    ("nearly two billion dollars", [("two billion dollars", 2 * B, "USD", "less_than")]),
    ("up to 50 billion rubles", [("50 billion rubles", 50 * B, "RUB", "less_than")]),
    ("less than $5 million", [("$5 million", 5 * M, "USD", "less_than")]),
    ("under $100 million", [("$100 million", 100 * M, "USD", "less_than")]),
    ("as much as $20bn", [("$20bn", 20 * B, "USD", "less_than")]),
    ("about a billion dollars", [("a billion dollars", 1 * B, "USD", "approximate")]),
    ("some $3 billion", [("$3 billion", 3 * B, "USD", "approximate")]),
    ("around €400m", [("€400m", 400 * M, "EUR", "approximate")]),
    ("roughly $7 billion", [("$7 billion", 7 * B, "USD", "approximate")]),
    ("an estimated $55 billion", [("$55 billion", 55 * B, "USD", "approximate")]),
    ("approximately 2 billion euros", [("2 billion euros", 2 * B, "EUR", "approximate")]),
    ("a reported $400 billion", [("$400 billion", 400 * B, "USD", "approximate")]),
    ("worth $400 billion", [("$400 billion", 400 * B, "USD", "exact")]),
]

RANGES_AND_RATES = [
    ("$5-7 billion", [("$5-7 billion", 6 * B, "USD", "exact")]),
    ("$2 billion-$3 billion", [("$2 billion-$3 billion", 2.5 * B, "USD", "exact")]),
    ("€10-€12 billion", [("€10-€12 billion", 11 * B, "EUR", "exact")]),
    ("$3bn-4m", [("$3bn", 3 * B, "USD", "exact")]),
    ("between $5 billion and $7 billion",
     [("$5 billion", 5 * B, "USD", "exact"), ("$7 billion", 7 * B, "USD", "exact")]),
    ("Brent rose to $85 a barrel.", [("$85 a barrel", 85, "USD", "exact")]),
    ("Oil at $70 per barrel", [("$70 per barrel", 70, "USD", "exact")]),
    ("gas at $150 per 1,000 cubic metres", [("$150 per 1,000 cubic metres", 150, "USD", "exact")]),
    ("LNG at $12/MMBtu", [("$12/MMBtu", 12, "USD", "exact")]),
    ("$9 per mmbtu", [("$9 per mmbtu", 9, "USD", "exact")]),
    ("wheat at $250 a tonne", [("$250 a tonne", 250, "USD", "exact")]),
]

NOT_MONEY = [
    ("38 billion cubic metres of gas a year", []),
    ("10 million tonnes of oil", []),
    ("25 per cent of its oil", []),
    ("a population of 4.4 billion", []),
    ("4.4 billion people", []),
    ("the yuan fell 2%", []),
    ("57 members and 2 observers", []),
    ("in 2020 won the vote", []),
    ("a dollar-denominated bond", []),
    ("the rouble weakened", []),
    ("1.5 million barrels per day", []),
    ("Peace Mission 2014", []),
    ("S-400 air defence systems", []),
    ("the pound fell to a 37-year low", []),
    ("the 30-year-long gas deal", []),
    ("a dozen tanks", []),
]

MISSING_NUMBER = [
    ("China promised to invest billion in a railway", [("billion", None, None, "unknown")]),
    ("they agreed to spend million on roads", [("million", None, None, "unknown")]),
    ("a deal worth billion", [("billion", None, None, "unknown")]),
    ("billions of people", []),
]

LINE_BREAKS = [
    ("It cost $4.5\nbillion to build.", [("$4.5\nbillion", 4.5 * B, "USD", "exact")]),
    ("a loan of 3\nbillion euros", [("3\nbillion euros", 3 * B, "EUR", "exact")]),
]

YEN_OR_YUAN = [
    ("China's central bank added ¥100 billion in liquidity, the yuan steadied.",
     [("¥100 billion", 100 * B, "CNY", "exact")]),
    ("Japan's budget of ¥100 trillion, the yen fell, Tokyo said.", [("¥100 trillion", 100 * T, "JPY", "exact")]),
    ("CN¥5 billion", [("CN¥5 billion", 5 * B, "CNY", "exact")]),
    ("JP¥5 billion", [("JP¥5 billion", 5 * B, "JPY", "exact")]),
]

IN_CONTEXT = [
    ("Gazprom and CNPC signed a 30-year contract worth $400 billion in Shanghai on Wednesday.",
     [("$400 billion", 400 * B, "USD", "exact")]),
    ("The loan, of some 8.2 billion euros, comes on top of a £12.1-billion credit line.",
     [("8.2 billion euros", 8.2 * B, "EUR", "approximate"), ("£12.1-billion", 12.1 * B, "GBP", "exact")]),
    ("India will pay Russia Rs 39,000 crore (about $5.4 billion) for five S-400 units.",
     [("Rs 39,000 crore", 390 * B, "INR", "exact"), ("$5.4 billion", 5.4 * B, "USD", "approximate")]),
    ("Exports rose 12% to $62.3 bln while imports fell to $50 bln.",
     [("$62.3 bln", 62.3 * B, "USD", "exact"), ("$50 bln", 50 * B, "USD", "exact")]),
    ("Rosneft will supply 10 million tonnes of oil a year for $85 a barrel.",
     [("$85 a barrel", 85, "USD", "exact")]),
    ("The fund, with 2 trillion yuan ($280 billion) under management, invested.",
     [("2 trillion yuan", 2 * T, "CNY", "exact"), ("$280 billion", 280 * B, "USD", "exact")]),
    ("Turnover reached 3.1 billion U.S. dollars, Xinhua said.", [("3.1 billion U.S. dollars", 3.1 * B, "USD", "exact")]),
    ("Tehran and Beijing discussed a $400bn, 25-year pact.", [("$400bn", 400 * B, "USD", "exact")]),
    ("The IMF approved a $3 billion bailout for Pakistan and $250 m for Sri Lanka.",
     [("$3 billion", 3 * B, "USD", "exact"), ("$250 m", 250 * M, "USD", "exact")]),
    ("Moscow offered a 1.5 trillion rouble package; the rouble hit 100 to the dollar.",
     [("1.5 trillion rouble", 1.5 * T, "RUB", "exact")]),
    ("Japan pledged ¥500 billion in yen loans to India, Tokyo said.",
     [("¥500 billion", 500 * B, "JPY", "exact")]),
    ("The EU set aside €50bn for Ukraine over four years.", [("€50bn", 50 * B, "EUR", "exact")]),
    ("Saudi Aramco raised $12bn in a bond sale, more than the $10bn planned.",
     [("$12bn", 12 * B, "USD", "exact"), ("$10bn", 10 * B, "USD", "exact")]),  # "more than the": a comparison
    ("Britain's £3.5m grant and Germany's €2m loan", [("£3.5m", 3.5 * M, "GBP", "exact"), ("€2m", 2 * M, "EUR", "exact")]),
    ("Sberbank lent 50 billion roubles to the project.", [("50 billion roubles", 50 * B, "RUB", "exact")]),
    ("The total cost is expected to be USD 1.8 billion.", [("USD 1.8 billion", 1.8 * B, "USD", "exact")]),
    ("It has 4.4 billion people and a GDP of $21 trillion.", [("$21 trillion", 21 * T, "USD", "exact")]),
]

# Every case that once came out wrong, with what was wrong.
BUGS_CAUGHT = [
    # "half a" read as "a": one billion instead of half a billion
    ("half a billion dollars", [("half a billion dollars", 0.5 * B, "USD", "exact")]),
    # "lakh crore" stopped at "lakh": 2.5e5 rupees instead of 2.5e12
    ("₹2.5 lakh crore", [("₹2.5 lakh crore", 2.5 * T, "INR", "exact")]),
    # 8.2 * 1e9 in floating point is 8199999999.999999: amounts are scaled in decimal
    ("8.2 billion euros", [("8.2 billion euros", 8.2 * B, "EUR", "exact")]),
    # a year before "won" read as 2,020 won
    ("Putin in 2018 won a fourth term", []),
    # "a" before a currency-word compound read as one dollar
    ("a dollar-based system", []),
    # a range with the multiplier on both ends stopped at the first: "$2bn"
    ("$2bn–3bn in loans", [("$2bn–3bn", 2.5 * B, "USD", "exact")]),
]

GROUPS = {
    "symbols and codes": SYMBOLS_AND_CODES,
    "currency words": CURRENCY_WORDS,
    "qualifiers": QUALIFIERS,
    "ranges and rates": RANGES_AND_RATES,
    "not money": NOT_MONEY,
    "missing number": MISSING_NUMBER,
    "line breaks": LINE_BREAKS,
    "yen or yuan": YEN_OR_YUAN,
    "in context": IN_CONTEXT,
    "bugs caught": BUGS_CAUGHT,
}
CASES = [
    pytest.param(text, expected, id=f"{group}: {text[:40]}")
    for group, cases in GROUPS.items()
    for text, expected in cases
]


def _found(text: str) -> list[tuple]:
    return [(f.text, f.amount, f.currency, f.qualifier) for f in find_monetary_figures(text)]


def _same(found: list[tuple], expected: list[tuple]) -> bool:
    if len(found) != len(expected):
        return False
    for (ft, fa, fc, fq), (et, ea, ec, eq) in zip(found, expected):
        amount_ok = fa == ea if ea is None or fa is None else abs(fa - ea) <= 1e-9 * max(abs(ea), 1)
        if (ft, fc, fq) != (et, ec, eq) or not amount_ok:
            return False
    return True


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_example(text: str, expected: list[tuple]) -> None:
    found = _found(text)
    assert _same(found, expected), f"{text!r}: found {found}, expected {expected}"


# A grid: every currency form with every number and multiplier form.
GRID_CURRENCIES = [("$", "", "USD"), ("US$", "", "USD"), ("€", "", "EUR"), ("£", "", "GBP"),
                   ("", " euros", "EUR"), ("", " yuan", "CNY"), ("", " roubles", "RUB"),
                   ("", " US dollars", "USD"), ("USD ", "", "USD"), ("", " rupees", "INR")]
GRID_NUMBERS = [("4", 4.0), ("62.3", 62.3), ("1,250", 1250.0), ("four", 4.0), ("0.5", 0.5)]
GRID_MULTIPLIERS = [(" billion", B), ("-billion", B), (" million", M), (" trillion", T), (" bn", B),
                    (" bln", B), (" mln", M), ("bn", B), ("m", M), (" tn", T)]


def _grid() -> list:
    params = []
    for (pre, post, code), (num, value), (mult, factor) in itertools.product(
        GRID_CURRENCIES, GRID_NUMBERS, GRID_MULTIPLIERS
    ):
        short = mult.strip(" -") in ("bn", "bln", "mln", "m", "tn")
        if post and short:
            continue  # "4 bn euros" is rare; "4bn euros" is covered by the prefix forms
        if num == "four" and (short or pre.strip() in ("$", "US$", "€", "£")):
            continue  # "$four billion" does not occur
        text = f"{pre}{num}{mult}{post}"
        params.append(pytest.param(f"They agreed {text} in total.", text, value * factor, code, id=f"grid: {text}"))
    return params


@pytest.mark.parametrize(("sentence", "figure", "amount", "currency"), _grid())
def test_grid(sentence: str, figure: str, amount: float, currency: str) -> None:
    found = _found(sentence)
    assert len(found) == 1, f"{sentence!r}: {found}"
    text, value, code, qualifier = found[0]
    assert (text, code, qualifier) == (figure, currency, "exact")
    assert abs(value - amount) <= 1e-9 * amount


def test_example_tables_are_large() -> None:
    """The tables are the specification; keep them from shrinking unnoticed."""
    assert len(CASES) >= 130 and len(_grid()) >= 300
