"""The clinic widget as a client uses it: on a phone, by keyboard, in a hurry to leave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import NEUTRAL
from tests.servers.helpers import ANSWERS

HERE = Path(__file__).resolve().parent
SENDER_KEY = "bring-it-up-sender"


def bot_texts(page) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all("[data-testid=bot-message]")]


def wait_for_reply(page, count_before: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=bot-message]').length > n"
        " && !document.querySelector('.biu-typing')", arg=count_before, timeout=30000)


def type_message(page, text: str) -> None:
    before = len(bot_texts(page))
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()
    wait_for_reply(page, before)


def start(page) -> None:
    page.get_by_test_id("chat-launcher").click()
    page.get_by_test_id("consent-accept").click()
    wait_for_reply(page, 0)


def sender_of(page) -> str:
    return page.evaluate(f"sessionStorage.getItem('{SENDER_KEY}')")


def test_a_full_preparation_on_a_phone_ends_with_a_draft_to_copy_and_download(page, stack):
    start(page)
    sender = sender_of(page)
    for _ in range(25):
        if page.query_selector("[data-testid=draft-card]"):
            break
        asked = stack.slot(sender, "requested_slot")
        if asked == "feeling_ok":  # a yes/no question: press the button
            before = len(bot_texts(page))
            page.get_by_test_id("bot-button").filter(has_text="Yes").first.click()
            wait_for_reply(page, before)
            continue
        assert asked in ANSWERS, f"unexpected question {asked!r}: {bot_texts(page)[-2:]}"
        type_message(page, ANSWERS[asked])
    card = page.get_by_test_id("draft-card")
    card.wait_for()
    shown = card.locator(".biu-draft-text").inner_text()
    assert "clock" in shown and "divorce" in shown
    assert "Too much to say? Start with:" in card.inner_text()  # the one sentence to say out loud

    page.get_by_test_id("draft-copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == shown

    with page.expect_download() as download:
        page.get_by_test_id("draft-download").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".txt")
    assert saved.strip() == shown.strip()
    # nothing is kept in localStorage or cookies
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""


def test_a_crisis_message_shows_the_safety_banner_and_keeps_it(page):
    start(page)
    type_message(page, "honestly I want to kill myself")
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


def test_pressing_shift_three_times_is_a_quick_exit_too(page):
    start(page)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(NEUTRAL)


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


@pytest.mark.parametrize("size", [{"width": 320, "height": 640}, {"width": 640, "height": 400}],
                         ids=["320px", "200% zoom of 1280x800"])
def test_it_fits_small_screens(browser, stack, size):
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.goto(stack.demo + "/")
    start(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= size["width"]
    box = page.get_by_test_id("chat-send").bounding_box()
    assert box and box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"]
    assert box["width"] >= 44 and box["height"] >= 44
    context.close()


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


def test_no_serious_accessibility_violations(browser, stack):
    context = browser.new_context(viewport={"width": 375, "height": 740}, bypass_csp=True)
    page = context.new_page()
    page.goto(stack.demo + "/")
    page.get_by_test_id("chat-launcher").click()
    page.get_by_test_id("consent-accept").click()
    wait_for_reply(page, 0)
    type_message(page, "I want to kill myself")  # the banner too
    page.add_script_tag(path=str(HERE / "node_modules" / "axe-core" / "axe.min.js"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad
    context.close()


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
