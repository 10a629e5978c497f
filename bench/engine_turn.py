#!/usr/bin/env python3
"""Engine turn cost: CPU time per copilot turn on a twin of 1,000 nodes, against a baseline.

Builds a seeded random network (1,000 nodes over the gazetteer's cities, ~1,500 connections)
in a temporary SQLite file, then runs a mix of turns (queries, analyses, simulations, updates,
add + remove) through ``SupplyChainEngine.run_turn`` (the whole synchronous turn: parse, act,
compute events and answer) and measures ``time.process_time`` over many rounds.

The baseline, in the same run: JSON-encoding the twin's node list
(``json.dumps([node.to_dict() for node in twin.list_nodes(user)])``; the list itself comes
from the twin's in-memory cache), i.e. about the least any answer that looks at every node
must do. Printed: CPU ms per turn by intent, the mean, and
ratio = turn / baseline. The target of issue 4 is a mean under 5 ms of CPU per turn.

When the rule parser (``engine.language``) is installed the turns are plain English and the
parse is included; otherwise the commands are handed in pre-parsed and the report says so.

    python bench/engine_turn.py            # 1,000 nodes, 20 rounds of the mix
    python bench/engine_turn.py --nodes 5000 --rounds 5
    python bench/engine_turn.py --durable  # also each turn with a turn id (one transaction
                                           # that records its outcome), and its ratio to without
    python bench/engine_turn.py --postgres postgresql://host/db   # '' for SQLite only

The same run measures the same turns on PostgreSQL (a scratch schema, dropped after; by
default the local 127.0.0.1:5432/test when it answers) and prints PostgreSQL / SQLite ratios
of CPU and wall time (latency) per turn.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from omnitrack_realtime.engine.commands import Command, NodeRef, ParseResult
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.gazetteer import CITIES, lookup
from omnitrack_realtime.engine.twin import Connection, Location, Node
from omnitrack_realtime.seam import EngineRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_scratch import DEFAULT_PG, scratch_schema

USER = "bench-user"
MIX = {  # nodes by type, as shares of the total
    "supplier": 0.1,
    "manufacturer": 0.1,
    "warehouse": 0.2,
    "distribution_center": 0.2,
    "retailer": 0.4,
}
PREFIX = {
    "supplier": "sup",
    "manufacturer": "mfg",
    "warehouse": "wh",
    "distribution_center": "dc",
    "retailer": "ret",
}


def build_network(engine: SupplyChainEngine, size: int, seed: int) -> list[Node]:
    rng = random.Random(seed)
    places = [p for p in (lookup(row[0]) for row in CITIES) if p is not None and p.city]
    nodes: list[Node] = []
    by_type: dict[str, list[Node]] = {}
    for node_type, share in MIX.items():
        for _ in range(round(size * share)):
            place = rng.choice(places)
            index = len(nodes) + 1
            capacity = rng.randrange(1_000, 50_000)
            node = Node(
                id=f"{PREFIX[node_type]}-{index}",
                type=node_type,
                name=f"{place.city} {node_type.replace('_', ' ').title()} {index}",
                location=Location(
                    place.city, place.country, place.region, place.latitude, place.longitude
                ),
                capacity=capacity,
                status=rng.choices(("operational", "degraded", "disrupted"), (0.9, 0.07, 0.03))[0],
                inventory=rng.randrange(0, capacity),
                utilization=round(rng.uniform(0.3, 0.97), 3),
                updated_at=engine.twin.clock(),
            )
            nodes.append(node)
            by_type.setdefault(node_type, []).append(node)
    order = list(MIX)
    with engine.twin.transaction():
        for node in nodes:
            engine.twin.put_node(USER, node)
        for upper, lower in itertools.pairwise(order):
            for node in by_type[lower]:
                for feeder in rng.sample(
                    by_type[upper], k=min(len(by_type[upper]), rng.choice((1, 2)))
                ):
                    engine.twin.add_connection(
                        USER, Connection(feeder.id, node.id, rng.choice(("sea", "truck", "rail")))
                    )
    return nodes


def turn_mix(nodes: Sequence[Node]) -> list[tuple[str, str, ParseResult]]:
    """(label, English text, the parse it should give) for each turn of one round."""
    supplier = next(n for n in nodes if n.type == "supplier")
    warehouse = next(n for n in nodes if n.type == "warehouse")
    rotterdam = lookup("Rotterdam")
    shanghai = lookup("Shanghai")
    assert rotterdam is not None and shanghai is not None

    def one(intent: str, **params: Any) -> ParseResult:
        return ParseResult((Command(intent, params),))

    return [
        ("get-network-summary", "give me an overview of the network", one("get-network-summary")),
        (
            "get-node-details",
            f"tell me about {supplier.name}",
            one("get-node-details", node=NodeRef(supplier.name)),
        ),
        (
            "update-node",
            f"set the capacity of {warehouse.name} to 30000",
            one("update-node", node=NodeRef(warehouse.name), capacity=30_000),
        ),
        ("scan-anomalies", "scan for anomalies", one("scan-anomalies")),
        ("identify-risks", "what are our biggest risks?", one("identify-risks")),
        ("find-bottlenecks", "find the bottlenecks", one("find-bottlenecks")),
        ("calculate-utilization", "how busy are we?", one("calculate-utilization")),
        (
            "run-simulation",
            "simulate an earthquake in Shanghai, high severity",
            one("run-simulation", scenario="natural-disaster", place=shanghai, severity="high"),
        ),
        (
            "what-if-supplier-failure",
            f"what if {supplier.name} fails?",
            one("what-if-supplier-failure", node=NodeRef(supplier.name)),
        ),
        (
            "what-if-port-closure",
            "what if the port of Rotterdam closes?",
            one("what-if-port-closure", place=rotterdam),
        ),
        (
            "add-warehouse",
            "add a warehouse in Rotterdam named Bench Depot",
            one("add-warehouse", place=rotterdam, name="Bench Depot"),
        ),
        ("remove-node", "remove Bench Depot", one("remove-node", node=NodeRef("Bench Depot"))),
        ("help", "help", one("help")),
        ("list-nodes", "list my warehouses", one("list-nodes", node_type="warehouse")),
        (
            "trace-upstream",
            f"what feeds {warehouse.name}?",
            one("trace-upstream", node=NodeRef(warehouse.name)),
        ),
        (
            "recommend",
            f"what should I do about {warehouse.name}?",
            one("recommend", node=NodeRef(warehouse.name)),
        ),
        (
            "explain",
            f"why is {warehouse.name} flagged?",
            one("explain", node=NodeRef(warehouse.name)),
        ),
        ("get-settings", "show my settings", one("get-settings")),
    ]


def cpu_ms(function: Callable[[], object], repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        function()
    return (time.process_time() - start) * 1000 / repeat


@dataclass
class Run:
    """One backend's measurements: CPU and wall ms per turn by intent."""

    backend: str
    nodes: int = 0
    connections: int = 0
    base: list[float] = field(default_factory=list)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    wall: dict[str, list[float]] = field(default_factory=dict)
    durable: list[float] = field(default_factory=list)

    @property
    def mean_cpu(self) -> float:
        return statistics.mean(statistics.mean(v) for v in self.cpu.values())

    @property
    def mean_wall(self) -> float:
        return statistics.mean(statistics.mean(v) for v in self.wall.values())


