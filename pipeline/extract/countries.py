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
