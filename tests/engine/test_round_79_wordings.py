"""Wordings from round 79's first try, a test per wording: a question after a lead-in that
says "are set" ("Just to be sure for the minutes, which currency and risk profile are set
now?"), "the method behind that rating", "limits our throughput", "Are any sites ... degraded or
offline?", "the two most recent changes", and a Japanese learner's order ("warehouse in Nagoya
we keep", "Factory to warehouse please connect", "to factory connect also")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds

_JAPAN = ("Seto Plant",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Just to be sure for the minutes, which currency and risk profile are set now?",
            ["get-settings"],
        ),
        ("Just to be sure, set the risk profile to high.", ["set-risk-profile"]),
        (
            "What's the method behind that rating - is it only utilization, or does status count "
            "too?",
            ["explain"],
        ),
        ("OK. Which node limits our throughput the most?", ["find-bottlenecks"]),
        ("Are any sites running degraded or offline?", ["list-nodes"]),
        ("is any warehouse offline?", ["list-nodes"]),
        ("Undo the two most recent changes.", ["undo", "undo"]),
        (
            "Finished plates, warehouse in Nagoya we keep. Size is 30,000 pieces. Factory to "
            "warehouse please connect.",
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Hmm. Second supplier maybe we need. In Yokkaichi there is one, 10,000 kg. Please add, "
            "and to factory connect also.",
            ["add-supplier", "connect-nodes"],
        ),
    ],
)
def test_round_79_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _JAPAN) == expected


def test_the_warehouse_we_keep_has_the_size_said_next_and_the_link_its_direction() -> None:
    add, link = parse(
        "Finished plates, warehouse in Nagoya we keep. Size is 30,000 pieces. Factory to "
        "warehouse please connect.",
        known_names=_JAPAN,
    ).commands
    assert add.params["capacity"] == 30_000
    assert link.params["source"].node_type == "manufacturer"
    assert link.params["target"].node_type == "warehouse"
