"""Which server process runs a pending turn, and whether that process is gone.

A pending turn in the journal (:mod:`.store`) names its owner, ``host/pid/origin`` (``origin``:
the hub's random id). Another process may take the turn over when the owner's lease has ended,
or at once when the owner is known to be gone: on the same host, a process that no longer
exists, or a hub of this very process that has stopped (``kill -9`` and a restart, tests that
start several servers). An owner on another host is only ever known gone by its lease.
"""

from __future__ import annotations

import os
import socket

__all__ = ["owner_gone", "owner_id", "register", "unregister"]

_HOST = socket.gethostname()
#: The hubs of this process that are running (their origins).
_LIVE: set[str] = set()


def owner_id(origin: str) -> str:
    """The owner name of this process's hub ``origin``."""
    return f"{_HOST}/{os.getpid()}/{origin}"


def register(origin: str) -> None:
    _LIVE.add(origin)


def unregister(origin: str) -> None:
    _LIVE.discard(origin)


def owner_gone(owner: str) -> bool:
    """Whether ``owner`` (an :func:`owner_id`) certainly runs nothing any more."""
    host, _, rest = owner.partition("/")
    pid_text, _, origin = rest.partition("/")
    if host != _HOST or not pid_text.isdigit():
        return False  # another machine: its lease says
    pid = int(pid_text)
    if pid == os.getpid():
        return origin not in _LIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's (EPERM)
        return False
    return False
