"""A copilot client with a history store, in a process of its own, driven by lines on stdin
(for the tests that kill it): ``ask TEXT`` (prints ``answered``), ``send TEXT`` (prints
``queued`` once the message is on disk). Run: ``python history_process.py URL TOKEN STORE``."""

from __future__ import annotations

import asyncio
import sys

from omnitrack_realtime import CopilotClient, ReconnectPolicy

FOREVER = ReconnectPolicy(max_attempts=None, initial_delay=0.02, max_delay=0.1, jitter=0.0)


async def main(url: str, token: str, store: str) -> None:
    client = CopilotClient(url, user_id="alice", token=token, store=store, reconnect=FOREVER)
    await client.connect()
    print("connected", flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command, _, text = line.rstrip("\n").partition(" ")
        if command == "ask":
            await client.ask(text, timeout=10)
            print("answered", flush=True)
        elif command == "send":
            await client.send_message(text)
            print("queued", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
