"""ConnectionState and StateMachine: the legal transitions, and nothing else."""

from __future__ import annotations

import itertools
from typing import TypeAlias

import pytest

from omnitrack_realtime.client.state import (
    LEGAL_TRANSITIONS,
    ConnectionState,
    StateMachine,
    Transition,
)

S: TypeAlias = ConnectionState

LEGAL: set[tuple[S, S]] = {
    (S.IDLE, S.CONNECTING),
    (S.CONNECTING, S.OPEN),
    (S.CONNECTING, S.RECONNECTING),
    (S.CONNECTING, S.FAILED),
    (S.CONNECTING, S.CLOSED),
    (S.OPEN, S.RECONNECTING),
    (S.OPEN, S.CLOSED),
    (S.OPEN, S.FAILED),
    (S.RECONNECTING, S.CONNECTING),
    (S.RECONNECTING, S.CLOSED),
    (S.RECONNECTING, S.FAILED),
    (S.CLOSED, S.CONNECTING),
    (S.FAILED, S.CONNECTING),
}


def test_values_are_the_issues_names() -> None:
    assert [state.value for state in S] == [
        "idle",
        "connecting",
        "open",
        "reconnecting",
        "closed",
        "failed",
    ]


def test_table_is_exactly_the_legal_set() -> None:
    table = {(old, new) for old, targets in LEGAL_TRANSITIONS.items() for new in targets}
    assert table == LEGAL
    assert set(LEGAL_TRANSITIONS) == set(S)


def by_value(pair: tuple[S, S]) -> tuple[str, str]:
    return pair[0].value, pair[1].value


@pytest.mark.parametrize(("old", "new"), sorted(LEGAL, key=by_value))
def test_legal_transition_returns_what_changed(old: S, new: S) -> None:
    machine = StateMachine(old)
    assert machine.can_transition(new)
    change = machine.transition(new, "because")
    assert change == Transition(old, new, "because")
    assert machine.state is new
    assert str(change) == f"{old.value} -> {new.value}: because"


@pytest.mark.parametrize(
    ("old", "new"),
    [pair for pair in itertools.product(S, S) if pair not in LEGAL],
)
def test_illegal_transition_raises_and_keeps_the_state(old: S, new: S) -> None:
    machine = StateMachine(old)
    assert not machine.can_transition(new)
    with pytest.raises(ValueError, match=f"{old.value} -> {new.value}"):
        machine.transition(new, "nope")
    assert machine.state is old


def test_starts_idle() -> None:
    assert StateMachine().state is S.IDLE


def test_a_whole_life_cycle() -> None:
    machine = StateMachine()
    path = [S.CONNECTING, S.OPEN, S.RECONNECTING, S.CONNECTING, S.RECONNECTING]
    path += [S.CONNECTING, S.OPEN, S.CLOSED, S.CONNECTING, S.FAILED, S.CONNECTING]
    changes = [machine.transition(state, f"step {i}") for i, state in enumerate(path)]
    assert [c.new for c in changes] == path
    assert [c.old for c in changes[1:]] == path[:-1]


@pytest.mark.parametrize("state", list(S))
def test_derived_facts(state: S) -> None:
    machine = StateMachine(state)
    assert machine.is_connected == state.is_connected == (state is S.OPEN)
    assert machine.is_connecting == state.is_connecting == (state in (S.CONNECTING, S.RECONNECTING))
    assert machine.is_terminal == state.is_terminal == (state in (S.CLOSED, S.FAILED))


def test_transition_is_frozen() -> None:
    change = Transition(S.IDLE, S.CONNECTING, "connect()")
    with pytest.raises(AttributeError):
        change.reason = "x"  # type: ignore[misc]


def test_table_cannot_be_mutated() -> None:
    with pytest.raises(TypeError):
        LEGAL_TRANSITIONS[S.IDLE] = frozenset()  # type: ignore[index]
