"""Wordings from round 75's first try, a test per wording: "whats" without its apostrophe, a
node grown by a share said without "by" ("bump it 20%", "make it 20% bigger"), "another 6,000",
a road's number that is no node id ("strike on the br-116"), "From factory goes there", a rate
in any unit ("6,000 head/month"), and a share that is never read as an amount of units."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.commands import NodeRef
from omnitrack_realtime.engine.language import parse

from .talking import kinds, nodes, open_engine, talk

_BRAZIL = ("Campinas Supplier", "Sorocaba Plant", "Curitiba Warehouse")
_TURKEY = ("Manisa Supplier", "Denizli Plant", "Bursa Warehouse")
_JAPAN = ("Sendai Warehouse", "Fukuoka Warehouse", "Toyama Plant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("whats sorocaba cap rn?", ["get-node-details"]),
        ("Whats the total capacity?", ["list-nodes"]),
        ("hows sorocaba doing", ["get-node-details"]),
    ],
)
def test_a_question_without_its_apostrophe(text: str, expected: list[str]) -> None:
    assert kinds(text, _BRAZIL) == expected


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("bump it 20%", ("capacity_factor", 1.2)),
        ("bump it 20 percent", ("capacity_factor", 1.2)),
        ("make it 20% bigger", ("capacity_factor", 1.2)),
        ("make sorocaba 10 percent smaller", ("capacity_factor", 0.9)),
        ("Give the smaller one another 6,000.", ("capacity_delta", 6000.0)),
        ("Give it another 6,000.", ("capacity_delta", 6000.0)),
    ],
)
def test_a_relative_change_of_capacity(text: str, change: tuple[str, float]) -> None:
    (command,) = parse(text, known_names=_BRAZIL).commands
    assert command.intent == "update-node"
    assert command.params[change[0]] == pytest.approx(change[1])


@pytest.mark.parametrize("text", ["set sorocaba capacity 20%", "sorocaba capacity to 20%"])
def test_a_share_is_never_a_number_of_units(text: str) -> None:
    result = parse(text, known_names=_BRAZIL)
    assert not result.commands and result.clarification is not None


def test_a_roads_number_is_no_node_id() -> None:
    (command,) = parse(
        "campinas set degraded, truckers strike on the br-116", known_names=_BRAZIL
    ).commands
    node = command.params["node"]
    assert (
        isinstance(node, NodeRef)
        and node.kind == "place"
        and command.params["status"] == "degraded"
    )
    (by_id,) = parse("mark sup-1 degraded", known_names=_BRAZIL).commands
    assert by_id.params["node"].kind == "id"


def test_from_the_factory_goes_there_is_a_link_to_the_new_warehouse() -> None:
    assert kinds(
        "Warehouse in Bursa we have, 100 thousand piece capacity. From factory goes there. "
        "Please add.",
        ("Manisa Supplier", "Denizli Plant"),
    ) == ["add-warehouse", "connect-nodes"]
    (link,) = parse("From factory goes to Bursa warehouse.", known_names=_TURKEY).commands
    assert link.params["source"].node_type == "manufacturer"


def test_a_rate_in_any_unit_is_a_capacity() -> None:
    (command,) = parse("Plant: Toowoomba, 6,000 head/month", known_names=_BRAZIL).commands
    assert command.params["capacity"] == 6000
    (stores,) = parse("add a plant in Lyon, 500 pallets/week").commands
    assert stores.params["capacity"] == 500


def test_bump_after_a_question_grows_by_the_share(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "sup campnas 12k",
        "mfg sorocaba 9k, fed by campinas",
        "whats sorocaba cap rn?",
        "bump it 20%",
    )
    assert said[2:] == [["get-node-details"], ["update-node"]]
    assert nodes(engine)["Sorocaba Plant"] == 10_800


def test_the_smaller_one_after_a_comparison(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    talk(
        engine,
        "Add two warehouses: one in Sendai, 20,000 cases, and one in Fukuoka, 14,000 cases.",
        "Which of the two warehouses is bigger?",
        "Give the smaller one another 6,000.",
    )
    assert nodes(engine) == {"Sendai Warehouse": 20_000, "Fukuoka Warehouse": 20_000}
