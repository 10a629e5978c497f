"""Wordings from round 120's first try, a test per wording fixed after it: "If it isn't too
much trouble, could you also add ..." (courtesy, not a request of its own), "Make a PowerPoint
of that for my boss" (out of scope, with what I can give instead), and a Persian speaker's
English: "Why Sirjan supplier is in risk? Please explain me." (the question asked again) and
"Thank you so much, don't be tired!" (khaste nabashid: thanks, not a cancellation)."""

from __future__ import annotations

import pytest

from .talking import kinds


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "If it isn't too much trouble, could you also add the two cooperatives we buy our "
            "beans from as suppliers, one in Nyeri with perhaps 1,500 tonnes and one in Meru with "
            "about 2,000 tonnes?",
            ("Thika Plant",),
            ["add-supplier", "add-supplier"],
        ),
        (
            "Make a PowerPoint of that for my boss. And give me the network overview.",
            ("Nakuru Supplier",),
            ["out-of-scope", "get-network-summary"],
        ),
        ("Can you put together a few slides on this?", ("Nakuru Supplier",), ["out-of-scope"]),
        (
            "Why Sirjan supplier is in risk? Please explain me.",
            ("Sirjan Supplier", "Kerman Plant"),
            ["explain"],
        ),
        ("Thank you so much, don't be tired!", ("Sirjan Supplier",), ["smalltalk"]),
        # (a request to explain, said alone, is still read)
        ("Please explain me the risk score.", ("Sirjan Supplier",), ["explain"]),
    ],
)
def test_round_120_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected
