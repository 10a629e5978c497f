"""Wordings from round 84's first try, a test per wording: a message to the team after a
change ("... and ping the team on Slack"), and "a full listing of every node"."""

from __future__ import annotations

import pytest

from .talking import kinds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Switch the currency to euros and ping the team on Slack that the model is done.",
            ["set-currency", "out-of-scope"],
        ),
        ("Start with a full listing of every node, please.", ["list-nodes"]),
        ("show me everything", ["get-network-summary"]),
    ],
)
def test_round_84_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected
