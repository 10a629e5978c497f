"""Copilot answers across three ``omnitrack serve`` processes (one Redis, one SQLite db): an
answer is resumed, cancelled and finished on any process, a message sent to two processes at
once is processed once, and a rolling restart loses, doubles and interrupts no answer."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime import CopilotClient, ReconnectPolicy

from .cluster import REDIS_SERVER, TIMEOUT, Chat, ServeProcess, cluster, token

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")

#: The demo engine's longest answer (about 140 tokens): at 20 ms a token, it streams ~3 s.
LONG = "help"
DELAY = 0.02
FAST = ReconnectPolicy(max_attempts=None, initial_delay=0.02, max_delay=0.1, jitter=0.0)


def _url(process: ServeProcess) -> str:
    return f"ws://127.0.0.1:{process.port}"


async def _start_answer(chat: Chat, cmid: str, *, tokens: int = 3) -> dict[str, Any]:
    """Send the long question; once ``tokens`` tokens are in, its ``stream_start``."""
    await chat.send(action="message", message=LONG, clientMessageId=cmid)
    start = await chat.wait("stream_start", clientMessageId=cmid)
    await chat.wait("stream_token", streamId=start["streamId"], seq=tokens)
    return start


async def test_resume_on_another_process_live_and_finished(tmp_path: Path) -> None:
    async with cluster(tmp_path, token_delay=DELAY) as c:
        a, b, third = c.processes
        async with Chat(_url(a)) as first:
            start = await _start_answer(first, "live-1")
            stream_id, conversation_id = start["streamId"], start["conversationId"]
            async with Chat(_url(b)) as second:
                await second.send(
                    action="resume", conversationId=conversation_id, streamId=stream_id, afterSeq=3
                )
                done = await second.wait("stream_complete", streamId=stream_id)
            whole = await first.wait("stream_complete", streamId=stream_id)
            async with Chat(_url(third)) as later:  # the answer has ended: replayed whole
                await later.send(
                    action="resume", conversationId=conversation_id, streamId=stream_id, afterSeq=0
                )
                replayed = await later.wait("stream_complete", streamId=stream_id)
    assert not second.of(stream_id, "stream_start")  # afterSeq 3: no start again
    assert min(f["seq"] for f in second.of(stream_id, "stream_token")) == 4
    assert first.text(stream_id).endswith(second.text(stream_id))
    assert later.text(stream_id) == first.text(stream_id)
    assert len(later.of(stream_id, "stream_token")) == whole["metadata"]["tokenCount"]
    assert done["messageId"] == whole["messageId"] == replayed["messageId"]
    assert not any(f.get("code") == "stream_not_found" for f in second.frames + later.frames)


async def test_cancel_from_another_process(tmp_path: Path) -> None:
    async with cluster(tmp_path, token_delay=DELAY) as c:
        a, b, _ = c.processes
        async with Chat(_url(a)) as first, Chat(_url(b)) as second:
            start = await _start_answer(first, "cancel-1")
            stream_id, conversation_id = start["streamId"], start["conversationId"]
            await second.send(action="cancel", conversationId=conversation_id, streamId=stream_id)
            heard = await second.wait("stream_interrupted", streamId=stream_id)
            stopped = await first.wait("stream_interrupted", streamId=stream_id)
            await second.send(action="sync", conversationId=conversation_id, afterSeq=0)
            synced = await second.wait("sync", conversationId=conversation_id)
    assert heard["error"] == stopped["error"] == "Cancelled"
    assert heard["partialResponse"] == stopped["partialResponse"] == first.text(stream_id)
    answer = synced["messages"][-1]
    assert answer["content"] == stopped["partialResponse"]
    assert answer["metadata"]["interrupted"] is True


async def test_kill_9_mid_answer_is_finished_by_another_process(
    tmp_path: Path, database: str
) -> None:
    async with cluster(tmp_path, token_delay=DELAY, db=database) as c:
        a, b, _ = c.processes
        async with Chat(_url(a)) as first:
            start = await _start_answer(first, "crash-1", tokens=10)
            stream_id, conversation_id = start["streamId"], start["conversationId"]
            await a.kill()
            await first.wait("_closed")
        seen = first.text(stream_id)
        last = max(f["seq"] for f in first.of(stream_id, "stream_token"))
        async with Chat(_url(b)) as second:
            await second.send(
                action="resume", conversationId=conversation_id, streamId=stream_id, afterSeq=last
            )
            await second.wait(("stream_complete", "stream_interrupted"), streamId=stream_id)
            await second.send(action="sync", conversationId=conversation_id, afterSeq=0)
            synced = await second.wait("sync", conversationId=conversation_id)
    answers = [m for m in synced["messages"] if m["role"] == "assistant"]
    assert len(answers) == 1  # stored once
    complete = second.of(stream_id, "stream_complete")
    assert complete, second.frames  # the rule engine had decided: finished from its record
    tokens = second.of(stream_id, "stream_token")
    assert tokens and min(f["seq"] for f in tokens) == last + 1  # nothing doubled, no gap
    assert seen + second.text(stream_id) == answers[0]["content"]
    assert complete[0]["metadata"]["tokenCount"] == last + len(tokens)


async def test_a_message_sent_to_two_processes_at_once_is_processed_once(
    tmp_path: Path, database: str
) -> None:
    # The per-user rate limit holds across processes: high enough for both copies.
    async with cluster(tmp_path, args=("--rate", "1000", "--burst", "1000"), db=database) as c:
        a, b, _ = c.processes
        async with Chat(_url(a)) as first, Chat(_url(b)) as second:
            await first.send(action="message", message="hello", clientMessageId="hello")
            conversation_id = (await first.wait("acknowledgment", clientMessageId="hello"))[
                "conversationId"
            ]
            await first.wait("stream_complete", clientMessageId="hello")
            trials = [f"dup-{n}" for n in range(4)]
            for cmid in trials:
                action = {
                    "action": "message",
                    "message": "Show me recent alerts",
                    "conversationId": conversation_id,
                    "clientMessageId": cmid,
                }
                await asyncio.gather(first.send(**action), second.send(**action))
            ends = [
                await chat.wait("stream_complete", clientMessageId=cmid)
                for cmid in trials
                for chat in (first, second)
            ]
            await first.send(action="sync", conversationId=conversation_id, afterSeq=0)
            synced = await first.wait("sync", conversationId=conversation_id)
    messages = synced["messages"]
    for n, cmid in enumerate(trials):
        users = [m for m in messages if m["metadata"].get("clientMessageId") == cmid]
        assert len(users) == 1, f"{cmid} stored {len(users)} times"
        answers = [m for m in messages if m["metadata"].get("replyTo") == users[0]["messageId"]]
        assert len(answers) == 1
        # Both connections got the one answer (the loser replayed the winner's).
        assert ends[2 * n]["messageId"] == ends[2 * n + 1]["messageId"] == answers[0]["messageId"]
    assert not any(f.get("type") == "error" for f in first.frames + second.frames)


async def test_rolling_restart_with_copilot_clients_chatting(tmp_path: Path) -> None:
    async with cluster(tmp_path, token_delay=0.005) as c:
        clients = [
            CopilotClient(c.balancer.url + "/copilot", token=token(user), reconnect=FAST)
            for user in ("alice", "bob", "carol")
        ]
        for client in clients:
            await client.connect()
        rolled = asyncio.Event()
        asked: list[list[str]] = [[] for _ in clients]
        statuses: list[list[str]] = [[] for _ in clients]

        async def chat(n: int, client: CopilotClient) -> None:
            questions = itertools.cycle([LONG, "Show me recent alerts", "Give me an overview"])
            while not rolled.is_set() or len(asked[n]) < 3:
                question = next(questions)
                asked[n].append(question)
                reply = await client.ask(question, timeout=TIMEOUT)
                statuses[n].append(reply.status)

        chatting = [asyncio.create_task(chat(n, client)) for n, client in enumerate(clients)]
        for process in c.processes:
            await process.restart()
        rolled.set()
        await asyncio.wait_for(asyncio.gather(*chatting), TIMEOUT * 2)
        conversations = [client.conversation_id for client in clients]
        for client in clients:
            await client.disconnect()
        stored: list[list[dict[str, Any]]] = []
        for user, conversation_id in zip(("alice", "bob", "carol"), conversations, strict=True):
            async with Chat(c.balancer.url, user) as reader:
                await reader.send(action="sync", conversationId=conversation_id, afterSeq=0)
                stored.append((await reader.wait("sync"))["messages"])
    for n, messages in enumerate(stored):
        users = [m for m in messages if m["role"] == "user"]
        answers = [m for m in messages if m["role"] == "assistant"]
        cmids = [m["metadata"]["clientMessageId"] for m in users]
        assert len(cmids) == len(set(cmids)) == len(asked[n])  # 0 lost, 0 duplicated
        assert sorted(a["metadata"]["replyTo"] for a in answers) == sorted(
            m["messageId"] for m in users
        )  # one answer each
        assert not [a for a in answers if a["metadata"].get("interrupted")]
        assert statuses[n] == ["complete"] * len(asked[n])  # 0 interrupted
