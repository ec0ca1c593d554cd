"""The clinic widget as a client uses it: on a phone, by keyboard, in a hurry to leave."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import NEUTRAL
from tests.browser.helpers import (
    CRISIS,
    SENDER_KEY,
    bot_texts,
    focused,
    sender_of,
    start,
    type_message,
    wait_for_reply,
)


def test_a_crisis_message_shows_the_safety_banner_and_keeps_it(page):
    start(page)
    type_message(page, CRISIS)
    banner = page.get_by_test_id("safety-banner")
    banner.wait_for()
    assert "988" in banner.inner_text()
    # the help lines are shown once, in the banner; in the log only for screen readers
    def seen(message):  # a sighted reader sees more than a 1-pixel box
        box = message.bounding_box()
        return box is not None and box["width"] > 1 and box["height"] > 1

    lines = page.get_by_test_id("bot-message").filter(has_text="Lifeline")
    assert lines.count() == 1 and not seen(lines.first)
    shown = [m.inner_text() for m in page.get_by_test_id("bot-message").all() if seen(m)]
    assert not any("Lifeline" in text for text in shown) and any("glad you told me" in t for t in shown)
    type_message(page, "I'm safe now")
    assert banner.is_visible() and "988" in banner.inner_text()


def test_markup_typed_by_the_client_is_shown_as_text_and_never_runs(page):
    start(page)
    attack = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
    type_message(page, attack)
    shown = page.get_by_test_id("user-message").last.inner_text()
    assert shown == attack
    assert page.evaluate("window.__pwned") is None
    assert page.query_selector(".biu-log img, .biu-log script") is None


def test_markup_from_the_bot_is_shown_as_text_and_never_runs(page, stack):
    attack = '<img src=x onerror="window.__pwned = 1"> hello'

    def fake_bot(route):
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps([{"recipient_id": "x", "text": attack,
                                        "buttons": [{"title": "<b onmouseover=alert(1)>hi</b>",
                                                     "payload": "/affirm"}]}]))

    page.route("**/webhooks/rest/webhook", fake_bot)
    start(page)
    assert bot_texts(page)[-1] == attack
    assert page.get_by_test_id("bot-button").first.inner_text() == "<b onmouseover=alert(1)>hi</b>"
    assert page.evaluate("window.__pwned") is None
    assert page.query_selector(".biu-log img, .biu-log b") is None


def test_quick_exit_leaves_the_page_and_takes_the_conversation_with_it(page, stack):
    start(page)
    type_message(page, "she laughed at me")
    page.get_by_test_id("quick-exit").click()
    page.wait_for_url(NEUTRAL)
    # "Back" must not bring the conversation back: the chat page was replaced in the
    # history (location.replace) and the conversation id is gone from the tab.
    page.go_back()
    if page.url.startswith(stack.demo):
        page.wait_for_selector("[data-testid=chat-launcher]")
        assert page.evaluate(f"sessionStorage.getItem('{SENDER_KEY}')") is None
        assert "she laughed" not in page.content()
    else:
        assert page.url in ("about:blank", NEUTRAL)


def test_keyboard_only_use(page):
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "quick-exit"
    # on to the launcher (the demo page has no other controls) and open it
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "chat-launcher":
            break
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.testid") == "consent-accept"
    page.keyboard.press("Enter")
    wait_for_reply(page, 0)
    assert page.evaluate("document.activeElement.dataset.testid") == "chat-input"
    before = len(bot_texts(page))
    page.keyboard.type("she laughed at me")
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert page.get_by_test_id("user-message").last.inner_text() == "she laughed at me"
    page.get_by_role("button", name="Close the chat").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.testid") == "chat-launcher"
    page.keyboard.press("Enter")  # open again: straight back to the message box
    assert page.evaluate("document.activeElement.dataset.testid") == "chat-input"
    page.keyboard.press("Escape")  # Escape closes too
    assert page.evaluate("document.activeElement.dataset.testid") == "chat-launcher"


def test_a_lost_connection_keeps_the_message_and_retries(page):
    start(page)
    page.route("**/webhooks/rest/webhook", lambda route: route.abort())
    page.get_by_test_id("chat-input").fill("she laughed at me")
    page.get_by_test_id("chat-send").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "not lost" in alert.inner_text()
    page.unroute("**/webhooks/rest/webhook")
    before = len(bot_texts(page))
    page.get_by_role("button", name="Try again").click()
    wait_for_reply(page, before)
    assert page.get_by_test_id("user-message").count() == 1, "the message is shown once"
    assert focused(page) == "chat-input", "the focus did not drop to the page with the button"


def test_when_the_server_cannot_do_it_just_now_try_again_sends_the_same_answer(page, stack):
    """The reply the channel gives when the action server or the database fails
    (tests/faults prove the server side): the widget offers Try again with the message."""
    start(page)
    sender = sender_of(page)
    sorry = "Sorry, I couldn't do that just now. Please try again in a moment."

    def cannot_now(route):
        route.fulfill(status=200, content_type="application/json", body=json.dumps(
            [{"recipient_id": sender, "text": sorry, "custom": {"type": "try_again"}}]))

    page.route("**/webhooks/rest/webhook", cannot_now)
    type_message(page, "she laughed when I cried")
    assert bot_texts(page)[-1] == sorry
    page.unroute("**/webhooks/rest/webhook")
    before = len(bot_texts(page))
    page.get_by_role("button", name="Try again").click()
    wait_for_reply(page, before)
    assert stack.slot(sender, "what_happened") == "she laughed when I cried"
    assert page.get_by_test_id("user-message").count() == 1, "the message is shown once"
    assert page.get_by_role("button", name="Try again").count() == 0
    assert focused(page) == "chat-input"


@pytest.mark.parametrize("size", [{"width": 320, "height": 640}, {"width": 640, "height": 400},
                                  {"width": 320, "height": 200}],
                         ids=["320px", "200% zoom of 1280x800", "400% zoom of 1280x800"])
def test_it_fits_small_screens(open_page, size):
    page = open_page(viewport=size)
    start(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= size["width"]
    panel = page.locator("#biu-panel")
    assert panel.evaluate("e => e.scrollWidth <= e.clientWidth"), "nothing runs off to the side"
    # every control can be scrolled to, whole, and is big enough to press
    for name, control in [("Send", page.get_by_test_id("chat-send")),
                          ("Close", page.get_by_role("button", name="Close the chat")),
                          ("Delete my data", page.get_by_role("button", name="Delete my data"))]:
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, name
        assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"], name
        assert box["width"] >= 44 and box["height"] >= 44, name


def test_the_clinic_logo_shows_in_the_header(page):
    page.get_by_test_id("chat-launcher").click()
    logo = page.locator(".biu-header img")
    logo.wait_for()
    assert page.evaluate("document.querySelector('.biu-header img').naturalWidth") > 0
    assert logo.get_attribute("alt") == "", "decorative: the heading already names the chat"


def test_the_demo_page_has_a_strict_content_security_policy(page, stack):
    response = page.goto(stack.demo + "/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert f"connect-src 'self' http://localhost:{stack.rasa_port}" in policy
    assert "default-src 'none'" in policy


def test_delete_my_data_from_the_widget_erases_it_everywhere(page, stack):
    start(page)
    type_message(page, "she laughed at me")
    sender = sender_of(page)
    assert stack.rows(sender) > 0
    before = len(bot_texts(page))
    page.get_by_role("button", name="Delete my data").click()
    wait_for_reply(page, before)
    page.get_by_test_id("bot-button").filter(has_text="Yes, delete it").click()
    page.get_by_test_id("consent-accept").wait_for()
    assert stack.rows(sender) == 0
    assert sender_of(page) is None
    assert page.get_by_test_id("user-message").count() == 0
    assert "erased" in bot_texts(page)[-1]
