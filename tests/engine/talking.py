"""Helpers for the tests that talk to the engine as a user would: run turns, read the
steps, the nodes and the links."""

from __future__ import annotations

from pathlib import Path

from omnitrack_realtime.engine.commands import Command, NodeRef
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.seam import EngineRequest, HistoryTurn

USER = "wordings-user"
T0 = 1_800_000_000_000


def kinds(text: str, names: tuple[str, ...] = ()) -> list[str]:
    return [
        getattr(s, "intent", None) or getattr(s, "kind", "")
        for s in parse(text, known_names=names).steps
    ]


def commands(text: str, names: tuple[str, ...] = ()) -> list[Command]:
    return list(parse(text, known_names=names).commands)


def ends(command: Command) -> tuple[str, str]:
    source, target = command.params["source"], command.params["target"]
    assert isinstance(source, NodeRef) and isinstance(target, NodeRef)
    return source.text, target.text


def city(command: Command) -> str | None:
    return getattr(command.params.get("place"), "city", None)


def open_engine(path: Path) -> SupplyChainEngine:
    return SupplyChainEngine(path / "twin.db", clock=lambda: T0)


def talk(engine: SupplyChainEngine, *texts: str) -> list[list[str]]:
    history: list[HistoryTurn] = []
    said: list[list[str]] = []
    for text in texts:
        outcome = engine.run_turn(EngineRequest(USER, "c1", text, tuple(history[-5:])))
        steps = outcome.start_metadata.get("steps")
        said.append(
            [s if isinstance(s, str) else s["intent"] for s in steps]
            if steps
            else [str(outcome.start_metadata["intent"])]
        )
        history += [HistoryTurn("user", text), HistoryTurn("assistant", outcome.text)]
    return said


def nodes(engine: SupplyChainEngine) -> dict[str, int]:
    return {n.name: n.capacity for n in engine.twin.list_nodes(USER)}


def links(engine: SupplyChainEngine) -> set[tuple[str, str]]:
    by_id = {n.id: n.name for n in engine.twin.list_nodes(USER)}
    return {(by_id[c.source], by_id[c.target]) for c in engine.twin.list_connections(USER)}
