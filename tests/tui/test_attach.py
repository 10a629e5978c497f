"""``/attach`` and ``/voice`` in the chat UI (Pilot, real server and engine): the upload's
progress bar, the import preview answered, a malformed command explained."""

from __future__ import annotations

from pathlib import Path

from frontdoor_support import USER, LocalServer, token_for, wait_until
from omnitrack_realtime import CopilotClient, ReconnectPolicy, UploadProgress
from omnitrack_realtime.tui.app import ChatApp
from omnitrack_realtime.tui.attach import AttachCommand, UploadBar, parse_attach_command
from omnitrack_realtime.tui.widgets import ChatInput, ErrorBanner, MessageList

FAST = ReconnectPolicy(max_attempts=5, initial_delay=0.05, max_delay=0.2, jitter=0, stable_after=0)


def test_the_commands_parse(tmp_path: Path) -> None:
    path = tmp_path / "my file.csv"
    path.write_text("x")
    assert parse_attach_command("hello") is None
    assert parse_attach_command(f'/attach "{path}" import it') == AttachCommand(
        path, "import it", voice=False
    )
    assert parse_attach_command(f"/voice '{path}'") == AttachCommand(path, "", voice=True)
    assert str(parse_attach_command("/attach")).startswith("/attach PATH")
    assert parse_attach_command("/attach nowhere.csv") == "no such file: nowhere.csv"
    assert "only the audio" in str(parse_attach_command(f"/voice '{path}' words"))


async def test_attach_shows_progress_then_the_import_preview(
    local_server: LocalServer, tmp_path: Path
) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_text("name,type,city,capacity\nAcme Metals,supplier,Shanghai,12k\n")
    copilot = CopilotClient(
        local_server.copilot_url, user_id=USER, token=token_for(), reconnect=FAST
    )
    app = ChatApp(copilot, None, reconnect=FAST)
    async with app.run_test() as pilot:
        bar = app.query_one(UploadBar)
        shown: list[str] = []
        original = bar.show_progress

        def record(progress: UploadProgress) -> None:
            original(progress)
            shown.append(str(bar.render()))

        bar.show_progress = record  # type: ignore[method-assign]
        chat_input = app.query_one(ChatInput)
        chat_input.value = f"/attach {path} import the attached suppliers.csv"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: any("Import preview" in b.shown for b in app.query_one(MessageList).bubbles()),
            "the import preview",
        )
        assert shown and shown[-1].startswith("uploading suppliers.csv ") and "100%" in shown[-1]
        assert not bar.display  # hidden once done
        chat_input.value = "/attach nowhere.csv"
        await pilot.press("enter")
        banner = app.query_one(ErrorBanner)
        await wait_until(pilot, lambda: "no such file" in str(banner.render()), "the error")
