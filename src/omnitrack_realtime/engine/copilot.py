"""The supply-chain copilot: understands a turn, acts on the twin, streams the answer.

:class:`SupplyChainEngine` implements :class:`~omnitrack_realtime.seam.CopilotEngine`. One turn:

1. understand: the optional model classifier (:mod:`.llm`), else / on failure the rule parser
   (:func:`.language.parse`, given the user's node names);
2. act: run the 1..5 steps in order (:func:`.actions.execute`, one twin transaction each),
   stopping at the first failure; the parse and the steps run in a worker thread so SQLite
   never blocks the event loop;
3. publish what happened (``scenario_progress``, ``digital_twin_update``,
   ``alert_notification``), then stream the answer through :func:`~.seam.answer_from_text`.

Everything the user can get wrong is an answer with ``actionSuccess: False``; a bug in an
action is logged and answered the same way, and its transaction is rolled back. If the server
stops iterating early (cancel, shutdown), the worker thread still finishes the step it is in
and commits it whole: the twin is never left half-changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..seam import AnswerPart, EngineRequest, EventPublisher, answer_from_text
from . import answers
from .actions import ActionResult, execute
from .commands import Command, ParseResult
from .twin import Twin

if TYPE_CHECKING:
    from .llm import LLMIntentClassifier

__all__ = ["Parser", "SupplyChainEngine", "TurnOutcome"]

logger = logging.getLogger(__name__)

#: ``parse(text, known_names)``: the language layer's entry point.
Parser = Callable[[str, Sequence[str]], ParseResult]

MAX_STEPS = 5


def _rule_parser(text: str, known_names: Sequence[str]) -> ParseResult:
    from .language import parse  # on first use: keeps `import engine` cheap (it is big)

    return parse(text, known_names=known_names)


@dataclass(slots=True)
class TurnOutcome:
    """A whole turn, computed: the answer, its metadata, and the events to publish."""

    text: str
    start_metadata: dict[str, Any]
    end_metadata: dict[str, Any]
    suggestions: tuple[str, ...]
    events: list[tuple[str, Any]] = field(default_factory=list)


class SupplyChainEngine:
    """The default copilot engine, on an SQLite twin at ``db_path``.

    ``parser`` replaces the rule parser (tests); ``classifier`` adds the model backend
    (see :mod:`.llm`), tried first with the rule parser as fallback; ``clock`` returns epoch
    milliseconds for the twin.
    """

    def __init__(
        self,
        db_path: str | Path,
        *,
        parser: Parser | None = None,
        classifier: LLMIntentClassifier | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.twin = Twin(db_path) if clock is None else Twin(db_path, clock=clock)
        self._parser = parser or _rule_parser
        self._classifier = classifier

    def close(self) -> None:
        self.twin.close()

    async def respond(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        outcome = await asyncio.to_thread(self.run_turn, request)
        for index, (event_type, data) in enumerate(outcome.events):
            try:
                await publisher.publish(request.user_id, event_type, data)
            except Exception:
                # A lost event must not lose the answer, nor delay it once per event (each
                # attempt may last the backplane's whole timeout): the rest are skipped.
                logger.warning(
                    "could not publish %s; skipped %d more event(s) of this turn",
                    event_type,
                    len(outcome.events) - index - 1,
                    exc_info=True,
                )
                break
        async for part in answer_from_text(
            outcome.text,
            outcome.start_metadata,
            end_metadata=outcome.end_metadata,
            suggestions=outcome.suggestions,
        ):
            yield part

    # ------------------------------------------------------------------ the turn (sync)

    def understand(self, user_id: str, text: str) -> ParseResult:
        """What the user asked: the model's reading when there is one, else the rules'."""
        names = self.twin.node_names(user_id)
        if self._classifier is not None:
            parsed = self._classifier.try_classify(text, names)
            if parsed is not None:
                return parsed
        return self._parser(text, names)

    def run_turn(self, request: EngineRequest) -> TurnOutcome:
        """Understand and act on one turn (blocking: SQLite, maybe HTTP)."""
        parsed = self.understand(request.user_id, request.message)
        if parsed.clarification is not None:
            clarification = parsed.clarification
            answer = answers.clarification(clarification.question, clarification.intent)
            return TurnOutcome(
                answer.text,
                {
                    "intent": clarification.intent or "clarification",
                    "confidence": clarification.confidence,
                },
                {"actionSuccess": False},
                answer.suggestions,
            )
        if not parsed.commands:
            answer = answers.unknown(request.message)
            return TurnOutcome(
                answer.text,
                {"intent": "unknown", "confidence": 0.0},
                {"actionSuccess": False},
                answer.suggestions,
            )
        commands = parsed.commands[:MAX_STEPS]
        outcome = self._run_steps(request, commands)
        if parsed.too_many_steps or len(parsed.commands) > MAX_STEPS:
            outcome.text += (
                f"\n\nYou asked for more than {MAX_STEPS} steps; "
                f"I ran at most the first {MAX_STEPS}."
            )
        return outcome

    def _execute(
        self, command: Command, request: EngineRequest, earlier_mentions: Sequence[str]
    ) -> ActionResult:
        try:
            return execute(
                command,
                self.twin,
                request.user_id,
                request.conversation_id,
                earlier_mentions=earlier_mentions,
            )
        except Exception:
            logger.exception("action %s failed", command.intent)
            return ActionResult(
                command.intent,
                False,
                answers.failure(
                    "Something went wrong on my side while doing that; nothing was changed."
                ),
            )

    def _run_steps(self, request: EngineRequest, commands: Sequence[Command]) -> TurnOutcome:
        results: list[ActionResult] = []
        events: list[tuple[str, Any]] = []
        mentioned: list[str] = []  # the nodes of this turn's steps so far: "them"
        for command in commands:
            result = self._execute(command, request, mentioned)
            mentioned += [i for i in result.mentioned if i not in mentioned]
            results.append(result)
            events += self._events(request, result)
            if not result.success:
                break
        confidence = min(command.confidence for command in commands)
        success = all(result.success for result in results) and len(results) == len(commands)
        if len(commands) == 1:
            result = results[0]
            return TurnOutcome(
                result.answer.text,
                {"intent": result.intent, "confidence": confidence},
                {"actionSuccess": result.success},
                result.answer.suggestions,
                events,
            )
        parts = []
        for number, (command, result) in enumerate(zip(commands, results, strict=False), 1):
            status = "" if result.success else " — failed"
            parts.append(f"**Step {number}: {command.intent}{status}**\n{result.answer.text}")
        if not success:
            skipped = len(commands) - len(results)
            not_run = (
                "; the last step was not run."
                if skipped == 1
                else f"; the last {skipped} steps were not run."
            )
            tail = f"I stopped at step {len(results)} of {len(commands)}" + (
                not_run if skipped else "."
            )
            parts.append(tail)
        steps = [
            {
                "intent": command.intent,
                "actionSuccess": results[i].success if i < len(results) else None,
            }
            for i, command in enumerate(commands)
        ]
        return TurnOutcome(
            "\n\n".join(parts),
            {
                "intent": "multi-step",
                "confidence": confidence,
                "steps": [command.intent for command in commands],
            },
            {"actionSuccess": success, "steps": steps},
            results[-1].answer.suggestions,
            events,
        )

    def _events(self, request: EngineRequest, result: ActionResult) -> list[tuple[str, Any]]:
        events: list[tuple[str, Any]] = []
        if result.scenario is not None:
            run = result.scenario
            total = len(run.stages) + 1
            events.append(
                (
                    "scenario_progress",
                    {
                        "scenarioId": run.scenario_id,
                        "scenario": run.kind,
                        "progress": 0,
                        "status": "started",
                    },
                )
            )
            for index, stage in enumerate(run.stages, 1):
                events.append(
                    (
                        "scenario_progress",
                        {
                            "scenarioId": run.scenario_id,
                            "scenario": run.kind,
                            "progress": round(100 * index / total),
                            "status": "running",
                            "stage": stage,
                        },
                    )
                )
            events.append(
                (
                    "scenario_progress",
                    {
                        "scenarioId": run.scenario_id,
                        "scenario": run.kind,
                        "progress": 100,
                        "status": "completed",
                        "affectedNodes": run.affected,
                    },
                )
            )
        if result.changes:
            counts = self.twin.status_counts(request.user_id)
            events.append(
                (
                    "digital_twin_update",
                    {
                        "intent": result.intent,
                        "changes": list(result.changes),
                        "nodeCounts": counts,
                        "totalNodes": sum(counts.values()),
                        "conversationId": request.conversation_id,
                    },
                )
            )
        for alert in result.alerts:
            events.append(("alert_notification", alert.to_event()))
        return events
