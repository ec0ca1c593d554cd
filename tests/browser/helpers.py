"""What the browser tests do and check, as a client would: send, wait for the reply, audit
the page with axe-core, move by keyboard and look at what is on screen."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SENDER_KEY = "bring-it-up-sender"
CRISIS = "honestly I want to kill myself"


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


def press_choice(page, title: str) -> None:
    before = len(bot_texts(page))
    page.get_by_test_id("bot-button").filter(has_text=title).first.click()
    wait_for_reply(page, before)


def start(page) -> None:
    page.get_by_test_id("chat-launcher").click()
    page.get_by_test_id("consent-accept").click()
    wait_for_reply(page, 0)


def sender_of(page) -> str:
    return page.evaluate(f"sessionStorage.getItem('{SENDER_KEY}')")


def focused(page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.dataset.testid || null")


def axe_violations(page) -> list[tuple]:
    """Every axe-core finding, of any impact (the page must allow the injected script:
    a context with bypass_csp)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


# Where an element is on screen, and whether something else covers its middle.
_ON_SCREEN = """(el) => {
  const r = el.getBoundingClientRect();
  const inside = r.width > 1 && r.height > 1 && r.left >= 0 && r.top >= 0
    && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
  const top = inside ? document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) : null;
  return {inside, uncovered: !!top && (top === el || el.contains(top)),
          box: [r.left, r.top, r.right, r.bottom].map(Math.round)};
}"""


def on_screen(locator) -> dict:
    return locator.evaluate(_ON_SCREEN)


def assert_on_screen(locator, what: str) -> None:
    where = on_screen(locator)
    assert where["inside"] and where["uncovered"], f"{what} is not fully on screen: {where}"


# The focused element's ring against what is around it: the element's own background and
# what is just outside the ring on each side. Each background needs one ring colour at 3:1.
_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const inWidget = !!el.closest('#bring-it-up') || el.dataset.testid === 'quick-exit';
  if (!inWidget) return {inWidget};
  window.__ringIds = window.__ringIds || new WeakMap();
  if (!window.__ringIds.has(el)) {
    window.__ringCount = (window.__ringCount || 0) + 1;
    window.__ringIds.set(el, window.__ringCount);
  }
  const rgb = (c) => {
    const m = String(c).match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const backgroundOf = (node) => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const s = getComputedStyle(el);
  const rings = [];
  if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) rings.push(rgb(s.outlineColor));
  (s.boxShadow.match(/rgba?\\([^)]+\\)/g) || []).map(rgb).filter(c => c.a > 0.9).forEach(c => rings.push(c));
  const r = el.getBoundingClientRect();
  const backs = [];
  const own = rgb(s.backgroundColor);
  if (own && own.a > 0.5) backs.push(own);
  const around = [[r.left - 6, r.top + r.height / 2], [r.right + 6, r.top + r.height / 2],
                  [r.left + r.width / 2, r.top - 6], [r.left + r.width / 2, r.bottom + 6]];
  for (const [x, y] of around) {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    const under = document.elementsFromPoint(x, y).find(n => n !== el && !el.contains(n));
    if (under) backs.push(backgroundOf(under));
  }
  const worst = rings.length && backs.length
    ? Math.min(...backs.map(b => Math.max(...rings.map(g => ratio(g, b))))) : 0;
  const name = (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 40);
  return {inWidget, id: window.__ringIds.get(el), name, worst, visible: el.matches(':focus-visible'),
          control: /^(A|BUTTON|TEXTAREA)$/.test(el.tagName)};
}"""


def walk_focus(page, limit: int = 45) -> list[str]:
    """Tab through the page: every control of the widget the keyboard reaches shows a focus
    ring with 3:1 against every background around it, and is on screen, uncovered."""
    seen: list = []
    names: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(_RING)
        if not ring or not ring["inWidget"]:
            continue
        if ring["id"] in seen:
            break
        seen.append(ring["id"])
        names.append(ring["name"])
        assert ring["visible"], f"no visible focus on {ring['name']!r}"
        assert ring["worst"] >= 3, f"focus ring on {ring['name']!r}: {ring['worst']:.2f}:1"
        if ring["control"]:
            where = page.evaluate(f"({_ON_SCREEN})(document.activeElement)")
            assert where["inside"] and where["uncovered"], f"focused {ring['name']!r} not on screen: {where}"
    assert names, "the keyboard reached nothing in the widget"
    return names
