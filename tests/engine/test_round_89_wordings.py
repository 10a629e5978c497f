"""Wordings from round 89's first try, a test per wording: a town the world table only takes
written as a name, typed lower-case in ops shorthand ("sup guelph 8k -> mfg"), "util", a deal
"renegotiated" (not a negotiation to run) and "Update their capacity accordingly", "Can both
of them be added as suppliers that send to the factory?", "how it's set up", a worry said
after a risk question, "both plants" after two suppliers were added, a size said for every
item of a list ("Dortmund, Leipzig and Kassel. 12,000 units each."), "What's driving its
score?", "Does utilization weigh more than ...?", "WhatsApp the results to my boss",
"... actually don't connect it yet", "Keep the backup, but ...", "X was decommissioned ...
Please remove it." (one removal), and the Turkish learner's verb-last links ("Factory
warehouse to ships", "Warehouse from Izmir distribution center to goods go") and sentences
("We Bursa in towel factory have", "there supplier 12,000 kg monthly give", "Adana in also
second supplier is", "Both supplier please add", "This factory system to please add")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.engine.language.cleaning import _clean

from .talking import kinds, links, nodes, talk

_NAMES = (
    "Mississauga Plant",
    "Ottawa Distribution Center",
    "Badajoz Supplier",
    "Braga Plant",
    "Osorno Plant",
    "Frankfurt Distribution Center",
    "Foggia Supplier",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sup guelph 8k -> mfg", ["add-supplier", "connect-nodes"]),
        ("whats util on the dcs", ["calculate-utilization"]),
        (
            "Badajoz renegotiated and they're committing 26,000 a season from next year. Update "
            "their capacity accordingly.",
            ["update-node"],
        ),
        ("Can you renegotiate the Badajoz contract?", ["out-of-scope"]),
        (
            "Our olive oil comes from a supplier in Coimbra, about 2,000 litres a month, and the "
            "packaging from a company in Aveiro, 8,000 boxes a month. Can both of them be added "
            "as suppliers that send to the factory?",
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "Is there anything risky about how it's set up? I'm a bit worried that we only "
            "have one oil supplier.",
            ["identify-risks"],
        ),
        ("Why is the Osorno plant flagged? What's driving its score?", ["explain"]),
        (
            "How is that score actually computed? Does utilization weigh more than having only "
            "two suppliers?",
            ["explain"],
        ),
        (
            "Also add a DC in Cape Town, 12,000, fed from the packhouse, and WhatsApp the "
            "results to my boss.",
            ["add-distributor", "connect-nodes", "out-of-scope"],
        ),
        (
            "And our pasta plant in Bari, 20,000 a month. Connect Foggia to it... actually "
            "don't connect it yet, the contract isn't signed.",
            ["add-manufacturer", "cancelled"],
        ),
        (
            "Keep the backup, but bump Ottawa Distribution Center to 14,000.",
            ["update-node"],
        ),
        (
            "The Frankfurt DC was decommissioned in March and nobody took it out of the model. "
            "Please remove it.",
            ["remove-node"],
        ),
    ],
)
def test_round_89_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_a_word_town_stays_a_word_without_the_shorthand() -> None:
    # "Guelph" is also a word: only a kind before it and a size after it make it the town
    assert parse("the guelph faction", known_names=_NAMES).commands == ()


def test_a_worry_keeps_the_whole_risk_scan() -> None:
    (command,) = parse(
        "Is there anything risky? I'm a bit worried that we only have one oil supplier.",
        known_names=_NAMES,
    ).commands
    assert (command.intent, command.params) == ("identify-risks", {})


def test_a_size_for_each_item_of_a_list() -> None:
    adds = parse("Add three warehouses: Dortmund, Leipzig and Kassel. 12,000 units each.").commands
    assert [c.params["capacity"] for c in adds] == [12_000, 12_000, 12_000]
    short = parse("Add three warehouses: Dortmund, Leipzig and Kassel, 12k each.").commands
    assert [c.params["capacity"] for c in short] == [12_000, 12_000, 12_000]


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("Factory warehouse to ships.", "Factory ships to warehouse."),
        ("Both supplier please add, both factory to send.", "both ships to factory."),
        ("we want the goods to go", "we want the goods to go"),
        ("Which warehouse do we send to?", "Which warehouse do we send to?"),
    ],
)
def test_verb_last_links_read_in_english_order(said: str, read: str) -> None:
    assert _clean(said).endswith(read)


def test_both_plants_after_two_suppliers_are_the_plants(engine: SupplyChainEngine) -> None:
    talk(engine, "add plants in Pune and Indore", "add a warehouse in Nagpur")
    talk(
        engine,
        "Phase 2:\n- Suppliers: Nashik (potato growers' co-op) 30,000 kg/month and Ahmedabad "
        "(sunflower oil refinery) 12,000 L/month\n- Nashik supplies Pune; Ahmedabad supplies "
        "both plants",
    )
    assert links(engine) == {
        ("Nashik Supplier", "Pune Plant"),
        ("Ahmedabad Supplier", "Pune Plant"),
        ("Ahmedabad Supplier", "Indore Plant"),
    }


def test_turkish_learner_builds_the_network(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We Bursa in towel factory have, monthly 20,000 piece produce. This factory "
        "system to please add.",
        "Our cotton yarn Denizli from comes, there supplier 12,000 kg monthly give. Adana in "
        "also second supplier is, 9,000 kg. Both supplier please add, both factory to send.",
        "Istanbul in warehouse we have, 15,000 piece. Factory warehouse to ships. Add please.",
        "Warehouse from Izmir distribution center to goods go, capacity 6,000. This also add "
        "and connect.",
    )
    assert nodes(engine) == {
        "Bursa Plant": 20_000,
        "Denizli Supplier": 12_000,
        "Adana Supplier": 9_000,
        "Istanbul Warehouse": 15_000,
        "Izmir Distribution Center": 6_000,
    }
    assert links(engine) == {
        ("Denizli Supplier", "Bursa Plant"),
        ("Adana Supplier", "Bursa Plant"),
        ("Bursa Plant", "Istanbul Warehouse"),
        ("Istanbul Warehouse", "Izmir Distribution Center"),
    }
