"""Pasted tables, emoji and dictated punctuation: the shapes a message arrives in."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.engine.language.tables import read_tables


def adds(text: str, names: tuple[str, ...] = ()) -> list[tuple[str, str | None, object]]:
    result = parse(text, known_names=names)
    assert result.clarification is None, result.clarification
    return [
        (
            c.intent,
            c.params["place"].city if "place" in c.params else None,
            c.params.get("capacity"),
        )
        for c in result.commands
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Can you add these sites please:\n| Site | Type | Capacity |\n|---|---|---|\n"
        "| Pune | supplier | 8,000 |\n| Mumbai | warehouse | 20,000 |",
        "add these:\nType\tCity\tCapacity\nSupplier\tPune\t8000\nWarehouse\tMumbai\t20000",
        "supplier | Pune | 8000\nwarehouse | Mumbai | 20,000",
    ],
)
def test_a_pasted_table_of_nodes_adds_each_row(text: str) -> None:
    assert adds(text) == [
        ("add-supplier", "Pune", 8000),
        ("add-warehouse", "Mumbai", 20000),
    ]


def test_a_table_with_from_and_to_columns_links_each_row_one_way() -> None:
    names = ("Pune Supplier", "Mumbai Warehouse", "Delhi Distribution Center")
    result = parse(
        "links:\n| from | to |\n| Mumbai Warehouse | Pune Supplier |\n"
        "| Mumbai Warehouse | Delhi Distribution Center |",
        known_names=names,
    )
    pairs = [(c.params["source"].text, c.params["target"].text) for c in result.commands]
    assert pairs == [
        ("Mumbai Warehouse", "Pune Supplier"),  # as written, even against the tiers
        ("Mumbai Warehouse", "Delhi Distribution Center"),
    ]


def test_a_name_column_names_the_node() -> None:
    result = parse("| Name | Type | City |\n| EU Gateway | warehouse | Rotterdam |\n")
    assert [(c.intent, c.params.get("name")) for c in result.commands] == [
        ("add-warehouse", "EU Gateway")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a | b\nc | d",  # no node, no link: the lines as written
        "Revenue\t2024\t2025\nEMEA\t10\t12",
        "just one line | with a pipe",
    ],
)
def test_what_is_not_a_table_of_nodes_stays_as_written(text: str) -> None:
    assert read_tables(text) == text


def test_emoji_end_a_sentence_and_are_otherwise_dropped() -> None:
    assert adds("hey!! 🚀 can u add a supplier in Shenzhen?? like 5k units/month 😅") == [
        ("add-supplier", "Shenzhen", 5000)
    ]
    assert [
        c.intent for c in parse("awesome 🙌 now a warehouse in LA and connect them!!").commands
    ] == [
        "add-warehouse",
        "connect-nodes",
    ]


def test_dictated_punctuation_splits_like_the_marks() -> None:
    result = parse(
        "also add a distribution centre in berlin comma fifteen thousand units full stop "
        "connect rotterdam warehouse to it",
        known_names=("Rotterdam Warehouse",),
    )
    assert [c.intent for c in result.commands] == ["add-distributor", "connect-nodes"]
    assert result.commands[0].params["capacity"] == 15000


def test_a_period_of_time_is_not_a_full_stop() -> None:
    result = parse("what if the port of Rotterdam closes for a period of two weeks")
    assert [c.intent for c in result.commands] == ["what-if-port-closure"]
    assert result.commands[0].params["duration_hours"] == 14 * 24
