"""The chat widgets on their own, in a minimal Textual app (no server)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.await_complete import AwaitComplete

from frontdoor_support import wait_until
from omnitrack_realtime.tui.widgets import MessageBubble, MessageList


class ShownWhileMounting(MessageBubble):
    """A bubble whose text changes in the window where the old code lost it: while
    ``Markdown`` renders the initial text as part of mounting (after every ``on_mount``),
    which is where a stream's next token lands on a busy machine."""

    def update(self, markdown: str) -> AwaitComplete:
        if not self.is_mounted:  # Markdown's own mount render
            self.show("The whole answer, **to the end**.", is_streaming=False)
        return super().update(markdown)


class OneList(App[None]):
    def compose(self) -> ComposeResult:
        yield MessageList()


async def test_text_shown_while_the_bubble_mounts_is_rendered() -> None:
    app = OneList()
    async with app.run_test() as pilot:
        bubble = ShownWhileMounting("m1", "assistant", "The whole", is_streaming=True)
        await app.query_one(MessageList).mount(bubble)
        await wait_until(pilot, lambda: bubble.rendered == bubble.shown, "the latest text drawn")
        assert bubble.source == "The whole answer, **to the end**."
        await wait_until(
            pilot, lambda: "to&#160;the&#160;end" in app.export_screenshot(), "it on screen"
        )


async def test_a_fast_stream_ends_on_its_last_text() -> None:
    app = OneList()
    async with app.run_test() as pilot:
        bubble = MessageBubble("m1", "assistant", "", is_streaming=True)
        await app.query_one(MessageList).mount(bubble)
        text = ""
        for word in ["Rotterdam", "closes", "for", "ten", "days", "and", "Berlin", "waits."]:
            text = f"{text} {word}".strip()
            bubble.show(text, is_streaming=True)
        bubble.show(text, is_streaming=False)
        await wait_until(pilot, lambda: bubble.rendered == bubble.shown, "the last text drawn")
        assert bubble.source == "Rotterdam closes for ten days and Berlin waits."
