"""The private hand-off between the read loop and user code (client/_dispatch.py)."""

from __future__ import annotations

import asyncio

from omnitrack_realtime.client._dispatch import HandlerWorker


async def test_a_cancelled_run_does_not_let_two_runs_overlap() -> None:
    """cancel_pending() while an async handler runs, then new items: the cancelled task's
    clean-up must not forget the new task, or a later submit starts a second one and the
    handler runs twice at once, out of order."""
    started = asyncio.Event()
    release = asyncio.Event()
    calls: list[int] = []
    finished: list[int] = []
    changed = asyncio.Event()
    running = 0
    most = 0

    async def handler(item: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        calls.append(item)
        started.set()
        try:
            await release.wait()
        finally:
            running -= 1
            finished.append(item)
            changed.set()

    worker: HandlerWorker[int] = HandlerWorker(handler, limit=10)
    worker.submit(1)
    await asyncio.wait_for(started.wait(), 5)
    worker.cancel_pending()  # e.g. the client closed while the handler ran
    started.clear()
    worker.submit(2)  # e.g. connected again
    await asyncio.wait_for(started.wait(), 5)
    worker.submit(3)
    worker.submit(4)
    release.set()

    async def drained() -> None:
        while sorted(finished) != [1, 2, 3, 4]:
            await changed.wait()
            changed.clear()

    await asyncio.wait_for(drained(), 5)
    assert calls == [1, 2, 3, 4]
    assert most == 1
