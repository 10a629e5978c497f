"""Wordings from round 103's first try, a test per wording fixed after it: "stores in canberra
n newcastle, both from sydney dc" (a lower-case town after another, "n" for "and", and the
node they come from said without "the"), "Could you add them too, and show that they supply
us?" (the add asked again; "us" is the user's plant), "Could you add it, with the coffee going
there from the roastery?", "two little shops of our own, one in Bath and one in Swansea", a
Brazilian learner's prepositions ("around of 30 thousand", "make the connection with the
factory", "also sending for the factory", "The warehouse not stay in Campinas, stay in
Ribeirão Preto"), "How is its risk score built up?" and "Is it throughput over capacity?"
(how a figure is made), "We grow roses near Nakuru, about 500,000 stems a month. Please add
the farm as a supplier." (the size of the site to add), and "What's the shilling to euro rate
today?" (out of scope). r103-c06 ("fed by that one" after "Connect it to the last warehouse as
well": the warehouse, not "it") is in known_failures.json."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, ends, kinds, links, nodes, talk

_NAMES = ("Sydney Distribution Center", "Bristol Plant", "Franca Plant", "Okazaki Plant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "stores in canberra n newcastle, both from sydney dc",
            ["add-retailer", "add-retailer", "connect-nodes"],
        ),
        (
            "We also have two little shops of our own, one in Bath and one in Swansea.",
            ["add-retailer", "add-retailer"],
        ),
        ("Why is Okazaki Plant flagged? How is its risk score built up?", ["explain"]),
        (
            "How did you compute that utilisation figure? Is it throughput over capacity?",
            ["explain"],
        ),
        (
            "What's the shilling to euro rate today? Anyway, switch our currency to euros.",
            ["out-of-scope", "set-currency"],
        ),
        (
            "So we need more one supplier of leather, in Caxias do Sul, with 10 thousand pieces "
            "for month, also sending for the factory.",
            ["add-supplier", "connect-nodes"],
        ),
        (
            "The leather come from a tannery in Novo Hamburgo, they give us 25 thousand pieces "
            "for month. Please add this supplier and make the connection with the factory.",
            ["add-supplier", "connect-nodes"],
        ),
    ],
)
def test_round_103_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_they_supply_us_after_the_add_asked_again() -> None:
    found = commands(
        "Our green beans come from an importer in London who can send us about 5,000 kg a "
        "month. Could you add them too, and show that they supply us?",
        ("Bristol Plant",),
    )
    assert [c.intent for c in found] == ["add-supplier", "connect-nodes"]
    assert ends(found[1]) == ("it", "plant")


def test_a_learners_size_with_around_of() -> None:
    (add,) = commands(
        "I work in a factory of shoes in Franca. Is possible to put our factory in the "
        "system? We make around of 30 thousand pairs for month."
    )
    assert (add.intent, add.params["capacity"]) == ("add-manufacturer", 30000)


def test_the_size_of_a_site_then_its_add() -> None:
    (add,) = commands(
        "We grow roses near Nakuru, about 500,000 stems a month. Please add the farm as a "
        "supplier. Also could you email our Dutch buyer that the shipment is late?"
    )
    assert add.intent == "add-supplier"
    assert (add.params["place"].city, add.params["capacity"]) == ("Nakuru", 500000)


def test_a_roastery_feeding_the_storage_unit_and_a_learners_move(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "Could you add our roastery in Bristol? It's where we roast the beans, about 2,000 kg "
        "a month. I'm not sure if that counts as a plant or something else.",
        "We keep the roasted coffee in a small storage unit in Cardiff before it goes out, "
        "about 800 kg. I think that would be a warehouse. Could you add it, with the coffee "
        "going there from the roastery?",
    )
    assert links(engine) == {("Bristol Plant", "Cardiff Warehouse")}
    said = talk(
        engine,
        "Sorry, I make a mistake. The warehouse not stay in Cardiff, stay in Newport.",
    )
    assert said == [["add-warehouse"]]
    assert "Newport Warehouse" in nodes(engine)
