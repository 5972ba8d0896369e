"""Monetary figures: example tables, input text -> expected figures.

Each case lists every figure the text holds as (text, amount, currency, qualifier); a text
with no money lists none. ``BUGS_CAUGHT`` keeps every case that once failed, with the bug.
A generated grid crosses currency forms, numbers and multipliers.
"""

from __future__ import annotations

import itertools

import pytest

from pipeline.extract.currencies import GROUP, default_currency_forms, iso_currencies, plural_forms
from pipeline.extract.money import find_monetary_figures
from pipeline.rules import load_rules

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


# The world's currency forms: local symbols and abbreviations before the number.
WORLD_SYMBOLS = [
    ("Petrobras will invest R$12.5 billion in refineries.", [("R$12.5 billion", 12.5 * B, "BRL", "exact")]),
    ("The miner booked A$730 million in charges.", [("A$730 million", 730 * M, "AUD", "exact")]),
    ("Ottawa set aside Can$2.1 billion for ports.", [("Can$2.1 billion", 2.1 * B, "CAD", "exact")]),
    ("a C$45 million grant", [("C$45 million", 45 * M, "CAD", "exact")]),
    ("The bank raised HK$8.8bn from investors.", [("HK$8.8bn", 8.8 * B, "HKD", "exact")]),
    ("Fonterra paid NZ$9.30 per kilogram of milk solids.",
     [("NZ$9.30 per kilogram", 9.3, "NZD", "exact")]),
    ("Temasek put S$1.6 billion into the fund.", [("S$1.6 billion", 1.6 * B, "SGD", "exact")]),
    ("bonds worth US$750m", [("US$750m", 750 * M, "USD", "exact")]),
    ("In Johannesburg, the utility sought R254 billion from South African taxpayers.",
     [("R254 billion", 254 * B, "ZAR", "exact")]),
    ("The Lagos court fined the Nigerian bank ₦5 billion.", [("₦5 billion", 5 * B, "NGN", "exact")]),
    ("Abuja: Nigeria's senate approved N819.5 billion for roads.",
     [("N819.5 billion", 819.5 * B, "NGN", "exact")]),
    ("Safaricom, the Kenyan operator, earned KSh 62 billion.", [("KSh 62 billion", 62 * B, "KES", "exact")]),
    ("Nairobi county will spend Sh4.5 billion on clinics in Kenya.", [("Sh4.5 billion", 4.5 * B, "KES", "exact")]),
    ("Kampala: Uganda's budget sets aside Sh2 trillion for roads.", [("Sh2 trillion", 2 * T, "UGX", "exact")]),
    ("Mumbai-based Tata will spend Rs 8,000 crore in India.", [("Rs 8,000 crore", 80 * B, "INR", "exact")]),
    ("Karachi: Pakistan's cabinet approved Rs. 45 billion for dams.", [("Rs. 45 billion", 45 * B, "PKR", "exact")]),
    ("Colombo said Sri Lanka owes Rs 1.2 trillion.", [("Rs 1.2 trillion", 1.2 * T, "LKR", "exact")]),
    ("a ₹1,500 crore plant", [("₹1,500 crore", 15 * B, "INR", "exact")]),
    ("Dhaka: Bangladesh allotted Tk 25,000 crore to power.", [("Tk 25,000 crore", 250 * B, "BDT", "exact")]),
    ("Jakarta earmarked Rp 45 trillion for the new capital.", [("Rp 45 trillion", 45 * T, "IDR", "exact")]),
    ("Dubai's Emaar sold homes worth Dh4 billion in the UAE.", [("Dh4 billion", 4 * B, "AED", "exact")]),
    ("Rabat: Morocco will lend Dh3 billion to Moroccan farmers.", [("Dh3 billion", 3 * B, "MAD", "exact")]),
    ("Equinor, the Norwegian group, will invest kr 20 billion in Norway.",
     [("kr 20 billion", 20 * B, "NOK", "exact")]),
    ("Stockholm: the Swedish state bought 3 billion kr of bonds in Sweden.",
     [("3 billion kr", 3 * B, "SEK", "exact")]),
    ("Poland's PGE plans 25 billion zł of grids.", [("25 billion zł", 25 * B, "PLN", "exact")]),
    ("Ankara approved ₺120 billion in subsidies.", [("₺120 billion", 120 * B, "TRY", "exact")]),
    ("The Turkish lender lost 3.2 billion TL last year.", [("3.2 billion TL", 3.2 * B, "TRY", "exact")]),
    ("a fine of 450 € per day", [("450 € per day", 450, "EUR", "exact")]),
    ("tickets at 19€", [("19€", 19, "EUR", "exact")]),
    ("Manila: the ₱5.2 billion bridge", [("₱5.2 billion", 5.2 * B, "PHP", "exact")]),
    ("The Philippine agency signed a PHP 12-billion contract.", [("PHP 12-billion", 12 * B, "PHP", "exact")]),
    ("Oslo: NOK 3.5 billion for the fund", [("NOK 3.5 billion", 3.5 * B, "NOK", "exact")]),
    ("the RM1.2 billion Malaysian rail link", [("RM1.2 billion", 1.2 * B, "MYR", "exact")]),
    ("Ooredoo invested QR 2.5 billion.", [("QR 2.5 billion", 2.5 * B, "QAR", "exact")]),
    ("a SR 900 million project", [("SR 900 million", 900 * M, "SAR", "exact")]),
    ("the KD 1.2 billion refinery", [("KD 1.2 billion", 1.2 * B, "KWD", "exact")]),
    ("a Rs 450 cr order", [("Rs 450 cr", 4.5 * B, "INR", "exact")]),
    ("scan the QR code; SR 71 Blackbird", []),
]

