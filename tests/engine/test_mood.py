"""Mood before intent: one test per wording each meaning-changing rule accepts (negation,
questions and advice, hypotheticals, corrections, out of scope, dialogue acts), so that
deleting an alternative from a rule fails a test instead of passing unnoticed."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.commands import Act, Command
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.engine.language.mood import Mood, dialogue_act, mood, out_of_scope_topic

NAMES = ("Berlin Plant", "Chicago DC", "Shanghai Supplier")


def _masked(text: str) -> str:
    from omnitrack_realtime.engine.language.names import _name_index
    from omnitrack_realtime.engine.language.references import _analyse

    return _analyse(text, _name_index(NAMES)).masked


@pytest.mark.parametrize(
    "text",
    [
        "don't add a supplier in Busan",
        "do not connect it",
        "dont remove Berlin Plant",
        "never delete Chicago DC",
        "no need to add a supplier in Busan",
        "no need for a warehouse in Lyon",
        "not yet",
        "hold off on connecting them",
        "let's not add the store",
        "we don't need to remove it",
        "I don't want you to delete Berlin Plant",
        "there's no need to connect them",
        "skip the warehouse in Lyon",
        "forget about the supplier in Busan",
        "you don't need to add a store",
        "you can skip the link",
        "please don't remove it",
        "actually don't connect it",
        "and don't connect it",
    ],
)
def test_negations(text: str) -> None:
    assert mood(_masked(text)) is Mood.NEGATED
    result = parse(text, known_names=NAMES)
    assert not result.commands
    assert [s.kind for s in result.steps if isinstance(s, Act)] in (["cancelled"], ["no"])


@pytest.mark.parametrize(
    "text",
    ["why don't we add a store in Lyon", "don't you think Berlin Plant is busy", "I do not know"],
)
def test_not_negations(text: str) -> None:
    assert mood(_masked(text)) is not Mood.NEGATED


def test_a_negated_clause_beside_a_request_drops_only_itself() -> None:
    result = parse("add a warehouse in Lyon but don't connect it yet", known_names=NAMES)
    assert [c.intent for c in result.commands] == ["add-warehouse"]
    assert [s.kind for s in result.steps if isinstance(s, Act)] == ["cancelled"]


@pytest.mark.parametrize(
    "text",
    [
        "what if Berlin Plant fails",
        "what happens if Chicago DC closes",
        "what would happen if Shanghai Supplier went offline",
        "suppose Berlin Plant shuts down",
        "supposing Chicago DC is flooded",
        "imagine Shanghai Supplier disappears",
        "pretend Berlin Plant is gone",
        "hypothetically, remove Chicago DC",
        "in case Shanghai Supplier fails",
        "assuming Berlin Plant goes offline",
        "would we survive if Chicago DC closed",
        "if Berlin Plant failed, what breaks",
    ],
)
def test_hypotheticals(text: str) -> None:
    assert mood(_masked(text)) is Mood.HYPOTHETICAL


@pytest.mark.parametrize(
    "text",
    [
        "what if we removed Berlin Plant?",
        "hypothetically, delete Chicago DC",
        "suppose we take Shanghai Supplier offline",
    ],
)
def test_a_hypothetical_change_simulates_instead(text: str) -> None:
    result = parse(text, known_names=NAMES)
    assert [c.intent for c in result.commands] == ["what-if-supplier-failure"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("is Berlin Plant connected to Chicago DC?", "get-node-details"),
        ("are we in euros?", "get-settings"),
        ("is our currency EUR?", "get-settings"),
        ("do we have a warehouse in Lyon?", "list-nodes"),
        ("does Shanghai Supplier ship to Berlin Plant?", "get-node-details"),
        ("what's our risk profile now?", "get-settings"),
        ("what feeds Berlin Plant?", "trace-upstream"),
        ("what does Shanghai Supplier supply?", "trace-downstream"),
        ("should we close Chicago DC?", "recommend"),
        ("shall we close Chicago DC?", "recommend"),
        ("ought we to drop Chicago DC?", "recommend"),
        ("what should I do about Berlin Plant?", "recommend"),
        ("any suggestions for Chicago DC?", "recommend"),
    ],
)
def test_questions_and_advice_never_change_the_twin(text: str, intent: str) -> None:
    result = parse(text, known_names=NAMES)
    assert [c.intent for c in result.commands] == [intent]


@pytest.mark.parametrize(
    "text",
    [
        "can you add a supplier in Lyon?",
        "could you connect Berlin Plant to Chicago DC?",
        "would you remove Chicago DC?",
        "will you mark Berlin Plant degraded?",
        "can we switch the currency to yen?",
        "is it possible to add a store in Paris?",
        "would be great to have a supplier in Taiwan",
    ],
)
def test_polite_requests_are_commands(text: str) -> None:
    assert mood(_masked(text)) is Mood.COMMAND
    assert parse(text, known_names=NAMES).commands


@pytest.mark.parametrize(
    "text",
    [
        "no wait, Chennai not Mumbai",
        "sorry, I meant Lyon",
        "i mean Lyon",
        "I meant to say Chennai",
        "make that 5k",
        "scratch that, Lyon",
        "correction: Chennai",
        "actually Chennai",
        "not Mumbai, Chennai",
        "Chennai, not Mumbai",
        "change that to Lyon",
        "typo, Lyon",
        "should have been Lyon",
        "Lyon instead",
        "oops Lyon",
        "no, Lyon",
        "wait, Lyon",
        "the warehouse is in Penang, not Kuala Lumpur",
        "correction, the warehouse is in Johor Bahru, not Kuala Lumpur",
        "sorry, is not Santos, is Curitiba the warehouse",
        "scusa, my mistake: please move the warehouse in Genova, not Napoli",
        "no wait, put it in Cape Town, not Stellenbosch - that's where their office is",
    ],
)
def test_corrections(text: str) -> None:
    assert mood(_masked(text)) is Mood.CORRECTION
    assert [s.kind for s in parse(text).steps if isinstance(s, Act)] == ["correction"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("book a truck for Monday", "book trucks or shipments"),
        ("email the supplier", "send email or messages"),
        ("draft a report for my boss", "send email or messages"),
        ("call the plant manager", "call or message people"),
        ("place an order for 500 units", "place orders or payments"),
        ("what's the weather in Lyon", "check the weather"),
        ("what are fuel prices doing", "look up prices, markets or news"),
        ("schedule a meeting with logistics", "schedule meetings"),
        ("what are our carbon emissions", "measure emissions"),
        ("track the shipment from Shanghai", "track shipments or trucks"),
        ("hire two drivers", "hire or manage staff"),
        ("tell me a joke", "tell jokes or chat about other topics"),
        ("export the network to excel", "export files"),
        ("translate this into German", "translate"),
    ],
)
def test_out_of_scope(text: str, topic: str) -> None:
    assert out_of_scope_topic(_masked(text)) == topic
    result = parse(text, known_names=NAMES)
    assert not result.commands
    assert [(s.kind, s.topic) for s in result.steps if isinstance(s, Act)] == [
        ("out-of-scope", topic)
    ]


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("yes", "yes"),
        ("yep", "yes"),
        ("sure, go ahead", "yes"),
        ("do it", "yes"),
        ("confirm", "yes"),
        ("no", "no"),
        ("nope", "no"),
        ("cancel", "no"),
        ("never mind", "no"),
        ("no, keep it", "no"),
        ("hi", "smalltalk"),
        ("thanks!", "smalltalk"),
        ("thank you so much", "smalltalk"),
        ("good morning team", "smalltalk"),
        ("bye", "smalltalk"),
    ],
)
def test_dialogue_acts(text: str, act: str) -> None:
    assert dialogue_act(_masked(text)) == act
    assert parse(text).steps == (Act(act, text),)  # type: ignore[arg-type]


def test_a_node_named_like_a_mood_word_is_a_node() -> None:
    result = parse("remove Never Mind Ltd", known_names=("Never Mind Ltd",))
    assert [c.intent for c in result.commands] == ["remove-node"]
    assert isinstance(result.commands[0], Command)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("can you get me a quote from DHL for the Antwerp lane?", "get quotes from carriers"),
        (
            "sync all of this with our SAP instance",
            "sync with other systems (SAP, ERP, spreadsheets)",
        ),
        ("call the plant manager", "call or message people"),
    ],
)
def test_more_out_of_scope(text: str, topic: str) -> None:
    result = parse(text, known_names=NAMES)
    assert [(s.kind, s.topic) for s in result.steps if isinstance(s, Act)] == [
        ("out-of-scope", topic)
    ]


@pytest.mark.parametrize(
    "text",
    ["Did any alerts fire overnight?", "call the Berlin one Spree Works"],
)
def test_not_out_of_scope(text: str) -> None:
    assert parse(text, known_names=NAMES).commands


@pytest.mark.parametrize("text", ["no, not yet", "no, leave it, we still need the space"])
def test_a_no_with_its_reason(text: str) -> None:
    assert parse(text).steps[0] == Act("no", text)  # type: ignore[comparison-overlap]


@pytest.mark.parametrize(
    "text",
    [
        "I suppose we should probably add a store in Manchester as well, go ahead.",
        "maybe add a store in Leeds, just do it",
    ],
)
def test_a_hedge_said_with_go_ahead_is_a_command(text: str) -> None:
    assert [c.intent for c in parse(text).commands] == ["add-retailer"]


@pytest.mark.parametrize(
    "keep",
    ["leave it at 20k for now", "keep it as it is", "just leave it alone", "leave it unchanged"],
)
def test_keep_it_after_taking_a_change_back_changes_nothing(keep: str) -> None:
    steps = parse(f"Maybe bump Berlin Plant to 22k? Actually no, {keep}.", known_names=NAMES).steps
    assert [s.kind for s in steps if isinstance(s, Act)] == ["cancelled"]
    assert not [s for s in steps if not isinstance(s, Act)]
