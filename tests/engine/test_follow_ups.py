"""Follow-ups that point back at what was just said: "that one", "it", "the other one" after a
message that named several nodes (from rounds 63 on, and the known failures they fixed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, links, nodes, open_engine, talk


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    talk(
        engine,
        "add a supplier in Puebla, 25k",
        "add a warehouse in Aguascalientes, 20k",
        "add a warehouse in Toluca, 15k",
        "add a plant in Chihuahua, 30k",
    )
    yield engine
    engine.close()


def capacity(engine: SupplyChainEngine, name: str) -> int:
    return nodes(engine)[name]


def test_that_one_after_a_link_between_two_named_nodes_is_the_last_named(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "Connect the new plant to the second warehouse.", "Bump that one by 20%.")
    assert capacity(engine, "Toluca Warehouse") == 18_000
    assert capacity(engine, "Chihuahua Plant") == 30_000


def test_it_in_connect_it_to_stays_the_node_talked_about(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "how big is the Chihuahua plant?",
        "connect it to Toluca Warehouse",
        "bump it by 20%",
    )
    assert capacity(engine, "Chihuahua Plant") == 36_000
    assert capacity(engine, "Toluca Warehouse") == 15_000


def test_that_one_after_connect_it_to_a_named_node_is_the_named_node(
    engine: SupplyChainEngine,
) -> None:
    # "it" stays the plant; "that one" is the warehouse, even after this turn's add (r103-c06)
    talk(
        engine,
        "how big is the Chihuahua plant?",
        "Connect it to the second warehouse as well.",
        "Add a DC in Monterrey, 9,000, fed by that one.",
    )
    assert ("Toluca Warehouse", "Monterrey Distribution Center") in links(engine)
    assert ("Chihuahua Plant", "Monterrey Distribution Center") not in links(engine)
    talk(engine, "Bump it by 20%.")  # "it" is the new DC
    assert capacity(engine, "Monterrey Distribution Center") == 10_800


def test_that_one_after_connect_it_then_a_change_of_it_is_it(engine: SupplyChainEngine) -> None:
    # "set it to 8,000" names "it" again last (r82-c06)
    talk(
        engine,
        "how big is the Chihuahua plant?",
        "Connect it to the second warehouse too, and set it to 28,000.",
        "Bump that one by 10%.",
    )
    assert capacity(engine, "Chihuahua Plant") == 30_800
    assert capacity(engine, "Toluca Warehouse") == 15_000


def test_the_other_one_after_two_links_from_one_node(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Puebla Supplier -> Toluca Warehouse; Puebla Supplier -> Aguascalientes Warehouse too",
        "set Toluca Warehouse to 30k and the other one to 22k",
    )
    assert capacity(engine, "Toluca Warehouse") == 30_000
    assert capacity(engine, "Aguascalientes Warehouse") == 22_000
    assert capacity(engine, "Puebla Supplier") == 25_000


def test_a_relative_change_of_both_warehouses_asks_first_then_changes_each(
    engine: SupplyChainEngine,
) -> None:
    said = talk(engine, "Give both warehouses 1,000 more capacity.")
    assert said == [["confirmation"]]
    assert capacity(engine, "Toluca Warehouse") == 15_000
    assert talk(engine, "yes") == [["update-node", "update-node"]]
    assert capacity(engine, "Aguascalientes Warehouse") == 21_000
    assert capacity(engine, "Toluca Warehouse") == 16_000


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Give both warehouses 1,000 more capacity.", "capacity +1,000 units each"),
        ("double both warehouses", "capacity ×2 each"),
        ("cut both warehouses by 20%", "capacity −20% each"),
        ("set both warehouses to 30k", "capacity to 30,000 units"),
        ("mark both warehouses offline", "status to offline"),
    ],
)
def test_the_question_before_a_change_of_several_nodes_says_the_change(
    engine: SupplyChainEngine, text: str, said: str
) -> None:
    outcome = engine.run_turn(EngineRequest(USER, "c1", text, ()))
    assert outcome.start_metadata["intent"] == "confirmation"
    assert said in outcome.text
    assert nodes(engine)["Toluca Warehouse"] == 15_000


# --- positions among the last enumeration ------------------------------------------------------


@pytest.fixture
def three(engine: SupplyChainEngine) -> SupplyChainEngine:
    """Leeds, York and Hull warehouses added in one message, after the fixture's two."""
    talk(engine, "add warehouses in Leeds, York and Hull")
    return engine


def details_of(engine: SupplyChainEngine, text: str) -> str:
    outcome = engine.run_turn(EngineRequest(USER, "c1", text, ()))
    assert outcome.start_metadata["intent"] == "get-node-details"
    return outcome.text.split("**")[1]


def test_the_second_one_is_of_the_warehouses_just_added(three: SupplyChainEngine) -> None:
    assert details_of(three, "how big is the second one?") == "York Warehouse"
    assert details_of(three, "how big is the middle one?") == "York Warehouse"
    assert details_of(three, "how big is the first one?") == "Leeds Warehouse"


def test_the_first_two_and_the_last_two_link_within_the_list(three: SupplyChainEngine) -> None:
    assert talk(three, "connect the first two", "connect the last two") == [
        ["connect-nodes"],
        ["connect-nodes"],
    ]
    assert {("Leeds Warehouse", "York Warehouse"), ("York Warehouse", "Hull Warehouse")} <= (
        links(three)
    )


def test_positions_count_among_all_again_once_the_talk_moves_on(three: SupplyChainEngine) -> None:
    talk(three, "add a supplier in Bradford")  # the conversation is about another node now
    # a position of a type counts among every node of that type, in creation order
    assert details_of(three, "how big is the first warehouse?") == "Aguascalientes Warehouse"


def test_the_middle_warehouse_of_all_five_then_of_six(three: SupplyChainEngine) -> None:
    outcome = three.run_turn(EngineRequest(USER, "c1", "remove the middle warehouse", ()))
    assert outcome.text.startswith("Remove **Leeds Warehouse**")  # 3rd of 5, asked first
    talk(three, "no", "add a warehouse in Derby")
    outcome = three.run_turn(EngineRequest(USER, "c1", "remove the middle warehouse", ()))
    assert "no middle one of 6 warehouses" in outcome.text
    assert len([n for n in nodes(three) if n.endswith("Warehouse")]) == 6


# --- utilization changed by points ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reduce Toluca Warehouse's utilization by 10%", 0.4),
        ("raise the utilization of Toluca Warehouse by 5 points", 0.55),
        ("set Toluca Warehouse's utilization to 80%", 0.8),
        ("lower Toluca Warehouse utilization by 90%", 0.0),  # never below nothing
    ],
)
def test_utilization_changed_by_points(
    engine: SupplyChainEngine, text: str, expected: float
) -> None:
    talk(engine, text)
    toluca = next(n for n in engine.twin.list_nodes(USER) if n.name == "Toluca Warehouse")
    assert toluca.utilization == pytest.approx(expected)
