"""The language layer: every intent from natural phrasings, parameters, references, steps,
clarifications and unknown requests."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnitrack_realtime.engine.commands import (
    INTENTS,
    Act,
    Clarification,
    Command,
    NodeRef,
    ParseResult,
    Place,
)
from omnitrack_realtime.engine.language import (
    MAX_STEPS,
    parse,
    parse_duration_hours,
    parse_number,
    parse_percent,
)

NAMES = (
    "Shanghai Supplier",
    "Berlin Plant",
    "Rotterdam Warehouse",
    "Chicago DC",
    "NYC Flagship Store",
    "Jakarta Textiles",
    "Acme Components",
)


def one(text: str, names: tuple[str, ...] = NAMES) -> Command:
    result = parse(text, known_names=names)
    assert result.clarification is None, result.clarification
    assert len(result.commands) == 1, result.commands
    command = result.commands[0]
    assert 0 <= command.confidence <= 1
    return command


def intents(text: str, names: tuple[str, ...] = NAMES) -> list[str]:
    result = parse(text, known_names=names)
    assert result.clarification is None, result.clarification
    return [c.intent for c in result.commands]


def question(text: str, names: tuple[str, ...] = NAMES) -> tuple[str | None, str]:
    result = parse(text, known_names=names)
    assert result.clarification is not None, result.commands
    assert not result.commands
    return result.clarification.intent, result.clarification.question


def ref(command: Command, key: str = "node") -> NodeRef:
    value = command.params[key]
    assert isinstance(value, NodeRef)
    return value


def place(command: Command, key: str = "place") -> Place:
    value = command.params[key]
    assert isinstance(value, Place)
    return value


# --- build: add


@pytest.mark.parametrize(
    ("text", "intent", "city"),
    [
        ("add a supplier in Jakarta", "add-supplier", "Jakarta"),
        ("Please onboard a new vendor based in Hanoi", "add-supplier", "Hanoi"),
        ("we need a factory in Monterrey", "add-manufacturer", "Monterrey"),
        ("build a fab near Hsinchu", "add-manufacturer", "Hsinchu"),
        ("create a manufacturing plant in Pune", "add-manufacturer", "Pune"),
        ("add a warehouse in Rotterdam", "add-warehouse", "Rotterdam"),
        ("open a depot in Lagos", "add-warehouse", "Lagos"),
        ("set up a storage facility in Dubai", "add-warehouse", "Dubai"),
        ("add a DC in Chicago", "add-distributor", "Chicago"),
        ("new distribution hub in Frankfurt", "add-distributor", "Frankfurt"),
        ("add a distributor in Toronto", "add-distributor", "Toronto"),
        ("open a store in NYC", "add-retailer", "New York"),
        ("add a shop in Sao Paulo", "add-retailer", "São Paulo"),
        ("launch an outlet in Saigon", "add-retailer", "Ho Chi Minh City"),
    ],
)
def test_add_node_phrasings(text: str, intent: str, city: str) -> None:
    command = one(text)
    assert command.intent == intent
    assert place(command).city == city
    assert command.confidence >= 0.8


def test_add_with_name_and_capacity() -> None:
    command = one("add a vendor in Shenzhen called Pearl River Electronics with capacity 5,000")
    assert command.params["name"] == "Pearl River Electronics"
    assert command.params["capacity"] == 5000
    assert place(command).city == "Shenzhen"


@pytest.mark.parametrize(
    ("text", "capacity"),
    [
        ("add a warehouse in Hamburg with 5k units", 5000),
        ("add a warehouse in Hamburg, capacity 10,000 units", 10000),
        ("add a warehouse in Hamburg that holds 20000", 20000),
        ("add a warehouse in Hamburg with room for twelve thousand units", 12000),
        ("add a warehouse in Hamburg with a capacity of 1.5 million", 1_500_000),
    ],
)
def test_add_capacity_phrasings(text: str, capacity: int) -> None:
    assert one(text).params["capacity"] == capacity


def test_add_in_a_region_is_approximate() -> None:
    command = one("Add a new supplier in Asia")
    where = place(command)
    assert where.region == "asia-pacific" and where.approximate and where.city is None


def test_add_in_a_country() -> None:
    where = place(one("add a plant in Germany"))
    assert where.country == "Germany" and where.approximate


def test_add_several_places_makes_several_steps() -> None:
    result = parse("add two warehouses, one in Hamburg and one in Antwerp")
    assert [place(c).city for c in result.commands] == ["Hamburg", "Antwerp"]
    assert {c.intent for c in result.commands} == {"add-warehouse"}


def test_add_without_place_asks_where() -> None:
    intent, text = question("add a supplier")
    assert intent == "add-supplier"
    assert "Where" in text


def test_add_in_unknown_place_asks() -> None:
    intent, text = question("add a warehouse in Narnia")
    assert intent == "add-warehouse"
    assert "Narnia" in text


# --- build: remove, update


@pytest.mark.parametrize(
    "text",
    [
        "remove Berlin Plant",
        "delete the berlin plant please",
        "get rid of Berlin Plant",
        "decommission berlin plant",
        "drop the Berlin plant from the network",
    ],
)
def test_remove_by_name(text: str) -> None:
    command = one(text)
    assert command.intent == "remove-node"
    assert ref(command) == NodeRef("Berlin Plant", "name")


def test_remove_by_id_pronoun_and_place() -> None:
    assert ref(one("remove sup-3", ())) == NodeRef("sup-3", "id")
    assert ref(one("delete it")) == NodeRef("it", "pronoun")
    node = ref(one("remove the warehouse in Lisbon", ()))
    assert node.kind == "place" and node.node_type == "warehouse"
    assert node.place is not None and node.place.city == "Lisbon"


def test_remove_without_node_asks() -> None:
    assert question("remove")[0] == "remove-node"


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("increase the capacity of Berlin Plant to 15,000", {"capacity": 15000}),
        ("set Berlin Plant capacity to 8k", {"capacity": 8000}),
        ("mark Berlin Plant as degraded", {"status": "degraded"}),
        ("Berlin Plant is offline", {"status": "offline"}),
        ("berlin plant is back online", {"status": "operational"}),
        ("Berlin Plant has been disrupted", {"status": "disrupted"}),
        ("set inventory at Berlin Plant to 400", {"inventory": 400}),
        ("set utilization of Berlin Plant to 85%", {"utilization": 0.85}),
    ],
)
def test_update_node(text: str, changes: dict[str, Any]) -> None:
    command = one(text)
    assert command.intent == "update-node"
    assert ref(command).text == "Berlin Plant"
    for key, value in changes.items():
        assert command.params[key] == value


def test_update_location() -> None:
    command = one("move the Chicago DC to Dallas")
    assert ref(command).text == "Chicago DC"
    assert place(command).city == "Dallas"


def test_update_without_field_asks_what() -> None:
    intent, text = question("update the Berlin Plant")
    assert intent == "update-node"
    assert "Berlin Plant" in text


# --- build: connect, disconnect


def test_connect_by_names_with_method() -> None:
    command = one("hook up Jakarta Textiles to rotterdam warehouse by sea")
    assert command.intent == "connect-nodes"
    assert ref(command, "source").text == "Jakarta Textiles"
    assert ref(command, "target").text == "Rotterdam Warehouse"
    assert command.params["shipping_method"] == "sea"


@pytest.mark.parametrize(
    "text",
    [
        "connect Shanghai Supplier to Berlin Plant",
        "link shanghai supplier with berlin plant",
        "Shanghai Supplier should supply Berlin Plant",
        "ship from Shanghai Supplier to Berlin Plant",
        "create a route between Shanghai Supplier and Berlin Plant",
        "Berlin Plant is supplied by Shanghai Supplier",
        "Berlin Plant buys parts from Shanghai Supplier",
    ],
)
def test_connect_keeps_direction(text: str) -> None:
    command = parse(text, known_names=NAMES).commands[0]
    assert command.intent == "connect-nodes"
    assert ref(command, "source").text == "Shanghai Supplier"
    assert ref(command, "target").text == "Berlin Plant"


def test_connect_by_place_and_type_without_known_names() -> None:
    command = one("connect the Shanghai supplier to the Rotterdam warehouse", ())
    source, target = ref(command, "source"), ref(command, "target")
    assert source.kind == "place" and source.node_type == "supplier"
    assert source.place is not None and source.place.city == "Shanghai"
    assert target.node_type == "warehouse"
    assert target.place is not None and target.place.city == "Rotterdam"


def test_connect_them_uses_the_plural_pronoun() -> None:
    command = one("connect them")
    assert ref(command, "source") == ref(command, "target") == NodeRef("them", "pronoun")


def test_connect_with_one_node_asks_to_what() -> None:
    intent, text = question("connect it")
    assert intent == "connect-nodes"
    assert "to which node" in text


@pytest.mark.parametrize(
    "text",
    [
        "disconnect Shanghai Supplier from Berlin Plant",
        "cut the link between Shanghai Supplier and Berlin Plant",
        "remove the connection between Shanghai Supplier and Berlin Plant",
        "stop shipping from Shanghai Supplier to Berlin Plant",
        "Shanghai Supplier should no longer supply Berlin Plant",
    ],
)
def test_disconnect(text: str) -> None:
    command = one(text)
    assert command.intent == "disconnect-nodes"
    assert ref(command, "source").text == "Shanghai Supplier"
    assert ref(command, "target").text == "Berlin Plant"


# --- configure


@pytest.mark.parametrize(
    ("text", "intent", "key", "value"),
    [
        ("set region to Europe", "set-region", "region", "europe"),
        ("we operate mostly in APAC", "set-region", "region", "asia-pacific"),
        ("switch the region to LATAM", "set-region", "region", "latin-america"),
        ("our region is the Middle East", "set-region", "region", "middle-east"),
        ("set industry to pharma", "set-industry", "industry", "pharmaceuticals"),
        ("we make cars", "set-industry", "industry", "automotive"),
        ("we're a fashion brand", "set-industry", "industry", "fashion"),
        ("our sector is food and beverage", "set-industry", "industry", "food-beverage"),
        ("we're in the chemicals business", "set-industry", "industry", "chemicals"),
        ("industry: semiconductors", "set-industry", "industry", "electronics"),
        ("switch currency to euros", "set-currency", "currency", "EUR"),
        ("show prices in yen", "set-currency", "currency", "JPY"),
        ("currency: renminbi", "set-currency", "currency", "CNY"),
        ("use pounds sterling", "set-currency", "currency", "GBP"),
        ("set the currency to USD", "set-currency", "currency", "USD"),
        ("enable air freight", "add-shipping-method", "method", "air"),
        ("add rail as a shipping method", "add-shipping-method", "method", "rail"),
        ("we also ship by sea", "add-shipping-method", "method", "sea"),
        ("allow trucking", "add-shipping-method", "method", "truck"),
        ("enable express shipping", "add-shipping-method", "method", "express"),
        ("set risk profile to high", "set-risk-profile", "level", "high"),
        ("our risk tolerance is low", "set-risk-profile", "level", "low"),
        ("moderate risk appetite please", "set-risk-profile", "level", "medium"),
        ("we're risk averse, set our risk profile accordingly", "set-risk-profile", "level", "low"),
    ],
)
def test_configure(text: str, intent: str, key: str, value: str) -> None:
    command = one(text)
    assert command.intent == intent
    assert command.params[key] == value


def test_shipping_method_on_a_node() -> None:
    command = one("use express shipping for Berlin Plant")
    assert command.params["method"] == "express"
    assert ref(command).text == "Berlin Plant"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("set the region", "set-region"),
        ("change the currency", "set-currency"),
        ("change our industry", "set-industry"),
        ("change risk profile", "set-risk-profile"),
        ("add a shipping method", "add-shipping-method"),
    ],
)
def test_configure_without_value_asks(text: str, intent: str) -> None:
    assert question(text)[0] == intent


# --- analyze


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("scan for anomalies", "scan-anomalies"),
        ("scan for anomolies", "scan-anomalies"),
        ("anything unusual in the network?", "scan-anomalies"),
        ("any outliers", "scan-anomalies"),
        ("identify risks", "identify-risks"),
        ("what are my biggest vulnerabilities", "identify-risks"),
        ("do we have single points of failure?", "identify-risks"),
        ("find bottlenecks", "find-bottlenecks"),
        ("where are the choke points", "find-bottlenecks"),
        ("which sites are overloaded", "find-bottlenecks"),
        ("calculate utilization", "calculate-utilization"),
        ("how busy is the network", "calculate-utilization"),
        ("capacity utilisation report", "calculate-utilization"),
    ],
)
def test_analyze(text: str, intent: str) -> None:
    assert one(text).intent == intent


def test_analyze_narrowed_to_a_node_or_type() -> None:
    assert ref(one("check for anomalies at Berlin Plant")).text == "Berlin Plant"
    assert one("find bottlenecks among the warehouses").params["node_type"] == "warehouse"
    assert one("how busy are my stores?").params["node_type"] == "retailer"


# --- simulate


def test_run_simulation_with_everything() -> None:
    command = one("simulate a severe earthquake in Tokyo lasting 3 days")
    assert command.intent == "run-simulation"
    assert command.params["scenario"] == "natural-disaster"
    assert command.params["severity"] == "high"
    assert command.params["duration_hours"] == 72
    assert place(command).city == "Tokyo"


@pytest.mark.parametrize(
    ("text", "scenario"),
    [
        ("simulate a typhoon", "natural-disaster"),
        ("run a ransomware scenario", "cyber-attack"),
        ("simulate a cyber attack on Berlin Plant", "cyber-attack"),
        ("what if new tariffs hit China", "geopolitical"),
        ("simulate a labour strike in France", "labor-shortage"),
        ("run a quality issue scenario", "quality-issue"),
        ("model a product recall", "quality-issue"),
        ("simulate transportation delays", "transportation-delay"),
        ("simulate a supplier failure", "supplier-failure"),
    ],
)
def test_run_simulation_scenarios(text: str, scenario: str) -> None:
    command = one(text)
    assert command.intent == "run-simulation"
    assert command.params["scenario"] == scenario


def test_simulation_without_scenario_asks() -> None:
    assert question("run a simulation")[0] == "run-simulation"


def test_port_closure() -> None:
    command = one("what if the port of Rotterdam closes for a week")
    assert command.intent == "what-if-port-closure"
    assert place(command).city == "Rotterdam"
    assert command.params["duration_hours"] == 168
    assert place(one("what if LA port shuts down")).city == "Los Angeles"


def test_supplier_failure() -> None:
    command = one("what if Shanghai Supplier fails for two weeks")
    assert command.intent == "what-if-supplier-failure"
    assert ref(command).text == "Shanghai Supplier"
    assert command.params["duration_hours"] == 336
    node = ref(one("what happens if our vendor in Jakarta goes bankrupt?", ()))
    assert node.kind == "place" and node.node_type == "supplier"


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("what if demand spikes 30%", 30),
        ("what if demand doubles", 100),
        ("what if demand triples", 200),
        ("simulate a demand surge of fifty percent", 50),
        ("demand jumps 2x", 100),
    ],
)
def test_demand_spike(text: str, percent: float) -> None:
    command = one(text)
    assert command.intent == "what-if-demand-spike"
    assert command.params["percent"] == percent


def test_demand_spike_where() -> None:
    assert place(one("what if demand doubles in Europe")).region == "europe"
    assert ref(one("demand at NYC Flagship Store spikes 40%")).text == "NYC Flagship Store"


def test_a_statement_is_not_a_simulation() -> None:
    command = one("Shanghai Supplier has been disrupted by the typhoon")
    assert command.intent == "update-node"
    assert command.params["status"] == "disrupted"


# --- query


@pytest.mark.parametrize(
    "text",
    ["tell me about Berlin Plant", "show details for Berlin Plant", "how's Berlin Plant doing?"],
)
def test_node_details(text: str) -> None:
    command = one(text)
    assert command.intent == "get-node-details"
    assert ref(command).text == "Berlin Plant"


def test_node_details_by_id_and_pronoun() -> None:
    assert ref(one("show details for wh-2", ())) == NodeRef("wh-2", "id")
    assert ref(one("what's the status of it")).kind == "pronoun"
    assert question("show details")[0] == "get-node-details"


@pytest.mark.parametrize(
    "text",
    [
        "give me an overview of my network",
        "network summary",
        "summarize the supply chain",
        "how many nodes do I have?",
        "what does my network look like",
    ],
)
def test_network_summary(text: str) -> None:
    assert one(text).intent == "get-network-summary"


def test_recent_alerts() -> None:
    assert one("show recent alerts").params == {}
    assert one("any critical alerts?").params == {"severity": "critical"}
    assert one("show me the last 5 warnings").params == {"limit": 5}
    assert one("top three high alerts").params == {"severity": "high", "limit": 3}


@pytest.mark.parametrize("text", ["help", "what can you do?", "how do I add a node?", "Help!"])
def test_help(text: str) -> None:
    assert one(text).intent == "help"


# --- references


def test_known_names_are_case_and_typo_tolerant() -> None:
    assert ref(one("delete berlin plnat")).text == "Berlin Plant"
    assert ref(one("remove the shanghai suplier")).text == "Shanghai Supplier"
    assert ref(one("remove Acme")).text == "Acme Components"


def test_words_inside_names_do_not_trigger_intents() -> None:
    # "Plant", "Store", "DC" are node types, "Supplier" a failure cue: all masked as names.
    assert one("tell me about NYC Flagship Store").intent == "get-node-details"
    assert one("how's the Chicago DC doing").intent == "get-node-details"


def test_pronouns() -> None:
    assert ref(one("remove that")).text == "that"
    assert ref(one("remove this one")).text == "this one"
    assert ref(one("delete them")).text == "them"
    assert ref(one("bump its capacity to 9k")).text == "it"


# --- multi-step


def test_multi_step_in_order_with_pronoun() -> None:
    result = parse(
        "add a warehouse in Rotterdam and then connect it to the Shanghai Supplier",
        known_names=NAMES,
    )
    assert [c.intent for c in result.commands] == ["add-warehouse", "connect-nodes"]
    connect = result.commands[1]
    assert ref(connect, "source").kind == "pronoun"
    assert ref(connect, "target").text == "Shanghai Supplier"


@pytest.mark.parametrize(
    "text",
    [
        "scan for anomalies; find bottlenecks",
        "scan for anomalies, then find bottlenecks",
        "scan for anomalies and after that find bottlenecks",
        "1. scan for anomalies 2. find bottlenecks",
        "1) scan for anomalies\n2) find bottlenecks",
        "- scan for anomalies\n- find bottlenecks",
        "scan for anomalies. Then find bottlenecks.",
    ],
)
def test_step_separators(text: str) -> None:
    assert intents(text) == ["scan-anomalies", "find-bottlenecks"]


def test_shared_verb_is_reused() -> None:
    result = parse("add a supplier in Busan and a plant in Ulsan")
    assert [c.intent for c in result.commands] == ["add-supplier", "add-manufacturer"]
    assert [place(c).city for c in result.commands] == ["Busan", "Ulsan"]
    assert intents("set currency to EUR and industry to fashion") == [
        "set-currency",
        "set-industry",
    ]


def test_at_most_max_steps() -> None:
    cities = (
        "Paris",
        "Lyon",
        "Lille",
        "Nantes",
        "Nice",
        "Metz",
        "Brest",
        "Dijon",
        "Rouen",
        "Tours",
    )
    text = "; ".join(f"add a store in {city}" for city in cities[: MAX_STEPS - 1])
    assert not parse(text).too_many_steps
    result = parse(text + f"; add a store in {cities[MAX_STEPS - 1]}; add a store in Bordeaux")
    assert result.too_many_steps
    assert len(result.commands) == MAX_STEPS
    assert place(result.commands[-1]).city == cities[MAX_STEPS - 1]


def test_an_unclear_step_is_asked_about_and_the_others_still_run() -> None:
    result = parse("add a warehouse in Dubai and then add a supplier")
    assert [c.intent for c in result.commands] == ["add-warehouse"]
    assert result.clarification is not None
    assert result.clarification.intent == "add-supplier"
    assert [type(s).__name__ for s in result.steps] == ["Command", "Clarification"]


def test_a_meaningful_part_not_understood_is_asked_about_where_it_stood() -> None:
    result = parse(
        "add a warehouse in Dubai; frobnicate Berlin Plant; then add a store in Paris",
        known_names=NAMES,
    )
    assert [c.intent for c in result.commands] == ["add-warehouse", "add-retailer"]
    assert isinstance(result.steps[1], Clarification) and result.steps[1].intent is None
    assert "frobnicate" in result.steps[1].question


def test_connect_and_between_are_not_step_separators() -> None:
    assert intents("connect Berlin Plant and Chicago DC") == ["connect-nodes"]
    assert intents("we make semiconductors and consumer electronics") == ["set-industry"]


# --- filler, typos, confidence, unknown


@pytest.mark.parametrize(
    "text",
    [
        "hey can you please add a supplier in Lima",
        "Hi! So um, could you maybe add a supplier in Lima?",
        "I'd like to add a supplier in Lima, thanks",
        "ADD A SUPPLIER IN LIMA",
        "add a suplier in lima",
    ],
)
def test_filler_case_and_typos(text: str) -> None:
    command = one(text)
    assert command.intent == "add-supplier"
    assert place(command).city == "Lima"


def test_typos_lower_confidence() -> None:
    clean = one("scan for anomalies").confidence
    typo = one("scan for anomolies").confidence
    assert typo < clean


@pytest.mark.parametrize(
    "text",
    ["blah blah", "", "   ", "42", "🙂"],
)
def test_unknown_requests(text: str) -> None:
    result = parse(text)
    assert result == ParseResult()


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("what's the weather like", "check the weather"),
        ("tell me a joke", "tell jokes or chat about other topics"),
        ("can you write an email to our supplier about the delay?", "send email or messages"),
        ("book a truck from Hamburg to Lyon", "book trucks or shipments"),
        ("please track the shipment to Berlin Plant", "track shipments or trucks"),
    ],
)
def test_out_of_scope_requests_say_what_was_asked(text: str, topic: str) -> None:
    result = parse(text, known_names=NAMES)
    assert not result.commands and result.clarification is None
    assert [(s.kind, s.topic) for s in result.steps if isinstance(s, Act)] == [
        ("out-of-scope", topic)
    ]
    assert len(result.steps) == 1


# --- numbers, durations, percentages


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5,000", 5000),
        ("5k", 5000),
        ("5 k", 5000),
        ("1.5m", 1_500_000),
        ("twenty five", 25),
        ("twenty-five thousand", 25000),
        ("two hundred", 200),
        ("a dozen", 12),
        ("three million", 3_000_000),
        ("12", 12),
        ("banana", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("for two weeks", 336),
        ("72 hours", 72),
        ("48h", 48),
        ("3 days", 72),
        ("a month", 720),
        ("lasting a fortnight", 336),
        ("half a day", 12),
        ("10 days", 240),
        ("next month", None),
        ("in 2 weeks", None),
        ("2 days ago", None),
        ("no duration here", None),
    ],
)
def test_parse_duration(text: str, hours: float | None) -> None:
    assert parse_duration_hours(text) == hours


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("30%", 30),
        ("thirty percent", 30),
        ("12.5 per cent", 12.5),
        ("doubles", 100),
        ("triples", 200),
        ("3x", 200),
        ("grows by half", 50),
        ("nothing", None),
    ],
)
def test_parse_percent(text: str, percent: float | None) -> None:
    assert parse_percent(text) == percent


# --- invariants


def _check_invariants(result: ParseResult) -> None:
    every = {intent for group in INTENTS.values() for intent in group}
    assert len(result.commands) <= MAX_STEPS
    assert list(result.commands) == [s for s in result.ordered() if isinstance(s, Command)]
    for command in result.commands:
        assert command.intent in every
        assert 0 <= command.confidence <= 1
    if result.clarification is not None:
        assert result.clarification.question
        assert result.clarification.intent is None or result.clarification.intent in every


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_without_error(text: str) -> None:
    _check_invariants(parse(text, known_names=NAMES))


WORDS = [
    "add", "a", "supplier", "in", "Jakarta", "connect", "it", "to", "Berlin Plant", "then",
    "and", "remove", "the", "warehouse", "what", "if", "demand", "doubles", "port", "closes",
    "scan", "anomalies", "50%", "for", "3 days", "set", "region", "Europe", ";", "1.", "2.",
    "capacity", "5k", "them", "simulate", "earthquake", "show", "alerts", "help", "sup-1",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30))
def test_any_word_salad_parses_without_error(words: list[str]) -> None:
    _check_invariants(parse(" ".join(words), known_names=NAMES))


# --- questions versus statements, relative changes


def test_a_question_about_a_node_is_not_an_update() -> None:
    command = one("is Berlin Plant operational?")
    assert command.intent == "get-node-details"
    assert ref(command).text == "Berlin Plant"
    assert one("Berlin Plant is operational again").params["status"] == "operational"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("shut down Berlin Plant", "offline"),
        ("take Berlin Plant offline", "offline"),
        ("close the Berlin plant", "offline"),
        ("bring Berlin Plant back online", "operational"),
        ("reopen Berlin Plant", "operational"),
    ],
)
def test_status_verbs(text: str, status: str) -> None:
    command = one(text)
    assert command.intent == "update-node"
    assert command.params["status"] == status


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("increase capacity of Berlin Plant by 2000", "capacity_delta", 2000),
        ("double the capacity of Berlin Plant", "capacity_factor", 2),
        ("halve Berlin Plant's capacity", "capacity_factor", 0.5),
        ("cut the capacity of Berlin Plant by 2k", "capacity_delta", -2000),
        ("add 2,000 to Berlin Plant's capacity", "capacity_delta", 2000),
        ("raise Berlin Plant's capacity by 20%", "capacity_factor", 1.2),
        ("bump Berlin Plant up by another 500 units", "capacity_delta", 500),
    ],
)
def test_relative_changes_are_read_for_the_engine_to_make_exact(
    text: str, key: str, value: float
) -> None:
    command = one(text, NAMES)
    assert command.intent == "update-node" and ref(command).text == "Berlin Plant"
    assert command.params[key] == pytest.approx(value)


def test_a_relative_inventory_change_still_asks_for_the_exact_value() -> None:
    intent, text = question("increase inventory of Berlin Plant by 200")
    assert intent == "update-node" and "Berlin Plant" in text


def test_demand_drop_is_not_a_spike() -> None:
    assert question("simulate a 20% demand drop")[0] == "what-if-demand-spike"


def test_questions_about_the_network_get_the_summary() -> None:
    assert one("status").intent == "get-network-summary"
    assert one("how many nodes do we have?").intent == "get-network-summary"
    assert one("what's my current region").params == {"setting": "region"}
    assert one("show settings").intent == "get-settings"
    assert one("how many suppliers do I have").params == {"node_type": "supplier"}
    assert one("list my warehouses").params == {"node_type": "warehouse"}


def test_possessive_names() -> None:
    command = one("set Berlin Plant's status to operational")
    assert ref(command) == NodeRef("Berlin Plant", "name")


def test_inflections_are_not_typos() -> None:
    command = one("Acme Components supplies Berlin Plant by rail")
    assert command.intent == "connect-nodes"
    assert ref(command, "source").text == "Acme Components"


# --- round-3 behaviours


def test_place_with_a_typo_is_recognised_with_less_confidence() -> None:
    command = one("add a suplier in Jakrta")
    assert place(command).city == "Jakarta"
    assert command.confidence < one("add a supplier in Jakarta").confidence


def test_quoted_name() -> None:
    command = one("create 'Nordic Freight Hub' as a distribution center in Oslo")
    assert command.intent == "add-distributor"
    assert command.params["name"] == "Nordic Freight Hub"
    assert place(command).city == "Oslo"


def test_lists_of_nodes_and_methods_make_several_steps() -> None:
    result = parse("remove Berlin Plant and Chicago DC", known_names=NAMES)
    assert [ref(c).text for c in result.commands] == ["Berlin Plant", "Chicago DC"]
    result = parse("enable trucks and rail")
    assert [c.params["method"] for c in result.commands] == ["truck", "rail"]


def test_a_stated_value_without_verb_updates() -> None:
    command = one("Chicago DC: capacity 20,000")
    assert command.intent == "update-node"
    assert command.params["capacity"] == 20000


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("we're fine with high risk", "high"),
        ("set risk to low", "low"),
        ("we can take on more risk, set our risk appetite accordingly", "high"),
    ],
)
def test_risk_profile_phrasings(text: str, level: str) -> None:
    command = parse(text).commands[-1]
    assert command.intent == "set-risk-profile"
    assert command.params["level"] == level


# --- never act against the words


@pytest.mark.parametrize(
    "text",
    [
        "don't add a supplier in Jakarta",
        "I don't want to remove Berlin Plant",
        "never mind, don't delete it",
        "never mind",
    ],
)
def test_negated_requests_change_nothing(text: str) -> None:
    result = parse(text, known_names=NAMES)
    assert not result.commands and result.clarification is None
    assert {s.kind for s in result.steps if isinstance(s, Act)} <= {"cancelled", "no"}


def test_advice_question_is_not_an_order() -> None:
    assert one("should I add a warehouse in Rotterdam?").intent == "recommend"


def test_questions_about_connections_are_details() -> None:
    assert one("what's connected to Berlin Plant?").intent == "get-node-details"
    assert one("which nodes are connected to Chicago DC").intent == "get-node-details"


def test_sentences_continue_the_previous_step() -> None:
    result = parse("add a supplier in Jakarta. It should have a capacity of 4000.")
    assert [c.intent for c in result.commands] == ["add-supplier", "update-node"]
    assert result.commands[1].params["capacity"] == 4000
    result = parse("Add a supplier in Jakarta! Then a warehouse in Singapore.")
    assert [c.intent for c in result.commands] == ["add-supplier", "add-warehouse"]


def test_a_bare_scenario_is_a_less_certain_simulation() -> None:
    command = one("earthquake in Tokyo")
    assert command.intent == "run-simulation"
    assert command.confidence < one("simulate an earthquake in Tokyo").confidence


# --- round-4 behaviours


def test_key_value_fragments_join_the_request() -> None:
    command = one("Add warehouse. Location: Hamburg. Capacity: 12k.")
    assert command.intent == "add-warehouse"
    assert place(command).city == "Hamburg"
    assert command.params["capacity"] == 12000


def test_demonstrative_with_a_type_is_a_pronoun() -> None:
    node = ref(one("could you get rid of that warehouse"))
    assert node.kind == "pronoun" and node.node_type == "warehouse"
    source = ref(one("connect the new warehouse to Berlin Plant"), "source")
    assert source.kind == "pronoun" and source.node_type == "warehouse"


def test_an_arrow_to_a_number_is_a_value_not_a_link() -> None:
    command = one("Berlin Plant capacity -> 9,500")
    assert command.intent == "update-node"
    assert command.params["capacity"] == 9500


def test_restock_sets_inventory() -> None:
    assert one("restock Berlin Plant to 10,000 units").params["inventory"] == 10000


def test_turning_a_method_off_is_not_adding_it() -> None:
    intent, _text = question("turn off air freight")
    assert intent is None


# --- round-5 behaviours


def test_call_it_names_the_node() -> None:
    command = one("Add a supplier in Shenzhen, capacity 8000, call it Bay Area Electronics")
    assert command.params["name"] == "Bay Area Electronics"
    assert command.params["capacity"] == 8000


def test_both_the_a_and_the_b() -> None:
    result = parse("please remove both the Chicago DC and the Berlin Plant", known_names=NAMES)
    assert [ref(c).text for c in result.commands] == ["Chicago DC", "Berlin Plant"]


def test_named_status_without_verb() -> None:
    assert one("Berlin Plant: status degraded").params["status"] == "degraded"


def test_plural_of_a_known_word_is_not_corrected() -> None:
    assert one("can we also use planes?").params["method"] == "air"


# --- round-6 behaviours


def test_lists_of_pairs_and_nodes() -> None:
    result = parse(
        "connect Acme Components with Berlin Plant and Berlin Plant with Chicago DC",
        known_names=NAMES,
    )
    pairs = [(ref(c, "source").text, ref(c, "target").text) for c in result.commands]
    assert pairs == [("Acme Components", "Berlin Plant"), ("Berlin Plant", "Chicago DC")]
    result = parse("mark Jakarta Textiles and Acme Components as offline", known_names=NAMES)
    assert [(ref(c).text, c.params["status"]) for c in result.commands] == [
        ("Jakarta Textiles", "offline"),
        ("Acme Components", "offline"),
    ]
    assert intents("what's the status of Shanghai Supplier and Berlin Plant") == [
        "get-node-details",
        "get-node-details",
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    assert place(one("open a store in St. Petersburg")).city == "Saint Petersburg"
    assert place(one("add a DC in Washington D.C. please")).city == "Washington"


def test_alert_limit_with_a_severity_between() -> None:
    params = one("show me the 3 most recent critical alerts").params
    assert params == {"limit": 3, "severity": "critical"}


def test_make_that_a_warehouse() -> None:
    command = one("hmm, actually make that a warehouse in Bergen")
    assert command.intent == "add-warehouse"
    assert place(command).city == "Bergen"


# --- round-7 behaviours (a demo conversation)


def test_several_settings_in_one_sentence_keep_their_order() -> None:
    result = parse("we're an electronics maker based in Asia")
    assert [(c.intent, *c.params.values()) for c in result.commands] == [
        ("set-industry", "electronics"),
        ("set-region", "asia-pacific"),
    ]


def test_one_source_several_targets() -> None:
    result = parse("connect it to Berlin Plant and Chicago DC", known_names=NAMES)
    assert [ref(c, "target").text for c in result.commands] == ["Berlin Plant", "Chicago DC"]
    assert {ref(c, "source").kind for c in result.commands} == {"pronoun"}


def test_verbless_link_and_status() -> None:
    command = one("and the plant to the store")
    assert command.intent == "connect-nodes" and command.confidence <= 0.6
    assert ref(command, "source") == NodeRef("plant", "name", node_type="manufacturer")
    assert ref(command, "target") == NodeRef("store", "name", node_type="retailer")
    command = one("Berlin Plant back to normal")
    assert command.params["status"] == "operational"


def test_demand_spike_at_a_type_of_node() -> None:
    node = ref(one("what if demand spikes 40% at the store"))
    assert node.node_type == "retailer"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("any red flags?", "identify-risks"),
        ("where are we most stretched?", "find-bottlenecks"),
        ("how much of our capacity is in use", "calculate-utilization"),
        ("what's the latest?", "get-recent-alerts"),
        ("go with medium risk", "set-risk-profile"),
        ("pounds please", "set-currency"),
        ("help with simulations", "help"),
        ("what if the Suez canal is blocked for 6 days", "run-simulation"),
    ],
)
def test_conversational_phrasings(text: str, intent: str) -> None:
    assert one(text).intent == intent


def test_name_index_extended_after_an_add_matches_a_fresh_one() -> None:
    from omnitrack_realtime.engine import language

    base = [f"{city} Supplier {i}" for i, city in enumerate(["Lima", "Oslo", "Kyiv"] * 50)]
    grown = [*base, "Zephyr Optics", "Lima Supplier 0"]  # a new unique word, and a duplicate
    language.parse("hello", known_names=base)
    extended = language._name_index(tuple(grown))
    fresh = language._build_names(tuple(grown), None, 0)
    assert extended == fresh
    assert ref(one("remove zephyr", tuple(grown))).text == "Zephyr Optics"
    assert ref(one("remove Zephyr Optcs", tuple(grown))).text == "Zephyr Optics"


# --- round-9 behaviours (a chatty user)


@pytest.mark.parametrize(
    ("text", "intent", "country"),
    [
        ("I'd like a warehouse in Dubai", "add-warehouse", "United Arab Emirates"),
        ("we'd love a store in Lyon", "add-retailer", "France"),
        ("we should probably have a vendor in Mexico too", "add-supplier", "Mexico"),
        ("could we get one more plant in Poland", "add-manufacturer", "Poland"),
    ],
)
def test_wishes_are_adds(text: str, intent: str, country: str) -> None:
    command = one(text)
    assert command.intent == intent and place(command).country == country


@pytest.mark.parametrize(
    "text",
    [
        "how does my supply chain look?",
        "how does the network look right now?",
        "how do things look?",
        "how are we doing",
        "summery of my network pls",
    ],
)
def test_how_does_it_look_is_a_summary(text: str) -> None:
    assert one(text).intent == "get-network-summary"


@pytest.mark.parametrize(
    ("text", "node_type"),
    [
        ("show me the store", "retailer"),
        ("how's the warehouse doing?", "warehouse"),
        ("tell me about our plant", "manufacturer"),
    ],
)
def test_a_bare_type_is_shown_as_the_one_node_of_that_type(text: str, node_type: str) -> None:
    command = one(text, ("Sydney Store", "Perth Warehouse", "Penang Plant"))
    assert command.intent == "get-node-details"
    assert ref(command).node_type == node_type and ref(command).kind == "name"


def test_plural_types_are_not_one_node() -> None:
    assert one("show me the stores").params == {"node_type": "retailer"}


def test_a_pronoun_points_at_the_node_of_the_step_before() -> None:
    command = one("Berlin Plant's having some issues, mark it degraded")
    assert command.intent == "update-node" and command.params["status"] == "degraded"
    assert ref(command) == NodeRef("Berlin Plant", "name")
    command = one("Acme Components has been unreliable lately, remove it")
    assert command.intent == "remove-node" and ref(command).text == "Acme Components"


@pytest.mark.parametrize(
    ("text", "intent", "key", "value"),
    [
        (
            "can we up the capacity of Rotterdam Warehouse to 20,000?",
            "update-node",
            "capacity",
            20000,
        ),
        ("the NYC store has only 300 units left in stock", "update-node", "inventory", 300),
        (
            "can Shanghai Supplier ship to Berlin Plant by sea?",
            "connect-nodes",
            "shipping_method",
            "sea",
        ),
        ("we're mainly in Europe these days", "set-region", "region", "europe"),
        ("we can tolerate a lot of risk", "set-risk-profile", "level", "high"),
    ],
)
def test_round_9_phrasings(text: str, intent: str, key: str, value: Any) -> None:
    command = one(text)
    assert command.intent == intent and command.params[key] == value


def test_not_needing_a_link_disconnects() -> None:
    command = one("we don't need the link between Chicago DC and NYC Flagship Store anymore")
    assert command.intent == "disconnect-nodes"
    assert (ref(command, "source").text, ref(command, "target").text) == (
        "Chicago DC",
        "NYC Flagship Store",
    )


def test_a_question_about_shipping_does_not_connect() -> None:
    assert "connect-nodes" not in intents("does Shanghai Supplier ship to Berlin Plant?")


# --- round-10 behaviours (the same user, a held-out round)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("would be great to have a supplier in Taiwan", "add-supplier"),
        ("does anything look off?", "scan-anomalies"),
        ("quick status update on everything?", "get-network-summary"),
        ("what have I got so far?", "get-network-summary"),
        ("anything I should worry about in the alerts?", "get-recent-alerts"),
        ("how does this work?", "help"),
        ("what if Rotterdam's port closes", "what-if-port-closure"),
    ],
)
def test_round_10_phrasings(text: str, intent: str) -> None:
    assert one(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("could we have a look at the warehouse", "get-node-details"),
        ("I'd like a look at the Rotterdam warehouse", "get-node-details"),
        ("I'd like to see the warehouse", "get-node-details"),
        ("I'd like a quick summary", "get-network-summary"),
    ],
)
def test_wishes_to_look_are_not_adds(text: str, intent: str) -> None:
    assert one(text).intent == intent


def test_a_status_update_on_a_node_is_its_details() -> None:
    command = one("give me a status update on Berlin Plant")
    assert command.intent == "get-node-details" and ref(command).text == "Berlin Plant"


def test_causative_supply_connects() -> None:
    command = one("have the Penang plant feed the Sydney store", ("Penang Plant", "Sydney Store"))
    assert command.intent == "connect-nodes"
    assert (ref(command, "source").text, ref(command, "target").text) == (
        "Penang Plant",
        "Sydney Store",
    )


def test_a_bare_type_completes_a_pair() -> None:
    command = one("connect Berlin Plant to the store")
    assert ref(command, "source").text == "Berlin Plant"
    assert ref(command, "target") == NodeRef("store", "name", node_type="retailer")


def test_two_settings_after_one_verb() -> None:
    assert [c.params for c in parse("set us to Europe and euros").commands] == [
        {"region": "europe"},
        {"currency": "EUR"},
    ]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how's Chicago DC holding up?", "get-node-details"),
        ("what's holding things up?", "find-bottlenecks"),
        ("could you tell me what's going on with the network", "get-network-summary"),
        ("can you remind me what region we're in?", "get-network-summary"),
        ("how are things doing", "get-network-summary"),
        ("what does a simulation do?", "help"),
    ],
)
def test_more_conversational_phrasings(text: str, intent: str) -> None:
    assert one(text).intent == intent


def test_the_one_node_of_a_type_in_questions_and_what_ifs() -> None:
    assert ref(one("is the store ok?")) == NodeRef("store", "name", node_type="retailer")
    command = one("what if the plant goes offline?")
    assert command.intent == "what-if-supplier-failure"
    assert ref(command).node_type == "manufacturer"
    assert "node" not in one("what if a supplier fails?").params  # "a": any supplier


def test_how_are_the_plural_types_doing_is_their_utilization() -> None:
    command = one("how are the warehouses doing?")
    assert command.intent == "calculate-utilization"
    assert command.params == {"node_type": "warehouse"}


# Round 11 of the eval set: the general patterns its first try missed.


def test_a_place_with_one_resolves_to_the_known_name_there() -> None:
    # "the Rotterdam one" and "the store of Sydney": the user's node at that place.
    assert one("tell me about the Rotterdam one").params["node"] == NodeRef(
        "Rotterdam Warehouse", "name"
    )
    store = one("remove please the store of Sydney", ("Sydney Store", "Perth Warehouse"))
    assert store.params["node"].text == "Sydney Store"
    # No known name there: a place reference for the twin to resolve.
    ref = one("tell me about the Lisbon one").params["node"]
    assert (ref.kind, ref.place.city) == ("place", "Lisbon")


def test_the_node_i_just_added_is_a_pronoun_with_its_type() -> None:
    ref = one("delete the warehouse I just added").params["node"]
    assert (ref.kind, ref.node_type) == ("pronoun", "warehouse")


def test_a_pronoun_repeating_the_node_is_not_a_second_node() -> None:
    command = one("the warehouse of Perth, it have now 4000 of stock", ("Perth Warehouse",))
    assert command.params["node"].text == "Perth Warehouse"
    assert command.params["inventory"] == 4000


def test_ops_shorthand() -> None:
    add = one("new wh Hamburg cap 15k")
    assert (add.intent, add.params["capacity"]) == ("add-warehouse", 15000)
    cap = one("cap Chicago DC 25k")
    assert (cap.intent, cap.params["capacity"]) == ("update-node", 25000)
    arrow = one("Berlin Plant -> degraded")
    assert (arrow.intent, arrow.params["status"]) == ("update-node", "degraded")
    assert one("util by warehouse").params == {"node_type": "warehouse"}
    assert one("sim Shanghai Supplier failure 48h").intent == "what-if-supplier-failure"
    assert one("Berlin Plant -> Chicago DC").intent == "connect-nodes"


def test_a_qualifier_after_a_sentence_end_belongs_to_the_step_before() -> None:
    assert one("alerts. critical only.").params == {"severity": "critical"}
    assert one("what alerts fired recently? just the last 3").params == {"limit": 3}
    link = one("connect Shanghai Supplier to Berlin Plant? By sea I think")
    assert link.params["shipping_method"] == "sea"


def test_a_lettered_checklist_is_split() -> None:
    result = parse(
        "a) remove Acme Components b) connect Jakarta Textiles to Berlin Plant c) scan anomalies",
        known_names=NAMES,
    )
    assert [c.intent for c in result.commands] == [
        "remove-node",
        "connect-nodes",
        "scan-anomalies",
    ]


def test_a_hedge_before_but_is_an_aside() -> None:
    result = parse("I'm not totally sure how to read this, but is anything in my network at risk?")
    assert [(c.intent, c.params) for c in result.commands] == [("identify-risks", {})]
    assert one("I don't know how to add a supplier").intent == "help"


def test_an_add_said_over_several_sentences() -> None:
    result = parse(
        "Okay so we've just started working with a supplier over in Ho Chi Minh City, could "
        "you put them in the system? They can do about 6,000 units"
    )
    assert [c.intent for c in result.commands] == ["add-supplier"]
    assert result.commands[0].params["capacity"] == 6000
    # An update of another field stays an update.
    steps = parse("add a supplier in Jakarta. It should have a capacity of 4000.")
    assert [c.intent for c in steps.commands] == ["add-supplier", "update-node"]


def test_imperative_negation_of_a_link_is_cancelled() -> None:
    result = parse("don't connect Shanghai Supplier to Chicago DC", known_names=NAMES)
    assert result.clarification is None and not result.commands
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["cancelled"]
    assert one("Shanghai Supplier shouldn't ship to Chicago DC").intent == "disconnect-nodes"


def test_round_11_phrasings_of_settings_and_scenarios() -> None:
    assert one("turn on sea freight for Shanghai Supplier").intent == "add-shipping-method"
    assert one("our company makes phones and laptops").params == {"industry": "electronics"}
    both = parse("we're a fashion brand, mostly selling in LatAm").commands
    assert [c.intent for c in both] == ["set-industry", "set-region"]
    assert one("risk: medium").params == {"level": "medium"}
    stuck = one("what if our shipments get stuck at customs for 5 days")
    assert stuck.params == {"scenario": "transportation-delay", "duration_hours": 120}
    hurt = one("could a quality problem at Berlin Plant hurt us?")
    assert hurt.params["scenario"] == "quality-issue"
    status = one("Berlin Plant is not working since yesterday")
    assert status.params["status"] == "offline"


def test_an_add_verb_inside_a_reference_is_not_an_add() -> None:
    ref = one("delete the store we just opened").params["node"]
    assert (ref.kind, ref.node_type) == ("pronoun", "retailer")


def test_a_real_help_question_after_a_hedge_is_kept() -> None:
    result = parse("I'm new to this, how do I add a supplier? also show me the network")
    assert [c.intent for c in result.commands] == ["help", "get-network-summary"]


def test_not_operational_is_offline() -> None:
    assert one("Berlin Plant is not operational").params["status"] == "offline"


def test_a_step_that_points_back_is_read_with_the_step_before() -> None:
    assert one("We're moving into pharma, set the industry accordingly").params == {
        "industry": "pharmaceuticals"
    }
    recall = one("Acme Components shipped a batch of faulty parts, simulate the recall")
    assert recall.params == {"scenario": "quality-issue", "node": NodeRef("Acme Components")}
    strike = one("dock workers walked out in Felixstowe, simulate 5 days of that")
    assert (strike.params["scenario"], strike.params["duration_hours"]) == ("labor-shortage", 120)
    assert "node" not in strike.params  # "that" is the walkout, not a node
    onboard = parse(
        "We've signed with a supplier in Penang, please onboard them with 3,500 units of capacity"
    ).commands
    assert [(c.intent, c.params["capacity"]) for c in onboard] == [("add-supplier", 3500)]


def test_advice_and_renaming_are_understood() -> None:
    advice = one("Should we close the Chicago DC?", NAMES)
    assert advice.intent == "recommend" and advice.params["goal"] == "close"
    rename = one("rename Berlin Plant to Berlin Assembly", NAMES)
    assert rename.params == {"node": NodeRef("Berlin Plant"), "name": "Berlin Assembly"}
    assert one("should we be worried about anything?").intent == "identify-risks"


def test_round_12_shorthand_and_lists() -> None:
    result = parse("add wh in antwerp + connect to chicago dc by sea", known_names=NAMES)
    add, link = result.commands
    assert add.intent == "add-warehouse"
    assert (link.params["source"], link.params["target"]) == (
        NodeRef("it", "pronoun"),
        NodeRef("Chicago DC"),
    )
    assert one("rotterdam whse cap 20k").params["capacity"] == 20000
    assert one("inv at chicago dc is 1200 now").params["inventory"] == 1200
    settings_list = parse("set region europe, industry chemicals, currency euro, risk high")
    assert [c.intent for c in settings_list.commands] == [
        "set-region",
        "set-industry",
        "set-currency",
        "set-risk-profile",
    ]
    two = parse("Open a flagship store in Dubai and a regional warehouse in Jebel Ali").commands
    assert [c.intent for c in two] == ["add-retailer", "add-warehouse"]
    assert one("Drop the last thing I added").params["node"] == NodeRef("newest", "ordinal")


def test_round_12_scenarios_and_questions() -> None:
    assert one("Did any alerts fire overnight?").intent == "get-recent-alerts"
    suez = one("suez blocked 1 wk impact?")
    assert (suez.params["scenario"], suez.params["duration_hours"]) == (
        "transportation-delay",
        168,
    )
    failure = one("run a supplier failure on Shanghai Supplier")
    assert failure.intent == "what-if-supplier-failure"
    assert one("How does the bottleneck analysis work here?").params == {
        "topic": "bottleneck analysis"
    }
    assert one("Dial our risk tolerance down to the minimum").params == {"level": "low"}


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        (
            "add a warehouse in Guangzhou and let Shanghai Supplier ship to it",
            "Shanghai Supplier",
            "it",
        ),
        (
            "Now a factory in Lyon, and the supplier of Marseille deliver it",
            "Marseille supplier",
            "it",
        ),
        ("I want a warehouse in Mumbai and Berlin Plant is sending to it", "Berlin Plant", "it"),
        ("add a DC in Lyon and have Berlin Plant supply it", "Berlin Plant", "it"),
        (
            "add a warehouse in Mumbai and it supplies NYC Flagship Store",
            "it",
            "NYC Flagship Store",
        ),
    ],
)
def test_a_link_to_the_node_just_added_is_a_step_of_its_own(
    text: str, source: str, target: str
) -> None:
    commands = parse(text, known_names=NAMES).commands
    assert commands[0].intent.startswith("add-")
    assert [c.intent for c in commands[1:]] == ["connect-nodes"]
    assert (ref(commands[1], "source").text, ref(commands[1], "target").text) == (source, target)


def test_a_negated_link_after_an_add_stays_negated() -> None:
    steps = parse(
        "add a warehouse in Guangzhou and let Berlin Plant ship to it, "
        "but don't link it to Rotterdam Warehouse yet",
        known_names=NAMES,
    ).steps
    assert [getattr(s, "intent", getattr(s, "kind", None)) for s in steps] == [
        "add-warehouse",
        "connect-nodes",
        "cancelled",
    ]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Plan\nDistribution\n - warehouse: location TBD\n - DC in Lyon", "add-warehouse"),
        ("- supplier (location tbd)", "add-supplier"),
        ("a plant, city unknown", "add-manufacturer"),
        ("DC location: TBD", "add-distributor"),
    ],
)
def test_a_node_whose_place_is_open_asks_where(text: str, intent: str) -> None:
    clarification = parse(text, known_names=NAMES).clarification
    assert clarification is not None
    assert (clarification.intent, clarification.text.split()[0]) == (intent, "add")


def test_a_heading_is_the_context_of_its_bullets() -> None:
    plan = (
        "Cleanup\nRemove:\n - Shanghai Supplier\n - Berlin Plant\n"
        "Links\n - Rotterdam Warehouse -> Chicago DC"
    )
    commands = parse(plan, known_names=NAMES).commands
    assert [
        (c.intent, ref(c, "node" if c.intent == "remove-node" else "target").text) for c in commands
    ] == [
        ("remove-node", "Shanghai Supplier"),
        ("remove-node", "Berlin Plant"),
        ("connect-nodes", "Chicago DC"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "feed Berlin Plant from Shanghai Supplier",
        "supply the Berlin Plant from Shanghai Supplier",
        "ship to Berlin Plant from Shanghai Supplier",
        "restock Berlin Plant from the Shanghai Supplier",
    ],
)
def test_goods_from_the_second_node(text: str) -> None:
    command = one(text)
    assert command.intent == "connect-nodes"
    assert (ref(command, "source").text, ref(command, "target").text) == (
        "Shanghai Supplier",
        "Berlin Plant",
    )
    assert one("disconnect Shanghai Supplier from Berlin Plant").params["source"].text == (
        "Shanghai Supplier"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Add our casting supplier in Monterrey, 12,000 castings a month, and our machining "
            "plant in Saltillo, capacity 9,500",
            [("add-supplier", 12000), ("add-manufacturer", 9500)],
        ),
        (
            "add a supplier in Rosario, roughly eight thousand bottles a month",
            [("add-supplier", 8000)],
        ),
        (
            "add the bonded warehouse in Lyon, it holds maybe 25,000 bottles",
            [("add-warehouse", 25000)],
        ),
        ("We also need a cross-dock warehouse in Laredo, 20k", [("add-warehouse", 20000)]),
        ("add a cross-dock in Lyon", [("add-distributor", None)]),
    ],
)
def test_adds_with_their_sizes(text: str, expected: list[tuple[str, int | None]]) -> None:
    commands = parse(text, known_names=NAMES).commands
    assert [(c.intent, c.params.get("capacity")) for c in commands] == expected


@pytest.mark.parametrize(
    ("text", "intent", "city"),
    [
        (
            "So, bit of background first: we're a family bodega in Mendoza and we've finally "
            "decided to model our export side properly. Our glass comes from a supplier in "
            "Rosario, so please add that supplier first.",
            "add-supplier",
            "Rosario",
        ),
        (
            "Then there's our importer in London, a distribution center in your terms I "
            "suppose, so add that too please.",
            "add-distributor",
            "London",
        ),
    ],
)
def test_add_that_adds_what_the_reason_describes(text: str, intent: str, city: str) -> None:
    commands = parse(text, known_names=NAMES).commands
    assert [(c.intent, place(c).city) for c in commands] == [(intent, city)]


def test_it_after_a_reason_is_the_node_the_reason_names() -> None:
    command = one("the parts end up at Berlin Plant, so please link Shanghai Supplier to it")
    assert (ref(command, "source").text, ref(command, "target").text) == (
        "Shanghai Supplier",
        "Berlin Plant",
    )


@pytest.mark.parametrize(
    "text",
    [
        "what if Shanghai Supplier couldn't deliver for a month?",
        "what if Shanghai Supplier can't supply us for two weeks",
        "suppose Shanghai Supplier is unable to deliver",
        "what if Shanghai Supplier fails to ship for a week",
    ],
)
def test_cannot_deliver_is_a_supplier_failure(text: str) -> None:
    assert one(text).intent == "what-if-supplier-failure"


def test_finally_inside_a_clause_does_not_split_it() -> None:
    assert intents("we've finally decided: add a supplier in Lyon") == ["add-supplier"]
    assert intents("add a supplier in Lyon, finally connect it to Berlin Plant") == [
        "add-supplier",
        "connect-nodes",
    ]


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("list warehouses in Asia", {"node_type": "warehouse", "region": "asia-pacific"}),
        (
            "Which suppliers have more than 15k capacity?",
            {"node_type": "supplier", "min_capacity": 15000},
        ),
        ("How many nodes do we have in Europe?", {"region": "europe"}),
        ("What do we have in the US?", {"region": "north-america"}),
    ],
)
def test_list_questions_with_filters(text: str, params: dict[str, object]) -> None:
    command = one(text)
    assert command.intent == "list-nodes"
    got = dict(command.params)
    if "place" in got:
        got["region"] = place(command).region
        del got["place"]
    assert got == params


def test_how_loaded_is_utilization_not_a_list() -> None:
    assert one("tell me how loaded the plants are").intent == "calculate-utilization"


@pytest.mark.parametrize(
    ("text", "city", "capacity"),
    [
        ("Add a supplier in Genoa, no, La Spezia, not Genoa, 6,000 units.", "La Spezia", 6000),
        ("add a warehouse in Lille, sorry, Lyon", "Lyon", None),
        ("add a plant in Porto, I mean Braga, 5k", "Braga", 5000),
        ("add a DC in Paris with 5k, actually make it 7k", "Paris", 7000),
        ("add a supplier in Lyon, 2,000 units, no, 3,000 units", "Lyon", 3000),
    ],
)
def test_a_value_taken_back_in_the_same_breath(text: str, city: str, capacity: int | None) -> None:
    command = one(text)
    assert (place(command).city, command.params.get("capacity")) == (city, capacity)


def test_a_capacity_taken_back_in_an_update() -> None:
    command = one("Set Berlin Plant's capacity to 14,000, actually make it 12,500.")
    assert (command.intent, command.params["capacity"]) == ("update-node", 12500)


@pytest.mark.parametrize(
    "text", ["Undo that last link", "undo the last connection", "undo my last change"]
)
def test_undo_the_last_change_of_a_kind(text: str) -> None:
    assert one(text).intent == "undo"


def test_the_last_one_i_added_is_the_newest_node() -> None:
    command = one("connect Berlin Plant to the last one I added")
    assert ref(command, "target") == NodeRef("newest", "ordinal")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Usko Berlin Plant se connect kar do.", [("connect-nodes", "it", "Berlin Plant")]),
        (
            "Delhi mein ek DC bhi add karo, aur Rotterdam Warehouse ko usse connect karo.",
            [("add-distributor", None, None), ("connect-nodes", "Rotterdam Warehouse", "it")],
        ),
        (
            "What if Shanghai Supplier 2 weeks ke liye fail ho jaye?",
            [("what-if-supplier-failure", None, None)],
        ),
    ],
)
def test_romanised_hindi_function_words(
    text: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    commands = parse(text, known_names=NAMES).commands
    got = [
        (
            c.intent,
            ref(c, "source").text if c.intent == "connect-nodes" else None,
            ref(c, "target").text if c.intent == "connect-nodes" else None,
        )
        for c in commands
    ]
    assert got == expected


def test_english_words_that_are_hindi_markers_alone_change_nothing() -> None:
    # "se", "ko", "use" and "ek" are left alone without two Hinglish markers.
    assert intents("please use Berlin Plant as the source and connect it to Chicago DC") == [
        "connect-nodes"
    ]


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("Currency INR kar do please, abhi USD dikh raha hai.", "INR"),
        ("we work in canadian dollars", "CAD"),
        ("switch to Swiss francs", "CHF"),
        ("set currency to SGD", "SGD"),
        ("use rupees", "INR"),
    ],
)
def test_more_currencies(text: str, currency: str) -> None:
    command = one(text)
    assert (command.intent, command.params["currency"]) == ("set-currency", currency)


@pytest.mark.parametrize(
    "text", ["On second thought, remove Berlin Plant", "scratch that, remove Berlin Plant"]
)
def test_a_change_of_mind_cue_is_not_a_request(text: str) -> None:
    assert intents(text) == ["remove-node"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mfg cap to 9.5k", ("update-node", 9500)),
        ("the warehouse capacity = 12k", ("update-node", 12000)),
    ],
)
def test_a_field_and_its_value_need_no_verb(text: str, expected: tuple[str, int]) -> None:
    command = parse(text).commands[0]
    assert (command.intent, command.params["capacity"]) == expected


def test_new_node_fed_from_another() -> None:
    commands = parse(
        "new dc kuala lumpr, feed from Rotterdam Warehouse", known_names=NAMES
    ).commands
    assert [c.intent for c in commands] == ["add-distributor", "connect-nodes"]
    assert place(commands[0]).city == "Kuala Lumpur"
    assert (ref(commands[1], "source").text, ref(commands[1], "target").text) == (
        "Rotterdam Warehouse",
        "it",
    )


def test_del_at_the_start_removes() -> None:
    assert one("del Berlin Plant").intent == "remove-node"
    assert intents("add a store in Mar del Plata") == ["add-retailer"]


@pytest.mark.parametrize(
    "text",
    [
        "What's the freight cost per pallet from Porto to Madrid at the moment?",
        "Can you file the import duty declaration for the Taichung shipment?",
        "Can you post that to our team's Slack channel?",
        "what are the shipping rates to Lyon",
    ],
)
def test_more_things_out_of_scope(text: str) -> None:
    steps = parse(text, known_names=NAMES).steps
    assert [getattr(s, "kind", None) for s in steps] == ["out-of-scope"]


def test_a_question_after_a_command_with_and() -> None:
    assert intents("Mark Berlin Plant degraded (the AC failed) and what's our bottleneck now?") == [
        "update-node",
        "find-bottlenecks",
    ]


def test_the_place_a_question_lacks_is_the_one_just_named() -> None:
    command = one(
        "Dockworkers at Long Beach just walked out. What if the port stays shut for two weeks?"
    )
    assert command.intent == "what-if-port-closure"
    assert (place(command).city, command.params["duration_hours"]) == ("Long Beach", 336)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Acknowledge alert alert-3", "acknowledge-alert"),
        ("ack alert-3", "acknowledge-alert"),
        ("Resolve alert alert-3", "resolve-alert"),
        ("resolve alert-3", "resolve-alert"),
    ],
)
def test_an_alert_id_names_the_alert_not_a_node(text: str, intent: str) -> None:
    # The web console's alert buttons say these; "alert-3" looked like a node id.
    command = one(text)
    assert (command.intent, command.params) == (intent, {"alert": "alert-3"})


def test_a_country_before_a_currency_names_the_currency_not_the_region() -> None:
    assert intents("we're a coffee roaster in food and beverage, and we work in US dollars") == [
        "set-industry",
        "set-currency",
    ]
    assert intents("we operate in the US") == ["set-region"]


def test_an_out_of_scope_request_after_and_is_a_step_of_its_own() -> None:
    steps = parse("set the currency to euros and file our customs declaration for March").steps
    assert [getattr(s, "intent", None) or getattr(s, "kind", None) for s in steps] == [
        "set-currency",
        "out-of-scope",
    ]


def test_the_same_change_to_another_node_reuses_the_verb() -> None:
    commands = parse("raise Berlin Plant to 12k and Chicago DC to 20k", known_names=NAMES).commands
    assert [(ref(c).text, c.params["capacity"]) for c in commands] == [
        ("Berlin Plant", 12000),
        ("Chicago DC", 20000),
    ]


def test_add_that_after_a_description_nobody_asked_about() -> None:
    command = one("we buy our glass from a suplier in Rotterdam, add that too")
    assert (command.intent, place(command).city) == ("add-supplier", "Rotterdam")


def test_what_happened_at_a_place_the_request_acts_on_is_the_scene() -> None:
    command = one("line 2 down at dallas. cut dallas plant cap in half")
    assert command.intent == "update-node"
    assert one("add a DC in Kampala, capacity roughly 3,000 kits").params["capacity"] == 3000


def test_make_it_a_currency_after_asking_about_it() -> None:
    assert intents("my boss is asking, what currency are we on? oh and make it pounds") == [
        "get-settings",
        "set-currency",
    ]
    assert intents("make it 20 pounds heavier") == []  # an amount, not a currency


def test_a_quoted_analysis_term_is_not_a_node_name() -> None:
    command = one("What mean exactly 'bottleneck'? Is not clear for me.")
    assert (command.intent, command.params) == ("help", {"topic": "bottleneck"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We're a 12-person medtech startup making glucose monitors. Add a supplier in Penang.",
            ["add-supplier"],
        ),
        ("Ore side first. Add a supplier in Penang", ["add-supplier"]),
        (
            "thanks. honestly the last tool we used was a nightmare. add a warehouse in Denver",
            ["add-warehouse"],
        ),
        ("ugh, Mondays. ok let's do this - add a supplier in Hanoi, 5k units", ["add-supplier"]),
        (
            "It's October and I'm already panicking about Christmas. Give me the overview.",
            ["get-network-summary"],
        ),
        ("Our concentrate goes to smelters. Add a plant in Tianjin", ["add-manufacturer"]),
    ],
)
def test_statements_beside_a_request_are_context(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_an_odd_command_beside_a_request_is_still_asked_about() -> None:
    result = parse("frobnicate the gizmo and add a supplier in Lyon")
    assert [getattr(s, "intent", None) for s in result.steps][-1] == "add-supplier"
    assert any(type(s).__name__ == "Clarification" for s in result.steps)


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("supplier in Chennai, 9,000 units, feeding Berlin Plant", ("it", "Berlin Plant")),
        ("ok now a distribution center in Memphis fed by Berlin Plant", ("Berlin Plant", "it")),
        (
            "add a supplier in Shenzhen, 25k a month, also shipping to Berlin Plant",
            ("it", "Berlin Plant"),
        ),
        (
            "add a supplier in Dongguan, 10k units, shipping into Rotterdam Warehouse",
            ("it", "Rotterdam Warehouse"),
        ),
    ],
)
def test_the_link_said_after_an_add(text: str, link: tuple[str, str]) -> None:
    commands = parse(text, known_names=NAMES).commands
    assert commands[0].intent.startswith("add-")
    assert (ref(commands[1], "source").text, ref(commands[1], "target").text) == link


def test_a_place_is_the_other_end_of_a_link() -> None:
    command = one("connect Berlin Plant to Duisburg", names=("Berlin Plant", "Duisburg Warehouse"))
    assert (ref(command, "source").text, ref(command, "target").kind) == ("Berlin Plant", "place")
    command = one("Denver supplies it")
    assert (ref(command, "source").text, ref(command, "target").text) == ("Denver", "it")


def test_a_numbered_checklist_with_headings_and_lettered_items() -> None:
    plan = (
        "Benelux pilot - onboarding checklist\n1. Suppliers\n   a. Antwerp - 7,500 units/month\n"
        "   b. Ghent - 4k\n2. Warehouse in Utrecht, 12,000 capacity\n3. Lanes\n"
        "   a. Antwerp -> Utrecht\n   b. Ghent -> Utrecht"
    )
    commands = parse(plan).commands
    assert [(c.intent, c.params.get("capacity")) for c in commands] == [
        ("add-supplier", 7500),
        ("add-supplier", 4000),
        ("add-warehouse", 12000),
        ("connect-nodes", None),
        ("connect-nodes", None),
    ]
    later = parse("4. Stores\n   a. Amsterdam\n   b. Rotterdam\n5. Utrecht -> Amsterdam").commands
    assert [c.intent for c in later] == ["add-retailer", "add-retailer", "connect-nodes"]


def test_numbered_items_that_are_requests_are_not_headings() -> None:
    plan = (
        "1. a plant in Madrid\n2. warehouse in Zaragoza\n3. add warehouse in Hamburg\n"
        "4. connect them"
    )
    assert intents(plan) == ["add-manufacturer", "add-warehouse", "add-warehouse", "connect-nodes"]


@pytest.mark.parametrize(
    "text",
    [
        "Step 2: a manufacturer in Taichung, Taiwan, capacity 4,000 units.",
        "Second: add a manufacturer in Taichung, 4,000 units",
    ],
)
def test_an_item_label_is_not_part_of_the_request(text: str) -> None:
    command = one(text)
    assert (command.intent, place(command).city, command.params["capacity"]) == (
        "add-manufacturer",
        "Taichung",
        4000,
    )


@pytest.mark.parametrize(
    "text",
    [
        "add a warehouse in Austin, don't connect it yet",
        "add a warehouse in Austin - don't link it to Berlin Plant",
        "ah y Austin, don't connect it yet, la tienda abre en marzo",
        "add a store in Lyon; do not hook it up yet",
    ],
)
def test_dont_connect_after_a_comma_never_disconnects(text: str) -> None:
    steps = parse(text, known_names=NAMES).steps
    assert "disconnect-nodes" not in [getattr(s, "intent", None) for s in steps]
    assert "cancelled" in [getattr(s, "kind", None) for s in steps]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("y un warehouse en Monterrey, 10k", [("add-warehouse", "Monterrey")]),
        (
            "hola! necesito armar mi red. Add a supplier en Guadalajara, like 6,000 units al mes",
            [("add-supplier", "Guadalajara")],
        ),
        ("añadir un almacén en Dallas", [("add-warehouse", "Dallas")]),
    ],
)
def test_spanish_mixed_into_english(text: str, expected: list[tuple[str, str]]) -> None:
    commands = parse(text).commands
    assert [(c.intent, place(c).city) for c in commands] == expected


def test_spanish_markers_alone_change_nothing() -> None:
    # "en" and "y" are read as Spanish only beside another marker
    assert intents("add a supplier in Lyon y connect it to Berlin Plant") != []
    assert intents("cuántas stores tengo? y switch to dólares (USD)") == [
        "list-nodes",
        "set-currency",
    ]


@pytest.mark.parametrize(
    ("text", "intent", "node"),
    [
        ("Mark Newcastle degraded, rail strike on the Hunter line.", "update-node", "Newcastle"),
        (
            "Bump Duisburg to 36,000 t/month, the new blast furnace is online.",
            "update-node",
            "Duisburg",
        ),
        ("what feeds Pune now?", "trace-upstream", "Pune"),
    ],
)
def test_a_city_alone_is_the_users_node_there(text: str, intent: str, node: str) -> None:
    command = one(text, names=("Newcastle Supplier", "Duisburg Plant", "Pune Plant"))
    assert (command.intent, ref(command).text.split()[0]) == (intent, node)
    assert one("change region to the middle east pls").intent == "set-region"


def test_tonnes_are_a_capacity() -> None:
    assert one("Bump Berlin Plant to 36,000 t/month").params["capacity"] == 36000
    assert one("add a supplier in Lyon, 45k tonnes").params["capacity"] == 45000


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Give me utilisation across the sites.", "calculate-utilization"),
        (
            "Hello, sorry, I'm new to this tool. Could you list what's currently in the network?",
            "list-nodes",
        ),
        ("ok so where does it break first?", "find-bottlenecks"),
        ("7. Verify: list all nodes with their capacities", "list-nodes"),
    ],
)
def test_requests_around_courtesy_and_labels(text: str, intent: str) -> None:
    assert intents(text) == [intent]


def test_a_statement_after_the_request_is_its_reason() -> None:
    assert intents("meh. ok, delete the store, Boulder won't open until spring anyway") == [
        "remove-node"
    ]


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("And if Perth fails outright?", "Perth"),
        ("Second: Jakarta Supplier fails for two weeks.", "Jakarta Supplier"),
    ],
)
def test_a_failure_played_out(text: str, node: str) -> None:
    command = one(text, names=("Perth Supplier", "Jakarta Supplier"))
    assert (command.intent, ref(command).text) == ("what-if-supplier-failure", node)
    assert intents("Jakarta Supplier failed yesterday", names=("Jakarta Supplier",)) != [
        "what-if-supplier-failure"
    ]


def test_a_count_of_scenarios_announces_them() -> None:
    text = (
        "Prepping for the APAC QBR, I want three scenarios. First: what if the port of "
        "Singapore is closed for 5 days?"
    )
    assert intents(text) == ["what-if-port-closure"]
    assert intents("add our contract manufacturer in Galway, 15k units/month") == [
        "add-manufacturer"
    ]
    assert intents("and our plant in Galway, 15k units/month") == ["add-manufacturer"]


def test_a_chain_after_a_colon_is_the_whole_chain() -> None:
    text = "Now link them in the order I created them: Busan -> Taichung -> Singapore -> Sydney."
    commands = parse(text).commands
    assert [(ref(c, "source").text, ref(c, "target").text) for c in commands] == [
        ("Busan", "Taichung"),
        ("Taichung", "Singapore"),
        ("Singapore", "Sydney"),
    ]


@pytest.mark.parametrize(
    ("text", "capacity"),
    [
        (
            "Would it be possible to add a warehouse in Glasgow? "
            "Maybe around three thousand units.",
            3000,
        ),
        ("warehouse in Denver next, 7,500", 7500),
        ("Coking coal next: supplier in Newcastle, Australia, 45k t/month.", 45000),
    ],
)
def test_the_size_said_apart_from_the_add(text: str, capacity: int) -> None:
    assert one(text).params["capacity"] == capacity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add factory denizli 40k meters/month", [("add-manufacturer", 40000)]),
        (
            "add cotton supplier gaziantep 25k, ships to Berlin Plant",
            [("add-supplier", 25000), ("connect-nodes", None)],
        ),
        (
            "and a plant in monterrey 7k connect Shanghai Supplier to it",
            [("add-manufacturer", 7000), ("connect-nodes", None)],
        ),
        ("Add a second-source fab in Dresden, 10k wafers a month", [("add-manufacturer", 10000)]),
        (
            "G'day! Can you chuck a warehouse in Melbourne on the map, roughly 5k orders a month?",
            [("add-warehouse", 5000)],
        ),
        ("Shops: York, Harrogate and Wakefield.", [("add-retailer", None)] * 3),
    ],
)
def test_terse_slangy_and_unpunctuated_adds(
    text: str, expected: list[tuple[str, int | None]]
) -> None:
    commands = parse(text, known_names=NAMES).commands
    assert [(c.intent, c.params.get("capacity")) for c in commands] == expected


def test_undo_that_last_one_with_its_reason() -> None:
    assert intents("hmm actually undo that last one, Vancouver is fine") == ["undo"]
    command = one("Each one gets a delivery from Berlin Plant every morning")
    assert (ref(command, "source").text, ref(command, "target").text) == ("Berlin Plant", "them")


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("add a DC in Toronto, 15k, that gets its stock from Berlin Plant", ("Berlin Plant", "it")),
        (
            "Add our flour supplier in Hull, 200 tonnes a month, "
            "delivered straight to Berlin Plant",
            ("it", "Berlin Plant"),
        ),
        ("add a warehouse in Lyon which supplies Chicago DC", ("it", "Chicago DC")),
    ],
)
def test_a_relative_clause_after_an_add_is_its_link(text: str, link: tuple[str, str]) -> None:
    commands = parse(text, known_names=NAMES).commands
    assert commands[0].intent.startswith("add-")
    assert (ref(commands[1], "source").text, ref(commands[1], "target").text) == link


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "For the record, Lyon Plant was repaired last week. Mark it operational.",
            ["update-node"],
        ),
        (
            "I've been asked to audit this network, so expect a lot of questions. First: which "
            "sites are degraded?",
            ["list-nodes"],
        ),
        ("Heads up, more changes to come. List my warehouses.", ["list-nodes"]),
        ("Most of it moves by rail, so add rail as a shipping method.", ["add-shipping-method"]),
    ],
)
def test_framing_remarks_and_reasons_are_not_requests(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_a_remark_beside_a_question_about_a_request_is_dropped() -> None:
    result = parse("Ok, that's not great. Add a backup supplier too, 3k a month.")
    assert [type(s).__name__ for s in result.steps] == ["Clarification"]
    assert result.clarification is not None
    assert result.clarification.intent == "add-supplier"


@pytest.mark.parametrize(
    ("text", "capacity"),
    [
        ("add a distribution centre in Kano, 8,000 cartons", 8000),
        ("add a warehouse in Lille, 1,200 pallets", 1200),
        ("add a supplier in Porto, about 2,500 a month", 2500),
        ("add a brewery supplier in Pilsen, 40k kegs", 40000),
    ],
)
def test_sizes_counted_in_the_goods_own_units(text: str, capacity: int) -> None:
    result = parse(text)
    assert [c.params.get("capacity") for c in result.commands] == [capacity]


def test_the_former_and_the_latter_are_the_two_nodes_talked_about_last() -> None:
    (command,) = parse("connect the former to the latter").commands
    assert (command.params["source"].text, command.params["target"].text) == ("the other", "it")


@pytest.mark.parametrize("text", ["redo", "redo that", "undo the undo", "ok, redo it please"])
def test_redo_wordings(text: str) -> None:
    assert intents(text) == ["redo"]


@pytest.mark.parametrize("text", ["switch the currency to złoty", "set currency to zloty"])
def test_the_zloty_with_or_without_its_letter(text: str) -> None:
    (command,) = parse(text).commands
    assert command.params == {"currency": "PLN"}


def test_who_the_user_is_beside_a_request_is_context() -> None:
    result = parse(
        "Hi, I coordinate supplies for St Mary's hospital in Leeds. Could you possibly add our "
        "main supplier in Manchester? They send about 2,000 boxes of PPE a week."
    )
    assert result.clarification is None
    assert [(c.intent, c.params.get("capacity")) for c in result.commands] == [
        ("add-supplier", 2000)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Sorry, I should have said Bradford, not Leeds, for the store.",
        "Sorry, not Zaria, I meant Katsina.",
        "my bad, the warehouse goes in Genoa, not Naples",
    ],
)
def test_a_value_named_as_wrong_makes_a_correction(text: str) -> None:
    result = parse(text, known_names=("Leeds Store", "Zaria Store", "Naples Warehouse"))
    assert [getattr(s, "kind", None) for s in result.steps] == ["correction"]


def test_a_link_said_with_it_and_a_plain_verb_after_an_add() -> None:
    result = parse(
        "Please to add one distribution center in Dammam also, it take goods from Jebel Ali"
    )
    assert [c.intent for c in result.commands] == ["add-distributor", "connect-nodes"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What if our Hamburg supplier loses 30% of its capacity?", "low"),
        ("what if Hamburg Supplier loses half its output for a week", "medium"),
        ("what if Hamburg Supplier fails?", None),
    ],
)
def test_a_partial_loss_is_a_supplier_failure_of_that_severity(
    text: str, expected: str | None
) -> None:
    (command,) = parse(text, known_names=("Hamburg Supplier",)).commands
    assert command.intent == "what-if-supplier-failure"
    assert command.params.get("severity") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quick questions: how many suppliers do we have?", ["list-nodes"]),
        ("Roger. What's the weakest link?", ["identify-risks"]),
        ("Set shipping to truck only.", ["add-shipping-method"]),
        ("How many links do we have now?", ["get-network-summary"]),
    ],
)
def test_questions_and_settings_that_mention_links_or_shipping(
    text: str, expected: list[str]
) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12 lakh", 1_200_000),
        ("8 lakhs", 800_000),
        ("2 crore", 20_000_000),
        ("12,00,000", 1_200_000),
        ("twelve lakh", 1_200_000),
        ("3 billion", 3_000_000_000),
    ],
)
def test_indian_and_large_number_words(text: str, value: int) -> None:
    assert parse_number(text) == value


def test_add_it_with_its_size_after_a_description() -> None:
    (command,) = parse(
        "Our API comes from a supplier in Hyderabad. Please add it with 12 lakh units per "
        "month capacity."
    ).commands
    assert command.intent == "add-supplier"
    assert command.params["capacity"] == 1_200_000
    assert command.params["place"].city == "Hyderabad"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Add a sawmill in Prince George, 40,000 board feet a week", "add-manufacturer"),
        ("and a lumber yard in Surrey, call it Fraser Yard", "add-warehouse"),
        ("add a refinery in Rotterdam", "add-manufacturer"),
        ("add a grain silo in Saskatoon", "add-warehouse"),
    ],
)
def test_industry_words_for_plants_and_stores_of_goods(text: str, intent: str) -> None:
    assert intents(text) == [intent]


@pytest.mark.parametrize(
    "text",
    [
        "what if the CN rail line is blocked for 10 days?",
        "what if the highway is closed for a week",
        "simulate a rail strike",
    ],
)
def test_a_blocked_route_is_a_transportation_delay(text: str) -> None:
    (command,) = parse(text).commands
    assert (command.intent, command.params.get("scenario")) == (
        "run-simulation",
        "transportation-delay",
    )


@pytest.mark.parametrize(
    "text",
    [
        "What's the lead time from Monterrey to Laredo?",
        "How long does it take to ship from Shanghai to Rotterdam?",
        "what are our freight costs?",
    ],
)
def test_lead_times_and_costs_are_out_of_scope(text: str) -> None:
    (step,) = parse(text).steps
    assert getattr(step, "kind", None) == "out-of-scope"


def test_longer_transit_times_are_a_delay_to_simulate() -> None:
    (command,) = parse("what if transit times double?").commands
    assert command.params == {"scenario": "transportation-delay"}


@pytest.mark.parametrize("word", ["rises", "crate", "lease", "properly", "double"])
def test_english_words_are_not_taken_for_typos_of_keywords(word: str) -> None:
    from omnitrack_realtime.engine.language.cleaning import _correct_word

    assert _correct_word(word) is None


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("What if the Colombian supplier can't ship for a month?", "Colombia"),
        ("list our Chinese suppliers", "China"),
        ("list our US warehouses", "United States"),
    ],
)
def test_a_country_adjective_before_a_type_is_a_place(text: str, country: str) -> None:
    (command,) = parse(text).commands
    where = command.params.get("place") or command.params["node"].place
    assert where.country == country


def test_send_us_is_no_country() -> None:
    result = parse("give us plant details for Lyon Plant", known_names=("Lyon Plant",))
    assert [c.intent for c in result.commands] == ["get-node-details"]


def test_there_is_the_place_said_before() -> None:
    (command,) = parse(
        "We roast specialty coffee in Melbourne. Add our roastery there, 3 tonnes a week."
    ).commands
    assert command.intent == "add-manufacturer"
    assert command.params["place"].city == "Melbourne"


def test_which_one_should_we_diversify_asks_for_advice_on_all_of_them() -> None:
    (command,) = parse("Which supplier should we diversify?").commands
    assert command.intent == "recommend"
    assert "node" not in command.params


@pytest.mark.parametrize(
    "text",
    [
        "Add our main factories: Ho Chi Minh City (60k pairs/month) and Dhaka (45k).",
        "Plants: Ho Chi Minh City - 60,000, Dhaka - 45,000",
        "our factories are: Ho Chi Minh City (60,000 pairs) and Dhaka (45k pairs a month)",
    ],
)
def test_a_listed_type_with_sizes_adds_each_place_with_its_size(text: str) -> None:
    result = parse(text)
    assert [(c.intent, place(c).city, c.params.get("capacity")) for c in result.commands] == [
        ("add-manufacturer", "Ho Chi Minh City", 60000),
        ("add-manufacturer", "Dhaka", 45000),
    ]


def test_who_the_user_is_is_not_out_of_scope() -> None:
    result = parse("I lead sustainability at a sportswear brand. Set the industry to apparel.")
    assert [c.intent for c in result.commands] == ["set-industry"]
    assert all(getattr(s, "kind", None) != "out-of-scope" for s in result.steps)


def test_the_lane_of_a_place_is_its_node_lane() -> None:
    (command,) = parse(
        "Could we switch the Dhaka lane to rail?", known_names=("Dhaka Plant",)
    ).commands
    assert command.intent == "add-shipping-method"
    assert command.params["method"] == "rail"
    assert command.params["node"].text in ("Dhaka", "Dhaka Plant")


def test_a_hypothetical_partial_drop_keeps_its_share_and_duration() -> None:
    (command,) = parse(
        "What if Shanghai Supplier's output drops 40% for two weeks?",
        known_names=("Shanghai Supplier",),
    ).commands
    assert command.intent == "what-if-supplier-failure"
    assert (command.params["severity"], command.params["duration_hours"]) == ("medium", 336.0)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "What's the utilization of Suzhou Plant right now, as a percentage?",
            "calculate-utilization",
        ),
        ("By how much would we need to expand Suzhou Plant to handle a 35% spike?", "recommend"),
    ],
)
def test_questions_about_one_plant(text: str, intent: str) -> None:
    assert intents(text, ("Suzhou Plant",)) == [intent]


@pytest.mark.parametrize(
    "take_back",
    [
        "wait, don't, keep it",
        "actually no, don't",
        "scratch that",
        "never mind",
        "on second thought, don't",
        "hang on, leave it",
        "no wait, don't do that",
    ],
)
def test_a_change_taken_back_in_the_same_message_is_not_made(take_back: str) -> None:
    result = parse(f"remove Lyon Plant... {take_back}", known_names=NAMES)
    assert result.commands == ()
    assert [getattr(s, "kind", None) for s in result.steps] == ["cancelled"]


@pytest.mark.parametrize(
    "take_back", ["actually no, not Busan", "no wait, not that", "sorry, no", "scratch that"]
)
def test_a_change_replaced_in_the_same_message_runs_only_the_second(take_back: str) -> None:
    result = parse(f"connect Busan to Ulsan. {take_back}. connect Incheon to Ulsan instead")
    assert [(c.params["source"].text, c.params["target"].text) for c in result.commands] == [
        ("Incheon", "Ulsan")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I'm the CFO. We make furniture in Poznań and sell through stores in Berlin and "
            "Paris. Please model that: one plant and two stores.",
            [
                ("add-manufacturer", "Poznań"),
                ("add-retailer", "Berlin"),
                ("add-retailer", "Paris"),
            ],
        ),
        (
            "We buy cocoa from suppliers in Accra and Abidjan, roast it in Hamburg and ship to "
            "DCs in Rotterdam and Antwerp. Set that up please.",
            [
                ("add-supplier", "Accra"),
                ("add-supplier", "Abidjan"),
                ("add-manufacturer", "Hamburg"),
                ("add-distributor", "Rotterdam"),
                ("add-distributor", "Antwerp"),
            ],
        ),
    ],
)
def test_model_that_adds_every_node_the_description_names(
    text: str, expected: list[tuple[str, str]]
) -> None:
    result = parse(text)
    assert [(c.intent, place(c).city) for c in result.commands] == expected
    assert result.clarification is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Our customers are three bakeries, in Birmingham, Derby and Sheffield. Could you add "
            "them as stores, please?",
            [
                ("add-retailer", "Birmingham", None),
                ("add-retailer", "Derby", None),
                ("add-retailer", "Sheffield", None),
            ],
        ),
        (
            "We run two maquilas, one in Juárez and one in Monterrey. Add both as plants - "
            "Juárez 18k units/mo, Monterrey 22k.",
            [
                ("add-manufacturer", "Ciudad Juárez", 18000),
                ("add-manufacturer", "Monterrey", 22000),
            ],
        ),
    ],
)
def test_add_them_as_a_type_after_places_were_named(
    text: str, expected: list[tuple[str, str, int | None]]
) -> None:
    result = parse(text)
    got = [(c.intent, place(c).city, c.params.get("capacity")) for c in result.commands]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can you raise a PO with Valencia for 5k units", None),
        ("What if the Laredo crossing is shut for 5 days?", "what-if-port-closure"),
        ("Monterrey goes north to Laredo", "connect-nodes"),
        ("Next is cold warehouse in Warszawa, 25 000 units", "add-warehouse"),
    ],
)
def test_round_27_classes(text: str, intent: str | None) -> None:
    result = parse(text, known_names=("Monterrey Plant", "Laredo Warehouse", "Valencia Supplier"))
    assert [c.intent for c in result.commands] == ([intent] if intent else [])
    if intent == "add-warehouse":
        assert result.commands[0].params["capacity"] == 25000


def test_weve_got_a_node_we_have_not_got_yet_is_an_add_and_its_link() -> None:
    result = parse(
        "We've got a reload warehouse in Edmonton, 50k. Prince George ships into it.",
        known_names=("Prince George Supplier",),
    )
    assert [c.intent for c in result.commands] == ["add-warehouse", "connect-nodes"]
    assert result.commands[0].params["capacity"] == 50000


def test_negative_on_is_a_no() -> None:
    result = parse("Negative on retail nodes for now. Do not add any stores.")
    assert result.commands == ()
    assert [getattr(s, "kind", None) for s in result.steps] == ["cancelled"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # questions listed with commas are one step each; a condition or a lead stays whole
        (
            "how loaded are the plants, where's the bottleneck, and are there any alerts?",
            ["calculate-utilization", "find-bottlenecks", "get-recent-alerts"],
        ),
        (
            "What if demand jumps 35% for a month - and how does that compare with the "
            "Shanghai failure?",
            ["what-if-demand-spike", "compare-simulations"],
        ),
        ("In a nutshell, what does our supply chain look like?", ["get-network-summary"]),
        # how a score is computed, and what changed it
        ("How exactly is that score calculated? Which inputs go into it?", ["explain"]),
        ("how are they weighted?", ["explain"]),
        ("explain how adding Lyon changed the Berlin Plant score", ["explain"]),
        ("Which of our sites depend on Rotterdam Warehouse?", ["trace-downstream"]),
        ("what does Rotterdam ship to?", ["trace-downstream"]),
        ("tell me which one you'd put more capacity into", ["recommend"]),
        ("Switch us to US dollars", ["set-currency"]),
        # the user's node at a place, asked about
        ("Is Berlin still degraded?", ["get-node-details"]),
        ("hows rotterdam lookin rn", ["get-node-details"]),
        # totals and lists: the type said as an adjective still filters
        ("Total warehouse capacity?", ["list-nodes"]),
        ("Combined supplier capacity in APAC?", ["list-nodes"]),
        ("List all warehouses with their capacity and utilisation.", ["list-nodes"]),
        ("add a wear house in indianapolis 15k", ["add-warehouse"]),
        ("Where are we most exposed overall?", ["identify-risks"]),
        ("What do you recommend - can Berlin pick up the slack while Lyon is down?", ["recommend"]),
        ("call Berlin Plant 'Berlin Works' instead", ["rename-node"]),
        ("Please add our fabric in Braga, capacity 5 000 pairs for month.", ["add-manufacturer"]),
        ("add a supplier in Lisbon, 8 000 m2 per month", ["add-supplier"]),
        ("rerun the Shanghai failure", ["what-if-supplier-failure"]),
        (
            "Mark Berlin Plant degraded for the audit trail - line 2 is down - and rerun the "
            "Shanghai failure.",
            ["update-node", "what-if-supplier-failure"],
        ),
    ],
)
def test_questions_read_as_questions(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Thank you very much for your prompt assistance.",
        "With warmest regards and sincere thanks for your patience and help.",
    ],
)
def test_thanks_for_help_is_not_a_request_for_help(text: str) -> None:
    assert "help" not in intents(text)


def test_total_capacity_of_a_type_filters_by_that_type() -> None:
    assert one("Total warehouse capacity?").params == {"node_type": "warehouse"}


def test_compare_a_place_and_a_named_node_of_one_plural_type() -> None:
    command = one("Compare the Berlin and Rotterdam warehouses.")
    assert command.intent == "compare-nodes"
    assert [r.text for r in command.params["nodes"]] == ["Berlin", "Rotterdam Warehouse"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5. Settings\n   a. currency EUR\n   b. region Europe", ["set-currency", "set-region"]),
        (
            "7. Phase 2\n   a. store in Lyon, supplied by Rotterdam Warehouse\n"
            "   b. store in Paris",
            ["add-retailer", "connect-nodes", "add-retailer"],
        ),
        (
            "8. Stress test\n   a. what if demand in Europe rises 30% for 3 weeks\n"
            "   b. what if Shanghai Supplier fails for 10 days",
            ["what-if-demand-spike", "what-if-supplier-failure"],
        ),
    ],
)
def test_a_numbered_heading_above_lettered_items_is_not_a_request(
    text: str, expected: list[str]
) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    ("text", "capacity"),
    [
        ("add a supplier in Lisbon, 8 000 m2 per month", 8000),
        ("add a plant in Braga, capacity 5,000 pairs per month", 5000),
        ("Please add our fabric in Braga, we produce the shoes there, capacity 5 000 pairs", 5000),
    ],
)
def test_sizes_in_units_and_after_a_statement(text: str, capacity: int) -> None:
    adds = [c for c in parse(text, known_names=NAMES).commands if c.intent.startswith("add-")]
    assert [c.params.get("capacity") for c in adds] == [capacity]


def test_connect_to_a_place_after_an_add_links_the_new_node() -> None:
    command = one("connect to Berlin please")
    assert command.params["source"].text == "it"
    assert command.params["target"].kind == "place"


@pytest.mark.parametrize(
    ("text", "capacity", "city"),
    [
        ("we also have a packaging vendor in guangzou, 12k/mo. add them too", 12000, "Guangzhou"),
        (
            "heyy we're a tiny skincare brand lol. can u add our contract lab in Seoul as a "
            "supplier? like 5k units a month rn",
            5000,
            "Seoul",
        ),
    ],
)
def test_casual_adds_keep_their_size_and_fix_the_city(text: str, capacity: int, city: str) -> None:
    result = parse(text, known_names=NAMES)
    assert result.clarification is None, result.clarification
    assert [(c.intent, c.params.get("capacity"), place(c).city) for c in result.commands] == [
        ("add-supplier", capacity, city)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Can you also call our insurer and open a claim for the press?",
        "also can u dm our influencer the new launch date lol",
    ],
)
def test_asks_for_people_and_claims_are_one_out_of_scope_step(text: str) -> None:
    steps = parse(text, known_names=NAMES).steps
    assert [s.kind for s in steps if isinstance(s, Act)] == ["out-of-scope"]
    assert not [s for s in steps if isinstance(s, Command)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What if Shanghai Supplier fails. Two weeks.", ["what-if-supplier-failure"]),
        (
            "What if demand in Kenya jumps 30% for 3 weeks? Malaria season.",
            ["what-if-demand-spike"],
        ),
        (
            "connect Shanghai Supplier to Berlin Plant, then Berlin Plant to Rotterdam Warehouse",
            ["connect-nodes", "connect-nodes"],
        ),
        (
            "what if rotterdam port is shut for a week compare that with the last one",
            ["what-if-port-closure", "compare-nodes"],
        ),
        (
            "One more question from the review: what feeds Rotterdam Warehouse, all the way up?",
            ["trace-upstream"],
        ),
        (
            "The exercise asks for the utilization of each facility. Can you calculate it?",
            ["calculate-utilization"],
        ),
        ("whats the total capacity across everything", ["list-nodes"]),
        ("What do we do about it?", ["recommend"]),
        (
            "Is Berlin still degraded? And if it failed outright for two weeks, what would "
            "that do to Rotterdam?",
            ["get-node-details", "what-if-supplier-failure"],
        ),
        (
            "We're reviewing supplier resilience ahead of the audit. Where are we most exposed?",
            ["identify-risks"],
        ),
        ("Australia: mine in Mount Isa, 60k t/month", ["add-supplier"]),
        (
            "Suppose Rotterdam airport is closed for 4 days because of snow - what happens to "
            "our deliveries into Japan?",
            ["what-if-port-closure"],
        ),
    ],
)
def test_run_on_and_elided_steps(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_a_supplier_for_a_place_in_another_place_is_added_where_it_is() -> None:
    result = parse(
        "Let's add a second source for Lima: a supplier in Guayaquil, 8,000 units monthly, "
        "shipping to Lima.",
        known_names=("Lima Distribution Center",),
    )
    assert place(result.commands[0]).city == "Guayaquil"
    assert [c.intent for c in result.commands] == ["add-supplier", "connect-nodes"]


def test_a_user_saying_what_they_are_working_on_is_not_out_of_scope() -> None:
    text = "I'm working through a textbook exercise. First, add a supplier in Lyon."
    assert [s.kind for s in parse(text).steps if isinstance(s, Act)] == []
    assert intents(text) == ["add-supplier"]


def test_an_exchange_rate_is_out_of_scope_beside_a_currency_setting() -> None:
    steps = parse("what's the USD to AUD rate today? also set our currency to AUD").steps
    assert [getattr(s, "kind", None) or getattr(s, "intent", None) for s in steps] == [
        "out-of-scope",
        "set-currency",
    ]


def test_it_goes_to_a_node_you_need_to_add_adds_and_links_it() -> None:
    text = (
        "ok so add our supplier in ho chi minh city it does about 7000 units a month and it "
        "goes to our plant in bangkok which you need to add too"
    )
    result = parse(text)
    assert [c.intent for c in result.commands] == [
        "add-supplier",
        "add-manufacturer",
        "connect-nodes",
    ]
    assert result.commands[0].params["capacity"] == 7000


def test_it_ships_to_our_plant_that_exists_is_not_a_new_node() -> None:
    assert intents("Shanghai Supplier ships to our plant in Berlin") == ["connect-nodes"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Morning. Our salmon goes Shanghai to Berlin and then by air to Tokyo. What does "
            "Rotterdam Warehouse supply at the moment?",
            ["trace-downstream"],
        ),
        ("hmm, undo that. it'll land in Antwerp instead", ["undo"]),
    ],
)
def test_descriptions_and_forecasts_beside_a_request_are_context(
    text: str, expected: list[str]
) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # what happened or when, beside a request: context, not a question to ask back
        (
            "Give me a one-paragraph status of the network. Board call in ten minutes.",
            ["get-network-summary"],
        ),
        (
            "Cooling's fixed in Shanghai. Put Shanghai Supplier back to operational.",
            ["update-node"],
        ),
        (
            "I've just taken over operations here, so please bear with me. Any alerts?",
            ["get-recent-alerts"],
        ),
        ("Berlin Plant lost its cooling overnight, mark it disrupted.", ["update-node"]),
        # "X is the one that's degraded" says which one, it changes nothing
        ("Why Berlin Plant and not Rotterdam? Rotterdam is the one that's degraded.", ["explain"]),
        # the user's guess at an answer is part of the question
        (
            "How exactly do you compute utilization? Is it throughput over capacity, or stock "
            "over capacity?",
            ["explain"],
        ),
    ],
)
def test_reports_beside_a_request_are_context(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_a_report_of_what_happened_is_still_asked_about_when_it_names_a_type() -> None:
    result = parse("Add a supplier in Lyon. The warehouse flooded.", known_names=NAMES)
    assert [c.intent for c in result.commands] == ["add-supplier"]


@pytest.mark.parametrize("text", ["I'm lost", "I'm a bit lost", "lost", "help"])
def test_being_lost_asks_for_help(text: str) -> None:
    assert one(text).intent == "help"


def test_sending_a_summary_to_people_is_out_of_scope() -> None:
    result = parse("Send that summary to the board members.", known_names=NAMES)
    assert not result.commands
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["out-of-scope"]


def test_show_me_the_service_impact_after_a_simulation_is_part_of_it() -> None:
    assert intents("Run a 5-day port closure at Singapore and show me the service impact.") == [
        "what-if-port-closure"
    ]


@pytest.mark.parametrize(
    ("text", "intent", "city"),
    [
        (
            "a planta in Saltillo that builds transmissions, 4,500 units a month. Please add it.",
            "add-manufacturer",
            "Saltillo",
        ),
        (
            "Hola, I plan materials for a planta in Saltillo, capacity 4,500. Please add it.",
            "add-manufacturer",
            "Saltillo",
        ),
        (
            "Our main proveedor of castings is in Monterrey, around 7k units/month",
            "add-supplier",
            "Monterrey",
        ),
        (
            "Our main supplier of castings is in Monterrey, around 7k units/month",
            "add-supplier",
            "Monterrey",
        ),
        ("add a bodega in Guadalajara, 10,000 units", "add-warehouse", "Guadalajara"),
        ("add a fournisseur in Lyon", "add-supplier", "Lyon"),
        ("add a CEDIS in Monterrey", "add-distributor", "Monterrey"),
    ],
)
def test_type_words_of_other_languages_said_in_english(text: str, intent: str, city: str) -> None:
    command = one(text)
    assert command.intent == intent and place(command).city == city


def test_after_saying_they_are_building_a_description_is_what_to_add() -> None:
    command = one(
        "hey need to set up our chain real quick. sofas come out of a factroy in poznan, "
        "6k units a month"
    )
    assert command.intent == "add-manufacturer"
    assert place(command).city == "Poznań" and command.params["capacity"] == 6000


def test_a_description_alone_adds_nothing() -> None:
    assert parse("sofas come out of a factory in poznan, 6k units a month").commands == ()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("whats the bottlnek rn", "find-bottlenecks"),
        ("show utilisaton", "calculate-utilization"),
        ("any anomallies?", "scan-anomalies"),
    ],
)
def test_long_keywords_survive_two_typos(text: str, intent: str) -> None:
    assert one(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # real words two edits from a keyword stay what they are
        ("Could you list what's currently in the network?", "list-nodes"),
        ("bump our risk profile to high and then list the current risks", "identify-risks"),
    ],
)
def test_words_near_a_keyword_are_not_corrected(text: str, intent: str) -> None:
    assert intents(text)[-1] == intent


@pytest.mark.parametrize(
    ("text", "node", "capacity"),
    [
        ("make Berlin Plant 8k instead", "Berlin Plant", 8000),
        ("hmm make berlin 8k insted, we added a line", "berlin", 8000),
        ("ok can you make it 10,000?", "it", 10000),
    ],
)
def test_make_a_node_a_size_sets_its_capacity(text: str, node: str, capacity: int) -> None:
    command = one(text)
    assert command.intent == "update-node" and command.params["capacity"] == capacity
    assert ref(command).text == node


def test_they_after_a_comma_are_people_not_nodes() -> None:
    command = one("Mark Rotterdam operational again, they fixed the furnace on Monday.")
    assert ref(command).text == "Rotterdam" and command.params["status"] == "operational"


def test_cutting_a_lane_written_as_an_arrow_disconnects_it() -> None:
    text = "Change of plan: cut Shanghai -> Berlin Plant and route Shanghai -> Rotterdam instead."
    assert intents(text) == ["disconnect-nodes", "connect-nodes"]


def test_a_reason_after_a_request_is_not_part_of_it() -> None:
    command = one("Rerun the Shanghai failure for two weeks, now that Rotterdam is in.")
    assert command.intent == "what-if-supplier-failure" and ref(command).text == "Shanghai"


def test_what_it_ends_up_feeding_traces_downstream() -> None:
    command = one("And the Shanghai supplier, what does it end up feeding, all the way down?")
    assert command.intent == "trace-downstream"


def test_a_typed_section_of_described_items_adds_each() -> None:
    result = parse(
        "Now the suppliers: a washing station cooperative in Addis Ababa, 4,000 bags a month, "
        "and an exporter in Medellín, 6,000 bags a month."
    )
    assert [(c.intent, place(c).city, c.params["capacity"]) for c in result.commands] == [
        ("add-supplier", "Addis Ababa", 4000),
        ("add-supplier", "Medellín", 6000),
    ]


def test_a_node_said_to_ship_there_links_to_the_node_just_added() -> None:
    result = parse("wh in berlin 15k units, shanghai ships there", known_names=NAMES)
    assert [c.intent for c in result.commands] == ["add-warehouse", "connect-nodes"]
    link = result.commands[1]
    assert ref(link, "source").text == "shanghai" and ref(link, "target").text == "it"


def test_a_list_said_late_in_a_sentence_and_both_as_a_subject() -> None:
    result = parse(
        "we sell online mostly but theres 2 showrooms, count them as stores: hamburg and munich."
        " both get stock from the rotterdam wh",
        known_names=NAMES,
    )
    assert [c.intent for c in result.commands] == ["add-retailer", "add-retailer", "connect-nodes"]
    assert ref(result.commands[2], "target").text in ("them", "-2:")


def test_the_planta_is_the_users_plant() -> None:
    command = one("now connect Shanghai to the planta")
    assert command.intent == "connect-nodes" and ref(command, "target").node_type == "manufacturer"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We make EV battery cells in Ulsan. What if Shanghai Supplier fails for two weeks?",
            ["what-if-supplier-failure"],
        ),
        ("We're in pharma. Add a supplier in Basel.", ["set-industry", "add-supplier"]),
        ("We're a food and beverage business.", ["set-industry"]),
    ],
)
def test_the_industry_is_set_only_when_named_as_what_the_business_is(
    text: str, expected: list[str]
) -> None:
    assert intents(text) == expected


def test_a_new_name_said_with_too_leaves_the_too_out() -> None:
    command = one("Call the Chicago DC ORD-DC2 too, so the naming matches.")
    assert command.intent == "rename-node" and command.params["name"] == "ORD-DC2"


def test_a_size_said_to_be_wrong_is_a_correction() -> None:
    result = parse("no, 12k not 21k")
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["correction"]


def test_comma_separated_rows_with_a_header_are_adds_and_lanes_are_links() -> None:
    nodes = parse(
        "Hi - exported this from our vendor sheet:\ntype,city,capacity\nsupplier,Cork,6000\n"
        "plant,Waterford,8000\nwarehouse,Dublin,12000"
    )
    assert [(c.intent, place(c).city, c.params["capacity"]) for c in nodes.commands] == [
        ("add-supplier", "Cork", 6000),
        ("add-manufacturer", "Waterford", 8000),
        ("add-warehouse", "Dublin", 12000),
    ]
    names = ("Cork Supplier", "Waterford Plant", "Dublin Warehouse")
    lanes = parse("lanes (from,to):\nCork,Waterford\nWaterford,Dublin", known_names=names)
    ends = [(ref(c, "source").text, ref(c, "target").text) for c in lanes.commands]
    assert [(a.split()[0], b.split()[0]) for a, b in ends] == [
        ("Cork", "Waterford"),
        ("Waterford", "Dublin"),
    ]


def test_a_comma_separated_row_inside_a_sentence_is_an_add() -> None:
    result = parse("one more row I missed: dc,Manchester,9000 - and Dublin ships to it")
    assert [c.intent for c in result.commands] == ["add-distributor", "connect-nodes"]
    assert result.commands[0].params["capacity"] == 9000


def test_prose_with_commas_is_not_a_table() -> None:
    assert intents("add a supplier in Lyon, 8k\nand a plant in Paris, 9k") == [
        "add-supplier",
        "add-manufacturer",
    ]


@pytest.mark.parametrize(
    ("text", "capacity"),
    [
        ("Shanghai is capped at 4000 from next month under the new contract, pls update", 4000),
        ("Shanghai Supplier is limited to 3,500 now", 3500),
    ],
)
def test_a_stated_limit_is_the_new_capacity(text: str, capacity: int) -> None:
    command = one(text)
    assert command.intent == "update-node" and command.params["capacity"] == capacity


def test_someone_elses_reason_beside_a_question_is_context() -> None:
    assert intents("whats our total supplier capacity? finance wants the number") == ["list-nodes"]


@pytest.mark.parametrize(
    "text",
    [
        "I should be obliged if you would first record the distillery itself, which for your "
        "purposes is a manufacturing plant, situated at Inverness and capable of some 2,400 "
        "casks per annum.",
        "Dear Sir,\n\nPlease record the distillery, situated at Inverness, capable of 2,400 "
        "casks per annum.\n\nYours faithfully,\nA. MacLeod",
    ],
)
def test_a_formal_letter_asking_to_record_a_node(text: str) -> None:
    command = one(text)
    assert command.intent == "add-manufacturer" and place(command).city == "Inverness"
    assert command.params["capacity"] == 2400


def test_a_letter_describing_a_supplier_and_asking_for_it_and_the_arrangement() -> None:
    result = parse(
        "Dear Sir,\n\nThank you for your prompt attention. The malted barley is supplied by a "
        "maltings at Aberdeen, of approximately 3,000 tonnes per annum, and it is delivered to "
        "the distillery. Kindly enter both the supplier and that arrangement.\n\nYours "
        "faithfully,\nA. MacLeod",
        known_names=("Inverness Plant",),
    )
    assert [c.intent for c in result.commands] == ["add-supplier", "connect-nodes"]
    assert result.commands[0].params["capacity"] == 3000


def test_a_described_node_takes_the_type_said_before_its_place_and_ought_not_cancels() -> None:
    result = parse(
        "The matured spirit is held in a bonded warehouse at Glasgow, capacity 18,000 casks, to "
        "which the distillery ships its output. I should be grateful if you would record it. I "
        "must stress that the second bonded warehouse, at Perth, is not yet contracted and "
        "ought not to be entered at present.",
        known_names=("Inverness Plant",),
    )
    assert [c.intent for c in result.commands] == ["add-warehouse", "connect-nodes"]
    assert place(result.commands[0]).city == "Glasgow"


def test_explain_how_a_figure_was_arrived_at() -> None:
    assert intents("Would you be good enough to explain how the figure was arrived at?") == [
        "explain"
    ]


def test_enter_it_with_a_size_sizes_the_node_just_added() -> None:
    result = parse(
        "The directors have signed for the bonded warehouse at Glasgow. Please enter it, "
        "capacity 7,500 casks, supplied from the plant as Perth is.",
        known_names=("Inverness Plant",),
    )
    assert [c.intent for c in result.commands] == ["add-warehouse", "connect-nodes"]
    assert result.commands[0].params["capacity"] == 7500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "on a aussi un supplier de thé à Marseille, 5k units, il ship direct à la brasserie de "
            "Lyon",
            ["add-supplier", "connect-nodes"],
        ),
        (
            "et un wh à Paris, 10k. Lyon ships there. les bouteilles viennent d'une verrerie à "
            "Saint-Étienne mais don't add it yet, on négocie encore le contrat",
            ["add-warehouse", "connect-nodes"],
        ),
        ("on passe en euros stp. and industry = food & beverage", ["set-currency", "set-industry"]),
        (
            "salut! la brasserie est à Lyon, 3000 bouteilles/semaine. can you add it as a plant?",
            ["add-manufacturer"],
        ),
    ],
)
def test_french_mixed_into_english(text: str, expected: list[str]) -> None:
    assert intents(text, ("Lyon Plant",)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eh can show me all my DCs or not", ["list-nodes"]),
        (
            "jakarta one quite full already lah. add another DC in surabaya can? 8k",
            ["add-distributor"],
        ),
        ("if shanghai down 3 weeks how? very jialat or not", ["what-if-supplier-failure"]),
        ("the Chicago DC rename to ORD-Hub can?", ["rename-node"]),
    ],
)
def test_singlish(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_a_supplier_of_something_in_a_place_and_a_non_native_ship_direct_to() -> None:
    result = parse(
        "we also have a supplier of tea in Marseille, 5k units, it ship direct to the plant in "
        "Berlin",
        known_names=NAMES,
    )
    assert [c.intent for c in result.commands] == ["add-supplier", "connect-nodes"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "COLD STORE IN CALLAO 12000, ADD AS WAREHOUSE. CHICLAYO SENDS TO CALLAO",
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "ALSO DC ROTTERDAM 15000 AND DC PHILADELPHIA 9000. BOTH GET FROM CALLAO",
            ["add-distributor", "add-distributor", "connect-nodes"],
        ),
        ("WHAT IF CALLAO PORT CLOSED 5 DAYS? SWELL WARNING ON THE COAST", ["what-if-port-closure"]),
    ],
)
def test_a_message_in_capitals(text: str, expected: list[str]) -> None:
    assert intents(text, ("Chiclayo Plant", "Callao Warehouse")) == expected


def test_a_lower_case_town_named_like_a_users_node_is_that_place() -> None:
    command = one("chiclayo sends to callao", ("Chiclayo Plant", "Callao Warehouse"))
    assert command.intent == "connect-nodes" and ref(command, "source").text == "chiclayo"


def test_a_label_before_several_questions_and_the_two_suppliers() -> None:
    assert intents(
        "Habari! Three quick ones before my call: how many suppliers do we have, what feeds "
        "Rotterdam Warehouse, and is Chicago DC ok?"
    ) == ["list-nodes", "trace-upstream", "get-node-details"]
    command = one("Which of the two suppliers is bigger now?")
    assert command.intent == "compare-nodes" and command.params["node_type"] == "supplier"


def test_a_description_with_to_which_links_the_node_it_asks_for() -> None:
    assert intents(
        "The spirit is held in a bonded warehouse at Glasgow, capacity 18,000 casks, to which "
        "the plant ships its output. I should be grateful if you would record it.",
        ("Inverness Plant",),
    ) == ["add-warehouse", "connect-nodes"]


@pytest.mark.parametrize("text", ["Asante sana, kwaheri!", "Salamat po!", "Shukran"])
def test_thanks_in_more_languages(text: str) -> None:
    result = parse(text)
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["smalltalk"]


def test_a_size_taken_back_after_a_rate() -> None:
    command = one("Add the assembly plant in Neuchâtel, 3,500 a month, actually make it 3,000.")
    assert command.params["capacity"] == 3000


def test_a_town_of_four_words_taken_back_in_the_same_breath() -> None:
    command = one("Add a supplier in Geneva, no, La Chaux-de-Fonds - 4,000 movements a month.")
    assert place(command).city == "La Chaux-de-Fonds" and command.params["capacity"] == 4000


def test_the_words_of_a_node_named_after_a_hyphenated_town_are_one_reference() -> None:
    command = parse(
        "Add a plant in Paris. La Chaux-de-Fonds supplies it.",
        known_names=("La Chaux-de-Fonds Supplier",),
    ).commands[1]
    assert ref(command, "source").text == "La Chaux-de-Fonds Supplier"
    assert ref(command, "target").text == "it"


def test_a_pair_taken_back_replaces_the_pair() -> None:
    command = one(
        "Make the link between Berlin Plant and Chicago DC two-way for returns, sorry, I mean "
        "Berlin Plant and Rotterdam Warehouse; Chicago DC doesn't handle returns."
    )
    assert command.intent == "connect-nodes" and command.params.get("bidirectional") is True
    assert ref(command, "target").text == "Rotterdam Warehouse"


def test_a_plan_for_later_changes_nothing() -> None:
    assert intents(
        "Shanghai is barely used; the plan is to close it next quarter and serve Berlin from "
        "Rotterdam. For now just connect Rotterdam Warehouse to Berlin Plant."
    ) == ["connect-nodes"]


def test_what_we_make_and_put_the_factory_in_adds_it_with_its_size() -> None:
    command = one(
        "Hello. We make nitrile gloves in Hat Yai, about 50,000 boxes a month. Please put the "
        "factory in."
    )
    assert command.intent == "add-manufacturer" and command.params["capacity"] == 50000


@pytest.mark.parametrize(
    "text",
    [
        "Can you fill in the customs export declaration for our shipment to Penang next week?",
        "What will nitrile prices do next quarter?",
    ],
)
def test_paperwork_and_price_forecasts_are_out_of_scope(text: str) -> None:
    result = parse(text)
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["out-of-scope"]


def test_a_number_more_is_a_relative_change() -> None:
    command = one("and give Shanghai 2,000 more, the dairy said yes")
    assert command.params == {"node": ref(command), "capacity_delta": 2000.0}


def test_each_place_of_a_plural_add_takes_its_own_size() -> None:
    result = parse("Distribution centres in Sydney (30k) and Los Angeles (40k).")
    assert [c.params["capacity"] for c in result.commands] == [30000, 40000]


@pytest.mark.parametrize(
    ("text", "capacity"),
    [
        ("add a warehouse in Bremerhaven, 2,500 blades", 2500),
        ("add a store in Leeds, 3 bakeries", None),
    ],
)
def test_a_count_of_any_goods_is_a_size(text: str, capacity: int | None) -> None:
    assert one(text).params.get("capacity") == capacity


def test_a_place_split_from_its_link_verb_is_the_subject() -> None:
    result = parse(
        "We've signed for a second warehouse in Hamburg. Shanghai ships to the new one too.",
        known_names=NAMES,
    )
    assert [c.intent for c in result.commands] == ["add-warehouse", "connect-nodes"]
    assert ref(result.commands[1], "source").text == "Shanghai"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INCIDENT 24-031. Nobody hurt. Set Berlin Plant to offline.", ["update-node"]),
        ("Assalam o alaikum. Kindly add a plant in Sialkot. Regards, Imran", ["add-manufacturer"]),
        ("kalimera. ok ok show me the suppliers", ["list-nodes"]),
        ("For my file, please set the risk profile to high.", ["set-risk-profile"]),
    ],
)
def test_remarks_beside_requests_are_skipped(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "frobnicate the gizmo and add a supplier in Lyon",
        "add a supplier in Lyon. Shanghai sends everything thereabouts",
    ],
)
def test_unread_requests_beside_requests_are_still_asked_about(text: str) -> None:
    result = parse(text, known_names=NAMES)
    assert result.clarification is not None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("the mill in berlin, why so high?", "explain"),
        ("make the berlin plant 10000", "update-node"),
    ],
)
def test_the_type_at_a_place_of_a_users_node_is_that_node(text: str, intent: str) -> None:
    command = one(text)
    assert command.intent == intent and ref(command).text == "Berlin Plant"


def test_a_description_closed_by_model_that_is_read_whole() -> None:
    result = parse(
        "Good morning. Some background first: we run a printing plant in Leipzig, our paper we "
        "buy from a mill in Tampere, and finished books go through a warehouse in Erfurt to our "
        "bookstores in Dresden, Berlin and Hamburg. Could you model that?"
    )
    assert [(c.intent, place(c).city) for c in result.commands] == [
        ("add-manufacturer", "Leipzig"),
        ("add-supplier", "Tampere"),
        ("add-warehouse", "Erfurt"),
        ("add-retailer", "Dresden"),
        ("add-retailer", "Berlin"),
        ("add-retailer", "Hamburg"),
    ]


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("have all three suppliers feed it", "source"),
        ("Rotterdam Warehouse supplies all three shops", "target"),
    ],
)
def test_all_three_of_a_type_is_every_node_of_it(text: str, end: str) -> None:
    command = one(text)
    assert command.intent == "connect-nodes"
    assert ref(command, end).kind == "ordinal" and ref(command, end).text == "1:"


def test_a_link_said_after_a_chain_is_a_step_of_its_own() -> None:
    result = parse(
        "The flow is Shanghai Supplier -> Berlin Plant -> Rotterdam Warehouse, and Rotterdam "
        "supplies all three shops.",
        known_names=NAMES,
    )
    assert [c.intent for c in result.commands] == ["connect-nodes"] * 3


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "What will happen if the Shanghai supplier is not able to supply for 3 weeks?",
            "what-if-supplier-failure",
        ),
        ("which one is the most full", "calculate-utilization"),
        ("what if pireaus port closes for a week", "what-if-port-closure"),
    ],
)
def test_more_ways_to_ask(text: str, intent: str) -> None:
    assert one(text).intent == intent


def test_it_will_also_feed_after_an_add_links_it() -> None:
    assert intents(
        "Please add a second supplier in Gujranwala with 10,000 pieces, it will also feed the "
        "Berlin plant."
    ) == ["add-supplier", "connect-nodes"]


def test_a_build_cue_and_here_goes_make_the_descriptions_adds() -> None:
    result = parse(
        "Hello there! I'd like to get our setup into this thing. Here goes: our sugar shack "
        "counts as a plant, it's in Saint-Georges, 3,000 gallons a season. Glass bottles come "
        "from a supplier in Sherbrooke, 10,000 bottles. Then a warehouse in Montreal, 8,000."
    )
    assert [(c.intent, c.params.get("capacity")) for c in result.commands] == [
        ("add-manufacturer", 3000),
        ("add-supplier", 10000),
        ("add-warehouse", 8000),
    ]


def test_two_shops_one_here_and_one_there_both_stocked_from() -> None:
    result = parse(
        "Two shops as well, one in Toronto and one in Ottawa, both stocked out of Montreal.",
        known_names=("Montreal Warehouse",),
    )
    assert [c.intent for c in result.commands] == ["add-retailer", "add-retailer", "connect-nodes"]


def test_a_stated_output_is_the_capacity_and_put_that_in_says_it_again() -> None:
    command = one(
        "For the record, the press in Berlin manages about 40,000 copies a month. Please put "
        "that in."
    )
    assert command.intent == "update-node" and command.params["capacity"] == 40000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Which shops does Rotterdam Warehouse reach now, and by which route?",
            ["trace-downstream"],
        ),
        (
            "One last thing: a distribution centre in Frankfurt for the book fair trade, 5,000 "
            "copies, fed by Berlin Plant.",
            ["add-distributor", "connect-nodes"],
        ),
    ],
)
def test_shops_reached_and_a_book_fair_is_not_booking(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Kindly also book one 20 feet container from Karachi port to Jebel Ali.",
        "can you recommend some good books?",
    ],
)
def test_booking_and_books_to_read_are_out_of_scope(text: str) -> None:
    result = parse(text)
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["out-of-scope"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bump Berlin Plant up by 1,500, we're taking on two seasonal workers.",
            {"capacity_delta": 1500.0},
        ),
        ("For the incident log: how do you define disrupted vs degraded?", {"topic": "disrupted"}),
    ],
)
def test_a_number_before_a_comma_and_how_do_you_define(text: str, expected: dict[str, Any]) -> None:
    command = one(text)
    assert {k: v for k, v in command.params.items() if k in expected} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sad news, the Chicago DC never really took off. Please take it out.", ["remove-node"]),
        (
            "Acknowledge the Berlin alert. Fire dept has cleared the building.",
            ["acknowledge-alert"],
        ),
        (
            "Could you add a supplier in Galle with 3,000 kg a month? It's the cinnamon peelers' "
            "cooperative we buy from.",
            ["add-supplier"],
        ),
    ],
)
def test_remarks_that_read_like_requests_are_not_requests(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_printing_labels_is_out_of_scope() -> None:
    result = parse("P.S. could you print me some shipping labels for the jugs?")
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["out-of-scope"]


def test_put_in_one_in_a_place_is_not_a_change_of_that_place() -> None:
    assert parse("Can you also put in one in Matara, 2,500 kg?").commands == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Then yung mango farms, supplier in General Santos, 8k kg, supplies the Berlin "
            "plant po.",
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Pa-add din po ng stores in Hong Kong and Singapore, both supplied from Rotterdam. "
            "Thank you po!",
            ["add-retailer", "add-retailer", "connect-nodes"],
        ),
        (
            "Sige po, pls set currency to USD, our export invoices are in dollars. Salamat po!",
            ["set-currency"],
        ),
    ],
)
def test_taglish(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("the lisbon pop-up moves to porto tmrw, can u move it", "update-node"),
        (
            "madrid one shuts after sat's gig. cut it off from birmingham but keep it in the "
            "system for now",
            "disconnect-nodes",
        ),
    ],
)
def test_slang_moves_and_cuts(text: str, intent: str) -> None:
    names = ("Lisbon Store", "Madrid Store", "Birmingham Warehouse")
    assert intents(text, names) == [intent]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Fruit comes in from two growers, please add them as suppliers: one in Worcester, "
            "South Africa, about 3,500 cartons, and one in Stellenbosch, 2,000. Both deliver to "
            "the packhouse.",
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "add the two little shops, one in Nashville and one in Savannah. they both get them "
            "straight from Berlin Plant",
            ["add-retailer", "add-retailer", "connect-nodes"],
        ),
        (
            "Both the Shanghai and the Rotterdam sites deliver to Berlin Plant.",
            ["connect-nodes", "connect-nodes"],
        ),
        (
            "Also is needed warehouse in Astana, 10 thousand tonnes, and second warehouse in "
            "Almaty, 8 thousand, no, sorry, 9 thousand.",
            ["add-warehouse", "add-warehouse"],
        ),
        (
            "@copilot hey quick one: add `Guangzhou` as a supplier (cap 20k pairs/mo) and `Hanoi` "
            "as a 2nd supplier, 12k",
            ["add-supplier", "add-supplier"],
        ),
        (
            "ok ship it: 2nd 3PL wh in `Poznan`, 15k, Shanghai -> Poznan",
            ["add-warehouse", "connect-nodes"],
        ),
        ("fulfilment runs out of a 3PL wh in Leipzig, 30k", ["add-warehouse"]),
        (
            "Item 2: The processing factory at Tema, 5,000 bags per month, shall be entered as a "
            "plant.",
            ["add-manufacturer"],
        ),
        (
            "Good day. I am logistic manager in pasta factory in Kostanay. Factory capacity is 7 "
            "thousand tonnes per month. Please add it.",
            ["add-manufacturer"],
        ),
        (
            "My father runs a paprika mill in Szeged and I'm trying to get our supply chain into "
            "this thing. The mill grinds about 400 tonnes a year, add it as a plant please.",
            ["add-manufacturer"],
        ),
        (
            "Rotterdam's had a rough season. Drop it to 400 and mark it degraded.",
            ["update-node", "update-node"],
        ),
        ("What if Shanghai gets cut off for a fortnight?", ["what-if-supplier-failure"]),
        (
            "Kia ora! Setting up our chain, here are the sites straight off my spreadsheet:\n"
            "| site | type | capacity |\n|---|---|---|\n| Gisborne | supplier | 900 |",
            ["add-supplier"],
        ),
    ],
)
def test_round_33_wordings(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_agreed_not_to_connect_negates() -> None:
    result = parse("Members agreed NOT to connect Shanghai Supplier to Berlin Plant directly.")
    assert result.commands == ()
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["cancelled"]


def test_drop_it_to_a_number_lowers_the_capacity() -> None:
    command = parse("Drop Berlin Plant to 400.", known_names=NAMES).commands[0]
    assert command.intent == "update-node" and command.params["capacity"] == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Resolved that the following be entered as suppliers: the collection centre at Kumasi, "
            "3,000 bags per month, and the buying station at Sunyani, 1,800 bags per month.",
            ["add-supplier", "add-supplier"],
        ),
        (
            "Item 4: Export storage. A bonded warehouse at Accra, 8,000 bags, receiving from "
            "Berlin Plant, is to be added.",
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "We have also one shop in Bishkek, our own brand shop. Please add it, Rotterdam "
            "warehouse is supplying it.",
            ["add-retailer", "connect-nodes"],
        ),
        (
            "Can you add our pepper growers in Kecskemét as a supplier, around 500 tonnes, they "
            "feed Berlin Plant.",
            ["add-supplier", "connect-nodes"],
        ),
    ],
)
def test_minutes_and_present_links(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


def test_call_it_a_type_is_no_rename() -> None:
    result = parse(
        "I also rent a tiny storage unit in Charlotte (I'll call it a warehouse, it holds maybe "
        "3,000 candles). add it but please don't connect it to anything yet"
    )
    assert "rename-node" not in [c.intent for c in result.commands]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("revert: last change, Stockholm isn't signed yet", ["undo"]),
        ("revert: one more", ["undo"]),
        ("ok redo that one, legal just signed Stockholm lol", ["redo"]),
        ("fix: bump Shanghai to 3.5k, they added a moulding machine", ["update-node"]),
        (
            "OPS-1193 | Type: Question | Summary: List everything that is currently degraded.",
            ["list-nodes"],
        ),
        (
            "OPS-1191 | Summary: Chicago DC should also supply the NYC Flagship Store (second "
            "source).",
            ["connect-nodes"],
        ),
        (
            "> add capacity or open a second plant\nThe second one. Please add a plant in Oruro.",
            ["add-manufacturer"],
        ),
        ("Rotterdam Warehouse should also serve Chicago DC, link them.", ["connect-nodes"]),
    ],
)
def test_commit_messages_tickets_and_quotes(text: str, expected: list[str]) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize("text", ["Affirmative, go ahead, over.", "Makasih banyak ya!"])
def test_radio_yes_and_indonesian_thanks(text: str) -> None:
    result = parse(text)
    assert [s.kind for s in result.steps if isinstance(s, Act)] in (["yes"], ["smalltalk"])


def test_key_value_lines_are_adds_links_and_settings() -> None:
    result = parse(
        "Hei. Loading our sites, one per line:\ntype=plant, city=Oulu, cap=40000\n"
        "type=warehouse, city=Lübeck, cap=30000, fed_by=Oulu\n"
        "settings currency=EUR region=europe risk_profile=medium"
    )
    assert [c.intent for c in result.commands] == [
        "add-manufacturer",
        "add-warehouse",
        "connect-nodes",
        "set-currency",
        "set-region",
        "set-risk-profile",
    ]
    assert result.clarification is None


def test_an_aside_in_brackets_is_left_out_and_a_size_in_brackets_is_kept() -> None:
    command = one(
        "We distil rose oil in Kazanlak (the Valley of the Roses, most people outside Bulgaria "
        "have never heard of it), around 1,200 litres a month. Please put the distillery in as a "
        "plant."
    )
    assert place(command).city == "Kazanlak" and command.params["capacity"] == 1200
    sized = parse("Distribution centres in Sydney (30k) and Los Angeles (40k).").commands
    assert [c.params["capacity"] for c in sized] == [30000, 40000]


def test_both_supply_the_mill_after_two_adds() -> None:
    assert intents(
        "add a supplier in Cairo, 12,000 bales, and one in Port Said, 6,000 bales. Both supply "
        "Berlin Plant."
    ) == ["add-supplier", "add-supplier", "connect-nodes"]
