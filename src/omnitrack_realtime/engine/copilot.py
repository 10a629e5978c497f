"""The supply-chain copilot: understands a turn, acts on the twin, streams the answer.

:class:`SupplyChainEngine` implements :class:`~omnitrack_realtime.seam.CopilotEngine`. One turn
with the rules (the default):

1. understand: the rule parser (:func:`.language.parse`, given the user's node names) reads the
   message into steps: commands, questions about the unclear parts, dialogue acts;
2. the dialogue (:mod:`.dialogue`, state kept in the twin per conversation): a reply to the
   pending question fills it in, "yes" runs what waited for confirmation, a correction redoes
   the change it names, a follow-up reuses the last step;
3. act: each command runs in its own twin transaction (:func:`.actions.execute`); a removal not
   named outright, or a change of several nodes, waits for a yes; after a failure only the
   steps that point back at it wait; the whole turn runs in a worker thread so SQLite never
   blocks the event loop;
4. stream the answer (:mod:`.turn` assembles it) and publish what happened
   (``scenario_progress``, ``digital_twin_update``, ``alert_notification``): the first event
   before the answer starts, the others spread between its parts, all before it ends.

With a model planner (:mod:`.llm`), the model calls the same commands as tools, each through the
same confirmation policy and validation, and the answer streams from its deltas; when the model
is down before anything happened, the rules answer and the metadata says why.

Everything the user can get wrong is an answer with ``actionSuccess: False``; a bug in an
action is logged and answered the same way, and its transaction is rolled back. If the server
stops iterating early (cancel, shutdown), the worker thread still finishes the step it is in
and commits it whole: the twin is never left half-changed.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import itertools
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..seam import (
    AnswerEnd,
    AnswerPart,
    AnswerStart,
    AnswerText,
    Attachment,
    EngineRequest,
    EventPublisher,
    NewAttachment,
    answer_from_text,
    split_tokens,
)
from . import answers, gazetteer, replies, transfer
from .actions import ActionResult, execute, link_ends_spoken, resolve_nodes
from .actions.memory import has_undone
from .commands import (
    ADD_INTENTS,
    ADDED_TYPE,
    CHANGING_INTENTS,
    DEFAULT_NAME_WORD,
    SETTING_OF,
    SIMULATION_INTENTS,
    Act,
    Clarification,
    Command,
    NodeRef,
    ParseResult,
    Place,
    Step,
)
from .dialogue import (
    DESTRUCTIVE_INTENTS,
    DialogueState,
    Pending,
    aliases_said,
    asks_back,
    correct_command,
    depends_on_earlier,
    needs_confirmation,
    node_slot,
    with_aliases,
)
from .language import described_adds
from .language.fragments import (
    Correction,
    read_correction,
    read_reference,
    read_scenario_values,
    suggestions_for,
)
from .language.parser import analysis_asked_after
from .language.vocabulary import _TYPE_RE, _TYPES
from .turn import Turn, TurnOutcome
from .twin import Connection, Location, Node, Twin, twin_status

if TYPE_CHECKING:
    from .llm import LLMIntentClassifier, LLMPlanner

__all__ = ["Parser", "SupplyChainEngine", "TurnOutcome"]

logger = logging.getLogger(__name__)

#: ``parse(text, known_names)``: the language layer's entry point.
Parser = Callable[[str, Sequence[str]], ParseResult]

MAX_STEPS = 10


def _rule_parser(text: str, known_names: Sequence[str]) -> ParseResult:
    from .language import parse  # on first use: keeps `import engine` cheap (it is big)

    return parse(text, known_names=known_names)


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
        planner: LLMPlanner | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.twin = Twin(db_path) if clock is None else Twin(db_path, clock=clock)
        self._parser = parser or _rule_parser
        self._classifier = classifier
        self._planner = planner

    def close(self) -> None:
        self.twin.close()

    #: Alerts a snapshot holds, the newest (the twin keeps up to 1,000).
    SNAPSHOT_ALERTS = 100

    def twin_snapshot(self, user_id: str) -> dict[str, Any]:
        """The user's twin for the web console (:class:`~omnitrack_realtime.seam.TwinView`):
        nodes and connections as events carry them, the newest alerts, the seed's status."""
        twin = self.twin
        return {
            **twin_status(twin.status_counts(user_id), twin.clock()),
            "nodes": [node.to_dict() for node in twin.list_nodes(user_id)],
            "connections": [c.to_dict() for c in twin.list_connections(user_id)],
            "alerts": [a.to_event() for a in twin.list_alerts(user_id, limit=self.SNAPSHOT_ALERTS)],
            "settings": twin.get_settings(user_id).to_dict(),
        }

    async def respond(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        export = transfer.asks_export(request.message)
        if export is not None and not _data_files(request):
            # Read-only and not recorded: run again after a crash, it exports again.
            yield AnswerStart({"intent": transfer.EXPORT_INTENT, "confidence": 0.95})
            text, file = await asyncio.to_thread(self._export, request.user_id, export)
            for token in split_tokens(text):
                yield AnswerText(token)
            suggestions = ("Show the network summary", "Run a supply chain analysis")
            yield AnswerEnd({"actionSuccess": True}, suggestions, attachments=[file])
            return
        if self._planner is not None and request.turn_id is not None:
            recorded = await asyncio.to_thread(self.twin.turn_outcome, request.turn_id)
            if recorded is not None:  # run again after a crash: answer what it did
                async for part in self._answer(request, publisher, TurnOutcome.from_json(recorded)):
                    yield part
                return
        if self._planner is not None:
            async for part in self._recorded(
                request, self._respond_with_model(request, publisher, self._planner)
            ):
                yield part
            return
        outcome = await asyncio.to_thread(self.run_turn, request)
        answer = self._answer(request, publisher, outcome)
        try:
            async for part in answer:
                yield part
        finally:
            # Stopped early (cancel, shutdown): close the answer now, so that it publishes
            # the events it still holds before this turn is over, not when it is collected.
            aclose = getattr(answer, "aclose", None)
            if aclose is not None:
                await aclose()

    async def _recorded(
        self, request: EngineRequest, answer: AsyncIterator[AnswerPart]
    ) -> AsyncIterator[AnswerPart]:
        """``answer`` (the model's, streamed as it is planned), recorded under the turn's id
        before it ends. The model's tool calls commit one by one while it plans, so a crash
        before the end runs the turn again (at least once); after it, the record answers."""
        start: dict[str, Any] = {}
        said: list[str] = []
        async for part in answer:
            if isinstance(part, AnswerStart):
                start = dict(part.metadata)
            elif isinstance(part, AnswerText):
                said.append(part.text)
            elif request.turn_id is not None:
                outcome = TurnOutcome(
                    "".join(said), start, dict(part.metadata), tuple(part.suggestions)
                )
                await asyncio.to_thread(
                    self.twin.record_turn, request.user_id, request.turn_id, outcome.to_json()
                )
            yield part

    async def _answer(
        self, request: EngineRequest, publisher: EventPublisher, outcome: TurnOutcome
    ) -> AsyncIterator[AnswerPart]:
        """Stream the outcome's answer and publish its events while it streams.

        What comes before a simulation's first stage (its ``started``, an earlier step's
        update) is published before the answer starts; the stages and everything after them
        go out spread evenly between the answer's parts (which the server paces), the last
        of them before the answer ends. Same events, same payloads, same order as when they
        were all published up front; a turn stopped early still publishes the rest (the twin
        changed either way)."""
        events = outcome.events
        lead = next(
            (
                index
                for index, (event_type, data) in enumerate(events)
                if event_type == "scenario_progress"
                and isinstance(data, dict)
                and data.get("status") != "started"
            ),
            len(events),
        )
        parts = [
            part
            async for part in answer_from_text(
                outcome.text,
                outcome.start_metadata,
                end_metadata=outcome.end_metadata,
                suggestions=outcome.suggestions,
            )
        ]
        texts = sum(isinstance(part, AnswerText) for part in parts)
        spread = len(events) - lead
        published, publishing = 0, True

        async def publish_until(due: int) -> None:
            nonlocal published, publishing
            while publishing and published < due:
                published += 1  # counted before it is sent: a cancel never sends it twice
                event = events[published - 1 : published]
                later = len(events) - published
                publishing = await self._publish(request, publisher, event, later=later)

        await publish_until(lead)
        try:
            seen = 0
            for part in parts:
                if isinstance(part, AnswerEnd):
                    await publish_until(len(events))
                yield part
                if isinstance(part, AnswerText):
                    seen += 1
                    await publish_until(lead + spread * seen // (texts + 1))
        finally:
            await publish_until(len(events))

    async def _publish(
        self,
        request: EngineRequest,
        publisher: EventPublisher,
        events: Sequence[tuple[str, Any]],
        *,
        later: int = 0,
    ) -> bool:
        """Publish ``events`` in order; False once one failed (the rest of them, and the
        ``later`` events of the turn the caller holds, are then skipped)."""
        for index, (event_type, data) in enumerate(events):
            try:
                await publisher.publish(request.user_id, event_type, data)
            except Exception:
                # A lost event must not lose the answer, nor delay it once per event (each
                # attempt may last the backplane's whole timeout): the rest are skipped.
                logger.warning(
                    "could not publish %s; skipped %d more event(s) of this turn",
                    event_type,
                    len(events) - index - 1 + later,
                    exc_info=True,
                )
                return False
        return True

    # ------------------------------------------------------------------ the model path

    async def _respond_with_model(
        self, request: EngineRequest, publisher: EventPublisher, planner: LLMPlanner
    ) -> AsyncIterator[AnswerPart]:
        """The model plans the turn with the engine's commands as tools; each tool call goes
        through the same validation and confirmation policy as the rules' steps, and the
        answer streams from the model's deltas. On a failure before anything was said or
        done, the rules answer the turn instead and the metadata says why."""
        from .llm import LLMUnavailable, ToolResult

        loop = asyncio.get_running_loop()
        deltas: asyncio.Queue[str] = asyncio.Queue()
        events: list[tuple[str, Any]] = []
        mentioned: list[str] = []
        user, conversation = request.user_id, request.conversation_id
        state = DialogueState.from_json(self.twin.get_dialogue(user, conversation))
        if state.pending is not None and state.pending.kind == "confirmation":
            # "yes" / "no" to a confirmation the model asked for: the engine runs exactly
            # what was confirmed (nodes by id), as for the rules.
            reply = self._parser(request.message, ()).ordered()
            if len(reply) == 1 and isinstance(reply[0], Act) and reply[0].kind in ("yes", "no"):
                outcome = await asyncio.to_thread(self.run_turn, request)
                async for part in self._answer(request, publisher, outcome):
                    yield part
                return
        state.pending = None

        def execute(command: Command) -> str:
            confirm = self._confirmation(request, command)
            if confirm is not None:
                question, resolved = confirm
                state.pending = Pending("confirmation", question, command.intent, "", resolved)
                return ToolResult(
                    f"not run: needs the user's confirmation; ask them: {question}", success=False
                )
            turn = Turn()
            prepared = self._prepare(request, command, turn)
            if prepared is None:
                return ToolResult(turn.parts[-1].answer.text, success=False)
            result = self._execute(prepared, request, mentioned)
            mentioned.extend(i for i in result.mentioned if i not in mentioned)
            events.extend(self._events(request, result))
            if result.success and prepared.intent in CHANGING_INTENTS:
                state.last_command = prepared
            return ToolResult(result.answer.text, success=result.success)

        def on_text(delta: str) -> None:
            loop.call_soon_threadsafe(deltas.put_nowait, delta)

        context = await asyncio.to_thread(self._model_context, user)
        task = asyncio.ensure_future(
            asyncio.to_thread(planner.run, request, context, execute, on_text)
        )
        first = asyncio.ensure_future(deltas.get())
        await asyncio.wait({task, first}, return_when=asyncio.FIRST_COMPLETED)
        failure: LLMUnavailable | None = None
        if task.done() and deltas.empty() and not first.done():
            first.cancel()
            failure = task.exception() if isinstance(task.exception(), LLMUnavailable) else None  # type: ignore[assignment]
            if failure is not None and not failure.streamed and not failure.executed:
                outcome = await asyncio.to_thread(self.run_turn, request)
                end = {**outcome.end_metadata, "planner": "rules", "fallbackReason": failure.reason}
                outcome.end_metadata = end
                async for part in self._answer(request, publisher, outcome):
                    yield part
                return
        yield AnswerStart({"intent": "model", "confidence": 1.0, "planner": "model"})
        if first.done() and not first.cancelled():
            yield AnswerText(first.result())
        else:
            first.cancel()
        while not (task.done() and deltas.empty()):
            getter = asyncio.ensure_future(deltas.get())
            await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield AnswerText(getter.result())
            else:
                getter.cancel()
        metadata: dict[str, Any]
        try:
            plan = task.result()
            executed = plan.executed
            metadata = dict(plan.metadata)
        except LLMUnavailable as exc:
            # What ran is said from the engine's own answers: never claim less or more.
            executed = exc.executed
            metadata = {"planner": "model", "fallbackReason": exc.reason}
            done = "\n\n".join(str(e.result) for e in executed)
            note = "The model stopped before answering"
            yield AnswerText(f"\n\n{done}\n\n({note}.)" if done else f"({note}; nothing was done.)")
        except Exception:
            logger.exception("the model planner failed")
            executed = ()
            metadata = {"planner": "model", "fallbackReason": "internal error"}
            yield AnswerText("Something went wrong on my side while planning that.")
        self.twin.update_dialogue(user, conversation, state.merge_into)
        await self._publish(request, publisher, events)
        executed = tuple(e for e in executed if not str(e.result).startswith("not run"))
        ran: list[dict[str, Any]] = [
            {"intent": e.intent, "actionSuccess": e.success} for e in executed
        ]
        intent = ran[0]["intent"] if len(ran) == 1 else ("multi-step" if ran else "answer")
        if state.pending is not None and not ran:
            intent = "confirmation"
        end = {
            **metadata,
            "intent": intent,
            "actionSuccess": bool(ran) and all(e.success for e in executed),
        }
        if len(ran) > 1:
            end["steps"] = ran
        yield AnswerEnd(end, ())

    def _model_context(self, user_id: str) -> str:
        """A compact view of the user's twin and settings for the model (no other user's)."""
        nodes = self.twin.list_nodes(user_id)
        lines = [
            f"{n.id} | {n.name} | {n.type} | {n.location.city or n.location.country or ''} | "
            f"{n.status} | capacity {n.capacity}"
            for n in nodes[:200]
        ]
        if len(nodes) > 200:
            lines.append(f"... and {len(nodes) - 200} more nodes")
        names = {n.id: n.name for n in nodes}
        links = [
            f"{names.get(c.source, c.source)} {'<->' if c.bidirectional else '->'} "
            f"{names.get(c.target, c.target)}"
            for c in self.twin.list_connections(user_id)[:300]
        ]
        settings = self.twin.get_settings(user_id)
        return "\n".join(
            [
                "Nodes (id | name | type | place | status | capacity):",
                *(lines or ["(none yet)"]),
                "Links:",
                *(links or ["(none)"]),
                f"Settings: {settings.to_dict()}",
            ]
        )

    # ------------------------------------------------------------------ the turn (sync)

    def understand(
        self,
        user_id: str,
        text: str,
        conversation_id: str = "",
        *,
        dialogue: dict[str, Any] | None = None,
    ) -> ParseResult:
        """What the user asked: the model's reading when there is one, else the rules'.
        In a conversation, the user's own words for their nodes ("the bakery") name them
        (``dialogue``: the conversation's state, when the caller has just read it)."""
        names = self.twin.node_names(user_id)
        if conversation_id:
            if dialogue is None:
                dialogue = self.twin.get_dialogue(user_id, conversation_id)
            state = DialogueState.from_json(dialogue)
            if state.aliases:
                text = with_aliases(text, state.aliases, set(names))
        if self._classifier is not None:
            parsed = self._classifier.try_classify(text, names)
            if parsed is not None:
                return parsed
        return self._parser(text, names)

    def run_turn(self, request: EngineRequest) -> TurnOutcome:
        """Understand and act on one turn (blocking: SQLite, maybe HTTP).

        With a ``turn_id``, the whole turn is one twin transaction that also records its
        outcome under that id, and a turn whose outcome is recorded already (run again after
        a crash) answers from that record without acting: its changes happen exactly once.
        """
        if request.turn_id is None:
            # (the conversation's state is read once for both: its JSON is most of a turn's
            # bookkeeping)
            dialogue = self.twin.get_dialogue(request.user_id, request.conversation_id)
            parsed = self.understand(
                request.user_id, request.message, request.conversation_id, dialogue=dialogue
            )
            return self._run_turn(request, parsed, dialogue)
        recorded = self.twin.turn_outcome(request.turn_id)
        if recorded is not None:
            return TurnOutcome.from_json(recorded)
        # Understood before the transaction: a model classifier's HTTP call must not hold the
        # twin's write lock.
        parsed = self.understand(request.user_id, request.message, request.conversation_id)
        with self.twin.transaction(request.user_id):
            recorded = self.twin.turn_outcome(request.turn_id)
            if recorded is not None:  # another process ran it meanwhile
                return TurnOutcome.from_json(recorded)
            outcome = self._run_turn(request, parsed)
            self.twin.record_turn(request.user_id, request.turn_id, outcome.to_json())
        return outcome

    def _run_turn(
        self, request: EngineRequest, parsed: ParseResult, dialogue: dict[str, Any] | None = None
    ) -> TurnOutcome:
        user, conversation = request.user_id, request.conversation_id
        if dialogue is None:
            dialogue = self.twin.get_dialogue(user, conversation)
        state = DialogueState.from_json(dialogue)
        before = state.snapshot()
        steps: list[Step] = list(parsed.ordered())
        pending, state.pending = state.pending, None
        if pending is not None:
            answered = self._answer_pending(pending, steps, request)
            if answered is not None:
                steps = answered
        again = self._same_type_again(request, steps, state)
        if again is not None:
            steps = again
        steps = self._described_before(request, steps)
        if [getattr(s, "intent", None) for s in steps] == ["connect-nodes"]:
            # "Rename Sydney Warehouse to NSW Central." then "and the Melbourne DC to VIC Hub":
            # the same change to another node, not a link to a node called "VIC Hub"
            same = self._same_change(request, request.message, state)
            if same is not None:
                steps = [same]
        if (
            len(steps) == 1
            and isinstance(steps[0], Clarification)
            and _SAME_SCENARIO.search(request.message)
        ):
            # "Same scenario at +35%.": the last simulation again with that value
            rerun = self._follow_up(request.message, state)
            if rerun is not None:
                steps = [rerun]
        steps = [
            self._rerun_named(s, state)
            or self._unclear_follow_up(s, state)
            or self._total_of_listed(s, state)
            or s
            for s in steps
        ]
        steps = self._corrected_in_place(request, steps)
        if not steps:
            rerun_named = self._rerun_named(Act("unknown", request.message), state)
            steps = [rerun_named] if rerun_named is not None else steps
        turn = self._transfer(request, steps, state)
        if turn is None:
            if not steps:
                steps = [Act("unknown", request.message)]
            turn = Turn()
            self._run_steps(request, steps, state, turn)
        # A turn that asked for something and got nothing done (failed or not understood):
        # an "undo" next refers to what the user meant, not to the older change it would hit.
        changed = any(p.success for p in turn.parts if p.label in CHANGING_INTENTS)
        missed = any(
            p.success is False or p.label in ("clarification", "unknown") for p in turn.parts
        )
        state.quiet = missed and not changed
        if parsed.too_many_steps:
            turn.note = (
                f"You asked for more than {MAX_STEPS} steps; I ran at most the first {MAX_STEPS}."
            )
        if state.snapshot() != before:  # most read-only turns change nothing here
            self.twin.update_dialogue(user, conversation, state.merge_into)
        return turn.outcome()

    def _described_before(self, request: EngineRequest, steps: list[Step]) -> list[Step]:
        """ "Please add the mill" after "our flour comes from a mill in York, 20 tonnes a
        week": the add the user's earlier message described, instead of asking where."""
        said = [h.content for h in request.history if h.role == "user"][-2:]
        if not said or not any(_asks_where(s) for s in steps):
            return steps
        names = self.twin.node_names(request.user_id)
        described = [c for text in reversed(said) for c in described_adds(text, known_names=names)]
        out: list[Step] = []
        for step in steps:
            if _asks_where(step):
                assert isinstance(step, Clarification)
                same = [c for c in described if c.intent == step.intent]
                if len(same) == 1:
                    out.append(Command(same[0].intent, same[0].params, 0.8, step.text))
                    continue
            out.append(step)
        return out

    def _same_type_again(
        self, request: EngineRequest, steps: Sequence[Step], state: DialogueState
    ) -> list[Step] | None:
        """ "Put another one in Kalgoorlie" after adding a warehouse last turn: another
        warehouse (the type the conversation added last); None when that is not the case."""
        if any(isinstance(s, Command) for s in steps) or not state.added:
            return None
        said = _ANOTHER_ONE.search(request.message)
        if said is None:
            return None
        word = DEFAULT_NAME_WORD[ADDED_TYPE[state.added[-1][0].intent]].lower()
        said_before = [h.content for h in request.history if h.role == "user"][-1:]
        named = _TYPE_RE.search(said_before[0]) if said_before else None
        if named is not None and named.lastgroup is not None:
            # "Is it worth adding a second plant?" ... "ok add one in Łódź": a plant
            word = DEFAULT_NAME_WORD[named.lastgroup].lower()
        text = (
            f"{request.message[: said.start()]}add another {word} {request.message[said.end() :]}"
        )
        parsed = self._parser(text, self.twin.node_names(request.user_id))
        if not any(isinstance(s, Command) and s.intent in ADDED_TYPE for s in parsed.ordered()):
            return None
        return list(parsed.ordered())

    # ------------------------------------------------------------------ import, export

    def _transfer(
        self, request: EngineRequest, steps: Sequence[Step], state: DialogueState
    ) -> Turn | None:
        """An import's preview (a data file attached with "import ..."), or the import itself
        (its confirmation answered yes); None for any other turn."""
        first = steps[0] if len(steps) == 1 else None
        if isinstance(first, Command) and first.intent == transfer.IMPORT_INTENT:
            return self._apply_import(request, first)
        files = _data_files(request)
        if not files or not transfer.asks_import(request.message):
            return None
        file = files[0]
        plan = transfer.parse_import(
            file.name, file.content_type, file.data, self.twin.node_names(request.user_id)
        )
        question = transfer.preview(plan)
        turn = Turn()
        if plan.empty:
            turn.add("import-data", False, answers.failure(question), confidence=0.95)
            return turn
        command = Command(
            transfer.IMPORT_INTENT,
            {"file": plan.file, "nodes": plan.nodes, "links": plan.links},
            0.95,
            request.message,
        )
        # The file's rows, checked, wait in the confirmation: "yes" applies exactly them.
        state.pending = Pending(
            "confirmation", question, transfer.IMPORT_INTENT, commands=[command]
        )
        turn.add("confirmation", None, answers.Answer(question, ("yes", "no")), confidence=0.95)
        return turn

    def _apply_import(self, request: EngineRequest, command: Command) -> Turn:
        """Add the confirmed rows: part of the turn's one twin transaction, so all or none."""
        user = request.user_id
        changes: list[dict[str, Any]] = []
        turn = Turn()
        with self.twin.transaction():
            ids: dict[str, str] = {n.name.lower(): n.id for n in self.twin.list_nodes(user)}
            for row in command.params.get("nodes", ()):
                place = row["location"]
                node = self.twin.add_node(
                    user,
                    type=row["type"],
                    name=row["name"],
                    location=Location(
                        place.get("city"),
                        place.get("country"),
                        place["region"],
                        float(place["latitude"]),
                        float(place["longitude"]),
                    ),
                    capacity=int(row["capacity"]),
                    status=row["status"],
                    inventory=int(row["inventory"]),
                    utilization=float(row["utilization"]),
                )
                ids[node.name.lower()] = node.id
                changes.append({"change": "node_added", "node": node.to_dict()})
            for row in command.params.get("links", ()):
                connection = Connection(
                    ids[row["source"].lower()],
                    ids[row["target"].lower()],
                    row.get("shippingMethod"),
                    bool(row.get("bidirectional")),
                )
                self.twin.add_connection(user, connection)
                changes.append({"change": "connection_added", "connection": connection.to_dict()})
        nodes = len(command.params.get("nodes", ()))
        links = len(command.params.get("links", ()))
        text = (
            f"Imported **{command.params.get('file', 'the file')}**: added"
            f" {answers.plural(nodes, 'node')} and {answers.plural(links, 'link')}."
        )
        result = ActionResult(
            transfer.IMPORT_INTENT,
            True,
            answers.Answer(text, ("Show the network summary", "Run a supply chain analysis")),
            tuple(changes),
        )
        turn.add(transfer.IMPORT_INTENT, True, result.answer, confidence=0.95)
        turn.events.extend(self._events(request, result))
        return turn

    def _export(self, user_id: str, fmt: str) -> tuple[str, NewAttachment]:
        nodes = self.twin.list_nodes(user_id)
        connections = self.twin.list_connections(user_id)
        name, content_type, data = transfer.export_network(
            [n.to_dict() for n in nodes],
            [c.to_dict() for c in connections],
            {n.id: n.name for n in nodes},
            fmt,
        )
        text = (
            f"Here is your network as **{name}**: {answers.plural(len(nodes), 'node')} and"
            f" {answers.plural(len(connections), 'link')}, in the columns an import reads."
        )
        return text, NewAttachment(name, content_type, data)

    # ------------------------------------------------------------------ dialogue

    def _answer_pending(
        self, pending: Pending, steps: list[Step], request: EngineRequest
    ) -> list[Step] | None:
        """What the reply to a pending question asks for, or None when it is a new request
        (the question is then dropped)."""
        act = steps[0].kind if len(steps) == 1 and isinstance(steps[0], Act) else None
        if act == "out-of-scope" and pending.kind == "confirmation":
            act = "no" if _LEADING_NO.match(request.message) else act
        elif act in (None, "correction") and pending.kind == "confirmation":
            # "No, hold off, the board hasn't signed it off yet": the answer comes first, the
            # reason after; a reply that asks something new is not an answer. ("Hmm, actually
            # no, keep it" reads as a correction, but to a yes/no question it is the no; so is
            # "No, hold on, keep it, we're still negotiating with them", whose reason reads as
            # something the copilot cannot do.)
            asks = any(isinstance(s, Command) for s in steps)
            if _LEADING_NO.match(request.message):
                act = "no"
            elif _LEADING_YES.match(request.message) and not asks:
                act = "yes"
            elif _LEADING_YES.match(request.message):
                # "Yes. And record the Bandung supplier as offline.": the yes, then a request
                rest = [
                    s
                    for s in steps
                    if not (isinstance(s, Act) and s.kind in ("yes", "smalltalk"))
                    # ("Yes, you can remove it.": the yes said again as the request)
                    and not (isinstance(s, Command) and _restates(s, pending))
                ]
                return [*pending.commands, *rest]
        if act in ("no", "cancelled"):
            return [Act("cancelled", request.message, _READ_AS.sub("", pending.question))]
        if pending.kind == "confirmation":
            return list(pending.commands) if act == "yes" else None
        if act == "yes" and pending.commands:
            return [*pending.commands, *pending.then]
        names = self.twin.node_names(request.user_id)
        words = len(request.message.split())
        # A reply that is a request of its own ("bottlenecks?", "summary", "book a truck")
        # drops the question; a bare place or node ("penang", "the Rotterdam one") answers it.
        own = any(isinstance(s, Command) and s.intent != "get-node-details" for s in steps)
        own = own or any(
            isinstance(s, Act) and s.kind in ("out-of-scope", "smalltalk", "correction")
            for s in steps
        )
        if own or words > 8:
            return None
        if pending.commands and pending.slot is not None:
            waiting = pending.commands[0]
            old = waiting.params.get(pending.slot)
            node_type = old.node_type if isinstance(old, NodeRef) else None
            ref = read_reference(request.message, known_names=names, node_type=node_type)
            if ref is not None:
                params = {**waiting.params, pending.slot: ref}
                filled = Command(waiting.intent, params, waiting.confidence, waiting.text)
                return [filled, *pending.commands[1:], *pending.then]
        if not pending.text:
            return None
        if words > 4:
            return None  # a longer reply nobody understood is not the missing detail
        reply = request.message.strip().rstrip(".!?")
        before = self._parser(pending.text, names).commands
        for joined in (f"{pending.text} {reply}", f"{pending.text} in {reply}"):
            parsed = self._parser(joined, names)
            found = parsed.commands
            if (
                found
                and parsed.clarification is None
                and (pending.intent is None or found[0].intent == pending.intent)
                and [c.params for c in found] != [c.params for c in before]  # the reply added
            ):
                return [*parsed.ordered(), *pending.commands[1:], *pending.then]
        return None

    def _run_steps(
        self, request: EngineRequest, steps: Sequence[Step], state: DialogueState, turn: Turn
    ) -> None:
        mentioned: list[str] = []  # the nodes of this turn's steps so far: "them"
        subject: str | None = None  # the node this turn added last: what "it" goes on meaning
        named_last: str | None = None  # the node named last after it: what "that one" means
        waiting: set[int] = set()  # steps kept for after a question's answer
        that_one = self._that_one_at_start(request, state)
        # (read only when a step says "that warehouse": one query less on every other turn)
        talked_at_start = (
            self.twin.get_context(request.user_id, request.conversation_id)
            if any(isinstance(s, Command) and _typed_pointer_keys(s) for s in steps)
            else ()
        )
        for index, step in enumerate(steps):
            if index in waiting:
                continue
            if turn.stopped or (
                turn.failed and isinstance(step, Command) and depends_on_earlier(step)
            ):
                # After a confirmation everything waits; after a failure, what points back at
                # it ("..., then connect it to ...") does not run, and the rest does.
                if isinstance(step, Command):
                    turn.not_run.append(step)
                continue
            narrowed = (
                self._narrow(step.text, state)
                if isinstance(step, Clarification)
                and state.last_step is not None
                and state.last_step.intent == "list-nodes"
                else None
            )
            if narrowed is not None:
                # "Now just the degraded ones." after a list: that list, filtered (not a
                # status change with its node left out)
                step = narrowed
            if isinstance(step, Clarification):
                answer = answers.clarification(step.question, step.intent)
                turn.add("clarification", None, answer, confidence=step.confidence)
                # The question about a request ("where should the store be?") is the one a
                # bare reply answers, not one about words nobody understood.
                if state.pending is None or (state.pending.intent is None and step.intent):
                    offered = [step.proposal] if step.proposal is not None else []
                    then = _links_of_the_new_node(step, steps[index + 1 :])
                    waiting.update(range(index + 1, index + 1 + len(then)))
                    state.pending = Pending(
                        "clarification", step.question, step.intent, step.text, offered, then=then
                    )
                continue
            if isinstance(step, Act):
                self._act(request, step, state, turn, mentioned)
                continue
            if _compares_what_was_just_run(step, state):
                # "compare those two" right after two simulations: the simulations ("all
                # three": the last three).
                counted = re.search(r"\b(?:all|the)\s(?P<n>three|four|five)\b", step.text, re.I)
                params: dict[str, Any] = (
                    {"count": _COUNTED[counted.group("n").lower()]} if counted else {}
                )
                which = _runs_named(step)
                if which is not None:
                    params = {"which": which}  # "compare it with the first one": that run
                step = Command("compare-simulations", params, step.confidence, step.text)
            if (
                step.intent == "compare-simulations"
                and not step.params
                and turn.parts
                and turn.parts[-1].label == "compare-simulations"
            ):
                continue  # "Compare those two. Which one hurts more?": one comparison
            if (
                step.intent == "undo"
                and _WANTS_BACK.search(step.text)
                and has_undone(self.twin, request.user_id, request.conversation_id)
            ):
                # "undo" then "actually revert that, I do want the warehouse": the undo taken back
                step = Command("redo", {}, step.confidence, step.text)
            said = step
            if that_one is not None:
                step = _pinned_that_one(step, that_one)
            step = self._pinned_typed_pointer(request, step, talked_at_start)
            command = self._prepare(request, step, turn)
            if command is None:
                continue
            # ("Remove that one.": pinned to a node by id, but not named outright)
            confirm = self._confirmation(request, command, pointed=step is not said)
            if confirm is not None:
                question, resolved = confirm
                later = [s for s in steps[index + 1 :] if isinstance(s, Command)]
                state.pending = Pending(
                    "confirmation", question, command.intent, step.text, [*resolved, *later]
                )
                turn.add("confirmation", None, answers.Answer(question, ("yes", "no")))
                turn.stopped = True
                turn.waiting = len(later)
                break
            fanned = self._fan_out_link(request, command, state)
            if command.params.get("chain"):
                self._run_chain(request, command, state, turn, mentioned)
            elif fanned:
                # "Each one gets a delivery from Leeds": one link (one step) to each of them.
                for link in fanned:
                    linked = self._run_command(request, link, state, turn, mentioned)
                    it_end = _end_said_as_it(command)
                    pinned = link.params.get(it_end) if it_end is not None else None
                    if linked.success and isinstance(pinned, NodeRef) and pinned.kind == "id":
                        # "Connect it to the last two warehouses." then "Also link it to the
                        # biggest warehouse": "it" stays the node talked about
                        subject = pinned.text
            else:
                result = self._run_command(request, command, state, turn, mentioned)
                if result.success and command.intent in ADDED_TYPE and result.mentioned:
                    subject = result.mentioned[-1]
                elif result.success and _linked_it_to_a_named_node(command, result.mentioned):
                    # "Connect it to the last warehouse as well." then "a DC fed by that one":
                    # "it" stays the node talked about, "that one" is the warehouse
                    subject, named_last = result.mentioned[-1], result.mentioned[0]
                elif result.success and subject is not None and list(result.mentioned) == [subject]:
                    # "Connect it to the plant too, and set it to 8,000.": "it" was said last
                    named_last = None
            if subject in mentioned and mentioned[-1] != subject:
                # "add a warehouse in Bangkok, fed by the KL plant, and have it ship to Manila":
                # "it" stays the node this message added, whatever the steps since named;
                # "that one" is the node named last.
                named_last = mentioned[-1]
                mentioned.remove(subject)
                mentioned.append(subject)
                context = self.twin.get_context(request.user_id, request.conversation_id)
                if subject in context and context[-1] != subject:
                    reordered = [i for i in context if i != subject] + [subject]
                    self.twin.set_context(request.user_id, request.conversation_id, reordered)
        if named_last is not None and named_last != subject:
            context = self.twin.get_context(request.user_id, request.conversation_id)
            if named_last in context:
                state.that_one = [named_last, *context]
        self._remember_mentions(request, steps, mentioned)
        if len(turn.added) > 1 or turn.shown:
            state.listed = turn.added if len(turn.added) > 1 else turn.shown

    def _pinned_typed_pointer(
        self, request: EngineRequest, step: Command, talked_at_start: Sequence[str]
    ) -> Command:
        """The step with "that warehouse" made the warehouse talked about as the turn began,
        when the nodes this turn has talked about since hold none ("Add stores in Geelong and
        Ballarat. Both get their stock from that warehouse.")."""
        params = dict(step.params)
        talked_now: list[Node] | None = None
        for key in _typed_pointer_keys(step):
            ref = step.params[key]
            if talked_now is None:
                context = self.twin.get_context(request.user_id, request.conversation_id)
                talked_now = self._nodes(request, context)
            if any(n.type == ref.node_type for n in talked_now):
                continue
            earlier = [n for n in self._nodes(request, talked_at_start) if n.type == ref.node_type]
            if earlier:
                params[key] = NodeRef(earlier[-1].id, "id")
        if params == step.params:
            return step
        return Command(step.intent, params, step.confidence, step.text)

    def _nodes(self, request: EngineRequest, ids: Sequence[str]) -> list[Node]:
        found = (self.twin.get_node(request.user_id, i) for i in ids)
        return [n for n in found if n is not None]

    def _that_one_at_start(self, request: EngineRequest, state: DialogueState) -> str | None:
        """The node "that one" means as the turn begins (see ``that_one`` in the dialogue
        state), while the nodes talked about are still the ones it was said among."""
        if not state.that_one:
            return None
        context = self.twin.get_context(request.user_id, request.conversation_id)
        return state.that_one[0] if state.that_one[1:] == list(context) else None

    def _run_chain(
        self,
        request: EngineRequest,
        command: Command,
        state: DialogueState,
        turn: Turn,
        mentioned: list[str],
    ) -> None:
        """ "Connect them in that order": each of the nodes to the next, as one step."""
        ref = command.params.get("source")
        try:
            nodes = resolve_nodes(
                ref or "them", self.twin, request.user_id, request.conversation_id
            )
        except Exception as exc:
            answer = getattr(exc, "answer", None) or answers.failure(str(exc))
            turn.add(command.intent, False, answer, source=turn.link_group(command))
            turn.failed = True
            return
        params = {k: v for k, v in command.params.items() if k not in ("chain", "source", "target")}
        for a, b in itertools.pairwise(nodes):
            link = Command(
                command.intent,
                {**params, "source": NodeRef(a.id, "id"), "target": NodeRef(b.id, "id")},
                command.confidence,
                command.text,
            )
            self._run_command(request, link, state, turn, mentioned)
            if turn.failed:
                break

    def _run_command(
        self,
        request: EngineRequest,
        command: Command,
        state: DialogueState,
        turn: Turn,
        mentioned: list[str],
        *,
        label: str | None = None,
        group: str = "",
    ) -> ActionResult:
        """Run one command and add its part to the turn; parts with the same ``group`` (a
        chain of links from one clause, the moves of one correction) are one step."""
        if not group and command.intent in ("connect-nodes", "disconnect-nodes"):
            group = turn.link_group(command)
        command = self._among_the_users_sites(request, command)
        command = self._the_users_peso(request, command)
        result = self._execute(command, request, mentioned)
        mentioned += [i for i in result.mentioned if i not in mentioned]
        turn.events += self._events(request, result)
        if command.intent == "connect-nodes" and len(result.mentioned) == 2:
            link = (result.mentioned[0], result.mentioned[1])
            if result.success:
                turn.linked.update((link, link[::-1]))
            elif link in turn.linked:
                # "we are sending the tea to one distributor in Nairobi. Add also him ..., the
                # warehouse is supplying him": the link this turn made, said again
                return result
        if result.success:
            if command.intent in SIMULATION_INTENTS or command.intent == "list-nodes":
                # for "and a milder case, +20%?" and "now just the ones in Asia"
                state.last_step = command
            elif command.intent == "help" and command.params.get("topic"):
                state.last_step = command  # for "Is there one in our network?"
            if command.intent in SIMULATION_INTENTS and command.intent != "compare-simulations":
                state.simulated = [*state.simulated[-4:], command]
            if command.intent == "undo":
                # ("Mark the Porto plant offline.", "undo", then "Actually Porto is 14,000
                # units a month.": the change undone is no longer the one a correction fixes)
                state.last_command = None
            if command.intent in CHANGING_INTENTS and command.intent not in ("undo", "redo"):
                state.last_command = _pinned(command, result.mentioned)
                # (linking the node just added, said as "it", is still adding it: "Add a
                # supplier in Busan, 5,000", "connect it to Rotterdam Warehouse", then "6,000,
                # not 5,000"; "Connect Tilburg to Apeldoorn." names the nodes, a change of them)
                state.adding = (
                    command.intent in ADDED_TYPE
                    or bool(turn.added)
                    or (
                        command.intent == "connect-nodes"
                        and state.adding
                        and _end_said_as_it(command) is not None
                    )
                )
            if command.intent in ADDED_TYPE and result.mentioned:
                state.added = [*state.added[-4:], (command, result.mentioned[-1])]
                turn.added.append(result.mentioned[-1])
                self._remember_aliases(request, command, result.mentioned[-1], state)
            elif command.intent in ("list-nodes", "compare-nodes") and len(result.mentioned) > 1:
                turn.shown = list(result.mentioned)
            setting = SETTING_OF.get(command.intent) or command.params.get("setting")
            if isinstance(setting, str):
                state.last_setting = setting
            turn.add(
                label or command.intent,
                True,
                result.answer,
                confidence=command.confidence,
                source=group,
            )
            return result
        if asks_back(result.answer.text):
            # "Which warehouse: Rotterdam Warehouse or Antwerp Warehouse?": the next reply may
            # be just the node.
            state.pending = Pending(
                "clarification",
                result.answer.text,
                command.intent,
                command.text,
                [command],
                node_slot(command),
            )
            turn.add("clarification", None, result.answer, confidence=command.confidence)
        else:
            turn.add(
                label or command.intent,
                False,
                result.answer,
                confidence=command.confidence,
                source=group,
            )
        turn.failed = True
        return result

    def _act(
        self,
        request: EngineRequest,
        act: Act,
        state: DialogueState,
        turn: Turn,
        mentioned: list[str],
    ) -> None:
        if act.kind == "correction":
            self._correct(request, act, state, turn, mentioned)
        elif act.kind in ("cancelled", "no"):
            turn.add("cancelled", None, replies.cancelled(act.topic or act.text))
        elif act.kind == "yes":
            turn.add(
                "unknown",
                None,
                answers.Answer(
                    "Nothing is waiting for a yes right now. What would you like to do?",
                    ("help", "Show the network summary"),
                ),
            )
        elif act.kind == "smalltalk":
            turn.add("smalltalk", None, replies.smalltalk(act.text))
        elif act.kind == "out-of-scope":
            turn.add("out-of-scope", None, replies.out_of_scope(act.topic))
        else:
            again = (
                self._about_last_setting(request, act.text, state)
                or self._total_of_listed(act, state)
                or self._follow_up(act.text, state)
                or self._narrow(act.text, state)
                or self._one_of_those(act.text, state)
                or self._same_change(request, act.text, state)
                or self._also(request, act.text, state)
            )
            if again is not None:
                self._run_command(request, again, state, turn, mentioned)
            else:
                names = self.twin.node_names(request.user_id)
                offered = suggestions_for(act.text, known_names=names)
                turn.add("unknown", None, replies.unknown(act.text, offered))

    def _also(self, request: EngineRequest, text: str, state: DialogueState) -> Command | None:
        """ "rail too", "and EUR as well": the last change again with this value."""
        if state.last_command is None or not _ALSO.search(text):
            return None
        names = self.twin.node_names(request.user_id)
        if state.last_command.intent in ("connect-nodes", "disconnect-nodes"):
            # "and the factory with the warehouse of Santos also": both ends are new
            verb = "connect" if state.last_command.intent == "connect-nodes" else "disconnect"
            bare = _ALSO.sub(" ", text).strip(" ,.!")
            parsed = self._parser(f"{verb} {bare}", names)
            link = parsed.commands[0] if len(parsed.commands) == 1 else None
            if (
                link is not None
                and link.intent == state.last_command.intent
                and not parsed.clarification
                and all(
                    isinstance(ref, NodeRef) and ref.kind != "pronoun"
                    for ref in (link.params.get("source"), link.params.get("target"))
                )
            ):
                return link
            other = read_reference(bare, known_names=names)
            ends = [
                key
                for key in ("source", "target")
                if getattr(state.last_command.params.get(key), "kind", None) == "ordinal"
            ]
            if other is not None and other.kind == "ordinal" and len(ends) == 1:
                # "The first one feeds it." then "The second one too.": that end is the new one
                return Command(
                    state.last_command.intent,
                    {**state.last_command.params, ends[0]: other},
                    state.last_command.confidence,
                    text,
                )
        return correct_command(state.last_command, read_correction(text, known_names=names))

    def _follow_up(self, text: str, state: DialogueState) -> Command | None:
        """ "And a milder case, +20% for two weeks?": the last simulation again, with the
        values this message gives."""
        last = state.last_step
        if last is None or last.intent not in SIMULATION_INTENTS:
            return None
        if isinstance(last.params.get("node"), NodeRef) and _SAME_FOR.match(text):
            # "Now the same for Manila.": that scenario, on the node named now
            other = read_reference(_SAME_FOR.sub("", text))
            if other is not None:
                return Command(last.intent, {**last.params, "node": other}, last.confidence, text)
        values = read_scenario_values(text)
        if not values:
            return None
        if "percent" in values and last.intent != "what-if-demand-spike":
            values.pop("percent")
        if "place" in values and last.params.get("node") is not None:
            values.pop("place")
        if not values:
            return None
        return Command(last.intent, {**last.params, **values}, last.confidence, text)

    def _total_of_listed(self, step: Step, state: DialogueState) -> Command | None:
        """ "Total capacity of those?" right after a list: the same list, whose answer gives
        the total (not the details of each)."""
        last = state.last_step
        if last is None or last.intent != "list-nodes" or not _TOTAL_OF_THOSE.match(step.text):
            return None
        asked_about = isinstance(step, Command) and step.intent == "get-node-details"
        if not (asked_about or isinstance(step, Act | Clarification)):
            return None
        return Command("list-nodes", dict(last.params), last.confidence, step.text)

    def _unclear_follow_up(self, step: Step, state: DialogueState) -> Command | None:
        """ "and if it's 3 wks? diff the two pls": an unclear part beside others that is the
        last simulation again with a new value."""
        if not isinstance(step, Clarification) or step.intent is not None:
            return None
        if not (
            re.match(r"^\W*(?:and\s|but\s|so\s)?(?:what\s)?if\b", step.text, re.IGNORECASE)
            or _SAME_FOR.match(step.text)  # "And the same for Paarl Supplier. Which ...?"
        ):
            return None
        return self._follow_up(step.text, state)

    def _rerun_named(self, step: Step, state: DialogueState) -> Command | None:
        """ "then rerun the Sakai scenario": the conversation's last simulation about Sakai,
        again (with any value this step changes); None when the step is not that."""
        unread = isinstance(step, Act) and step.kind == "unknown"
        # ("Rerun the Shenzhen scenario with 20 days instead" also reads as a new simulation)
        guessed = isinstance(step, Command) and step.intent in SIMULATION_INTENTS
        if not (isinstance(step, Clarification) or unread or guessed) or not _RERUN.search(
            step.text
        ):
            return None
        said = gazetteer.fold(step.text)
        position = _WHICH_RUN.search(step.text)
        if position is not None and state.simulated:
            # "run the first one again with high severity": the conversation's first what-if
            index = _RUN_POSITION[position.group("which").lower()]
            if -len(state.simulated) <= index < len(state.simulated):
                return _run_again(state.simulated[index], step.text)
        kind = _SCENARIO_KIND.search(step.text)
        if kind is not None:
            # "Run the demand scenario again with the same numbers": the last one of that kind
            wanted = _SCENARIO_KIND_INTENT[kind.lastgroup or ""]
            earlier_of_kind = next(
                (e for e in reversed(state.simulated) if e.intent == wanted), None
            )
            if earlier_of_kind is not None:
                return _run_again(earlier_of_kind, step.text)
        for earlier in reversed(state.simulated):
            about = [earlier.params.get("node"), earlier.params.get("place")]
            words = [v.text if isinstance(v, NodeRef) else getattr(v, "city", None) for v in about]
            # "Run the Easter one again": a name the user gave that scenario
            words += re.findall(r"\b[A-Z][a-z]{3,}\b", earlier.text)[:3]
            for word in (w for w in words if w and w.lower() not in _NOT_A_SCENARIO_NAME):
                first = gazetteer.fold(word).split()[0]
                if re.search(rf"\b{re.escape(first)}\b", said):
                    return _run_again(earlier, step.text)
        return None

    def _same_change(
        self, request: EngineRequest, text: str, state: DialogueState
    ) -> Command | None:
        """ "and the Warsaw one to FC-East-2" right after a rename (or an update): the same
        change, to another node."""
        last = state.last_command
        verb = _SAME_CHANGE_VERB.get(last.intent) if last is not None else None
        elided = _ELIDED_CHANGE.match(text)
        if last is None or verb is None or elided is None:
            return None
        names = self.twin.node_names(request.user_id)
        parsed = self._parser(f"{verb} {elided.group('rest')}", names)
        if len(parsed.commands) == 1 and parsed.commands[0].intent == last.intent:
            return parsed.commands[0]
        return None

    def _fan_out_link(
        self, request: EngineRequest, command: Command, state: DialogueState | None = None
    ) -> list[Command]:
        """A link between one node and "them" (several): one link command per node, by id;
        empty when the command is not such a link."""
        if command.intent != "connect-nodes" or command.params.get("chain"):
            return []
        source, target = command.params.get("source"), command.params.get("target")
        if not (isinstance(source, NodeRef) and isinstance(target, NodeRef)):
            return []
        # "them", "both stores", "all the warehouses", "the last two"
        plural = [k for k, r in (("source", source), ("target", target)) if r.several]
        if len(plural) != 1:
            return []
        try:
            many = resolve_nodes(
                command.params[plural[0]], self.twin, request.user_id, request.conversation_id
            )
        except Exception:
            return []  # the step itself says what is wrong
        if len(many) < 2:
            return []
        single = "target" if plural[0] == "source" else "source"
        other = command.params[single]
        if other.kind == "pronoun":
            # "connect both suppliers to it": "it" is fixed before the first link is made (each
            # link mentions its ends, which would move "it").
            try:
                fixed = resolve_nodes(other, self.twin, request.user_id, request.conversation_id)
            except Exception:
                return []
            other = NodeRef(fixed[-1].id, "id")
        elif other.kind != "id":
            try:
                ends = resolve_nodes(other, self.twin, request.user_id, request.conversation_id)
            except Exception:
                ends = []
            if len(ends) == 1:
                other = NodeRef(ends[0].id, "id")
        if other.kind == "id" and any(n.id == other.text for n in many) and state is not None:
            # "add suppliers in Pune and Chennai", "add a plant", then "both supply the plant":
            # "both" are the nodes added before the one at the other end, not that one
            count = len(many)
            added = [node for _c, node in state.added if node != other.text]
            if len(added) >= count:
                many = [
                    n
                    for n in (self.twin.get_node(request.user_id, i) for i in added[-count:])
                    if n is not None
                ]
        if other.kind == "id":
            many = [n for n in many if n.id != other.text]  # a node is never linked to itself
        if len(many) > 2 and re.search(r"\bboth\b", command.text, re.IGNORECASE):
            # "Both should also get top-ups from Dayton" after two stores were linked to a
            # warehouse: the two of one kind, not every node just mentioned
            pairs = [
                [n for n in many if n.type == kind] for kind in dict.fromkeys(n.type for n in many)
            ]
            many = next((group for group in pairs if len(group) == 2), many[-2:])
        if len(many) < 1:
            return []
        return [
            Command(
                command.intent,
                {**command.params, plural[0]: NodeRef(node.id, "id"), single: other},
                command.confidence,
                command.text,
            )
            for node in many
        ]

    def _remember_aliases(
        self, request: EngineRequest, command: Command, node_id: str, state: DialogueState
    ) -> None:
        place = command.params.get("place")
        node = self.twin.get_node(request.user_id, node_id)
        if isinstance(place, Place) and place.city and node is not None:
            said = aliases_said(request.message, place.city, node.name, node.type)
            state.aliases = {**state.aliases, **said}
            if len(state.aliases) > 20:
                state.aliases = dict(list(state.aliases.items())[-20:])

    def _corrected_in_place(self, request: EngineRequest, steps: list[Step]) -> list[Step]:
        """ "Add a supplier in Lyon, 10,000 units. No wait, not Lyon, Lille.": a correction
        right after the request it corrects, in the same message, changes the request before
        it runs (one add in Lille, not an add in Lyon moved to Lille)."""
        out: list[Step] = []
        for step in steps:
            if isinstance(step, Act) and step.kind == "correction" and out:
                names = self.twin.node_names(request.user_id)
                correction = read_correction(step.text, known_names=names)
                applied = False
                # the latest request of this message it applies to ("Warehouse in Kassel,
                # 8,000 bikes, fed from the plant. Make that 7,000 actually.": the add)
                for at in range(len(out) - 1, -1, -1):
                    before = out[at]
                    if not isinstance(before, Command) or before.intent in (
                        "remove-node",
                        "disconnect-nodes",
                    ):
                        break
                    fixed = correct_command(before, correction)
                    if fixed is not None:
                        out[at], applied = fixed, True
                        break
                if applied:
                    continue
            out.append(step)
        return out

    def _one_of_those(self, text: str, state: DialogueState) -> Command | None:
        """ "Is there one in our network?" after "what does 'bottleneck' mean": the analysis
        that finds what was just explained."""
        last = state.last_step
        if last is None or last.intent != "help":
            return None
        intent = analysis_asked_after(text, str(last.params.get("topic", "")))
        return Command(intent, {}, 0.8, text) if intent is not None else None

    def _narrow(self, text: str, state: DialogueState) -> Command | None:
        """ "Now just the ones in Asia" after a list: the same list with this filter too;
        with no list before, "Only the warehouses in Germany, please." lists those."""
        last = state.last_step
        if not _NARROW.search(text):
            return None
        if last is None or last.intent != "list-nodes":
            if _TYPE_RE.search(text) is None:
                return None  # ("just the ones in Asia": of nothing listed)
            last = Command("list-nodes", {}, 0.8, text)
        added: dict[str, Any] = {}
        # ("Now only the European ones": the adjective read before its noun goes)
        # ("Only the warehouses in Germany, please.": the filter without the courtesy)
        plain = _TRAILING_PLEASE.sub("", text)
        for said in (_NARROW_LEADS.sub(" ", plain), _NARROW_WORDS.sub(" ", plain)):
            parsed = self._parser(f"list nodes {said}", ())
            if len(parsed.commands) == 1 and parsed.commands[0].intent == "list-nodes":
                added = dict(parsed.commands[0].params)
                if added:
                    break
        if not added:
            return None
        kept = dict(last.params)
        if re.search(r"\b(?:sites|nodes|locations|facilities)\b", text, re.IGNORECASE):
            kept.pop("node_type", None)  # "Now just the sites in Europe": of every kind
        said_kind = _TYPE_RE.search(text)
        if said_kind is not None and said_kind.lastgroup and "node_type" not in added:
            added["node_type"] = said_kind.lastgroup  # "Now just the DCs in North America"
        if "place" in added or "places" in added:
            # ("Capacity by region." then "Now just the sites in Norway and Poland": the sites)
            kept.pop("by", None)
        return Command("list-nodes", {**kept, **added}, last.confidence, text)

    def _about_last_setting(
        self, request: EngineRequest, text: str, state: DialogueState
    ) -> Command | None:
        """ "make it medium" right after talking about the risk profile sets that setting."""
        if state.last_setting is None or state.last_setting == "shipping_methods":
            return None
        # ("On second thoughts, high is too aggressive for our lenders; make it medium", "Make
        # it low. We can't carry the cost of a stockout": the clause that says the value)
        clauses = re.split(r"[;,.]\s+", text.strip(" .!?"))
        label = state.last_setting.replace("_", " ")
        wanted = next(i for i, s in SETTING_OF.items() if s == state.last_setting)
        for clause in dict.fromkeys((clauses[-1], clauses[0])):
            value = _IT_TO.sub("", clause).strip(" .!?")
            if not value or len(value.split()) > 3:
                continue
            parsed = self._parser(f"set the {label} to {value}", ())
            if len(parsed.commands) == 1 and parsed.commands[0].intent == wanted:
                return parsed.commands[0]
        return None

    def _correct(
        self,
        request: EngineRequest,
        act: Act,
        state: DialogueState,
        turn: Turn,
        mentioned: list[str],
    ) -> None:
        """ "No wait, Chennai not Mumbai": the change that had Mumbai made again with Chennai.
        The last change is undone and redone; an earlier add ("add a supplier in Mumbai and a
        plant in Basel" ... "Hyderabad not Mumbai") has its node moved and renamed."""
        names = self.twin.node_names(request.user_id)
        correction = read_correction(act.text, known_names=names)
        last = state.last_command
        other = self._other_node_corrected(request, correction, last)
        if other is not None:
            # "Sorry, Arnhem should be degraded after all, not offline" after a change of the
            # Eindhoven plant: Arnhem's status, not a redo of the last change
            fixed = Command("update-node", {"node": NodeRef(other, "id"), **correction.values})
            self._run_command(request, fixed, state, turn, mentioned)
            return
        corrected = correct_command(last, correction) if last else None
        if (
            corrected is not None
            and last is not None
            and correction.replaces is not None
            and correction.replaces.city is not None
            and correction.replaces.city.casefold() not in last.text.casefold()
        ):
            # "Bruges, not Ghent" after other steps: the change that had Ghent, not the last.
            corrected = None
        if (
            corrected is not None
            and last is not None
            and last.intent in ("connect-nodes", "disconnect-nodes")
            and correction.place is not None
            # ("Sorry, the Red Deer one is in Lethbridge, not Red Deer.": the node is named)
            and (correction.replaces is not None or correction.node is not None)
            and any(correct_command(command, correction) for command, _node in state.added)
        ):
            # "add the warehouse, is in São Paulo. The factory send to it." then "the
            # warehouse is not in São Paulo, is in Campinas": the place was the new node's
            # (it moves; the link follows it), not the link's
            corrected = None
        if (
            corrected is not None
            and last is not None
            and correction.replaces_capacity is not None
            and last.params.get("capacity") != correction.replaces_capacity
        ):
            # "Charlotte is 150,000 not 120,000" when the last change was no 120,000: not that
            # change (undoing it removed a node the user wanted)
            corrected = None
        if (
            correction.node is not None
            and correction.capacity is not None
            and correction.place is None
            and (
                last is None
                or last.intent != "update-node"
                # ("Actually the Valencia warehouse is 18,000, not 20,000." after a change of
                # another node)
                or not _same_ref(last.params.get("node"), correction.node)
            )
        ):
            # "Actually Duisburg is 5,000 tonnes a month": that node's size, not the last add's
            resized = Command(
                "update-node", {"node": correction.node, "capacity": correction.capacity}
            )
            self._run_command(request, resized, state, turn, mentioned)
            return
        said_wrong = correction.replaces_capacity
        if correction.capacity is not None and said_wrong is not None and correction.node is None:
            # "it should be 25,000 not 20,000": the add that was given 20,000, whichever it was.
            earlier = next(
                (e for e in reversed(state.added) if e[0].params.get("capacity") == said_wrong),
                None,
            )
            if earlier is not None and self.twin.get_node(request.user_id, earlier[1]):
                ref = NodeRef(earlier[1], "id")
                resized = Command("update-node", {"node": ref, "capacity": correction.capacity})
                # (a fix of the add while the user is still adding; after a turn that only
                # linked or changed nodes, a change of the node)
                label = earlier[0].intent if state.adding else "update-node"
                self._run_command(request, resized, state, turn, mentioned, label=label)
                return
        named_type = correction.node_type is not None  # "make the plant 20,000"
        if (
            correction.capacity is not None
            and correction.node_type is None
            and correction.node is None
            and last is not None
            and "capacity" not in last.params
            and state.added
        ):
            # "Actually make that 12k." after "add a fab in Dresden, 10k, feeding Kaohsiung":
            # the size the last change did not have is the newest add's.
            corrected = None
            correction = dataclasses.replace(
                correction, node_type=ADDED_TYPE.get(state.added[-1][0].intent)
            )
        if corrected is None and correction.node_type is not None:
            # "hmm, the plant should be 6000 not 4000": the newest add of that type.
            wanted = ADD_INTENTS[correction.node_type]
            of_type = [e for e in reversed(state.added) if e[0].intent == wanted]
            if correction.replaces is not None:
                # "the first supplier is at Chilaw, not Negombo": the one at Negombo, not the
                # newest supplier
                of_type = [
                    e for e in of_type if correct_command(e[0], correction) is not None
                ] or of_type
            earlier = next(iter(of_type), None)
            if earlier is not None and self.twin.get_node(request.user_id, earlier[1]):
                if correction.place is not None:
                    self._move_added(request, earlier, correction, state, turn, mentioned)
                    return
                if correction.capacity is not None:
                    ref = NodeRef(earlier[1], "id")
                    resized = Command("update-node", {"node": ref, "capacity": correction.capacity})
                    # ("Actually make the plant 20,000" turns after adding it, other changes
                    # since, no wrong value said: a change of the plant, not a fix of its add)
                    fixes_the_add = (
                        not named_type
                        or correction.replaces_capacity is not None
                        or last == earlier[0]
                    )
                    label = earlier[0].intent if fixes_the_add else "update-node"
                    self._run_command(request, resized, state, turn, mentioned, label=label)
                    return
        if corrected is None and correction.replaces is not None:
            earlier = next(
                (
                    (command, node)
                    for command, node in reversed(state.added)
                    if correct_command(command, correction) is not None
                ),
                None,
            )
            if earlier is not None and self.twin.get_node(request.user_id, earlier[1]):
                self._move_added(request, earlier, correction, state, turn, mentioned)
                return
        named_add = (
            self._added_named(request, correction, state)
            if corrected is None and correction.place is not None
            else None
        )
        if named_add is not None:
            # "Sorry, the Red Deer one is in Lethbridge, not Red Deer.": that add, elsewhere
            self._move_added(request, named_add, correction, state, turn, mentioned)
            return
        if (
            corrected is None
            and correction.place is not None
            and correction.replaces is None
            and correction.node is None
            and last is not None
            and last.intent == "connect-nodes"
            and state.added
            and self.twin.get_node(request.user_id, state.added[-1][1])
        ):
            # "Limestone supplier in Choibalsan, to the plant" then "*Erdenet": the place is
            # the new node's, not the link's (the link follows the node)
            self._move_added(request, state.added[-1], correction, state, turn, mentioned)
            return
        if last is None or corrected is None:
            what = "the last change" if last is None else f"the last step ({last.intent})"
            question = f"What should I correct about {what}? Say the new value, e.g. the city."
            turn.add("clarification", None, answers.clarification(question, None))
            return
        undone = self._execute(Command("undo", {}, 1.0, act.text), request, mentioned)
        turn.events += self._events(request, undone)
        if not undone.success:
            turn.add(corrected.intent, False, undone.answer)
            turn.stopped = True
            return
        self._run_command(request, corrected, state, turn, mentioned)

    def _added_named(
        self, request: EngineRequest, correction: Correction, state: DialogueState
    ) -> tuple[Command, str] | None:
        """The conversation's add whose node a correction names, if it names one."""
        if correction.node is None or correction.node.kind != "name":
            return None
        for command, node_id in reversed(state.added):
            node = self.twin.get_node(request.user_id, node_id)
            if node is not None and node.name.casefold() == correction.node.text.casefold():
                return command, node_id
        return None

    def _other_node_corrected(
        self, request: EngineRequest, correction: Correction, last: Command | None
    ) -> str | None:
        """The node a correction of a status names (by name, or by the town of the user's one
        node there) when it is not the node the last change was about."""
        if "status" not in correction.values or correction.replaces is not None:
            return None
        nodes = self.twin.list_nodes(request.user_id)
        if correction.node is not None:
            named = [n for n in nodes if n.name.casefold() == correction.node.text.casefold()]
        elif correction.place is not None and correction.place.city:
            town = correction.place.city.casefold()
            named = [n for n in nodes if (n.location.city or "").casefold() == town]
        else:
            return None
        if len(named) != 1:
            return None
        ref = last.params.get("node") if last is not None else None
        same = isinstance(ref, NodeRef) and ref.text in (named[0].id, named[0].name)
        if last is not None and last.intent == "update-node" and same:
            return None  # the last change was that node's: the correction redoes it
        return named[0].id

    def _move_added(
        self,
        request: EngineRequest,
        added: tuple[Command, str],
        correction: Correction,
        state: DialogueState,
        turn: Turn,
        mentioned: list[str],
    ) -> None:
        command, node_id = added
        node = self.twin.get_node(request.user_id, node_id)
        assert node is not None and correction.place is not None
        ref = NodeRef(node_id, "id")
        moved = Command("update-node", {"node": ref, "place": correction.place}, 1.0)
        group = f"correct {node_id}"
        result = self._run_command(
            request, moved, state, turn, mentioned, label=command.intent, group=group
        )
        suffix = DEFAULT_NAME_WORD[ADDED_TYPE[command.intent]]
        old_place = command.params.get("place")
        default = f"{getattr(old_place, 'city', None)} {suffix}"
        if result.success and correction.place.city and node.name == default:
            name = f"{correction.place.city} {suffix}"
            renamed = Command("rename-node", {"node": ref, "name": name}, 1.0)
            self._run_command(
                request, renamed, state, turn, mentioned, label=command.intent, group=group
            )
        corrected = Command(command.intent, {**command.params, "place": correction.place})
        state.added = [(corrected if n == node_id else c, n) for c, n in state.added]

    def _prepare(self, request: EngineRequest, command: Command, turn: Turn) -> Command | None:
        """The command with relative values made absolute ("double it", "add 2k to its
        capacity"), or None when that failed (the failure is in ``turn``)."""
        factor = command.params.get("capacity_factor")
        delta = command.params.get("capacity_delta")
        points = command.params.get("utilization_delta")
        if factor is None and delta is None and points is None:
            return command
        ref = command.params.get("node")
        if not isinstance(ref, NodeRef):
            return command  # the action says what is missing
        try:
            nodes = resolve_nodes(ref, self.twin, request.user_id, request.conversation_id)
        except Exception as exc:  # the resolver's own failure answer
            answer = getattr(exc, "answer", None) or answers.failure(str(exc))
            turn.add(command.intent, False, answer)
            turn.stopped = True
            return None
        if len(nodes) > 1:
            # "give both warehouses 1,000 more": a change of several nodes, asked first; on
            # "yes" each one's own value is made absolute
            return command
        node = nodes[0]
        params = {
            k: v
            for k, v in command.params.items()
            if k not in ("capacity_factor", "capacity_delta", "utilization_delta")
        }
        params["node"] = NodeRef(node.id, "id")
        if points is not None:
            params["utilization"] = round(min(1.0, max(0.0, node.utilization + float(points))), 4)
        if factor is not None:
            params["capacity"] = max(1, round(node.capacity * float(factor)))
        elif delta is not None:
            params["capacity"] = max(1, round(node.capacity + float(delta)))
        return Command(command.intent, params, command.confidence, command.text)

    def _confirmation(
        self, request: EngineRequest, command: Command, *, pointed: bool = False
    ) -> tuple[str, list[Command]] | None:
        """The yes/no question a destructive or bulk change needs first, with the commands
        (nodes by id) to run on "yes"; None when it may run now. ``pointed``: the command's
        node was said by a pointer the turn pinned ("that one"), so a removal asks first."""
        if command.intent == "undo":
            return self._undo_confirmation(request, command)
        if command.intent not in DESTRUCTIVE_INTENTS and command.intent != "update-node":
            return None
        ref = command.params.get("node")
        if not isinstance(ref, NodeRef):
            return None
        try:
            nodes = resolve_nodes(ref, self.twin, request.user_id, request.conversation_id)
        except Exception:
            return None  # the step itself says what is wrong
        names = [n.name for n in self.twin.list_nodes(request.user_id)]
        if not (
            needs_confirmation(command, names, len(nodes))
            or (pointed and command.intent == "remove-node")
        ):
            return None
        resolved = [
            Command(
                command.intent,
                {**command.params, "node": NodeRef(n.id, "id")},
                command.confidence,
                command.text,
            )
            for n in nodes
        ]
        connections = self.twin.list_connections(request.user_id)
        if command.intent == "remove-node" and len(nodes) > 6:
            # "remove everything": the count, a few names, and every link that goes with them
            ids = {n.id for n in nodes}
            links = sum(1 for c in connections if c.source in ids or c.target in ids)
            shown = ", ".join(f"**{n.name}**" for n in nodes[:6])
            question = (
                f"Remove {len(nodes)} nodes ({shown} and {len(nodes) - 6} more) and their "
                f"{answers.plural(links, 'link')}? (yes/no)"
            )
        elif command.intent == "remove-node":
            parts = []
            for node in nodes:
                links = sum(1 for c in connections if c.touches(node.id))
                parts.append(
                    f"**{node.name}** and its {answers.plural(links, 'link')}"
                    if links
                    else f"**{node.name}** (it has no links)"
                )
            question = f"Remove {', '.join(parts)}? (yes/no)"
            if ref.kind == "pronoun" and ref.text.casefold() in _SINGLE_POINTERS and nodes:
                # Say how the pointer was read: when an earlier message was misread, "it" may
                # not be the node the user means, and the name alone is easy to say yes to.
                question = f'By "{ref.text}" I take **{nodes[0].name}**. {question}'
        else:
            shown = ", ".join(f"**{n.name}**" for n in nodes[:6])
            more = f" and {len(nodes) - 6} more" if len(nodes) > 6 else ""
            what = _change_said(command.params)
            question = f"Change {len(nodes)} nodes ({shown}{more}){what}? (yes/no)"
        return question, resolved

    def _undo_confirmation(
        self, request: EngineRequest, command: Command
    ) -> tuple[str, list[Command]] | None:
        """ "undo that" right after a turn that changed nothing would revert an older change
        than the one the user means (the one that did not happen): say which, ask first."""
        data = self.twin.get_dialogue(request.user_id, request.conversation_id)
        if not DialogueState.from_json(data).quiet or command.params.get("confirmed"):
            return None
        journal = data.get("journal", [])
        if not journal:
            return None  # nothing to undo: the step says so
        last = journal[-1]
        what = str(last.get("intent", "change")).replace("-", " ")
        names = [
            str(c.get("node", {}).get("name") or c.get("name") or "")
            for c in last.get("changes", ())
            if isinstance(c, dict)
        ]
        named = ", ".join(f"**{n}**" for n in names if n)
        question = (
            f"The last change I made was {what}{' (' + named + ')' if named else ''}, before your "
            "last message; undo it? (yes/no)"
        )
        confirmed = Command("undo", {**command.params, "confirmed": True}, command.confidence)
        return question, [confirmed]

    def _remember_mentions(
        self, request: EngineRequest, steps: Sequence[Step], mentioned: list[str]
    ) -> None:
        """A turn that changed nothing still moves "it" to the node it named outright ("is
        Lyon Plant ok?" ... "remove it" is Lyon Plant). A turn that named a node the user does
        not have leaves "it" meaning nothing: "mark Jérémie degraded" (no such node) then
        "remove it" must not remove the node talked about before."""
        if mentioned:
            return
        found: list[str] = []
        missing = False
        towns: set[str] | None = None  # the user's towns, read once when a place is named
        for step in steps:
            if not isinstance(step, Command):
                continue
            for value in step.params.values():
                for ref in value if isinstance(value, tuple) else (value,):
                    if isinstance(ref, NodeRef) and ref.kind == "place" and ref.place is not None:
                        if towns is None:
                            towns = {
                                (n.location.city or "").casefold()
                                for n in self.twin.list_nodes(request.user_id)
                            }
                        missing = missing or (ref.place.city or "").casefold() not in towns
                        continue
                    if not isinstance(ref, NodeRef) or ref.kind not in ("name", "id"):
                        continue
                    node = (
                        self.twin.get_node(request.user_id, ref.text)
                        if ref.kind == "id"
                        else self.twin.find_by_name(request.user_id, ref.text)
                    )
                    if node is not None and node.id not in found:
                        found.append(node.id)
                    missing = missing or node is None
        if found or missing:
            self.twin.set_context(request.user_id, request.conversation_id, found)

    def _among_the_users_sites(self, request: EngineRequest, command: Command) -> Command:
        """An add in a town several countries have, said without its country ("our packing
        plant in Hamilton" from a user whose sites are all in New Zealand): the town of that
        name in the country most of the user's sites are in, when it has one."""
        place = command.params.get("place")
        if command.intent not in ADDED_TYPE or not isinstance(place, Place) or not place.city:
            return command
        countries = collections.Counter(
            n.location.country for n in self.twin.list_nodes(request.user_id) if n.location.country
        )
        if not countries or place.country in countries:
            return command
        if place.country and gazetteer.fold(place.country) in gazetteer.fold(command.text):
            return command  # "Hamilton, Canada": said
        home = countries.most_common(1)[0][0]
        there = gazetteer.in_country(place, dataclasses.replace(place, city=None, country=home))
        if there == place or there.country != home:
            return command
        return dataclasses.replace(command, params={**command.params, "place": there})

    def _the_users_peso(self, request: EngineRequest, command: Command) -> Command:
        """ "Kindly change the currency in peso": the peso (or rupee) of the country most of
        the user's sites are in, when it has one; the Mexican peso (Indian rupee) otherwise."""
        said = _BARE_AMBIGUOUS_CURRENCY.search(command.text or "")
        if command.intent != "set-currency" or said is None:
            return command
        countries = collections.Counter(
            n.location.country for n in self.twin.list_nodes(request.user_id)
        )
        word = said.group(1).lower().rstrip("s")
        for country, _count in countries.most_common():
            code = _CURRENCY_BY_COUNTRY[word].get(country or "")
            if code is not None:
                return dataclasses.replace(command, params={**command.params, "currency": code})
        return command

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
                        **twin_status(counts, self.twin.clock()),
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


#: Pointers at one node whose removal question says which node they were read as.
_SINGLE_POINTERS = frozenset({"it", "that", "that one", "this", "this one"})
#: That reading, left out when the question is quoted back ("OK, I won't (...)").
_READ_AS = re.compile(r'^By "[^"]*" I take \*\*[^*]+\*\*\. ')


def _change_said(params: Mapping[str, Any]) -> str:
    """What a change of several nodes will do, for its yes/no question: ": capacity +1,000
    units each"."""
    parts: list[str] = []
    delta, factor = params.get("capacity_delta"), params.get("capacity_factor")
    if isinstance(delta, int | float):
        parts.append(f"capacity {'+' if delta >= 0 else '−'}{abs(delta):,.0f} units each")
    elif isinstance(factor, int | float) and float(factor).is_integer():
        parts.append(f"capacity ×{factor:g} each")
    elif isinstance(factor, int | float):
        parts.append(f"capacity {(factor - 1) * 100:+.0f}% each".replace("-", "−"))
    elif isinstance(params.get("capacity"), int | float):
        parts.append(f"capacity to {params['capacity']:,.0f} units")
    points = params.get("utilization_delta")
    if isinstance(points, int | float):
        parts.append(f"utilization {'+' if points >= 0 else '−'}{abs(points) * 100:g} points each")
    if isinstance(params.get("status"), str):
        parts.append(f"status to {params['status']}")
    return f": {', '.join(parts)}" if parts else ""


def _pinned(command: Command, mentioned: Sequence[str]) -> Command:
    """A link with its pronoun ends replaced by the nodes they meant, so that "the second one
    too" links the same "it" even after other nodes were named."""
    if command.intent not in ("connect-nodes", "disconnect-nodes") or len(mentioned) != 2:
        return command
    params = dict(command.params)
    ends = link_ends_spoken(params, disconnect=command.intent == "disconnect-nodes")
    for key, node_id in zip(ends, mentioned, strict=True):
        ref = params.get(key)
        if isinstance(ref, NodeRef) and ref.kind == "pronoun" and ref.text != "them":
            params[key] = NodeRef(node_id, "id")
    return Command(command.intent, params, command.confidence, command.text)


def _restates(step: Command, pending: Pending) -> bool:
    """Whether ``step`` asks again, by pronoun, for the change a question is waiting on."""
    refs = [v for v in step.params.values() if isinstance(v, NodeRef)]
    return (
        step.intent == pending.intent
        and bool(refs)
        and all(r.kind == "pronoun" and r.node_type is None for r in refs)
        and set(step.params) <= {"node", "source", "target"}
    )


def _end_said_as_it(command: Command) -> str | None:
    """Which end of a link was said as "it" ("source" or "target"), if one was."""
    if command.intent != "connect-nodes":
        return None
    for end in ("source", "target"):
        ref = command.params.get(end)
        if (
            isinstance(ref, NodeRef)
            and ref.kind == "pronoun"
            and ref.node_type is None
            and ref.text.lower() == "it"
        ):
            return end
    return None


def _linked_it_to_a_named_node(command: Command, mentioned: Sequence[str]) -> bool:
    """A link with "it" at one end and a node named outright at the other."""
    end = _end_said_as_it(command)
    if end is None or len(mentioned) != 2:
        return False
    other = command.params.get("target" if end == "source" else "source")
    return isinstance(other, NodeRef) and other.kind != "pronoun"


# a currency word several countries use, said without its country ("in peso", "rupees")
_BARE_AMBIGUOUS_CURRENCY = re.compile(
    r"(?<!mexican\s)(?<!philippine\s)(?<!colombian\s)(?<!chilean\s)(?<!argentine\s)"
    r"(?<!argentinian\s)(?<!indian\s)(?<!pakistani\s)\b(pesos?|rupees?)\b",
    re.IGNORECASE,
)
_CURRENCY_BY_COUNTRY = {
    "peso": {
        "Mexico": "MXN",
        "Philippines": "PHP",
        "Colombia": "COP",
        "Chile": "CLP",
        "Argentina": "ARS",
    },
    "rupee": {"India": "INR", "Pakistan": "PKR"},
}
# "that warehouse", "this plant", "the same DC" (not "the new one", which is the newest)
_DEMONSTRATIVE = re.compile(r"(?:that|this|the\ssame)\s(?!new|newest|latest|last)", re.IGNORECASE)


def _typed_pointer_keys(step: Command) -> list[str]:
    """The params of ``step`` said as "that warehouse", "this plant", "the same DC"."""
    return [
        key
        for key, ref in step.params.items()
        if isinstance(ref, NodeRef)
        and ref.kind == "pronoun"
        and ref.node_type is not None
        and _DEMONSTRATIVE.match(ref.text)
    ]


def _pinned_that_one(step: Command, node_id: str) -> Command:
    """The step with its untyped "that one" made the node it meant when the turn began, so
    that a node this turn adds first ("Add a DC in Mexico City, fed by that one") does not
    move it. "The other one" is the same node then: the one that is not "it"."""
    params = dict(step.params)
    for key, ref in step.params.items():
        if (
            isinstance(ref, NodeRef)
            and ref.kind == "pronoun"
            and ref.node_type is None
            and ref.text.lower() in ("that one", "the other one")
        ):
            params[key] = NodeRef(node_id, "id")
    if params == step.params:
        return step
    return Command(step.intent, params, step.confidence, step.text)


def _data_files(request: EngineRequest) -> list[Attachment]:
    """The request's attachments an import can read (CSV, JSON, text)."""
    return [a for a in request.attachments if a.content_type in transfer.DATA_TYPES]


_LEADING_NO = re.compile(
    r"^\W*(?:(?:hmm+|well|ok|okay|oh|ah|actually|um+|uh+|sorry)\W+)*(?:no|nope|nah|hold\s(?:off|on)|not\s(?:yet|now|today)|don'?t|do\snot|cancel|stop"
    r"|never\s?mind|leave\s(?:it|them)|keep\s(?:it|them)|scratch\s(?:that|it))\b",
    re.IGNORECASE,
)
_LEADING_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|confirmed?|go\sahead|do\sit|ok(?:ay)?,?\s(?:do\sit|go\sahead))\b"
    r"(?!\s*,?\s*but\b)",
    re.IGNORECASE,
)


def _same_ref(a: object, b: object) -> bool:
    return (
        isinstance(a, NodeRef) and isinstance(b, NodeRef) and a.text.casefold() == b.text.casefold()
    )


def _compares_what_was_just_run(step: Step, state: DialogueState) -> bool:
    if not (isinstance(step, Command) and step.intent == "compare-nodes"):
        return False
    if state.last_step is None or state.last_step.intent not in SIMULATION_INTENTS:
        return False
    nodes = step.params.get("nodes") or ()
    return bool(nodes) and (
        all(isinstance(n, NodeRef) and n.kind == "pronoun" for n in nodes)
        or _runs_named(step) is not None
    )


def _runs_named(step: Command) -> tuple[int, ...] | None:
    """The runs "compare it with the first one" names right after a simulation: "it" the
    last, a position without a kind that one; else None."""
    which: list[int] = []
    for node in step.params.get("nodes") or ():
        if not isinstance(node, NodeRef):
            return None
        if node.kind == "pronoun" and node.text in ("it", "that", "this"):
            which.append(-1)
        elif (
            node.kind == "ordinal" and node.node_type is None and re.fullmatch(r"-?\d+", node.text)
        ):
            which.append(int(node.text))
        else:
            return None
    return tuple(which) if len(which) == 2 and any(w != -1 for w in which) else None


_SAME_CHANGE_VERB = {"rename-node": "rename", "update-node": "set"}
_ELIDED_CHANGE = re.compile(r"^\W*(?:and|also|plus|then|same\sfor)\s+(?P<rest>.+?\sto\s.+)$", re.I)


# "now just the ones in Asia", "only those over 20k": a filter on the list just shown.
def _asks_where(step: Step) -> bool:
    """Whether a step asks where a new node should be (its add said no place), for a node
    said as one already known ("the mill", "our supplier"; "a backup supplier" is new)."""
    return (
        isinstance(step, Clarification)
        and step.intent in ADDED_TYPE
        and step.question.startswith("Where should the new")
        and _DEFINITE_TYPE.search(step.text) is not None
    )


_DEFINITE_TYPE = re.compile(
    r"\b(?:the|that|this|our|those|these)\s(?:[\w-]+\s)?(?:" + _TYPES + r")\b",
    re.IGNORECASE,
)


_NOT_A_SCENARIO_NAME = frozenset(
    [
        "what",
        "what's",
        "scenario",
        "simulate",
        "simulation",
        "run",
        "and",
        "now",
        "then",
        "the",
        "suppose",
        "imagine",
    ]
)


def _run_again(earlier: Command, text: str) -> Command:
    """An earlier what-if run again with the values ``text`` changes (not its place)."""
    values = read_scenario_values(text)
    values.pop("place", None)
    return Command(earlier.intent, {**earlier.params, **values}, earlier.confidence, text)


