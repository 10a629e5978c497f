"""A test hook: the server process kills itself (SIGKILL, no cleanup) at a named point of a
turn, so that crash tests stop it exactly there rather than after a guessed delay.

Set ``OMNITRACK_CRASH_AT`` to one of :data:`POINTS` in the environment of ``omnitrack serve``;
unset (always, outside tests) the hook does nothing.
"""

from __future__ import annotations

import os
import signal

__all__ = ["POINTS", "crash_point"]

#: Where a turn may be cut: ``turn-start`` (acknowledged, nothing run yet), ``answer-decided``
#: (the engine has opened its answer: the rule engine has committed the turn), ``answer-streaming``
#: (the first token has been sent), ``answer-stored`` (the answer is stored, ``stream_complete``
#: not sent yet).
POINTS = ("turn-start", "answer-decided", "answer-streaming", "answer-stored")

_AT = os.environ.get("OMNITRACK_CRASH_AT") or None


def crash_point(name: str) -> None:
    """Die here if the environment asks for it."""
    if name == _AT:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
