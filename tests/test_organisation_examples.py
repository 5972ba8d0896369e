"""Organisations: example tables, input text -> expected mentions and canonical names.

Each case lists every organisation mention of the text as (mention text, canonical name);
texts with none list none. The gazetteer cases check resolution (Nato = NATO = North
Atlantic Treaty Organization); the pattern cases use names the gazetteer does not hold.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.extract.document import extract_document
from pipeline.extract.organisations import normalise_org_name
from pipeline.paths import RULES_DIR

GAZETTEER = [
    ("NATO and Nato are one alliance.", [("NATO", "North Atlantic Treaty Organization"),
                                          ("Nato", "North Atlantic Treaty Organization")]),
    ("The North Atlantic Treaty Organization met.", [("North Atlantic Treaty Organization", "North Atlantic Treaty Organization")]),
    ("The SCO summit was held by the Shanghai Cooperation Organisation.",
     [("SCO", "Shanghai Cooperation Organization"), ("Shanghai Cooperation Organisation", "Shanghai Cooperation Organization")]),
    ("Russia's Sberbank and VTB Bank lent money.", [("Sberbank", "Sberbank"), ("VTB Bank", "VTB")]),
    ("Gazprom signed with CNPC.", [("Gazprom", "Gazprom"), ("CNPC", "China National Petroleum Corporation")]),
    ("The IMF and the World Bank met in Washington.", [("IMF", "International Monetary Fund"), ("World Bank", "World Bank")]),
    ("Reuters reported, citing TASS and Xinhua.", [("Reuters", "Reuters"), ("TASS", "TASS"), ("Xinhua", "Xinhua")]),
    ("The Kremlin and the White House disagreed.", [("Kremlin", "Kremlin"), ("White House", "White House")]),
    ("Saudi Aramco and Abu Dhabi National Oil Company (ADNOC) bid.",
     [("Saudi Aramco", "Saudi Aramco"), ("Abu Dhabi National Oil Company", "Abu Dhabi National Oil Company"),
      ("ADNOC", "Abu Dhabi National Oil Company")]),
    ("BRICS and the New Development Bank", [("BRICS", "BRICS"), ("New Development Bank", "New Development Bank")]),
    ("Lockheed Martin and BAE Systems won contracts.", [("Lockheed Martin", "Lockheed Martin"), ("BAE Systems", "BAE Systems")]),
    ("Barclays, HSBC and UBS cut exposure.", [("Barclays", "Barclays"), ("HSBC", "HSBC"), ("UBS", "UBS")]),
    ("the Bank of China and Industrial and Commercial Bank of China lent.",
     [("Bank of China", "Bank of China"), ("Industrial and Commercial Bank of China", "Industrial and Commercial Bank of China")]),
    ("Oil and Natural Gas Corporation bid for the field.", [("Oil and Natural Gas Corporation", "Oil and Natural Gas Corporation")]),
    ("Rosatom will build the plant with Électricité de France.", [("Rosatom", "Rosatom"), ("Électricité de France", "Électricité de France")]),
    ("The Stockholm International Peace Research Institute (SIPRI) said.",
     [("Stockholm International Peace Research Institute", "Stockholm International Peace Research Institute"),
      ("SIPRI", "Stockholm International Peace Research Institute")]),
    ("The European Union and the EU's Council", [("European Union", "European Union"), ("EU", "European Union")]),
]

PATTERNS = [
    ("Officials at the Kazakh Railways Company said so.", [("Kazakh Railways Company", "Kazakh Railways Company")]),
    ("He joined the Far Eastern Shipping Corporation last year.",
     [("Far Eastern Shipping Corporation", "Far Eastern Shipping Corporation")]),
    ("The deal was financed by Vnesh Trade Bank and others.", [("Vnesh Trade Bank", "Vnesh Trade Bank")]),
    ("a report by the Lanzhou Institute of Energy Studies found", [("Lanzhou Institute of Energy Studies", "Lanzhou Institute of Energy Studies")]),
    ("Professors at Ural Federal University disagreed.", [("Ural Federal University", "Ural Federal University")]),
    ("according to the Caspian Oil Group on Monday", [("Caspian Oil Group", "Caspian Oil Group")]),
    ("The Bolivarian Armed Forces held drills.", [("Bolivarian Armed Forces", "Bolivarian Armed Forces")]),
    ("The Mongolian Democratic Party won seats.", [("Mongolian Democratic Party", "Mongolian Democratic Party")]),
    ("The Asian Infrastructure Investment Bank (AIIB) lends; the AIIB grew.",
     [("Asian Infrastructure Investment Bank", "Asian Infrastructure Investment Bank"),
      ("AIIB", "Asian Infrastructure Investment Bank"), ("AIIB", "Asian Infrastructure Investment Bank")]),
    ("the Andean Energy Agency (AEA) and the AEA board", [("Andean Energy Agency", "Andean Energy Agency"),
                                                         ("AEA", "Andean Energy Agency"), ("AEA", "Andean Energy Agency")]),
    ("Officials of India's Ministry of Defence met the press.", [("Ministry of Defence", "Ministry of Defence (India)")]),
    ("a reporter for the Kathmandu Post wrote", [("Kathmandu Post", "Kathmandu Post")]),
    ("Delegates from Siemens Energy and Adani Green Energy Ltd met in a hotel.",
     [("Siemens Energy", "Siemens Energy"), ("Adani Green Energy Ltd", "Adani Green Energy Ltd")]),
    ("fellows at Harvard University's Belfer Center wrote", [("Harvard University", "Harvard University"), ("Belfer Center", "Belfer Center")]),
    ("China National Offshore Oil Corp (CNOOC) bid for the block.",
     [("China National Offshore Oil Corp", "China National Offshore Oil Corporation"),
      ("CNOOC", "China National Offshore Oil Corporation")]),
]

NOT_ORGANISATIONS = [
    ("Vladimir Putin met Xi Jinping in Beijing.", []),
    ("The Belt and Road Initiative spans Asia.", []),
    ("The Power of Siberia pipeline opened in 2019.", []),
    ("Peace Mission 2014 was held in Northern China.", []),
    ("Russia and China are members.", []),
    ("The Soviet Union collapsed in 1991.", []),
    ("the United States and the Cold War", []),
    ("officials at the Eastern Economic Forum in Vladivostok spoke", []),
    ("the Bank said", []),
    ("the Ministry said", []),
    ("GPS and Galileo compete with BeiDou.", []),
    ("Crews began work on the Lunaria Bay project last spring.", []),
    ("Ships docked at the port of Vila Nova after the storm.", []),
    ("Voters in the Amber Belt seats turned away from the party.", []),
]


# Bodies without a head word, found by what the sentence says of them (rules, any mode).
CONTEXT_CUES = [
    ("Drug makers Novaxis and Pharmon signed a licence.", [("Novaxis", "Novaxis"), ("Pharmon", "Pharmon")]),
    ("Uralite, the potash miner, cut jobs; Uralite said in a statement it would appeal.",
     [("Uralite", "Uralite"), ("Uralite", "Uralite")]),
    ("The fund bought shares in Kestrova last week.", [("Kestrova", "Kestrova")]),
    ("Zentrix's shares rose after the order.", [("Zentrix", "Zentrix")]),
    ("Regulators fined betting company Lucko twice.", [("Lucko", "Lucko")]),
]

# Names cut or fused.
CUT_OR_FUSED = [
    ("The Trade and Industry Ministry issued rules.", [("Trade and Industry Ministry", "Trade and Industry Ministry")]),
    ("On a call, officials of Fjord Savings Bank and Coastal Transport Ministry agreed on terms.",
     [("Fjord Savings Bank", "Fjord Savings Bank"), ("Coastal Transport Ministry", "Coastal Transport Ministry")]),
    ("Talks between Ruritania and the Valdorian Authority resumed.", [("Valdorian Authority", "Valdorian Authority")]),
    ("The Popular People's Liberation Front said it would sign.",
     [("Popular People's Liberation Front", "Popular People's Liberation Front")]),
    ("Streamly and Orbis Media Group agreed.", [("Orbis Media Group", "Orbis Media Group")]),
    ("The Kestrel Trust and Banking Corp. raised rates.",
     [("Kestrel Trust and Banking Corp", "Kestrel Trust and Banking Corp")]),
    ("Loans came from Harbour Bank (Asia) Ltd. and Pearl River & Delta Bank Ltd. this week.",
     [("Harbour Bank (Asia) Ltd", "Harbour Bank (Asia) Ltd"), ("Pearl River & Delta Bank Ltd", "Pearl River & Delta Bank Ltd")]),
    ("rates set by the Central Bank of the Republic of Ruritania (CBRR), which some call the Central Bank of Ruritania, rose.",
     [("Central Bank of the Republic of Ruritania", "Central Bank of the Republic of Ruritania"),
      ("CBRR", "Central Bank of the Republic of Ruritania"),
      ("Central Bank of Ruritania", "Central Bank of the Republic of Ruritania")]),
]

# Government bodies in lower case, told apart by their country.
LOWER_CASE_BODIES = [
    ("officials at Ruritania's finance ministry said so.",  # an unknown country: the ministry alone
     [("finance ministry", "Finance Ministry")]),
    ("officials at Malaysia's defence ministry said the jets were late.",
     [("Malaysia's defence ministry", "Defence Ministry (Malaysia)")]),
    ("a statement from the trade ministry said talks went well.", [("trade ministry", "Trade Ministry")]),
    ("the Iranian parliament passed the bill, and the parliament adjourned.",
     [("Iranian parliament", "Parliament (Iran)")]),
    ("Visas were issued by the Chilean Embassy in Lima on Monday.",
     [("Chilean Embassy in Lima", "Chilean Embassy in Lima")]),
]

# One organisation per article: a short form is the long name it begins.
SHORT_FORMS = [
    ("Harrow Resorts Ltd agreed to the bid. Harrow said in a statement that it was pleased.",
     [("Harrow Resorts Ltd", "Harrow Resorts Ltd"), ("Harrow", "Harrow Resorts Ltd")]),
    # an acronym never defined in brackets that spells one name's initials
    ("the merger of Norland Tokyo Financial Group Inc. with a rival: an NTFG official said it closed.",
     [("Norland Tokyo Financial Group Inc", "Norland Tokyo Financial Group Inc"),
      ("NTFG", "Norland Tokyo Financial Group Inc")]),
]

# Titles, people and places around names.
TITLES_AND_PLACES = [
    ("the plan was read out by National Treasury Cabinet Secretary Ann Okoth on the day.", [("National Treasury", "National Treasury")]),
    ("Ana Ruiz of the Department of Ports said so.", [("Department of Ports", "Department of Ports")]),
    ("He is Supreme Commander of the Armed Forces.", [("Armed Forces", "Armed Forces")]),
    ("settlers in the West Bank protested against the plan.", []),
]

# Every case that once came out wrong, with what was wrong.
BUGS_CAUGHT = [
    # two names joined by "and" became one candidate overlapping a gazetteer name and were dropped
    ("Delegates from Siemens Energy and Adani Green Energy Ltd met in a hotel.",
     [("Siemens Energy", "Siemens Energy"), ("Adani Green Energy Ltd", "Adani Green Energy Ltd")]),
    # "Corp" and "Corporation" were two organisations
    ("China National Offshore Oil Corp said; China National Offshore Oil Corporation agreed.",
     [("China National Offshore Oil Corp", "China National Offshore Oil Corporation"),
      ("China National Offshore Oil Corporation", "China National Offshore Oil Corporation")]),
    # the possessive owner was part of the name ("India's Ministry of Defence")
    ("Officials of India's Ministry of Defence met the press.", [("Ministry of Defence", "Ministry of Defence (India)")]),
    # "Forum" as a head word turned events into organisations
    ("the Belt and Road Forum in Beijing drew leaders", []),
    # a long line listing lenders was taken for a Title Case headline: only gazetteer names counted
    ("The lenders are Harbour Bank Ltd., Pearl Bank Ltd., Coral Bank Ltd., Amber Bank Ltd., "
     "Jade Bank Ltd., Onyx Bank Ltd., Opal Bank Ltd., Ruby Bank Ltd., Beryl Bank Ltd. and Topaz Bank Ltd.",
     [(f"{n} Bank Ltd", f"{n} Bank Ltd")
      for n in ["Harbour", "Pearl", "Coral", "Amber", "Jade", "Onyx", "Opal", "Ruby", "Beryl", "Topaz"]]),
    # "Corp." ended the run: "Corp. Ltd." became two names
    ("Kowloon Banking Corp. Ltd. signed.", [("Kowloon Banking Corp. Ltd", "Kowloon Banking Corp. Ltd")]),
    # a figure before a name was part of it ("Sh97bn World Bank")
    ("a Sh97bn Harbour Bank loan", [("Harbour Bank", "Harbour Bank")]),
    # an acronym defined for a name the model had also proposed made a second organisation
    ("The Ruritania Rail Authority (RRA) said. The RRA board met.",
     [("Ruritania Rail Authority", "Ruritania Rail Authority"), ("RRA", "Ruritania Rail Authority"),
      ("RRA", "Ruritania Rail Authority")]),
    # a person after "of the" joined the body: "Jaime Cruz of the Department of Transportation"
    ("Jaime Cruz of the Department of Transportation spoke.", [("Department of Transportation", "Department of Transportation")]),
    # a name with a legal form was taken for the short form of a sister company's name
    ("Tagum Corporation owns Tagum Holdings, it said.",
     [("Tagum Corporation", "Tagum Corporation"), ("Tagum Holdings", "Tagum Holdings")]),
    # a title word cut a name that ends in a head word: "Premier League" named nothing
    ("the new sponsor of the Ruritanian Premier League signed on Monday.",
     [("Ruritanian Premier League", "Ruritanian Premier League")]),
    # a company a cue names was taken for the short form of a league named after it
    ("Regulators met betting company Lucko, whose name the Lucko Premier League now bears.",
     [("Lucko", "Lucko"), ("Lucko Premier League", "Lucko Premier League")]),
]

GROUPS = {"gazetteer": GAZETTEER, "patterns": PATTERNS, "not organisations": NOT_ORGANISATIONS,
          "context cues": CONTEXT_CUES, "cut or fused": CUT_OR_FUSED, "short forms": SHORT_FORMS,
          "titles and places": TITLES_AND_PLACES, "lower-case bodies": LOWER_CASE_BODIES,
          "bugs caught": BUGS_CAUGHT}
CASES = [
    pytest.param(text, expected, id=f"{group}: {text[:40]}")
    for group, cases in GROUPS.items()
    for text, expected in cases
]


@pytest.fixture(params=["model", "rules"])
def extraction(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every example holds with the model (the default) and with rules only."""
    monkeypatch.setenv("PIPELINE_EXTRACTION", request.param)
    return request.param


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_example(text: str, expected: list[tuple[str, str]], extraction: str) -> None:
    found = extract_document(text)
    got = [(m.text, org.name) for m, org in zip(found.mentions, found.mention_organisations)]
    assert got == expected, f"{text!r}: {got}"
    assert all(text[m.start : m.end] == m.text for m in found.mentions)