# Currency words after the number, from money.toml and from ISO 4217 names with plurals.
WORLD_WORDS = [
    ("Vale paid 3.5 billion reais in fines.", [("3.5 billion reais", 3.5 * B, "BRL", "exact")]),
    ("Eskom lost 12 billion rand.", [("12 billion rand", 12 * B, "ZAR", "exact")]),
    ("Lagos raised 200 billion naira in bonds.", [("200 billion naira", 200 * B, "NGN", "exact")]),
    ("Mexico City spent 90 billion pesos on the airport in Mexico.",
     [("90 billion pesos", 90 * B, "MXN", "exact")]),
    ("Manila: the Philippines set 5 billion pesos aside.", [("5 billion pesos", 5 * B, "PHP", "exact")]),
    ("Kenya's treasury borrowed 40 billion shillings.", [("40 billion shillings", 40 * B, "KES", "exact")]),
    ("Tanzania will spend 2 trillion shillings in Dodoma.", [("2 trillion shillings", 2 * T, "TZS", "exact")]),
    ("ADNOC put 10 billion dirhams into the plant.", [("10 billion dirhams", 10 * B, "AED", "exact")]),
    ("Aramco will pay 4 billion riyals.", [("4 billion riyals", 4 * B, "SAR", "exact")]),
    ("Doha: the Qatari fund pledged 2 billion riyals in Qatar.", [("2 billion riyals", 2 * B, "QAR", "exact")]),
    ("Samsung will spend 30 trillion won.", [("30 trillion won", 30 * T, "KRW", "exact")]),
    ("a 540,000 won bonus", [("540,000 won", 540_000, "KRW", "exact")]),
    ("Pertamina borrowed 8 trillion rupiah.", [("8 trillion rupiah", 8 * T, "IDR", "exact")]),
    ("Dhaka will spend 5,000 crore taka on bridges.", [("5,000 crore taka", 50 * B, "BDT", "exact")]),
    ("Orsted will invest 10 billion Danish kroner.", [("10 billion Danish kroner", 10 * B, "DKK", "exact")]),
    ("Volvo earned 2 billion Swedish kronor.", [("2 billion Swedish kronor", 2 * B, "SEK", "exact")]),
    ("a 3 billion Polish zlotys grid", [("3 billion Polish zlotys", 3 * B, "PLN", "exact")]),
    ("Accra borrowed 5 billion Ghana cedis.", [("5 billion Ghana cedis", 5 * B, "GHS", "exact")]),
    ("Petronas paid 2 billion Malaysian ringgit.", [("2 billion Malaysian ringgit", 2 * B, "MYR", "exact")]),
    ("CEZ spent 9 billion Czech korunas.", [("9 billion Czech korunas", 9 * B, "CZK", "exact")]),
    ("Egypt's central bank sold 20 billion Egyptian pounds of bills.",
     [("20 billion Egyptian pounds", 20 * B, "EGP", "exact")]),
    ("Baghdad: Iraq paid 5 trillion dinars.", [("5 trillion dinars", 5 * T, "IQD", "exact")]),
    ("shares fell to 81.40 rand", [("81.40 rand", 81.4, "ZAR", "exact")]),
    ("5 billion Kenyan shillings", [("5 billion Kenyan shillings", 5 * B, "KES", "exact")]),
    ("700 million Ugandan shillings", [("700 million Ugandan shillings", 700 * M, "UGX", "exact")]),
    ("400 million Sri Lankan rupees", [("400 million Sri Lankan rupees", 400 * M, "LKR", "exact")]),
    ("9 billion Norwegian crowns", [("9 billion Norwegian crowns", 9 * B, "NOK", "exact")]),
    ("Warsaw will spend 40 mld zł", []),  # "mld" is not a multiplier we know: no guess
]

