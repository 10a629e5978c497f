"""How fast a CopilotClient ingests a streamed answer, against a bare websockets baseline.

    .venv/bin/python bench/client_ingest.py [--tokens 200000] [--repeat 3]

A local server streams ``--tokens`` ``stream_token`` frames (with ``streamId`` and ``seq``, as
our server sends them) after the client's message. The server is a minimal hand-written
WebSocket endpoint that writes every frame of the answer, pre-encoded, in one go: it costs
almost nothing, so both measurements are bound by the receiving side.

Measured, in the same run and alternately (best of ``--repeat``):
- client: ``await CopilotClient.ask(...)`` from the send to the finished reply (decoding,
  the conversation reducer, reply matching, the outbox and acknowledgment handling);
- client with a consumer: ``async for token in CopilotClient.stream(...)`` (every token also
  handed to the caller's task);
- baseline: a bare ``websockets`` client doing only ``json.loads`` on each frame until
  ``stream_complete``.

Prints tokens/s for each and the ratio client/baseline (target: >= 1.0).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import time

from websockets.asyncio.client import connect

from omnitrack_realtime import CopilotClient, ReconnectPolicy

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(payload: bytes) -> bytes:
    """One unmasked text frame (server to client)."""
    size = len(payload)
    if size < 126:
        header = bytes([0x81, size])
    elif size < 1 << 16:
        header = bytes([0x81, 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([0x81, 127]) + size.to_bytes(8, "big")
    return header + payload


def build_answer(tokens: int) -> bytes:
    """The acknowledgment, stream_start, ``tokens`` stream_token and stream_complete frames."""
    frames = [
        {"type": "acknowledgment", "message": "Message received. Processing...",
         "timestamp": 1_700_000_000_000, "conversationId": "conv-1"},
        {"type": "typing", "timestamp": 1_700_000_000_000, "conversationId": "conv-1"},
        {"type": "stream_start", "conversationId": "conv-1", "timestamp": 1_700_000_000_000,
         "metadata": {"intent": "analysis", "confidence": 0.9}, "streamId": "s-1"},
    ]  # fmt: skip
    parts = [_frame(json.dumps(frame, separators=(",", ":")).encode()) for frame in frames]
    for seq in range(1, tokens + 1):
        token = {
            "type": "stream_token",
            "token": f"word{seq % 1000} ",
            "conversationId": "conv-1",
            "timestamp": 1_700_000_000_000 + seq,
            "streamId": "s-1",
            "seq": seq,
        }
        parts.append(_frame(json.dumps(token, separators=(",", ":")).encode()))
    complete = {
        "type": "stream_complete",
        "conversationId": "conv-1",
        "timestamp": 1_700_000_000_000,
        "metadata": {"tokenCount": tokens, "actionSuccess": True},
        "streamId": "s-1",
    }
    parts.append(_frame(json.dumps(complete, separators=(",", ":")).encode()))
    return b"".join(parts)


class AnswerServer:
    """Accepts WebSocket connections; after the client's first frame, writes the whole answer."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            key = next(
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
            writer.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            await reader.read(65536)  # the client's message (content irrelevant here)
            writer.write(self.answer)
            await writer.drain()
            await reader.read(65536)  # the client's close frame
            writer.write(b"\x88\x02\x03\xe8")  # close 1000
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def run_client(url: str, tokens: int) -> float:
    policy = ReconnectPolicy(max_attempts=0)
    async with CopilotClient(url, token="bench", reconnect=policy, ping_interval=None) as client:
        started = time.perf_counter()
        reply = await client.ask("Run a supply chain analysis")
        elapsed = time.perf_counter() - started
        assert reply.status == "complete", reply.status
        assert reply.content.count(" ") == tokens, "tokens lost"
    return elapsed


async def run_client_stream(url: str, tokens: int) -> float:
    policy = ReconnectPolicy(max_attempts=0)
    async with CopilotClient(url, token="bench", reconnect=policy, ping_interval=None) as client:
        started = time.perf_counter()
        count = 0
        async for _token in client.stream("Run a supply chain analysis"):
            count += 1
        elapsed = time.perf_counter() - started
        assert count == tokens, "tokens lost"
    return elapsed


async def run_baseline(url: str, tokens: int) -> float:
    async with connect(url, ping_interval=None, compression=None) as ws:
        started = time.perf_counter()
        await ws.send(json.dumps({"action": "message", "message": "Run a supply chain analysis"}))
        count = 0
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "stream_token":
                count += 1
            elif frame["type"] == "stream_complete":
                break
        elapsed = time.perf_counter() - started
        assert count == tokens, "tokens lost"
    return elapsed


async def main(tokens: int, repeat: int) -> float:
    server = AnswerServer(build_answer(tokens))
    await server.start()
    url = f"ws://127.0.0.1:{server.port}/copilot"
    client_times: list[float] = []
    stream_times: list[float] = []
    baseline_times: list[float] = []
    try:
        for _ in range(repeat):  # alternate, so machine noise hits all alike
            baseline_times.append(await run_baseline(url, tokens))
            client_times.append(await run_client(url, tokens))
            stream_times.append(await run_client_stream(url, tokens))
    finally:
        await server.stop()
    client_rate = tokens / min(client_times)
    stream_rate = tokens / min(stream_times)
    baseline_rate = tokens / min(baseline_times)
    ratio = client_rate / baseline_rate
    print(f"tokens per answer:                {tokens:,}")
    print(f"CopilotClient.ask():              {client_rate:12,.0f} tokens/s")
    print(f"CopilotClient.stream() consumer:  {stream_rate:12,.0f} tokens/s")
    print(f"bare websockets + json.loads:     {baseline_rate:12,.0f} tokens/s")
    print(f"ratio ask()/baseline:             {ratio:12.2f}  (target >= 1.0; best of {repeat})")
    print(f"ratio stream()/baseline:          {stream_rate / baseline_rate:12.2f}")
    return ratio


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tokens", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.tokens, args.repeat))
