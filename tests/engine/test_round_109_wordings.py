"""Wordings from round 109's first try, a test per wording fixed after it: "show that they both
send things to my workshop", "The company in Bari can send me about 500 litres a month", a
German speaker's English ("connect him with the Werk", "The steel we become from a supplier",
"From Chemnitz go the discs to there", "Please make also a distribution centre", "What happens
when Duisburg delivers nothing"), "20,000 m/month" (metres, not millions), "Which warehouses
does the winery ship to now?" and "Which suppliers feed the plant?", "tell me whether the
Calgary DC is OK", "Will Highway 2 be snowed in", "Order me a coffee", "..., please update its
status." after the status, "Only the warehouses in Germany, please." with no list before and
"Total capacity of those?" after one. Round 109 passes whole after these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.commands import Act, NodeRef
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.engine.language.numbers import parse_number
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, commands, ends, kinds, links, nodes, open_engine, talk


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.close()


_GERMAN = ("Chemnitz Plant", "Duisburg Supplier", "Leipzig Warehouse")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "The steel we become from a supplier in Duisburg, 30.000 tons per month. Please add "
            "him and connect him with the Werk.",
            ("Chemnitz Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Then we have also a warehouse in Leipzig with 8000 pieces. From Chemnitz go the "
            "discs to there.",
            ("Chemnitz Plant", "Duisburg Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "What happens when Duisburg delivers nothing for two weeks?",
            _GERMAN,
            ["what-if-supplier-failure"],
        ),
        (
            "Okay. Please make also a distribution centre in Nuremberg with 5000 pieces, it "
            "becomes the discs from Leipzig.",
            _GERMAN,
            ["add-distributor", "connect-nodes"],
        ),
        (
            "Which warehouses does the plant ship to now?",
            ("Geelong Plant", "Melbourne Warehouse"),
            ["trace-downstream"],
        ),
        (
            "Put a call with logistics in my calendar for 3pm, and tell me whether the Calgary "
            "DC is OK.",
            ("Calgary Distribution Center",),
            ["out-of-scope", "get-node-details"],
        ),
        (
            "Will Highway 2 be snowed in this week? Separately, run a what-if with demand up 40% "
            "across North America for two weeks.",
            ("Calgary Distribution Center",),
            ["out-of-scope", "what-if-demand-spike"],
        ),
        (
            "Order me a coffee while you're at it, lol. And mark Edmonton degraded, one canning "
            "line is down.",
            ("Edmonton Plant",),
            ["out-of-scope", "update-node"],
        ),
        (
            "Nakuru Supplier is disrupted, the harvest is late, please update its status.",
            ("Nakuru Supplier",),
            ["update-node"],
        ),
    ],
)
def test_round_109_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_the_werk_is_the_plant_and_become_from_is_get_from() -> None:
    steps = commands(
        "The steel we become from a supplier in Duisburg, 30.000 tons per month. Please add "
        "him and connect him with the Werk.",
        ("Chemnitz Plant",),
    )
    assert steps[0].params["capacity"] == 30_000
    assert ends(steps[1])[1] == "plant"


def test_the_flow_said_from_a_town_keeps_a_named_destination() -> None:
    (link,) = commands("From Chemnitz go the discs to Leipzig Warehouse.", _GERMAN)
    assert ends(link) == ("Chemnitz", "Leipzig Warehouse")


def test_metres_a_month_are_no_millions() -> None:
    adds = commands("1. Supplier - Coimbatore, 20,000 m/month\n2. Supplier - Surat, 15,000 m/month")
    assert [c.params["capacity"] for c in adds] == [20_000, 15_000]
    assert parse_number("2 m") == 2_000_000  # two million, said short, still is


def test_which_kind_feeds_a_node_traces_that_node() -> None:
    (step,) = commands("Which suppliers feed the plant?", ("Geelong Plant",))
    assert step.intent == "trace-upstream"
    node = step.params["node"]
    assert isinstance(node, NodeRef) and node.node_type == "manufacturer"


def test_a_coffee_errand_is_out_of_scope_as_an_errand() -> None:
    (step,) = parse("Order me a coffee while you're at it, lol.").steps
    assert isinstance(step, Act) and step.topic == "run personal errands"


def test_what_a_site_can_send_is_its_capacity(engine: SupplyChainEngine) -> None:
    talk(engine, "add a supplier in Bari")
    talk(engine, "The company in Bari can send me about 500 litres a month, so please put that in.")
    assert nodes(engine) == {"Bari Supplier": 500}


def test_show_that_they_both_send_things_links_both(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "I make handmade soap in a little workshop in Leeds, about 2,000 bars a month. Could "
        "you put my workshop in?",
    )
    talk(
        engine,
        "I buy olive oil from a company in Bari, in Italy, and my scents from a shop in "
        "Birmingham. Could you add them both as suppliers, please, and show that they both "
        "send things to my workshop?",
    )
    assert links(engine) == {
        ("Bari Supplier", "Leeds Plant"),
        ("Birmingham Supplier", "Leeds Plant"),
    }


def test_only_the_warehouses_in_a_country_lists_them_with_no_list_before(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a warehouse in Hamburg and a warehouse in Lyon and a DC in Dortmund")
    outcome = engine.run_turn(
        EngineRequest(USER, "c1", "Only the warehouses in Germany, please.", ())
    )
    assert "Hamburg Warehouse" in outcome.text
    assert "Lyon" not in outcome.text and "Dortmund" not in outcome.text
    total = engine.run_turn(EngineRequest(USER, "c1", "Total capacity of those?", ()))
    assert total.start_metadata["intent"] == "list-nodes"
    assert "Hamburg Warehouse" in total.text and "Lyon" not in total.text


def test_a_plural_linked_to_a_node_not_read_is_asked_not_linked_among_itself() -> None:
    (*_, step) = parse(
        "Add suppliers in Bari and Turin, and ship from the last two to my workshop."
    ).steps
    assert step.intent == "connect-nodes" and "the last two" in getattr(step, "question", "")
