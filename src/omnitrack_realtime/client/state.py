"""The connection's life cycle, pure: states, the legal transitions between them, and a
machine that enforces them. The asyncio driver performs every change through
:meth:`StateMachine.transition`, then logs the returned :class:`Transition` and notifies
observers; nothing else assigns a state.

::

    IDLE ──> CONNECTING ──> OPEN ──> RECONNECTING ──> CONNECTING ...
                 │  │         │           │
                 │  └─────────┴───────────┴──> CLOSED | FAILED ──> CONNECTING (connect() again)
                 └──> RECONNECTING
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["LEGAL_TRANSITIONS", "ConnectionState", "StateMachine", "Transition"]


class ConnectionState(enum.Enum):
    """Where a client's connection is in its life cycle."""

    IDLE = "idle"  # created, connect() not called yet
    CONNECTING = "connecting"  # an attempt (initial or retry) is under way
    OPEN = "open"  # connected; frames flow
    RECONNECTING = "reconnecting"  # lost or failed; waiting for the next retry
    CLOSED = "closed"  # closed on purpose (disconnect(), normal close); no retry
    FAILED = "failed"  # gave up: retries used up or a terminal refusal

    @property
    def is_connected(self) -> bool:
        return self is ConnectionState.OPEN

    @property
    def is_connecting(self) -> bool:
        return self in (ConnectionState.CONNECTING, ConnectionState.RECONNECTING)

    @property
    def is_terminal(self) -> bool:
        return self in (ConnectionState.CLOSED, ConnectionState.FAILED)


_S = ConnectionState

#: For each state, the states it may move to.
LEGAL_TRANSITIONS: Mapping[ConnectionState, frozenset[ConnectionState]] = MappingProxyType(
    {
        _S.IDLE: frozenset({_S.CONNECTING}),
        _S.CONNECTING: frozenset({_S.OPEN, _S.RECONNECTING, _S.FAILED, _S.CLOSED}),
        _S.OPEN: frozenset({_S.RECONNECTING, _S.CLOSED, _S.FAILED}),
        _S.RECONNECTING: frozenset({_S.CONNECTING, _S.CLOSED, _S.FAILED}),
        _S.CLOSED: frozenset({_S.CONNECTING}),
        _S.FAILED: frozenset({_S.CONNECTING}),
    }
)


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of state and why it happened (what the driver logs and reports)."""

    old: ConnectionState
    new: ConnectionState
    reason: str

    def __str__(self) -> str:
        return f"{self.old.value} -> {self.new.value}: {self.reason}"


class StateMachine:
    """Holds the current :class:`ConnectionState` and allows only legal transitions."""

    __slots__ = ("_state",)

    def __init__(self, initial: ConnectionState = ConnectionState.IDLE) -> None:
        self._state = initial

    @property
    def state(self) -> ConnectionState:
        return self._state

    def can_transition(self, new: ConnectionState) -> bool:
        return new in LEGAL_TRANSITIONS[self._state]

    def transition(self, new: ConnectionState, reason: str) -> Transition:
        """Move to ``new``; raises :class:`ValueError` if that is not a legal transition."""
        if new not in LEGAL_TRANSITIONS[self._state]:
            raise ValueError(
                f"illegal connection state transition {self._state.value} -> {new.value} ({reason})"
            )
        change = Transition(self._state, new, reason)
        self._state = new
        return change

    @property
    def is_connected(self) -> bool:
        return self._state.is_connected

    @property
    def is_connecting(self) -> bool:
        return self._state.is_connecting

    @property
    def is_terminal(self) -> bool:
        return self._state.is_terminal