# Compound forms: hyphenated, short multipliers before words, line breaks, subunits, brackets.
COMPOUNDS = [
    ("a 15.8-billion-dollar deal", [("15.8-billion-dollar", 15.8 * B, "USD", "exact")]),
    ("the 700-million-euro loan", [("700-million-euro", 700 * M, "EUR", "exact")]),
    ("2.5 billion US dollars", [("2.5 billion US dollars", 2.5 * B, "USD", "exact")]),
    ("Rs 2,000 crore", [("Rs 2,000 crore", 20 * B, "INR", "exact")]),
    ("Tokyo will spend ¥3.5trn on chips, Japan said.", [("¥3.5trn", 3.5 * T, "JPY", "exact")]),
    ("Britain spent £2.2\nbn on it.", [("£2.2\nbn", 2.2 * B, "GBP", "exact")]),
    ("They invested 310m reais.", [("310m reais", 310 * M, "BRL", "exact")]),
    ("a 45bn Turkish lira swap", [("45bn Turkish lira", 45 * B, "TRY", "exact")]),
    ("some 250 mn Riyals of aid", [("250 mn Riyals", 250 * M, "SAR", "approximate")]),
    ("an 8m US Dollars grant", [("8m US Dollars", 8 * M, "USD", "exact")]),
    ("at least five million (Kenyan shillings) for each club",
     [("five million (Kenyan shillings)", 5 * M, "KES", "more_than")]),
    ("shares rose 14 Canadian cents", [("14 Canadian cents", 0.14, "CAD", "exact")]),
    ("a stamp costs 85 pence", [("85 pence", 0.85, "GBP", "exact")]),
    ("£4trn of assets", [("£4trn", 4 * T, "GBP", "exact")]),
    ("a RM5.5bil highway and a RM300mil port", [("RM5.5bil", 5.5 * B, "MYR", "exact"), ("RM300mil", 300 * M, "MYR", "exact")]),
    ("Rs 40 lac for each family", [("Rs 40 lac", 4 * M, "INR", "exact")]),
    ("a prize of 10\u202f000 dollars", [("10\u202f000 dollars", 10_000, "USD", "exact")]),
    ("€2\u00a0500\u00a0000 in grants", [("€2\u00a0500\u00a0000", 2_500_000, "EUR", "exact")]),
    ("he made 5 million quid and 2 million bucks", [("5 million quid", 5 * M, "GBP", "exact"), ("2 million bucks", 2 * M, "USD", "exact")]),
    ("Bucks 110, Celtics 104", []),
]

# Exchange rates quoted as money are figures in the first currency; the second is `per`.
EXCHANGE_RATES = [
    ("at an exchange rate of ₹ 83 to one US dollar", [("₹ 83 to one US dollar", 83, "INR", "exact")]),
    ("Islamabad: the rupee hit Rs 280 to the dollar in Pakistan.",
     [("Rs 280 to the dollar", 280, "PKR", "exact")]),
    ("the naira traded at ₦1,500 against the dollar", [("₦1,500 against the dollar", 1500, "NGN", "exact")]),
    ("the rouble hit 100 to the dollar", []),  # no currency written with the number
]

