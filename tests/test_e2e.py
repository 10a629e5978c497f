"""End to end: the SDK's clients against ``omnitrack serve`` running in a subprocess.

A streamed answer arrives in ``CopilotClient``'s state, an event published with ``omnitrack
publish`` for that user arrives in its ``EventClient``, ``omnitrack token`` mints what the
server accepts, and SIGTERM shuts the server down gracefully with exit status 0.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from omnitrack_realtime import CopilotClient, EventClient
from serve_process import ServeProcess, run_omnitrack, serving

SECRET = "e2e-secret-0123456789-0123456789-0123456789"


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[ServeProcess]:
    async with serving(tmp_path, SECRET) as process:
        yield process


async def test_clients_against_omnitrack_serve(serve: ServeProcess) -> None:
    code, out, _ = await run_omnitrack(serve.env, "token", "--user", "alice")
    assert code == 0
    token = out.strip()

    async with (
        CopilotClient(f"{serve.url}/copilot", token=token) as copilot,
        EventClient(f"{serve.url}/ws", token=token) as events,
    ):
        alerts = events.listen("alert_notification")
        reply = await copilot.ask("help", timeout=20)
        assert reply.status == "complete"
        assert reply.content
        assert reply.stream_id
        assert copilot.messages[-1] is reply
        assert copilot.conversation_id is not None and copilot.conversation_id.startswith("conv-")

        code, out, err = await run_omnitrack(
            serve.env,
            "publish",
            "alert_notification",
            json.dumps({"severity": "high", "message": "Port closed"}),
            "--user",
            "alice",
            "--url",
            serve.url,
        )
        assert code == 0, err
        event = await asyncio.wait_for(anext(alerts), 10)
        assert event.type == "alert_notification"
        assert event.data == {"severity": "high", "message": "Port closed"}

    serve.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(serve.process.wait(), 30) == 0
    assert serve.process.stderr is not None
    log = (await serve.process.stderr.read()).decode()
    assert token not in log and SECRET not in log


async def test_publish_without_the_scope_is_refused(serve: ServeProcess) -> None:
    code, out, _ = await run_omnitrack(serve.env, "token", "--user", "mallory")
    token = out.strip()
    code, _, err = await run_omnitrack(
        serve.env, "publish", "alert_notification", "{}", "--url", serve.url, "--token", token
    )
    assert code == 1
    assert "events:publish" in err


async def test_publish_of_a_reserved_type_is_refused_and_verbose_logs_hold_no_token(
    serve: ServeProcess,
) -> None:
    code, out, _ = await run_omnitrack(
        serve.env, "token", "--user", "ops", "--scope", "events:publish"
    )
    token = out.strip()
    code, _, err = await run_omnitrack(
        serve.env, "-v", "publish", "error", "{}", "--url", serve.url, "--token", token
    )
    assert code == 1
    assert "'error' is reserved" in err
    assert "Authorization" in err  # -v logged the handshake...
    for part in token.split(".")[1:]:
        assert part not in err  # ...but never the token