def measure(backend: str, target: str, args: argparse.Namespace, use_rules: bool) -> Run:
    table: dict[str, ParseResult] = {}

    def table_parser(text: str, known_names: Sequence[str]) -> ParseResult:
        return table[text]

    engine = SupplyChainEngine(target, parser=None if use_rules else table_parser)
    run = Run(backend)
    try:
        nodes = build_network(engine, args.nodes, args.seed)
        mix = turn_mix(nodes)
        table.update({text: parsed for _, text, parsed in mix})
        run.nodes, run.connections = len(nodes), len(engine.twin.list_connections(USER))

        def baseline() -> None:
            json.dumps([node.to_dict() for node in engine.twin.list_nodes(USER)])

        # Warm up (imports, page cache, prepared statements) and check each turn does what
        # it says.
        baseline()
        for label, text, _ in mix:
            outcome = engine.run_turn(EngineRequest(USER, "bench", text))
            intent = outcome.start_metadata["intent"]
            if intent != label or not outcome.end_metadata["actionSuccess"]:
                print(
                    f"warning: {text!r} ran as {intent} (success: "
                    f"{outcome.end_metadata['actionSuccess']}), not {label}"
                )
        run.cpu = {label: [] for label, _, _ in mix}
        run.wall = {label: [] for label, _, _ in mix}
        turn_ids = itertools.count()
        for _ in range(args.rounds):
            run.base.append(cpu_ms(baseline, 1))
            for label, text, _ in mix:
                request = EngineRequest(USER, "bench", text)
                began = time.perf_counter()
                run.cpu[label].append(cpu_ms(partial(engine.run_turn, request), 1))
                run.wall[label].append((time.perf_counter() - began) * 1000)
                if args.durable:
                    request = EngineRequest(USER, "bench", text, turn_id=f"t{next(turn_ids)}")
                    run.durable.append(cpu_ms(partial(engine.run_turn, request), 1))
    finally:
        engine.close()
    return run


