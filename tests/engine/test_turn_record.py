"""A turn run again with the same turn id (the server after a crash) acts once: the engine
records each turn's outcome in the transaction of its changes and answers from it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.seam import AnswerEnd, AnswerStart, AnswerText, EngineRequest

from .test_copilot import TABLE, RecordingPublisher, TableParser
from .twin_helpers import Clock, make_engine

pytestmark = pytest.mark.usefixtures("twin_backend")

USER = "alice"


@pytest.fixture
def engine(tmp_path: Path) -> SupplyChainEngine:
    return make_engine(tmp_path, parser=TableParser(TABLE), clock=Clock())


async def run(
    engine: SupplyChainEngine, message: str, turn_id: str | None
) -> tuple[str, dict[str, Any], list[tuple[str, str, Any]]]:
    publisher = RecordingPublisher()
    request = EngineRequest(USER, "c1", message, turn_id=turn_id)
    parts = [part async for part in engine.respond(request, publisher)]
    start, end = parts[0], parts[-1]
    assert isinstance(start, AnswerStart) and isinstance(end, AnswerEnd)
    text = "".join(p.text for p in parts if isinstance(p, AnswerText))
    return text, {**start.metadata, **end.metadata}, publisher.events


async def test_a_turn_run_again_with_its_id_answers_the_same_and_acts_once(
    engine: SupplyChainEngine,
) -> None:
    first = await run(engine, "add shanghai supplier", "turn-1")
    again = await run(engine, "add shanghai supplier", "turn-1")
    assert again == first
    assert "Shanghai Supplier" in first[0] and first[1]["actionSuccess"] is True
    assert [n.name for n in engine.twin.list_nodes(USER)] == ["Shanghai Supplier"]
    other = await run(engine, "add shanghai supplier", "turn-2")  # a new turn acts
    assert other[1]["actionSuccess"] is True
    assert len(engine.twin.list_nodes(USER)) == 2


async def test_without_a_turn_id_a_turn_acts_every_time(engine: SupplyChainEngine) -> None:
    await run(engine, "add shanghai supplier", None)
    await run(engine, "add shanghai supplier", None)
    assert len(engine.twin.list_nodes(USER)) == 2


async def test_a_turn_whose_outcome_cannot_be_recorded_changes_nothing(
    engine: SupplyChainEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a crash before the commit looks like: the changes and the record go together.
    def fail(*args: Any) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(engine.twin, "record_turn", fail)
    with pytest.raises(RuntimeError):
        await run(engine, "warehouse then connect", "turn-1")
    assert engine.twin.list_nodes(USER) == []
    monkeypatch.undo()
    _, metadata, _ = await run(engine, "add shanghai supplier", "turn-1")
    assert metadata["actionSuccess"] is True
    assert [n.name for n in engine.twin.list_nodes(USER)] == ["Shanghai Supplier"]


async def test_a_failed_step_in_a_recorded_turn_undoes_only_its_own_writes(
    engine: SupplyChainEngine,
) -> None:
    _, metadata, _ = await run(engine, "three steps failing in the middle", "turn-1")
    assert metadata["actionSuccess"] is False
    assert [n.location.city for n in engine.twin.list_nodes(USER)] == ["Paris"]
    text, metadata, _ = await run(engine, "buggy", "turn-2")  # an action that raises
    assert "went wrong on my side" in text
    assert len(engine.twin.list_nodes(USER)) == 1
    assert engine.twin.turn_outcome("turn-2") is not None


def test_nested_transactions_are_savepoints(engine: SupplyChainEngine) -> None:
    twin = engine.twin
    with twin.transaction():
        twin.set_context(USER, "c1", ["a"])
        with pytest.raises(ValueError), twin.transaction():
            twin.set_context(USER, "c2", ["b"])
            raise ValueError
    assert twin.get_context(USER, "c1") == ("a",)
    assert twin.get_context(USER, "c2") == ()


def test_two_engines_running_one_turn_at_once_act_once(tmp_path: Path) -> None:
    """Two processes (two engines, each its own connection) that both took up one turn: the
    user's lock and the recorded outcome let one act and the other answer from its record."""
    engines = [make_engine(tmp_path, parser=TableParser(TABLE), clock=Clock()) for _ in range(2)]
    request = EngineRequest(USER, "c1", "add shanghai supplier", turn_id="turn-1")
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def take_up(index: int) -> None:
        barrier.wait(timeout=10)
        outcomes[index] = engines[index].run_turn(request)

    threads = [threading.Thread(target=take_up, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes[0] is not None and outcomes[0] == outcomes[1]
    for engine in engines:
        assert [n.name for n in engine.twin.list_nodes(USER)] == ["Shanghai Supplier"]


async def test_an_engine_sees_the_changes_another_engine_made(tmp_path: Path) -> None:
    """Each engine caches the user's network; a turn on another host must not be missed."""
    mine, other = (make_engine(tmp_path, parser=TableParser(TABLE), clock=Clock()) for _ in "ab")
    await run(mine, "add shanghai supplier", "turn-1")
    assert len(mine.twin.list_nodes(USER)) == 1  # cached now
    await run(other, "add berlin plant", "turn-2")
    _, metadata, _ = await run(mine, "connect", "turn-3")  # "connect" needs both nodes
    assert metadata["actionSuccess"] is True
    assert [n.name for n in mine.twin.list_nodes(USER)] == ["Shanghai Supplier", "Berlin Plant"]
