"""Crash tests: ``omnitrack serve`` (the rule engine, SQLite) killed with SIGKILL at each point
of a turn, restarted on the same database: the acknowledged turn completes once, with its real
answer, whether the client sends it again or not (protocol.md, "Durability").

The server kills itself at a named point (``OMNITRACK_CRASH_AT``, :mod:`~.server.crashpoint`),
so each case stops exactly there, with no timing involved.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from omnitrack_realtime.engine.twin import Twin
from omnitrack_realtime.server.auth import AuthConfig, mint_token
from omnitrack_realtime.server.crashpoint import POINTS
from omnitrack_realtime.server.store import SQLiteStore
from serve_process import ServeProcess, serving

SECRET = "crash-test-secret-0123456789-0123456789-0123"
TIMEOUT = 30.0
ADD = "Add a warehouse in Rotterdam"
ADDED = "Added **Rotterdam Warehouse**"
CMID = "crash-1"

#: What the client has seen of the turn when the server dies at each point.
SEEN_AT = {
    "turn-start": ["acknowledgment"],
    "answer-decided": ["acknowledgment", "typing"],
    "answer-streaming": ["acknowledgment", "typing", "stream_start", "stream_token"],
    "answer-stored": ["acknowledgment", "typing", "stream_start", "stream_token"],
}


def _copilot(serve: ServeProcess) -> Any:
    token = mint_token("alice", AuthConfig(secret=SECRET))
    return connect(f"{serve.url}/copilot", additional_headers={"Authorization": f"Bearer {token}"})


async def _frames_until(chat: ClientConnection, frame_type: str) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(TIMEOUT):
        while not frames or frames[-1]["type"] != frame_type:
            frames.append(json.loads(await chat.recv()))
    return frames


async def _send(chat: ClientConnection, text: str, cmid: str, conversation: str | None) -> None:
    message = {"action": "message", "message": text, "clientMessageId": cmid}
    if conversation is not None:
        message["conversationId"] = conversation
    await chat.send(json.dumps(message))


async def _crash_during_a_turn(tmp_path: Path, point: str) -> tuple[str, list[dict[str, Any]]]:
    """Send ADD to a server that dies at ``point``; (the conversation, the frames seen)."""
    async with serving(tmp_path, SECRET, extra_env={"OMNITRACK_CRASH_AT": point}) as serve:
        frames: list[dict[str, Any]] = []
        async with _copilot(serve) as chat:
            await _send(chat, ADD, CMID, None)
            try:
                async with asyncio.timeout(TIMEOUT):
                    async for raw in chat:
                        frames.append(json.loads(raw))
            except ConnectionClosed:
                pass
        assert await asyncio.wait_for(serve.process.wait(), TIMEOUT) == -9
    assert frames and frames[0]["type"] == "acknowledgment", frames
    return frames[0]["conversationId"], frames


def _twin_nodes(tmp_path: Path) -> list[str]:
    with Twin(tmp_path / "serve.db") as twin:
        return [node.name for node in twin.list_nodes("alice")]


async def _stored(tmp_path: Path, conversation: str) -> list[tuple[str, str]]:
    store = SQLiteStore(tmp_path / "serve.db")
    try:
        return [(m.role, m.content) for m in await store.history(conversation)]
    finally:
        await store.close()


@pytest.mark.parametrize("point", POINTS)
async def test_a_resend_after_a_crash_gets_the_real_answer_and_the_change_happens_once(
    tmp_path: Path, point: str
) -> None:
    conversation, seen = await _crash_during_a_turn(tmp_path, point)
    assert [f["type"] for f in seen][: len(SEEN_AT[point])] == SEEN_AT[point]
    assert "stream_complete" not in [f["type"] for f in seen]
    async with serving(tmp_path, SECRET) as serve, _copilot(serve) as chat:
        await _send(chat, ADD, CMID, conversation)
        frames = await _frames_until(chat, "stream_complete")
    assert frames[0]["type"] == "acknowledgment"
    assert frames[0]["message"] == "Message already received."
    assert "stream_interrupted" not in [f["type"] for f in frames]
    text = "".join(f["token"] for f in frames if f["type"] == "stream_token")
    assert text.startswith(ADDED)
    assert frames[-1]["metadata"]["actionSuccess"] is True
    assert _twin_nodes(tmp_path) == ["Rotterdam Warehouse"]
    stored = await _stored(tmp_path, conversation)
    assert [role for role, _ in stored] == ["user", "assistant"]
    assert stored[1][1] == text


@pytest.mark.parametrize("point", POINTS)
async def test_a_restart_completes_the_turn_without_a_resend(tmp_path: Path, point: str) -> None:
    conversation, _ = await _crash_during_a_turn(tmp_path, point)
    async with serving(tmp_path, SECRET) as serve, _copilot(serve) as chat:
        # A new message of the conversation runs after the recovered turn: its answer says
        # the recovered one is stored.
        await _send(chat, "how many nodes do I have?", "next-1", conversation)
        await _frames_until(chat, "stream_complete")
    store = SQLiteStore(tmp_path / "serve.db")
    try:
        stored = await store.history(conversation)
    finally:
        await store.close()
    # The new message may be stored before the recovered turn's answer: answers name theirs.
    questions = [m for m in stored if m.role == "user"]
    answers = {m.metadata["replyTo"]: m.content for m in stored if m.role == "assistant"}
    assert [m.content for m in questions] == [ADD, "how many nodes do I have?"]
    assert len(answers) == 2 and answers[questions[0].message_id].startswith(ADDED)
    assert _twin_nodes(tmp_path) == ["Rotterdam Warehouse"]
