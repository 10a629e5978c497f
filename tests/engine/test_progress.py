"""A simulation's progress reaches ``/ws`` subscribers while its answer streams.

One recorder sees both the events the engine publishes and the answer parts it yields, in one
sequence, so the tests can say what was published between which parts. The events themselves
(order and payloads) are the turn's, unchanged: each test compares them with what
``run_turn`` computed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.engine.commands import Command, ParseResult
from omnitrack_realtime.engine.copilot import SupplyChainEngine, TurnOutcome
from omnitrack_realtime.engine.llm import LLMConfig, LLMPlanner
from omnitrack_realtime.seam import AnswerEnd, AnswerStart, AnswerText, EngineRequest

from .fake_llm import FakeLLM, Reply, text, tool_calls
from .test_copilot import TableParser, one
from .twin_helpers import Clock, place

USER = "alice"
QUAKE = {"scenario": "natural-disaster", "place": place("Shanghai"), "severity": "high"}
TABLE = {
    "add shanghai supplier": one("add-supplier", place=place("Shanghai")),
    "quake": one("run-simulation", **QUAKE),
    "quake then a warehouse": ParseResult(
        (
            Command("run-simulation", QUAKE, 0.9),
            Command("add-warehouse", {"place": place("Rotterdam")}, 0.9),
        )
    ),
}


class Recorder:
    """The engine's publisher, and the list of everything in the order it happened:
    ``("event", type, data)`` for a publish, ``("part", part)`` for an answer part."""

    def __init__(self) -> None:
        self.sequence: list[tuple[Any, ...]] = []

    async def publish(self, user_id: str, event_type: str, data: Any) -> None:
        assert user_id == USER
        self.sequence.append(("event", event_type, data))

    def events(self) -> list[tuple[str, Any]]:
        return [(entry[1], entry[2]) for entry in self.sequence if entry[0] == "event"]

    def kinds(self) -> list[str]:
        """``started``/``running``/``completed`` for progress, the type for other events,
        ``start``/``text``/``end`` for the parts."""
        kinds = []
        for entry in self.sequence:
            if entry[0] == "event":
                kinds.append(entry[2]["status"] if entry[1] == "scenario_progress" else entry[1])
            else:
                part = entry[1]
                kinds.append(
                    "start"
                    if isinstance(part, AnswerStart)
                    else "text"
                    if isinstance(part, AnswerText)
                    else "end"
                )
        return kinds


class Outcomes:
    """Wraps ``engine.run_turn`` to keep what each turn computed (its events)."""

    def __init__(self, engine: SupplyChainEngine) -> None:
        self.last: TurnOutcome | None = None
        run_turn = engine.run_turn

        def recorded(request: EngineRequest) -> TurnOutcome:
            self.last = run_turn(request)
            return self.last

        engine.run_turn = recorded  # type: ignore[method-assign]

    def events(self) -> list[tuple[str, Any]]:
        assert self.last is not None
        return list(self.last.events)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = SupplyChainEngine(tmp_path / "app.db", parser=TableParser(TABLE), clock=Clock())
    yield engine
    engine.close()


async def turn(engine: SupplyChainEngine, message: str, recorder: Recorder) -> None:
    request = EngineRequest(USER, "c1", message)
    async for part in engine.respond(request, recorder):
        recorder.sequence.append(("part", part))


def spread_out(kinds: list[str], first: str, last: str) -> None:
    """``first`` goes out before the answer opens, ``last`` before it ends, and every event
    in between has answer text on both sides: none back to back."""
    opened, closed = kinds.index("start"), kinds.index("end")
    assert kinds.index(first) < opened < kinds.index(last) < closed, kinds
    for index in range(opened + 1, kinds.index(last) + 1):
        if kinds[index] != "text":
            assert kinds[index - 1] == "text" and kinds[index + 1] == "text", kinds


async def test_the_stages_are_published_between_the_answers_parts(
    engine: SupplyChainEngine,
) -> None:
    await turn(engine, "add shanghai supplier", Recorder())
    outcomes = Outcomes(engine)
    recorder = Recorder()
    await turn(engine, "quake", recorder)
    assert recorder.events() == outcomes.events()  # the same events, payloads and order
    kinds = recorder.kinds()
    assert kinds[:2] == ["started", "start"]  # started first, before the answer opens
    assert kinds[-1] == "end"
    events = [kind for kind in kinds if kind not in ("start", "text", "end")]
    assert events == ["started", *["running"] * 4, "completed", "alert_notification"]
    spread_out(kinds, "started", "completed")
    # Every stage has its own stretch of the answer: at least two tokens between stages.
    stages = [i for i, kind in enumerate(kinds) if kind in ("running", "completed")]
    assert all(after - before > 2 for before, after in itertools.pairwise(stages))
    assert kinds.index("alert_notification") < kinds.index("end")  # all before the end


async def test_what_follows_the_stages_keeps_its_place_in_the_order(
    engine: SupplyChainEngine,
) -> None:
    await turn(engine, "add shanghai supplier", Recorder())
    outcomes = Outcomes(engine)
    recorder = Recorder()
    await turn(engine, "quake then a warehouse", recorder)
    assert recorder.events() == outcomes.events()
    kinds = recorder.kinds()
    assert kinds.index("completed") < kinds.index("digital_twin_update") < kinds.index("end")
    assert [kind for kind in kinds if kind == "text"], kinds


async def test_a_turn_without_a_simulation_publishes_before_its_answer(
    engine: SupplyChainEngine,
) -> None:
    recorder = Recorder()
    await turn(engine, "add shanghai supplier", recorder)
    assert recorder.kinds()[:2] == ["digital_twin_update", "start"]  # as before


async def test_an_answer_stopped_early_still_publishes_every_event(
    engine: SupplyChainEngine,
) -> None:
    """The server stops iterating on a cancel or a shutdown: the twin changed (or the
    simulation ran) anyway, so what was not published yet is published as the answer closes."""
    await turn(engine, "add shanghai supplier", Recorder())
    outcomes = Outcomes(engine)
    recorder = Recorder()
    answer = engine.respond(EngineRequest(USER, "c1", "quake then a warehouse"), recorder)
    async for part in answer:
        recorder.sequence.append(("part", part))
        if "running" in recorder.kinds():
            break
    assert "completed" not in recorder.kinds()
    await answer.aclose()  # type: ignore[attr-defined]
    assert recorder.events() == outcomes.events()
    assert "end" not in recorder.kinds()


async def test_a_failing_publisher_is_still_tried_once_per_turn(
    engine: SupplyChainEngine, caplog: pytest.LogCaptureFixture
) -> None:
    class Failing(Recorder):
        attempts = 0

        async def publish(self, user_id: str, event_type: str, data: Any) -> None:
            self.attempts += 1
            raise RuntimeError("backplane down")

    await turn(engine, "add shanghai supplier", Recorder())
    failing = Failing()
    await turn(engine, "quake", failing)
    assert failing.attempts == 1
    assert failing.kinds()[-1] == "end"
    assert "could not publish scenario_progress; skipped 6 more event(s)" in caplog.text


# ------------------------------------------------------------------ with the model planner


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def planned(tmp_path: Path, fake: FakeLLM) -> SupplyChainEngine:
    config = LLMConfig(url=fake.url, model="tiny-model", timeout=5.0)
    planner = LLMPlanner(config)
    return SupplyChainEngine(tmp_path / "app.db", parser=TableParser(TABLE), planner=planner)


async def test_the_model_planners_simulation_publishes_everything_before_the_end(
    tmp_path: Path, fake: FakeLLM
) -> None:
    engine = planned(tmp_path, fake)
    fake.add(tool_calls(("a", "add_supplier", '{"place": "Shanghai"}')), text("Added."))
    await turn(engine, "a supplier in shanghai", Recorder())
    arguments = '{"scenario": "natural-disaster", "place": "Shanghai", "severity": "high"}'
    fake.add(tool_calls(("b", "run_simulation", arguments)), text("Shanghai ", "is hit."))
    recorder = Recorder()
    await turn(engine, "what if an earthquake hits shanghai", recorder)
    kinds = recorder.kinds()
    events = [kind for kind in kinds if kind not in ("start", "text", "end")]
    assert events == ["started", *["running"] * 4, "completed", "alert_notification"]
    assert kinds[-1] == "end"
    progress = [data for kind, data in recorder.events() if kind == "scenario_progress"]
    assert [p["progress"] for p in progress] == [0, 20, 40, 60, 80, 100]
    engine.close()


async def test_the_rules_behind_a_model_that_is_down_spread_the_stages_too(
    tmp_path: Path, fake: FakeLLM
) -> None:
    engine = planned(tmp_path, fake)  # the rules' fallback reads the table
    fake.add(Reply(status=503, body=b""), Reply(status=503, body=b""))
    await turn(engine, "add shanghai supplier", Recorder())
    outcomes = Outcomes(engine)
    recorder = Recorder()
    await turn(engine, "quake", recorder)
    assert recorder.events() == outcomes.events()
    end = recorder.sequence[-1][1]
    assert isinstance(end, AnswerEnd) and end.metadata["planner"] == "rules"
    spread_out(recorder.kinds(), "started", "completed")
    engine.close()
