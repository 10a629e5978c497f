"""Import, export and voice end to end: the CopilotClient, the real server and the real
supply-chain engine on a tmp SQLite file (and a scripted transcription server)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from frontdoor_support import USER, LocalServer, token_for
from omnitrack_realtime import CopilotClient
from omnitrack_realtime.server.config import SpeechConfig
from server.fake_stt import FakeSTT, wav_bytes

TIMEOUT = 15.0
SUPPLIERS = """name,type,city,capacity,utilization,source,target,shipping_method
Acme Metals,supplier,Shanghai,"12,000",85%,,,
Lyon Plant,manufacturer,Lyon,9.5k,0.7,,,
Broken Row,warehouse,Paris,lots,,,,
,,,,,Acme Metals,Lyon Plant,sea
"""


async def test_import_previews_then_applies_on_yes_and_export_hands_back_a_file(
    tmp_path: Path,
) -> None:
    server = await LocalServer(tmp_path / "app.db").start()
    path = tmp_path / "suppliers.csv"
    path.write_text(SUPPLIERS)
    try:
        async with CopilotClient(server.copilot_url, user_id=USER, token=token_for()) as copilot:
            first = await asyncio.wait_for(
                copilot.send_message("import the attached suppliers.csv", [path]), TIMEOUT
            )
            preview = await until_answered(copilot, first.client_message_id)
            assert preview.metadata["intent"] == "confirmation"
            assert "2 nodes and 1 link to add; 1 row left out" in preview.content
            assert "| Acme Metals | supplier | Shanghai, China | 12,000 |" in preview.content
            assert "- line 4: capacity 'lots' is not a number" in preview.content
            engine = server.server.hub.engine  # type: ignore[union-attr]
            assert engine.twin.node_names(USER) == []  # nothing before the yes

            done = await copilot.ask("yes", timeout=TIMEOUT)
            assert done.metadata["intent"] == "import-data" and done.metadata["actionSuccess"]
            assert "added 2 nodes and 1 link" in done.content
            assert sorted(engine.twin.node_names(USER)) == ["Acme Metals", "Lyon Plant"]
            assert len(engine.twin.list_connections(USER)) == 1

            export = await copilot.ask("export my network", timeout=TIMEOUT)
            [attachment] = export.metadata["attachments"]
            assert attachment["name"] == "network.csv"
            data = await asyncio.wait_for(copilot.download_attachment(attachment), TIMEOUT)
            text = data.decode()
            assert text.startswith("kind,name,type,city") and "Acme Metals" in text
            assert "link,,,,,,,,,,,,Acme Metals,Lyon Plant,sea,no" in text
    finally:
        await server.stop()


async def test_a_voice_message_round_trip(tmp_path: Path) -> None:
    audio = wav_bytes()
    with FakeSTT() as stt:
        stt.add("export my network as json")
        server = await LocalServer(tmp_path / "app.db", speech=SpeechConfig(url=stt.url)).start()
        try:
            async with CopilotClient(
                server.copilot_url, user_id=USER, token=token_for()
            ) as copilot:
                voice = await asyncio.wait_for(copilot.send_message("", [audio]), TIMEOUT)
                answer = await until_answered(copilot, voice.client_message_id)
        finally:
            await server.stop()
    assert voice.content == "export my network as json"  # the transcript became the text
    assert voice.metadata["transcript"] == "export my network as json"
    assert answer.metadata["attachments"][0]["name"] == "network.json"
    assert stt.received[0].audio == audio and stt.received[0].content_type == "audio/wav"


async def until_answered(copilot: CopilotClient, cmid: str | None):  # type: ignore[no-untyped-def]
    changed = asyncio.Event()
    unsubscribe = copilot.on_change(lambda _c: changed.set())
    try:
        async with asyncio.timeout(TIMEOUT):
            while True:
                for message in copilot.messages:
                    if message.reply_to == cmid and message.status == "complete":
                        return message
                await changed.wait()
                changed.clear()
    finally:
        unsubscribe()
