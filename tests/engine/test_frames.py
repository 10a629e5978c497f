"""The entity-first frame reader (language/frames.py) and the courtesy table (courtesy.py):
a step no rule reads is read by what it names; courtesy in any language is small talk."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.commands import Command, NodeRef
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.engine.language.courtesy import without_emoticons, without_particles
from omnitrack_realtime.engine.language.frames import read_frames, read_what_if
from omnitrack_realtime.engine.language.names import _name_index
from omnitrack_realtime.seam import EngineRequest, HistoryTurn

ROASTERY = ("Bergen Plant",)
USER = "frames-user"
T0 = 1_800_000_000_000


def steps(text: str, names: tuple[str, ...] = ROASTERY) -> list[str]:
    result = parse(text, known_names=names)
    return [getattr(s, "intent", None) or getattr(s, "kind", "") for s in result.steps]


def commands(text: str, names: tuple[str, ...] = ROASTERY) -> list[Command]:
    return list(parse(text, known_names=names).commands)


def city(command: Command) -> str | None:
    place = command.params.get("place")
    return getattr(place, "city", None)


def end(command: Command, key: str) -> str:
    ref = command.params[key]
    assert isinstance(ref, NodeRef)
    return ref.text


def test_sites_said_with_a_verb_of_flow_are_added_with_their_sizes() -> None:
    found = commands(
        "Beans come from an importer in Oslo, 5,000 kg, and a farm co-op in Trondheim, 1,000 kg"
    )
    assert [(c.intent, city(c), c.params.get("capacity")) for c in found] == [
        ("add-supplier", "Oslo", 5000),
        ("add-supplier", "Trondheim", 1000),
    ]


def test_a_described_network_is_built_in_the_twin(tmp_path: Path) -> None:
    engine = SupplyChainEngine(tmp_path / "twin.db", clock=lambda: T0)
    try:
        history: list[HistoryTurn] = []
        for text in (
            "We roast coffee in Bergen, about 2,000 kg a month, put the roastery in as a plant.",
            "Beans come from an importer in Oslo, 5,000 kg, and a farm co-op in Trondheim, "
            "1,000 kg. Both of them send to the roastery.",
            "we also work with a grower near Kecskemét, around 500 tonnes a year, they deliver "
            "to the Bergen plant",
        ):
            outcome = engine.run_turn(EngineRequest(USER, "c", text, tuple(history)))
            history += [HistoryTurn("user", text), HistoryTurn("assistant", outcome.text)]
        nodes = {n.id: (n.name, n.capacity) for n in engine.twin.list_nodes(USER)}
        links = {
            (nodes[c.source][0], nodes[c.target][0])
            for c in engine.twin.list_connections(USER)
            if not c.bidirectional
        }
    finally:
        engine.close()
    assert sorted(nodes.values()) == [
        ("Bergen Plant", 2000),
        ("Kecskemét Supplier", 500),
        ("Oslo Supplier", 5000),
        ("Trondheim Supplier", 1000),
    ]
    assert links == {
        ("Oslo Supplier", "Bergen Plant"),
        ("Trondheim Supplier", "Bergen Plant"),
        ("Kecskemét Supplier", "Bergen Plant"),
    }


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        # goods leave the subject ...
        (
            "we also work with a grower near Kecskemét, around 500 tonnes a year, they "
            "deliver to the Bergen plant",
            "Kecskemét Supplier",
            "Bergen Plant",
        ),
    ],
)
def test_the_verb_of_flow_gives_the_direction(text: str, source: str, target: str) -> None:
    links = [c for c in commands(text) if c.intent == "connect-nodes"]
    assert [(end(c, "source"), end(c, "target")) for c in links] == [(source, target)]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("the cafés in Stavanger get everything from the roastery", "ship from the plant to"),
        ("the roastery supplies the cafés in Stavanger", "ship from the plant to"),
        ("a co-op in Trondheim, it delivers to Bergen Plant", "ship from Trondheim Supplier to"),
        ("Bergen Plant is fed by a co-op in Trondheim", "ship from Trondheim Supplier to"),
    ],
)
def test_the_frame_links_in_the_direction_goods_move(text: str, link: str) -> None:
    clauses = read_frames(text, _name_index(ROASTERY), building=True)
    assert clauses is not None
    assert next(c for c in clauses if c.startswith("ship from")).startswith(link)


def test_a_role_with_a_list_of_places_is_a_site_at_each() -> None:
    found = commands("The roasted coffee goes to our cafes in Stavanger and Tromsø.")
    assert [(c.intent, city(c)) for c in found] == [
        ("add-retailer", "Stavanger"),
        ("add-retailer", "Tromsø"),
    ]


def test_a_site_only_described_is_added_while_a_network_is_being_built() -> None:
    said = "Our main proveedor of castings is in Monterrey, around 7k units/month"
    assert [(c.intent, city(c), c.params.get("capacity")) for c in commands(said)] == [
        ("add-supplier", "Monterrey", 7000)
    ]
    described = "a farm co-op in Trondheim, 1,000 kg"
    assert read_frames(described, _name_index(()), building=False) is None
    assert read_frames(described, _name_index(()), building=True) == [
        "add a supplier in Trondheim, capacity 1000"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "what if an importer in Oslo delivers to the roastery?",  # a hypothetical
        "don't add the co-op in Trondheim yet",  # a negation
        "Eventually we open a second warehouse in Munich for the German customers",  # a plan
        "I used to work at a factory in Detroit, 5,000 units a day",  # the past
        "does a grower in Oslo deliver to the roastery?",  # a question
    ],
)
def test_no_site_from_a_question_a_negation_a_plan_or_the_past(text: str) -> None:
    assert not [c for c in commands(text) if c.intent.startswith("add-")]
    assert read_frames(text, _name_index(ROASTERY), building=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "an importer in Oslo, 5,000 kg, sends its beans to the roastery",
        "the cafes in Stavanger and Tromsø get everything from the roastery",
        "Bergen Plant supplies the shop in Oslo",
        "both of them send to the roastery",
        "a grower near Kecskemét, they deliver to Bergen Plant",
    ],
)
def test_frames_only_ever_add_and_link(text: str) -> None:
    clauses = read_frames(text, _name_index(ROASTERY), ("Oslo Supplier", "Trondheim Supplier"))
    assert clauses
    assert all(c.startswith(("add a ", "ship from ")) for c in clauses)


def test_a_type_with_the_place_said_before_it_is_the_node_there() -> None:
    names = ("Rotterdam Distribution Center", "Yokohama Distribution Center")
    (moved,) = commands("Yokohama buyer has shifted their DC to Nagoya. Kindly amend.", names)
    node = moved.params["node"]
    assert moved.intent == "update-node" and city(moved) == "Nagoya"
    assert isinstance(node, NodeRef) and node.place is not None
    assert node.place.city == "Yokohama"


@pytest.mark.parametrize(
    "text",
    [
        "cam on nhieu a 🙏",
        "ok sick ty 🙏",
        "OK～ 謝謝！",
        "khob khun krub",
        "Danke und schönen Tag noch!",
        "Thank you for your kind help!! (^o^)/",
        "asante sana, kwaheri",
        "감사합니다",
    ],
)
def test_courtesy_in_other_languages_is_small_talk(text: str) -> None:
    assert steps(text) == ["smalltalk"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Thank you very much m(_ _)m Please change the currency to Japanese yen.", "set-currency"),
        ("Excuse me (^^;) what currency is set now?", "get-settings"),
        ("Xin chao, add a warehouse in Da Nang", "add-warehouse"),
        ("Grüß Gott! Please add a warehouse in Innsbruck", "add-warehouse"),
        ("please add our factory：Taichung，capacity 15,000 frames/month。", "add-manufacturer"),
    ],
)
def test_faces_greetings_and_wide_punctuation_leave_the_request(text: str, intent: str) -> None:
    assert [c.intent for c in commands(text)] == [intent]


def test_particles_and_faces_are_dropped_but_list_markers_stay() -> None:
    assert without_particles("packing house send there krub") == "packing house send there"
    assert without_particles("farm supplier have 3 place krub: Rayong") == (
        "farm supplier have 3 place: Rayong"
    )
    assert without_particles("go with plan A") == "go with plan A"
    assert without_particles("Settings\n a. currency EUR") == "Settings\n a. currency EUR"
    assert without_emoticons("(ii) Husk suppliers (x)") == "(ii) Husk suppliers (x)"
    assert "^" not in without_emoticons("connect to our brewery (^_^)")


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        # a town after a comma is the subject of what follows, not a second site
        ("DC in El Paso, Juárez ships to it", ["add a distribution center in El Paso"]),
        ("a plant in Changhua, Sakai supplies Changhua", ["add a plant in Changhua"]),
        # a plural role lists its towns with commas
        (
            "our cafés in Stavanger, Tromsø and Bodø",
            ["add a store in Stavanger", "add a store in Tromsø", "add a store in Bodø"],
        ),
    ],
)
def test_a_comma_lists_towns_only_after_a_plural(text: str, clauses: list[str]) -> None:
    found = read_frames(text, _name_index(ROASTERY), building=True) or []
    assert [c for c in found if c.startswith("add")] == clauses


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Could you tell me what currency is set now?", "get-settings"),
        ("I'd like to know which suppliers feed Bergen Plant", "trace-upstream"),
        ("please tell me how many warehouses we have", "list-nodes"),
    ],
)
def test_an_indirect_question_is_the_question_it_carries(text: str, intent: str) -> None:
    assert [c.intent for c in commands(text)] == [intent]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a remark after the request, even one that alone would read as a scene to simulate
        (
            "Irvine set degraded, port labour problem in LA",
            ("Irvine Warehouse",),
            [("update-node", "degraded")],
        ),
        (
            "Increase factory capacity to 1,800 MT, new decorticator line commissioned last week",
            ("Kurunegala Plant",),
            [("update-node", 1800)],
        ),
    ],
)
def test_a_remark_after_a_comma_leaves_the_request(
    text: str, names: tuple[str, ...], expected: list[tuple[str, object]]
) -> None:
    found = commands(text, names)
    assert [(c.intent, c.params.get("status", c.params.get("capacity"))) for c in found] == expected
    assert all(not end(c, "node").startswith("Increase") for c in found)


def test_a_size_after_a_comma_is_no_remark() -> None:
    (added,) = commands("add a supplier in Hamburg, 8,000 units")
    assert added.params["capacity"] == 8000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "dryer 2 in Cork is down for maintenance till Friday, mark the Cork plant degraded "
            "please",
            [("update-node", "Cork Plant", "degraded")],
        ),
        (
            "the cartons place in launceston shut down last month, get rid of it",
            [("remove-node", "launceston", None)],
        ),
        # "it" after a dropped report is the node the report named
        (
            "Perth store is closed for refit until the 20th - mark it offline",
            [("update-node", "Perth store", "offline")],
        ),
        # a report alone is still read as what it says
        ("Cork Plant is offline", [("update-node", "Cork Plant", "offline")]),
    ],
)
def test_a_report_beside_a_request_is_its_reason(
    text: str, expected: list[tuple[str, str, str | None]]
) -> None:
    names = ("Cork Plant", "Launceston Warehouse", "Perth Store", "Brisbane DC")
    found = commands(text, names)
    assert [(c.intent, end(c, "node").casefold(), c.params.get("status")) for c in found] == [
        (intent, node.casefold(), status) for intent, node, status in expected
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the towns listed after a colon, each with its size; a country in brackets is a note
        (
            "Prepreg supplier have 2: Matsuyama (Japan) 8,000 rolls, Kaohsiung 5,000 rolls",
            [
                "add a supplier in Matsuyama, capacity 8000",
                "add a supplier in Kaohsiung, capacity 5000",
            ],
        ),
        (
            "then DC in China 2 place: Guangzhou 500 ton, Kunming 300 ton",
            [
                "add a distribution center in Guangzhou, capacity 500",
                "add a distribution center in Kunming, capacity 300",
            ],
        ),
        # a town before the type, opening the step with a size
        (
            "Munich warehouse 3,000 pairs, delivered from Hohenems",
            ["add a warehouse in Munich, capacity 3000", "ship from Hohenems to Munich Warehouse"],
        ),
        # "us" is the user's own plant; "they all" every site the message added
        (
            "they all get their pots straight from us",
            [
                "ship from the plant to Harrogate Store",
                "ship from the plant to Bath Store",
                "ship from the plant to York Store",
            ],
        ),
        # "we" opening a description is the company, not a node
        ("we import green coffee from Ethiopia and Colombia and roast it in Hamburg", None),
    ],
)
def test_lists_towns_first_and_us(text: str, expected: list[str] | None) -> None:
    names = _name_index(("Hohenems Plant", "Stoke Plant"))
    recent = ("Harrogate Store", "Bath Store", "York Store")
    assert read_frames(text, names, recent, building=True) == expected


@pytest.mark.parametrize(
    ("text", "node", "hours"),
    [
        ("if Chumphon farm stop 2 week, how much problem?", "Chumphon", 336.0),
        ("what if Chumphon stops for 2 weeks?", "Chumphon", 336.0),
        (
            "what happens if the St Austell supplier doesn't deliver for a fortnight?",
            "St Austell Supplier",
            336.0,
        ),
        ("suppose Stoke Plant has a bad month", "Stoke Plant", None),
    ],
)
def test_a_what_if_in_own_words_simulates_the_node_it_names(
    text: str, node: str, hours: float | None
) -> None:
    names = ("Chumphon Supplier", "St Austell Supplier", "Stoke Plant")
    (found,) = commands(text, names)
    assert found.intent == "what-if-supplier-failure"
    assert end(found, "node") == node and found.params.get("duration_hours") == hours


@pytest.mark.parametrize(
    "text",
    [
        "what if the clay doesn't come for a fortnight?",  # no node named: the rules ask
        "if you stop now, nothing changes",  # no node
        "what if Stoke Plant doubles its output?",  # nothing stops
    ],
)
def test_a_what_if_without_a_node_or_a_stop_is_left_to_the_rules(text: str) -> None:
    assert read_what_if(text, _name_index(("Stoke Plant",))) is None


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a link the rules could not finish, read by the frame: "all" is every site just added
        (
            "farm supplier have 3 place: Rayong 150 ton, Trat 100 ton, Chumphon 200 ton. all "
            "send to packing house",
            ("Chanthaburi Plant",),
            ["add-supplier"] * 3 + ["connect-nodes"] * 3,
        ),
        # the verb left out after "both": two links, not a shipping method
        (
            "DC at Rotterdam, 800 MT. DC at Yokohama, 500 MT. Both from Colombo warehouse by sea.",
            ("Colombo Warehouse",),
            ["add-distributor", "add-distributor", "connect-nodes", "connect-nodes"],
        ),
        # "flag" is a verb of its own after "and"
        (
            "gisborne block got hammered in the cyclone, halve it and flag it degraded",
            ("Gisborne Supplier",),
            ["update-node", "update-node"],
        ),
        ("could you take that one away again", ("York Store",), ["remove-node"]),
        # an unread report beside a change is its reason, not a question
        (
            "Actual our warehouse in Innsbruck has 3,000 pairs, this is too small since the new "
            "season. Please make it 4,500.",
            ("Innsbruck Warehouse",),
            ["update-node"],
        ),
    ],
)
def test_links_verbs_and_reports(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert steps(text, names) == expected


def test_that_one_after_an_unread_report_is_the_node_the_report_named() -> None:
    # it pointed at the node talked about last turn (the plant): a removal of the wrong node
    (removal,) = commands(
        "Oh dear... I've just remembered the York stockist closed after Christmas... could "
        "you take that one away again... sorry...",
        ("Stoke-on-Trent Plant", "York Store", "Bath Store"),
    )
    assert removal.intent == "remove-node" and end(removal, "node") == "York"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remove the Bath store, sorry", ["remove-node"]),  # an apology keeps the request
        ("remove the Bath store. sorry, no", ["cancelled"]),  # a take-back still cancels
    ],
)
def test_an_apology_is_no_take_back(text: str, expected: list[str]) -> None:
    assert steps(text, ("Bath Store",)) == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("Thank you very much m(_ _)m Please change it to Japanese yen.", (), ["set-currency"]),
        (
            "Noted. Increase factory capacity to 1,800 MT, new line commissioned last week. Also, "
            "can we obtain the fumigation certificate through this system?",
            ("Kurunegala Plant",),
            ["update-node", "out-of-scope"],
        ),
        (
            "We get the steel edges from a supplier in Lecco, about 60,000 metres a year. "
            "Please put him into the system and connect him with the factory.",
            ("Hohenems Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        ("is there anything you'd suggest we do?", ("Hohenems Plant",), ["recommend"]),
    ],
)
def test_currency_capability_questions_him_and_suggestions(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert [s for s in steps(text, names) if s != "smalltalk"] == expected


def test_a_capability_we_lack_is_said_to_be_out_of_scope_with_what_was_asked() -> None:
    (act,) = parse("can you obtain the fumigation certificate through this system?").steps
    assert getattr(act, "kind", None) == "out-of-scope"
    assert getattr(act, "topic", None) == "obtain the fumigation certificate"
    said = "Make Bergen Plant 900. Can we obtain the certificate here?"
    result = parse(said, known_names=ROASTERY)
    asked = [s for s in result.steps if getattr(s, "kind", "") == "out-of-scope"]
    assert [getattr(s, "topic", "") for s in asked] == ["obtain the certificate here"]


def run_turns(tmp_path: Path, *texts: str) -> list[tuple[str, str]]:
    """The nodes (name, city) after the turns, through the whole engine."""
    engine = SupplyChainEngine(tmp_path / "twin.db", clock=lambda: T0)
    try:
        history: list[HistoryTurn] = []
        for text in texts:
            outcome = engine.run_turn(EngineRequest(USER, "c", text, tuple(history)))
            history += [HistoryTurn("user", text), HistoryTurn("assistant", outcome.text)]
        return sorted((n.name, n.location.city or "") for n in engine.twin.list_nodes(USER))
    finally:
        engine.close()


def test_a_correction_naming_the_wrong_town_moves_the_node_there(tmp_path: Path) -> None:
    # it moved the newest supplier (Puttalam), not the one at the town said to be wrong
    nodes = run_turns(
        tmp_path,
        "add a supplier in Negombo, 900 and one in Puttalam",
        "Correction: the first supplier is at Chilaw, not Negombo.",
    )
    assert nodes == [("Chilaw Supplier", "Chilaw"), ("Puttalam Supplier", "Puttalam")]


def test_not_the_old_town_then_the_new_one_is_a_correction(tmp_path: Path) -> None:
    nodes = run_turns(
        tmp_path,
        "add a DC in Rotterdam, 3000 and a DC in Los Angeles, 2000",
        "sorry my mistake, not Los Angeles, Long Beach",
    )
    assert [city for _name, city in nodes] == ["Long Beach", "Rotterdam"]


def test_carbon_as_a_material_is_no_emissions_question() -> None:
    said = "We are carbon bicycle frame OEM in Taichung, please add our factory: Taichung"
    assert steps(said, ()) == ["add-manufacturer"]


@pytest.mark.parametrize("text", ["sí dale", "ndiyo", "aywa", "wi", "ja", "oui", "haan ji"])
def test_yes_in_other_languages_answers_a_confirmation(text: str) -> None:
    assert steps(text, ()) == ["yes"]


@pytest.mark.parametrize("text", ["hapana", "nein", "non", "nahi"])
def test_no_in_other_languages_declines(text: str) -> None:
    assert steps(text, ()) == ["no"]


def test_add_them_as_takes_the_sizes_said_before_and_the_link_after() -> None:
    found = commands(
        "the nuts come from 3 pickers groups: Savelugu 150 tonnes, Yendi 120, Bolgatanga 200. "
        "add them as suppliers and all of them supply the plant",
        ("Tamale Plant",),
    )
    assert [(c.intent, c.params.get("capacity")) for c in found] == [
        ("add-supplier", 150),
        ("add-supplier", 120),
        ("add-supplier", 200),
        ("connect-nodes", None),
        ("connect-nodes", None),
        ("connect-nodes", None),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Is possible to add a warehouse in Nacala?", ["add-warehouse"]),
        ("just drop it in odessa tx", []),  # placing it, never a removal
        ("drop the Odessa store", ["remove-node"]),
    ],
)
def test_possible_to_and_drop_it_in(text: str, expected: list[str]) -> None:
    assert [c.intent for c in commands(text, ("Odessa Store",))] == expected


def test_a_correction_of_a_size_the_last_change_did_not_have_undoes_nothing(
    tmp_path: Path,
) -> None:
    # undoing the last add removed a supplier the user wanted (round 35)
    nodes = run_turns(
        tmp_path,
        "add a supplier in Athens, Georgia, 100,000 and one in Cartersville, 60,000",
        "Oh shoot, I told you wrong. Charlotte is 150,000 not 120,000",
    )
    assert [name for name, _city in nodes] == ["Athens Supplier", "Cartersville Supplier"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bump Bergen Plant to 21000. gracias crack", ["update-node", "smalltalk"]),
        ("set currency to USD pls. thank you oo", ["set-currency", "smalltalk"]),
        (
            "add a supplier in Dalton, 40,000 a week. Thank you sugar, you've been a big help",
            ["add-supplier", "smalltalk"],
        ),
        ("Bergen Plant is 600 tonnes now. mèsi anpil!", ["update-node", "smalltalk"]),
        # words after thanks that ask for something are a request
        ("thanks, and add a warehouse in Oslo", ["smalltalk", "add-warehouse"]),
    ],
)
def test_thanks_with_words_that_ask_nothing_is_small_talk(text: str, expected: list[str]) -> None:
    assert steps(text) == expected


def test_it_after_a_turn_naming_a_missing_node_means_nothing(tmp_path: Path) -> None:
    # "remove it" asked to remove the DC talked about before; the user meant Jérémie
    engine = SupplyChainEngine(tmp_path / "twin.db", clock=lambda: T0)
    try:
        history: list[HistoryTurn] = []
        for text in (
            "add a DC in Newark, 30 tonnes",
            "mark Jérémie degraded",
            "you know what, remove it",
            "yes",
        ):
            outcome = engine.run_turn(EngineRequest(USER, "c", text, tuple(history)))
            history += [HistoryTurn("user", text), HistoryTurn("assistant", outcome.text)]
        names = [n.name for n in engine.twin.list_nodes(USER)]
    finally:
        engine.close()
    assert names == ["Newark Distribution Center"]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a scene reported beside a change is its reason; "it" is the node it named
        (
            "Now we are with a problem. Monapo have flood, the road is cut. Put it disrupted "
            "please.",
            ("Monapo Supplier",),
            ["update-node"],
        ),
        # a what-if with words between "what happen" and "if", beating a guessed scene
        (
            "What happen to the factory if Monapo don't send nothing for one month?",
            ("Monapo Supplier", "Nampula Plant"),
            ["what-if-supplier-failure"],
        ),
        # the town and size said after an add asked about
        (
            "Is possible to create our factory? We process cashew in Nampula, 8000 tonnes.",
            (),
            ["add-manufacturer"],
        ),
        # a formal request
        (
            "Kindly be informed that our packing plant is located in Mashhad with a capacity of "
            "12 tonnes per year. I request you to register it.",
            (),
            ["add-manufacturer"],
        ),
        # bought in a town: suppliers there; "put them", then the link said after a comma
        (
            "The raw nut we buy in Angoche and Monapo. Put them also please, all goes to the "
            "factory.",
            ("Nampula Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
    ],
)
def test_reports_what_ifs_answers_and_formal_requests(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert [s for s in steps(text, names) if s != "smalltalk"] == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # records pasted as JSON, one per line, and "ambos" (both) with an arrow
        (
            'suppliers:\n{"type":"supplier","city":"Oberá","capacity":12000}\n'
            '{"type":"supplier","city":"Apóstoles","capacity":9000}\nambos -> Posadas',
            ("Posadas Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        # a site with its size, then where its goods come from
        (
            "add new store in Mbeya 3000 from the Dar warehouse. and another store in Dodoma, 1500",
            ("Dar es Salaam Warehouse",),
            ["add-retailer", "connect-nodes", "add-retailer"],
        ),
        # a scene guessed from a remark beside a simulation asked for
        (
            "what happens if the port of Guayaquil closes one week? with the strikes you never "
            "know, no?",
            (),
            ["what-if-port-closure"],
        ),
    ],
)
def test_json_records_sized_from_and_remarks_beside_a_what_if(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert steps(text, names) == expected


@pytest.mark.parametrize(
    ("text", "city", "capacity"),
    [
        ("the Yendi women just call me, they can do 140 this season. update it", "Yendi", 140),
        # the change asked again after the report that said it is one change
        ("Miki farmers can give only 100 tonnes in first year. Please change to 100.", "Miki", 100),
    ],
)
def test_a_size_reported_then_asked_for_is_one_change_of_that_node(
    text: str, city: str, capacity: int
) -> None:
    (update,) = commands(text, ("Yendi Supplier", "Miki Supplier"))
    node = update.params["node"]
    assert update.intent == "update-node" and update.params["capacity"] == capacity
    assert isinstance(node, NodeRef) and node.place is not None and node.place.city == city


def test_a_plan_in_roman_numerals_after_set_up_the_following() -> None:
    said = (
        "Good day. Kindly set up the following:\n(i) Factory at Kurunegala, 1,500 MT/month\n"
        "(ii) Husk suppliers at Negombo - 900 MT and Puttalam - 700 MT, both supplying the "
        "factory\n(iii) Warehouse at Colombo, 1,200 MT, fed from the factory\n"
        "(iv) Currency USD as we invoice in dollars"
    )
    assert [s for s in steps(said, ()) if s != "smalltalk"] == [
        "add-manufacturer",
        "add-supplier",
        "add-supplier",
        "connect-nodes",
        "add-warehouse",
        "connect-nodes",
        "set-currency",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can you send me all this as SMS on my phone?", ["out-of-scope"]),
        # an apology beside a correction is courtesy, not a step
        ("Correction: the supplier is at Chilaw, not Negombo. Regret the error.", ["correction"]),
    ],
)
def test_sms_and_apologies(text: str, expected: list[str]) -> None:
    assert steps(text, ("Negombo Supplier",)) == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a Markdown task list: done items were asked before, open ones are asked now
        (
            "- [x] plant in Guadalajara\n- [x] tannery -> plant\n- [ ] soles supplier in "
            "Zapopan, 30k pairs/month, also -> plant\n- [ ] warehouse in Monterrey, 20k",
            ("Guadalajara Plant", "Aguascalientes Supplier"),
            ["add-supplier", "connect-nodes", "add-warehouse"],
        ),
        # a lone "*value" line corrects the message before
        ("*Erdenet", (), ["correction"]),
        # Scots spellings
        (
            "Last thing, a shop in Edinburgh, 800 jumpers a month, fed fae Livingston.",
            ("Livingston Warehouse",),
            ["add-retailer", "connect-nodes"],
        ),
        # a thought sent in fragments, one per line
        (
            "ok and a store\nin swift current\n1500 tonnes\nfrom moose jaw",
            ("Moose Jaw Warehouse",),
            ["add-retailer", "connect-nodes"],
        ),
    ],
)
def test_task_lists_star_corrections_spellings_and_fragments(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert steps(text, names) == expected


def test_what_sends_goods_to_the_user_is_a_supplier_whatever_it_is_called() -> None:
    found = read_frames(
        "The dyed yarn comes from a dyehouse in Bradford, 4,000 kg", _name_index(()), building=True
    )
    assert found == ["add a supplier in Bradford, capacity 4000"]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("cn u add a wh frm calama rn", "can you add a wh from calama right now"),
        ("add a DC in the U.S. for CN Rail", "add a DC in the U.S. for CN Rail"),
        ("R&D lab", "R&D lab"),
        ("an' the dyed yarn fae Bradford", "and the dyed yarn from Bradford"),
    ],
)
def test_shorthand_and_scots_are_read_without_touching_abbreviations(
    text: str, cleaned: str
) -> None:
    from omnitrack_realtime.engine.language.cleaning import _clean

    assert _clean(text) == cleaned


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Hello. Our cement plant is in Darkhan, 90,000 tonnes per month. Please add it.",
            (),
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "Limestone supplier in Choibalsan, 120,000 tonnes, to the plant",
            ("Darhan Plant",),
            ["add-supplier", "connect-nodes"],
        ),
        ("set risk profile to medium, that's it, köszönöm", (), ["set-risk-profile", "smalltalk"]),
        (
            "Could you instead raise Chicago to 45,000 units, and Kolding to 150,000?",
            ("Chicago Plant", "Kolding Plant"),
            ["update-node", "update-node"],
        ),
        (
            "First some housekeeping. Rename Columbus Plant to OH-ASSY, Detroit Supplier to "
            "MI-CHAS and Indianapolis Distribution Center to IN-DLR.",
            ("Columbus Plant", "Detroit Supplier", "Indianapolis Distribution Center"),
            ["rename-node", "rename-node", "rename-node"],
        ),
        ("Might I ask what 'degraded' means in your system?", (), ["help"]),
        (
            "Might you also be able to order a fresh batch of zinc-air cells from them for us?",
            (),
            ["out-of-scope"],
        ),
        (
            "right. compare the two egg suppliers for me",
            ("Pest Supplier", "Szolnok Supplier"),
            ["compare-nodes"],
        ),
        (
            "oops the warehouse isn't Monterrey, it's Celaya. same 20k",
            ("Monterrey Warehouse",),
            ["correction"],
        ),
    ],
)
def test_round_37_classes(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert steps(text, names) == expected


def test_a_lone_star_correction_after_an_add_and_its_link_moves_the_node(tmp_path: Path) -> None:
    nodes = run_turns(
        tmp_path,
        "add a plant in Darkhan",
        "Limestone supplier in Choibalsan, 120,000 tonnes, to the plant",
        "*Erdenet",
    )
    assert ("Erdenet Supplier", "Erdenet") in nodes and not any(
        c == "Choibalsan" for _n, c in nodes
    )


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # a flow said beside adds is no report to drop
        (
            "Our buyers: a distributor in Le Havre, 1.500 kg, and one in Newark, 800 kg. Both "
            "are supplied from Toamasina.",
            ("Toamasina Warehouse",),
            ["add-distributor", "add-distributor", "connect-nodes", "connect-nodes"],
        ),
        # "one in A, ..., the other in B" after a colon; "bring to"
        (
            "The green vanilla comes from two collectors: one in Antalaha, 1.800 kg a month, the "
            "other in Andapa, 1.200 kg. Both bring to Sambava.",
            ("Sambava Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        # two nodes and "to", nothing else
        ("mill to Kotka also.", ("Nokia Plant", "Kotka Warehouse"), ["connect-nodes"]),
        # but a description of a route is no link of its own beside a question
        (
            "Our salmon goes Bergen to Oslo. What does the Oslo cold store supply at the moment?",
            ("Bergen Supplier", "Oslo Warehouse"),
            ["trace-downstream"],
        ),
    ],
)
def test_flows_beside_adds_lists_with_the_other_and_bare_to(
    text: str, names: tuple[str, ...], expected: list[str]
) -> None:
    assert [s for s in steps(text, names) if s != "smalltalk"] == expected


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        # YAML records pasted from a config file, and lanes
        (
            "one more:\n```yaml\n- type: dc\n  city: Salt Lake City\n  capacity: 50000\n"
            "  fed_by: Pocatello\n```",
            ("Pocatello Warehouse",),
            ["add-distributor", "connect-nodes"],
        ),
        (
            "lanes:\n```yaml\nlanes:\n  - from: Twin Falls\n    to: Pocatello\n"
            "  - from: Idaho Falls\n    to: Pocatello\n```",
            ("Twin Falls Plant", "Idaho Falls Plant", "Pocatello Warehouse"),
            ["connect-nodes", "connect-nodes"],
        ),
        # changes written as a diff
        (
            "changes for this week:\n+ supplier Kimbe 6000 (new purse-seine fleet)\n"
            "+ Kimbe -> Madang\n- Wewak Supplier (contract ended)",
            ("Madang Plant", "Wewak Supplier"),
            ["add-supplier", "connect-nodes", "remove-node"],
        ),
        # links written the other way round, tags and mentions, a slash ending a sentence
        (
            "Laredo WH <- Guadalajara WH <- Arandas",
            ("Arandas Plant", "Guadalajara WH", "Laredo WH"),
            ["connect-nodes"],
        ),
        ("#rename @Huye DC -> Southern Hub", ("Huye DC",), ["rename-node"]),
        (
            "kill the link Berlin Plant / Chicago DC",
            ("Berlin Plant", "Chicago DC"),
            ["disconnect-nodes"],
        ),
    ],
)
def test_structured_input(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert steps(text, names) == expected


GREENHOUSES = ("Kópavogur Plant", "Nordur Greenhouse", "Akureyri Store", "Rotterdam Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * FROM nodes WHERE type = 'manufacturer';", ["list-nodes"]),
        ("SELECT SUM(capacity) FROM nodes WHERE type = 'warehouse';", ["list-nodes"]),
        (
            "INSERT INTO links (src, dst) VALUES ('Rotterdam Supplier', 'Kópavogur Plant'), "
            "('Rotterdam Supplier', 'Nordur Greenhouse');",
            ["connect-nodes", "connect-nodes"],
        ),
        (
            "UPDATE nodes SET status = 'degraded' WHERE name = 'Nordur Greenhouse'; -- pipe leak",
            ["update-node"],
        ),
        ("yes. COMMIT;", ["yes"]),
    ],
)
def test_sql_on_nodes_and_links_reads_as_requests(text: str, expected: list[str]) -> None:
    assert steps(text, GREENHOUSES) == expected


def test_sql_insert_adds_and_delete_by_description_asks_first(tmp_path: Path) -> None:
    (added,) = commands(
        "INSERT INTO nodes (type, city, capacity) VALUES ('supplier', 'Delft', 1500);",
        GREENHOUSES,
    )
    assert added.intent == "add-supplier" and added.params["capacity"] == 1500
    engine = SupplyChainEngine(tmp_path / "twin.db", clock=lambda: T0)
    try:
        engine.run_turn(EngineRequest(USER, "c", "add a store in Akureyri"))
        outcome = engine.run_turn(
            EngineRequest(
                USER, "c", "DELETE FROM nodes WHERE city = 'Akureyri' AND type = 'retailer';"
            )
        )
        left = [n.name for n in engine.twin.list_nodes(USER)]
    finally:
        engine.close()
    assert outcome.start_metadata["intent"] == "confirmation" and left == ["Akureyri Store"]
