"""The engine through its seam: ``SupplyChainEngine.respond`` with a recording publisher.

The parser is replaced by a table of hand-built parse results, so these tests pin the
engine's behaviour (steps, metadata, events, errors) independently of the language layer.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.engine import create_engine
from omnitrack_realtime.engine.commands import (
    INTENTS,
    Clarification,
    Command,
    NodeRef,
    ParseResult,
)
from omnitrack_realtime.engine.copilot import MAX_STEPS, SupplyChainEngine
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.seam import AnswerEnd, AnswerStart, AnswerText, EngineRequest

from .twin_helpers import Clock, make_engine, place, ref

pytestmark = pytest.mark.usefixtures("twin_backend")
#: The language tables below are about understanding, not storage: SQLite is enough for them.
sqlite_only = pytest.mark.parametrize("twin_backend", ["sqlite"], indirect=True)

USER = "alice"


class RecordingPublisher:
    def __init__(self, *, fail: bool = False) -> None:
        self.events: list[tuple[str, str, Any]] = []
        self.fail = fail
        self.attempts = 0

    async def publish(self, user_id: str, event_type: str, data: Any) -> None:
        self.attempts += 1
        if self.fail:
            raise RuntimeError("backplane down")
        self.events.append((user_id, event_type, data))

    def of(self, event_type: str) -> list[Any]:
        return [data for _, kind, data in self.events if kind == event_type]


class TableParser:
    """Answers each message from a table; records the known names it was given."""

    def __init__(self, table: dict[str, ParseResult]) -> None:
        self.table = table
        self.known_names: list[Sequence[str]] = []

    def __call__(self, text: str, known_names: Sequence[str]) -> ParseResult:
        self.known_names.append(list(known_names))
        return self.table.get(text, ParseResult())


def one(intent: str, confidence: float = 0.9, **params: Any) -> ParseResult:
    return ParseResult((Command(intent, params, confidence),))


TABLE = {
    "add shanghai supplier": one("add-supplier", place=place("Shanghai")),
    "add berlin plant": one("add-manufacturer", place=place("Berlin"), name="Berlin Plant"),
    "connect": one("connect-nodes", source=ref("Shanghai Supplier"), target=ref("Berlin Plant")),
    "quake": one(
        "run-simulation", scenario="natural-disaster", place=place("Shanghai"), severity="high"
    ),
    "warehouse then connect": ParseResult(
        (
            Command("add-warehouse", {"place": place("Rotterdam")}, 0.8),
            Command(
                "connect-nodes",
                {"source": ref("it", "pronoun"), "target": ref("Berlin Plant")},
                0.7,
            ),
        )
    ),
    "three steps failing in the middle": ParseResult(
        (
            Command("add-retailer", {"place": place("Paris")}),
            Command("remove-node", {"node": ref("Atlantis")}),
            Command("update-node", {"node": NodeRef("it", "pronoun"), "status": "degraded"}),
        )
    ),
    "an independent step after a failure": ParseResult(
        (
            Command("remove-node", {"node": ref("Atlantis")}),
            Command("add-retailer", {"place": place("Lyon")}),
        )
    ),
    "too many": ParseResult(
        tuple(Command("add-retailer", {"place": place(c)}) for c in ("Paris", "Lyon")),
        too_many_steps=True,
    ),
    "which one?": ParseResult(clarification=Clarification("Which supplier do you mean?")),
    "add a supplier somewhere": ParseResult(
        clarification=Clarification("Where should the supplier be?", "add-supplier", 0.6)
    ),
    "buggy": one("remove-node", node=42),
}


@pytest.fixture
def parser() -> TableParser:
    return TableParser(TABLE)


@pytest.fixture
def engine(tmp_path: Path, parser: TableParser) -> SupplyChainEngine:
    return make_engine(tmp_path, parser=parser, clock=Clock())


async def ask(
    engine: SupplyChainEngine,
    message: str,
    publisher: RecordingPublisher | None = None,
    conversation: str = "c1",
) -> tuple[dict[str, Any], str, list[str], RecordingPublisher]:
    """One turn: (merged metadata, the text, suggestions, the publisher)."""
    publisher = publisher or RecordingPublisher()
    parts = [
        part async for part in engine.respond(EngineRequest(USER, conversation, message), publisher)
    ]
    start, *texts, end = parts
    assert isinstance(start, AnswerStart) and isinstance(end, AnswerEnd)
    assert texts and all(isinstance(t, AnswerText) for t in texts)
    assert "intent" in start.metadata and "confidence" in start.metadata
    assert "actionSuccess" in end.metadata
    metadata = {**start.metadata, **end.metadata}
    text = "".join(t.text for t in texts if isinstance(t, AnswerText))
    return metadata, text, list(end.suggestions), publisher


async def test_a_build_turn_streams_and_publishes_a_twin_update(
    engine: SupplyChainEngine, parser: TableParser
) -> None:
    metadata, text, suggestions, publisher = await ask(engine, "add shanghai supplier")
    assert metadata == {"intent": "add-supplier", "confidence": 0.9, "actionSuccess": True}
    assert "Added **Shanghai Supplier** (`sup-1`)" in text
    assert 2 <= len(suggestions) <= 4
    [(user, kind, data)] = publisher.events
    assert (user, kind) == (USER, "digital_twin_update")
    assert data["changes"][0]["change"] == "node_added"
    assert data["nodeCounts"] == {"operational": 1, "degraded": 0, "disrupted": 0, "offline": 0}
    assert data["totalNodes"] == 1 and data["conversationId"] == "c1"
    await ask(engine, "add berlin plant")
    assert parser.known_names[-1] == ["Shanghai Supplier"]  # the parser sees the user's names


async def test_a_simulation_publishes_progress_then_its_alert(engine: SupplyChainEngine) -> None:
    await ask(engine, "add shanghai supplier")
    metadata, text, _, publisher = await ask(engine, "quake")
    assert metadata["intent"] == "run-simulation" and metadata["actionSuccess"] is True
    assert "**Natural disaster** at Shanghai" in text
    kinds = [kind for _, kind, _ in publisher.events]
    assert kinds == ["scenario_progress"] * 6 + ["alert_notification"]
    progress = publisher.of("scenario_progress")
    assert [p["progress"] for p in progress] == [0, 20, 40, 60, 80, 100]
    assert [p["status"] for p in progress] == ["started"] + ["running"] * 4 + ["completed"]
    assert {p["scenarioId"] for p in progress} == {"sim-1"}
    [alert] = publisher.of("alert_notification")
    assert alert["alertId"] == "alert-1" and alert["nodeIds"] == ["sup-1"]
    assert alert["severity"] in ("HIGH", "CRITICAL") and alert["recommendedActions"]
    assert alert["message"].startswith("Simulation sim-1")


async def test_multi_step_runs_in_order_and_resolves_it_to_the_new_node(
    engine: SupplyChainEngine,
) -> None:
    await ask(engine, "add berlin plant")
    metadata, text, suggestions, publisher = await ask(engine, "warehouse then connect")
    assert metadata["intent"] == "multi-step"
    assert metadata["confidence"] == 0.7
    assert metadata["actionSuccess"] is True
    assert metadata["steps"] == [
        {"intent": "add-warehouse", "actionSuccess": True},
        {"intent": "connect-nodes", "actionSuccess": True},
    ]
    # Each step under a plain-words title, never an intent name.
    assert "**1. Added a warehouse**" in text and "**2. Connected**" in text
    assert "add-warehouse" not in text
    assert "Connected **Rotterdam Warehouse** (`wh-2`) → **Berlin Plant**" in text
    assert suggestions
    assert len(publisher.of("digital_twin_update")) == 2
    connections = engine.twin.list_connections(USER)
    assert [(c.source, c.target) for c in connections] == [("wh-2", "mfg-1")]


async def test_after_a_failure_the_steps_that_point_back_at_it_do_not_run(
    engine: SupplyChainEngine,
) -> None:
    metadata, text, _, publisher = await ask(engine, "three steps failing in the middle")
    assert metadata["intent"] == "multi-step" and metadata["actionSuccess"] is False
    assert metadata["steps"] == [
        {"intent": "add-retailer", "actionSuccess": True},
        {"intent": "remove-node", "actionSuccess": False},
        {"intent": "update-node", "actionSuccess": None},
    ]
    assert "**2. Removed a node (failed)**" in text and 'matching "Atlantis"' in text
    assert "Not run: updated a node, because it depends on a step that did not work." in text
    assert [n.name for n in engine.twin.list_nodes(USER)] == ["Paris Store"]
    assert len(publisher.of("digital_twin_update")) == 1


async def test_after_a_failure_an_independent_step_still_runs(
    engine: SupplyChainEngine,
) -> None:
    metadata, text, _, _ = await ask(engine, "an independent step after a failure")
    assert metadata["steps"] == [
        {"intent": "remove-node", "actionSuccess": False},
        {"intent": "add-retailer", "actionSuccess": True},
    ]
    assert metadata["actionSuccess"] is False and "Not run" not in text
    assert [n.name for n in engine.twin.list_nodes(USER)] == ["Lyon Store"]


async def test_more_than_max_steps_is_said(engine: SupplyChainEngine) -> None:
    metadata, text, _, _ = await ask(engine, "too many")
    assert metadata["actionSuccess"] is True
    assert f"more than {MAX_STEPS} steps" in text


async def test_clarifications_change_nothing(engine: SupplyChainEngine) -> None:
    metadata, text, suggestions, publisher = await ask(engine, "which one?")
    assert metadata["intent"] == "clarification" and metadata["actionSuccess"] is False
    assert text == "Which supplier do you mean?" and suggestions
    metadata, text, _, _ = await ask(engine, "add a supplier somewhere")
    # The turn asks; the guessed intent waits for the answer.
    assert metadata == {"intent": "clarification", "confidence": 0.6, "actionSuccess": False}
    assert publisher.events == [] and engine.twin.list_nodes(USER) == []


async def test_unknown_requests_point_to_help(engine: SupplyChainEngine) -> None:
    metadata, text, suggestions, _ = await ask(engine, "sing me a song")
    assert metadata["intent"] == "unknown" and metadata["actionSuccess"] is False
    assert '"sing me a song"' in text and "**help**" in text
    assert "help" in suggestions


async def test_a_bug_in_an_action_is_an_answer_not_an_exception(
    engine: SupplyChainEngine, caplog: pytest.LogCaptureFixture
) -> None:
    metadata, text, _, _ = await ask(engine, "buggy")
    assert metadata["intent"] == "remove-node" and metadata["actionSuccess"] is False
    assert "went wrong on my side" in text
    assert "action remove-node failed" in caplog.text


async def test_a_failing_publisher_does_not_lose_the_answer(engine: SupplyChainEngine) -> None:
    metadata, text, _, _ = await ask(engine, "add shanghai supplier", RecordingPublisher(fail=True))
    assert metadata["actionSuccess"] is True and "Shanghai Supplier" in text
    assert len(engine.twin.list_nodes(USER)) == 1


async def test_a_failing_publisher_is_tried_once_per_turn(engine: SupplyChainEngine) -> None:
    # Each attempt can take the backplane's whole publish timeout (Redis not answering): a
    # simulation's several events must not hold the answer back several timeouts.
    publisher = RecordingPublisher(fail=True)
    metadata, text, _, _ = await ask(engine, "add shanghai supplier")
    metadata, text, _, _ = await ask(engine, "quake", publisher)
    assert metadata["actionSuccess"] is True, text
    assert publisher.attempts == 1


async def test_concurrent_conversations_of_one_user(tmp_path: Path) -> None:
    cities = ["Paris", "Lyon", "Berlin", "Hamburg", "Tokyo", "Osaka", "Madrid", "Rome"]
    table = {c: one("add-retailer", place=place(c)) for c in cities}
    engine = make_engine(tmp_path, parser=TableParser(table))
    results = await asyncio.wait_for(
        asyncio.gather(*(ask(engine, c, conversation=f"conv-{c}") for c in cities)), 30
    )
    assert all(metadata["actionSuccess"] for metadata, *_ in results)
    nodes = engine.twin.list_nodes(USER)
    assert sorted(n.location.city or "" for n in nodes) == sorted(cities)
    assert len({n.id for n in nodes}) == len(cities)
    for city in cities:  # each conversation's "it" is its own store
        [node_id] = engine.twin.get_context(USER, f"conv-{city}")
        assert engine.twin.get_node(USER, node_id).location.city == city  # type: ignore[union-attr]


async def test_the_twin_survives_a_restart(tmp_path: Path, parser: TableParser) -> None:
    first = make_engine(tmp_path, parser=parser)
    await ask(first, "add shanghai supplier")
    first.close()
    second = make_engine(tmp_path, parser=parser)
    await ask(second, "add berlin plant")
    metadata, _, _, _ = await ask(second, "connect")
    assert metadata["actionSuccess"] is True
    assert [n.name for n in second.twin.list_nodes(USER)] == ["Shanghai Supplier", "Berlin Plant"]


def test_create_engine_builds_the_default_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMNITRACK_LLM_URL", raising=False)
    engine = create_engine(tmp_path / "app.db")
    assert isinstance(engine, SupplyChainEngine)
    engine.close()
    from omnitrack_realtime.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        create_engine(tmp_path / "app.db", llm=True)


def test_importing_the_engine_package_is_cheap() -> None:
    code = (
        "import sys, omnitrack_realtime.engine as e; "
        "print(sorted(m for m in sys.modules if m.startswith('omnitrack_realtime.engine.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------ end to end, in English
# The real rule parser (engine.language) and the real twin: several natural phrasings per
# intent, each on a fresh four-node network, checking intent, success, a key fact of the
# answer and the events that must (or must not) follow.

SEED = (
    "add a supplier in Shanghai",
    "add a factory in Berlin called Berlin Plant",
    "add a warehouse in Rotterdam",
    "add a shop in Paris",
    "connect Shanghai Supplier to Berlin Plant",
    "connect Berlin Plant to Rotterdam Warehouse",
    "connect Rotterdam Warehouse to Paris Store",
)

PHRASINGS = [
    # (intent, phrasing, fact in answer)
    ("add-supplier", "Add a supplier in Jakarta", "Jakarta Supplier"),
    ("add-supplier", "we need a new vendor in jakarta with 5k units capacity", "5,000"),
    ("add-supplier", "add a new supplier in Asia", "You named only Asia-Pacific"),
    ("add-manufacturer", "add a factory in Munich", "Munich Plant"),
    ("add-manufacturer", "Create a manufacturing plant in Detroit called Motor City", "Motor City"),
    ("add-manufacturer", "new plant in shenzhen pls", "Shenzhen Plant"),
    ("add-warehouse", "add a warehouse in Hamburg", "Hamburg Warehouse"),
    ("add-warehouse", "put a depot in singapore, capacity 30,000", "30,000"),
    ("add-warehouse", "new warehouse in Dubai please", "Dubai Warehouse"),
    ("add-warehouse", "I'd like a warehouse in Dubai", "Dubai Warehouse"),
    ("add-supplier", "we should probably have a vendor in Mexico too", "Mexico City Supplier"),
    ("add-distributor", "put a DC in Chicago", "Chicago Distribution Center"),
    ("add-distributor", "add a distribution center in Madrid", "Madrid Distribution Center"),
    ("add-distributor", "add a distributor in Mexico City", "Mexico City Distribution Center"),
    ("add-retailer", "open a shop in Lyon", "Lyon Store"),
    ("add-retailer", "add a retail store in New York", "New York Store"),
    ("add-retailer", "add a retailer in Japan", "You named only Japan"),
    ("remove-node", "remove Paris Store", "Removed **Paris Store**"),
    ("remove-node", "delete the Paris Store", "Removed **Paris Store**"),
    ("remove-node", "get rid of ret-4", "Removed **Paris Store**"),
    ("update-node", "set the capacity of Berlin Plant to 12k", "capacity 8,000 → 12,000"),
    ("update-node", "mark the Rotterdam warehouse as disrupted", "status operational → disrupted"),
    ("update-node", "Berlin Plant is now offline", "status operational → offline"),
    (
        "update-node",
        "Berlin Plant's having some issues, mark it degraded",
        "status operational → degraded",
    ),
    ("update-node", "the Paris store has only 300 units left in stock", "inventory"),
    (
        "connect-nodes",
        "connect Shanghai Supplier to Paris Store",
        "Connected **Shanghai Supplier**",
    ),
    ("connect-nodes", "link the berlin plant to paris store by rail", "by rail"),
    ("connect-nodes", "hook up Paris Store with Berlin Plant", "Connected"),
    ("disconnect-nodes", "disconnect Berlin Plant from Rotterdam Warehouse", "Disconnected"),
    ("disconnect-nodes", "unlink the Rotterdam warehouse and the Paris store", "Disconnected"),
    (
        "disconnect-nodes",
        "remove the connection between Shanghai Supplier and Berlin Plant",
        "Disconnected",
    ),
    ("set-region", "set the region to europe", "Region set to **Europe**"),
    ("set-region", "we operate mainly in north america", "North America"),
    ("set-region", "switch region to APAC", "Asia-Pacific"),
    ("set-industry", "we're in automotive", "**automotive**"),
    ("set-industry", "set industry to pharma", "**pharmaceuticals**"),
    ("set-industry", "our industry is food and beverage", "**food-beverage**"),
    ("set-currency", "switch currency to euros", "**EUR**"),
    ("set-currency", "use GBP", "**GBP**"),
    ("set-currency", "set the currency to yen", "**JPY**"),
    ("add-shipping-method", "add air as a shipping method", "air"),
    ("add-shipping-method", "enable rail as a shipping method", "rail"),
    ("add-shipping-method", "we also ship by express", "express"),
    ("set-risk-profile", "set risk profile to high", "**high**"),
    ("set-risk-profile", "we are risk averse, use a low risk profile", "**low**"),
    ("set-risk-profile", "medium risk tolerance please", "**medium**"),
    ("scan-anomalies", "scan for anomalies", "anomal"),
    ("scan-anomalies", "any anomalies?", "anomal"),
    ("scan-anomalies", "check the network for anything unusual", "anomal"),
    ("identify-risks", "what are our risks?", "risk"),
    ("identify-risks", "identify risks", "risk"),
    ("identify-risks", "where are we vulnerable?", "risk"),
    ("find-bottlenecks", "find bottlenecks", "bottleneck"),
    ("find-bottlenecks", "where are the bottlenecks", "bottleneck"),
    ("find-bottlenecks", "what's slowing us down?", "bottleneck"),
    ("calculate-utilization", "how busy is the network?", "Utilization of"),
    ("calculate-utilization", "calculate utilization", "Utilization of"),
    ("calculate-utilization", "what's our capacity utilization", "Utilization of"),
    (
        "run-simulation",
        "simulate an earthquake in Shanghai, critical, for two weeks",
        "**Natural disaster** at Shanghai",
    ),
    ("run-simulation", "run a cyber attack simulation", "**Cyber attack**"),
    ("run-simulation", "simulate a labor shortage in Germany for 72 hours", "**Labor shortage**"),
    (
        "what-if-port-closure",
        "what if the port of Rotterdam closes for 10 days?",
        "**Port closure** at Rotterdam",
    ),
    ("what-if-port-closure", "what happens if Rotterdam port shuts down", "**Port closure**"),
    ("what-if-port-closure", "simulate a port closure in Shanghai", "**Port closure** at Shanghai"),
    (
        "what-if-supplier-failure",
        "what if Shanghai Supplier fails?",
        "**Supplier failure** at **Shanghai Supplier**",
    ),
    (
        "what-if-supplier-failure",
        "what happens if our Shanghai supplier goes down",
        "**Supplier failure**",
    ),
    ("what-if-supplier-failure", "what if sup-1 went bankrupt?", "**Supplier failure**"),
    ("run-simulation", "simulate a supplier failure", "**Supplier failure**"),
    ("what-if-demand-spike", "what if demand jumps 40%?", "+40%"),
    ("what-if-demand-spike", "what if demand doubles at Paris Store", "+100%"),
    ("what-if-demand-spike", "simulate a 25% demand spike", "+25%"),
    ("get-node-details", "tell me about Berlin Plant", "**Berlin Plant** (`mfg-2`)"),
    ("get-node-details", "show details of the Rotterdam warehouse", "**Rotterdam Warehouse**"),
    ("get-node-details", "what's the status of sup-1", "**Shanghai Supplier**"),
    ("get-node-details", "show me the store", "**Paris Store**"),
    ("get-node-details", "how's the factory doing?", "**Berlin Plant**"),
    ("get-node-details", "is the store ok?", "**Paris Store**"),
    (
        "what-if-supplier-failure",
        "what if the plant goes offline?",
        "**Supplier failure** at **Berlin Plant**",
    ),
    ("get-network-summary", "how does my supply chain look?", "**4 nodes**"),
    ("get-network-summary", "give me an overview", "**4 nodes**"),
    ("get-network-summary", "network summary", "**4 nodes**"),
    ("get-network-summary", "summarize my supply chain", "**4 nodes**"),
    ("get-recent-alerts", "show recent alerts", "alert"),
    ("get-recent-alerts", "any critical alerts?", "alert"),
    ("get-recent-alerts", "list the last 3 alerts", "alert"),
    ("help", "help", "plain English"),
    ("help", "what can you do?", "plain English"),
    ("help", "how do I run simulations?", "**Simulate**"),
    # Round 11 of the eval set: ops shorthand, references by place, chatty and pasted requests.
    ("update-node", "cap Berlin Plant 12k", "capacity 8,000 → 12,000"),
    ("update-node", "Berlin Plant -> degraded", "status operational → degraded"),
    ("get-node-details", "tell me about the Rotterdam one", "**Rotterdam Warehouse**"),
    ("remove-node", "remove please paris store", "Removed **Paris Store**"),
    ("what-if-supplier-failure", "what if the Shanghai one fails for a week", "7 days"),
    ("calculate-utilization", "util by warehouse", "Utilization of the warehouses"),
    ("get-recent-alerts", "alerts. critical only.", "critical"),
    (
        "identify-risks",
        "I'm not totally sure how to read this, but is anything in my network at risk?",
        "risk",
    ),
    # Round 12: a procurement lead, a logistics planner on a phone, a student, an executive.
    ("update-node", "rotterdam whse cap 25k", "capacity 20,000 → 25,000"),
    ("set-industry", "We're moving into pharma, set the industry accordingly", "pharmaceuticals"),
    (
        "run-simulation",
        "Berlin Plant shipped a batch of faulty parts, simulate the recall",
        "**Quality issue** at **Berlin Plant**",
    ),
    (
        "what-if-supplier-failure",
        "run a supplier failure on Shanghai Supplier",
        "**Supplier failure** at **Shanghai Supplier**",
    ),
    (
        "run-simulation",
        "dock workers walked out in Rotterdam, simulate 5 days of that",
        "for 5 days",
    ),
    ("get-node-details", "Brief me on Berlin Plant", "**Berlin Plant** (`mfg-2`)"),
]

CHANGES_TWIN = {"build", "configure"}


@sqlite_only
@pytest.mark.parametrize(("intent", "text", "fact"), PHRASINGS)
async def test_natural_phrasings_end_to_end(
    tmp_path: Path, intent: str, text: str, fact: str
) -> None:
    engine = make_engine(tmp_path, clock=Clock())
    for line in SEED:
        metadata, *_ = await ask(engine, line, conversation="setup")
        assert metadata["actionSuccess"] is True, line
    metadata, answer, suggestions, publisher = await ask(engine, text)
    assert metadata["intent"] == intent, answer
    assert metadata["actionSuccess"] is True, answer
    assert 0 < metadata["confidence"] <= 1
    assert fact in answer
    assert 2 <= len(suggestions) <= 4
    names = engine.twin.node_names(USER)
    for suggestion in suggestions:  # every suggestion is a request the copilot understands
        assert parse(suggestion, known_names=names).commands, suggestion
    group = next(g for g, intents in INTENTS.items() if intent in intents)
    updates = publisher.of("digital_twin_update")
    if group in CHANGES_TWIN:
        assert updates or "already" in answer
    else:
        assert updates == []
    if group == "simulate":
        assert publisher.of("scenario_progress")[-1]["progress"] == 100


async def test_a_bare_type_with_several_nodes_asks_which_one(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, clock=Clock())
    for line in (*SEED, "open a store in Lyon"):
        metadata, *_ = await ask(engine, line, conversation="setup")
        assert metadata["actionSuccess"] is True, line
    metadata, text, suggestions, _ = await ask(engine, "show me the store")
    # Which one is asked, and the next reply may be just that.
    assert metadata["intent"] == "clarification" and metadata["actionSuccess"] is False
    assert "You have 2 retailers" in text and "Paris Store" in text and "Lyon Store" in text
    assert "Show details of Lyon Store" in suggestions


async def test_a_conversation_in_english(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, clock=Clock())
    for line in SEED:
        await ask(engine, line, conversation="setup")
    metadata, text, _, publisher = await ask(
        engine, "add a warehouse in Hamburg and then connect it to the Shanghai supplier"
    )
    assert metadata["intent"] == "multi-step" and metadata["actionSuccess"] is True
    assert [s["intent"] for s in metadata["steps"]] == ["add-warehouse", "connect-nodes"]
    # "connect it to Shanghai Supplier" names the two; goods flow from the supplier.
    assert "Connected **Shanghai Supplier** (`sup-1`) → **Hamburg Warehouse** (`wh-5`)" in text
    assert len(publisher.of("digital_twin_update")) == 2
    # "it" is still the warehouse the user is talking about, not the node it was linked to.
    metadata, text, _, _ = await ask(engine, "tell me about it")
    assert metadata["intent"] == "get-node-details" and "**Hamburg Warehouse**" in text
    metadata, text, _, _ = await ask(
        engine, "add a store in Lyon and a DC in Madrid, then connect them by truck"
    )
    assert metadata["actionSuccess"] is True, text
    assert "Connected **Lyon Store** (`ret-6`) → **Madrid Distribution Center**" in text
    # Error paths in words: a duplicate connection, a missing node, an unclear request.
    metadata, text, _, _ = await ask(engine, "connect Shanghai Supplier to Berlin Plant")
    assert metadata["actionSuccess"] is False and "already connected" in text
    metadata, text, _, _ = await ask(engine, "remove Atlantis Depot")
    assert metadata["actionSuccess"] is False
    assert engine.twin.get_node(USER, "wh-5") is not None
    metadata, text, _, _ = await ask(engine, "connect it to")
    assert metadata["actionSuccess"] is False and metadata["intent"] == "clarification"
    metadata, text, _, _ = await ask(engine, "sing me a song")
    assert metadata["intent"] == "out-of-scope" and "I can't" in text
    assert len(engine.twin.list_connections(USER)) == 5


@sqlite_only
@pytest.mark.parametrize(
    "text",
    [
        "add a warehouse in Hamburg with capacity " + "9" * 400,
        "set the capacity of Paris Store to " + "9" * 400,
        "set the inventory of Paris Store to " + "9" * 400,
        "list the last " + "9" * 400 + " alerts",
        "simulate a " + "9" * 400 + " day delay at Paris Store",
    ],
)
async def test_a_number_too_big_for_a_float_is_refused_in_words(tmp_path: Path, text: str) -> None:
    # 400 digits parse to infinity; rounding it raised OverflowError and the turn failed.
    engine = make_engine(tmp_path, clock=Clock())
    for line in SEED:
        await ask(engine, line, conversation="setup")
    nodes_before = engine.twin.list_nodes(USER)
    metadata, answer, _, publisher = await ask(engine, text)
    assert metadata["actionSuccess"] is False, answer
    assert "out of range" in answer and "inf" not in answer
    assert engine.twin.list_nodes(USER) == nodes_before
    assert publisher.of("digital_twin_update") == []
