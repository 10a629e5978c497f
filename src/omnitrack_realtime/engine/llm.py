"""Optional model backend: classify a request with an OpenAI-compatible chat endpoint.

:class:`LLMIntentClassifier` asks ``POST {OMNITRACK_LLM_URL}/v1/chat/completions`` (model
``OMNITRACK_LLM_MODEL``, bearer key ``OMNITRACK_LLM_KEY``) for JSON ``{"intent", "params"}``
(or ``{"steps": [...]}``) and turns it into the same :class:`~.commands.ParseResult` the rule
parser gives, so actions and validation are the same code whichever understood the words.
It uses the standard library's ``urllib`` (the engine calls it from a worker thread) and never
logs the key. Any failure (no answer, HTTP error, bad JSON, an intent we do not know) makes
:meth:`~LLMIntentClassifier.try_classify` return None: the engine then uses the rule parser.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import OmniTrackError
from .commands import INTENTS, Clarification, Command, NodeRef, ParseResult, Place

__all__ = ["SYSTEM_PROMPT", "LLMIntentClassifier", "LLMUnavailable"]

logger = logging.getLogger(__name__)

_ALL_INTENTS = tuple(intent for group in INTENTS.values() for intent in group)
_NODE_KEYS = ("node", "source", "target")
_INT_KEYS = ("capacity", "inventory", "limit")
_FLOAT_KEYS = ("utilization", "percent", "duration_hours")
_PRONOUNS = ("it", "that", "this", "them", "they", "those", "these", "both")

SYSTEM_PROMPT = (
    "You turn a supply-chain planner's request into JSON for a digital-twin copilot. "
    'Answer with one JSON object only: {"intent": <intent>, "params": {...}}, or for several '
    'steps {"steps": [{"intent": ..., "params": {...}}, ...]} (at most 5), or when the request '
    'is unclear {"intent": "clarification", "question": <a short question>}, or '
    '{"intent": "unknown"}. Intents: ' + ", ".join(_ALL_INTENTS) + ". "
    "Params: place (a city, country or region name), name, capacity (int units), node, "
    "source, target (a node name, id, or 'it'), shipping_method / method "
    "(sea|air|rail|truck|express), status (operational|degraded|disrupted|offline), "
    "inventory (int), utilization (0..1), region (asia-pacific|north-america|europe|"
    "latin-america|middle-east), industry (electronics|automotive|pharmaceuticals|"
    "food-beverage|fashion|chemicals), currency (USD|EUR|GBP|CNY|JPY), level (low|medium|high), "
    "scenario (natural-disaster|supplier-failure|transportation-delay|demand-spike|"
    "quality-issue|geopolitical|cyber-attack|labor-shortage), severity (low|medium|high|"
    "critical), duration_hours (number), percent (number, 50 means +50%), node_type, topic."
)


class LLMUnavailable(OmniTrackError):
    """The model endpoint gave no usable answer; ``reason`` says why (never the key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def _endpoint(url: str) -> str:
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if url.endswith("/v1"):
        return url + "/chat/completions"
    return url + "/v1/chat/completions"


def _safe_url(url: str) -> str:
    """The URL without query string or credentials, for log lines."""
    base = url.split("?", 1)[0]
    if "@" in base:
        scheme, _, rest = base.partition("://")
        base = f"{scheme}://{rest.split('@', 1)[1]}"
    return base


class LLMIntentClassifier:
    """Classify requests with an OpenAI-compatible ``/v1/chat/completions`` endpoint."""

    def __init__(
        self, url: str, model: str, *, key: str | None = None, timeout: float = 10.0
    ) -> None:
        self.url = _endpoint(url)
        self.model = model
        self._key = key
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the key
        return f"LLMIntentClassifier(url={_safe_url(self.url)!r}, model={self.model!r})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMIntentClassifier | None:
        """The classifier ``OMNITRACK_LLM_*`` configure, or None when no URL is set."""
        env = os.environ if environ is None else environ
        url = env.get("OMNITRACK_LLM_URL", "").strip()
        if not url:
            return None
        return cls(
            url,
            env.get("OMNITRACK_LLM_MODEL", "").strip() or "gpt-4o-mini",
            key=env.get("OMNITRACK_LLM_KEY") or None,
        )

    # ------------------------------------------------------------------ HTTP

    def complete(self, text: str, known_names: Sequence[str] = ()) -> dict[str, Any]:
        """Ask the model; return its JSON object (raises :class:`LLMUnavailable`)."""
        user = text
        if known_names:
            user += "\n\nExisting node names: " + "; ".join(known_names[:200])
        body = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user},
            ],
        }
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LLMUnavailable(f"model endpoint answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LLMUnavailable(f"model endpoint unreachable: {type(exc).__name__}") from exc
        except ValueError as exc:
            raise LLMUnavailable("model endpoint sent invalid JSON") from exc
        try:
            content = payload["choices"][0]["message"]["content"]
            return _json_object(content)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise LLMUnavailable("model answer is not the expected JSON object") from exc

    def classify(self, text: str, known_names: Sequence[str] = ()) -> ParseResult:
        """The model's reading of ``text`` (raises :class:`LLMUnavailable`)."""
        return to_parse_result(self.complete(text, known_names), text)

    def try_classify(self, text: str, known_names: Sequence[str] = ()) -> ParseResult | None:
        """Like :meth:`classify`, but None instead of an error, and None for "unknown" (so
        the rule parser gets its chance)."""
        try:
            parsed = self.classify(text, known_names)
        except LLMUnavailable as exc:
            logger.warning("LLM classifier at %s failed: %s", _safe_url(self.url), exc)
            return None
        if not parsed.commands and parsed.clarification is None:
            return None
        return parsed


def _json_object(content: Any) -> dict[str, Any]:
    if not isinstance(content, str):
        raise ValueError("content is not text")
    text = content.strip()
    if text.startswith("```"):  # models like to fence JSON
        text = text.strip("`")
        text = text.removeprefix("json").strip()
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _node_ref(value: Any) -> NodeRef:
    if isinstance(value, Mapping):
        text = str(value.get("text") or value.get("name") or value.get("id") or "")
        kind = value.get("kind", "name")
        if kind not in ("id", "name", "place", "pronoun"):
            kind = "name"
        return NodeRef(text, kind, value.get("node_type"))
    text = str(value).strip()
    if text.lower() in _PRONOUNS:
        return NodeRef(text, "pronoun")
    return NodeRef(text)


def _place(value: Any) -> Place | None:
    from .gazetteer import lookup  # the gazetteer is big: load it only when needed

    return lookup(str(value))


def _command(step: Mapping[str, Any], text: str, confidence: float) -> Command | Clarification:
    intent = str(step.get("intent", "")).strip().lower()
    if intent not in _ALL_INTENTS:
        raise ValueError(f"unknown intent {intent!r}")
    raw = step.get("params") or {}
    if not isinstance(raw, Mapping):
        raise ValueError("params is not an object")
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if key in _NODE_KEYS:
            params[key] = _node_ref(value)
        elif key == "place":
            place = _place(value)
            if place is None:
                return Clarification(
                    f"I don't know where {value} is; name a major city, a country or a region.",
                    intent,
                    confidence,
                    text,
                )
            params[key] = place
        elif key in _INT_KEYS:
            params[key] = int(float(value))
        elif key in _FLOAT_KEYS:
            params[key] = float(value)
        elif key == "method" and intent == "connect-nodes":
            params["shipping_method"] = str(value)
        else:
            params[key] = value
    return Command(intent, params, confidence, text)


def to_parse_result(answer: Mapping[str, Any], text: str) -> ParseResult:
    """Turn the model's JSON into a :class:`ParseResult` (raises :class:`LLMUnavailable` when
    it does not fit the schema)."""
    try:
        confidence = float(answer.get("confidence", 0.9))
        intent = str(answer.get("intent", "")).strip().lower()
        if intent == "clarification":
            question = str(answer.get("question") or "Could you say that differently?")
            return ParseResult(clarification=Clarification(question, None, confidence, text))
        if intent == "unknown":
            return ParseResult()
        steps = answer.get("steps")
        raw_steps = steps if isinstance(steps, list) and steps else [answer]
        commands: list[Command] = []
        for raw in raw_steps[:5]:
            if not isinstance(raw, Mapping):
                raise ValueError("a step is not an object")
            command = _command(raw, text, confidence)
            if isinstance(command, Clarification):
                return ParseResult(clarification=command)
            commands.append(command)
        return ParseResult(tuple(commands), too_many_steps=len(raw_steps) > 5)
    except (TypeError, ValueError) as exc:
        raise LLMUnavailable(f"model answer does not fit the schema: {exc}") from exc
