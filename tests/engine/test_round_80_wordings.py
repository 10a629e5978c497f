"""Wordings from round 80's first try, a test per wording: a region's adjective ("the European
ones", "our Asian suppliers"), a size reported in a pasted list of changes ("1. Ballarat is
capped at 7,500 t from next month"), and a Turkish learner's order ("Istanbul in we have
warehouse also", "factory with it connect", "capacity how much was?")."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds, open_engine, talk

_AUSTRALIA = ("Ballarat Supplier", "Bendigo Plant", "Townsville Warehouse", "Geelong Warehouse")


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("list the European nodes", "europe"),
        ("list the Asian suppliers", "asia-pacific"),
        ("which North American sites do we have?", "north-america"),
    ],
)
def test_a_regions_adjective_narrows_a_list(text: str, region: str) -> None:
    (command,) = parse(text).commands
    assert command.intent == "list-nodes" and command.params["place"].region == region


def test_the_asian_suppliers_keep_their_type() -> None:
    (command,) = parse("list the Asian suppliers").commands
    assert command.params["node_type"] == "supplier"


def test_only_the_european_ones_narrows_the_last_list(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "add suppliers in Suzhou and Tampere",
        "List every supplier with its capacity.",
        "Now only the European ones.",
    )
    assert said[-1] == ["list-nodes"]


def test_a_size_reported_in_a_list_of_changes_is_a_change() -> None:
    steps = parse(
        "Changes from the review:\n1. Ballarat is capped at 7,500 t from next month\n"
        "2. add a store in Cairns, 2,000, fed from Townsville\n"
        "3. mark Geelong degraded - the forklift fleet is being replaced",
        known_names=_AUSTRALIA,
    ).commands
    assert [c.intent for c in steps] == [
        "update-node",
        "add-retailer",
        "connect-nodes",
        "update-node",
    ]
    assert steps[0].params["capacity"] == 7_500


def test_a_report_the_next_step_acts_on_is_no_change_of_its_own() -> None:
    (command,) = parse(
        "Miki farmers can give only 100 tonnes in first year. Please change to 100.",
        known_names=("Miki Supplier",),
    ).commands
    assert command.intent == "update-node"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Istanbul in we have warehouse also, 40 thousand piece. Please add, and factory with "
            "it connect.",
            ["add-warehouse", "connect-nodes"],
        ),
        ("Kayseri supplier capacity how much was? I forget.", ["get-node-details"]),
    ],
)
def test_a_turkish_learners_order(text: str, expected: list[str]) -> None:
    assert kinds(text, ("Denizli Plant", "Kayseri Supplier")) == expected
