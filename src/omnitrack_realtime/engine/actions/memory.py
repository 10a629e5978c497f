"""What the twin layer remembers of a conversation, kept in its dialogue state
(:meth:`~..twin.Twin.update_dialogue`, one JSON object per conversation), so it is written in
the same twin transaction as the step it describes and survives restarts.

This module owns three keys of that object and touches no other (the dialogue manager owns
the rest):

``"journal"``
    The conversation's last :data:`MAX_JOURNAL` changes, oldest first, for ``undo``. An entry
    is ``{"intent", "at", "changes", "seqs", "alerts"}``: the step's change dicts as published
    (they carry the before-values: the removed node and its links, the node before an update,
    the old name, the old setting...), the creation-order positions of removed nodes, and the
    ids of the alerts the step raised. Only what changed is stored, never the network.
``"undone"``
    What undo reverted, newest last, for ``redo``: entries of the same shape, whose changes
    are the ones the undo published (reverting them makes the change again). A new change
    empties it, as in any editor.
``"simulations"``
    The last :data:`MAX_SIMULATIONS` simulations, oldest first, for ``compare-simulations``:
    ``{"id", "kind", "where", "severity", "durationHours", "affected", "capacityLost",
    "share", "overloaded", "worst"}`` (``worst``: ``{"id", "name"}`` or None).
``"last_analysis"``
    The last analysis or simulation, for ``explain``: ``{"intent", "topic", "scope",
    "findings", "nodeIds"}`` (``findings``: up to 5 short lines).
``"analyses"``
    The last :data:`MAX_ANALYSES` of those records, oldest first, for "what changed since the
    first result?" (an older state has only ``"last_analysis"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..twin import Twin
from .context import ActionResult, _Step

JOURNAL = "journal"
UNDONE = "undone"
SIMULATIONS = "simulations"
LAST_ANALYSIS = "last_analysis"
ANALYSES = "analyses"
#: Changes a conversation can undo, the newest.
MAX_JOURNAL = 20
#: Simulations a conversation can compare, the newest.
MAX_SIMULATIONS = 5
#: Analyses a conversation can compare its last one with, the newest.
MAX_ANALYSES = 6
_MAX_FINDINGS = 5


def _entries(state: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list under ``key``, whatever an older or damaged state holds there."""
    value = state.get(key)
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def record_change(step: _Step, result: ActionResult) -> None:
    """Journal a successful changing step (inside its transaction)."""
    entry: dict[str, Any] = {
        "intent": step.journal_intent or result.intent,
        "at": step.twin.clock(),
        "changes": list(result.changes),
        "seqs": dict(step.seqs),
        "alerts": [alert.id for alert in result.alerts],
    }

    def change(state: dict[str, Any]) -> None:
        state[JOURNAL] = [*_entries(state, JOURNAL), entry][-MAX_JOURNAL:]
        if result.intent != "redo":
            state[UNDONE] = []  # a new change: what was undone before can no longer be redone

    step.twin.update_dialogue(step.user_id, step.conversation_id, change)


def record_undone(step: _Step, entry: dict[str, Any]) -> None:
    """Keep what an undo reverted, for ``redo``."""

    def change(state: dict[str, Any]) -> None:
        state[UNDONE] = [*_entries(state, UNDONE), entry][-MAX_JOURNAL:]

    step.twin.update_dialogue(step.user_id, step.conversation_id, change)


def _pop(step: _Step, key: str) -> tuple[dict[str, Any] | None, int]:
    taken: list[dict[str, Any]] = []
    left: list[int] = []

    def change(state: dict[str, Any]) -> None:
        entries = _entries(state, key)
        if entries:
            taken.append(entries.pop())
        state[key] = entries
        left.append(len(entries))

    step.twin.update_dialogue(step.user_id, step.conversation_id, change)
    return (taken[0] if taken else None), left[0]


def pop_change(step: _Step) -> tuple[dict[str, Any] | None, int]:
    """Take the newest journal entry off (None when there is none) and how many remain."""
    return _pop(step, JOURNAL)


def pop_undone(step: _Step) -> tuple[dict[str, Any] | None, int]:
    """Take the newest undone entry off (None when there is none) and how many remain."""
    return _pop(step, UNDONE)


def has_undone(twin: Twin, user_id: str, conversation_id: str) -> bool:
    """Whether an undo of this conversation waits to be taken back (by ``redo``)."""
    return bool(_entries(twin.get_dialogue(user_id, conversation_id), UNDONE))


def journal_size(step: _Step) -> int:
    state = step.twin.get_dialogue(step.user_id, step.conversation_id)
    return len(_entries(state, JOURNAL))


def record_simulation(
    step: _Step, summary: dict[str, Any], analysis: dict[str, Any] | None = None
) -> None:
    """Remember a simulation (and, in the same write, it as the last analysis: see
    :func:`analysis_record`)."""

    def change(state: dict[str, Any]) -> None:
        state[SIMULATIONS] = [*_entries(state, SIMULATIONS), summary][-MAX_SIMULATIONS:]
        if analysis is not None:
            _remember_analysis(state, analysis)

    step.twin.update_dialogue(step.user_id, step.conversation_id, change)


def simulations(step: _Step) -> list[dict[str, Any]]:
    """The conversation's recorded simulations, oldest first."""
    return _entries(step.twin.get_dialogue(step.user_id, step.conversation_id), SIMULATIONS)


def analysis_record(
    step: _Step,
    *,
    topic: str,
    scope: str,
    findings: Sequence[str],
    node_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """What ``"last_analysis"`` keeps of this step."""
    return {
        "intent": step.intent,
        "topic": topic,
        "scope": scope,
        "findings": list(findings[:_MAX_FINDINGS]),
        "more": max(0, len(findings) - _MAX_FINDINGS),
        "nodeIds": list(dict.fromkeys(node_ids))[:_MAX_FINDINGS],
    }


def record_analysis(
    step: _Step,
    *,
    topic: str,
    scope: str,
    findings: Sequence[str],
    node_ids: Sequence[str] = (),
) -> None:
    """Remember this step as the conversation's last analysis (what "explain" explains)."""
    record = analysis_record(step, topic=topic, scope=scope, findings=findings, node_ids=node_ids)

    def change(state: dict[str, Any]) -> None:
        _remember_analysis(state, record)

    step.twin.update_dialogue(step.user_id, step.conversation_id, change)


def _remember_analysis(state: dict[str, Any], record: dict[str, Any]) -> None:
    state[LAST_ANALYSIS] = record
    state[ANALYSES] = [*_entries(state, ANALYSES), record][-MAX_ANALYSES:]


def last_analysis(step: _Step) -> dict[str, Any] | None:
    value = step.twin.get_dialogue(step.user_id, step.conversation_id).get(LAST_ANALYSIS)
    return value if isinstance(value, dict) else None


def earlier_analysis(step: _Step, last: dict[str, Any], *, first: bool) -> dict[str, Any] | None:
    """The analysis of the same kind as ``last`` that ran before it in this conversation: the
    first such one kept (``first``), else the one just before; None when there is none."""
    state = step.twin.get_dialogue(step.user_id, step.conversation_id)
    before = [a for a in _entries(state, ANALYSES)[:-1] if a.get("intent") == last.get("intent")]
    if not before:
        return None
    return before[0] if first else before[-1]
