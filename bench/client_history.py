"""What the durable history costs: client start-up with a big store, and a durable send.

    .venv/bin/python bench/client_history.py [--messages 10000] [--repeat 5]

Measured in the same run (best of ``--repeat``), with no server (nothing but the store):
- start-up: ``CopilotClient(store=...)`` then ``await client.restore()`` (open the file, read
  the conversation, rebuild the reducer's state) on a store holding ``--messages`` messages
  (half questions, half answers with metadata), against the same on an empty store;
- send: ``await send_message()`` while offline, which returns once the message is on disk
  (a commit on the store's thread), against the same client without a store (memory only).

Prints milliseconds for each and the ratios. The loop's longest stall during the start-up is
printed too: the store's reads run on its own thread, so the loop keeps ticking.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from omnitrack_realtime import CopilotClient
from omnitrack_realtime.client.conversation import Conversation
from omnitrack_realtime.client.history import Journal
from omnitrack_realtime.client.store import HistoryStore
from omnitrack_realtime.protocol import Acknowledgment, AssistantMessage

URL = "ws://127.0.0.1:9/copilot"  # nothing listens: the client never connects
USER = "bench"


async def fill(path: Path, messages: int) -> None:
    """A store with one conversation of ``messages`` messages, as a client would write it."""
    conversation = Conversation()
    journal = Journal(conversation, "bench-conversation")
    store = HistoryStore(path, owner=USER, server=URL)
    for turn in range(messages // 2):
        cmid = f"q{turn}"
        conversation.add_user_message(
            f"Question {turn}: what if the port of Rotterdam closes for a week?",
            client_message_id=cmid,
            queued=False,
        )
        conversation.apply(
            Acknowledgment(
                conversation_id="c1",
                client_message_id=cmid,
                message_id=f"u{turn}",
                message_seq=2 * turn + 1,
            )
        )
        conversation.apply(
            AssistantMessage(
                content="The network reroutes through Antwerp; 3 suppliers are affected. " * 4,
                conversation_id="c1", message_id=f"a{turn}", client_message_id=cmid,
                metadata={"intent": "simulation", "confidence": 0.9, "actionSuccess": True,
                          "suggestions": ["Show the network summary", "Scan for anomalies"]},
                message_seq=2 * turn + 2,
            )
        )  # fmt: skip
        journal.touch(conversation.user_message(cmid))
        if turn % 500 == 499:
            await store.write(journal.collect())
    await store.write(journal.collect())
    await store.close()


async def start_up(path: Path) -> tuple[float, float, int]:
    """Seconds to a restored client, the loop's longest stall meanwhile, messages restored."""
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not done.is_set():
            await asyncio.sleep(0)
            now = loop.time()
            stalls.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    client = CopilotClient(URL, user_id=USER, store=path, reconnect=None)
    await client.restore()
    elapsed = time.perf_counter() - started
    done.set()
    await ticking
    count = len(client.messages)
    await client.close()
    return elapsed, max(stalls, default=0.0), count


async def sends(path: Path | None, count: int) -> float:
    """Seconds per ``send_message`` while offline (with a store: on disk when it returns)."""
    client = CopilotClient(URL, user_id=USER, store=path, reconnect=None, max_queue=count + 1)
    await client.restore()
    started = time.perf_counter()
    for index in range(count):
        await client.send_message(f"message {index}")
    elapsed = (time.perf_counter() - started) / count
    await client.close()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sends", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        big, empty = Path(directory) / "big.db", Path(directory) / "empty.db"
        await fill(big, args.messages)
        big_runs, empty_runs = [], []
        for _ in range(args.repeat):
            big_runs.append(await start_up(big))
            empty_runs.append(await start_up(empty))
        big_time, big_stall, restored = min(big_runs)
        empty_time, _, _ = min(empty_runs)
        print(f"start-up, {restored:,} messages: {big_time * 1000:8.1f} ms "
              f"(longest loop stall {big_stall * 1000:.1f} ms)")  # fmt: skip
        print(f"start-up, empty store:     {empty_time * 1000:8.1f} ms")
        print(f"ratio big/empty: {big_time / empty_time:.1f}x "
              f"({(big_time - empty_time) / restored * 1e6:.1f} us per message)")  # fmt: skip
        stored = min([await sends(Path(directory) / f"s{i}.db", args.sends)
                      for i in range(args.repeat)])  # fmt: skip
        memory = min([await sends(None, args.sends) for _ in range(args.repeat)])
        print(f"send_message offline, kept on disk: {stored * 1000:.3f} ms; "
              f"memory only: {memory * 1000:.3f} ms; ratio {stored / memory:.1f}x")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
