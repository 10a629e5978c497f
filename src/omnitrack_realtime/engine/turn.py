"""One turn's answer, assembled from its parts: each step's outcome (a command's answer, a
question, a refusal) under a plain-words title, what was not run and why, and the metadata
(``intent``, ``confidence``, ``steps``, ``actionSuccess``). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import answers
from .commands import Command

__all__ = ["Part", "Turn", "TurnOutcome", "title"]


@dataclass(slots=True)
class TurnOutcome:
    """A whole turn, computed: the answer, its metadata, and the events to publish."""

    text: str
    start_metadata: dict[str, Any]
    end_metadata: dict[str, Any]
    suggestions: tuple[str, ...]
    events: list[tuple[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The outcome as a JSON object (what the twin records under the turn's id)."""
        return {
            "text": self.text,
            "startMetadata": self.start_metadata,
            "endMetadata": self.end_metadata,
            "suggestions": list(self.suggestions),
            "events": [[event_type, data] for event_type, data in self.events],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TurnOutcome:
        return cls(
            text=str(data.get("text", "")),
            start_metadata=dict(data.get("startMetadata") or {}),
            end_metadata=dict(data.get("endMetadata") or {}),
            suggestions=tuple(str(s) for s in data.get("suggestions") or ()),
            events=[(str(event[0]), event[1]) for event in data.get("events") or ()],
        )


#: Outcomes listed in ``metadata.steps`` only when nothing else happened in the turn.
_QUIET = frozenset({"cancelled", "smalltalk"})
_TITLES = {
    "add-supplier": "Added a supplier",
    "add-manufacturer": "Added a manufacturer",
    "add-warehouse": "Added a warehouse",
    "add-distributor": "Added a distribution center",
    "add-retailer": "Added a retailer",
    "remove-node": "Removed a node",
    "update-node": "Updated a node",
    "rename-node": "Renamed a node",
    "connect-nodes": "Connected",
    "disconnect-nodes": "Disconnected",
    "clarification": "A question",
    "confirmation": "Please confirm",
    "out-of-scope": "Not something I can do",
    "unknown": "Not understood",
    "cancelled": "Not done",
}


def title(label: str, success: bool | None) -> str:
    title = _TITLES.get(label) or label.replace("-", " ").capitalize()
    return f"{title} (failed)" if success is False else title


@dataclass(slots=True)
class Part:
    label: str  # the intent, or a dialogue outcome (clarification, cancelled, ...)
    success: bool | None  # None: no command ran
    answer: answers.Answer
    confidence: float
    source: str = ""  # the words of the step


@dataclass(slots=True)
class Turn:
    """What a turn did, part by part, turned into one answer at the end."""

    parts: list[Part] = field(default_factory=list)
    events: list[tuple[str, Any]] = field(default_factory=list)
    not_run: list[Command] = field(default_factory=list)
    stopped: bool = False  # a confirmation holds the rest of the turn
    failed: bool = False  # a step failed: the steps that point back at it do not run
    # the nodes this turn enumerated: those its adds created, or those a list or comparison
    # showed ("the second one", "the first two" next count among them)
    added: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    waiting: int = 0  # commands held with a confirmation
    note: str = ""
    # the links this turn made, (source id, target id): one said again is not a second step
    linked: set[tuple[str, str]] = field(default_factory=set)
    last_link: Command | None = None  # the link step run last, to tell a chain from a fan-out
    link_steps: int = 0

    def link_group(self, command: Command) -> str:
        """The step a link belongs to: "A -> B -> C" is one step (each link starts where the
        last one ended); "both get stock from Berlin" is a step per link."""
        last = self.last_link
        chained = (
            last is not None
            and last.intent == command.intent
            and last.text == command.text
            and last.params.get("target") == command.params.get("source")
        )
        if not chained:
            self.link_steps += 1
        self.last_link = command
        return f"{command.text}\x00{self.link_steps}"

    def add(
        self,
        label: str,
        success: bool | None,
        answer: answers.Answer,
        *,
        confidence: float = 0.9,
        source: str = "",
    ) -> None:
        last = self.parts[-1] if self.parts else None
        if last is not None and source and last.source == source and last.label == label:
            # "A -> B -> C" is one step that makes two links.
            last.answer = answers.Answer(
                f"{last.answer.text}\n{answer.text}", answer.suggestions or last.answer.suggestions
            )
            last.success = bool(last.success) and bool(success)
            return
        self.parts.append(Part(label, success, answer, confidence, source))

    def _listed_parts(self) -> list[Part]:
        """The parts ``metadata.steps`` lists: a refusal or courtesy only when nothing else
        happened, except a thanks or goodbye after the last request ("currency EUR pls. thx!"),
        which is answered in its place (a greeting or thanks opening a message is not)."""
        acted = [i for i, p in enumerate(self.parts) if p.label not in _QUIET]
        if not acted:
            return self.parts
        listed: list[Part] = []
        for i, p in enumerate(self.parts):
            trailing = p.label == "smalltalk" and i > acted[-1]
            if trailing and listed and listed[-1].label == "smalltalk":
                continue  # "end of shift, thanks": one goodbye
            if p.label not in _QUIET or trailing:
                listed.append(p)
        return listed

    def outcome(self) -> TurnOutcome:
        parts = self._listed_parts()
        if len(parts) == 1:
            text = parts[0].answer.text
        else:
            text = "\n\n".join(
                p.answer.text
                if p.label == "smalltalk"
                else f"**{n}. {title(p.label, p.success)}**\n{p.answer.text}"
                for n, p in enumerate(parts, 1)
            )
        if self.not_run:
            skipped = len(self.not_run)
            listed = ", ".join(title(c.intent, None).lower() for c in self.not_run)
            text += (
                f"\n\nNot run: {listed}, because {'it depends' if skipped == 1 else 'they depend'}"
                " on a step that did not work."
            )
        if self.waiting:
            text += f"\n\n{answers.plural(self.waiting, 'later step')} will run after your yes."
        if self.note:
            text += f"\n\n{self.note}"
        labels = [p.label for p in parts] + [c.intent for c in self.not_run]
        ran = [p for p in parts if p.success is not None]
        success = bool(ran) and all(p.success for p in ran) and not self.not_run
        if any(p.label in ("clarification", "confirmation") for p in parts):
            success = success and len(ran) > 0
        steps = [{"intent": p.label, "actionSuccess": bool(p.success)} for p in parts] + [
            {"intent": c.intent, "actionSuccess": None} for c in self.not_run
        ]
        confidence = min((p.confidence for p in parts), default=0.5)
        intent = labels[0] if len(labels) == 1 else "multi-step"
        start: dict[str, Any] = {"intent": intent, "confidence": confidence}
        end: dict[str, Any] = {"actionSuccess": success}
        if len(steps) > 1:  # one step says it all in ``intent``
            start["steps"] = labels
            end["steps"] = steps
        suggestions = next(
            (p.answer.suggestions for p in reversed(parts) if p.answer.suggestions), ()
        )
        return TurnOutcome(text, start, end, tuple(suggestions), self.events)
