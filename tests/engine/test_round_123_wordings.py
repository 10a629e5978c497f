"""Wordings from round 123's first try, a test per wording fixed after it: "I do hope I'm going
about it the right way" ("it" is the task, not a node; "connect it right away" still is one),
"The buyers at the auction pay in dollars, I'm told" (why the currency, not a question about
auction prices), and a Bengali speaker's "give the connection with our factory"."""

from __future__ import annotations

import pytest

from .talking import commands, ends, kinds


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Hello, I'm quite new to this and I do hope I'm going about it the right way. Could "
            "you please add our coffee mill in Thika as a plant? I believe it handles about 9,000 "
            "kilograms a month.",
            (),
            ["add-manufacturer"],
        ),
        (
            "Could you perhaps change it to US dollars? The buyers at the auction pay in dollars, "
            "I'm told.",
            ("Thika Plant",),
            ["set-currency"],
        ),
        (
            "What are roses fetching at the Dutch flower auction today?",
            ("Nairobi Warehouse",),
            ["out-of-scope"],
        ),
        (
            "Fabric is coming from one supplier of Narayanganj, he is giving 60,000 meter in a "
            "month. Kindly add him also and give the connection with our factory.",
            ("Gazipur Plant",),
            ["add-supplier", "connect-nodes"],
        ),
    ],
)
def test_round_123_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_it_right_away_is_still_the_node() -> None:
    (link,) = commands("Connect it right away to Lyon Plant.", ("Lyon Plant", "Paris Store"))
    assert ends(link) == ("it", "Lyon Plant")
