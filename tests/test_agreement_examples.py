"""Agreements: example tables, input text -> expected agreements.

Each case lists every agreement of the text as (phrase, kind, topic, parties, amount); a text
with none lists none. Parties are compared as sets. ``BUGS_CAUGHT`` keeps every case that
once came out wrong, with the bug.
"""

from __future__ import annotations

import pytest

from pipeline.extract.agreements import Agreement, assign_clusters
from pipeline.extract.document import extract_document

B = 1e9

KINDS = [
    ("Russia and China signed a $400 billion gas deal.",
     [("$400 billion gas deal", "deal", "energy", {"Russia", "China"}, 400 * B)]),
    ("India and Japan signed a memorandum of understanding on high-speed rail.",
     [("memorandum of understanding on high-speed rail", "memorandum", "infrastructure", {"India", "Japan"}, None)]),
    ("Iran and China signed a 25-year cooperation pact.",
     [("25-year cooperation pact", "agreement", "other", {"Iran", "China"}, None)]),
    ("Turkey and Russia agreed to build a nuclear power plant.",
     [("agreed to build a nuclear power plant", "agreed_action", "energy", {"Turkey", "Russia"}, None)]),
    ("Beijing pledged to buy more soybeans from Brazil.",
     [("pledged to buy more soybeans from Brazil", "pledge", "agriculture", {"China", "Brazil"}, None)]),
    ("Germany and France issued a joint declaration on defence.",
     [("joint declaration on defence", "joint_statement", "defence", {"Germany", "France"}, None)]),
    ("The EU and Mercosur reached a framework agreement on trade.",
     [("framework agreement on trade", "framework_agreement", "trade", {"European Union", "Mercosur"}, None)]),
    ("Russia and China extended the 2001 Treaty of Good-Neighbourliness.",
     [("2001 Treaty of Good-Neighbourliness", "treaty", "diplomacy", {"Russia", "China"}, None)]),
    ("Vietnam and India signed a contract for BrahMos missiles.",
     [("contract for BrahMos missiles", "contract", "defence", {"Vietnam", "India"}, None)]),
    ("The two sides signed 15 agreements covering energy and trade.",
     [("15 agreements covering energy and trade", "agreement", "multiple", set(), None)]),
]

PARTIES = [
    ("Gazprom signed a 30-year supply contract with CNPC on Wednesday.",
     [("30-year supply contract with CNPC", "contract", "other", {"Gazprom", "China National Petroleum Corporation"}, None)]),
    ("India signed a deal with Russia in New Delhi for S-400 missiles.",
     [("deal with Russia in New Delhi for S-400 missiles", "deal", "defence", {"India", "Russia"}, None)]),
    ("Russia and China held naval drills in the Sea of Japan after they agreed to conduct the exercise.",
     [("agreed to conduct the exercise", "agreed_action", "defence", {"Russia", "China"}, None)]),
    ("Reuters reported that Saudi Arabia and Pakistan signed a defence pact.",
     [("defence pact", "agreement", "defence", {"Saudi Arabia", "Pakistan"}, None)]),
    ("The agreement was reached between the European Union and Mercosur after years of talks.",
     [("agreement", "agreement", "other", {"European Union", "Mercosur"}, None)]),
    ("Washington and Tokyo signed a trade deal, the Financial Times said.",
     [("trade deal", "deal", "trade", {"United States", "Japan"}, None)]),
]

MENTIONS = [
    ("Russia and China signed a $400 billion energy deal. The deal stalled. The energy deal was revived.",
     [("$400 billion energy deal", "deal", "energy", {"Russia", "China"}, 400 * B)]),
    ("China and Russia issued a joint statement. The extensive joint statement covered energy and space.",
     [("joint statement", "joint_statement", "other", {"China", "Russia"}, None)]),
    ("Rosneft and BP agreed to build a refinery. The deal was signed in London.",
     [("agreed to build a refinery", "agreed_action", "energy", {"Rosneft", "BP"}, None)]),
    ("Russia sold arms to India under an arms deal. China signed a gas deal with Russia.",
     [("arms deal", "deal", "defence", {"Russia", "India"}, None),
      ("gas deal with Russia", "deal", "energy", {"China", "Russia"}, None)]),
]

PACKAGES = [
    ("The presidents signed 32 separate bilateral agreements including the integration of the "
     "Eurasian Economic Union and Silk Road, a non-aggression pledge in cyberspace.",
     [("32 separate bilateral agreements", "agreement", "multiple", set(), None),
      ("integration of the Eurasian Economic Union and Silk Road", "agreement", "trade", set(), None),
      ("non-aggression pledge", "pledge", "cyber", set(), None)]),
    ("India and the UAE signed five agreements, including a currency swap and a food corridor.",
     [("five agreements", "agreement", "multiple", {"India", "United Arab Emirates"}, None),
      ("currency swap", "agreement", "finance", {"India", "United Arab Emirates"}, None),
      ("food corridor", "agreement", "multiple", {"India", "United Arab Emirates"}, None)]),
    ("They signed 12 deals, among them a port concession and a rail link to the coast.",
     [("12 deals", "deal", "multiple", set(), None),
      ("port concession", "contract", "infrastructure", set(), None),
      ("rail link to the coast", "agreement", "infrastructure", set(), None)]),
]

# Kinds beyond diplomacy: the article's noun decides (GUIDELINES).
BEYOND_DIPLOMACY = [
    ("Halden Energy signed a 25-year contract with Petrovia Oil Corp. The supply deal starts in 2026.",
     [("25-year contract with Petrovia Oil Corp", "contract", "other", {"Halden Energy", "Petrovia Oil Corp"}, None)]),
    ("Ghana reached a staff-level agreement with the International Monetary Fund on a $3 billion loan.",
     [("staff-level agreement with the International Monetary Fund on a $3 billion", "agreement", "finance",
       {"Ghana", "International Monetary Fund"}, 3 * B)]),
    ("Zambia signed a debt restructuring with its official creditors.",
     [("debt restructuring with its official creditors", "agreement", "finance", set(), None)]),
    ("The rival factions agreed a ceasefire on Sunday.", [("ceasefire", "agreement", "diplomacy", set(), None)]),
    ("Vireo Airlines placed an order for 40 jets with Boeing.",
     [("order for 40 jets with Boeing", "contract", "other", {"Vireo Airlines", "Boeing"}, None)]),
    ("Kenya's central bank signed a currency swap with the People's Bank of China.",
     [("currency swap with the People's Bank of China", "agreement", "finance", {"Central Bank (Kenya)", "People's Bank of China"}, None)]),
    ("Streamly won the broadcast rights deal for the league.",
     [("broadcast rights deal for the league", "deal", "other", set(), None)]),
    ("The union and Metro Transit signed a collective agreement on pay.",
     [("collective agreement on pay", "agreement", "other", set(), None)]),
    ("PetroChina agreed on Tuesday to buy the oil sands project from Acme Corp. The two partners have a similar "
     "arrangement for a second project.",
     [("agreed on Tuesday to buy the oil sands project from Acme Corp", "agreed_action", "energy", set(), None),
      ("similar arrangement for a second project", "agreement", "energy", set(), None)]),
    ("Acme Corp agreed in principle to sell its port unit to Beta Holdings plc.",
     [("agreed in principle to sell its port unit to Beta Holdings plc", "agreed_action", "infrastructure", set(), None)]),
    ("Zeta Telecom agreed to a merger with Omega Networks.",
     [("agreed to a merger with Omega Networks", "agreed_action", "other", set(), None)]),
]

# One agreement named several ways is one row; its value is the exact one, never a conversion.
NAMED_SEVERAL_WAYS = [
    ("Orbis Motors agreed a takeover of Lumen Cars Ltd. The $8bn acquisition was cleared on Monday. The deal closes in May.",
     [("takeover of Lumen Cars Ltd", "deal", "other", set(), 8 * B)]),
    ("Acme Corp signed a £5bn deal with Beta Holdings plc. The £5.13bn agreement was approved.",
     [("£5bn deal with Beta Holdings plc", "deal", "other", {"Acme Corp", "Beta Holdings plc"}, 5.13 * B)]),
    ("Acme Corp signed a £24bn ($31bn) deal with Beta Holdings plc.",
     [("£24bn ($31bn) deal with Beta Holdings plc", "deal", "other", {"Acme Corp", "Beta Holdings plc"}, 24 * B)]),
    ("Netflix lands wrestling rights in $5 billion deal\n\nNetflix has struck a 10-year deal for the rights. "
     "The agreement will cost Netflix more than $5 billion.",
     [("$5 billion deal", "deal", "other", set(), 5 * B)]),
    ("Acme Corp signed a licence deal with Beta Holdings plc. It also signed another deal with Gamma Bank.",
     [("licence deal with Beta Holdings plc", "deal", "other", {"Acme Corp", "Beta Holdings plc"}, None),
      ("another deal with Gamma Bank", "deal", "other", set(), None)]),
]

NOT_AGREEMENTS = [
    ("Officials must deal with the crisis.", []),
    ("The foreign ministry said in a statement on Monday that talks would continue.", []),
    ("There was broad agreement among analysts.", []),
    ("It was a great deal of money.", []),
    ("Russia and China deepened their partnership.", []),
    ("Analysts are in agreement that prices will rise.", []),
    # vague plurals and prospects (GUIDELINES)
    ("Executives said other deals may follow, and analysts expect key agreements next year.", []),
    ("The two firms are close to a deal on the pipeline.", []),
    ("Regulators weighed potential contracts for the port.", []),
    ("No local firm has ever struck a bigger deal with a foreign buyer.", []),
    ("A court order halted the sale.", []),
    ("We did this in order to save costs.", []),
]

# Every case that once came out wrong, with what was wrong.
BUGS_CAUGHT = [
    # "deal with" was always read as the verb, so "a deal with Russia" was lost
    ("India signed a deal with Russia.", [("deal with Russia", "deal", "other", {"India", "Russia"}, None)]),
    # "Sea of Japan" made Japan a party
    ("Russia and China agreed to conduct the naval exercise in the Sea of Japan.",
     [("agreed to conduct the naval exercise in the Sea of Japan", "agreed_action", "defence", {"Russia", "China"}, None)]),
    # "energy and space deals" was cut at "and" into "space deals"
    ("The two leaders outlined new energy and space deals.",
     [("energy and space deals", "deal", "multiple", set(), None)]),
    # "memorandum agreement" gave two agreements
    ("Russia and China also signed a memorandum agreement not to launch cyberattacks.",
     [("memorandum agreement", "memorandum", "cyber", {"Russia", "China"}, None)]),
    # a section heading inside the article was taken for an agreement
    ("Title line\n\nRussia-China Cooperation Agreement\n\nThe defence officials met.", []),
    # "Silk Road" in a name made the topic infrastructure
    ("They agreed on the integration of the Eurasian Economic Union and Silk Road, a trade agreement.",
     [("trade agreement", "agreement", "trade", set(), None)]),
    # the complement ran over a verb: "statement on the prevention of nuclear war can be seen"
    ("Russia and China endorsed the \u201cP5\u201d statement on the prevention of nuclear war, which can be seen as a win.",
     [("\u201cP5\u201d statement on the prevention of nuclear war", "joint_statement", "defence",
       {"China", "France", "Russia", "United Kingdom", "United States"}, None)]),
    # a clause ran over a time adverbial: "promise made by the two leaders during last November's ..."
    ("The visit builds on a promise made by the two leaders during last November's summit.",
     [("promise made by the two leaders", "pledge", "diplomacy", set(), None)]),
    # "agreement that" was always read as "there is agreement that": a named agreement was lost
    ("India and the United States signed a Communications Compatibility and Security Agreement that gives India access.",
     [("Communications Compatibility and Security Agreement", "agreement", "other", {"India", "United States"}, None)]),
    # an organisation in the next clause (", and Indian Oil Corp and Rosneft signed") became a party
    ("Russia and India held a summit. The two leaders agreed to expand cooperation in space, and "
     "Indian Oil Corp and Rosneft signed a crude supply contract.",
     [("agreed to expand cooperation in space", "agreed_action", "space", {"India", "Russia"}, None),
      ("crude supply contract", "contract", "energy", {"Indian Oil Corporation", "Rosneft"}, None)]),
    # "for Russia's Sberbank" made the borrower, not the countries, the party
    ("Russia and China reached a $1 billion line of credit for Russia\u2019s Sberbank.",
     [("$1 billion line of credit for Russia\u2019s Sberbank", "agreement", "finance", {"Russia", "China"}, 1 * B)]),
]

BUGS_CAUGHT += [
    # a definite "the ... world order" referred back to the deal before it
    ("Russia and China signed a gas deal. Both oppose the unipolar world order.",
     [("gas deal", "deal", "energy", {"Russia", "China"}, None)]),
    # "the $400 billion energy deal" became a mention of the package "12 agreements" before it
    ("The leaders signed 12 agreements. The $400 billion energy deal was the largest.",
     [("12 agreements", "agreement", "multiple", set(), None),
      ("$400 billion energy deal", "deal", "energy", set(), 400 * B)]),
    # "the Oslo Accords" was read as a reference to the water agreement of the sentence
    ("Israel and Jordan signed a water agreement. The agreement goes beyond what the Oslo Accords set.",
     [("water agreement", "agreement", "other", {"Israel", "Jordan"}, None),
      ("Oslo Accords", "agreement", "other", set(), None)]),
    # a long first line (a paragraph, no headline) made every later deal "the headline's deal told again"
    ("Acme Corp on Tuesday signed loan agreements worth $2 billion with Beta Bank to fund two projects under "
     "a programme that runs to the end of the decade and covers several regions of the country.\n\n"
     "A grant agreement for a further project was also signed.",
     [("loan agreements", "agreement", "finance", set(), 2 * B),
      ("grant agreement for a further project", "agreement", "other", set(), None)]),
]