# Shared forms resolved by the country the article names most.
BY_COUNTRY = [
    ("Islamabad and Lahore: Rs 50 billion, India was not named more than Pakistan.",
     [("Rs 50 billion", 50 * B, "PKR", "exact")]),
    ("Rs 50 billion for New Delhi and India", [("Rs 50 billion", 50 * B, "INR", "exact")]),
    ("Rs 50 billion", [("Rs 50 billion", 50 * B, "INR", "exact")]),  # no country: the default
    ("¥2 trillion of stimulus from Beijing", [("¥2 trillion", 2 * T, "CNY", "exact")]),
    ("¥2 trillion of stimulus from Tokyo", [("¥2 trillion", 2 * T, "JPY", "exact")]),
    ("Copenhagen: Danish pension funds put 5 billion kroner into wind.",
     [("5 billion kroner", 5 * B, "DKK", "exact")]),
    ("Cairo will borrow 30 billion pounds, Egypt's finance minister said.",
     [("30 billion pounds", 30 * B, "EGP", "exact")]),
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
    # "trn" was no multiplier: £12trn read as twelve pounds
    ("a £12trn bloc", [("£12trn", 12 * T, "GBP", "exact")]),
    # "hand over" read as the qualifier "over"
    ("agreed to hand over 13.10 Australian dollars a share",
     [("13.10 Australian dollars a share", 13.1, "AUD", "exact")]),
    # "₹70 to one dollar" read as a range 70 to 1 and dropped; "one dollar" then a figure
    ("a rate of ₹70 to one dollar", [("₹70 to one dollar", 70, "INR", "exact")]),
    # "plus" followed by words read as "or more"
    ("Sibanye paid R1 plus closure costs in South Africa.", [("R1", 1, "ZAR", "exact")]),
    # the tail of a range "$2 billion-$3 billion" found again as a figure of its own
    ("from $2 billion-$3 billion", [("$2 billion-$3 billion", 2.5 * B, "USD", "exact")]),
    # a weight in pounds read as sterling
    ("it covers 7.1 million pounds of uranium concentrate", []),
    # "Can$" read as a bare "$": US dollars
    ("valued at Can$90 million", [("Can$90 million", 90 * M, "CAD", "exact")]),
    # "784,000 won" refused: "won" was read only after a multiplier
    ("the share reached 784,000 won", [("784,000 won", 784_000, "KRW", "exact")]),
    # one-letter symbols outside their country: a road and a mask are not money
    ("the R2 road to Leeds and N95 masks", []),
    # an ISO code that names a version: PHP 8 is not eight pesos
    ("the site runs PHP 8 and ETB 7 tools", []),
    # a space as thousands separator: "000 dollars" read as zero dollars (a zero amount blocks a release)
    ("a prize of 10 000 dollars", []),
    # "euro zone" after a number read as euros
    ("its 1.2 million euro zone residents", []),
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
    "world symbols": WORLD_SYMBOLS,
    "world words": WORLD_WORDS,
    "compounds": COMPOUNDS,
    "exchange rates": EXCHANGE_RATES,
    "by country": BY_COUNTRY,
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


# A grid from the data itself: every ISO 4217 code before and after the number, every ISO
# name with its plural after it, and every shared form in every country that uses it.
MONEY_RULES = load_rules("money.toml")
COUNTRY_CUES = load_rules("currency_countries.toml")["countries"]


def _iso_grid() -> list:
    forms = default_currency_forms()
    params = []
    for code, name in sorted(iso_currencies(MONEY_RULES["iso_codes"]["exclude"]).items()):
        for figure in (f"{code} 5 billion", f"5 billion {code}"):
            params.append(pytest.param(f"They agreed {figure} in total.", figure, 5 * B, code, id=f"iso: {figure}"))
        for plural in plural_forms(name.lower(), MONEY_RULES["plurals"])[1:]:
            if forms.suffix_words.get(plural) == code:  # money.toml may give a form to a group
                figure = f"5 billion {plural}"
                params.append(pytest.param(f"They agreed {figure} in total.", figure, 5 * B, code, id=f"iso: {figure}"))
    return params


def _country_grid() -> list:
    forms = default_currency_forms()
    params = []
    for group_name, group in forms.groups.items():
        target = GROUP + group_name
        written = [f"{p} 5 billion" for p, t in forms.prefixes.items() if t == target]
        written += [f"{p}5 billion" for p, t in forms.tight_prefixes.items() if t == target]
        written += [f"5 billion {w}" for w, t in forms.suffix_words.items() if t == target and not w.endswith("s")]
        for country, code in group.by_country.items():
            cue = COUNTRY_CUES[country][-1]
            for figure in written:
                sentence = f"In {cue}, they agreed {figure} in total."
                params.append(pytest.param(sentence, figure, 5 * B, code, id=f"country: {country} {figure}"))
    return params


@pytest.mark.parametrize(("sentence", "figure", "amount", "currency"), _iso_grid() + _country_grid())
def test_data_grid(sentence: str, figure: str, amount: float, currency: str) -> None:
    found = _found(sentence)
    assert len(found) == 1, f"{sentence!r}: {found}"
    text, value, code, qualifier = found[0]
    assert (text, code, qualifier) == (figure, currency, "exact")
    assert abs(value - amount) <= 1e-9 * amount


def test_data_grid_is_large() -> None:
    """Every ISO code in both places and every shared form in its countries: hundreds of cases."""
    assert len(_iso_grid()) >= 300 and len(_country_grid()) >= 100


def test_every_currency_form_leads_to_a_code_the_schema_accepts() -> None:
    """Each form maps to an ISO code of the table's enum or to a group whose codes all are;
    each country of a group is named by at least one cue (else it could never win)."""
    import json

    from pipeline.extract.currencies import country_cues
    from pipeline.paths import PROJECT_ROOT

    schema = json.loads((PROJECT_ROOT / "schemas/tables/monetary_figures.schema.json").read_text())
    enum = set(next(f for f in schema["fields"] if f["name"] == "currency")["constraints"]["enum"])
    forms = default_currency_forms()
    targets = {
        *forms.prefixes.values(), *forms.tight_prefixes.values(), *forms.suffix_words.values(),
        *forms.suffix_codes.values(), *forms.subunits.values(),
    }
    named = {country for countries in country_cues().values() for country in countries}
    for target in targets:
        if target.startswith(GROUP):
            group = forms.groups[target.removeprefix(GROUP)]
            assert {c for c in group.by_country.values()} | ({group.default} - {None}) <= enum, target
            assert set(group.by_country) <= named, (target, set(group.by_country) - named)
        else:
            assert target in enum, target
