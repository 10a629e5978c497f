"""Wordings from round 87's first try, a test per wording: "sup" before a masked town in an
arrow line, one size for several places said with "each", two links in one comma-joined
sentence, "Does anything feed ...?", a scene-setting "Setting up our ... distribution.", a
purpose before the request ("To spread the load, add ..."), "before the auction" said of a
warehouse, calendar reminders out of scope (but "Remind me which currency ..." a question),
"Got a big delivery going out." as a remark, "Also, what's the status of X now?", and "that
one" after a turn that added a node and then named others."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, nodes, talk

_NAMES = ("Saltillo Plant", "Kericho Plant", "Winnipeg Plant", "Saskatoon Plant", "Kano Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "mfg saltillo 25k. sup monterrey 40k -> saltillo",
            ["add-manufacturer", "add-supplier", "connect-nodes"],
        ),
        ("sup monterrey 40k -> saltillo", ["add-supplier", "connect-nodes"]),
        ("Brandon feeds Winnipeg, Regina feeds Saskatoon", ["connect-nodes", "connect-nodes"]),
        (
            "Brandon Supplier feeds Winnipeg Plant, Regina Supplier ships to Saskatoon Plant",
            ["connect-nodes", "connect-nodes"],
        ),
        ("Does anything feed the first warehouse?", ["trace-upstream"]),
        ("Is anything feeding Saskatoon Plant?", ["trace-upstream"]),
        (
            "Setting up our tablet distribution. Add warehouses in Nagpur, Indore and Vadodara.",
            ["add-warehouse", "add-warehouse", "add-warehouse"],
        ),
        (
            "To spread the load, add another plant in Naples, 25,000 tonnes a month.",
            ["add-manufacturer"],
        ),
        (
            "After processing, the tea is kept in our warehouse in Mombasa before the auction, "
            "about 50,000 kg. Could you add that too, fed from Kericho?",
            ["add-warehouse", "connect-nodes"],
        ),
        ("what's black tea fetching at the Mombasa auction this week?", ["out-of-scope"]),
        ("Can you put a reminder in my calendar to re-check this on Monday?", ["out-of-scope"]),
        ("Remind me to call the Kano supplier tomorrow.", ["out-of-scope"]),
        ("Remind me which currency and risk profile we're running on.", ["get-settings"]),
        (
            "What's the weather doing in Melbourne this week? Got a big delivery going out.",
            ["out-of-scope"],
        ),
        ("Also, what's the status of Kano Supplier now?", ["get-node-details"]),
    ],
)
def test_round_87_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_sup_before_a_town_is_a_supplier_in_an_arrow_line() -> None:
    add, link = parse("sup monterrey 40k -> saltillo", known_names=_NAMES).commands
    assert (add.intent, add.params["capacity"]) == ("add-supplier", 40_000)
    assert link.params["target"].text.casefold() == "saltillo"


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        (
            "Our green leaf comes from growers in Nyeri and Kisii, roughly 3,000 kg a day each. "
            "Would you please add them as suppliers and link them to the factory?",
            [3_000, 3_000],
        ),
        # "each month" is when, not a size for every one
        (
            "Our leaf comes from growers in Nyeri and Kisii, 3,000 kg each month. Would you "
            "please add them as suppliers?",
            [None, 3_000],
        ),
    ],
)
def test_one_size_said_for_each_place(text: str, sizes: list[int | None]) -> None:
    adds = [c for c in parse(text, known_names=_NAMES).commands if c.intent == "add-supplier"]
    assert [c.params.get("capacity") for c in adds] == sizes


def test_that_one_is_the_node_named_last_and_it_the_node_added(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "Add warehouses in Nagpur, Indore and Vadodara, 5k each.",
        "Add a plant in Hyderabad, 20k. It ships to the second warehouse and the third one.",
    )
    assert talk(engine, "how big is that one?") == [["get-node-details"]]
    assert talk(engine, "Double it.") == [["update-node"]]
    assert nodes(engine)["Vadodara Warehouse"] == 10_000
    assert nodes(engine)["Hyderabad Plant"] == 20_000


def test_calendar_reminders_are_out_of_scope_after_thanks(engine: SupplyChainEngine) -> None:
    said = talk(engine, "Cheers. Can you put a reminder in my calendar to re-check this on Monday?")
    assert said == [["out-of-scope"]]


def test_it_after_such_a_turn_is_still_the_node_added(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add warehouses in Nagpur, Indore and Vadodara, 5k each.",
        "Add a plant in Hyderabad, 20k. It ships to the second warehouse and the third one.",
        "Double it.",
    )
    assert nodes(engine)["Hyderabad Plant"] == 40_000
    assert nodes(engine)["Vadodara Warehouse"] == 5_000


def test_that_one_holds_only_while_the_conversation_talks_about_the_same_nodes(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "Add warehouses in Nagpur, Indore and Vadodara, 5k each.",
        "Add a plant in Hyderabad, 20k. It ships to the second warehouse and the third one.",
        "Show me Nagpur Warehouse.",
        "Set that one to 7,000.",
    )
    assert nodes(engine)["Nagpur Warehouse"] == 7_000
    assert nodes(engine)["Vadodara Warehouse"] == 5_000
