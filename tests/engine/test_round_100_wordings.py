"""Wordings from round 100's first try, a test per wording: "Can you show me the settings as
they stand now?" (the network summary), "Connect the plant to the first and the third
warehouse." (linked the two warehouses), "Which of the last two is bigger?", "Next, all sites in
Asia-Pacific, any type.", and "Cyclone warning on the coast." beside a change (a simulation).
Not fixed, and in known_failures.json: a request before the towns it is about ("Could you add
them as suppliers, please? Thika, 4,000 kg a month, and Meru, 2,500 kg."), a German learner's
verb-second order ("The frames buy we from a supplier in Taichung", "Then need we a
warehouse"), and a status reported in a pasted list of updates ("- Curitiba supplier is
degraded until further notice")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import ends, kinds

_NAMES = ("Murcia Plant", "Valencia Warehouse", "Cartagena Warehouse", "Madrid Warehouse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can you show me the settings as they stand now?", ["get-settings"]),
        ("Can you show me the network summary?", ["get-network-summary"]),
        ("Which of the last two is bigger?", ["compare-nodes"]),
        ("Next, all sites in Asia-Pacific, any type.", ["list-nodes"]),
        (
            "Mark the Murcia plant degraded, no, offline. Cyclone warning on the coast.",
            ["update-node"],
        ),
        ("A cyclone in Murcia for a week", ["run-simulation"]),
    ],
)
def test_round_100_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_connect_the_kind_to_two_positions() -> None:
    links_said = parse(
        "Connect the plant to the first and the third warehouse.", known_names=_NAMES
    ).commands
    assert [ends(c)[0] for c in links_said] == ["plant", "plant"]
    assert [c.params["target"].text for c in links_said] == ["1", "3"]
