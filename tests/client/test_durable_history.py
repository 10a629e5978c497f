"""The durable client history against the REAL server, with real files: a client process
killed mid-conversation with messages queued loses and doubles nothing once a new one opens
its store; two clients of one user converge; conversations are listed and switched."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from omnitrack_realtime import ChatMessage, CopilotClient
from server.helpers import token_for

from .test_real_server import TIMEOUT, Server, client_for, start, until

__all__ = ["start"]  # the fixture, shared with test_real_server

SCRIPT = Path(__file__).with_name("history_process.py")


class ClientProcess:
    """``history_process.py`` in a subprocess: commands in, one line per step out."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def expect(self, word: str) -> None:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)
        assert line.decode().strip() == word, line

    async def do(self, command: str, then: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        await self.expect(then)

    async def kill(self) -> None:
        self.process.kill()  # SIGKILL: nothing of the client's runs after this
        await self.process.wait()


@pytest.fixture
async def spawn() -> AsyncIterator[Callable[[Server, Path], Awaitable[ClientProcess]]]:
    started: list[ClientProcess] = []

    async def _spawn(server: Server, store: Path) -> ClientProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            server.url,
            token_for("alice"),
            str(store),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        child = ClientProcess(process)
        started.append(child)
        await child.expect("connected")
        return child

    yield _spawn
    for child in started:
        if child.process.returncode is None:
            await child.kill()


def answers_to(client: CopilotClient, question: ChatMessage) -> list[ChatMessage]:
    """The ended answers to ``question``."""
    return [
        m
        for m in client.messages
        if m.role == "assistant" and m.reply_to == question.client_message_id and not m.is_streaming
    ]


def transcript(client: CopilotClient) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in client.messages]


async def stored_messages(server: Server, conversation_id: str) -> list[tuple[str, str]]:
    stored = await server.hub.store.history(conversation_id, limit=100)
    return [(m.role, m.content) for m in stored]


async def test_a_killed_client_process_with_queued_messages_loses_and_doubles_nothing(
    start: Callable[..., Awaitable[Server]],
    spawn: Callable[[Server, Path], Awaitable[ClientProcess]],
    tmp_path: Path,
) -> None:
    store = tmp_path / "history.db"
    server = await start()
    port = server.driver.port
    child = await spawn(server, store)
    await child.do("ask first", "answered")
    await server.driver.shutdown()  # the network goes; the client keeps trying
    await child.do("send second", "queued")
    await child.do("send third", "queued")
    await child.kill()

    server = await start(port=port)  # back, on the same database
    client = client_for(server, store=store)
    await client.connect()
    try:
        queued = [m for m in client.messages if m.role == "user"][1:]
        assert [m.content for m in queued] == ["second", "third"]
        assert all(m.status != "failed" for m in queued)
        await until(
            client,
            lambda: all(len(answers_to(client, q)) == 1 for q in queued),
            "the answers to the queued messages",
        )
        conversation_id = client.conversation_id
        assert conversation_id is not None
    finally:
        await client.close()
    expected = [
        ("assistant", "Echo: first"),
        ("assistant", "Echo: second"),
        ("assistant", "Echo: third"),
        ("user", "first"),
        ("user", "second"),
        ("user", "third"),
    ]
    # Once back, "third" goes as soon as "second" is acknowledged: whether it arrives before
    # or after the answer to "second" is the network's business. Each is there once.
    assert sorted(transcript(client)) == expected
    assert [text for role, text in transcript(client) if role == "user"] == [
        "first",
        "second",
        "third",
    ]
    assert sorted(await stored_messages(server, conversation_id)) == expected
    assert server.requests() == ["second", "third"]

    again = client_for(server, store=store)  # a third start: all of it, nothing sent
    await again.connect()
    try:
        await until(again, lambda: again.is_connected, "the connection")
        assert transcript(again) == transcript(client)
        assert all(m.status in ("delivered", "complete") for m in again.messages)
        assert again.stats().queued == 0
    finally:
        await again.close()


