"""Wordings from round 98's first try, a test per wording: a list headed by a kind said short
with its link after it ("sups: katowce 15k, szczecin 9k, both feed the mfg"), "Could you add
both as suppliers and connect them to the plant?" after the sites were described (read as a
question about "both"), the goods said as "our honey" (taken for the plant's name), "plus two
durum wheat suppliers: Foggia with 20,000 and Altamura with 12,000" (three plants), "Growers in
Nakuru (2,500 t) and Eldoret (1,800 t) as suppliers, both delivering to the packhouse.", a
question taken back ("What does Granada supply? No wait, I meant what feeds the Albacete
plant."), a status taken back after its reason ("Mark Badajoz degraded, the harvest is late.
Wait, no, offline."), and the Turkish learner's "..., Istanbul warehouse from is fed"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import USER, kinds, links, nodes, talk

_NAMES = ("Granada Supplier", "Albacete Plant", "Badajoz Supplier", "Istanbul Warehouse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "mfg bydgoszcz 20k/mo. sups: katowce 15k, szczecin 9k, both feed the mfg",
            ["add-manufacturer", "add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "Add a plant in Bari, 30,000 tonnes, plus two durum wheat suppliers: Foggia with "
            "20,000 and Altamura with 12,000.",
            ["add-manufacturer", "add-supplier", "add-supplier"],
        ),
        (
            "What does Granada supply? No wait, I meant what feeds the Albacete plant.",
            ["trace-upstream"],
        ),
        (
            "Ankara in distribution center also please add, 12,000, Istanbul warehouse from is "
            "fed.",
            ["add-distributor", "connect-nodes"],
        ),
    ],
)
def test_round_98_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_each_listed_supplier_keeps_its_size() -> None:
    adds = parse(
        "Add a plant in Bari, 30,000 tonnes, plus two durum wheat suppliers: Foggia with 20,000 "
        "and Altamura with 12,000."
    ).commands
    assert [(c.params["place"].city, c.params["capacity"]) for c in adds] == [
        ("Bari", 30_000),
        ("Foggia", 20_000),
        ("Altamura", 12_000),
    ]


def test_a_status_taken_back_after_its_reason() -> None:
    (update,) = parse(
        "Mark Badajoz degraded, the harvest is late. Wait, no, offline.", known_names=_NAMES
    ).commands
    assert update.params["status"] == "offline"


def test_sites_described_then_added_both(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "We extract and jar all our honey in Hamilton, New Zealand, roughly 8,000 jars a month. "
        "Could you add that as a plant?",
        "Lovely, thank you. Our honey comes from two beekeepers, one in Rotorua (about 3,000 kg a "
        "month) and one in Tauranga (about 2,000 kg). Could you add both as suppliers and connect "
        "them to the plant?",
    )
    assert nodes(engine) == {
        "Hamilton Plant": 8_000,
        "Rotorua Supplier": 3_000,
        "Tauranga Supplier": 2_000,
    }
    assert links(engine) == {
        ("Rotorua Supplier", "Hamilton Plant"),
        ("Tauranga Supplier", "Hamilton Plant"),
    }


def test_growers_listed_as_suppliers(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add our packhouse in Thika as a plant, 4,000 tonnes a month. Growers in Nakuru (2,500 t) "
        "and Eldoret (1,800 t) as suppliers, both delivering to the packhouse.",
    )
    assert nodes(engine) == {
        "Thika Plant": 4_000,
        "Nakuru Supplier": 2_500,
        "Eldoret Supplier": 1_800,
    }
    assert len(links(engine)) == 2
    assert all(n.status == "operational" for n in engine.twin.list_nodes(USER))
