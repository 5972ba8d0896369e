"""Country names as they stand in news: the forms of ``schemas/rules/countries.toml`` plus
the ISO 3166 names pycountry knows, each mapped to the countries it names."""

from __future__ import annotations

from functools import cache
from typing import Any

import pycountry

from pipeline.rules import load_rules


def country_forms(countries: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Every form that names a country or a group of countries -> the countries it names.

    >>> forms = country_forms(load_rules("countries.toml"))
    >>> forms["Beijing"], forms["Kenya"], len(forms["P5"])
    (('China',), ('Kenya',), 5)
    """
    forms: dict[str, tuple[str, ...]] = {}
    for name, fs in countries["countries"].items():
        for form in fs:
            forms[form] = tuple(dict.fromkeys(forms.get(form, ()) + (name,)))
    listed = set(countries["countries"])
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        if name not in listed and "," not in name and "(" not in name and name not in forms:
            forms[name] = (name,)
    for form, members in countries.get("groups", {}).items():
        forms[form] = tuple(members)
    return forms


@cache
def default_country_forms() -> dict[str, tuple[str, ...]]:
    return country_forms(load_rules("countries.toml"))


def country_name_of_code(code: str) -> str | None:
    """The common English name (as parties are named) of an ISO 3166-1 alpha-2 code.

    >>> country_name_of_code("RU"), country_name_of_code("GB"), country_name_of_code("XX")
    ('Russia', 'United Kingdom', None)
    """
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return None
    forms = default_country_forms()
    for name in (getattr(country, "common_name", None), country.name, getattr(country, "official_name", None)):
        if name and name in forms and len(forms[name]) == 1:
            return forms[name][0]
    return getattr(country, "common_name", None) or country.name
