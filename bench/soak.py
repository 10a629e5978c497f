#!/usr/bin/env python3
"""Soak: minutes of churn against ONE server process, its memory over time, and every loss.

One server runs in a subprocess (websockets driver, SQLite file, the demo copilot, streamed
answers paced at 10 ms a token) behind the chaos suite's faulty proxy (mild: a link fault every
few seconds per connection, so streams drop mid-answer and resume). ``--workers`` loops each
open a client for a new user, send ``--messages`` messages, wait until every answer is in,
audit the conversation against the server's database (the chaos suite's audit: lost,
duplicated, reordered, interrupted, missing, mismatched), disconnect, and start over; so
connections, conversations, streams, drops and resumes churn for ``--minutes`` (default 30).

The server's RSS is read from /proc three times. Ended answers are kept ``--retention``
seconds (300 s, the server's default) and a user's recent events as long (the server's own
default for events is 24 h: shortened here so that the run reaches its steady state), so the
memory grows by design during the first retention period; the *start* sample is taken after
a warm-up that long (``--warm-up``, default the retention, at most a third of the run), the
*middle* one halfway from there to the end, the *end* one when the load stops. The drift is
the larger (in size) of ``(middle - start) / start`` and ``(end - start) / start``. At each
sample the server also reports what it holds (streams kept, event log users and bytes,
Python objects); ``--trace-memory`` runs it under tracemalloc and prints what grew between
start and end, by line and by type.

    python bench/soak.py                      # 30 minutes
    python bench/soak.py --minutes 3 --workers 8
    python bench/soak.py --minutes 4 --retention 20 --warm-up 60 --trace-memory

Linux only (RSS from /proc). Exits 1 if any loss count is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the harness imports the tests' ASGI driver

from tests.chaos.harness import (  # noqa: E402
    COUNTS,
    SECRET,
    ChaosReport,
    audit,
    wait_settled,
)
from tests.chaos.proxy import FaultPlan, FaultyProxy  # noqa: E402

READY = "READY "
MB = 1024 * 1024
#: Mild faults: a soak measures the server under churn, not a storm.
SOAK_FAULTS = FaultPlan(refuse=0.02, reorder=0.05, link_lifetime=4.0)


# --------------------------------------------------------------------------- the server


def _census(server: Any, directory: Path, name: str, trace: bool) -> dict[str, Any]:
    """What the server holds (its own counts, Python objects) and, when tracing, a tracemalloc
    snapshot and the live objects by type written beside the database."""
    gc.collect()
    hub = server.hub
    held: dict[str, Any] = {
        **hub.stats(),
        "event_log_users": len(hub.backplane.hub.log),
        "event_log_bytes": hub.backplane.hub.log.bytes,
        "python_objects": len(gc.get_objects()),
    }
    if trace:
        path = directory / f"memory-{name}"
        tracemalloc.take_snapshot().dump(str(path.with_suffix(".trace")))
        types = Counter(type(obj).__qualname__ for obj in gc.get_objects())
        path.with_suffix(".types").write_text(json.dumps(types))
        held["trace"] = str(path)
    return held


async def _serve(db_path: str, retention: float, trace: bool) -> None:
    from omnitrack_realtime.server.app import create_server
    from omnitrack_realtime.server.auth import AuthConfig
    from omnitrack_realtime.server.config import Limits, ServerConfig
    from omnitrack_realtime.server.demo_engine import DemoEngine

    if trace:
        tracemalloc.start(8)
    config = ServerConfig(
        port=0,
        db_path=Path(db_path),
        token_delay=0.01,
        auth=AuthConfig(secret=SECRET),
        ping_interval=2.0,
        ping_timeout=2.0,
        close_timeout=1.0,
        # Both retentions shortened alike, so that the run reaches the steady state.
        stream_retention=retention,
        event_retention=retention,
        limits=Limits(messages_per_minute=6000, burst=1000),
    )
    server = await create_server(config, engine=DemoEngine())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def census() -> None:  # asked for by a line on stdin: the sample's name
        name = sys.stdin.readline().strip()
        if name:
            held = _census(server, Path(db_path).parent, name, trace)
            print(json.dumps(held), flush=True)

    loop.add_reader(sys.stdin.fileno(), census)
    print(f"{READY}{server.port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.shutdown()


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    db_path: Path

    def rss(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc status")

    async def census(self, name: str) -> dict[str, Any]:
        """What the server holds now (see :func:`_census`)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{name}\n")
        self.process.stdin.flush()
        held: dict[str, Any] = json.loads(await asyncio.to_thread(self.process.stdout.readline))
        return held


