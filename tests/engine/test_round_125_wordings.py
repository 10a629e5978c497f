"""Wordings from round 125's first try, a test per wording fixed after it: "stores poznan 4k +
wroclaw 5k, both from lodz" (both stores linked, not the last), "How loaded are the plants?
Utilisation is a line item in the capex section." (one question, then why it is asked), and "it
should really be euros, since we are in Portugal" (where the user is says why: the currency
changes, the region does not)."""

from __future__ import annotations

import pytest

from .talking import kinds


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "stores poznan 4k + wroclaw 5k, both from lodz",
            ("Łódź Distribution Center",),
            ["add-retailer", "add-retailer", "connect-nodes", "connect-nodes"],
        ),
        (
            "How loaded are the plants? Utilisation is a line item in the capex section.",
            ("Porto Plant", "Braga Plant"),
            ["calculate-utilization"],
        ),
        (
            "Oh dear, it should really be euros, since we are in Portugal. Could you please "
            "change it to euros?",
            ("Porto Plant",),
            ["set-currency"],
        ),
        # (where the user is, said as the request, still sets the region)
        ("We are in Europe, please set the region.", ("Porto Plant",), ["set-region"]),
    ],
)
def test_round_125_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected
