"""Wordings from round 65's first try, a test per wording: a learner's verb last with a
present progressive or the goods named ("Gaziantep supplier to Kayseri factory is giving",
"From Kayseri factory goods going there", "Kayseri factory capacity how much is?"), the verb
or "show me" said again after the request, a remark after a link ("it doesn't need both"), and
"connect Bergamo to Modena, and Modena to Verona" where "Modena" (a town whose name is also a
word) names the user's node by its one word and the other towns are places."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.commands import Clarification
from omnitrack_realtime.engine.language import parse

from .talking import kinds

_TURKEY = ("Gaziantep Supplier", "Kayseri Plant", "Izmir Warehouse")
_ITALY = ("Bergamo Supplier", "Modena Plant", "Verona Warehouse")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Gaziantep supplier to Kayseri factory is giving. Connect please.",
            _TURKEY,
            ["connect-nodes"],
        ),
        (
            "Warehouse in Izmir need also, 12000. From Kayseri factory goods going there.",
            ("Gaziantep Supplier", "Kayseri Plant"),
            ["add-warehouse", "connect-nodes"],
        ),
        ("Kayseri factory capacity how much is?", _TURKEY, ["get-node-details"]),
        ("Risk where we have? Please show me.", _TURKEY, ["identify-risks"]),
        (
            "OK now connect Bergamo to Modena, and Modena to Verona.",
            _ITALY,
            ["connect-nodes", "connect-nodes"],
        ),
    ],
)
def test_round_65_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize("text", ["connect please", "add a store in Rome. Connect please."])
def test_a_bare_verb_after_no_such_step_still_asks_which_nodes(text: str) -> None:
    asked = parse(text, known_names=_TURKEY).steps[-1]
    assert isinstance(asked, Clarification)
    assert asked.intent == "connect-nodes"


def test_a_remark_after_a_link_is_not_one_of_its_ends() -> None:
    (command,) = parse(
        "and cut the direct link from Asheville to Savannah, it doesn't need both",
        known_names=("Asheville Plant", "Charlotte Warehouse", "Savannah Store"),
    ).commands
    assert command.intent == "disconnect-nodes"
    source, target = command.params["source"].text, command.params["target"].text
    assert source.startswith("Asheville")
    assert target.startswith("Savannah")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("bursa cap 11k pls", ("Bursa Plant", "Ankara Warehouse")),
        ("modena cap 11k", _ITALY),
    ],
)
def test_a_town_that_is_also_a_word_names_the_users_node_in_lower_case(
    text: str, names: tuple[str, ...]
) -> None:
    (command,) = parse(text, known_names=names).commands
    assert command.intent == "update-node"
    assert command.params["capacity"] == 11_000
