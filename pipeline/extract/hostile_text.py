"""Adversarial texts of any size for checking that extraction stays linear (issue 8):
long capitalised runs, "and"-chains of names, 10^5 commas or brackets, acronym brackets,
repeated names and one-line megabyte articles. Used by the linearity test and
``benchmarks/extraction_speed.py --hostile``.

>>> len(hostile_text("and-chain of names", 1000)) <= 1000, hostile_text("commas", 3)
(True, ',,,')
"""

from __future__ import annotations

HOSTILE_UNITS: dict[str, str] = {
    "capitalised run": "Bank ",
    "capitalised run without head": "Alpha Beta ",
    "and-chain of names": "Bank of China and ",
    "commas": ",",
    "brackets": "(",
    "acronym brackets": "Alpha Beta Bank (ABB) ",
    "repeated names": "Zentrix Corp. signed with Gazprom, the gas producer. ",
    "one-line article": (
        "The Asian Infrastructure Investment Bank (AIIB) and drug maker Novaxis said in a statement "
        "that Uralite's shares rose after the Harbour Bank (Asia) Ltd. loan. "
    ),
}


def hostile_text(form: str, size: int) -> str:
    """About ``size`` characters of one adversarial form (the unit repeated, no line break)."""
    unit = HOSTILE_UNITS[form]
    return unit * max(1, size // len(unit))
