"""Reconciliation by cursor against the REAL server: an answer the client never saw begin
reaches it after the reconnect, whatever happened meanwhile (issue 9: "the user message shows
delivered and its answer never arrives").

Each test drops the connection at a known point of a turn (the scripted engine's ``late g``
waits on gate ``g`` before its answer begins), holds the reconnect (a token provider that
waits) while the server moves on, then lets the client back in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from omnitrack_realtime import ChatMessage, CopilotClient

from .test_real_server import TIMEOUT, Server, TokenGate, client_for, start, until

__all__ = ["start"]  # the fixture, shared with test_real_server


def answers_to(client: CopilotClient, question: ChatMessage) -> list[ChatMessage]:
    return [
        m
        for m in client.messages
        if m.role == "assistant" and m.reply_to == question.client_message_id
    ]


async def acknowledged_then_dropped(
    client: CopilotClient, server: Server, token: TokenGate
) -> ChatMessage:
    """A conversation with one answer, then ``late g``: acknowledged, its answer not begun,
    then the connection drops and the reconnect waits (``token.opened``)."""
    assert (await client.ask("hello", timeout=TIMEOUT)).content == "Echo: hello"
    question = await client.send_message("late g")
    await until(client, lambda: question.status == "delivered", "the acknowledgment")
    await asyncio.wait_for(server.engine.waiting("g").wait(), TIMEOUT)
    assert server.drop_connections() == 1
    await asyncio.wait_for(token.waiting.wait(), TIMEOUT)
    return question


async def test_an_answer_made_while_the_client_was_away_arrives_after_the_reconnect(
    start: Callable[..., Awaitable[Server]],
) -> None:
    server = await start()
    token = TokenGate()
    client = client_for(server, token=token)
    await client.connect()
    try:
        question = await acknowledged_then_dropped(client, server, token)
        server.engine.gate("g").set()
        await server.hub.wait_turns()  # begun, streamed, ended and stored: all while away
        token.opened.set()
        await until(client, lambda: len(answers_to(client, question)) == 1, "the answer")
    finally:
        await client.disconnect()
    (answer,) = answers_to(client, question)
    assert answer.content == "Echo: late g" and answer.status == "complete"
    assert not answer.is_streaming
    assert server.requests() == ["hello", "late g"]  # delivered from the store, not run again
    assert [m.role for m in client.messages] == ["user", "assistant", "user", "assistant"]
    assert client._conversation.cursor == 4  # every stored message held


async def test_a_turn_still_waiting_when_the_client_returns_streams_to_the_new_connection(
    start: Callable[..., Awaitable[Server]],
) -> None:
    server = await start()
    token = TokenGate()
    client = client_for(server, token=token)
    await client.connect()
    try:
        question = await acknowledged_then_dropped(client, server, token)
        token.opened.set()
        await until(client, lambda: client.stats().reconnects == 1, "the reconnect")
        (turn,) = server.hub.unfinished(client.conversation_id or "")
        # The new connection's sync makes it a follower of the waiting turn (the sync's reply,
        # sent after that, is a change on the client).
        await until(client, lambda: bool(turn.followers), "the new connection following it")
        server.engine.gate("g").set()
        await until(client, lambda: len(answers_to(client, question)) == 1, "the answer")
        await until(client, lambda: not answers_to(client, question)[0].is_streaming, "its end")
    finally:
        await client.disconnect()
    (answer,) = answers_to(client, question)
    assert answer.content == "Echo: late g" and answer.status == "complete"
    assert server.requests() == ["hello", "late g"]


async def test_an_acknowledged_message_is_answered_by_the_restarted_server(
    start: Callable[..., Awaitable[Server]],
) -> None:
    """The server went away before the answer began: the restarted one (same database) has
    the message and no answer. After the reconnect the client gets that answer all the same:
    live if the new server runs the turn now (its journal), else because the client sends the
    message again with its id (reconciliation found it unanswered and not pending)."""
    first = await start()
    token = TokenGate()
    client = client_for(first, token=token)
    await client.connect()
    try:
        question = await acknowledged_then_dropped(client, first, token)
        port = first.driver.port
        await first.driver.shutdown()
        second = await start(port=port)  # same database, none of the first one's memory
        second.engine.gate("g").set()
        token.opened.set()
        await until(client, lambda: len(answers_to(client, question)) == 1, "an answer")
        await until(client, lambda: not answers_to(client, question)[0].is_streaming, "its end")
    finally:
        await client.disconnect()
    (answer,) = answers_to(client, question)
    assert answer.content == "Echo: late g" and answer.status == "complete"
    assert client.stats().queued == 0
