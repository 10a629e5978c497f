"""Wordings from round 85's first try, a test per wording: "And the two DCs combined?", "What
are the main risks overall?" (a list of nodes before), a learner's "what happen", and a setting's
value said before its reason ("Make it low. We can't carry the cost ...")."""

from __future__ import annotations

from pathlib import Path

import pytest

from .talking import USER, kinds, open_engine, talk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("And the two DCs combined?", ["list-nodes"]),
        ("OK. What are the main risks overall?", ["identify-risks"]),
        ("which suppliers are at risk?", ["identify-risks"]),
        ("Manisa supplier 2 week cotton not send, what happen?", ["what-if-supplier-failure"]),
    ],
)
def test_round_85_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, ("Manisa Supplier",)) == expected


def test_a_settings_value_before_its_reason(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "what's our risk profile?",
        "Make it low. We can't carry the cost of a stockout this year.",
    )
    assert said[-1] == ["set-risk-profile"]
    assert engine.twin.get_settings(USER).risk_profile == "low"
