"""The web console in a real browser (Chromium) against ``omnitrack serve``: sign-in, a
streamed answer, suggestions, live events and the map, alerts, safe Markdown, and a server
killed and started again with a message queued meanwhile. Every wait is on a page condition
(Playwright's ``expect``), never a sleep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Served, open_page, token

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

WAIT = 15_000  # ms: one turn on a busy 2-core machine

#: Records, for every mutation of the chat, the text length of each answer still streaming:
#: an answer that arrived in one piece records at most one length.
WATCH_STREAMING = """
window.__streamed = [];
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    for (const item of document.querySelectorAll("li.message.assistant.streaming")) {
      window.__streamed.push(item.textContent.length);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
});
"""


def send(page: Any, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def answers(page: Any) -> Any:
    return page.locator("li.message.assistant")


def test_sign_in_then_an_answer_streams_and_a_suggestion_asks_again(
    page: Any, server: Served
) -> None:
    page.add_init_script(WATCH_STREAMING)
    page.goto(server.url)
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#connection-state")).to_have_text("signed out")
    page.fill("#token", "not-a-token")
    page.click("#sign-in button[type=submit]")
    expect(page.locator("#sign-in-error")).to_contain_text("refused this token")

    page.fill("#token", token("stream-user"))
    page.click("#sign-in button[type=submit]")
    expect(page.locator("#connection-state")).to_have_text("connected", timeout=WAIT)
    expect(page.locator("#who")).to_have_text("signed in as stream-user")

    send(page, "add a supplier in Shanghai")
    expect(page.locator("li.message.user").first).to_have_text("add a supplier in Shanghai")
    answer = answers(page).first
    expect(answer).to_have_attribute("data-status", "complete", timeout=WAIT)
    expect(answer.locator("strong").first).to_have_text("Shanghai Supplier")  # Markdown
    lengths = page.evaluate("window.__streamed")
    assert len({n for n in lengths if n > 0}) >= 3, lengths  # it grew token by token
    expect(page.locator("#typing")).to_be_hidden()

    suggestion = page.locator("#suggestions button").first
    expect(suggestion).to_be_visible(timeout=WAIT)
    asked = suggestion.inner_text()
    suggestion.click()
    expect(page.locator("li.message.user").nth(1)).to_have_text(asked)
    expect(answers(page).nth(1)).to_have_attribute("data-status", "complete", timeout=WAIT)


def test_a_dev_link_signs_in_and_the_map_follows_the_twin(
    page: Any, server: Served, pictures: Path
) -> None:
    secret = token("map-user")
    page.goto(f"{server.url}#token={secret}")
    expect(page.locator("#connection-state")).to_have_text("connected", timeout=WAIT)
    assert "token" not in page.url  # moved out of the address bar (and the history)
    assert page.evaluate("sessionStorage.getItem('omnitrack.token')") == secret
    expect(page.locator(".map-empty")).to_be_visible()

    send(page, "add a warehouse in Rotterdam")
    update = page.locator("#events li[data-type=digital_twin_update]").first
    expect(update).to_contain_text("node added Rotterdam Warehouse", timeout=WAIT)
    warehouse = page.locator("g.node[data-id=wh-1]")
    expect(warehouse).to_have_attribute(
        "aria-label", "Rotterdam Warehouse (warehouse, operational)"
    )
    expect(page.locator("#twin-counts")).to_have_text(
        "1 node · 1 healthy · 0 degraded · 0 disrupted"
    )

    send(page, "add a supplier in Shanghai and connect it to Rotterdam Warehouse")
    expect(page.locator("line.link[data-source=sup-2][data-target=wh-1]")).to_have_count(
        1, timeout=WAIT
    )
    send(page, "add a factory in Berlin")
    expect(page.locator("g.node")).to_have_count(3, timeout=WAIT)
    send(page, "Rotterdam Warehouse is disrupted")
    expect(warehouse).to_have_class("node status-disrupted", timeout=WAIT)
    alert = page.locator("#alerts li.alert").first
    expect(alert).to_contain_text("Rotterdam Warehouse is disrupted", timeout=WAIT)
    expect(alert.locator(".badge")).to_have_text("HIGH")

    expect(answers(page).nth(3)).to_have_attribute("data-status", "complete", timeout=WAIT)
    warehouse.click()
    details = page.locator("#node-details")
    expect(details).to_contain_text("Rotterdam, Netherlands")
    expect(details).to_contain_text("disrupted")
    page.screenshot(path=str(pictures / "console.png"))

    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert.locator(".status")).to_have_text("acknowledged", timeout=WAIT)
    alert.get_by_role("button", name="Resolve").click()
    expect(alert.locator(".status")).to_have_text("resolved", timeout=WAIT)
    expect(alert.get_by_role("button")).to_have_count(0)


def test_markdown_and_messages_never_become_html(page: Any, server: Served) -> None:
    page.goto(f"{server.url}#token={token('markdown-user')}")
    expect(page.locator("#connection-state")).to_have_text("connected", timeout=WAIT)
    hostile = '<img src=x onerror="window.__owned=1"> **bold** [x](javascript:alert(1)) `<b>`'
    rendered = page.evaluate(
        """async (text) => {
            const { renderMarkdown } = await import("./markdown.js");
            const box = document.createElement("div");
            box.append(renderMarkdown(text));
            return {
                tags: [...box.querySelectorAll("*")].map((e) => e.tagName),
                text: box.textContent,
            };
        }""",
        hostile,
    )
    assert rendered["tags"] == ["P", "STRONG", "CODE"]
    assert '<img src=x onerror="window.__owned=1">' in rendered["text"]
    assert "[x](javascript:alert(1))" in rendered["text"]

    send(page, hostile)
    mine = page.locator("li.message.user").first
    expect(mine).to_contain_text("<img src=x")
    expect(answers(page).first).to_have_attribute("data-status", "complete", timeout=WAIT)
    assert page.locator("#messages img").count() == 0
    assert page.evaluate("window.__owned") is None


@pytest.fixture
def restartable(tmp_path: Path) -> Any:
    served = Served(tmp_path / "serve.db")
    served.start()
    yield served
    served.stop()


def test_the_console_comes_back_after_a_restart_and_sends_what_was_queued(
    browser: Any, restartable: Served
) -> None:
    with open_page(browser) as page:
        page.goto(f"{restartable.url}#token={token('restart-user')}")
        expect(page.locator("#connection-state")).to_have_text("connected", timeout=WAIT)
        send(page, "add a supplier in Lima")
        expect(answers(page).first).to_have_attribute("data-status", "complete", timeout=WAIT)

        restartable.kill()
        expect(page.locator("#connection-state")).to_have_text("offline", timeout=WAIT)
        expect(page.locator("#connection-detail")).to_contain_text("retrying in")
        expect(page.locator("#retry-now")).to_be_visible()
        send(page, "add a warehouse in Rotterdam")
        queued = page.locator("li.message.user").nth(1)
        expect(queued).to_have_attribute("data-status", "queued")
        expect(page.locator("#connection-detail")).to_contain_text("1 message queued")

        restartable.start()
        # "Retry now" instead of the rest of the wait; the console may have got there first
        # on its own (then the button is hidden and the click changes nothing).
        page.evaluate("document.getElementById('retry-now').click()")
        expect(page.locator("#connection-state")).to_have_text("connected", timeout=WAIT)
        answer = answers(page).nth(1)
        expect(answer).to_have_attribute("data-status", "complete", timeout=WAIT)
        expect(answer).to_contain_text("Rotterdam Warehouse")
        expect(queued).to_have_attribute("data-status", "delivered")
        # Sent once: one warehouse on the map beside the supplier, from the snapshot taken
        # on reconnecting and the live update.
        expect(page.locator("g.node")).to_have_count(2, timeout=WAIT)
        assert answers(page).count() == 2