def _links_of_the_new_node(asked: Clarification, later: Sequence[Step]) -> list[Command]:
    """The links said right after an add that waits for its place ("add another wh 10k, fed
    by the mfg"): they point at the new node as "it", so they wait with it."""
    if asked.intent not in ADDED_TYPE:
        return []
    links: list[Command] = []
    for step in later:
        if not (isinstance(step, Command) and step.intent == "connect-nodes"):
            break
        ends = (step.params.get("source"), step.params.get("target"))
        if not any(isinstance(e, NodeRef) and e.kind == "pronoun" and e.text == "it" for e in ends):
            break
        links.append(step)
    return links


_SCENARIO_KIND = re.compile(
    r"\b(?:(?P<demand>demand)|(?P<port>port|closure)|(?P<supplier>supplier\sfailure|failure|supplier))"
    r"\s(?:scenario|simulation|case|one|what[\s-]if|run|test)\b"
    # "Run the port closure again, but 14 days this time": the kind's own name
    r"|\b(?:(?P<demand_named>demand\s(?:spike|surge|peak|jump))|(?P<port_named>port\sclosure)"
    r"|(?P<supplier_named>supplier\sfailure))\b",
    re.IGNORECASE,
)
_SCENARIO_KIND_INTENT = {
    "demand": "what-if-demand-spike",
    "port": "what-if-port-closure",
    "supplier": "what-if-supplier-failure",
}
_SCENARIO_KIND_INTENT |= {f"{kind}_named": intent for kind, intent in _SCENARIO_KIND_INTENT.items()}
_RERUN = re.compile(
    r"\b(?:re-?run|(?:run|try|do)\s(?:\w+\s){0,4}?again|repeat|redo"
    # "Go back to the Foggia case, but only ten days this time"
    r"|(?:go|come)\sback\sto\sthe\s(?:[\w'-]+\s){0,3}?(?:case|scenario|simulation|what[\s-]if|run|one))\b",
    re.IGNORECASE,
)
_WHICH_RUN = re.compile(
    r"\bthe\s(?P<which>first|second|third|fourth|last|previous)\s(?:one|scenario|simulation|run"
    r"|what[\s-]if|sim)\b",
    re.IGNORECASE,
)
_COUNTED = {"three": 3, "four": 4, "five": 5}
_RUN_POSITION = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1, "previous": -1}
_SAME_SCENARIO = re.compile(
    r"\b(?:same|that|this|the\slast)\s(?:scenario|simulation|case|what[\s-]if|one|thing)\b"
    r"|\b(?:again|rerun|re-run)\b",
    re.IGNORECASE,
)
# "Put another one in Kalgoorlie", "one more in Lyon, please", "and a second one at Perth"
_ANOTHER_ONE = re.compile(
    r"(?:\b(?:put|add|create|set\s?up|open|make|build|place|need|want)\s+)?(?:another|one\smore"
    r"|a\ssecond|a\sthird|a\snew)(?:\sone)?(?=\s+(?:in|at|near|out\sof|over\sin)\s)"
    r"|\b(?:put|add|create|set\s?up|open|build|place)(?:\s(?:in|on))?\s+one(?=\s+(?:in|at|near|out\sof"
    r"|over\sin)\s)",
    re.IGNORECASE,
)
_TOTAL_OF_THOSE = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|now)\W+)*(?:what'?s\s|what\sis\s|and\s)?(?:the\s)?(?:total|combined"
    r"|overall|summed)\s(?:capacity|size)?\s?(?:of\s|for\s)(?:those|them|these|the\sones|all\sof\sthem)"
    r"(?:\s\w+)?\W*$",
    re.IGNORECASE,
)
_TRAILING_PLEASE = re.compile(r"[,\s]*\b(?:please|pls|thanks|thank\syou)\W*$", re.I)
_NARROW = re.compile(
    r"^\W*(?:(?:now|and|ok|okay|so|then)\W+)*(?:(?:just|only)\s+)?(?:the\s+)?(?:ones|those|them"
    r"|the\sones)\b|\b(?:just|only)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:ones|those)\b"
    # "Now just the sites in Europe."
    r"|^\W*(?:(?:now|and|ok|okay|so|then)\W+)*(?:just|only)\s+(?:the\s+)?(?:sites|nodes|locations"
    r"|facilities|" + _TYPES + r")\s+(?:in|at|near|with|over|under|above|below|that)\b"
    # "Now just the plants.", "Just the suppliers, with their capacities."
    r"|^\W*(?:(?:now|and|ok|okay|so|then)\W+)*(?:just|only)\s+(?:the\s+)?(?:" + _TYPES + r")"
    r"(?:,?\s+(?:with\s(?:their|its|the)\s[\w\s,&]+|please|pls))?\W*$"
    # "Which of them are degraded?"
    r"|^\W*(?:(?:now|and|ok|okay|so|then)\W+)*(?:which|what)\s(?:ones\s)?of\s(?:them|those|these)\b",
    re.IGNORECASE,
)
# (an "and" inside stays: "Now just the sites in Norway and Poland" is both countries)
_NARROW_LEAD_WORDS = r"^\W*and\b|\b(?:now|ok|okay|so|then|just|only"
_NARROW_LEADS = re.compile(_NARROW_LEAD_WORDS + r")\b", re.I)
_NARROW_WORDS = re.compile(
    _NARROW_LEAD_WORDS + r"|the|ones|those|them|these|which\sof|what\sof)\b", re.I
)

