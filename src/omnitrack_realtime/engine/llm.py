"""Optional model backend: a tool-calling planner on any OpenAI-compatible chat endpoint.

:class:`LLMPlanner` talks to ``POST {url}/v1/chat/completions`` (OpenAI, vLLM, Ollama,
llama.cpp servers) with ``stream: true`` and one tool per engine intent (:mod:`.tools`). A turn:

1. messages: a system prompt (the copilot's role and rules) with ``context`` (the engine's
   compact text view of the twin and settings), the recent turns of ``request.history``, the
   user's message;
2. the model answers with text, tool calls, or both, streamed as Server-Sent Events; text
   deltas go to ``on_text`` as they arrive, tool-call deltas are put together by index;
3. each tool call becomes a :class:`~.commands.Command` (:func:`.tools.to_command`) and runs
   through ``execute`` (the engine's own validation and confirmation policy), whose short text
   result goes back to the model as the tool's result; a call that does not fit gets the
   error instead, so the model can correct it or ask the user;
4. repeat, at most ``max_rounds`` (4) rounds of tool calls; then the model must answer in
   text (``tool_choice: "none"``).

Configuration (:meth:`LLMConfig.from_env`): ``OMNITRACK_LLM_URL`` (unset: no model),
``OMNITRACK_LLM_MODEL`` (default ``gpt-4o-mini``), ``OMNITRACK_LLM_API_KEY`` (or the older
``OMNITRACK_LLM_KEY``), ``OMNITRACK_LLM_TIMEOUT`` (seconds without a byte from the endpoint,
default 60). The key goes into the ``Authorization`` header only: never into logs, errors,
reprs or metadata. HTTP is the standard library's ``urllib``, blocking: the engine calls the
planner from a worker thread.

How the engine uses it (one turn, in its worker thread)::

    try:
        plan = planner.run(request, context, execute, on_text)
    except LLMUnavailable as exc:
        ...  # exc.reason, exc.streamed, exc.executed: see below
    plan.text, plan.executed, plan.metadata

``execute(command)`` returns the text the model reads; return a :class:`ToolResult` (a
``str`` with ``success``) to say whether it worked. A plain ``str`` counts as a success unless
it starts with "not run" (e.g. "not run: needs the user's confirmation"). Any failure of the
model side (connection refused, HTTP error, timeout, malformed stream, no answer within the
round limit) raises :class:`LLMUnavailable` with a ``reason`` safe to show, ``streamed``
(whether ``on_text`` already got text) and ``executed`` (the commands that already ran: the
engine must not run them again when it falls back to the rule parser).

Compatibility: until the engine calls :meth:`LLMPlanner.run`, it may keep using the planner
where it used the old classifier: :meth:`LLMPlanner.try_classify` asks the model once and
returns its tool calls as a :class:`~.commands.ParseResult` without running anything (None on
any failure: the engine then uses the rule parser). ``LLMIntentClassifier`` is an alias.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigurationError, OmniTrackError
from ..seam import EngineRequest
from .commands import CHANGING_INTENTS, Clarification, Command, ParseResult

__all__ = [
    "SYSTEM_PROMPT",
    "ChatStream",
    "ExecutedCommand",
    "LLMConfig",
    "LLMIntentClassifier",
    "LLMPlanner",
    "LLMUnavailable",
    "PlanResult",
    "SSEDecoder",
    "ToolCall",
    "ToolResult",
]

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
#: How much a step the model asked for is trusted (``Command.confidence``).
MODEL_CONFIDENCE = 0.9
_MAX_LINE = 1 << 20  # one SSE line
_MAX_ANSWER = 8 << 20  # one response, all lines
_MAX_RESULT = 4000  # characters of one tool result the model reads
_MAX_HISTORY = 2000  # characters of one earlier turn
_NO_CONTEXT = "(nothing: the network is empty and the settings are the defaults)"

SYSTEM_PROMPT = """\
You are OmniTrack's supply-chain copilot. You work on the user's digital twin of their supply \
network (suppliers, manufacturers, warehouses, distribution centers, retailers, and the links \
that carry goods between them) through the tools you are given, and nothing else.

Rules:
- Use the tools to read and to change the network. Never claim a change, a number or a result \
that no tool gave you.
- Never invent nodes, ids or values. Point at nodes by the ids or exact names of the network \
below, or 'it' / 'them' for the ones just talked about. When a node, place or value is unclear \
or missing, ask the user one short, specific question instead of guessing.
- Questions only read. Hypotheticals ("what if", "suppose") use the simulation tools, which \
never change the network.
- Removing a node or changing several nodes at once needs the user's yes. When a tool answers \
"not run: needs the user's confirmation", ask the user to confirm and stop there.
- When a tool answers with an error, correct the call once or ask the user; never repeat the \
same call.
- Links carry goods from source to target; make them bidirectional only when the user says so.
- At most 5 changes per message.
- Answer briefly in Markdown: what was done, what was not, and why."""


class ToolResult(str):
    """What ``execute`` tells the model about one command, and whether it worked."""

    success: bool

    def __new__(cls, text: str, *, success: bool = True) -> ToolResult:
        result = super().__new__(cls, text)
        result.success = success
        return result


@dataclass(frozen=True, slots=True)
class ExecutedCommand:
    """A command the planner ran through ``execute``, and what came back."""

    command: Command
    success: bool
    result: str

    @property
    def intent(self) -> str:
        return self.command.intent


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A planned turn: the answer's whole text (everything ``on_text`` got), the commands
    run in order, and metadata ``{"planner": "model", "model": ..., "toolCalls": n}``."""

    text: str
    executed: tuple[ExecutedCommand, ...]
    metadata: Mapping[str, Any]


class LLMUnavailable(OmniTrackError):
    """The model endpoint gave no usable answer; ``reason`` says why (never the key).

    ``streamed``: ``on_text`` already got part of an answer; ``executed``: the commands that
    already ran in this turn (do not run them again).
    """

    def __init__(
        self,
        reason: str,
        *,
        streamed: bool = False,
        executed: tuple[ExecutedCommand, ...] = (),
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.streamed = streamed
        self.executed = executed

    def __str__(self) -> str:
        return self.reason


# ---------------------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMConfig:
    """Where the model is and how to use it.

    ``url``: the server's base URL (``http://host:8000``, ``.../v1``, or the full
    ``.../v1/chat/completions``); ``timeout``: seconds to wait for the next bytes (connect,
    first token, every chunk); ``max_rounds``: rounds of tool calls before the model must
    answer; ``max_changes``: commands that change the twin per turn; ``temperature``: None
    sends none (for models that accept only their default).
    """

    url: str
    model: str = DEFAULT_MODEL
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    max_rounds: int = 4
    max_changes: int = 5
    temperature: float | None = 0.0

    def __post_init__(self) -> None:
        if not self.url.lower().startswith(("http://", "https://")):
            raise ConfigurationError("the model URL must start with http:// or https://")
        if not self.model:
            raise ConfigurationError("the model name is empty")
        if not self.timeout > 0:
            raise ConfigurationError("the model timeout must be a positive number of seconds")
        if self.max_rounds < 1 or self.max_changes < 0:
            raise ConfigurationError("max_rounds must be at least 1 and max_changes not negative")

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        url = self.url.rstrip("/")
        if url.endswith("/chat/completions"):
            return url
        if url.endswith("/v1"):
            return url + "/chat/completions"
        return url + "/v1/chat/completions"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMConfig | None:
        """The configuration ``OMNITRACK_LLM_*`` give, or None when no URL is set."""
        env = os.environ if environ is None else environ
        url = env.get("OMNITRACK_LLM_URL", "").strip()
        if not url:
            return None
        key = env.get("OMNITRACK_LLM_API_KEY", "").strip() or env.get("OMNITRACK_LLM_KEY", "")
        timeout = env.get("OMNITRACK_LLM_TIMEOUT", "").strip()
        try:
            seconds = float(timeout) if timeout else 60.0
        except ValueError:
            raise ConfigurationError("OMNITRACK_LLM_TIMEOUT must be a number of seconds") from None
        return cls(
            url=url,
            model=env.get("OMNITRACK_LLM_MODEL", "").strip() or DEFAULT_MODEL,
            api_key=key.strip() or None,
            timeout=seconds,
        )


def _safe_url(url: str) -> str:
    """The URL without query string or credentials, for log lines."""
    base = url.split("?", 1)[0]
    scheme, sep, rest = base.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host.rsplit('@', 1)[-1]}{slash}{path}"


# ---------------------------------------------------------------------------- the stream (pure)


class SSEDecoder:
    """Server-Sent Events: feed lines, get each event's ``data`` when the event ends.

    Comments (``:``) and fields other than ``data`` are ignored; several ``data`` lines of one
    event are joined with newlines, as the standard says.
    """

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> str | None:
        """One line (with or without its line break); the event's data at a blank line."""
        line = line.rstrip("\r\n")
        if not line:
            return self.flush()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value.removeprefix(" "))
        return None

    def flush(self) -> str | None:
        """The pending event's data (at the end of the stream), else None."""
        if not self._data:
            return None
        data, self._data = "\n".join(self._data), []
        return data


