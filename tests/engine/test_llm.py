"""The model backend against a local HTTP server speaking the OpenAI chat-completions shape."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.engine.commands import NodeRef, ParseResult
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.llm import LLMIntentClassifier, LLMUnavailable
from omnitrack_realtime.seam import (
    AnswerEnd,
    AnswerStart,
    AnswerText,
    CopilotEngine,
    EngineRequest,
)

KEY = "sk-test-secret-123"


class FakeModel:
    """What the fake endpoint answers next, and what it received."""

    def __init__(self) -> None:
        self.content: Any = {"intent": "unknown"}
        self.status = 200
        self.raw: bytes | None = None
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []


@pytest.fixture
def model() -> Iterator[tuple[FakeModel, str]]:
    state = FakeModel()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            state.requests.append((self.path, dict(self.headers), body))
            if state.raw is not None:
                payload = state.raw
            else:
                content = state.content
                text = content if isinstance(content, str) else json.dumps(content)
                payload = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": text}}]}
                ).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def classifier(url: str) -> LLMIntentClassifier:
    return LLMIntentClassifier(url, "tiny-model", key=KEY, timeout=5.0)


def test_request_shape_and_parsed_command(model: tuple[FakeModel, str]) -> None:
    state, url = model
    state.content = {
        "intent": "add-warehouse",
        "params": {"place": "Rotterdam", "capacity": "5000", "name": "Depot"},
    }
    result = classifier(url).classify("put a depot in rotterdam, 5k", ["Shanghai Supplier"])
    [command] = result.commands
    assert command.intent == "add-warehouse" and command.confidence == 0.9
    assert command.params["place"].city == "Rotterdam"
    assert command.params["capacity"] == 5000 and command.params["name"] == "Depot"
    path, headers, body = state.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert body["model"] == "tiny-model" and body["temperature"] == 0
    assert body["messages"][0]["role"] == "system"
    assert "add-warehouse" in body["messages"][0]["content"]
    assert "Shanghai Supplier" in body["messages"][1]["content"]


def test_steps_references_and_fenced_json(model: tuple[FakeModel, str]) -> None:
    state, url = model
    steps = {
        "steps": [
            {"intent": "add-supplier", "params": {"place": "Jakarta"}},
            {
                "intent": "connect-nodes",
                "params": {"source": "it", "target": "Berlin Plant", "method": "sea"},
            },
        ]
    }
    state.content = "```json\n" + json.dumps(steps) + "\n```"
    result = classifier(url).classify("add a supplier in jakarta and hook it to berlin")
    assert [c.intent for c in result.commands] == ["add-supplier", "connect-nodes"]
    connect = result.commands[1].params
    assert connect["source"] == NodeRef("it", "pronoun")
    assert connect["target"] == NodeRef("Berlin Plant")
    assert connect["shipping_method"] == "sea"


def test_unknown_place_becomes_a_clarification(model: tuple[FakeModel, str]) -> None:
    state, url = model
    state.content = {"intent": "add-supplier", "params": {"place": "Atlantis"}}
    result = classifier(url).classify("add a supplier in atlantis")
    assert result.clarification is not None
    assert result.clarification.intent == "add-supplier"
    assert "Atlantis" in result.clarification.question


@pytest.mark.parametrize(
    ("status", "raw", "content"),
    [
        (500, None, {"intent": "help"}),
        (200, b"not json", None),
        (200, None, "no json here"),
        (200, None, {"intent": "launch-rockets"}),
        (200, None, {"intent": "add-supplier", "params": {"capacity": "many"}}),
    ],
)
def test_failures_raise_and_never_log_the_key(
    model: tuple[FakeModel, str],
    caplog: pytest.LogCaptureFixture,
    status: int,
    raw: bytes | None,
    content: Any,
) -> None:
    state, url = model
    state.status, state.raw, state.content = status, raw, content
    with pytest.raises(LLMUnavailable):
        classifier(url).classify("hello")
    assert classifier(url).try_classify("hello") is None
    assert KEY not in caplog.text and "LLM classifier" in caplog.text
    assert KEY not in repr(classifier(url))


def test_unreachable_endpoint() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LLMUnavailable, match="unreachable"):
        classifier(f"http://127.0.0.1:{port}").classify("hello")


def test_from_env() -> None:
    assert LLMIntentClassifier.from_env({}) is None
    built = LLMIntentClassifier.from_env(
        {
            "OMNITRACK_LLM_URL": "http://example.test/v1",
            "OMNITRACK_LLM_MODEL": "m",
            "OMNITRACK_LLM_KEY": KEY,
        }
    )
    assert built is not None
    assert (built.url, built.model) == ("http://example.test/v1/chat/completions", "m")
    assert KEY not in repr(built)


async def _turn(engine: CopilotEngine, message: str) -> tuple[dict[str, Any], str]:
    class Publisher:
        async def publish(self, user_id: str, event_type: str, data: Any) -> None:
            pass

    parts = [p async for p in engine.respond(EngineRequest("u", "c", message), Publisher())]
    start, end = parts[0], parts[-1]
    assert isinstance(start, AnswerStart) and isinstance(end, AnswerEnd)
    text = "".join(p.text for p in parts if isinstance(p, AnswerText))
    return {**start.metadata, **end.metadata}, text


async def test_engine_uses_the_model_and_falls_back_to_rules(
    model: tuple[FakeModel, str], tmp_path: Path
) -> None:
    state, url = model
    rule_calls: list[str] = []

    def rules(text: str, known_names: object) -> ParseResult:
        rule_calls.append(text)
        return ParseResult()

    engine = SupplyChainEngine(tmp_path / "app.db", parser=rules, classifier=classifier(url))
    state.content = {"intent": "add-warehouse", "params": {"place": "Rotterdam"}}
    metadata, text = await _turn(engine, "need storage near rotterdam")
    assert metadata["intent"] == "add-warehouse" and metadata["actionSuccess"] is True
    assert "Rotterdam Warehouse" in text and rule_calls == []
    state.status = 503  # the model is down: the rule parser answers
    metadata, _ = await _turn(engine, "gibberish")
    assert metadata["intent"] == "unknown" and rule_calls == ["gibberish"]
    state.status = 200
    state.content = {"intent": "unknown"}  # the model gives up: the rules get their chance
    await _turn(engine, "something odd")
    assert rule_calls == ["gibberish", "something odd"]
    # The same validation applies whoever parsed: an invalid value is refused.
    state.content = {"intent": "set-currency", "params": {"currency": "DOGE"}}
    metadata, text = await _turn(engine, "use doge")
    assert metadata["actionSuccess"] is False and "not a valid currency" in text


async def test_create_engine_uses_the_model_when_configured(
    model: tuple[FakeModel, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnitrack_realtime.engine import create_engine

    state, url = model
    monkeypatch.setenv("OMNITRACK_LLM_URL", url)
    monkeypatch.setenv("OMNITRACK_LLM_MODEL", "tiny-model")
    monkeypatch.setenv("OMNITRACK_LLM_KEY", KEY)
    engine = create_engine(tmp_path / "app.db")
    assert isinstance(engine, SupplyChainEngine)
    state.content = {"intent": "set-industry", "params": {"industry": "fashion"}}
    metadata, text = await _turn(engine, "we sell clothes")
    assert metadata["intent"] == "set-industry" and "**fashion**" in text
    assert state.requests[-1][2]["model"] == "tiny-model"
    state.status = 500  # down: the rule parser understands this one on its own
    metadata, text = await _turn(engine, "set the currency to yen")
    assert metadata["intent"] == "set-currency" and "**JPY**" in text
    without = create_engine(tmp_path / "other.db", llm=False)
    state.requests.clear()
    await _turn(without, "help")
    assert state.requests == []
