"""The model planner against a scripted OpenAI-compatible chat-completions server."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.engine.commands import INTENTS, Command, NodeRef, ParseResult
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.llm import (
    SYSTEM_PROMPT,
    ChatStream,
    LLMConfig,
    LLMPlanner,
    LLMUnavailable,
    PlanResult,
    SSEDecoder,
    StreamError,
    ToolResult,
)
from omnitrack_realtime.engine.tools import tool_name
from omnitrack_realtime.errors import ConfigurationError
from omnitrack_realtime.seam import (
    AnswerEnd,
    AnswerStart,
    AnswerText,
    CopilotEngine,
    EngineRequest,
    HistoryTurn,
)

from .fake_llm import FakeLLM, Reply, chunk, completion, text, tool_calls

KEY = "sk-test-secret-123"
CONTEXT = "Nodes: sup-1 Shanghai Supplier (Shanghai, operational); mfg-1 Berlin Plant (Berlin)"


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def planner(fake: FakeLLM, **options: Any) -> LLMPlanner:
    settings: dict[str, Any] = {"model": "tiny-model", "api_key": KEY, "timeout": 5.0}
    return LLMPlanner(LLMConfig(url=fake.url, **{**settings, **options}))


class Engine:
    """A scripted ``execute``: records the commands, answers per intent."""

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        self.answers = answers or {}
        self.commands: list[Command] = []

    def __call__(self, command: Command) -> str:
        self.commands.append(command)
        return self.answers.get(command.intent, f"done: {command.intent}")


def run(
    target: LLMPlanner,
    message: str = "hello",
    *,
    engine: Engine | None = None,
    history: Sequence[HistoryTurn] = (),
    deltas: list[str] | None = None,
) -> PlanResult:
    request = EngineRequest("u1", "c1", message, history)
    got = [] if deltas is None else deltas
    return target.run(request, CONTEXT, engine or Engine(), got.append)


def failure(target: LLMPlanner, message: str = "hello", **options: Any) -> LLMUnavailable:
    with pytest.raises(LLMUnavailable) as caught:
        run(target, message, **options)
    return caught.value


# ---------------------------------------------------------------------------- answers


def test_streamed_text_and_the_request_it_came_from(fake: FakeLLM) -> None:
    fake.add(text("Your network ", "has **2** nodes", "."))
    history = [
        HistoryTurn("user", "add a supplier in shanghai"),
        HistoryTurn("assistant", "Added **Shanghai Supplier**."),
    ]
    deltas: list[str] = []
    result = run(planner(fake), "how big is it?", history=history, deltas=deltas)
    assert deltas == ["Your network ", "has **2** nodes", "."]
    assert result.text == "Your network has **2** nodes."
    assert result.executed == ()
    assert result.metadata == {"planner": "model", "model": "tiny-model", "toolCalls": 0}
    [received] = fake.received
    assert received.path == "/v1/chat/completions"
    assert received.headers["accept"] == "text/event-stream"
    body = received.body
    assert body["model"] == "tiny-model" and body["stream"] is True
    assert body["tool_choice"] == "auto" and body["temperature"] == 0
    names = [tool["function"]["name"] for tool in body["tools"]]
    assert names == [tool_name(i) for group in INTENTS.values() for i in group]
    system, *turns = received.messages
    assert system["role"] == "system"
    assert system["content"].startswith(SYSTEM_PROMPT) and CONTEXT in system["content"]
    assert turns == [
        {"role": "user", "content": "add a supplier in shanghai"},
        {"role": "assistant", "content": "Added **Shanghai Supplier**."},
        {"role": "user", "content": "how big is it?"},
    ]


def test_a_tool_call_streamed_in_pieces_runs_and_its_result_goes_back(fake: FakeLLM) -> None:
    arguments = '{"place": "Rotterdam", "capacity": 5000, "name": "Depot"}'
    reply = tool_calls(("call_a", "add_warehouse", arguments), pieces=5)
    reply.split = True  # and every SSE line cut across two HTTP chunks
    fake.add(reply, text("Added **Depot** in Rotterdam."))
    engine = Engine({"add-warehouse": "done: added Depot (wh-1) in Rotterdam, 5,000 units"})
    deltas: list[str] = []
    result = run(planner(fake), "a depot in rotterdam, 5k", engine=engine, deltas=deltas)
    [command] = engine.commands
    assert command.intent == "add-warehouse" and command.text == "a depot in rotterdam, 5k"
    assert command.params["place"].city == "Rotterdam"
    assert command.params["capacity"] == 5000 and command.params["name"] == "Depot"
    assert [(e.intent, e.success) for e in result.executed] == [("add-warehouse", True)]
    assert result.text == "Added **Depot** in Rotterdam." == "".join(deltas)
    assert result.metadata["toolCalls"] == 1
    first, second = fake.received
    assert second.messages[:-2] == first.messages
    assistant, tool = second.messages[-2:]
    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "add_warehouse", "arguments": arguments},
            }
        ],
    }
    assert tool == {
        "role": "tool",
        "tool_call_id": "call_a",
        "content": "done: added Depot (wh-1) in Rotterdam, 5,000 units",
    }


def test_two_tool_calls_in_one_round_run_in_order(fake: FakeLLM) -> None:
    fake.add(
        tool_calls(
            ("call_1", "add_supplier", '{"place": "Jakarta"}'),
            ("call_2", "connect_nodes", '{"source": "it", "target": "mfg-1"}'),
            preamble="On it. ",
        ),
        text("Added a supplier in Jakarta and linked it to Berlin Plant."),
    )
    engine = Engine()
    deltas: list[str] = []
    result = run(
        planner(fake), "add a jakarta supplier feeding berlin", engine=engine, deltas=deltas
    )
    assert [c.intent for c in engine.commands] == ["add-supplier", "connect-nodes"]
    assert engine.commands[1].params == {
        "source": NodeRef("it", "pronoun"),
        "target": NodeRef("mfg-1", "id"),
    }
    # The text before the tool calls was shown; the answer after it is a new paragraph.
    assert deltas == ["On it. ", "Added a supplier in Jakarta and linked it to Berlin Plant."]
    assert result.text == "".join(deltas)
    assert result.metadata["toolCalls"] == 2
    messages = fake.received[1].messages
    assert messages[-3]["content"] == "On it. "
    assert [c["id"] for c in messages[-3]["tool_calls"]] == ["call_1", "call_2"]
    assert messages[-2:] == [
        {"role": "tool", "tool_call_id": "call_1", "content": "done: add-supplier"},
        {"role": "tool", "tool_call_id": "call_2", "content": "done: connect-nodes"},
    ]


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ('{"place": "Rotterdam", ', "not valid JSON"),
        ('{"place": "Narnia"}', "unknown place 'Narnia'"),
        ('{"capacity": 5000}', "place is required"),
    ],
)
def test_arguments_that_do_not_fit_go_back_to_the_model(
    fake: FakeLLM, arguments: str, problem: str
) -> None:
    fake.add(
        tool_calls(("bad", "add_supplier", arguments)),
        tool_calls(("good", "add_supplier", '{"place": "Lyon"}')),
        text("Added Lyon Supplier."),
    )
    engine = Engine()
    result = run(planner(fake), "add a supplier", engine=engine)
    assert [c.params["place"].city for c in engine.commands] == ["Lyon"]
    assert result.metadata["toolCalls"] == 2 and len(result.executed) == 1
    error = fake.received[1].messages[-1]
    assert error["role"] == "tool" and error["tool_call_id"] == "bad"
    assert error["content"].startswith("error: add_supplier: ") and problem in error["content"]
    assert "Nothing was run" in error["content"]
    echoed = fake.received[1].messages[-2]["tool_calls"][0]["function"]["arguments"]
    assert echoed == (arguments if arguments.endswith("}") else "{}")  # broken JSON is not sent


def test_an_unknown_tool_is_an_error_for_the_model(fake: FakeLLM) -> None:
    fake.add(
        tool_calls(("x", "launch_rockets", '{"target": "moon"}')),
        text("I can't launch rockets; I can simulate disruptions."),
    )
    engine = Engine()
    result = run(planner(fake), "launch the rockets", engine=engine)
    assert engine.commands == [] and result.executed == ()
    assert result.metadata["toolCalls"] == 1
    assert "no such tool" in fake.received[1].messages[-1]["content"]
    assert result.text.startswith("I can't launch rockets")


def test_a_change_waiting_for_confirmation_is_the_models_to_ask(fake: FakeLLM) -> None:
    fake.add(
        tool_calls(
            ("r", "remove_node", '{"node": "it"}'),
            ("s", "set_currency", '{"currency": "DOGE"}'),
            ("t", "set_currency", '{"currency": "EUR"}'),
        ),
        text("Remove **Berlin Plant** and its 2 links? yes/no"),
    )
    engine = Engine({"remove-node": "not run: needs the user's confirmation (2 links go too)"})

    def execute(command: Command) -> str:
        if command.intent == "set-currency":
            engine.commands.append(command)
            return ToolResult("failed: the currency is EUR already", success=False)
        return engine(command)

    result = planner(fake).run(EngineRequest("u", "c", "drop it"), CONTEXT, execute, print)
    assert [(e.intent, e.success) for e in result.executed] == [
        ("remove-node", False),
        ("set-currency", False),
    ]
    assert "currency: 'DOGE' is not allowed" in fake.received[1].messages[-2]["content"]
    assert fake.received[1].messages[-3]["content"] == (
        "not run: needs the user's confirmation (2 links go too)"
    )
    assert result.executed[1].result == "failed: the currency is EUR already"
    assert result.text.endswith("yes/no")


def test_changes_per_turn_are_capped(fake: FakeLLM) -> None:
    fake.add(
        tool_calls(
            ("a", "add_retailer", '{"place": "Paris"}'),
            ("b", "add_retailer", '{"place": "Lyon"}'),
            ("c", "get_network_summary", "{}"),
        ),
        text("Added one store."),
    )
    engine = Engine()
    run(planner(fake, max_changes=1), "stores in paris and lyon", engine=engine)
    assert [c.intent for c in engine.commands] == ["add-retailer", "get-network-summary"]
    assert fake.received[1].messages[-2]["content"].startswith("not run: at most 1 changes")


def test_a_whole_json_completion_is_understood_too(fake: FakeLLM) -> None:
    fake.add(
        completion(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "set_industry", "arguments": {"industry": "fashion"}},
                    }
                ],
            }
        ),
        completion({"role": "assistant", "content": "You are in **fashion** now."}),
    )
    engine = Engine()
    deltas: list[str] = []
    result = run(planner(fake), "we sell clothes", engine=engine, deltas=deltas)
    assert engine.commands[0].params == {"industry": "fashion"}
    assert deltas == ["You are in **fashion** now."] and result.text == deltas[0]


# ---------------------------------------------------------------------------- failures


def test_http_error(fake: FakeLLM, caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}"}}).encode()
    fake.add(Reply(status=500, body=body))
    error = failure(planner(fake))
    assert error.reason == "the model endpoint answered HTTP 500"
    assert (error.streamed, error.executed) == (False, ())
    assert "HTTP 500" in caplog.text and "Incorrect API key provided: ***" in caplog.text
    assert KEY not in caplog.text


def test_a_hanging_stream_times_out_after_text_was_streamed(fake: FakeLLM) -> None:
    reply = text("Hel", "lo")
    reply.hang_after = 2  # the role chunk and "Hel", then nothing
    fake.add(reply)
    deltas: list[str] = []
    error = failure(planner(fake, timeout=0.3), deltas=deltas)
    fake.release.set()
    assert error.reason == "the model endpoint did not answer within 0.3 s"
    assert error.streamed is True and "".join(deltas) == "Hel"


def test_a_server_that_never_answers_times_out(fake: FakeLLM) -> None:
    fake.add(Reply(hang_before_headers=True))
    error = failure(planner(fake, timeout=0.3))
    fake.release.set()
    assert "did not answer within 0.3 s" in error.reason and error.streamed is False


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = LLMPlanner(LLMConfig(url=f"http://127.0.0.1:{port}", api_key=KEY))
    error = failure(target)
    assert error.reason == "the model endpoint is unreachable (ConnectionRefusedError)"
    assert error.streamed is False


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        (["{not json"], "a chunk is not JSON"),
        (["[1, 2]"], "not a JSON object"),
        ([json.dumps({"error": {"message": f"bad key {KEY}"}})], "reported an error"),
        ([chunk({"content": "Hi"})], "ended before the answer did"),  # no finish, no [DONE]
        ([chunk({}, "stop"), "[DONE]"], "empty answer"),
    ],
)
def test_malformed_streams(
    fake: FakeLLM, caplog: pytest.LogCaptureFixture, events: list[str], problem: str
) -> None:
    fake.add(Reply(events))
    error = failure(planner(fake))
    assert problem in error.reason
    assert KEY not in caplog.text and KEY not in error.reason


def test_the_round_limit_without_an_answer(fake: FakeLLM) -> None:
    for number in range(5):
        fake.add(tool_calls((f"c{number}", "get_network_summary", "{}")))
    engine = Engine()
    error = failure(planner(fake), engine=engine)
    assert error.reason == "the model gave no answer after 4 rounds of tool calls"
    assert len(fake.received) == 5 and len(engine.commands) == 4
    assert [r.body["tool_choice"] for r in fake.received] == ["auto"] * 4 + ["none"]
    assert [e.intent for e in error.executed] == ["get-network-summary"] * 4


def test_a_failure_after_a_change_says_what_ran(fake: FakeLLM) -> None:
    fake.add(tool_calls(("a", "add_supplier", '{"place": "Busan"}')), Reply(status=502, body=b""))
    error = failure(planner(fake), "add a supplier in busan")
    assert "HTTP 502" in error.reason
    assert [(e.intent, e.success) for e in error.executed] == [("add-supplier", True)]


# ---------------------------------------------------------------------------- the key


def test_the_key_goes_in_the_header_and_nowhere_else(
    fake: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add(
        tool_calls(("a", "add_supplier", '{"place": "Narnia"}')),
        text("Where is Atlantis?"),
        Reply(status=401, body=json.dumps({"error": KEY}).encode()),
    )
    target = planner(fake)
    result = run(target)
    error = failure(target)
    assert [r.headers["authorization"] for r in fake.received] == [f"Bearer {KEY}"] * 3
    assert caplog.records  # something was logged: the refused call and the failure
    for record in caplog.records:
        assert KEY not in record.getMessage()
    for shown in (repr(target), repr(target.config), str(result.metadata), str(error)):
        assert KEY not in shown


def test_no_key_no_authorization_header(fake: FakeLLM) -> None:
    fake.add(text("Hi."))
    run(planner(fake, api_key=None))
    assert "authorization" not in fake.received[0].headers


# ---------------------------------------------------------------------------- configuration


def test_configuration_from_the_environment() -> None:
    assert LLMConfig.from_env({}) is None and LLMPlanner.from_env({}) is None
    config = LLMConfig.from_env(
        {
            "OMNITRACK_LLM_URL": " http://example.test/v1 ",
            "OMNITRACK_LLM_MODEL": "qwen2.5",
            "OMNITRACK_LLM_API_KEY": KEY,
            "OMNITRACK_LLM_TIMEOUT": "12.5",
        }
    )
    assert config is not None
    assert (config.endpoint, config.model, config.api_key, config.timeout) == (
        "http://example.test/v1/chat/completions",
        "qwen2.5",
        KEY,
        12.5,
    )
    assert KEY not in repr(config)
    old = LLMConfig.from_env({"OMNITRACK_LLM_URL": "http://h:11434", "OMNITRACK_LLM_KEY": "old"})
    assert old is not None and old.api_key == "old" and old.model == "gpt-4o-mini"
    assert old.endpoint == "http://h:11434/v1/chat/completions"
    both = {"OMNITRACK_LLM_URL": "http://h", "OMNITRACK_LLM_KEY": "old"}
    newer = LLMConfig.from_env({**both, "OMNITRACK_LLM_API_KEY": "new"})
    assert newer is not None and newer.api_key == "new"
    full = LLMConfig(url="https://api.example/v1/chat/completions/")
    assert full.endpoint == "https://api.example/v1/chat/completions"
    planner_ = LLMPlanner.from_env({"OMNITRACK_LLM_URL": "http://u:p@h/v1?x=1", **both})
    assert repr(planner_) == "LLMPlanner(url='http://h/v1/chat/completions', model='gpt-4o-mini')"


@pytest.mark.parametrize(
    "env",
    [
        {"OMNITRACK_LLM_URL": "http://h", "OMNITRACK_LLM_TIMEOUT": "soon"},
        {"OMNITRACK_LLM_URL": "http://h", "OMNITRACK_LLM_TIMEOUT": "0"},
        {"OMNITRACK_LLM_URL": "ftp://h"},
    ],
)
def test_invalid_configuration(env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        LLMConfig.from_env(env)


# ---------------------------------------------------------------------------- the stream, pure


def test_sse_decoder() -> None:
    decoder = SSEDecoder()
    lines = [": keep-alive\n", "event: x\r\n", 'data: {"a":\r\n', "data:1}\n", "\n", "\n"]
    assert [decoder.feed(line) for line in lines] == [None, None, None, None, '{"a":\n1}', None]
    assert decoder.feed("data: [DONE]") is None and decoder.flush() == "[DONE]"
    assert decoder.flush() is None


def test_chat_stream_tool_calls_without_index_and_with_repeated_names() -> None:
    stream = ChatStream()
    calls = [
        {"id": "a", "function": {"name": "undo", "arguments": "{}"}},
        {"id": "b", "function": {"name": "help", "arguments": '{"topic"'}},
    ]
    stream.feed(json.dumps({"choices": [{"delta": {"tool_calls": calls}}]}))
    more = {"function": {"name": "help", "arguments": ': "risk"}'}}
    stream.feed(json.dumps({"choices": [{"delta": {"tool_calls": [more]}}]}))
    usage_only = json.dumps({"choices": [], "usage": {"total_tokens": 3}})
    assert stream.feed(usage_only) == "" and not stream.complete
    assert [(c.id, c.name, c.arguments) for c in stream.tool_calls] == [
        ("a", "undo", "{}"),
        ("b", "help", '{"topic": "risk"}'),
    ]
    stream.feed("[DONE]")
    assert stream.complete
    with pytest.raises(StreamError):
        ChatStream().feed(json.dumps({"choices": [{"delta": {"tool_calls": "x"}}]}))


# ---------------------------------------------------------------------------- in the engine


async def _turn(engine: CopilotEngine, message: str) -> tuple[dict[str, Any], str]:
    class Publisher:
        async def publish(self, user_id: str, event_type: str, data: Any) -> None:
            pass

    parts = [p async for p in engine.respond(EngineRequest("u", "c", message), Publisher())]
    start, end = parts[0], parts[-1]
    assert isinstance(start, AnswerStart) and isinstance(end, AnswerEnd)
    answer = "".join(p.text for p in parts if isinstance(p, AnswerText))
    return {**start.metadata, **end.metadata}, answer


async def test_the_engine_uses_the_planner_through_the_classifier_seam(
    fake: FakeLLM, tmp_path: Path
) -> None:
    rule_calls: list[str] = []

    def rules(message: str, known_names: object) -> ParseResult:
        rule_calls.append(message)
        return ParseResult()

    engine = SupplyChainEngine(tmp_path / "app.db", parser=rules, classifier=planner(fake))
    fake.add(tool_calls(("a", "add_warehouse", '{"place": "Rotterdam"}')))
    metadata, answer = await _turn(engine, "need storage near rotterdam")
    assert metadata["intent"] == "add-warehouse" and metadata["actionSuccess"] is True
    assert "Rotterdam Warehouse" in answer and rule_calls == []
    assert "Rotterdam Warehouse" not in fake.received[0].messages[0]["content"]
    fake.add(text("Which warehouse do you mean?"))  # text: a question for the user
    metadata, answer = await _turn(engine, "fix the warehouse")
    assert metadata["intent"] == "clarification" and answer == "Which warehouse do you mean?"
    assert "Rotterdam Warehouse" in fake.received[1].messages[0]["content"]  # node names
    fake.add(Reply(status=503, body=b""))  # down: the rule parser answers
    metadata, _ = await _turn(engine, "gibberish")
    # (the rules also try the reply as the answer to the pending question first)
    assert metadata["intent"] == "unknown" and rule_calls[0] == "gibberish"
    fake.add(tool_calls(("b", "add_supplier", '{"place": "Narnia"}')))  # does not fit
    await _turn(engine, "a supplier in narnia")
    assert rule_calls[-1] == "a supplier in narnia"
    # The same validation applies whoever understood: an invalid value is refused.
    fake.add(tool_calls(("c", "update_node", '{"node": "Nowhere Plant", "capacity": 5}')))
    metadata, _ = await _turn(engine, "set nowhere plant to 5")
    assert metadata["actionSuccess"] is False
    engine.close()


async def test_create_engine_builds_the_planner_from_the_environment(
    fake: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnitrack_realtime.engine import create_engine

    monkeypatch.setenv("OMNITRACK_LLM_URL", fake.url)
    monkeypatch.setenv("OMNITRACK_LLM_MODEL", "tiny-model")
    monkeypatch.setenv("OMNITRACK_LLM_API_KEY", KEY)
    engine = create_engine(tmp_path / "app.db")
    assert isinstance(engine, SupplyChainEngine)
    fake.add(tool_calls(("a", "set_industry", '{"industry": "fashion"}')))
    metadata, answer = await _turn(engine, "we sell clothes")
    assert metadata["intent"] == "set-industry" and "**fashion**" in answer
    assert fake.received[-1].body["model"] == "tiny-model"
    assert fake.received[-1].headers["authorization"] == f"Bearer {KEY}"
    fake.add(Reply(status=500, body=b""))  # down: the rule parser understands this one
    metadata, answer = await _turn(engine, "set the currency to yen")
    assert metadata["intent"] == "set-currency" and "**JPY**" in answer
    without = create_engine(tmp_path / "other.db", llm=False)
    assert isinstance(without, SupplyChainEngine)
    before = len(fake.received)
    await _turn(without, "help")
    assert len(fake.received) == before
    engine.close()
    without.close()


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    async def publish(self, user_id: str, event_type: str, data: Any) -> None:
        self.events.append((event_type, data))


async def _parts(engine: SupplyChainEngine, message: str, publisher: _Recorder) -> list[Any]:
    return [p async for p in engine.respond(EngineRequest("u", "c", message), publisher)]


async def test_the_model_plans_the_turn_and_its_answer_streams_from_its_deltas(
    fake: FakeLLM, tmp_path: Path
) -> None:
    engine = SupplyChainEngine(tmp_path / "app.db", planner=planner(fake))
    fake.add(tool_calls(("a", "add_warehouse", '{"place": "Rotterdam"}')))
    fake.add(text("Added ", "a warehouse ", "in Rotterdam."))
    publisher = _Recorder()
    parts = await _parts(engine, "we need storage near rotterdam", publisher)
    assert [p.text for p in parts if isinstance(p, AnswerText)] == [
        "Added ",
        "a warehouse ",
        "in Rotterdam.",
    ]
    end = parts[-1]
    assert isinstance(end, AnswerEnd)
    assert end.metadata["intent"] == "add-warehouse" and end.metadata["actionSuccess"] is True
    assert end.metadata["planner"] == "model" and end.metadata["toolCalls"] == 1
    assert [n.name for n in engine.twin.list_nodes("u")] == ["Rotterdam Warehouse"]
    assert [kind for kind, _ in publisher.events] == ["digital_twin_update"]
    # The tool result the model saw is the engine's own answer.
    tool_message = fake.received[1].messages[-1]
    assert tool_message["role"] == "tool" and "Rotterdam Warehouse" in tool_message["content"]
    engine.close()


async def test_a_removal_the_model_asks_for_goes_through_the_confirmation_policy(
    fake: FakeLLM, tmp_path: Path
) -> None:
    engine = SupplyChainEngine(tmp_path / "app.db", planner=planner(fake))
    fake.add(tool_calls(("a", "add_warehouse", '{"place": "Rotterdam"}')), text("Done."))
    await _parts(engine, "a warehouse in rotterdam", _Recorder())
    fake.add(tool_calls(("b", "remove_node", '{"node": "it"}')), text("Remove it? yes/no"))
    parts = await _parts(engine, "get rid of it", _Recorder())
    assert parts[-1].metadata["intent"] == "confirmation"
    assert "needs the user's confirmation" in fake.received[-1].messages[-1]["content"]
    assert len(engine.twin.list_nodes("u")) == 1  # not removed yet
    parts = await _parts(engine, "yes", _Recorder())  # the engine runs what was confirmed
    metadata = {**parts[0].metadata, **parts[-1].metadata}
    assert metadata["intent"] == "remove-node" and engine.twin.list_nodes("u") == []
    engine.close()


async def test_a_model_down_before_anything_happened_falls_back_to_the_rules(
    fake: FakeLLM, tmp_path: Path
) -> None:
    engine = SupplyChainEngine(tmp_path / "app.db", planner=planner(fake))
    fake.add(Reply(status=503, body=b""))
    parts = await _parts(engine, "add a supplier in Busan", _Recorder())
    start, end = parts[0], parts[-1]
    assert isinstance(start, AnswerStart) and start.metadata["intent"] == "add-supplier"
    assert end.metadata["planner"] == "rules" and "503" in end.metadata["fallbackReason"]
    assert [n.name for n in engine.twin.list_nodes("u")] == ["Busan Supplier"]
    engine.close()