@dataclass(slots=True)
class ToolCall:
    """One tool call the model made (put together from its streamed fragments)."""

    id: str = ""
    name: str = ""
    arguments: str = ""


class StreamError(ValueError):
    """The stream does not carry what an OpenAI-compatible endpoint sends."""


class ChatStream:
    """One chat-completions answer, put together from its chunks.

    :meth:`feed` takes each SSE event's data (a JSON chunk, or ``[DONE]``) and returns the
    text it adds; tool calls accumulate by ``index`` (``id``, ``function.name`` and
    ``function.arguments`` fragments). A whole non-streamed completion can be fed as one
    chunk too (``message`` instead of ``delta``). Raises :class:`StreamError` on anything else.
    """

    def __init__(self) -> None:
        self.text = ""
        self.finish_reason: str | None = None
        self.done = False  # [DONE] seen
        self.error: str | None = None  # what an error event said (may hold anything: log only)
        self._calls: dict[int, ToolCall] = {}

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [self._calls[index] for index in sorted(self._calls)]

    @property
    def complete(self) -> bool:
        """Whether the answer ended properly (``[DONE]`` or a finish reason)."""
        return self.done or self.finish_reason is not None

    def feed(self, data: str) -> str:
        if data.strip() == "[DONE]":
            self.done = True
            return ""
        try:
            chunk = json.loads(data)
        except ValueError:
            raise StreamError("a chunk is not JSON") from None
        if not isinstance(chunk, dict):
            raise StreamError("a chunk is not a JSON object")
        if chunk.get("error"):
            error = chunk["error"]
            self.error = str(error.get("message") if isinstance(error, dict) else error)
            raise StreamError("the endpoint reported an error in the stream")
        choices = chunk.get("choices") or []  # a usage-only chunk has none
        if not isinstance(choices, list):
            raise StreamError("choices is not a list")
        added = ""
        for choice in choices[:1]:
            if not isinstance(choice, dict):
                raise StreamError("a choice is not an object")
            delta = choice.get("delta") or choice.get("message") or {}
            if not isinstance(delta, dict):
                raise StreamError("a delta is not an object")
            content = delta.get("content")
            if isinstance(content, str):
                added += content
            calls = delta.get("tool_calls") or []
            if not isinstance(calls, list):
                raise StreamError("tool_calls is not a list")
            for call in calls:
                self._merge(call)
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])
        self.text += added
        return added

    def _merge(self, fragment: Any) -> None:
        if not isinstance(fragment, dict):
            raise StreamError("a tool call is not an object")
        function = fragment.get("function") or {}
        if not isinstance(function, dict):
            raise StreamError("a tool call's function is not an object")
        call_id = fragment.get("id")
        index = fragment.get("index")
        if not isinstance(index, int):  # servers that send whole calls without an index
            index = self._index_of(call_id, function)
        call = self._calls.setdefault(index, ToolCall())
        if isinstance(call_id, str) and call_id and not call.id:
            call.id = call_id
        name = function.get("name")
        if isinstance(name, str) and name != call.name:  # some servers repeat the whole name
            call.name += name
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # some servers send the object itself
            arguments = json.dumps(arguments)
        if isinstance(arguments, str):
            call.arguments += arguments

    def _index_of(self, call_id: Any, function: dict[str, Any]) -> int:
        """Where a fragment without an index goes: the call with its id, else a new call
        when it names a tool after a call whose arguments are whole, else the last call."""
        if not self._calls:
            return 0
        last = max(self._calls)
        if isinstance(call_id, str) and call_id:
            for index, call in self._calls.items():
                if call.id == call_id:
                    return index
            return last + 1
        if function.get("name") and _is_json_object(self._calls[last].arguments):
            return last + 1
        return last


# ---------------------------------------------------------------------------- the planner


@dataclass(slots=True)
class _Turn:
    """What one planning turn has done so far."""

    request: EngineRequest
    execute: Callable[[Command], str]
    on_text: Callable[[str], None]
    messages: list[dict[str, Any]]
    executed: list[ExecutedCommand] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # everything on_text got
    tool_calls: int = 0
    changes: int = 0
    new_round: bool = False  # text after tool calls starts a new paragraph

    def emit(self, text: str) -> None:
        if not text:
            return
        if self.new_round and self.parts and not self.parts[-1][-1:].isspace():
            text = "\n\n" + text
        self.new_round = False
        self.parts.append(text)
        self.on_text(text)


