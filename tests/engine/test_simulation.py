"""Scenarios on a small hand-built network: who is hit, the cascade, determinism, errors."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.simulation import (
    SCENARIOS,
    Area,
    ScenarioError,
    ScenarioRequest,
    simulate,
)
from omnitrack_realtime.engine.twin import Connection, Node

from .twin_helpers import node, place


def network() -> tuple[list[Node], list[Connection]]:
    """Two suppliers (Shanghai, Ningbo) -> a plant (Suzhou) -> a warehouse (Rotterdam) ->
    two stores (Amsterdam, Berlin); a third supplier in Tokyo feeds nothing."""
    nodes = [
        node("s1", "Shanghai", type="supplier", capacity=1000),
        node("s2", "Ningbo", type="supplier", capacity=1000),
        node("s3", "Tokyo", type="supplier", capacity=1000),
        node("m", "Suzhou", type="manufacturer", capacity=2000, utilization=0.7),
        node("w", "Rotterdam", type="warehouse", capacity=4000, utilization=0.8),
        node("r1", "Amsterdam", type="retailer", capacity=500, utilization=0.9),
        node("r2", "Berlin", type="retailer", capacity=500, utilization=0.5),
    ]
    links = [
        Connection("s1", "m", "truck"),
        Connection("s2", "m", "truck"),
        Connection("m", "w", "sea"),
        Connection("w", "r1", "truck"),
        Connection("w", "r2", "rail"),
    ]
    return nodes, links


def area(text: str) -> Area:
    p = place(text)
    return Area(text, p.latitude, p.longitude, p.city, p.country, p.region)


def test_supplier_failure_cascades_downstream_shared_by_feeders() -> None:
    result = simulate(ScenarioRequest("supplier-failure", "critical", node_ids=("s1",)), *network())
    assert [(i.node.id, i.loss, i.hops) for i in result.direct] == [("s1", 1.0, 0)]
    # The plant has two suppliers, one down: it loses 90 % of the mean loss of its feeders.
    assert [(i.node.id, i.loss, i.hops) for i in result.cascade] == [
        ("m", 0.45, 1),
        ("w", 0.405, 2),
        ("r1", 0.365, 3),
        ("r2", 0.365, 3),
    ]
    assert "s2" not in {i.node.id for i in result.affected}
    assert result.capacity_at_risk == round(1000 + 0.45 * 2000 + 0.405 * 4000 + 2 * 0.365 * 500)
    assert result.recovery_hours == 168 * 1.5
    assert result.alert_severity == "critical"
    assert result.recommendations


def test_supplier_failure_without_a_node_picks_the_most_depended_on_supplier() -> None:
    result = simulate(ScenarioRequest("supplier-failure"), *network())
    assert result.direct[0].node.id == "s1"  # ties on reach broken by capacity, then order


def test_natural_disaster_radius_grows_with_severity() -> None:
    nodes, links = network()
    low = simulate(ScenarioRequest("natural-disaster", "low", area=area("Rotterdam")), *network())
    assert {i.node.id for i in low.direct} == {"w"}  # Amsterdam is 57 km away: outside 50 km
    high = simulate(
        ScenarioRequest("natural-disaster", "high", area=area("Rotterdam")), nodes, links
    )
    assert {i.node.id for i in high.direct} == {"w", "r1"}
    assert high.direct[0].node.id == "w"  # the centre is hit hardest
    assert high.capacity_at_risk > low.capacity_at_risk


def test_port_closure_hits_the_port_and_its_sea_partners() -> None:
    result = simulate(ScenarioRequest("port-closure", "high", area=area("Rotterdam")), *network())
    direct = {i.node.id: i.loss for i in result.direct}
    assert direct["w"] == 0.75
    assert direct["m"] == pytest.approx(0.45)  # the plant ships to Rotterdam by sea
    assert {i.node.id for i in result.cascade} == {"r1", "r2"}


def test_demand_spike_raises_utilization_downstream_and_upstream() -> None:
    result = simulate(ScenarioRequest("demand-spike", percent=20.0), *network())
    projected = {i.node.id: i.projected_utilization for i in result.affected}
    assert projected["r1"] == pytest.approx(1.08)
    assert projected["w"] == pytest.approx(0.8 * 1.16)
    assert [i.node.id for i in result.overloaded] == ["r1"]
    assert result.capacity_at_risk == 40  # 8 % over a 500-unit store
    assert result.alert_severity == "medium"
    calm = simulate(ScenarioRequest("demand-spike", percent=5.0), *network())
    assert calm.overloaded == () and calm.alert_severity is None


@pytest.mark.parametrize("kind", SCENARIOS)
def test_every_scenario_runs_and_is_deterministic(kind: str) -> None:
    request = ScenarioRequest(kind, "high", 72.0, area=area("Shanghai"))
    first = simulate(request, *network())
    assert first == simulate(request, *network())
    assert first.affected  # Shanghai holds nodes for every kind


def test_geopolitical_event_hits_the_whole_country() -> None:
    result = simulate(ScenarioRequest("geopolitical", "high", area=area("Shanghai")), *network())
    assert {i.node.id for i in result.direct} == {"s1", "s2", "m"}  # every node in China


def test_errors_say_what_is_missing() -> None:
    nodes, links = network()
    with pytest.raises(ScenarioError, match="needs a place"):
        simulate(ScenarioRequest("natural-disaster"), nodes, links)
    with pytest.raises(ScenarioError, match="no nodes"):
        simulate(ScenarioRequest("cyber-attack"), [], [])
    with pytest.raises(ScenarioError, match="no node zz"):
        simulate(ScenarioRequest("quality-issue", node_ids=("zz",)), nodes, links)
    with pytest.raises(ScenarioError, match="duration"):
        simulate(ScenarioRequest("cyber-attack", duration_hours=0), nodes, links)
    with pytest.raises(ScenarioError, match="unknown scenario"):
        simulate(ScenarioRequest("alien-invasion"), nodes, links)
