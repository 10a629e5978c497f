#!/usr/bin/env python3
"""The chaos suite, long: rounds of real clients through a faulty network to the real server.

Each round is one :func:`tests.chaos.harness.run_chaos` (the CI suite's harness): ``--users``
clients send ``--messages`` messages each through a proxy that resets, half-closes,
blackholes, delays and fragments connections and refuses or reorders connection attempts,
for ``--storm`` seconds; then every client's conversation is audited against the server's
stored one. Rounds follow one another until ``--minutes`` have passed; round ``k`` uses seed
``S + k``, so ``--seed S`` replays the same schedule of faults. Prints each round and the
totals: faults injected by kind, and the lost, duplicated, reordered, interrupted, missing
and mismatched counts (all should be 0). Exits 1 if any count is not.

    python bench/chaos.py --minutes 5 --seed 7
    python bench/chaos.py --minutes 1 --users 40 --messages 8 --storm 10
    python bench/chaos.py --minutes 5 --driver asgi
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the harness imports the tests' ASGI driver

from tests.chaos.harness import COUNTS, DRIVERS, run_chaos  # noqa: E402


async def _main(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.minutes * 60
    totals: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    rounds = messages = 0
    unsettled = 0
    with tempfile.TemporaryDirectory(prefix="omnitrack-chaos-") as scratch:
        while rounds == 0 or time.monotonic() < deadline:
            seed = args.seed + rounds
            report = await run_chaos(
                seed,
                db_path=Path(scratch) / f"round-{rounds}.db",
                users=args.users,
                messages=args.messages,
                storm_seconds=args.storm,
                driver=args.driver,
            )
            rounds += 1
            messages += args.users * args.messages
            totals.update({name: report.counts[name] for name in COUNTS})
            faults.update(report.faults)
            unsettled += not report.settled
            print(report.summary(), flush=True)
            for line in report.details:
                print(f"    {line}", flush=True)
    print()
    print(
        f"rounds: {rounds} (seeds {args.seed}..{args.seed + rounds - 1}, {args.driver}), "
        f"messages: {messages}"
    )
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(faults.items()))
    print(f"faults injected: {sum(faults.values())} ({kinds})")
    print("counts: " + " ".join(f"{name}={totals[name]}" for name in COUNTS))
    print(f"rounds that did not settle: {unsettled}")
    return 1 if unsettled or any(totals[name] for name in COUNTS) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="how long to run (minutes)")
    parser.add_argument("--seed", type=int, default=1, help="the first round's seed")
    parser.add_argument("--users", type=int, default=20, help="clients per round")
    parser.add_argument("--messages", type=int, default=5, help="messages per client per round")
    parser.add_argument("--storm", type=float, default=8.0, help="seconds of faults per round")
    parser.add_argument(
        "--driver",
        choices=DRIVERS,
        default="websockets",
        help="the server's front: websockets (omnitrack serve) or the ASGI app under uvicorn",
    )
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
