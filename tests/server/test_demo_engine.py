"""The demo copilot (``omnitrack serve`` without the supply-chain engine)."""

from __future__ import annotations

from typing import Any

from omnitrack_realtime.seam import AnswerEnd, AnswerText, EngineRequest
from omnitrack_realtime.server import DemoEngine
from omnitrack_realtime.server.backplane import BackplaneError


class _DownPublisher:
    """The backplane is away (Redis down): every publish fails."""

    async def publish(self, user_id: str, event_type: str, data: Any) -> None:
        raise BackplaneError("cannot publish to Redis channel omnitrack:events")


async def test_an_unpublishable_status_event_does_not_lose_the_answer() -> None:
    parts = [
        part
        async for part in DemoEngine().respond(
            EngineRequest("alice", "c1", "hello"), _DownPublisher()
        )
    ]
    text = "".join(part.text for part in parts if isinstance(part, AnswerText))
    assert "You said: *hello*" in text
    assert isinstance(parts[-1], AnswerEnd)