BUGS_CAUGHT += [
    # a country of an earlier clause ("Britain lobbied hard, and ...") was taken as a side
    ("Britain lobbied hard, and the Paris Club accepted a debt deal with Ghana.",
     [("debt deal with Ghana", "deal", "finance", {"Paris Club", "Ghana"}, None)]),
    # "The company signed another deal" named no body: the article's most-named one is meant
    ("Acme Corp signed a supply contract with Beta Holdings plc on Monday. Acme Corp shares rose. "
     "Acme Corp said more was to come. Beta Holdings plc was pleased.\n\n"
     "The company, based in Leeds, signed another deal to sell 40 trucks to Poland last year.",
     [("supply contract with Beta Holdings plc", "contract", "other", {"Acme Corp", "Beta Holdings plc"}, None),
      ("another deal to sell 40 trucks to Poland", "deal", "other", {"Acme Corp", "Poland"}, None)]),
    # a loan's topic was finance: its purpose is the topic
    ("Ghana signed a $500 million loan agreement with the World Bank to fund new railway lines.",
     [("$500 million loan agreement with the World Bank to fund new railway lines", "agreement", "infrastructure",
       {"Ghana", "World Bank"}, 0.5 * B)]),
    # the figure of a leading subordinate clause became the value of the agreement named after it
    ("Although the sale is valued at $1, the buyer also takes over a water agreement with the city council.",
     [("water agreement with the city council", "agreement", "other", set(), None)]),
    # "the Egyptian-Sudanese water agreement" was a new row: its names were spelt otherwise before
    ("Egypt and Sudan signed a water agreement. Ethiopia welcomed the Egyptian-Sudanese water agreement.",
     [("water agreement", "agreement", "other", {"Egypt", "Sudan"}, None)]),
    # "between Egypt and Sudan ... welcomed by Ethiopia": the welcoming country was a side
    ("A water agreement concluded between Egypt and Sudan was welcomed by Ethiopia.",
     [("water agreement", "agreement", "other", {"Egypt", "Sudan"}, None)]),
    # the restatement of a grant ("a sum amounting to $9 million") became the deal's value
    ("Acme Corp signed a sponsorship deal with the league. Each club will receive a grant of €8 million, "
     "a sum amounting to $9 million, under the sponsorship deal.",
     [("sponsorship deal with the league", "deal", "other", set(), None)]),
    # plural licence deals absorbed the single one named after them
    ("Acme Corp signed licence deals with Sanofi and Pfizer in March. In May, Acme Corp sealed a licence deal "
     "with Sanofi for a diabetes drug.",
     [("licence deals with Sanofi", "deal", "other", set(), None),
      ("licence deal with Sanofi for a diabetes drug", "deal", "other", set(), None)]),
    # the economies' worth in another clause became the pact's value
    ("The pact is the largest trade deal Britain has struck, and it lowers tariffs for members whose "
     "economies are worth a combined £12 trillion.",
     [("largest trade deal", "deal", "trade", set(), None)]),
    # a masthead before the headline hid it; the body's telling was a second row
    ("The Daily Courier\n\nMonday, 3 March\n\nAcme wins $2 billion rail deal\n\n"
     "Acme Corp has struck a ten-year deal with the state railway. The contract is worth $2 billion.",
     [("$2 billion rail deal", "deal", "infrastructure", set(), 2 * B)]),
]

BUGS_CAUGHT += [
    # "US$9.00" made the United States a party, and the per-share price after a conversion was the value
    ("Blackwater Capital agreed to pay A$13.10 (US$9.00) in cash for each Crown Resorts share.",
     [("agreed to pay A$13.10", "agreed_action", "other", {"Blackwater Capital"}, None)]),
]

GROUPS = {"kinds": KINDS, "beyond diplomacy": BEYOND_DIPLOMACY, "named several ways": NAMED_SEVERAL_WAYS,
          "parties": PARTIES, "mentions": MENTIONS, "packages": PACKAGES,
          "not agreements": NOT_AGREEMENTS, "bugs caught": BUGS_CAUGHT}
