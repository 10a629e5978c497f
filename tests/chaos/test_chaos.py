"""The chaos suite, short: real clients through a faulty network to the real server, on a few
fixed seeds; nothing sent may be lost, doubled, reordered, interrupted or left unanswered.

``bench/chaos.py --minutes N --seed S`` runs the same for longer and prints the counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import Driver, run_chaos

#: Fixed seeds: each draws a different schedule of faults (see proxy.py). The websockets
#: driver is what ``omnitrack serve`` runs; the ASGI app (under uvicorn) gets one of its own.
RUNS: tuple[tuple[Driver, int], ...] = (
    ("websockets", 3),
    ("websockets", 17),
    ("websockets", 101),
    ("websockets", 2024),
    ("asgi", 7),
)


@pytest.mark.parametrize(("driver", "seed"), RUNS, ids=[f"{d}-{s}" for d, s in RUNS])
async def test_every_message_answered_once_in_order_through_faults(
    driver: Driver, seed: int, tmp_path: Path
) -> None:
    report = await run_chaos(
        seed,
        db_path=tmp_path / "chaos.db",
        users=12,
        messages=4,
        storm_seconds=2.5,
        driver=driver,
    )
    explained = report.summary() + "".join(f"\n  {line}" for line in report.details)
    assert report.total_faults >= 20, explained  # the storm really was one
    assert report.settled, explained
    assert report.clean, explained
