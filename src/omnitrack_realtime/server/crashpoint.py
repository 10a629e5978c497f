"""A test hook: the server process kills itself (SIGKILL, no cleanup) at a named point of a
turn, so that crash tests stop it exactly there rather than after a guessed delay.

Set ``OMNITRACK_CRASH_AT`` to one of :data:`POINTS` in the environment of ``omnitrack serve``;
unset (always, outside tests) the hook does nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal

__all__ = ["ARMED", "POINTS", "crash_point"]

#: Where a turn may be cut: ``turn-start`` (acknowledged, nothing run yet), ``answer-decided``
#: (the engine has opened its answer: the rule engine has committed the turn), ``answer-streaming``
#: (the first token has been sent), ``answer-stored`` (the answer is stored, ``stream_complete``
#: not sent yet).
POINTS = ("turn-start", "answer-decided", "answer-streaming", "answer-stored")

#: The point this process dies at, if any (hot paths test it before awaiting the hook).
ARMED = os.environ.get("OMNITRACK_CRASH_AT") or None


async def crash_point(name: str) -> None:
    """Die here if the environment asks for it: the caller stops here for good, and the
    process is killed once the callbacks already due have run (among them the driver's flush
    of the frames sent so far, so the client has received everything sent before this
    point)."""
    if name != ARMED:
        return
    loop = asyncio.get_running_loop()
    loop.call_soon(os.kill, os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
    await loop.create_future()  # never set: nothing of this turn goes on
