"""A tiny stand-in copilot, used by ``omnitrack serve`` when the supply-chain engine is absent.

It understands nothing: it answers ``help`` with what the real copilot can do and echoes
everything else, with the seam's metadata and suggestions, so that a client sees a complete,
realistic turn (and an ``agent_status`` event on ``/ws``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

from ..seam import (
    AnswerPart,
    CopilotEngine,
    EngineRequest,
    EventPublisher,
    answer_from_text,
)

__all__ = ["DemoEngine", "default_engine"]

logger = logging.getLogger("omnitrack_realtime.server")

_HELP = (
    "I am the OmniTrack demo copilot. The full supply-chain engine is not installed here, so I "
    "can only echo what you say. With it, you could ask me to **add a supplier in Asia**, "
    "**connect** two nodes, **scan for anomalies** or **run a simulation**."
)
_SUGGESTIONS = ("Help", "Add a supplier in Asia", "Show the network summary")


class DemoEngine:
    """Echoes the message; ``help`` explains itself. Deterministic, no state."""

    async def respond(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        text = request.message.strip()
        if text.lower() in {"help", "?", "what can you do"}:
            answer, intent, confidence = _HELP, "help", 1.0
        else:
            turns = len(request.history) // 2 + 1
            answer = f"You said: *{text}* (turn {turns} of this conversation)."
            intent, confidence = "unknown", 0.2
        try:
            await publisher.publish(
                request.user_id,
                "agent_status",
                {"agent": "demo", "status": "answering", "conversationId": request.conversation_id},
            )
        except Exception:  # a lost status event (the backplane is away) must not lose the answer
            logger.warning("could not publish the demo copilot's agent_status", exc_info=True)
        async for part in answer_from_text(
            answer,
            {"intent": intent, "confidence": confidence},
            end_metadata={"actionSuccess": intent == "help"},
            suggestions=_SUGGESTIONS,
        ):
            yield part


def default_engine(db_path: Path | str | None = None) -> CopilotEngine:
    """The supply-chain engine when it is installed (``omnitrack_realtime.engine``), else the
    :class:`DemoEngine`."""
    try:
        from ..engine import create_engine

        engine: CopilotEngine = create_engine(":memory:" if db_path is None else db_path)
    except ImportError:  # the engine package (or a part of it) is not there yet
        logger.warning("the supply-chain engine is not available; using the demo engine")
        return DemoEngine()
    return engine
