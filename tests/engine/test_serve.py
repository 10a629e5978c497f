"""The engine behind ``omnitrack serve`` (a subprocess): English in, a streamed answer out,
and the matching ``/ws`` events (twin updates, simulation progress, alerts) for that user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime import CopilotClient, EventClient
from serve_process import run_omnitrack, serving

SECRET = "engine-e2e-secret-0123456789-0123456789-0123"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """(base URL, a token for alice) of a running ``omnitrack serve``."""
    async with serving(tmp_path, SECRET) as serve:
        code, token, err = await run_omnitrack(serve.env, "token", "--user", "alice")
        assert code == 0, err
        yield serve.url, token.strip()


async def _events_until(stream: AsyncIterator[Any], done: Any, seen: list[tuple[str, Any]]) -> None:
    async for event in stream:
        seen.append((event.type, event.data))
        if done(seen):
            return


async def test_english_to_twin_events_through_serve(server: tuple[str, str]) -> None:
    url, token = server
    async with (
        CopilotClient(f"{url}/copilot", token=token) as copilot,
        EventClient(f"{url}/ws", token=token) as events,
    ):
        stream = events.listen("digital_twin_update", "alert_notification", "scenario_progress")
        seen: list[tuple[str, Any]] = []

        reply = await copilot.ask(
            "add a supplier in Shanghai, then add a factory in Berlin called Berlin Plant "
            "and connect it to the Shanghai supplier",
            timeout=30,
        )
        assert reply.status == "complete"
        assert reply.metadata["intent"] == "multi-step" and reply.metadata["actionSuccess"]
        assert "Connected **Shanghai Supplier** (`sup-1`) → **Berlin Plant**" in reply.content
        await asyncio.wait_for(_events_until(stream, lambda s: len(s) == 3, seen), 30)
        assert [data["intent"] for _, data in seen] == [
            "add-supplier",
            "add-manufacturer",
            "connect-nodes",
        ]
        assert seen[-1][1]["nodeCounts"]["operational"] == 2

        reply = await copilot.ask("what if Shanghai Supplier fails?", timeout=30)
        assert reply.metadata["intent"] == "what-if-supplier-failure"
        assert "**Supplier failure** at **Shanghai Supplier**" in reply.content
        await asyncio.wait_for(
            _events_until(stream, lambda s: s[-1][0] == "alert_notification", seen), 30
        )
        progress = [data["progress"] for kind, data in seen if kind == "scenario_progress"]
        assert progress == [0, 20, 40, 60, 80, 100]
        alert = seen[-1][1]
        assert alert["severity"] == "CRITICAL" and alert["nodeIds"][0] == "sup-1"
        assert alert["recommendedActions"]
