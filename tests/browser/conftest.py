"""The widget in Debian's Chromium, driven by Playwright, against the real servers and the
demo page that `make run` serves (started here on free ports, stopped after)."""

from __future__ import annotations

import pytest

from tests.servers.helpers import Stack

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NEUTRAL = "https://neutral.example/"
PHONE = {"width": 375, "height": 740}
SCREENS = {  # what the audits run on
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "200% zoom": {"viewport": {"width": 640, "height": 400}},  # 1280x800 at 200%
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    running = Stack(tmp_path_factory.mktemp("browser"))
    demo = f"http://localhost:{running.demo_port}"
    running.use_clinic(allowed_origins=[demo], quick_exit_url=NEUTRAL, logo_file="tests/browser/logo.svg")
    running.start()
    running.demo = demo
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, stack):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.demo)
    # The neutral site for quick exit is outside this closed network: answer for it.
    context.route(f"{NEUTRAL}**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<title>Weather</title><p>Sunny</p>"))
    yield context
    context.close()


@pytest.fixture
def open_page(browser, stack):
    """A fresh tab of the demo page on a screen of this size (kwargs go to new_context)."""
    contexts = []

    def opened(**options):
        context = browser.new_context(accept_downloads=True, **options)
        contexts.append(context)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.demo)
        context.route(f"{NEUTRAL}**", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><p>Sunny</p>"))
        page = context.new_page()
        page.goto(stack.demo + "/")
        page.wait_for_selector("[data-testid=chat-launcher]")
        return page

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture
def page(context, stack):
    page = context.new_page()
    page.goto(stack.demo + "/")
    page.wait_for_selector("[data-testid=chat-launcher]")
    return page
