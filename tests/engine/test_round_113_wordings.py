"""Wordings from round 113's first try, a test per wording fixed after it: "laredo degraded,
customs backlog at the bridge" (a terse status and its cause), "Could you draw that line
between them, please?" after the link, an Indonesian speaker's English ("from farmer in
Makassar also, 10 ton", "Okay I understand already. Terima kasih banyak kak!"), "And order six
new forklifts online.", "Scratch that, keep it for the seasonal overflow." to a removal's
question, "raise Fukuoka Supplier to 9,000 so we have some backup" and "How many warehouses do
we hold across all countries?". Round 113 passes whole after these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, kinds, nodes, open_engine, talk


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.close()


_SITES = ("Laredo Warehouse", "Leicester Plant", "Nottingham Warehouse", "Calgary Warehouse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("laredo degraded, customs backlog at the bridge", ["update-node"]),
        (
            "The soap goes from the workshop in Leicester to the Nottingham warehouse. Could you "
            "draw that line between them, please?",
            ["connect-nodes"],
        ),
        ("Okay I understand already. Terima kasih banyak kak!", ["smalltalk"]),
        (
            "Mark the Calgary warehouse degraded, half the forklifts are down. And order six new "
            "forklifts online.",
            ["update-node", "out-of-scope"],
        ),
        (
            "OK, given all that, raise Fukuoka Supplier to 9,000 so we have some backup.",
            ["update-node"],
        ),
        ("How many warehouses do we hold across all countries?", ["list-nodes"]),
    ],
)
def test_round_113_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, (*_SITES, "Fukuoka Supplier")) == expected


def test_a_size_after_a_town_and_also() -> None:
    adds = commands(
        "For the coffee bean, we are buy from farmer in Medan, around 15 ton per month, and from "
        "farmer in Makassar also, 10 ton. Please add both as supplier.",
        ("Surabaya Plant",),
    )
    assert [c.params.get("capacity") for c in adds] == [15, 10]


def test_scratch_that_keep_it_answers_the_removal_question_no(engine: SupplyChainEngine) -> None:
    talk(engine, "add a warehouse in Verona", "add a warehouse in Milan")
    said = talk(
        engine, "Remove the Verona warehouse.", "Scratch that, keep it for the seasonal overflow."
    )
    assert said == [["confirmation"], ["cancelled"]]
    assert "Verona Warehouse" in nodes(engine)