def report(run: Run, use_rules: bool) -> None:
    base = statistics.mean(run.base)
    means = {label: statistics.mean(samples) for label, samples in run.cpu.items()}
    overall = run.mean_cpu
    print(
        f"[{run.backend}] engine turn CPU on a twin of {run.nodes:,} nodes / "
        f"{run.connections:,} connections"
    )
    parsing = (
        "rule parser (engine.language) included"
        if use_rules
        else "pre-parsed commands (engine.language not installed)"
    )
    print(f"parser: {parsing}")
    print(f"baseline (JSON-encode the twin's node list): {base:.2f} ms CPU")
    for label, value in sorted(means.items(), key=lambda kv: -kv[1]):
        wall = statistics.mean(run.wall[label])
        print(f"  {label:26s} {value:7.2f} ms CPU {wall:7.2f} ms wall   ratio {value / base:5.2f}")
    worst = max(means.values())
    print(
        f"mean per turn: {overall:.2f} ms CPU, {run.mean_wall:.2f} ms wall (ratio "
        f"{overall / base:.2f}); worst intent {worst:.2f} ms; target < 5 ms"
    )
    if run.durable:
        plain = statistics.mean(x for samples in run.cpu.values() for x in samples)
        with_id = statistics.mean(run.durable)
        print(
            f"with a turn id (one transaction + outcome record): {with_id:.2f} ms CPU per turn "
            f"against {plain:.2f} ms without (ratio {with_id / plain:.2f})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--durable", action="store_true", help="also measure turns with a turn id")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OMNITRACK_BENCH_PG", DEFAULT_PG),
        help=f"PostgreSQL to compare with (a scratch schema in it; default {DEFAULT_PG}; "
        "'' for SQLite only)",
    )
    args = parser.parse_args(argv)

    try:
        from omnitrack_realtime.engine.language import parse  # noqa: F401

        use_rules = True
    except ImportError:
        use_rules = False

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        runs.append(measure("sqlite", str(Path(tmp) / "bench.db"), args, use_rules))
    if args.postgres:
        with scratch_schema(args.postgres) as url:
            if url is None:
                print(f"(no PostgreSQL at {args.postgres}: SQLite only)")
            else:
                runs.append(measure("postgres", url, args, use_rules))
    for run in runs:
        report(run, use_rules)
        print()
    if len(runs) == 2:
        sqlite, postgres = runs
        print(
            f"PostgreSQL / SQLite, mean per turn: CPU {postgres.mean_cpu:.2f} / "
            f"{sqlite.mean_cpu:.2f} ms = ratio {postgres.mean_cpu / sqlite.mean_cpu:.2f}; "
            f"latency {postgres.mean_wall:.2f} / {sqlite.mean_wall:.2f} ms = ratio "
            f"{postgres.mean_wall / sqlite.mean_wall:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