async def test_an_answer_streaming_when_the_process_died_arrives_whole_after_the_restart(
    start: Callable[..., Awaitable[Server]],
    spawn: Callable[[Server, Path], Awaitable[ClientProcess]],
    tmp_path: Path,
) -> None:
    store = tmp_path / "history.db"
    server = await start()
    child = await spawn(server, store)
    await child.do("send hold g 2", "queued")
    await asyncio.wait_for(server.engine.waiting("g").wait(), TIMEOUT)
    await child.kill()  # acknowledged (or not: the ack may not be on disk), answer half sent
    server.engine.gate("g").set()
    await server.hub.wait_turns()

    client = client_for(server, store=store)
    await client.connect()
    try:
        (question,) = client.messages
        await until(client, lambda: len(answers_to(client, question)) == 1, "the answer")
    finally:
        await client.close()
    (answer,) = answers_to(client, question)
    assert (answer.content, answer.status) == (" t1 t2 after", "complete")
    assert server.requests() == ["hold g 2"]  # run once, whatever was on disk


async def test_two_clients_of_one_user_show_the_same_conversation(
    start: Callable[..., Awaitable[Server]], tmp_path: Path
) -> None:
    server = await start()
    laptop = client_for(server, store=tmp_path / "laptop.db")
    await laptop.connect()
    phone: CopilotClient | None = None
    try:
        await laptop.ask("one", timeout=TIMEOUT)
        conversation_id = laptop.conversation_id
        assert conversation_id is not None
        # The phone opens the conversation by its id: fetched whole from the server.
        phone = client_for(server, store=tmp_path / "phone.db", conversation_id=conversation_id)
        await phone.connect()
        await until(phone, lambda: len(phone.messages) == 2, "the conversation on the phone")
        await phone.ask("two", timeout=TIMEOUT)
        # The phone says it read the answer: the laptop lacks it, and fetches it.
        assert await phone.mark_read()
        assert not await phone.mark_read()  # nothing new to report
        await until(laptop, lambda: len(laptop.messages) == 4, "the phone's turn on the laptop")
        assert transcript(laptop) == transcript(phone)
        await until(laptop, lambda: laptop.messages[-1].read, "the read mark on the laptop")
        assert all(m.read for m in laptop.messages)
        assert laptop.messages[2].metadata.get("otherDevice") is True
        await phone.send_typing()
        await until(laptop, lambda: laptop.typing_elsewhere, "typing on another device")
    finally:
        await laptop.close()
        if phone is not None:
            await phone.close()
    # Both stores hold the same conversation, read marks included.
    for path in ("laptop.db", "phone.db"):
        restored = client_for(server, store=tmp_path / path)
        await restored.restore()
        assert restored.conversation_id == conversation_id
        assert transcript(restored) == transcript(laptop)
        await restored.close()


async def test_conversations_are_listed_switched_and_the_last_one_opened_is_resumed(
    start: Callable[..., Awaitable[Server]], tmp_path: Path
) -> None:
    server = await start()
    store = tmp_path / "history.db"
    client = client_for(server, store=store)
    await client.connect()
    try:
        await client.ask("first topic", timeout=TIMEOUT)
        first = client.conversation_id
        await client.switch_conversation(None)
        assert client.messages == [] and client.conversation_id is None
        await client.ask("second topic", timeout=TIMEOUT)
        second = client.conversation_id
        assert second not in (None, first)
        listed = await client.conversations()
        assert [(c.conversation_id, c.title, c.message_count) for c in listed] == [
            (second, "second topic", 2),
            (first, "first topic", 2),
        ]
        assert first is not None
        await client.switch_conversation(first)
        assert client.is_connected and client.conversation_id == first
        assert transcript(client) == [("user", "first topic"), ("assistant", "Echo: first topic")]
        await client.ask("more on it", timeout=TIMEOUT)
    finally:
        await client.close()
    resumed = client_for(server, store=store)
    new = client_for(server, store=store, new_conversation=True)
    try:
        await resumed.connect()
        assert resumed.conversation_id == first and len(resumed.messages) == 4
        await new.connect()
        assert new.messages == [] and new.conversation_id is None
    finally:
        await resumed.close()
        await new.close()
