"""All extractors on one cleaned text, for tests, examples and quick looks at a new article.

The pipeline runs the same steps table by table (``pipeline.build``); this module runs them
for a single text, resolving organisations within that text only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.extract.agreements import Agreement, PartyMention, find_agreements
from pipeline.extract.money import MoneyFigure, find_monetary_figures
from pipeline.extract.organisations import (
    Organisation,
    OrgMention,
    find_organisation_mentions,
    resolve_organisations,
)


@dataclass(frozen=True)
class Extraction:
    mentions: list[OrgMention]
    organisations: list[Organisation]
    mention_organisations: list[Organisation]  # the organisation of each mention, in order
    figures: list[MoneyFigure]
    agreements: list[Agreement]


def organisations_of_mentions(mentions: Sequence[OrgMention]) -> tuple[list[Organisation], list[Organisation]]:
    """The organisations of one text's mentions, and the organisation of each mention in order.

    >>> mentions = find_organisation_mentions("The Bank of China lends; the Bank of China grows.")
    >>> organisations, named = organisations_of_mentions(mentions)
    >>> [o.name for o in organisations], len(named)
    (['Bank of China'], 2)
    """
    organisations, org_id_of = resolve_organisations({"doc": list(mentions)})
    by_id = {o.org_id: o for o in organisations}
    return organisations, [by_id[org_id_of[m.key]] for m in mentions]


def party_mentions(mentions: Sequence[OrgMention]) -> list[PartyMention]:
    """The possible parties of one text's agreements: each mention by its organisation's
    canonical name and type."""
    _, named = organisations_of_mentions(mentions)
    return [PartyMention(m.start, m.end, o.name, o.type) for m, o in zip(mentions, named)]


def extract_document(text: str) -> Extraction:
    """Organisations, monetary figures and agreements of one cleaned text.

    >>> found = extract_document("Gazprom signed a $400 billion gas deal with CNPC.")
    >>> [(a.text, a.parties, a.amount) for a in found.agreements]
    [('$400 billion gas deal with CNPC', ['Gazprom', 'China National Petroleum Corporation'], 400000000000.0)]
    """
    mentions = find_organisation_mentions(text)
    organisations, named = organisations_of_mentions(mentions)
    parties = [PartyMention(m.start, m.end, o.name, o.type) for m, o in zip(mentions, named)]
    figures = find_monetary_figures(text)
    return Extraction(mentions, organisations, named, figures, find_agreements(text, figures, organisations=parties))
