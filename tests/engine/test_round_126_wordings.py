"""Wordings from round 126's first try, a test per wording fixed after it: "Add warehouses in
Da Nang and Hanoi, 5,000 and 7,000 bags." (as many sizes as towns are theirs in order; they had
been given the other way round), "we ought to be using Canadian dollars; could you please set
that for us?", "what does the Zaragoza warehouse depend on? Trace everything upstream of it."
(one question, asked twice), and an Urdu speaker's "From factory the balls are going there for
export" (a kind without its article; "we buy from supplier in Haiphong" still describes a new
supplier)."""

from __future__ import annotations

import pytest

from .talking import city, commands, kinds


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "I believe we ought to be using Canadian dollars; could you please set that for us?",
            ("Montreal Plant",),
            ["set-currency"],
        ),
        (
            "And what does the Zaragoza warehouse depend on? Trace everything upstream of it.",
            ("Zaragoza Warehouse", "Huesca Supplier"),
            ["trace-upstream"],
        ),
        (
            "Please add warehouse in Karachi also, 50,000 balls capacity. From factory the balls "
            "are going there for export.",
            ("Sialkot Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Fabric we buy from supplier in Haiphong, 30000 meter. Also one more supplier in Hanoi "
            "20000 meter. Both send to factory.",
            ("Ho Chi Minh City Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
    ],
)
def test_round_126_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Add warehouses in Da Nang and Hanoi, 5,000 and 7,000 bags.",
            [("Da Nang", 5_000), ("Hanoi", 7_000)],
        ),
        (
            "Add warehouses in Lyon, Paris and Lille, 5k, 7k and 9k",
            [("Lyon", 5_000), ("Paris", 7_000), ("Lille", 9_000)],
        ),
    ],
)
def test_sizes_after_a_list_of_towns_go_in_order(
    text: str, expected: list[tuple[str, int]]
) -> None:
    assert [(city(c), c.params["capacity"]) for c in commands(text)] == expected
