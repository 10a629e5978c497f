"""What a handler works with and gives back: the step (the twin, the user, the command's
parameters and the user's nodes, loaded once), the :class:`ActionResult` it returns, and
:class:`_Failed`, raised anywhere inside a handler to end the step with a failed answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import answers
from ..answers import Answer
from ..twin import Alert, Node, Twin

__all__ = ["ActionResult", "ScenarioRun"]


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """A simulation that ran: what to report through ``scenario_progress``."""

    scenario_id: str
    kind: str
    stages: tuple[str, ...]
    affected: int


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What one step did. ``changes`` feed ``digital_twin_update``; ``alerts``,
    ``alert_notification``; ``scenario``, ``scenario_progress``."""

    intent: str
    success: bool
    answer: Answer
    changes: tuple[dict[str, Any], ...] = ()
    alerts: tuple[Alert, ...] = ()
    scenario: ScenarioRun | None = None
    mentioned: tuple[str, ...] = ()


class _Failed(Exception):
    """Raised inside a handler to end the step with a failed answer; ``mentioned``, the nodes
    it was about (as in :class:`ActionResult`)."""

    def __init__(
        self, text: str, suggestions: Sequence[str] = (), *, mentioned: Sequence[str] = ()
    ) -> None:
        super().__init__(text)
        self.answer = answers.failure(text, suggestions)
        self.mentioned = tuple(mentioned)


@dataclass(slots=True)
class _Step:
    """One command being executed. ``seqs``: the creation-order positions of the nodes this
    step removed, and ``journal_intent`` the change it stands for when that is not its own
    intent (a redo makes an earlier change again), both for the undo journal (:mod:`.memory`)."""

    twin: Twin
    user_id: str
    conversation_id: str
    intent: str
    params: Mapping[str, Any]
    _nodes: list[Node] | None = None
    seqs: dict[str, int] = field(default_factory=dict)
    journal_intent: str | None = None

    def nodes(self) -> list[Node]:
        if self._nodes is None:
            self._nodes = self.twin.list_nodes(self.user_id)
        return self._nodes

    def require_nodes(self, doing: str) -> list[Node]:
        """The user's nodes; an empty network ends the step with an honest failed answer
        (an analysis of nothing must not read as "all clear")."""
        nodes = self.nodes()
        if not nodes:
            raise _Failed(
                f"Your network is empty (no nodes yet), so there is nothing to {doing}. "
                "Add a few first, e.g. *add a supplier in Shanghai*.",
                ("Add a supplier in Shanghai", "Add a manufacturer in Berlin", "help"),
            )
        return nodes

    def result(
        self,
        answer: Answer,
        *,
        changes: Sequence[dict[str, Any]] = (),
        alerts: Sequence[Alert] = (),
        scenario: ScenarioRun | None = None,
        mentioned: Sequence[str] = (),
    ) -> ActionResult:
        return ActionResult(
            self.intent, True, answer, tuple(changes), tuple(alerts), scenario, tuple(mentioned)
        )


def _change(change: str, **data: Any) -> dict[str, Any]:
    """One entry of a ``digital_twin_update``'s ``changes``: what happened, and to what."""
    return {"change": change, **data}