@contextlib.contextmanager
def _server(retention: float, trace: bool) -> Iterator[ServerProcess]:
    with tempfile.TemporaryDirectory(prefix="omnitrack-soak-") as scratch:
        db_path = Path(scratch) / "soak.db"
        command = [sys.executable, __file__, "--serve", str(db_path), "--retention", str(retention)]
        command += ["--trace-memory"] if trace else []
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line.startswith(READY):
                raise RuntimeError(f"the server did not start: {line!r}")
            yield ServerProcess(process, int(line[len(READY) :]), db_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --------------------------------------------------------------------------- the load


@dataclass
class Load:
    report: ChaosReport
    sessions: int = 0
    messages: int = 0
    unsettled: int = 0


async def _session(
    number: int, port: int, db_path: Path, messages: int, rng: random.Random, load: Load
) -> None:
    from omnitrack_realtime import CopilotClient, ReconnectPolicy
    from omnitrack_realtime.server.auth import AuthConfig, mint_token

    user = f"soak-{number}"
    client = CopilotClient(
        f"ws://127.0.0.1:{port}/copilot",
        user_id=user,
        token=mint_token(user, AuthConfig(secret=SECRET), ttl=3600),
        reconnect=ReconnectPolicy(
            max_attempts=None, initial_delay=0.05, max_delay=0.5, stable_after=1.0
        ),
        ping_interval=1.0,
        ping_timeout=1.0,
        open_timeout=3.0,
        close_timeout=0.5,
        random=random.Random(rng.randrange(2**32)).random,
    )
    try:
        await client.connect()
        for index in range(messages):
            await client.send_message(f"{user} message {index}")
            await asyncio.sleep(rng.uniform(0.0, 0.3))  # pacing: turns overlap drops
        if not await wait_settled([client], 60.0):
            load.unsettled += 1
        audit(load.report, user, client, db_path)
        load.sessions += 1
        load.messages += messages
    finally:
        await client.disconnect()


async def _run(args: argparse.Namespace) -> int:
    duration = args.minutes * 60
    # Memory is compared only once the server is in its steady state: ended answers are kept
    # ``retention`` seconds, so before that the registry fills up by design.
    warm_up = min(args.retention, duration / 3) if args.warm_up is None else args.warm_up
    middle_at = (warm_up + duration) / 2
    with _server(args.retention, args.trace_memory) as server:
        proxy = FaultyProxy(("127.0.0.1", server.port), seed=args.seed, plan=SOAK_FAULTS)
        port = await proxy.start()
        proxy.storm()
        rng = random.Random(args.seed)
        load = Load(ChaosReport(seed=args.seed, users=0, messages=args.messages))
        idle = server.rss()
        started = time.monotonic()
        deadline = started + duration
        numbers = iter(range(10**9))
        samples: list[tuple[float, int]] = []

        async def worker() -> None:
            while time.monotonic() < deadline:
                await _session(next(numbers), port, server.db_path, args.messages, rng, load)

        async def sampler() -> None:
            while time.monotonic() < deadline:
                samples.append((time.monotonic() - started, server.rss()))
                await asyncio.sleep(1.0)

        marks: dict[str, int] = {}
        censuses: dict[str, dict[str, Any]] = {}

        async def mark(name: str, at: float) -> None:
            await asyncio.sleep(max(0.0, started + at - time.monotonic()))
            marks[name] = server.rss()
            held = censuses[name] = await server.census(name)
            counts = ", ".join(f"{k} {v}" for k, v in held.items() if k != "trace")
            print(
                f"{name:>6} ({at / 60:.1f} min): RSS {marks[name] / MB:.1f} MB; {counts}",
                flush=True,
            )

        await asyncio.gather(
            *(worker() for _ in range(args.workers)),
            sampler(),
            mark("start", warm_up),
            mark("middle", middle_at),
            mark("end", duration),
        )
        proxy.calm()
        await proxy.close()
        if args.trace_memory:
            _print_growth(Path(censuses["start"]["trace"]), Path(censuses["end"]["trace"]))
    report = load.report
    drifts = {name: (marks[name] - marks["start"]) / marks["start"] * 100 for name in marks}
    drift = max(drifts["middle"], drifts["end"], key=abs)
    peak = max(rss for _, rss in samples) if samples else marks["end"]
    print()
    print(
        f"server RSS: idle {idle / MB:.1f} MB, start {marks['start'] / MB:.1f} MB, middle "
        f"{marks['middle'] / MB:.1f} MB, end {marks['end'] / MB:.1f} MB, peak {peak / MB:.1f} MB"
    )
    print(
        f"drift from start (after {warm_up / 60:.1f} min of warm-up): middle "
        f"{drifts['middle']:+.1f}%, end {drifts['end']:+.1f}%; drift {drift:+.1f}%"
    )
    print(
        f"sessions: {load.sessions}, messages: {load.messages}, "
        f"faults injected: {proxy.total_faults} "
        f"({', '.join(f'{k} {n}' for k, n in sorted(proxy.faults.items()))})"
    )
    print("counts: " + " ".join(f"{name}={report.counts[name]}" for name in COUNTS))
    print(f"sessions that did not settle: {load.unsettled}")
    for line in report.details:
        print(f"    {line}")
    return 1 if load.unsettled or any(report.counts[name] for name in COUNTS) else 0


def _print_growth(before: Path, after: Path, top: int = 15) -> None:
    """What the server allocated more of between two snapshots, by line and by type."""
    old = tracemalloc.Snapshot.load(str(before.with_suffix(".trace")))
    new = tracemalloc.Snapshot.load(str(after.with_suffix(".trace")))
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = new.filter_traces(ignore).compare_to(old.filter_traces(ignore), "lineno")
    total = sum(stat.size_diff for stat in diff) / 1024
    print(f"\nallocated, {before.name} -> {after.name}: {total:+.0f} KiB (tracemalloc); by line:")
    for stat in diff[:top]:
        print(f"  {stat}")
    old_types = Counter(json.loads(before.with_suffix(".types").read_text()))
    new_types = Counter(json.loads(after.with_suffix(".types").read_text()))
    grown = sorted(new_types, key=lambda name: old_types[name] - new_types[name])[:top]
    print("live objects by type (gc), most grown:")
    for name in grown:
        print(f"  {name}: {old_types[name]} -> {new_types[name]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long (minutes)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent client loops")
    parser.add_argument("--messages", type=int, default=6, help="messages per session")
    parser.add_argument("--seed", type=int, default=1, help="seed of the faults and pauses")
    parser.add_argument(
        "--retention", type=float, default=300.0, help="seconds the server keeps ended streams"
    )
    parser.add_argument(
        "--warm-up",
        type=float,
        default=None,
        help="seconds before the start sample (default: the retention, at most a third of the run)",
    )
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="tracemalloc in the server: print what grew between start and end (slower)",
    )
    parser.add_argument("--serve", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, args.retention, args.trace_memory))
        return 0
    return asyncio.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