def _gazetteer() -> list[dict]:
    return json.loads((RULES_DIR / "organisations.json").read_text(encoding="utf-8"))["organisations"]


def test_gazetteer_is_broad_and_unambiguous() -> None:
    entries = _gazetteer()
    assert len(entries) >= 400
    forms = Counter(f for e in entries for f in {normalise_org_name(x) for x in [e["name"], *e.get("aliases", [])]})
    assert [f for f, n in forms.items() if n > 1] == []
    types = {"government", "military", "intergovernmental", "company", "financial", "media",
             "academic", "think_tank", "political_party", "other"}
    assert {e["type"] for e in entries} <= types
    assert all(e["wikidata"] is None or e["wikidata"].startswith("Q") for e in entries)


def test_the_model_finds_what_no_rule_knows_and_rules_mode_leaves_it_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A company with no head word, cue or gazetteer entry: only the model names it."""
    text = "Nokia and Ericsson make network gear. Nokia sued Ericsson in March over a patent."
    monkeypatch.setenv("PIPELINE_EXTRACTION", "model")
    assert "Nokia" in [m.text for m in extract_document(text).mentions]
    monkeypatch.setenv("PIPELINE_EXTRACTION", "rules")
    assert [m.text for m in extract_document(text).mentions] == []


def test_an_unknown_extraction_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_EXTRACTION", "fast")
    with pytest.raises(ValueError, match="PIPELINE_EXTRACTION"):
        extract_document("Gazprom signed.")


def test_model_weights_other_than_the_pinned_ones_are_refused(tmp_path: Path) -> None:
    import shutil

    from pipeline.extract.organisation_model import check_model_weights, model_directory

    check_model_weights(model_directory())  # the installed weights are the pinned ones
    copy = tmp_path / "model"
    shutil.copytree(model_directory(), copy)
    weights = copy / "ner" / "model"
    original = weights.read_bytes()
    weights.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # one bit flipped
    with pytest.raises(RuntimeError, match="sha256"):
        check_model_weights(copy)