_WANTS_BACK = re.compile(
    r"\b(?:i|we)\s(?:do|still|actually|really)\s(?:want|need)\b|\bwant\s(?:it|that|them|the\s[\w\s]{1,30}?)"
    r"\sback\b|\b(?:keep|bring\sback|restore)\s(?:it|that|them|the\s)"
    # "Actually revert that, Caen really is short on milk": the undo taken back
    r"|^\W*(?:actually|no\swait|wait|hmm+|on\ssecond\sthought)\W+(?:please\s)?(?:revert|undo|reverse)\s(?:that|it)\b",
    re.IGNORECASE,
)
_SAME_FOR = re.compile(
    r"^\W*(?:(?:now|ok|okay|and|then|so)\W+)*(?:(?:do\s|run\s)?the\ssame|same\sthing|same)\s(?:for|with"
    r"|on|at)\s",
    re.IGNORECASE,
)
_ALSO = re.compile(r"\b(?:too|as\swell|also)\b|^\W*(?:and|plus)\s", re.IGNORECASE)
_IT_TO = re.compile(
    r"^\W*(?:(?:ok|okay|then|and|so|actually|please)\W+)*(?:make|set|change|switch|put|turn"
    r"|raise|lower|increase|decrease|bump|drop|move|take)\s(?:it|that|this|them)\s(?:up\s|down\s)?"
    r"(?:to\s|at\s|as\s|into\s)?|\s(?:please|instead|then)\W*$",
    re.IGNORECASE,
)
