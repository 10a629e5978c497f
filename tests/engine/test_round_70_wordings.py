"""Wordings from round 70's first try, a test per wording: each town's size said with "with"
in a list of adds, "Hmm, undo the last two changes", renegotiating prices as out of scope, and
ops shorthand "bursa cap 11k pls"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds


def test_each_towns_size_said_with_with() -> None:
    commands = parse(
        "Add a warehouse in Leipzig with 15,000, one in Dortmund with 18,000 and one in "
        "Nuremberg with 12,000."
    ).commands
    sizes = [(c.params["place"].city, c.params["capacity"]) for c in commands]
    assert sizes == [("Leipzig", 15_000), ("Dortmund", 18_000), ("Nuremberg", 12_000)]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("Hmm, undo the last two changes.", (), ["undo", "undo"]),
        ("so, undo that", (), ["undo"]),
        (
            "Can you renegotiate prices with Kano Supplier for us?",
            ("Kano Supplier",),
            ["out-of-scope"],
        ),
        ("bursa cap 11k pls", ("Bursa Plant",), ["update-node"]),
    ],
)
def test_round_70_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected
