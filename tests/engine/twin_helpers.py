"""Helpers for the twin-layer tests: a twin on a tmp SQLite file (or, under the ``twin_backend``
fixture, a PostgreSQL schema) with a settable clock, places from the real gazetteer, and
hand-built commands (no parser needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnitrack_realtime.engine.actions import ActionResult, execute
from omnitrack_realtime.engine.commands import Command, NodeRef, Place
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.gazetteer import lookup
from omnitrack_realtime.engine.twin import Location, Node, Twin

T0 = 1_800_000_000_000  # a fixed "now" in epoch ms
USER = "user-1"
CONV = "conv-1"


class Clock:
    """A settable clock in epoch milliseconds."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def place(text: str) -> Place:
    found = lookup(text)
    assert found is not None, text
    return found


def location(text: str) -> Location:
    p = place(text)
    assert p.city is not None
    return Location(p.city, p.country, p.region, p.latitude, p.longitude)


#: Where the twins of the running test live: None for an SQLite file in its tmp_path, else a
#: PostgreSQL URL (set by the ``twin_backend`` fixture, which closes ``OPENED`` at the end).
TARGET: list[str | None] = [None]
OPENED: list[Twin] = []


def twin_target(tmp_path: Path, name: str = "twin.db") -> str | Path:
    """The database of the running test's twins (one per test, whichever backend)."""
    return TARGET[0] or tmp_path / name


def make_engine(tmp_path: Path, **options: Any) -> SupplyChainEngine:
    """A copilot engine on the running test's database (closed by ``twin_backend``)."""
    engine = SupplyChainEngine(twin_target(tmp_path, "app.db"), **options)
    OPENED.append(engine.twin)
    return engine


def make_twin(tmp_path: Path, clock: Clock | None = None) -> Twin:
    twin = Twin(twin_target(tmp_path), clock=clock or Clock())
    OPENED.append(twin)
    return twin


def node(
    node_id: str,
    city: str,
    *,
    type: str = "supplier",
    capacity: int = 1000,
    inventory: int = 500,
    utilization: float = 0.5,
    status: str = "operational",
    updated_at: int = T0,
    name: str | None = None,
) -> Node:
    return Node(
        node_id,
        type,
        name or f"{city} {type} {node_id}",
        location(city),
        capacity,
        status,
        inventory,
        utilization,
        updated_at,
    )


def run(
    twin: Twin, intent: str, conversation: str = CONV, user: str = USER, **params: Any
) -> ActionResult:
    return execute(Command(intent, params), twin, user, conversation)


def ref(text: str, kind: str = "name", node_type: str | None = None) -> NodeRef:
    return NodeRef(text, kind, node_type)  # type: ignore[arg-type]


def ok(result: ActionResult) -> ActionResult:
    """A step that worked, with 2-4 suggestions."""
    assert result.success, result.answer.text
    assert 2 <= len(result.answer.suggestions) <= 4, result.answer.suggestions
    return result


def failed(result: ActionResult, *facts: str) -> ActionResult:
    """A step that failed, changed nothing, and says ``facts``."""
    assert not result.success, result.answer.text
    for fact in facts:
        assert fact in result.answer.text, result.answer.text
    assert result.changes == () and result.alerts == ()
    assert 1 <= len(result.answer.suggestions) <= 4
    return result


def build_network(twin: Twin, conversation: str = CONV) -> Twin:
    """Shanghai Supplier (sup-1) -> Berlin Plant (mfg-2) -> Rotterdam Warehouse (wh-3)."""
    for intent, params in (
        ("add-supplier", {"place": place("Shanghai")}),
        ("add-manufacturer", {"place": place("Berlin"), "name": "Berlin Plant"}),
        ("add-warehouse", {"place": place("Rotterdam")}),
        ("connect-nodes", {"source": ref("Shanghai Supplier"), "target": ref("Berlin Plant")}),
        ("connect-nodes", {"source": ref("Berlin Plant"), "target": ref("wh-3", "id")}),
    ):
        ok(run(twin, intent, conversation, **params))
    return twin