CASES = [
    pytest.param(text, expected, id=f"{group}: {text[:40]}")
    for group, cases in GROUPS.items()
    for text, expected in cases
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_example(text: str, expected: list[tuple]) -> None:
    agreements = extract_document(text).agreements
    got = [(a.text, a.kind, a.topic, set(a.parties), a.amount) for a in agreements]
    # An empty party set in a case means "not asserted" (parties come from the whole article).
    got_cmp = [(t, k, tp, p if e[3] else set(), v) for (t, k, tp, p, v), e in zip(got, expected)]
    assert len(got) == len(expected) and got_cmp == expected, f"{text!r}: {got}"
    for a in agreements:
        assert text[a.start : a.end] == a.text
        assert all(0 <= s < e <= len(text) for s, e in a.mentions)


def test_every_mention_of_one_agreement_is_kept() -> None:
    text = "Russia and China signed a $400 billion energy deal. The deal stalled. The energy deal was revived."
    (deal,) = extract_document(text).agreements
    assert [text[s:e] for s, e in deal.mentions] == ["$400 billion energy deal", "deal", "energy deal"]


def test_a_rounded_value_in_the_title_names_the_same_deal() -> None:
    text = ("India, Russia sign $5.4 billion deal for S-400 missile systems\n\n"
            "India signed a $5.43 billion deal with Russia on Friday. The agreement on the S-400 was concluded.")
    (deal,) = extract_document(text).agreements
    assert deal.text == "$5.4 billion deal for S-400 missile systems"
    assert [text[s:e] for s, e in deal.mentions][1:] == ["$5.43 billion deal with Russia", "agreement on the S-400"]


def test_the_same_deal_in_two_articles_shares_a_cluster() -> None:
    first = extract_document("Russia and China signed a $400 billion energy deal in 2014.").agreements
    second = extract_document("Last year, the two countries signed a 30-year gas deal valued at $400 billion. "
                              "China and Russia were pleased.").agreements
    other = extract_document("China and Russia signed a $2 billion agricultural fund agreement.").agreements
    clustered = assign_clusters({"a": first, "b": second, "c": other})
    keys = {doc: [a.cluster_key for a in items] for doc, items in clustered.items()}
    assert keys["a"] == keys["b"]
    assert keys["c"] != keys["a"]


def test_an_agreement_without_value_or_year_is_its_own_cluster() -> None:
    a = Agreement(0, 4, "deal", "deal", ["Russia"], "other", None, None)
    clustered = assign_clusters({"x": [a], "y": [a]})
    assert clustered["x"][0].cluster_key != clustered["y"][0].cluster_key


def test_a_rounded_and_an_exact_value_of_one_deal_share_a_cluster() -> None:
    first = extract_document("Acme Corp agreed a £5bn takeover of Beta Holdings plc in 2023.").agreements
    second = extract_document("Acme Corp completed its £5.13bn acquisition of Beta Holdings plc.").agreements
    other = extract_document("Acme Corp agreed a £7bn takeover of Gamma Bank in 2023.").agreements
    keys = {doc: [a.cluster_key for a in items] for doc, items in assign_clusters({"a": first, "b": second, "c": other}).items()}
    assert keys["a"] == keys["b"]
    assert keys["c"] != keys["a"]


def test_a_company_and_its_country_name_one_side_across_articles() -> None:
    first = Agreement(0, 8, "gas deal", "deal", ["Gazprom", "China"], "energy", None, 2014, 4e11, "USD")
    second = Agreement(0, 11, "energy deal", "deal", ["Russia", "China"], "energy", None, 2014, 4e11, "USD")
    unrelated = Agreement(0, 8, "arms deal", "deal", ["India", "France"], "defence", None, 2014, 4e11, "USD")
    clustered = assign_clusters({"x": [first], "y": [second], "z": [unrelated]}, {"Gazprom": "Russia"})
    assert clustered["x"][0].cluster_key == clustered["y"][0].cluster_key
    assert clustered["z"][0].cluster_key != clustered["x"][0].cluster_key


def test_two_agreements_of_one_article_with_one_value_keep_two_clusters() -> None:
    found = extract_document(
        "Bangladesh signed loan agreements and an exchange of notes worth $1 billion with Japan."
    ).agreements
    assert [a.text for a in found] == ["loan agreements", "exchange of notes"]
    keys = [a.cluster_key for a in assign_clusters({"d": found})["d"]]
    assert len(set(keys)) == 2