class LLMPlanner:
    """Plan and run a turn with an OpenAI-compatible chat endpoint and the engine's tools."""

    def __init__(self, config: LLMConfig) -> None:
        from .tools import tool_schemas  # the tools load the gazetteer: only with a model

        self.config = config
        self._tools = tool_schemas()

    def __repr__(self) -> str:  # never the key
        return f"LLMPlanner(url={_safe_url(self.config.endpoint)!r}, model={self.config.model!r})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMPlanner | None:
        """The planner ``OMNITRACK_LLM_*`` configure, or None when no URL is set."""
        config = LLMConfig.from_env(environ)
        return None if config is None else cls(config)

    # ------------------------------------------------------------------ a turn

    def run(
        self,
        request: EngineRequest,
        context: str,
        execute: Callable[[Command], str],
        on_text: Callable[[str], None],
    ) -> PlanResult:
        """Plan ``request`` with the model, run its tool calls through ``execute``, stream the
        answer to ``on_text`` (blocking; raises :class:`LLMUnavailable`).

        An exception from ``execute`` is logged and told to the model as a failed step; one
        from ``on_text`` (the caller's own) ends the turn unchanged.
        """
        turn = _Turn(request, execute, on_text, self._messages(request, context))
        try:
            return self._plan(turn)
        except LLMUnavailable as exc:
            logger.warning(
                "model planner at %s failed after %d tool call(s): %s",
                _safe_url(self.config.endpoint),
                turn.tool_calls,
                exc.reason,
            )
            raise LLMUnavailable(
                exc.reason, streamed=bool(turn.parts), executed=tuple(turn.executed)
            ) from None

    def _plan(self, turn: _Turn) -> PlanResult:
        rounds = self.config.max_rounds
        for number in range(rounds + 1):
            reply = self._complete(turn.messages, "auto" if number < rounds else "none", turn.emit)
            calls = reply.tool_calls
            if not calls:
                if not reply.text.strip():
                    raise LLMUnavailable("the model gave an empty answer")
                return PlanResult(
                    "".join(turn.parts),
                    tuple(turn.executed),
                    {"planner": "model", "model": self.config.model, "toolCalls": turn.tool_calls},
                )
            if number == rounds:
                break
            for index, call in enumerate(calls):
                call.id = call.id or f"call_{number}_{index}"
            turn.messages.append(_assistant_message(reply.text, calls))
            for call in calls:
                result = self._call(turn, call)
                turn.messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
            turn.new_round = True
        raise LLMUnavailable(f"the model gave no answer after {rounds} rounds of tool calls")

    def _call(self, turn: _Turn, call: ToolCall) -> str:
        """Run one tool call; the text the model gets back."""
        from .tools import ToolCallError, to_command

        turn.tool_calls += 1
        try:
            command = to_command(
                call.name, call.arguments, text=turn.request.message, confidence=MODEL_CONFIDENCE
            )
        except ToolCallError as exc:
            logger.info("model tool call refused: %s", exc)
            return f"error: {exc}. Nothing was run; correct the call or ask the user."
        changes = command.intent in CHANGING_INTENTS
        if changes and turn.changes >= self.config.max_changes:
            return (
                f"not run: at most {self.config.max_changes} changes per message; tell the "
                "user which changes were not made."
            )
        try:
            result = turn.execute(command)
        except Exception:
            logger.exception("executing %s for the model failed", command.intent)
            result = ToolResult("failed: an internal error in the engine", success=False)
        success = (
            result.success
            if isinstance(result, ToolResult)
            else not result.lower().startswith("not run")
        )
        turn.executed.append(ExecutedCommand(command, success, str(result)))
        turn.changes += changes
        text = str(result)
        return text if len(text) <= _MAX_RESULT else text[:_MAX_RESULT] + " … (cut)"

    def _messages(self, request: EngineRequest, context: str) -> list[dict[str, Any]]:
        system = f"{SYSTEM_PROMPT}\n\nThe user's network and settings now:\n"
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system + (context.strip() or _NO_CONTEXT)}
        ]
        for turn in request.history:
            if turn.content.strip():
                messages.append({"role": turn.role, "content": turn.content[:_MAX_HISTORY]})
        messages.append({"role": "user", "content": request.message})
        return messages

    # ------------------------------------------------------------------ HTTP

    def _complete(
        self, messages: list[dict[str, Any]], tool_choice: str, on_text: Callable[[str], None]
    ) -> ChatStream:
        """One streamed completion (raises :class:`LLMUnavailable`)."""
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "tools": self._tools,
            "tool_choice": tool_choice,
            "stream": True,
        }
        if self.config.temperature is not None:
            body["temperature"] = self.config.temperature
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        request = urllib.request.Request(
            self.config.endpoint, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        stream = ChatStream()
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                if response.headers.get_content_type() == "application/json":
                    on_text(stream.feed(response.read(_MAX_ANSWER).decode("utf-8")))
                    stream.done = True
                else:
                    self._read_events(response, stream, on_text)
        except urllib.error.HTTPError as exc:
            logger.warning(
                "model endpoint answered HTTP %d: %s", exc.code, self._redact(_excerpt(exc))
            )
            raise LLMUnavailable(f"the model endpoint answered HTTP {exc.code}") from None
        except StreamError as exc:
            if stream.error is not None:
                logger.warning("model endpoint error: %s", self._redact(stream.error[:300]))
            raise LLMUnavailable(f"the model endpoint sent a malformed stream: {exc}") from None
        except UnicodeDecodeError:
            raise LLMUnavailable("the model endpoint sent text that is not UTF-8") from None
        except TimeoutError:
            raise LLMUnavailable(self._timed_out()) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise LLMUnavailable(self._timed_out()) from None
            raise LLMUnavailable(
                f"the model endpoint is unreachable ({type(exc.reason).__name__})"
            ) from None
        except (http.client.HTTPException, OSError) as exc:
            raise LLMUnavailable(
                f"the connection to the model endpoint failed ({type(exc).__name__})"
            ) from None
        if not stream.complete:
            raise LLMUnavailable("the model endpoint's stream ended before the answer did")
        return stream

    @staticmethod
    def _read_events(
        response: http.client.HTTPResponse, stream: ChatStream, on_text: Callable[[str], None]
    ) -> None:
        decoder = SSEDecoder()
        size = 0
        while not stream.done:
            raw = response.readline(_MAX_LINE + 1)
            if not raw:
                break
            size += len(raw)
            if len(raw) > _MAX_LINE or size > _MAX_ANSWER:
                raise StreamError("the answer is too large")
            data = decoder.feed(raw.decode("utf-8"))
            if data is not None:
                on_text(stream.feed(data))
        data = decoder.flush()
        if data is not None:
            on_text(stream.feed(data))

    def _timed_out(self) -> str:
        return f"the model endpoint did not answer within {self.config.timeout:g} s"

    def _redact(self, text: str) -> str:
        key = self.config.api_key
        return text.replace(key, "***") if key else text

    # ------------------------------------------------------------------ compatibility

    def try_classify(self, text: str, known_names: Sequence[str] = ()) -> ParseResult | None:
        """The old classifier's interface: ask the model once and return its tool calls as
        commands, run nothing; a text answer becomes a clarification. None when the model
        fails or a call does not fit (the engine then uses the rule parser)."""
        from .tools import ToolCallError, to_command

        names = "; ".join(known_names[:200])
        context = f"Node names: {names}" if names else ""
        messages = self._messages(EngineRequest("", "", text), context)
        try:
            reply = self._complete(messages, "auto", lambda _: None)
        except LLMUnavailable as exc:
            logger.warning(
                "model planner at %s failed: %s", _safe_url(self.config.endpoint), exc.reason
            )
            return None
        if not reply.tool_calls:
            question = reply.text.strip()
            if not question:
                return None
            return ParseResult(clarification=Clarification(question, None, MODEL_CONFIDENCE, text))
        try:
            commands = tuple(
                to_command(c.name, c.arguments, text=text, confidence=MODEL_CONFIDENCE)
                for c in reply.tool_calls
            )
        except ToolCallError as exc:
            logger.warning("model tool call refused: %s", exc)
            return None
        return ParseResult(commands[:5], too_many_steps=len(commands) > 5)


#: The old name: :class:`SupplyChainEngine`'s ``classifier`` takes a planner.
LLMIntentClassifier = LLMPlanner


def _assistant_message(text: str, calls: Sequence[ToolCall]) -> dict[str, Any]:
    """The model's tool-calling turn, sent back with the tools' results."""
    return {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                # Some servers parse the arguments of earlier turns: send broken ones as {}
                # (the tool's result tells the model what was wrong).
                "function": {
                    "name": call.name,
                    "arguments": call.arguments if _is_json_object(call.arguments) else "{}",
                },
            }
            for call in calls
        ],
    }


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _excerpt(error: urllib.error.HTTPError) -> str:
    """The start of an error response's body, for the log."""
    try:
        return error.read(300).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""
