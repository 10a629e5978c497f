"""Everyday wordings from round 39's first try (a test per wording): a learner's word order,
asides, fan-in links, pairs of links, typos of the user's own towns, sizes "each", a correction
inside the message, the user's own word for a node, and analyses asked about in passing."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.commands import Act, Command, NodeRef
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.dialogue import DialogueState, aliases_said, with_aliases
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, city, commands, ends, kinds, links, nodes, talk

# --- a learner's English -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We are towel producer, our factory is in Denizli, capacity 50000 piece for month. "
        "Please you add this.",
        "Our factory is in Denizli, 50000 piece for month. Please add also this one.",
    ],
)
def test_a_description_then_please_you_add_this(text: str) -> None:
    found = commands(text)
    assert [(c.intent, city(c), c.params.get("capacity")) for c in found] == [
        ("add-manufacturer", "Denizli", 50000)
    ]


def test_two_suppliers_listed_with_other_one_and_both_of_them_is_sending() -> None:
    found = commands(
        "Cotton yarn we take from two supplier: one in Gaziantep 30 ton for month, other one "
        "in Adana 20 ton. Both of them is sending to factory.",
        ("Denizli Plant",),
    )
    assert [(c.intent, city(c)) for c in found[:2]] == [
        ("add-supplier", "Gaziantep"),
        ("add-supplier", "Adana"),
    ]
    assert [c.intent for c in found[2:]] == ["connect-nodes", "connect-nodes"]


def test_an_aside_between_commas_and_a_type_said_without_article() -> None:
    found = commands(
        "Also we have one warehouse, depo we say, in Izmir near the port, 40000 piece. "
        "Factory is sending there.",
        ("Denizli Plant",),
    )
    assert [(c.intent, city(c), c.params.get("capacity")) for c in found[:1]] == [
        ("add-warehouse", "Izmir", 40000)
    ]
    assert found[1].intent == "connect-nodes"
    assert ends(found[1]) == ("plant", "it")


def test_a_flow_to_a_kind_of_node_the_user_lacks_adds_it() -> None:
    found = commands(
        "Izmir is sending to distribution center of our customer in Hamburg, 25000 piece. "
        "Please add also this one.",
        ("Denizli Plant", "Izmir Warehouse"),
    )
    assert [(c.intent, city(c)) for c in found] == [
        ("add-distributor", "Hamburg"),
        ("connect-nodes", None),
    ]


@pytest.mark.parametrize(
    "text", ["Tamam, teşekkür ederim, very helpful.", "Tamam, thanks, very helpful."]
)
def test_ok_and_thanks_in_another_language_is_small_talk(text: str) -> None:
    assert kinds(text) == ["smalltalk"]


# --- terse operations shorthand -----------------------------------------------------------


def test_a_bare_node_then_who_feeds_it_links_in_that_direction() -> None:
    found = commands("plant in regina 8k, winnipeg feeds it", ("Winnipeg Supplier",))
    assert [c.intent for c in found] == ["add-manufacturer", "connect-nodes"]
    assert ends(found[1]) == ("winnipeg", "it")


def test_two_nodes_joined_by_a_plus_are_two_adds() -> None:
    found = commands("wh calgry + dc in saskatoon 5k")
    assert [(c.intent, city(c)) for c in found] == [
        ("add-warehouse", "Calgary"),
        ("add-distributor", "Saskatoon"),
    ]


def test_an_arrow_chain_against_the_words_with_a_typo_of_a_users_town() -> None:
    names = ("Regina Plant", "Calgary Warehouse", "Saskatoon Distribution Center")
    found = commands("regina->calgry->saskatoon", names)
    assert [tuple(e.casefold() for e in ends(c)) for c in found] == [
        ("regina", "calgary"),
        ("calgary", "saskatoon"),
    ]


@pytest.mark.parametrize("word", ["warehouses", "supplies", "leads"])
def test_words_of_ours_are_not_taken_for_a_misspelt_town(word: str) -> None:
    names = ("Leeds Warehouse", "Brno Supplier")
    text = f"{word} {word}"
    assert parse(text, known_names=names) == parse(text)


def test_what_if_a_supplier_dies_for_two_weeks() -> None:
    found = commands("what if winnipeg sup dies for 2wks?", ("Winnipeg Supplier",))
    assert [c.intent for c in found] == ["what-if-supplier-failure"]
    assert found[0].params["duration_hours"] == 336


def test_what_would_it_cost_us_if_a_supplier_stopped() -> None:
    found = commands(
        "What would it cost us if Katowice stopped delivering for three weeks?",
        ("Katowice Supplier", "Brno Supplier"),
    )
    assert [c.intent for c in found] == ["what-if-supplier-failure"]


# --- links said in lists and pairs ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ship from Sheffield and Waterford to Galway Plant",
        "connect Sheffield and Waterford to Galway Plant",
    ],
)
def test_two_sources_to_one_node_are_two_links(text: str) -> None:
    names = ("Sheffield Supplier", "Waterford Supplier", "Galway Plant")
    assert [ends(c) for c in commands(text, names)] == [
        ("Sheffield", "Galway Plant"),
        ("Waterford", "Galway Plant"),
    ]


def test_connect_two_nodes_alone_is_still_one_link() -> None:
    names = ("Sheffield Supplier", "Waterford Supplier")
    assert [ends(c) for c in commands("connect Sheffield and Waterford", names)] == [
        ("Sheffield", "Waterford")
    ]


def test_a_new_plant_fed_by_two_suppliers() -> None:
    names = ("Sheffield Supplier", "Waterford Supplier", "Limerick Warehouse")
    found = commands(
        "add a second plant in Cork, 4,000 units, fed by Sheffield and Waterford, shipping to "
        "Limerick.",
        names,
    )
    assert [c.intent for c in found] == ["add-manufacturer", *["connect-nodes"] * 3]


def test_two_pairs_through_the_plant_are_two_links(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "add a supplier in Lille",
        "add a plant in Rouen",
        "add a warehouse in Rennes",
        "OK, now connect Lille to the plant, and the plant to Rennes.",
    )
    assert said[-1] == ["connect-nodes", "connect-nodes"]
    assert links(engine) == {
        ("Lille Supplier", "Rouen Plant"),
        ("Rouen Plant", "Rennes Warehouse"),
    }


def test_a_link_said_as_a_noun_beside_an_add(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "add a plant in Dundee",
        "We also keep stock in a warehouse in Glasgow. Could you add that too, with a link "
        "from the plant?",
    )
    assert said[-1] == ["add-warehouse", "connect-nodes"]
    assert links(engine) == {("Dundee Plant", "Glasgow Warehouse")}


# --- sizes, settings and filters -----------------------------------------------------------


def test_one_size_for_several_places_each() -> None:
    found = commands("Warehouses in Guadalajara and Puebla, 15,000 each")
    assert [(city(c), c.params.get("capacity")) for c in found] == [
        ("Guadalajara", 15000),
        ("Puebla", 15000),
    ]


def test_a_region_bullet_after_a_node_is_the_networks_region() -> None:
    text = "Next batch:\n- store in Toluca, 3k\n- region: Latin America\n- currency: MXN"
    assert kinds(text) == ["add-retailer", "set-region", "set-currency"]


@pytest.mark.parametrize(
    "text",
    [
        "Which sites are degraded or worse?",
        "Which sites are degraded or offline?",
        "list nodes that are not operational",
    ],
)
def test_every_node_in_trouble(text: str) -> None:
    found = commands(text, ("Rosario Plant",))
    assert [(c.intent, c.params) for c in found] == [("list-nodes", {"not_status": "operational"})]


@pytest.mark.parametrize("text", ["Re-run the risk scan.", "run a risk check"])
def test_a_risk_scan_is_the_risk_analysis(text: str) -> None:
    assert kinds(text) == ["identify-risks"]


def test_a_reason_that_points_back_is_not_a_second_analysis() -> None:
    text = (
        "Where are we most exposed if something breaks? I need to put a number on it for the "
        "risk register."
    )
    assert kinds(text, ("Brno Supplier",)) == ["identify-risks"]


# --- dialogue ------------------------------------------------------------------------------


def test_a_correction_in_the_same_message_changes_the_request(
    engine: SupplyChainEngine,
) -> None:
    said = talk(engine, "Add a supplier in Lyon, 10,000 units. No wait, not Lyon, Lille.")
    assert said == [["add-supplier"]]
    assert nodes(engine) == {"Lille Supplier": 10000}


def test_compare_those_two_and_which_hurts_more_is_one_comparison(
    engine: SupplyChainEngine,
) -> None:
    said = talk(
        engine,
        "add a supplier in Nagoya",
        "add a plant in Toyota",
        "connect Nagoya to Toyota",
        "what if Nagoya Supplier fails for a week",
        "what if demand jumps 20% in Asia for a month",
        "Compare those two. Which one hurts more?",
    )
    assert said[-1] == ["compare-simulations"]


def test_is_there_one_after_a_term_was_explained(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "add a supplier in Aberdeen",
        "What does 'bottleneck' actually mean here?",
        "That makes sense. Is there one in our network at the moment?",
    )
    assert said[1] == ["help"]
    assert said[2] == ["find-bottlenecks"]


def test_the_users_own_word_for_a_node_names_it(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "Would it be all right to add our bakery in Dundee as a plant?",
        "Could you please add a supplier in Aberdeen too?",
        "Would you mind connecting the Aberdeen supplier to the bakery as well?",
    )
    assert said[-1] == ["connect-nodes"]
    assert links(engine) == {("Aberdeen Supplier", "Dundee Plant")}
    state = DialogueState.from_json(engine.twin.get_dialogue(USER, "c1"))
    assert state.aliases == {"bakery": "Dundee Plant"}


def test_aliases_leave_type_words_generic_words_and_new_places_alone() -> None:
    message = "add our plant in Dundee, our site in Dundee and our bakery in Dundee"
    assert aliases_said(message, "Dundee", "Dundee Plant") == {"bakery": "Dundee Plant"}
    aliases = {"bakery": "Dundee Plant"}
    assert with_aliases("connect it to the bakery", aliases, {"Dundee Plant"}) == (
        "connect it to Dundee Plant"
    )
    # a bakery somewhere else is a new one; a removed node is no longer meant
    assert with_aliases("add the bakery in Perth", aliases, {"Dundee Plant"}) == (
        "add the bakery in Perth"
    )
    assert with_aliases("the bakery", aliases, set()) == "the bakery"


# --- wordings tried by hand before round 40's first try ------------------------------------


def test_both_after_two_adds_and_a_third_are_the_two_not_the_target(
    engine: SupplyChainEngine,
) -> None:
    said = talk(
        engine,
        "add suppliers in Pune and Chennai, 5k each",
        "add a plant in Bangalore 20k",
        "both supply the plant",
    )
    assert said[-1] == ["connect-nodes", "connect-nodes"]
    assert links(engine) == {
        ("Pune Supplier", "Bangalore Plant"),
        ("Chennai Supplier", "Bangalore Plant"),
    }


@pytest.mark.parametrize(
    ("text", "moved", "town"),
    [
        ("the second supplier is actually in Coimbatore", "Chennai Supplier", "Coimbatore"),
        ("the first supplier should actually be in Nashik", "Pune Supplier", "Nashik"),
        ("sorry, the plant is actually in Mysore", "Bangalore Plant", "Mysuru"),
    ],
)
def test_a_node_said_to_be_elsewhere_is_moved(
    engine: SupplyChainEngine, text: str, moved: str, town: str
) -> None:
    talk(engine, "add suppliers in Pune and Chennai", "add a plant in Bangalore")
    assert talk(engine, text) == [["update-node"]]
    where = {n.name: n.location.city for n in engine.twin.list_nodes(USER)}
    assert where[moved] == town


@pytest.mark.parametrize(
    "text",
    [
        "what's the cheapest way to add redundancy?",
        "how do we add redundancy",
        "how can we reduce our risk?",
    ],
)
def test_asking_how_to_lower_risk_is_a_recommendation(text: str) -> None:
    assert kinds(text, ("Brno Supplier",)) == ["recommend"]


def test_how_to_do_something_with_the_tool_is_still_help() -> None:
    assert kinds("how do I add a supplier?") == ["help"]


def test_how_much_of_it_is_in_a_country() -> None:
    found = commands(
        "What's our total capacity across all sites, and how much of it is in Germany?",
        ("Brno Supplier", "Bielefeld Plant"),
    )
    assert [c.intent for c in found] == ["list-nodes", "list-nodes"]
    assert getattr(found[1].params["place"], "country", None) == "Germany"


def test_a_removal_of_a_node_without_links_says_so(engine: SupplyChainEngine) -> None:
    engine.run_turn(EngineRequest(USER, "c1", "add a warehouse in Rotterdam", ()))
    outcome = engine.run_turn(EngineRequest(USER, "c1", "remove the last one I added", ()))
    assert outcome.text == "Remove **Rotterdam Warehouse** (it has no links)? (yes/no)"


# --- after round 40's first try ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "towns"),
    [
        ("wh madird 15k, fed from zaragoza", ["Madrid"]),
        ("2 stores: barcelna + bilbao, both from madrid", ["Barcelona", "Bilbao"]),
    ],
)
def test_a_town_misspelt_after_a_node_type(text: str, towns: list[str]) -> None:
    found = commands(text, ("Zaragoza Plant", "Madrid Warehouse"))
    assert [city(c) for c in found if c.intent.startswith("add-")] == towns


def test_a_verb_after_a_node_type_is_no_town() -> None:
    found = commands(
        "The second warehouse feeds a new DC in Manchester, 5,000 crates.",
        ("Hull Warehouse", "Liverpool Warehouse"),
    )
    assert [(c.intent, city(c), c.params.get("capacity")) for c in found] == [
        ("add-distributor", "Manchester", 5000),
        ("connect-nodes", None, None),
    ]
    source = found[1].params["source"]
    assert isinstance(source, NodeRef) and (source.kind, source.text) == ("ordinal", "2")


def test_settings_said_without_a_verb() -> None:
    assert kinds("currncy eur, risk med. thx") == [
        "set-currency",
        "set-risk-profile",
        "smalltalk",
    ]
    assert commands("set risk med")[0].params == {"level": "medium"}


@pytest.mark.parametrize(
    "text",
    [
        "Ahead of the board pack: what's our total warehouse capacity?",
        "For the board pack: what's our total warehouse capacity?",
    ],
)
def test_what_a_question_is_for_is_no_request(text: str) -> None:
    assert kinds(text, ("Hull Warehouse",)) == ["list-nodes"]


def test_what_can_you_actually_do_is_help(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "Hello! I've just been given access to this. Sorry if it's a silly question, but what "
        "can you actually do?",
    )
    assert said == [["help"]]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Could you possibly order more malt from the Cork supplier for me?", "place orders"),
        ("What's the going price for dried apricots in Hamburg these days?", "look up prices"),
        ("how much does shipping to Hamburg cost?", "track lead times"),
    ],
)
def test_buying_and_prices_are_out_of_scope(text: str, topic: str) -> None:
    steps = parse(text, known_names=("Cork Supplier", "Hamburg Distribution Center")).steps
    assert len(steps) == 1
    assert getattr(steps[0], "kind", "") == "out-of-scope"
    assert getattr(steps[0], "topic", "").startswith(topic)


def test_buying_from_a_supplier_said_as_a_fact_is_no_order() -> None:
    assert "out-of-scope" not in kinds("we order our malt from a supplier in Cork")
    assert kinds("show prices in yen") == ["set-currency"]


def test_no_worries_is_courtesy_not_a_risk_question() -> None:
    assert kinds("No worries!") == ["smalltalk"]
    assert kinds(
        "No worries. Could you give me an overview of what I've got so far?", ("Cork Supplier",)
    ) == ["smalltalk", "get-network-summary"]


def test_from_where_arrive_the_goods_is_upstream() -> None:
    found = commands(
        "Is possible to see from where arrive the goods of Verona warehouse? All the chain, "
        "until the clay.",
        ("Verona Warehouse", "Modena Plant"),
    )
    assert [c.intent for c in found] == ["trace-upstream"]


def test_add_it_like_plant_keeps_the_size_said_before() -> None:
    found = commands(
        "Buongiorno! We are producer of ceramic tiles, the factory is in Modena, capacity 50000 "
        "square meter for month. Please you add it like plant."
    )
    assert [(c.intent, city(c), c.params.get("capacity")) for c in found] == [
        ("add-manufacturer", "Modena", 50000)
    ]


def test_a_size_after_a_statement_stays_with_the_node_it_names() -> None:
    found = commands("add our factory in Braga, we produce shoes there, capacity 5,000")
    assert [(city(c), c.params.get("capacity")) for c in found] == [("Braga", 5000)]


def test_a_node_back_to_operational_in_a_list() -> None:
    text = "Last items:\n- rename Sacramento Plant to Valley Works\n- Fresno back to operational"
    found = commands(text, ("Fresno Warehouse", "Sacramento Plant"))
    assert [c.intent for c in found] == ["rename-node", "update-node"]
    assert found[1].params["status"] == "operational"
    assert kinds("We are back to normal") != ["update-node"]


# --- positions and values said of nodes pointed at (tried by hand before round 41) ---------


def test_positions_among_the_nodes_just_listed(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "add a supplier in Hamburg",
        "add warehouses in Leeds, York and Hull",
        "the second one should be 25k",
        "connect the first and the last",
        "the last two go offline",
    )
    assert said[2:] == [["update-node"], ["connect-nodes"], ["confirmation"]]
    assert nodes(engine)["York Warehouse"] == 25000
    assert links(engine) == {("Leeds Warehouse", "Hull Warehouse")}
    assert talk(engine, "yes") == [["update-node", "update-node"]]
    status = {n.name: n.status for n in engine.twin.list_nodes(USER)}
    assert status == {
        "Hamburg Supplier": "operational",
        "Leeds Warehouse": "operational",
        "York Warehouse": "offline",
        "Hull Warehouse": "offline",
    }


def test_compare_the_first_and_the_third_is_still_about_runs() -> None:
    assert kinds("Compare the first and the third.", ("Leeds Warehouse",)) != ["compare-nodes"]


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("the Lyon plant should be 30000", {"capacity": 30000}),
        ("it should be 12k units", {"capacity": 12000}),
        ("mark the last two warehouses offline", {"status": "offline"}),
    ],
)
def test_a_value_said_of_a_node_pointed_at(text: str, params: dict[str, object]) -> None:
    found = commands(text, ("Lyon Plant", "Leeds Warehouse", "York Warehouse"))
    assert [c.intent for c in found] == ["update-node"]
    assert {k: v for k, v in found[0].params.items() if k != "node"} == params


# --- after round 41's first try ------------------------------------------------------------


def test_a_type_town_and_size_after_a_comma_is_another_add() -> None:
    found = commands("add sup lublin 20k, plant bydgoszcz 14k")
    assert [(c.intent, city(c), c.params.get("capacity")) for c in found] == [
        ("add-supplier", "Lublin", 20000),
        ("add-manufacturer", "Bydgoszcz", 14000),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "add 5,000 units to the plant's capacity",
        "The board approved the Brisbane expansion: add 5,000 units to the plant's capacity.",
        "increase the plant's capacity by 5,000",
        "give the plant 5,000 more",
    ],
)
def test_more_capacity_for_the_one_plant(text: str) -> None:
    found = commands(text, ("Brisbane Plant", "Sydney Warehouse"))
    assert [c.intent for c in found] == ["update-node"]
    assert found[0].params["capacity_delta"] == 5000
    assert "capacity" not in found[0].params  # it once set the capacity to 5,000


def test_adding_nodes_to_the_network_is_still_adding() -> None:
    found = commands("add 3 stores to the network in Leeds")
    assert [(c.intent, city(c)) for c in found] == [("add-retailer", "Leeds")] * 3


def test_a_report_of_a_plant_down_then_mark_it_offline() -> None:
    found = commands(
        "We had a press line failure at Bratislava this morning, the whole plant is down. "
        "Mark it offline.",
        ("Bratislava Plant", "Prague Plant"),
    )
    assert [(c.intent, c.params.get("status")) for c in found] == [("update-node", "offline")]


def test_how_hard_are_we_running_is_utilisation() -> None:
    text = "How hard are we running the plant and the warehouses right now?"
    assert kinds(text, ("Brisbane Plant",)) == ["calculate-utilization"]
    assert kinds(
        "Bergen is running hot at 88%. Raise its capacity by 1,500 units.", ("Bergen Plant",)
    ) == ["update-node"]


def test_stack_up_against_is_a_comparison() -> None:
    found = commands(
        "How does that one stack up against the first warehouse?", ("Dayton Warehouse",)
    )
    assert [c.intent for c in found] == ["compare-nodes"]


def test_top_ups_are_not_a_carrier() -> None:
    assert kinds("Both should also get top-ups from Dayton.", ("Dayton Warehouse",)) == [
        "connect-nodes"
    ]
    assert kinds("get me a quote from UPS") == ["out-of-scope"]


def test_both_after_a_fan_out_are_the_two_of_one_kind(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "add warehouses in Columbus and Dayton",
        "We're opening two new stores: Lexington, 1,500 units, and Louisville, 2,500. Both "
        "stocked from Columbus.",
        "Both should also get top-ups from Dayton.",
    )
    assert said[-1] == ["connect-nodes", "connect-nodes"]
    assert {link for link in links(engine) if link[0] == "Dayton Warehouse"} == {
        ("Dayton Warehouse", "Lexington Store"),
        ("Dayton Warehouse", "Louisville Store"),
    }


def test_take_it_up_to_and_mark_another_node() -> None:
    found = commands(
        "Fine, take Suwon up to 16,000 units and mark Daegu operational again, they fixed the "
        "line.",
        ("Suwon Plant", "Daegu Supplier"),
    )
    assert [(c.intent, c.params.get("capacity"), c.params.get("status")) for c in found] == [
        ("update-node", 16000, None),
        ("update-node", None, "operational"),
    ]


def test_a_size_taken_back_after_the_link_corrects_the_add(engine: SupplyChainEngine) -> None:
    talk(engine, "add a plant in Bielefeld")
    said = talk(
        engine, "Warehouse in Kassel, 8,000 bikes, fed from the plant. Make that 7,000 actually."
    )
    assert said == [["add-warehouse", "connect-nodes"]]
    assert nodes(engine)["Kassel Warehouse"] == 7000


def test_not_x_dash_y_corrects_the_add(engine: SupplyChainEngine) -> None:
    talk(engine, "add a warehouse in Kassel", "Next a DC in Leipzig, 4,000, fed from Kassel.")
    assert talk(engine, "no wait, not Leipzig - Dresden.") == [["add-distributor"]]
    assert "Dresden Distribution Center" in nodes(engine)
    assert "Leipzig Distribution Center" not in nodes(engine)


def test_rerun_a_named_scenario_with_another_duration(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "add a plant in Zhongshan",
        "add a warehouse in Shenzhen",
        "connect Zhongshan to Shenzhen",
        "what if the port of Shenzhen closes for 10 days",
        "what if demand jumps 15% in Asia for 3 weeks",
    )
    said = talk(engine, "Rerun the Shenzhen scenario with 20 days instead.")
    assert said == [["what-if-port-closure"]]


def test_a_learners_what_is_happening_when_with_and() -> None:
    found = commands(
        "What is happening when the farmer in Zwolle has bad harvest and give nothing for three "
        "weeks?",
        ("Zwolle Supplier",),
    )
    assert [(c.intent, c.params.get("duration_hours")) for c in found] == [
        ("what-if-supplier-failure", 504)
    ]


def test_a_learners_description_then_add_him_also() -> None:
    found = commands(
        "The potatoes we are getting from a farmer in Zwolle, he has 80000 kg in the month. Add "
        "him also and connect to Venlo.",
        ("Venlo Plant",),
    )
    assert [(c.intent, city(c), c.params.get("capacity")) for c in found] == [
        ("add-supplier", "Zwolle", 80000),
        ("connect-nodes", None, None),
    ]


def test_please_add_also_after_a_description_and_its_link() -> None:
    found = commands(
        "Then there is a warehouse in Utrecht, 20000 bags, Venlo is sending to there. Please add "
        "also.",
        ("Venlo Plant",),
    )
    assert [(c.intent, city(c)) for c in found] == [
        ("add-warehouse", "Utrecht"),
        ("connect-nodes", None),
    ]


def test_a_word_said_again_in_english() -> None:
    found = commands("Also two winkels, I mean stores, in Groningen and Eindhoven.")
    assert [(c.intent, city(c)) for c in found] == [
        ("add-retailer", "Groningen"),
        ("add-retailer", "Eindhoven"),
    ]


def test_both_suppliers_of_a_pasted_plan() -> None:
    found = commands(
        "1. Add a supplier in Madurai, 6,000 kg/month\n2. Add a supplier in Coimbatore, 4,500 "
        "kg/month\n3. Add our processing plant in Kochi, 9,000 kg/month\n4. Both suppliers ship "
        "to Kochi"
    )
    links_said = [c for c in found if c.intent == "connect-nodes"]
    assert [end[0] for end in map(ends, links_said)] == [
        "Madurai Supplier",
        "Coimbatore Supplier",
    ]


# --- whole conversations tried by hand before round 42 -------------------------------------


def test_a_coffee_roaster_describes_the_network(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "hi, we roast coffee in Lisbon, roughly 3 tonnes a week. can you set that up as our plant?",
        "beans come in from two importers, one in Porto (10 t) and one in Madrid (6 t), both "
        "ship to Lisbon",
        "we also have a warehouse in Setubal with room for 20 t, the roastery sends everything "
        "there",
        "and 3 cafés in Faro, Braga and Coimbra, each can take 1 t, all fed from Setubal",
        "actually the Madrid importer is more like 8 t",
    )
    assert said[0] == ["add-manufacturer"]
    assert said[4] == ["update-node"]
    assert nodes(engine) == {
        "Lisbon Plant": 3,
        "Porto Supplier": 10,
        "Madrid Supplier": 8,
        "Setúbal Warehouse": 20,
        "Faro Store": 1,
        "Braga Store": 1,
        "Coimbra Store": 1,
    }
    assert len(links(engine)) == 6


def test_a_brewer_in_a_learners_english(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "Hallo, we are a brewery in Pilsen, we brew 50 000 hl per year. Please make a plant for "
        "us.",
        "The malt is coming from Brno, from a malting with 20 000 tonnes.",
        "The warehouse in Prague we call now 'Praha Hub'.",
    )
    assert said[0] == ["add-manufacturer"] and said[1][0] == "add-supplier"
    assert nodes(engine) == {"Pilsen Plant": 50000, "Brno Supplier": 20000}
    engine.run_turn(EngineRequest(USER, "c1", "add a warehouse in Prague", ()))
    assert talk(engine, "The warehouse in Prague we call now 'Praha Hub'.") == [["rename-node"]]
    assert "Praha Hub" in nodes(engine)


# --- after round 42's first try ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("Add suppliers in Nakuru (25,000 kg) and Eldoret (20,000 kg)", [25000, 20000]),
        (
            "Add three warehouses for us: Calgary 30,000, Edmonton 22,000 and Winnipeg 18,000 "
            "units.",
            [30000, 22000, 18000],
        ),
        ("Distribution centres in Sydney (30k) and Los Angeles (40k)", [30000, 40000]),
    ],
)
def test_each_place_keeps_its_own_size(text: str, sizes: list[int]) -> None:
    # "(25,000 kg)" was read as 25 million (the k of kg as a thousand)
    assert [c.params.get("capacity") for c in commands(text)] == sizes


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "add 2nd sup saltillo 6k, ships to san antonio too",
            ("Monterrey Plant", "San Antonio Warehouse"),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Bom dia! I am working in a shoes factory in Franca, we make around 30 thousand "
            "pairs for month. Please you can put the factory in the system?",
            (),
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "The leather is coming from a tannery in Novo Hamburgo, 40 thousand for month also. "
            "Is a supplier, and he sends to the factory.",
            ("Franca Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Now we have one warehouse in São Paulo for the finished shoes, capacity 25 "
            "thousand. The factory send everything there.",
            ("Franca Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Also two stores, one in Rio de Janeiro and one in Belo Horizonte, each one 5 "
            "thousand pairs. Both receive from the warehouse of São Paulo.",
            ("Franca Plant", "São Paulo Warehouse"),
            ["add-retailer", "add-retailer", "connect-nodes"],
        ),
        (
            "We also sell through an importer's DC in Rotterdam, 12,000 boxes, supplied from "
            "Callao. Add that.",
            ("Callao Warehouse",),
            ["add-distributor", "connect-nodes"],
        ),
        (
            "Add a cold-store warehouse in Callao, 15,000 boxes, fed from the Trujillo plant.",
            ("Trujillo Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Adjustments:\n1. Nakuru capacity up to 30,000\n2. Mark Eldoret degraded (road works "
            "on the highway)\n3. Simulate Mombasa port closed for 5 days",
            ("Nakuru Supplier", "Eldoret Supplier", "Mombasa Warehouse"),
            ["update-node", "update-node", "what-if-port-closure"],
        ),
        (
            "- distribution centre in Dar es Salaam, 12,000 kg, also from Mombasa",
            ("Mombasa Warehouse",),
            ["add-distributor", "connect-nodes"],
        ),
    ],
)
def test_round_42_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_second_one_should_be_actually(engine: SupplyChainEngine) -> None:
    talk(engine, "Add three warehouses for us: Calgary 30,000, Edmonton 22,000 and Winnipeg 18,000")
    assert talk(engine, "The second one should be 25,000 actually.") == [["update-node"]]
    assert nodes(engine)["Edmonton Warehouse"] == 25000


def test_the_tannery_is_the_supplier_added_as_a_tannery(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "add a plant in Franca",
        "The leather is coming from a tannery in Novo Hamburgo, 40 thousand a month. Is a "
        "supplier, and he sends to the factory.",
    )
    said = talk(
        engine, "What happen if the tannery stop to deliver for two weeks? Is much problem?"
    )
    assert said == [["what-if-supplier-failure"]]


def test_now_just_the_plants_narrows_the_list(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "add a plant in Lyon",
        "add a warehouse in Lille",
        "list all my nodes",
        "Now just the plants.",
    )
    assert said[-1] == ["list-nodes"]


# --- after round 43's first try ------------------------------------------------------------


def test_the_mill_in_a_town_is_the_users_node_there_whatever_its_type(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a supplier in Altamura", "add a plant in Parma")
    said = talk(
        engine,
        "Mamma mia, the mill in Altamura have problem with one machine, is working only half. "
        "Put it degraded please.",
    )
    assert said == [["update-node"]]  # it added a plant in Altamura
    status = {n.name: n.status for n in engine.twin.list_nodes(USER)}
    assert status == {"Altamura Supplier": "degraded", "Parma Plant": "operational"}


def test_a_shop_in_a_town_without_nodes_is_never_another_node(engine: SupplyChainEngine) -> None:
    talk(engine, "add a plant in Leeds")
    said = talk(engine, "The Wakefield shop is closing in March, so remove it.")
    assert said == [["remove-node"]]
    assert nodes(engine) == {"Leeds Plant": 8000}


def test_add_that_as_well_is_not_a_well(engine: SupplyChainEngine) -> None:
    talk(engine, "add a plant in Odense")
    said = talk(
        engine,
        "I see, thank you. We also have a warehouse in Aarhus for the bottled juice, about "
        "8,000 crates. Could you add that as well, supplied from the Odense plant?",
    )
    assert said == [["add-warehouse", "connect-nodes"]]
    assert links(engine) == {("Odense Plant", "Aarhus Warehouse")}


def test_the_factory_send_all_the_pasta_there() -> None:
    found = commands(
        "After, we have warehouse in Bologna, 12000 boxes. The factory send all the pasta there.",
        ("Parma Plant",),
    )
    assert [c.intent for c in found] == ["add-warehouse", "connect-nodes"]


def test_take_that_one_off_removes(engine: SupplyChainEngine) -> None:
    talk(engine, "add a warehouse in Perth", "add a store in Adelaide")
    said = talk(engine, "We've decided against Adelaide for now, so please take that one off.")
    assert said == [["confirmation"]]
    assert talk(engine, "yes") == [["remove-node"]]
    assert nodes(engine) == {"Perth Warehouse": 20000}


def test_we_invoice_in_dollars_sets_the_currency() -> None:
    text = "We invoice in US dollars, please set the currency to that. Thanks for the help!"
    assert kinds(text, ("Perth Warehouse",)) == ["set-currency", "smalltalk"]
    assert kinds("can you send the invoice to our customer?")[0] == "out-of-scope"


# --- after round 44's first try ------------------------------------------------------------


def test_the_town_and_kind_of_a_node_is_a_description_so_removal_asks(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a plant in Ulm", "add a warehouse in Rotterdam")
    assert talk(engine, "Remove the Ulm plant.") == [["confirmation"]]  # it removed at once
    assert talk(engine, "No, wait, don't. Leave it in.") == [["cancelled"]]
    assert talk(engine, "remove Rotterdam Warehouse") == [["remove-node"]]  # the name itself
    assert nodes(engine) == {"Ulm Plant": 8000}


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "OK, now connect Regensburg to the plant, and the plant to the Mannheim warehouse.",
            ("Regensburg Supplier", "Ulm Plant", "Mannheim Warehouse"),
            ["connect-nodes", "connect-nodes"],
        ),
        (
            "Dzien dobry! I am working in furniture company, we are making sofas in Bydgoszcz, "
            "around 8000 pieces per month. Please add this factory.",
            (),
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "Is anything degraded or down right now?",
            ("Lisbon Warehouse",),
            ["list-nodes"],
        ),
        (
            "The frozen fries then go to a cold store in Antwerp, about 20,000 tonnes. Could "
            "that go in as a warehouse, supplied by the factory?",
            ("Kortrijk Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        ("What have we got in Portugal?", ("Lisbon Warehouse",), ["list-nodes"]),
        ("give me the overview", ("Lisbon Warehouse",), ["get-network-summary"]),
    ],
)
def test_round_44_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a remark after a question says what matters; it is not a request of its own
        (
            "How loaded are our sites right now? The plant especially.",
            (),
            ["calculate-utilization"],
        ),
        ("How loaded are our sites? Especially the plant.", (), ["calculate-utilization"]),
        (
            "Is Gdynia warehouse okay? I am little bit worried about it.",
            ("Gdynia Warehouse",),
            ["get-node-details"],
        ),
        # said alone, the worry asks for the node's risks
        ("I'm a bit worried about Gdynia Warehouse", ("Gdynia Warehouse",), ["identify-risks"]),
        # a description read by the add that follows is not also asked about as a link
        (
            "The foam we buy from supplier in Lublin, 20000 units per month. Add him also and "
            "connect with factory.",
            ("Poznan Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        # the purpose after a request is why it is made
        (
            "Add a second supplier in Port Harcourt, 20,000 units, shipping to the Ibadan plant, "
            "so it isn't single-sourced any more.",
            ("Ibadan Plant", "Lagos Supplier"),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "connect Lagos Supplier to Ibadan Plant, so that we have a backup",
            ("Ibadan Plant", "Lagos Supplier"),
            ["connect-nodes"],
        ),
        # ... while a request after "so" is still one
        ("Lagos is down, so add a supplier in Abuja", ("Lagos Supplier",), ["add-supplier"]),
    ],
)
def test_round_44_remarks_and_purposes(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert kinds(text, names) == expected


def test_a_town_said_beside_a_bare_kind_picks_among_several(engine: SupplyChainEngine) -> None:
    talk(engine, "add warehouses in Madrid and Lisbon", "mark the Lisbon warehouse degraded")
    said = talk(engine, "The roof repair in Lisbon is done, set the warehouse back to operational.")
    assert said == [["update-node"]]
    statuses = {n.name: n.status for n in engine.twin.list_nodes(USER)}
    assert statuses == {"Madrid Warehouse": "operational", "Lisbon Warehouse": "operational"}
    # with no town beside it, "the warehouse" still asks which one
    assert talk(engine, "set the warehouse to degraded") == [["clarification"]]


@pytest.mark.parametrize(
    "text",
    [
        "Can you list all the nodes so I can tick them off against my sheet?",
        "Can you list all the nodes?",
        "could you please list all nodes",
    ],
)
def test_a_list_asked_politely_or_with_a_purpose_lists(text: str) -> None:
    assert kinds(text, ("Winnipeg Warehouse",)) == ["list-nodes"]


def test_a_size_said_each_after_the_last_add_is_every_ones(engine: SupplyChainEngine) -> None:
    talk(engine, "add a warehouse in Winnipeg")
    said = talk(
        engine,
        "Add a store in Regina and one in Saskatoon, 4,000 units each; both get their stock "
        "from the Winnipeg one.",
    )
    assert said == [["add-retailer", "add-retailer", "connect-nodes", "connect-nodes"]]
    sizes = nodes(engine)
    assert (sizes["Regina Store"], sizes["Saskatoon Store"]) == (4000, 4000)
    # a size said for one of them stays its own
    talk(engine, "add a store in Kamloops, 2k, and one in Kelowna, 3,000 units each")
    sizes = nodes(engine)
    assert (sizes["Kamloops Store"], sizes["Kelowna Store"]) == (2000, 3000)


# --- after round 45's first try ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a town with a typo in a list after a type word, each with its size
        (
            "2 dcs: toronto 15k, montrael 10k. both from winnipeg wh",
            ("Winnipeg Warehouse",),
            ["add-distributor", "add-distributor", "connect-nodes", "connect-nodes"],
        ),
        ("curr cad pls. thx", (), ["set-currency", "smalltalk"]),
        ("ccy: eur", (), ["set-currency"]),
        # "current" is no currency
        ("ok and a store in swift current, 1500 tonnes", (), ["add-retailer"]),
        # a lead that only announces the questions
        (
            "Morning. For the board pack I need two numbers: our total warehouse capacity, "
            "and how many suppliers we depend on.",
            ("Leeds Warehouse", "York Supplier"),
            ["list-nodes", "list-nodes"],
        ),
        # a counted list "of our own", put in, and a causative flow
        (
            "We also sell through two shops of our own, one in Bath and one in Cardiff. Could "
            "you put those in, and have them both get their tea from Bristol?",
            ("Bristol Plant",),
            ["add-retailer", "add-retailer", "connect-nodes"],
        ),
        # a learner's "like a plant" for the site just described
        (
            "Hello, I am working in a towel factory in Bursa, we produce around 50.000 towels "
            "in month. Please add our factory like a plant.",
            (),
            ["add-manufacturer"],
        ),
        # a learner's counted list: "one is in ..., other one is in ..."
        (
            "The cotton is coming from two supplier, one is in Denizli with 30.000 kg, other "
            "one is in Adana with 20.000 kg. Both of them are sending to the factory.",
            ("Bursa Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        # the market explains the currency; it does not set the region
        (
            "Please make the currency euro, we sell mostly to Germany. Thank you very much!",
            (),
            ["set-currency", "smalltalk"],
        ),
        ("we're an electronics maker based in Asia", (), ["set-industry", "set-region"]),
        # "Have X supply Y", then the new plant's own flow after "and"
        (
            "Have Monterrey supply the new plant too, and the new plant should ship to the "
            "first warehouse.",
            ("Monterrey Supplier", "Aguascalientes Plant", "Guadalajara Warehouse"),
            ["connect-nodes", "connect-nodes"],
        ),
        # a stop said with how long it lasts is a case to play out, not a status
        (
            "Milder case: Busan down for just one week?",
            ("Busan Supplier",),
            ["what-if-supplier-failure"],
        ),
        ("Busan down for a week", ("Busan Supplier",), ["what-if-supplier-failure"]),
        ("mark Busan down", ("Busan Supplier",), ["update-node"]),
    ],
)
def test_round_45_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_learners_correction_names_the_wrong_town_first(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "add a plant in Bursa",
        "Also we have one warehouse in Izmir near to the port, capacity is 80.000 towels. "
        "Factory is sending there.",
    )
    said = talk(engine, "Sorry, is not Izmir, the warehouse is in Mersin. I mixed the cities.")
    assert said == [["add-warehouse"]]
    assert nodes(engine) == {"Bursa Plant": 8000, "Mersin Warehouse": 80000}
    assert links(engine) == {("Bursa Plant", "Mersin Warehouse")}


def test_revert_after_an_undo_with_a_hesitation_redoes(engine: SupplyChainEngine) -> None:
    talk(engine, "add a supplier in Eldoret", "mark it degraded", "undo that")
    assert talk(engine, "Hm, actually revert that, I do want it degraded after all.") == [["redo"]]
    assert [n.status for n in engine.twin.list_nodes(USER)] == ["degraded"]


def test_the_new_plant_is_the_newest_plant_when_nothing_else_was_talked_about(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "add a supplier in Monterrey",
        "add warehouses in Guadalajara and Puebla",
        "We're opening a new plant in Aguascalientes, please add it.",
        "Monterrey supplies the new plant",
        "remove Puebla Warehouse",
    )
    said = talk(engine, "What feeds the new plant?")
    assert said == [["trace-upstream"]]


def test_a_us_town_in_georgia_is_not_the_country() -> None:
    said = commands(
        "We run a chicken processing plant in Gainesville, Georgia, about 250,000 birds a "
        "week. Please add that."
    )
    assert [(c.intent, city(c), c.params.get("capacity")) for c in said] == [
        ("add-manufacturer", "Gainesville", 250000)
    ]
    assert city(commands("add a plant in Tbilisi, Georgia")[0]) == "Tbilisi"


# --- after round 46's first try ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # "pairs" of shoes are goods, not a request to pair two nodes
        (
            "Hello. I want to make my network in this tool. We have one factory of shoes in "
            "Franca, it make 20 thousand pairs for month, please add.",
            (),
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "pair Franca Plant with Lyon Warehouse",
            ("Franca Plant", "Lyon Warehouse"),
            ["connect-nodes"],
        ),
        # a flow said with "with ... sending", after the adds it refers to
        (
            "We also sell through two little shops, one in Bath and one in Cardiff. Could you "
            "add them both, with the roastery sending coffee to each of them?",
            ("Bristol Plant", "Hamburg Supplier"),
            ["add-retailer", "add-retailer", "connect-nodes", "connect-nodes"],
        ),
        # a heading that only says "set up:" above the plan
        (
            "Plan for the battery pack network, please set up:\n1. Supplier in Antofagasta, "
            "12,000 units/month\n2. Plant in Zwickau, 9,000 packs/month",
            (),
            ["add-supplier", "add-manufacturer"],
        ),
        # the reason after a change is no what-if about the port
        (
            "Mark the first warehouse degraded, there's a strike at the port.",
            ("Vancouver Warehouse", "Toronto Warehouse"),
            ["update-node"],
        ),
        # "take the store in Ottawa off": a removal (confirmed first: a description)
        (
            "take the store in Ottawa off, it's closing.",
            ("Ottawa Store", "Toronto Warehouse"),
            ["remove-node"],
        ),
    ],
)
def test_round_46_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_learners_not_in_town_moves_the_added_node_not_the_link(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "add a plant in Franca",
        "Now please add the warehouse, is in São Paulo, 30000 pairs. The factory send to it.",
    )
    said = talk(engine, "Sorry, I make mistake: the warehouse is not in São Paulo, is in Campinas.")
    assert said == [["add-warehouse"]]
    assert nodes(engine) == {"Franca Plant": 8000, "Campinas Warehouse": 30000}
    assert links(engine) == {("Franca Plant", "Campinas Warehouse")}


def test_run_the_demand_scenario_again_reruns_the_last_of_that_kind(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "add a plant in Zwickau",
        "What if demand in Europe jumps 25% for four weeks?",
        "What if the port of Hamburg closes for 5 days?",
    )
    assert talk(engine, "Run the demand scenario again with the same numbers.") == [
        ["what-if-demand-spike"]
    ]


def test_the_store_in_a_town_taken_off_is_confirmed_first(engine: SupplyChainEngine) -> None:
    talk(engine, "add stores in Ottawa and Toronto")
    assert talk(engine, "take the store in Ottawa off, it's closing.") == [["confirmation"]]
    assert talk(engine, "yes") == [["remove-node"]]
    assert set(nodes(engine)) == {"Toronto Store"}


@pytest.mark.parametrize(
    ("question", "defined"),
    [
        ("What does 'distribution center' mean exactly?", "**distribution center**"),
        ("what is a supplier?", "**supplier**"),
        ("what does degraded mean?", "**degraded**"),
    ],
)
def test_a_newcomer_asking_what_a_word_means_gets_its_definition(
    engine: SupplyChainEngine, question: str, defined: str
) -> None:
    outcome = engine.run_turn(EngineRequest(USER, "c1", question, ()))
    assert outcome.text.startswith(defined)
    assert "Try:" not in outcome.text  # the definition, not the list of examples


# --- after round 47's first try ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a setting said after a change to a node, joined by "&"
        (
            "bump puebla to 12k & currency mxn pls",
            ("Puebla Distribution Center",),
            ["update-node", "set-currency"],
        ),
        ("Remind me, what currency and risk profile are we set to?", (), ["get-settings"]),
        # a complaint about what it costs, then the question: no shipping method, no change
        (
            "Katowice is already degraded and it's costing us a fortune in expedited freight. "
            "What should we do about it?",
            ("Katowice Warehouse",),
            ["recommend"],
        ),
        ("add express shipping", (), ["add-shipping-method"]),
        # "then" closing a request
        (
            "Makes sense. Raise Austin Plant to 18,000 then, and tell me how loaded the plants "
            "are.",
            ("Austin Plant",),
            ["smalltalk", "update-node", "calculate-utilization"],
        ),
        (
            "Also, what's black tea fetching at the Mombasa auction this week?",
            (),
            ["out-of-scope"],
        ),
        # what the user was told will happen, after a redo, is why
        (
            "Redo it, the tech just called, it'll be down for a week.",
            ("Eldoret Supplier",),
            ["redo"],
        ),
        # kinds in an arrow chain: each to the next
        (
            "link mfg->wh->dc",
            ("Guadalajara Plant", "Monterrey Warehouse", "Mexico City Distribution Center"),
            ["connect-nodes", "connect-nodes"],
        ),
        # a list item that resizes a node by its name
        ("1. Nagpur Warehouse up to 40,000 packs", ("Nagpur Warehouse",), ["update-node"]),
        ("Demand up to 30%", (), ["what-if-demand-spike"]),
    ],
)
def test_round_47_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_regions_compared_are_their_totals_side_by_side(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "add distribution centers in Madrid, Warsaw and Chicago",
        "add a warehouse in Singapore",
    )
    said = talk(engine, "How does North America compare with Europe on DC capacity?")
    assert said == [["list-nodes"]]
    outcome = engine.run_turn(EngineRequest(USER, "c1", "APAC versus EMEA?", ()))
    assert outcome.start_metadata["intent"] == "list-nodes"
    assert "| region |" in outcome.text


def test_a_link_said_with_an_add_that_asks_where_waits_for_the_answer(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add mfg guadalajara 40k")
    assert talk(engine, "add another wh 10k, fed by the mfg") == [["clarification"]]
    assert links(engine) == set()  # nothing linked to a node that does not exist yet
    assert talk(engine, "monterrey") == [["add-warehouse", "connect-nodes"]]
    assert nodes(engine) == {"Guadalajara Plant": 40000, "Monterrey Warehouse": 10000}
    assert links(engine) == {("Guadalajara Plant", "Monterrey Warehouse")}


# --- after round 48's first try ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("Give me the overall summary. Thanks.", (), ["get-network-summary", "smalltalk"]),
        ("Undo. And undo again.", (), ["undo", "undo"]),
        (
            "Last: network summary and current settings.",
            (),
            ["get-network-summary", "get-settings"],
        ),
        # a learner's size ("he give") and "other supplier" for another one
        (
            "The cotton we are buying from supplier in Adana, he give 50000 kg per month. And "
            "other supplier in Gaziantep, 20000 kg. Both they send to the factory.",
            ("Denizli Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        # who the user is, beside a request, is background; said as the industry, it is set
        (
            "Hello, I am work in textile company, we make towels. Is possible to create our "
            "factory in Denizli, capacity 30000 towels in month?",
            (),
            ["add-manufacturer"],
        ),
        (
            "we're in pharma. add an API supplier in Mumbai, 5,000 units, and a plant in Basel",
            (),
            ["set-industry", "add-supplier", "add-manufacturer"],
        ),
        ("we're in automotive", (), ["set-industry"]),
        # the market explains the currency, in its own sentence too
        (
            "Ok. We sell mostly to Germany, so please put the money in euro.",
            (),
            ["set-currency"],
        ),
    ],
)
def test_round_48_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a site spoken of as a company ("their", "them") in the reason before the request
        (
            "Chihuahua fixed their press line last week, so set them back to operational.",
            ("Chihuahua Supplier", "Monterrey Plant"),
            ["update-node"],
        ),
        # a plan item naming the kind, then the town
        (
            "Setting up our network, plan below:\n1. Supplier: malt from Ballarat, 60,000 "
            "kg/month\n2. Warehouse: Melbourne, 250,000 litres",
            (),
            ["add-supplier", "add-warehouse"],
        ),
        # a learner's "after factory" (downstream of it) and "what is happen if"
        (
            "After factory the towels go to our warehouse in Istanbul, it have 40000 place. "
            "Please add and connect.",
            ("Denizli Plant", "Adana Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "What is happen if the Adana supplier stop for 2 week? Is big problem for us?",
            ("Denizli Plant", "Adana Supplier"),
            ["what-if-supplier-failure"],
        ),
        # "which is the biggest" after a list of one kind: the biggest of those
        (
            "How many DCs do we have, and which is the biggest?",
            ("Dallas Distribution Center", "Austin Distribution Center"),
            ["list-nodes", "compare-nodes"],
        ),
        # "show that the clay goes to the factory": the flow from the node just added
        (
            "We buy our clay from a company in Liverpool, I think that's called a supplier? "
            "Could you add them, and show that the clay goes to the factory?",
            ("Stoke-on-Trent Plant",),
            ["add-supplier", "connect-nodes"],
        ),
    ],
)
def test_round_48_references_and_plan_items(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert kinds(text, names) == expected


def test_them_after_a_reason_naming_one_site_is_that_site(engine: SupplyChainEngine) -> None:
    talk(engine, "add suppliers in Chihuahua and Monterrey", "mark Chihuahua Supplier degraded")
    said = talk(
        engine, "Chihuahua fixed their press line last week, so set them back to operational."
    )
    assert said == [["update-node"]]  # not a bulk change waiting for a yes
    assert {n.name: n.status for n in engine.twin.list_nodes(USER)} == {
        "Chihuahua Supplier": "operational",
        "Monterrey Supplier": "operational",
    }


def test_a_flow_said_of_described_nodes_is_linked_when_they_are_put_in(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a plant in Stoke-on-Trent")
    said = talk(
        engine,
        "We also sell through two little shops of our own, one in Manchester and one in "
        "Birmingham, and they both get their mugs straight from the factory. Could you put "
        "those in as well?",
    )
    assert said == [["add-retailer", "add-retailer", "connect-nodes", "connect-nodes"]]
    links = {(c.source, c.target) for c in engine.twin.list_connections(USER)}
    assert links == {("mfg-1", "ret-2"), ("mfg-1", "ret-3")}  # from the factory, one way


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # what could hurt the margins is a question about risks; the margins are not ours
        ("Where are we most exposed? I want to know what could hit margins.", ["identify-risks"]),
        ("what could eat into our margins?", ["identify-risks"]),
        ("what are our margins this quarter?", ["out-of-scope"]),
        # a town with two slips in a terse add
        ("wh cincinatti 20k", ["add-warehouse"]),
    ],
)
def test_risks_to_margins_and_long_towns_with_two_slips(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a node type typed with letters left out, a town that is also a word, in lower case
        (
            "new supplr chihuahua 30k ships to houston mfg",
            ("Houston Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        ("add a warehse in lyon", (), ["add-warehouse"]),
        # "he also send": a learner's pronoun for a supplier, with "also" between
        (
            "Please add also one more supplier in Bursa, 15 thousand kg. "
            "He also send to the factory.",
            ("Denizli Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        # a bulleted size change, the town then the type in lower case
        ("- Bilbao supplier capacity up to 15,000", ("Bilbao Supplier",), ["update-node"]),
        # how full two kinds are
        (
            "How close to full are the plant and the warehouse running?",
            ("Leeds Plant", "York Warehouse"),
            ["calculate-utilization"],
        ),
        # a feeling about a season beside an out-of-scope question runs no scenario
        (
            "What's the weather looking like up in Cairns next week? "
            "Cyclone season has me nervous.",
            (),
            ["out-of-scope"],
        ),
        # the value taken back with an apology
        ("Currency in dollars. No, euros, sorry.", (), ["set-currency"]),
        # the news, then the same change by the node's name: one change
        (
            "Atlanta's back up since this morning, set the Atlanta DC to operational.",
            ("Atlanta Distribution Center", "Chicago Distribution Center"),
            ["update-node"],
        ),
        # what changed since an earlier run of the analysis
        ("Explain what changed compared with the first result.", (), ["explain"]),
        ("what's different from the previous scan?", (), ["explain"]),
    ],
)
def test_round_49_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_link_from_a_named_node_after_an_add_runs_into_the_new_node() -> None:
    add, link = commands("dc in el paso 9k link from dalas wh", ("Dallas Warehouse",))
    assert add.intent == "add-distributor" and link.intent == "connect-nodes"
    assert ends(link) == ("Dallas Warehouse", "it")
    (link,) = commands("add wh in antwerp + connect to Dallas Warehouse", ("Dallas Warehouse",))[1:]
    assert ends(link) == ("it", "Dallas Warehouse")


def test_the_value_in_a_correction_may_be_a_town_that_is_also_a_word(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "Add a supplier in Foggia, 20,000 units, but don't connect it yet.")
    assert talk(engine, "no wait, Ferrara not Foggia") == [["add-supplier"]]
    assert [(n.name, n.capacity) for n in engine.twin.list_nodes(USER)] == [
        ("Ferrara Supplier", 20000)
    ]


def test_what_changed_since_the_first_analysis_compares_the_two_runs(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "add a supplier in Busan",
        "add a plant in Ulsan",
        "connect Busan Supplier to Ulsan Plant",
    )
    assert talk(engine, "what changed since the first risk scan?") == [["explain"]]
    talk(engine, "identify risks")
    first = engine.run_turn(
        EngineRequest(USER, "c1", "what changed since the first risk scan?", ())
    ).text
    assert "nothing to compare it with yet" in first
    talk(
        engine,
        "add a supplier in Pohang",
        "connect Pohang Supplier to Ulsan Plant",
        "identify risks",
    )
    said = engine.run_turn(
        EngineRequest(USER, "c1", "Explain what changed compared with the first result.", ())
    ).text
    assert "No longer found:" in said and "Busan Supplier is the only source of Ulsan Plant" in said


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # big world towns with a typo where a town is surely meant; a word before a type is not
        (
            "add suplier agadr 12k conect to safi",
            ("Safi Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Good day. I am logistic manager in pasta factory in Kostanay. Factory capacity is "
            "7 thousand tonnes per month. Please add it.",
            (),
            ["add-manufacturer"],
        ),
        # the status, then why, with no comma between
        ("safi mfg degraded one line down", ("Safi Plant",), ["update-node"]),
        # "their" total after a count of one kind is that list's
        (
            "How many suppliers do we have, and what's their combined capacity in tonnes?",
            ("Safi Plant",),
            ["list-nodes"],
        ),
        # which site would hurt most if it went down: the risks, no what-if on "it"
        (
            "Where are we most exposed? I want to know which single site would cost us the "
            "most if it went down.",
            ("Safi Plant",),
            ["identify-risks"],
        ),
        # two terms defined side by side
        (
            "Could you tell me what a distribution center is, compared with a warehouse?",
            (),
            ["help"],
        ),
        # a learner's "is going to" after the factory
        (
            "After factory the product is going to warehouse in Samsun, 8000 ton. "
            "Please make this.",
            ("Ordu Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        # the user's own word for suppliers, defined in the plan
        (
            "Plan:\n1. Add a packhouse (plant) in Facatativá, 40,000 stems/day\n2. Add growers as "
            "suppliers: Zipaquirá 25,000 stems, Rionegro 18,000 stems\n3. Link both growers to "
            "the packhouse",
            (),
            ["add-manufacturer", "add-supplier", "add-supplier", "connect-nodes"],
        ),
        # a size that fell is a size, not a site that stopped
        (
            "a) Rionegro grower is down to 12,000 stems (frost)\nb) mark it degraded",
            ("Rionegro Supplier",),
            ["update-node", "update-node"],
        ),
        ("compare that with the Valentine's spike", (), ["compare-simulations"]),
        (
            "What does the second warehouse look like right now?",
            ("Lahore Warehouse",),
            ["get-node-details"],
        ),
        (
            "Book a truck from Puebla to Mexico City for Friday, and tell me what happens if the "
            "Guadalajara supplier goes quiet for two weeks.",
            ("Guadalajara Supplier",),
            ["out-of-scope", "what-if-supplier-failure"],
        ),
        (
            "Is it going to rain in Oaxaca this weekend? Also set the currency to pesos.",
            ("Oaxaca Store",),
            ["out-of-scope", "set-currency"],
        ),
        (
            "The Bangkok DC can go back to operational, the flooding has cleared.",
            ("Bangkok Distribution Center",),
            ["update-node"],
        ),
    ],
)
def test_round_50_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_size_down_to_a_number_changes_the_size_and_not_the_status() -> None:
    (change,) = commands("Rionegro Supplier capacity is down to 12,000", ("Rionegro Supplier",))
    assert change.params["capacity"] == 12000 and "status" not in change.params
    (stopped,) = commands("Rionegro Supplier is down", ("Rionegro Supplier",))
    assert stopped.params["status"] == "offline"


def test_values_taken_back_in_the_same_message_are_replaced() -> None:
    (add,) = commands("Leather supplier in Franca, 15,000 hides... no wait, 12,000.")
    assert add.params["capacity"] == 12000
    (change,) = commands(
        "Set the factory to degraded. No, not degraded, disrupted, the strike started.",
        ("Novo Hamburgo Plant",),
    )
    assert change.params["status"] == "disrupted"


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a kind heading its own list of towns, and "Kind - Town" items
        (
            "Tea network setup, phase 1:\n1. Plant - Kericho factory, 900 t/month\n"
            "2. Suppliers (smallholder leaf):\n   a. Kisii - 400 t/month\n   b. Kakamega - 250 "
            "t/month\n3. Both suppliers deliver to Kericho",
            (),
            ["add-manufacturer", "add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        # a town and a status, nothing else
        (
            "- Kisii degraded (roads washed out after the long rains)",
            ("Kisii Supplier",),
            ["update-node"],
        ),
        ("Which of the two hits us harder?", (), ["compare-simulations"]),
        # a remark about what the user saw before, after asking
        (
            "Is the second warehouse doing ok? It looked stretched last week.",
            ("Manila Warehouse", "Davao Warehouse"),
            ["get-node-details"],
        ),
        # the setting just said, asked for again
        (
            "One last thing, we invoice in New Zealand dollars, could you set that? Thank you "
            "so much for your patience!",
            ("Auckland Plant",),
            ["set-currency", "smalltalk"],
        ),
        # a learner's "is stop", the flood only why; "make it <kind>" adds what was described
        (
            "If supplier in Palu is stop two week because of flood, what is happen to the factory?",
            ("Palu Supplier", "Jepara Plant"),
            ["what-if-supplier-failure"],
        ),
        (
            "Also we sell to one buyer in Surabaya, please make it distribution center 1.200 "
            "pieces, and it get the goods from Semarang warehouse.",
            ("Semarang Warehouse",),
            ["add-distributor", "connect-nodes"],
        ),
        (
            "Are there alternate suppliers we could lean on for Riyadh while Buraydah stays "
            "degraded?",
            ("Riyadh Plant", "Buraydah Supplier"),
            ["recommend"],
        ),
        (
            "What is organic white quinoa fetching FOB Callao this month, per tonne?",
            (),
            ["out-of-scope"],
        ),
        (
            "Switch the currency to US dollars, and forward that scenario to my boss on WhatsApp.",
            (),
            ["set-currency", "out-of-scope"],
        ),
        # taken back: "scratch that", "Trabzon, not Ordu", "Wait, no, offline"
        (
            "Connect Trabzon to Samsun... no, scratch that, connect the Giresun plant to Samsun "
            "instead, the nuts get cracked before storage.",
            ("Giresun Plant", "Istanbul Warehouse", "Samsun Warehouse", "Trabzon Supplier"),
            ["connect-nodes"],
        ),
        (
            "Seremban Warehouse should be called Negeri Sembilan Hub from now on, and mark it "
            "degraded, the forklift fleet is being swapped out.",
            ("Seremban Warehouse",),
            ["rename-node", "update-node"],
        ),
        ("Undo the status change.", ("Seremban Warehouse",), ["undo"]),
        (
            "Hm, redo it actually, the Kuantan estate really is shut for replanting until March.",
            ("Kuantan Supplier",),
            ["redo"],
        ),
        ("List every node with its name and status.", ("Seremban Warehouse",), ["list-nodes"]),
        ("bump qiuto wh to 7.5k", ("Quito Warehouse", "Portoviejo Warehouse"), ["update-node"]),
        (
            "add wh portoviejo 4k guayaqil ships to it too",
            ("Guayaquil Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
    ],
)
def test_round_51_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_values_a_message_takes_back_are_the_later_ones() -> None:
    (add,) = commands("Add a supplier in Ordu, 6,000 tonnes a season - sorry, Trabzon, not Ordu.")
    assert city(add) == "Trabzon" and add.params["capacity"] == 6000
    (change,) = commands(
        "Set Istanbul to degraded. Wait, no, offline, the lease ended on Friday.",
        ("Istanbul Warehouse",),
    )
    assert change.params["status"] == "offline"
    (link,) = commands(
        "Connect Trabzon to Samsun... no, scratch that, connect the Giresun plant to Samsun "
        "instead, the nuts get cracked before storage.",
        ("Giresun Plant", "Samsun Warehouse", "Trabzon Supplier"),
    )
    assert ends(link) == ("Giresun Plant", "Samsun")


def test_sizes_said_by_town_after_the_adds_are_theirs() -> None:
    adds = [
        c
        for c in commands(
            "The rattan is come from two supplier, one in Palu and one in Banjarmasin. Palu can "
            "give 80 ton per month and Banjarmasin 50 ton. Both is send to our factory.",
            ("Cirebon Plant",),
        )
        if c.intent == "add-supplier"
    ]
    assert [(city(c), c.params["capacity"]) for c in adds] == [("Palu", 80), ("Banjarmasin", 50)]
    two = commands("Add two abaca suppliers: Legazpi at 300 tonnes a month and Tacloban at 200.")
    assert [(city(c), c.params["capacity"]) for c in two] == [("Legazpi", 300), ("Tacloban", 200)]
    assert two[0].params["place"].country == "Philippines"  # not the district of Madrid


def test_a_town_without_its_country_is_the_one_where_the_users_sites_are(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a supplier in Rotorua", "add a plant in Hamilton")
    talk(engine, "add a plant in Guadalajara", "add a supplier in León")
    talk(engine, "add a warehouse in Hamilton, Canada")
    assert {(n.name, n.location.country) for n in engine.twin.list_nodes(USER)} == {
        ("Rotorua Supplier", "New Zealand"),
        ("Hamilton Plant", "New Zealand"),
        ("Guadalajara Plant", "Mexico"),
        ("León Supplier", "Mexico"),
        ("Hamilton Warehouse", "Canada"),  # said with its country
    }


def test_the_second_one_after_adding_two_of_a_kind_is_the_second_of_them(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a plant in Cebu", "add a warehouse in Manila")
    talk(
        engine,
        "Add two suppliers: Legazpi at 300 and Tacloban at 200. Both ship to the Cebu plant.",
    )
    assert talk(engine, "The second one just signed up more farmers, set it to 260.") == [
        ["update-node"]
    ]
    sizes = {n.name: n.capacity for n in engine.twin.list_nodes(USER)}
    assert sizes["Tacloban Supplier"] == 260 and sizes["Manila Warehouse"] != 260


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # the node, its status right after it, then why, without a comma
        (
            "madison wharehouse degraded forklifts down til fri",
            ("Madison Warehouse",),
            ["update-node"],
        ),
        # (but two statuses joined by "or" ask)
        ("Madison Warehouse degraded or offline?", ("Madison Warehouse",), []),
        (
            "Morning. Before we start, please switch all reporting to Canadian dollars.",
            (),
            ["set-currency"],
        ),
        (
            "Where are we most exposed? The auditors flagged supplier concentration last year.",
            (),
            ["identify-risks"],
        ),
        ("Give me the headline numbers for the whole network.", (), ["get-network-summary"]),
        # near the port is no closure; a learner's "is possible to"; a size said on its own after
        (
            "Is possible to create warehouse in Izmir close to port? Capacity 40 thousand piece.",
            ("Denizli Plant",),
            ["add-warehouse"],
        ),
        (
            "Checks before I send this to the team:\n- top risks\n- bottleneck\n"
            "- warehouse utilisation",
            (),
            ["identify-risks", "find-bottlenecks", "calculate-utilization"],
        ),
        # a node at a town where the user has none, said with its size: one to add
        (
            "Now the assembly plant in Monterrey, 20k units, but don't connect it to anything yet.",
            ("Hermosillo Supplier",),
            ["add-manufacturer", "cancelled"],
        ),
        (
            "Switch Port Harcourt Distribution Center to offline.",
            ("Port Harcourt Distribution Center",),
            ["update-node"],
        ),
    ],
)
def test_round_52_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_sizes_in_the_millions_and_on_their_own_line() -> None:
    (plant,) = commands("Add formulation plant in Hyderabad, 5,000,000 tablets/month")
    assert plant.params["capacity"] == 5_000_000
    (store,) = commands("add a warehouse in Izmir. Capacity 40000.")
    assert store.params["capacity"] == 40_000
    (change,) = commands("Switch all reporting to Canadian dollars.")
    assert change.params["currency"] == "CAD"


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "add wh jaipur 15k ship from delhi wh",
            ("New Delhi Warehouse",),
            ["add-warehouse", "connect-nodes"],
        ),
        # a counted list over two sentences, in a learner's words
        (
            "Also we have two supplier. One is in Daegu, 12000 unit, other one is in Gwangju, "
            "8000 unit. Both are sending to factory.",
            ("Cheonan Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "Please make warehouse in Pyeongtaek, 30000 unit. Factory is sending to there.",
            ("Cheonan Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        # a three-letter town in a list of places; the English spelling of Ogbomoso
        (
            "The cassava comes from farmers' groups in Ogbomosho and Oyo. Ogbomosho gives around "
            "4,000 bags and Oyo 3,000. Please add them as suppliers and connect both to the mill.",
            ("Ibadan Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        (
            "Run the Hat Yai failure again but for 21 days, and compare it with the first run.",
            ("Hat Yai Supplier",),
            ["what-if-supplier-failure", "compare-simulations"],
        ),
    ],
)
def test_round_53_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_size_guessed_after_an_add_and_its_link_is_the_adds() -> None:
    add, link = commands(
        "And lastly a shop in Abuja that buys from the Lagos warehouse. I'm not sure of its "
        "size, let's say 1,500 bags.",
        ("Lagos Warehouse",),
    )
    assert add.params["capacity"] == 1500 and link.intent == "connect-nodes"
    (add,) = commands("a maltings at Aberdeen, of approximately 3,000 tonnes per annum. Add it.")
    assert city(add) == "Aberdeen"  # "of" is no town, though Of is one in Turkey


def test_the_older_one_of_two_just_compared_is_the_one_created_first(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a plant in Amarillo", "add a plant in Abilene", "compare the two plants")
    assert talk(engine, "Mark the older one degraded, its extruder keeps jamming.") == [
        ["update-node"]
    ]
    assert {n.name: n.status for n in engine.twin.list_nodes(USER)} == {
        "Amarillo Plant": "degraded",
        "Abilene Plant": "operational",
    }


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a town taken back in the next sentence, "No wait" capitalised
        (
            "Add a warehouse in Townsville, 10k cases. No wait, Cairns not Townsville.",
            ("Brisbane Plant",),
            ["add-warehouse"],
        ),
        # the add asked for in one sentence is the node described in the next
        (
            "Would it be possible to add a second one? Another co-op, in Kisii, roughly 2,500 kg "
            "a month. It also delivers to the roastery.",
            ("Nairobi Plant", "Nyeri Supplier"),
            ["add-supplier", "connect-nodes"],
        ),
        # a cause named after a new status is why, not a port closure to simulate
        (
            "Changes after the call with procurement:\n- Vadodara capacity down to 42,000\n"
            "- mark Visakhapatnam degraded, port congestion\n- add a backup supplier in Indore, "
            "15,000 kg/month, shipping to Hyderabad",
            ("Vadodara Supplier", "Visakhapatnam Supplier", "HYD-F1"),
            ["update-node", "update-node", "add-supplier", "connect-nodes"],
        ),
        ("Mark Pune offline, flooding.", ("Pune Plant",), ["update-node"]),
    ],
)
def test_round_54_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_town_taken_back_and_a_setting_taken_back_leave_the_later_value() -> None:
    (add,) = commands("Add a warehouse in Townsville, 10k cases. No wait, Cairns not Townsville.")
    assert city(add) == "Cairns" and add.params["capacity"] == 10_000
    (currency,) = commands("Set currency to NZD... no, AUD obviously.")
    assert currency.params == {"currency": "AUD"}
    (profile,) = commands("Set the risk profile to cautious, no, balanced")
    assert profile.params == {"level": "medium"}


def test_them_in_the_reason_after_a_change_is_not_the_node_changed() -> None:
    update, thanks = parse(
        "Raise Regina's capacity to 22,000, we signed a second contract with them. Thanks.",
        known_names=("Regina Supplier", "Calgary Warehouse", "Mississauga Warehouse"),
    ).steps
    assert isinstance(update, Command) and update.intent == "update-node"
    assert update.params["node"].text == "Regina" and update.params["capacity"] == 22_000
    assert isinstance(thanks, Act) and thanks.kind == "smalltalk"


def test_it_after_a_request_taken_back_is_the_node_that_request_named(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a supplier in Toowoomba, 20k", "add a warehouse in Cairns, 10k")
    talk(engine, "Mark Toowoomba offline.")
    assert talk(
        engine, "Remove the Cairns warehouse. Hmm, no, keep it, just cut its capacity to 7,000."
    ) == [["update-node"]]
    assert nodes(engine) == {"Toowoomba Supplier": 20_000, "Cairns Warehouse": 7_000}


@pytest.fixture
def chain(engine: SupplyChainEngine) -> SupplyChainEngine:
    talk(
        engine,
        "add a supplier in Nagpur, 20k",
        "add a plant in Pune, 15k",
        "add a warehouse in Lyon, 10k",
        "Nagpur -> Pune -> Lyon",
    )
    return engine


def statuses(engine: SupplyChainEngine) -> dict[str, str]:
    return {n.name: n.status for n in engine.twin.list_nodes(USER)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("set Lyon and Pune to degraded", {"Lyon Warehouse": "degraded", "Pune Plant": "degraded"}),
        (
            "take Nagpur offline and Lyon as well",
            {"Nagpur Supplier": "offline", "Lyon Warehouse": "offline"},
        ),
        ("mark Pune offline, Lyon too", {"Pune Plant": "offline", "Lyon Warehouse": "offline"}),
        (
            "mark Pune degraded, Lyon offline",
            {"Pune Plant": "degraded", "Lyon Warehouse": "offline"},
        ),
        (
            "set Nagpur, Pune and Lyon to degraded",
            {"Nagpur Supplier": "degraded", "Pune Plant": "degraded", "Lyon Warehouse": "degraded"},
        ),
    ],
)
def test_one_change_said_of_several_towns_changes_each(
    chain: SupplyChainEngine, text: str, expected: dict[str, str]
) -> None:
    (said,) = talk(chain, text)
    assert said == ["update-node"] * len(expected)
    assert {k: v for k, v in statuses(chain).items() if k in expected} == expected
    assert all(v == "operational" for k, v in statuses(chain).items() if k not in expected)


@pytest.mark.parametrize(
    "text",
    ["Pune operational?", "Pune offline?", "lyon still degraded?", "nagpur capacity 25k?"],
)
def test_a_status_or_size_asked_with_a_question_mark_changes_nothing(
    chain: SupplyChainEngine, text: str
) -> None:
    before = (nodes(chain), statuses(chain))
    assert talk(chain, text) == [["get-node-details"]]
    assert (nodes(chain), statuses(chain)) == before


def test_a_change_asked_as_a_question_still_changes() -> None:
    assert kinds("can you set Pune to offline?", ("Pune Plant",)) == ["update-node"]
    assert kinds(
        "Maybe bump Shantou to 22k? Actually no, leave it at 20k for now.", ("Shantou Supplier",)
    ) == ["cancelled"]


@pytest.mark.parametrize(
    "text",
    [
        "what's Pune's capacity",
        "how much can lyon hold",
        "what is the capacity of Nagpur",
        "how big is pune",
    ],
)
def test_a_figure_of_the_node_at_a_town_is_asked(chain: SupplyChainEngine, text: str) -> None:
    before = nodes(chain)
    assert talk(chain, text) == [["get-node-details"]]
    assert nodes(chain) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bump lyon by 20%", ("Lyon Warehouse", 12_000)),
        ("raise Pune by 5k", ("Pune Plant", 20_000)),
        ("cut Nagpur by 10 percent", ("Nagpur Supplier", 18_000)),
    ],
)
def test_a_node_grown_or_cut_by_an_amount_is_its_capacity(
    chain: SupplyChainEngine, text: str, expected: tuple[str, int]
) -> None:
    assert talk(chain, text) == [["update-node"]]
    name, capacity = expected
    assert nodes(chain)[name] == capacity


def test_undo_the_last_two_changes_undoes_two(chain: SupplyChainEngine) -> None:
    talk(chain, "set Lyon capacity to 12000", "mark Pune degraded")
    assert talk(chain, "undo the last two changes") == [["undo", "undo"]]
    assert nodes(chain)["Lyon Warehouse"] == 10_000
    assert statuses(chain)["Pune Plant"] == "operational"
    assert kinds("revert my last 3 edits") == ["undo"] * 3
    assert kinds("undo both changes") == ["undo"] * 2


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # the what-if's own answer says what is at risk
        (
            "What if Katowice Supplier fails for two weeks - how many units are at risk?",
            ("Katowice Supplier",),
            ["what-if-supplier-failure"],
        ),
        # a kind of node in quotes is a term to define, not a node's name
        (
            "Thank you. What exactly is a 'distribution center', compared to a warehouse?",
            ("Leeds Warehouse",),
            ["smalltalk", "help"],
        ),
        # the event said first, as a noun, with a place and how long: a what-if
        ("And a typhoon hitting Busan for 5 days?", ("Busan Supplier",), ["run-simulation"]),
        ("a flood in Busan for a week", ("Busan Supplier",), ["run-simulation"]),
    ],
)
def test_round_55_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    "text", ["there was a flood in Busan last week", "the flood in Busan was bad"]
)
def test_an_event_said_as_past_is_no_what_if(text: str) -> None:
    assert "run-simulation" not in kinds(text, ("Busan Supplier",))


def test_a_size_in_a_learners_singular_unit_is_the_capacity() -> None:
    add, _link = commands(
        "Please you can add also one supplier in Izmir, 20000 meter, like backup, and connect "
        "him to factory.",
        ("Bursa Plant", "Adana Supplier"),
    )
    assert city(add) == "Izmir" and add.params["capacity"] == 20_000


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # "n" for "and" before a verb, in a terse message
        (
            "pls add sup in ahmedbad 12k n link to pune mfg",
            ("Pune Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        # a learner's singular after "how many"
        ("how many factory we have?", ("Pune Plant",), ["list-nodes"]),
        ("How many supplier is in India?", ("Pune Plant",), ["list-nodes"]),
        # a learner's "is need to make" and a bare "take from"
        (
            "is need to make new store in hyderbad, 3000 piece, take from chennai",
            ("Chennai Distribution Center",),
            ["add-retailer", "connect-nodes"],
        ),
        (
            "chennai dc status degraded bcoz flood",
            ("Chennai Distribution Center",),
            ["update-node"],
        ),
    ],
)
def test_terse_and_learners_wordings(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    "text",
    [
        "how much capacity is at risk if Pune goes down?",
        "how much capacity is at risk if Nagpur fails?",
        "how much capacity do we lose if the Pune plant shuts for 2 weeks",
    ],
)
def test_how_much_is_at_risk_if_a_node_stops_is_a_what_if(text: str) -> None:
    assert kinds(text, ("Pune Plant", "Nagpur Supplier")) == ["what-if-supplier-failure"]
    assert kinds("how many sites are down", ("Pune Plant",)) == ["list-nodes"]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a lowercase town of the world table after a type, then a flow
        (
            "wh stockton 20k fed by the mfg. dc sacramento 15k fed from stockton",
            ("Bakersfield Plant", "Fresno Supplier"),
            ["add-warehouse", "connect-nodes", "add-distributor", "connect-nodes"],
        ),
        (
            "What is the difference between a warehouse and a distribution center?",
            ("Nakuru Plant",),
            ["help"],
        ),
        # a learner's "I am have", "Please to add it", "we have warehouse in ..., factory send"
        (
            "Hello, I am have a shoes factory in Franca, produce 20 thousand pair by month. "
            "Please to add it.",
            (),
            ["add-manufacturer"],
        ),
        (
            "Also we have warehouse in Campinas with 30 thousand, factory send to there.",
            ("Franca Plant", "Novo Hamburgo Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "If the leather supplier stop for 3 week, what happen with production?",
            ("Franca Plant", "Novo Hamburgo Supplier"),
            ["what-if-supplier-failure"],
        ),
        # "brazilian" is Brazil's, never Brasília misspelt
        (
            "Please put the currency in brazilian real. Thank you very much!",
            (),
            ["set-currency", "smalltalk"],
        ),
        (
            "What's the cotton price today? And switch currency to Turkish lira.",
            (),
            ["out-of-scope", "set-currency"],
        ),
        # an add of this message taken back by its town is not made
        (
            "Add a warehouse in Bologna, 30k, and one in Verona, 18k. Actually, no need for the "
            "Verona one.",
            ("Parma Plant",),
            ["add-warehouse"],
        ),
        ("No wait, euros, not dollars.", (), ["set-currency"]),
    ],
)
def test_round_56_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_need_then_add_one_with_its_size_and_flow_is_one_add(engine: SupplyChainEngine) -> None:
    talk(engine, "add a plant in Nakuru, 40k")
    assert talk(
        engine,
        "Okay, I think we need a warehouse too. Could you add one, 25,000 litres, fed by the "
        "plant?",
        "Nairobi, please.",
    ) == [["clarification"], ["add-warehouse", "connect-nodes"]]
    assert nodes(engine)["Nairobi Warehouse"] == 25_000
    assert links(engine) == {("Nakuru Plant", "Nairobi Warehouse")}


def test_the_busier_of_two_compared_is_that_one_next(engine: SupplyChainEngine) -> None:
    talk(engine, "add a warehouse in Chennai, 30k", "add a warehouse in Hyderabad, 36k")
    talk(engine, "set the utilization of Chennai Warehouse to 90%")
    talk(engine, "Which of the two warehouses is busier?")
    assert talk(engine, "Mark that one degraded then.") == [["update-node"]]
    assert statuses(engine) == {
        "Chennai Warehouse": "degraded",
        "Hyderabad Warehouse": "operational",
    }


def test_that_one_after_a_reason_naming_a_town_is_the_node_there(engine: SupplyChainEngine) -> None:
    talk(engine, "add a store in Sydney", "add a store in Adelaide", "compare the two stores")
    assert talk(engine, "We've decided against Adelaide for now, so please take that one off.") == [
        ["confirmation"]
    ]
    assert talk(engine, "yes") == [["remove-node"]]
    assert set(nodes(engine)) == {"Sydney Store"}


def test_the_sites_of_a_place_said_as_a_list_or_changed_together(
    chain: SupplyChainEngine,
) -> None:
    talk(chain, "add a distribution center in Chennai, 8k")
    (listed,) = parse("list the sites in Europe and Asia").steps
    assert isinstance(listed, Command) and len(listed.params["places"]) == 2
    answer = chain.run_turn(EngineRequest(USER, "c1", "list the sites in Europe and Asia", ()))
    assert "4 nodes" in answer.text
    assert talk(chain, "mark the sites in India degraded") == [["confirmation"]]
    assert statuses(chain)["Pune Plant"] == "operational"  # nothing before the yes
    assert talk(chain, "yes") == [["update-node"] * 3]
    assert {k for k, v in statuses(chain).items() if v == "degraded"} == {
        "Nagpur Supplier",
        "Pune Plant",
        "Chennai Distribution Center",
    }
    assert talk(chain, "set both Indian sites to operational") == [["confirmation"]]
    assert talk(chain, "yes") == [["update-node"] * 3]
    assert set(statuses(chain).values()) == {"operational"}


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("how is capacity at risk calculated?", "simulation"),
        ("how are the days to recover estimated?", "simulation"),
        ("how is utilization calculated?", "utilization"),
    ],
)
def test_how_a_figure_is_calculated_is_explained(text: str, topic: str) -> None:
    (step,) = commands(text)
    assert step.intent == "explain" and step.params.get("topic") == topic


def test_explain_it_simpler_and_how_do_we_get_are_told_apart() -> None:
    assert kinds("explain like I'm five") == ["explain"]
    assert kinds("can you explain that in plain words?") == ["explain"]
    assert "explain" not in kinds("how do we get more capacity in Lyon", ("Lyon Warehouse",))


def test_advice_asked_as_how_or_about_a_second_supplier() -> None:
    (step,) = commands("should we add a second supplier?", ("Nagpur Supplier", "Pune Plant"))
    assert step.intent == "recommend" and step.params.get("goal") == "alternate-supplier"
    assert kinds("how do we get more capacity in Lyon", ("Lyon Warehouse",)) == ["recommend"]
    assert kinds("how can we improve resilience?") == ["recommend"]
    assert kinds("how do I add a supplier?") == ["help"]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a node, then "to" and its new size, with a setting after
        (
            "guadalajara wh to 18k pls, currency mxn",
            ("Guadalajara Warehouse", "Aguascalientes Plant"),
            ["update-node", "set-currency"],
        ),
        ("guadalajara warehouse to 18k", ("Guadalajara Warehouse",), ["update-node"]),
        # a count asked for, then where each one is
        (
            "Is possible to add two store also? One in Surabaya and one in Semarang, both take "
            "from Jakarta warehouse.",
            ("Jakarta Warehouse", "Pekalongan Plant", "Bandung Supplier"),
            ["add-retailer", "add-retailer", "connect-nodes"],
        ),
        ("What is mean 'bottleneck'? My network have one?", (), ["help", "find-bottlenecks"]),
    ],
)
def test_round_57_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_relation_said_again_with_its_right_end_replaces_the_wrong_one() -> None:
    add, link = commands(
        "Add a DC in Toulouse, 6k, fed by Marseille. Wait, no, fed by the Lyon plant, not "
        "Marseille.",
        ("Lyon Plant", "Marseille Warehouse"),
    )
    assert city(add) == "Toulouse" and ends(link)[0] == "Lyon Plant"


def test_a_learners_is_not_x_the_store_is_y_moves_the_store(engine: SupplyChainEngine) -> None:
    talk(engine, "add a store in Semarang")
    assert talk(engine, "Sorry, is not Semarang the store, is Yogyakarta.") == [["add-retailer"]]
    assert set(nodes(engine)) == {"Yogyakarta Store"}


def test_hull_is_kingston_upon_hull() -> None:
    adds = commands("add warehouses in Leeds, York and Hull, 5k each")
    assert [(city(a), a.params["place"].country) for a in adds][-1] == ("Hull", "United Kingdom")


def test_wagga_wagga_is_a_town() -> None:
    (add,) = commands("add a DC in Wagga Wagga, 5k")
    assert city(add) == "Wagga Wagga" and add.params["capacity"] == 5_000


def test_the_users_word_for_a_node_added_as_a_type_names_it(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Okay. We make furniture in Porto. Could you add our workshop as a plant, about 2,000 "
        "pieces a month?",
    )
    assert talk(
        engine,
        "Thank you! Then please add a warehouse in Lisbon, 3,000 pieces, supplied by the workshop.",
    ) == [["add-warehouse", "connect-nodes"]]
    assert links(engine) == {("Porto Plant", "Lisbon Warehouse")}
    assert aliases_said("add our workshop as a plant", "Porto", "Porto Plant") == {
        "workshop": "Porto Plant"
    }
    assert aliases_said("add our plant as a factory", "Porto", "Porto Plant") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Also we have warehouse in Sao Paulo for 25 thousand, the factory send to him.",
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "The supplier of Novo Hamburgo now is more small, only 16 thousand, please change it.",
            ["update-node"],
        ),
    ],
)
def test_round_58_learners_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, ("Franca Plant", "Novo Hamburgo Supplier")) == expected


def test_three_what_ifs_compared_and_the_first_run_again(chain: SupplyChainEngine) -> None:
    talk(
        chain,
        "what if Nagpur fails for 2 weeks",
        "and if it's only 5 days?",
        "what about a port closure in Pune for 10 days",
    )
    answer = chain.run_turn(EngineRequest(USER, "c1", "compare all three", ()))
    assert answer.start_metadata["intent"] == "compare-simulations"
    assert all(f"sim-{i}" in answer.text for i in (1, 2, 3))
    again = chain.run_turn(
        EngineRequest(USER, "c1", "run the first one again with high severity", ())
    )
    assert again.start_metadata["intent"] == "what-if-supplier-failure"
    assert "nagpur supplier" in again.text.casefold() and "severity high" in again.text


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # "an" and "d" are no duration: two status changes, not a what-if
        (
            "Mark Modena Store offline and Brescia Supplier degraded.",
            ("Modena Store", "Brescia Supplier"),
            ["update-node", "update-node"],
        ),
        ("LA down 1wk?", ("LA Warehouse",), ["what-if-supplier-failure"]),
        # a node of the user's in trouble, not a new one
        (
            "Warehouse in Surabaya now have problem with the roof, please make status degraded.",
            ("Surabaya Warehouse", "Semarang Plant"),
            ["update-node"],
        ),
        # a two-word town with a slip in its second word
        (
            "mfg san antono 9k, fed from laredo",
            ("Laredo Supplier", "Houston Warehouse"),
            ["add-manufacturer", "connect-nodes"],
        ),
        ("And the combined capacity of our suppliers?", ("Laredo Supplier",), ["list-nodes"]),
        (
            "If supplier in Surakarta is stop 2 week because flood, what happen to factory?",
            ("Surakarta Supplier", "Semarang Plant"),
            ["what-if-supplier-failure"],
        ),
        (
            "Changes:\n- Surat supplier up to 15,000\n- Hyderabad DC degraded (short on staff "
            "this month)",
            ("Surat Supplier", "Pune Plant", "Hyderabad Distribution Center"),
            ["update-node", "update-node"],
        ),
        # a statement of what is (nothing feeds it), then the request that points back
        (
            "The Manchester store has nothing feeding it now. Connect it to the bigger of the "
            "two remaining warehouses.",
            ("Manchester Store", "Bristol Warehouse", "Glasgow Warehouse"),
            ["connect-nodes"],
        ),
        (
            "Connect Burgos to the Zaragoza plant, and the plant to Valencia.",
            ("Burgos Supplier", "Zaragoza Plant", "Valencia Warehouse"),
            ["connect-nodes", "connect-nodes"],
        ),
    ],
)
def test_round_59_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_demand_at_the_stores_spikes_every_store(chain: SupplyChainEngine) -> None:
    talk(chain, "add a store in Delhi", "add a store in Mumbai", "Lyon -> Delhi Store")
    answer = chain.run_turn(EngineRequest(USER, "c1", "Demand +25% at the stores for 4 weeks", ()))
    assert answer.start_metadata["intent"] == "what-if-demand-spike"
    assert "at your 2 retailers" in answer.text


def test_a_correction_naming_the_wrong_town_redoes_the_add(engine: SupplyChainEngine) -> None:
    talk(engine, "add a store in singapore")
    assert talk(engine, "no wait, the store should be in kuala lumpur not singapore") == [
        ["add-retailer"]
    ]
    assert set(nodes(engine)) == {"Kuala Lumpur Store"}


def test_how_big_is_a_node_pointed_at(chain: SupplyChainEngine) -> None:
    talk(chain, "what feeds Lyon?")
    assert talk(chain, "How big is that one?") == [["get-node-details"]]
    assert kinds("how big is the Lyon warehouse?", ("Lyon Warehouse",)) == ["get-node-details"]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("link sup -> mfg", ("Dayton Supplier", "Fort Wayne Plant"), ["connect-nodes"]),
        # a field of the user's node named: a change, whatever else the sentence says
        (
            "Ok I understand. Please make capacity of Denizli factory 24000, we buy new machine.",
            ("Denizli Plant", "Adana Supplier"),
            ["update-node"],
        ),
        # lettered items under a numbered heading, with a short unit and a rate
        (
            "Plan for the new Iberia network:\n1. Suppliers\n   a. Granada - 9,000 L/month\n"
            "   b. Badajoz - 6,500 L/month\n2. Bottling plant in Seville, 14,000 L/month\n"
            "3. Link both suppliers to the Seville plant",
            (),
            ["add-supplier", "add-supplier", "add-manufacturer", "connect-nodes"],
        ),
    ],
)
def test_round_61_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_the_second_one_after_the_first_warehouse_is_the_second_warehouse() -> None:
    (compare,) = commands(
        "Compare the first warehouse with the second one.",
        ("Nagpur Warehouse", "Hyderabad Plant", "Pune Warehouse"),
    )
    assert [n.node_type for n in compare.params["nodes"]] == ["warehouse", "warehouse"]
    (update,) = commands("Please make capacity of Denizli factory 24000", ("Denizli Plant",))
    assert update.params["capacity"] == 24_000
    (add,) = commands("add a plant in Seville, 14,000 L/month")
    assert add.params["capacity"] == 14_000


_R62_C05 = (
    "add-retailer",
    "add-retailer",
    "connect-nodes",
    "connect-nodes",
    "add-retailer",
    "connect-nodes",
)


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a case to play out, never a link to cut
        (
            "If supplier in Haiphong not deliver for 10 day, what happen to factory?",
            ("Haiphong Supplier", "Ho Chi Minh City Plant"),
            ["what-if-supplier-failure"],
        ),
        ("What mean 'degraded'? I see this word in screen.", (), ["help"]),
        # what the user expects of a change is no risk scan
        (
            "Add a supplier in Regina, 15,000 units a month, feeding Calgary Plant. That should "
            "cut the Saskatoon exposure.",
            ("Calgary Plant", "Saskatoon Supplier"),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Fabric we buy from supplier in Haiphong, 30000 meter. Also one more supplier in "
            "Hanoi 20000 meter. Both send to factory.",
            ("Ho Chi Minh City Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "Finish good go to warehouse in Da Nang, 20000 piece, please make connect from "
            "factory.",
            ("Ho Chi Minh City Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Next:\n- stores in Boulder and Colorado Springs, 3k each, both from Denver\n"
            "- store in Memphis, 2k, from St. Louis",
            ("Denver Distribution Center", "St. Louis Distribution Center"),
            list(_R62_C05),
        ),
    ],
)
def test_round_62_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_what_if_said_with_not_deliver_cuts_no_link(chain: SupplyChainEngine) -> None:
    before = links(chain)
    assert talk(chain, "If supplier in Nagpur not deliver for 10 day, what happen to factory?") == [
        ["what-if-supplier-failure"]
    ]
    assert links(chain) == before


def test_a_removal_by_pronoun_says_how_the_pronoun_was_read(engine: SupplyChainEngine) -> None:
    # a misread earlier message can move "it"; the question says which node "it" became
    engine.run_turn(EngineRequest(USER, "c1", "add a warehouse in Rotterdam", ()))
    asked = engine.run_turn(EngineRequest(USER, "c1", "remove it", ()))
    assert asked.text == (
        'By "it" I take **Rotterdam Warehouse**. '
        "Remove **Rotterdam Warehouse** (it has no links)? (yes/no)"
    )
    kept = engine.run_turn(EngineRequest(USER, "c1", "no", ()))
    assert kept.text == (
        'OK, I won\'t ("Remove **Rotterdam Warehouse** (it has no links)? (yes/no)"). '
        "Nothing was changed."
    )
    assert [n.name for n in engine.twin.list_nodes(USER)] == ["Rotterdam Warehouse"]
