"""Wordings from round 111's first try, a test per wording fixed after it: "What can this tool
actually do?", a Korean speaker's English ("Raw material supplier is two. One is in Ulsan,
15,000 kg, other one is in Daejeon, 8,000 kg.", "30,000 box", "Daejeon supplier, they are
doing expansion. Please change capacity to 10,000 kg."), "How would you reduce that
exposure?" and "Now every warehouse in Europe, with its capacity." Round 111 passes whole
after these."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language.cleaning import _clean

from .talking import city, commands, kinds


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Hi there! Sorry, I'm completely new to all of this. What can this tool actually do?",
            (),
            ["smalltalk", "help"],  # (the engine drops a greeting before a request)
        ),
        (
            "Raw material supplier is two. One is in Ulsan, 15,000 kg, other one is in Daejeon, "
            "8,000 kg. Both are sending to Cheongju factory.",
            ("Cheongju Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "Daejeon supplier, they are doing expansion. Please change capacity to 10,000 kg.",
            ("Cheongju Plant", "Daejeon Supplier"),
            ["update-node"],
        ),
        ("How would you reduce that exposure?", (), ["recommend"]),
        (
            "Now every warehouse in Europe, with its capacity.",
            ("Hamburg Warehouse",),
            ["list-nodes"],
        ),
    ],
)
def test_round_111_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_the_korean_speaker_s_two_suppliers_with_their_sizes() -> None:
    adds = [
        c
        for c in commands(
            "Raw material supplier is two. One is in Ulsan, 15,000 kg, other one is in Daejeon, "
            "8,000 kg.",
            ("Cheongju Plant",),
        )
        if c.intent == "add-supplier"
    ]
    assert [(city(c), c.params["capacity"]) for c in adds] == [
        ("Ulsan", 15_000),
        ("Daejeon", 8_000),
    ]


def test_boxes_said_in_the_singular_are_a_size() -> None:
    (add, _link) = commands(
        "And warehouse is need in Pyeongtaek, 30,000 box. From factory is going to there.",
        ("Cheongju Plant",),
    )
    assert add.params["capacity"] == 30_000


def test_the_change_said_after_a_topic_is_of_that_node() -> None:
    (change,) = commands(
        "Daejeon supplier, they are doing expansion. Please change capacity to 10,000 kg.",
        ("Cheongju Plant", "Daejeon Supplier"),
    )
    assert change.params["capacity"] == 10_000
    assert change.params["node"].text == "Daejeon Supplier"


@pytest.mark.parametrize(
    ("said", "read"),
    [
        (
            "one is in Monterrey with 20,000 and the other in Saltillo with 12,000",
            "one in Monterrey, 20,000, and one in Saltillo, 12,000",
        ),
        ("Connect the other in Lyon", "Connect the other in Lyon"),  # it points back
    ],
)
def test_the_other_in_a_town_after_one_in_another(said: str, read: str) -> None:
    assert _clean(said) == read
