"""The engine's ``digital_twin_update`` and ``alert_notification`` decode as the seed's dashboard
cards read them (``DigitalTwinStatus``, ``ActiveAlerts``): the shapes below are the seed's
TypeScript types, checked strictly on the JSON the wire carries; our own fields ride beside."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import msgspec
import pytest

from omnitrack_realtime.engine import create_engine
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.twin import Twin
from omnitrack_realtime.seam import EngineRequest

USER = "alice"


class SeedTwinStatus(msgspec.Struct):
    status: Literal["active", "syncing", "error"]
    lastSync: datetime  # an ISO-8601 string on the wire
    nodeCount: int
    healthyNodes: int
    degradedNodes: int
    disruptedNodes: int


class SeedAlertMetadata(msgspec.Struct):
    priority: int
    affectedNodes: list[str]
    estimatedImpact: str
    recommendedActions: list[str]


class SeedAlert(msgspec.Struct):
    alertId: str
    type: str
    severity: Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
    message: str
    createdAt: int
    status: Literal["ACTIVE", "ACKNOWLEDGED", "RESOLVED", "DISMISSED"]
    metadata: SeedAlertMetadata


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    async def publish(self, user_id: str, event_type: str, data: Any) -> None:
        self.events.append((event_type, data))

    def wire(self, event_type: str) -> list[bytes]:
        """Each event's data as the JSON text ``/ws`` sends."""
        return [json.dumps(data).encode() for kind, data in self.events if kind == event_type]


@pytest.fixture
def engine(tmp_path: Path) -> SupplyChainEngine:
    built = create_engine(tmp_path / "twin.db", llm=False)
    assert isinstance(built, SupplyChainEngine)
    return built


async def _say(engine: SupplyChainEngine, recorder: Recorder, message: str) -> None:
    async for _ in engine.respond(EngineRequest(USER, "c1", message), recorder):
        pass


async def test_twin_updates_carry_the_seed_status(engine: SupplyChainEngine) -> None:
    recorder = Recorder()
    await _say(engine, recorder, "add a warehouse in Rotterdam")
    await _say(engine, recorder, "add a supplier in Shanghai")
    await _say(engine, recorder, "Rotterdam Warehouse is disrupted")
    statuses = [
        msgspec.json.decode(raw, type=SeedTwinStatus)
        for raw in recorder.wire("digital_twin_update")
    ]
    assert [(s.nodeCount, s.healthyNodes, s.disruptedNodes) for s in statuses] == [
        (1, 1, 0),
        (2, 2, 0),
        (2, 1, 1),
    ]
    assert all(s.status == "active" and s.lastSync.tzinfo is not None for s in statuses)
    last = json.loads(recorder.wire("digital_twin_update")[-1])
    assert last["totalNodes"] == 2 and last["changes"][0]["change"] == "node_updated"


async def test_alerts_carry_the_seed_shape(engine: SupplyChainEngine) -> None:
    recorder = Recorder()
    await _say(engine, recorder, "add a supplier in Shanghai")
    await _say(engine, recorder, "Shanghai Supplier is disrupted")
    await _say(engine, recorder, "what if Shanghai Supplier fails?")
    alerts = [
        msgspec.json.decode(raw, type=SeedAlert) for raw in recorder.wire("alert_notification")
    ]
    assert [(a.type, a.status) for a in alerts] == [
        ("NODE_STATUS", "ACTIVE"),
        ("SIMULATION", "ACTIVE"),
    ]
    status_alert = alerts[0]
    assert status_alert.severity == "HIGH" and status_alert.metadata.priority == 2
    assert status_alert.metadata.affectedNodes == ["sup-1"]
    assert status_alert.metadata.estimatedImpact == "1 node affected"
    assert status_alert.metadata.recommendedActions
    ours = json.loads(recorder.wire("alert_notification")[0])
    assert ours["nodeIds"] == ["sup-1"] and ours["recommendedActions"]


def test_the_alert_kind_survives_the_database(tmp_path: Path) -> None:
    with Twin(tmp_path / "twin.db") as twin:
        twin.add_alert(USER, severity="low", message="m", kind="simulation")
    with Twin(tmp_path / "twin.db") as twin:
        [alert] = twin.list_alerts(USER)
    assert alert.kind == "simulation" and alert.to_event()["type"] == "SIMULATION"
