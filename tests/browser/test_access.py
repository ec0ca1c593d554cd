"""The widget for every client (issue #23): a quick exit that never fires by accident, a
crisis reply that is all on screen at 200% zoom, focus that never drops to the page, a hung
server that ends in "Try again", and what a screen reader hears. axe-core audits every state
on a phone and on a desktop screen, with no finding of any impact allowed."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import NEUTRAL, SCREENS
from tests.browser.helpers import (
    CRISIS,
    assert_on_screen,
    axe_violations,
    bot_texts,
    focused,
    on_screen,
    press_choice,
    sender_of,
    start,
    type_message,
    wait_for_reply,
    walk_focus,
)
from tests.servers.helpers import ANSWERS

SHIFTED = set('ABCDEFGHIJKLMNOPQRSTUVWXYZ~!@#$%^&*()_+{}|:"<>?')


def type_like_a_person(page, text: str, gap_ms: int = 70) -> None:
    """Typing as a keyboard does: Shift held down for each capital and symbol."""
    for char in text:
        if char in SHIFTED:
            page.keyboard.down("Shift")
            page.keyboard.press(char)
            page.keyboard.up("Shift")
        else:
            page.keyboard.press("Space" if char == " " else char)
        page.wait_for_timeout(gap_ms)


def still_here(page, stack, sender: str) -> None:
    page.wait_for_timeout(300)  # time for a wrong exit to start
    assert page.url.startswith(stack.demo), page.url
    assert sender_of(page) == sender


# -- quick exit by keyboard ------------------------------------------------------------------

def test_shift_tab_three_times_does_not_leave_the_page(page, stack):
    start(page)
    sender = sender_of(page)
    type_message(page, "she laughed at me")
    for _ in range(3):  # moving back through the panel, at a normal pace
        page.keyboard.press("Shift+Tab")
        page.wait_for_timeout(400)
    still_here(page, stack, sender)
    # Shift alone twice, then another key: the count starts again
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift")
    still_here(page, stack, sender)
    assert page.get_by_test_id("user-message").count() == 1


def test_typing_capitals_at_a_normal_pace_does_not_leave_the_page(page, stack):
    start(page)
    sender = sender_of(page)
    page.get_by_test_id("chat-input").focus()
    type_like_a_person(page, 'I said: "Why?" OK')
    still_here(page, stack, sender)
    assert page.get_by_test_id("chat-input").input_value() == 'I said: "Why?" OK'
    # Shift on its own, in the message box, is typing too: never an exit
    for _ in range(3):
        page.keyboard.press("Shift")
        page.wait_for_timeout(200)
    still_here(page, stack, sender)


def test_shift_alone_three_times_leaves_the_page_and_the_conversation(page, stack):
    start(page)
    type_message(page, "she laughed at me")
    page.keyboard.press("Tab")  # out of the message box, to Send
    assert focused(page) == "chat-send"
    for _ in range(3):
        page.keyboard.press("Shift")
        page.wait_for_timeout(300)
    page.wait_for_url(NEUTRAL)
    page.go_back()  # replaced in the history: Back does not bring the chat back with its id
    if page.url.startswith(stack.demo):
        page.wait_for_selector("[data-testid=chat-launcher]")
        assert sender_of(page) is None


# -- a short screen ----------------------------------------------------------------------------

def test_at_200_percent_zoom_a_crisis_reply_is_all_on_screen(open_page, stack):
    page = open_page(**SCREENS["200% zoom"])
    start(page)
    size = page.viewport_size
    panel = on_screen(page.locator("#biu-panel"))
    assert panel["box"] == [0, 0, size["width"], size["height"]], "the panel covers the screen"
    type_message(page, CRISIS)
    check_crisis_on_screen(page)
    # The page behind the panel is out of reach: the keyboard stays in the widget (and the
    # quick exit), whichever way it goes.
    for key in ["Tab"] * 20 + ["Shift+Tab"] * 20:
        page.keyboard.press(key)
        inside = page.evaluate("!document.activeElement || document.activeElement === document.body"
                               " || !!document.activeElement.closest('#bring-it-up')"
                               " || document.activeElement.dataset.testid === 'quick-exit'")
        assert inside, page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
    still_here(page, stack, sender_of(page))
    # Once the conversation moves on, the help lines fold to one line that stays on screen,
    # and open again with one press.
    press_choice(page, "I'm safe right now")
    banner = page.get_by_test_id("safety-banner")
    toggle = banner.get_by_role("button", name="If you need help right now")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert banner.bounding_box()["height"] <= 64
    assert_on_screen(banner, "the folded help lines")
    assert_on_screen(page.get_by_test_id("bot-button").last, "the next question's last choice")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert_on_screen(banner.get_by_role("link", name="Call 988"), "Call 988")
    assert_on_screen(banner.get_by_role("link", name="Call 911"), "Call 911")


def check_crisis_on_screen(page) -> None:
    """The question, its answers, the help lines and their call and text links are all on
    screen, with nothing over them."""
    assert_on_screen(page.get_by_test_id("bot-message").filter(has_text="Are you safe right now?"),
                     "the crisis question")
    for choice in ("I'm safe right now", "I'm not safe"):
        assert_on_screen(page.get_by_test_id("bot-button").filter(has_text=choice), choice)
    banner = page.get_by_test_id("safety-banner")
    lines = banner.locator("li")
    assert lines.count() == 2
    for i in range(lines.count()):
        assert_on_screen(lines.nth(i), f"help line {i + 1}")
    links = {name: banner.get_by_role("link", name=name) for name in ("Call 988", "Text 988", "Call 911")}
    assert links["Call 988"].get_attribute("href") == "tel:988"
    assert links["Text 988"].get_attribute("href") == "sms:988"
    assert links["Call 911"].get_attribute("href") == "tel:911"
    for name, link in links.items():
        assert_on_screen(link, name)
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, name


# -- focus -------------------------------------------------------------------------------------

def test_after_send_the_focus_is_in_the_message_box(page):
    start(page)
    page.get_by_test_id("chat-input").fill("she laughed at me")
    page.keyboard.press("Tab")
    assert focused(page) == "chat-send"
    before = len(bot_texts(page))
    page.keyboard.press("Enter")  # Send, by keyboard
    assert focused(page) == "chat-input"
    wait_for_reply(page, before)
    assert focused(page) == "chat-input", "and it stays there when the reply comes"
    before = len(bot_texts(page))
    page.get_by_test_id("chat-input").fill("small and embarrassed")
    page.get_by_test_id("chat-send").click()  # Send, by pointer
    wait_for_reply(page, before)
    assert focused(page) == "chat-input"
    press_choice(page, "Yes")  # a quick reply: its button goes, the focus does not
    assert focused(page) == "chat-input"


def test_a_server_that_never_answers_gives_the_offline_alert_and_try_again(page):
    start(page)
    held = []
    page.route("**/webhooks/rest/webhook", lambda route: held.append(route))  # never answered
    page.get_by_test_id("chat-input").fill("she laughed at me")
    page.keyboard.press("Enter")
    sent = time.monotonic()
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=25000)
    assert time.monotonic() - sent <= 25
    assert held, "the request was held"
    assert "not lost" in alert.inner_text()
    assert page.get_by_test_id("chat-send").get_attribute("aria-disabled") == "false"
    assert page.locator(".biu-typing").count() == 0
    assert page.locator(".biu-log [role=alert]").count() == 0, "the alert is not read as part of the log"
    assert focused(page) is None and page.evaluate("document.activeElement.textContent") == "Try again"
    page.unroute("**/webhooks/rest/webhook")
    before = len(bot_texts(page))
    page.keyboard.press("Enter")  # Try again, by keyboard
    wait_for_reply(page, before)
    assert focused(page) == "chat-input"
    assert page.get_by_test_id("user-message").count() == 1, "the message is shown once"
    assert page.get_by_role("alert").count() == 0


# -- the launcher and the page -----------------------------------------------------------------

def test_the_launcher_never_covers_a_link_the_keyboard_moves_to(open_page):
    page = open_page(viewport={"width": 320, "height": 640})
    launcher = page.get_by_test_id("chat-launcher").bounding_box()
    reached = set()
    for _ in range(8):
        page.keyboard.press("Tab")
        if not page.evaluate("!!document.activeElement.closest('footer')"):
            continue
        reached.add(page.evaluate("document.activeElement.textContent"))
        box = page.evaluate("(() => { const r = document.activeElement.getBoundingClientRect();"
                            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })()")
        apart = (box["y"] + box["height"] <= launcher["y"] or box["y"] >= launcher["y"] + launcher["height"]
                 or box["x"] + box["width"] <= launcher["x"] or box["x"] >= launcher["x"] + launcher["width"])
        overlap = not apart
        assert not overlap, f"{page.evaluate('document.activeElement.textContent')!r} is under the launcher"
    assert len(reached) == 3, f"the demo page's three footer links: {reached}"


# -- screen readers ------------------------------------------------------------------------------

def test_a_screen_reader_hears_who_speaks_and_each_turn_once(page):
    from playwright.sync_api import expect

    page.get_by_test_id("chat-launcher").click()
    dialog = page.get_by_role("dialog", name="Bring It Up")
    expect(dialog).to_have_accessible_description(re.compile("^Bring It Up helps you get ready to talk"))
    description = page.evaluate("document.getElementById("
                                "document.getElementById('biu-panel').getAttribute('aria-describedby')).textContent")
    for words in ("not for emergencies", "988", "911", "deleted after 7 days"):
        assert words in description
    page.get_by_test_id("consent-accept").click()
    wait_for_reply(page, 0)
    assert dialog.get_attribute("aria-describedby") is None, "the consent is not read again at every turn"
    # The conversation is not read out as it grows; each bot turn is, once, in one place.
    log = page.get_by_role("region", name="Conversation")
    assert log.get_attribute("aria-live") is None and log.get_attribute("role") != "log"
    live = page.locator("#biu-panel [aria-live], #biu-panel [role=status], #biu-panel [role=alert]")
    assert live.count() == 2  # the turn, the typing line
    news = page.locator("#biu-panel [aria-live=polite]:not([role])")
    first_turn = " ".join(bot_texts(page))
    assert news.inner_text() == f"Bring It Up said: {first_turn}"

    type_message(page, ANSWERS["what_happened"])
    type_message(page, ANSWERS["feeling"])  # "... is that right?" with Yes / Not quite
    said = page.locator(".biu-user").last.text_content()
    assert said == f"You said: {ANSWERS['feeling']}"
    assert page.locator(".biu-bot").last.text_content().startswith("Bring It Up said: ")
    choices = page.get_by_role("list", name="Quick replies").get_by_role("listitem")
    titles = [b.inner_text() for b in page.get_by_test_id("bot-button").all()]
    assert choices.count() == len(titles) >= 2
    for i, title in enumerate(titles):
        expect(choices.nth(i).get_by_role("button")).to_have_accessible_name(title)
    heard = news.inner_text()
    assert heard.endswith("Your choices: " + "; ".join(titles) + ".")
    assert "You said" not in heard, "the client's own message is not read back"
    assert heard.count(page.locator(".biu-bot [data-testid=bot-message]").last.inner_text()) == 1


# -- every state, phone and desktop -------------------------------------------------------------

@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_full_preparation_to_a_draft_with_no_axe_finding_in_any_state(open_page, stack, screen):
    page = open_page(bypass_csp=True, **SCREENS[screen])  # bypass_csp: to inject axe-core

    def audit(state: str) -> None:
        found = axe_violations(page)
        assert not found, f"{state}: {found}"

    page.get_by_test_id("chat-launcher").click()
    audit("consent")
    walk_focus(page)
    page.get_by_test_id("consent-accept").click()
    wait_for_reply(page, 0)
    audit("question")
    sender = sender_of(page)
    for _ in range(25):
        if page.query_selector("[data-testid=draft-card]"):
            break
        asked = stack.slot(sender, "requested_slot")
        if asked == "feeling_ok":  # a yes/no question: press the button
            audit("question with choices")
            press_choice(page, "Yes")
            continue
        assert asked in ANSWERS, f"unexpected question {asked!r}: {bot_texts(page)[-2:]}"
        type_message(page, ANSWERS[asked])

    card = page.get_by_test_id("draft-card")
    card.wait_for()
    shown = card.locator(".biu-draft-text").inner_text()
    assert "clock" in shown and "divorce" in shown
    assert "Too much to say? Start with:" in card.inner_text()
    # the draft arrives in view, from its top; it is shown (and read) once
    top = on_screen(card.get_by_role("heading"))
    assert top["inside"] and top["uncovered"], top
    assert page.locator(".biu-log").inner_text().count(shown.strip().splitlines()[0]) == 1
    heard = page.locator("#biu-panel [aria-live=polite]:not([role])").inner_text()
    assert shown.strip().splitlines()[0] not in heard and "Your draft message is below" in heard
    names = {page.get_by_role("textbox").first.evaluate("e => e.labels[0].textContent"),
             card.evaluate("e => document.getElementById(e.getAttribute('aria-labelledby')).textContent")}
    assert names == {"Your answer", "Your message for your therapist"}
    audit("draft")
    walk_focus(page)

    page.get_by_test_id("draft-copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == shown
    assert focused(page) == "draft-copy"
    with page.expect_download() as download:
        page.get_by_test_id("draft-download").click()
    assert download.value.suggested_filename.endswith(".txt")
    assert open(download.value.path(), encoding="utf-8").read().strip() == shown.strip()
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""

    type_message(page, CRISIS)
    check_crisis_on_screen(page)
    audit("safety")
    walk_focus(page)

    page.route("**/webhooks/rest/webhook", lambda route: route.abort())
    page.get_by_test_id("chat-input").fill("I'm safe now")
    page.keyboard.press("Enter")
    page.get_by_role("alert").wait_for()
    assert page.locator(".biu-log [role=alert]").count() == 0
    assert_on_screen(page.get_by_role("alert"), "the offline alert")
    audit("error")
    walk_focus(page)
