/*
 * Bring It Up chat widget: one script tag, no framework, no CDN, nothing kept in
 * localStorage or cookies.
 *
 *   <script src="https://bot.clinic.example/widget.js" data-server="https://bot.clinic.example"></script>
 *
 * Talks to Rasa's REST channel (POST {server}/webhooks/rest/webhook). Reads the clinic's
 * settings (name, crisis lines, privacy text, quick-exit address, colours) from
 * widget-config.json next to this script. Every text from the bot or the client is shown
 * with textContent: never parsed as HTML. The only links made from text are the clinic's
 * own crisis numbers (tel: and sms:, digits only).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.BringItUp) return;
  var BASE = script.src.replace(/[^/]*$/, "");
  var SERVER = (script.getAttribute("data-server") || "").replace(/\/$/, "");
  var STORE_KEY = "bring-it-up-sender";
  // A reply that takes longer than this is treated like a lost connection ("Try again").
  var TIMEOUT_MS = 20000;
  // Quick exit by keyboard: Shift pressed and released on its own, this many times, within
  // this window (GOV.UK's "Exit this page"). Any other key in between starts again.
  var EXIT_PRESSES = 3;
  var EXIT_WINDOW_MS = 5000;
  // Must match widget.css: where the panel covers the whole page, and where it scrolls as a whole.
  var COVERING = "(max-width: 480px), (max-height: 560px)";
  var SHORT = "(max-height: 560px)";
  var state = { sender: null, busy: false, pending: null, config: null };
  var L = {};  // the widget's own words, from content/widget.yml via widget-config.json
  var ids = 0;

  // -- small helpers ------------------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "class") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function uid(prefix) {
    ids += 1;
    return prefix + "-" + ids;
  }

  function matches(query) {
    return !!(window.matchMedia && window.matchMedia(query).matches);
  }

  function newSender() {
    var id = window.crypto && crypto.randomUUID ? crypto.randomUUID() : null;
    if (!id) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    try { sessionStorage.setItem(STORE_KEY, id); } catch (e) { /* private mode: memory only */ }
    return id;
  }

  function savedSender() {
    try { return sessionStorage.getItem(STORE_KEY); } catch (e) { return null; }
  }

  function forget() {
    try { sessionStorage.removeItem(STORE_KEY); } catch (e) { /* nothing kept */ }
    state.sender = null;
  }

  function safeUrl(url) {
    return /^https:\/\/[^\s]+$/.test(url || "") ? url : null;
  }

  // -- crisis numbers as links ----------------------------------------------------------
  // Phone numbers in the clinic's crisis lines (clinic.yml) become tel: and sms: links. The
  // text around them stays text; a link's address is made of digits (and a leading +) only.

  var PHONE = /(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,5}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){0,4}/g;
  var known = {};  // digits -> {call, text}: the numbers of the clinic's crisis lines

  function numbersIn(text) {
    var found = [];
    var match;
    PHONE.lastIndex = 0;
    while ((match = PHONE.exec(text)) !== null) {
      var before = text.charAt(match.index - 1);
      var after = text.charAt(match.index + match[0].length);
      var digits = match[0].replace(/[^\d+]/g, "");
      if (digits.replace(/\D/g, "").length >= 3 && !/[\w/]/.test(before) && !/[\w/]/.test(after)) {
        found.push({ start: match.index, end: match.index + match[0].length, raw: match[0], digits: digits });
      }
    }
    return found;
  }

  function mentions(text, words) {
    var lower = text.toLowerCase();
    return (words || []).some(function (word) {
      return new RegExp("(^|[^a-z])" + String(word).toLowerCase().replace(/[^a-z0-9 ]/g, "") + "([^a-z]|$)")
        .test(lower);
    });
  }

  // "Call or text 988": call and text; "text SHOUT to 85258": text only; "999": call.
  function ways(contact) {
    var found = numbersIn(contact || "");
    return found.map(function (number, i) {
      var said = contact.slice(i ? found[i - 1].end : 0, number.start);
      var text = mentions(said, state.config.text_words);
      var call = mentions(said, state.config.call_words) || !text;
      return { raw: number.raw, digits: number.digits, call: call, text: text };
    });
  }

  function learnNumbers(resources) {
    (resources || []).forEach(function (r) {
      ways(r.contact).forEach(function (way) {
        var seen = known[way.digits] || { call: false, text: false };
        known[way.digits] = { call: seen.call || way.call, text: seen.text || way.text };
      });
    });
  }

  // Text into `node`, with the clinic's crisis numbers in it as links.
  function appendLinked(node, text) {
    var at = 0;
    numbersIn(text).forEach(function (number) {
      var way = known[number.digits];
      if (!way) return;
      node.appendChild(document.createTextNode(text.slice(at, number.start)));
      node.appendChild(el("a", { href: (way.call ? "tel:" : "sms:") + number.digits, class: "biu-number" },
        number.raw));
      at = number.end;
    });
    node.appendChild(document.createTextNode(text.slice(at)));
  }

  // -- building the widget -----------------------------------------------------------

  var ui = {};

  function build(config) {
    var root = el("div", { class: "biu", id: "bring-it-up" });
    if (config.colors && /^#[0-9a-fA-F]{6}$/.test(config.colors.primary || "")) {
      root.style.setProperty("--biu-primary", config.colors.primary);
    }

    // Quick exit: first in the page's tab order, always visible.
    ui.exit = el("button", { type: "button", class: "biu-exit", "data-testid": "quick-exit",
      title: L.quick_exit_hint }, config.quick_exit_label);
    ui.exit.addEventListener("click", quickExit);
    document.body.insertBefore(ui.exit, document.body.firstChild);
    ui.exitNews = el("div", { class: "biu-visually-hidden", "aria-live": "polite" });
    document.body.insertBefore(ui.exitNews, ui.exit.nextSibling);

    ui.launcher = el("button", { type: "button", class: "biu-launcher", "data-testid": "chat-launcher",
      "aria-expanded": "false", "aria-controls": "biu-panel" }, config.launcher_label);
    ui.launcher.addEventListener("click", open);

    ui.panel = el("section", { class: "biu-panel", id: "biu-panel", role: "dialog",
      "aria-labelledby": "biu-title", hidden: "" });
    var header = el("div", { class: "biu-header" });
    var title = el("h2", { id: "biu-title", tabindex: "-1" });
    if (config.logo) title.appendChild(el("img", { class: "biu-logo", src: BASE + "logo", alt: "" }));
    title.appendChild(document.createTextNode(config.title));
    header.appendChild(title);
    ui.title = title;
    ui.close = el("button", { type: "button", class: "biu-close", "aria-label": L.close }, "\u00d7");
    ui.close.addEventListener("click", close);
    header.appendChild(ui.close);
    ui.panel.appendChild(header);

    ui.banner = el("div", { class: "biu-banner", "data-testid": "safety-banner", role: "region",
      "aria-label": L.help_region, hidden: "" });
    ui.panel.appendChild(ui.banner);

    ui.consent = el("div", { class: "biu-consent" });
    var about = el("div", { id: "biu-consent-text" });
    config.consent.forEach(function (paragraph) { appendLinked(about.appendChild(el("p")), paragraph); });
    ui.consent.appendChild(about);
    var privacy = safeUrl(config.privacy_url);
    if (privacy) {
      var more = el("p");
      more.appendChild(el("a", { href: privacy, target: "_blank", rel: "noopener noreferrer" }, L.privacy_link));
      ui.consent.appendChild(more);
    }
    ui.consent.appendChild(resourceList(config.crisis_resources));
    ui.accept = el("button", { type: "button", class: "biu-primary", "data-testid": "consent-accept" },
      config.consent_button);
    ui.accept.addEventListener("click", acceptConsent);
    ui.go = el("div", { class: "biu-consent-go" });
    ui.go.appendChild(ui.accept);
    ui.consent.appendChild(ui.go);
    ui.panel.appendChild(ui.consent);

    // The conversation is not a live region itself: each bot turn is announced once, in
    // `ui.news`, so that nothing is read twice and the client's own words are not read back.
    ui.log = el("div", { class: "biu-log", role: "region", "aria-label": L.conversation, tabindex: "0",
      hidden: "" });
    ui.panel.appendChild(ui.log);
    ui.news = el("div", { class: "biu-visually-hidden", "aria-live": "polite" });
    ui.panel.appendChild(ui.news);

    // The error, the typing line and the message box stay together (on a short screen they
    // stay at the bottom of the screen while the rest scrolls).
    ui.dock = el("div", { class: "biu-dock" });
    ui.errorSlot = el("div", { class: "biu-error-slot" });
    ui.dock.appendChild(ui.errorSlot);
    ui.status = el("div", { class: "biu-status", role: "status" });
    ui.dock.appendChild(ui.status);
    ui.form = el("form", { class: "biu-form", hidden: "" });
    var label = el("label", { for: "biu-input", class: "biu-visually-hidden" }, L.input_label);
    ui.input = el("textarea", { id: "biu-input", rows: "2", maxlength: "5000", "data-testid": "chat-input",
      placeholder: L.placeholder, autocomplete: "off" });
    // Never `disabled` while waiting: a disabled button loses the focus it has.
    ui.send = el("button", { type: "submit", class: "biu-primary", "data-testid": "chat-send",
      "aria-disabled": "false" }, L.send);
    ui.form.appendChild(label);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.send);
    ui.form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); submit(); }
    });
    ui.dock.appendChild(ui.form);
    ui.panel.appendChild(ui.dock);

    ui.footer = el("div", { class: "biu-footer", hidden: "" });
    ui.remove = el("button", { type: "button", class: "biu-link" }, L.delete);
    ui.remove.addEventListener("click", function () {
      if (state.busy) return;
      send("/delete_data", L.delete);
    });
    ui.footer.appendChild(ui.remove);
    ui.panel.appendChild(ui.footer);

    root.appendChild(ui.launcher);
    root.appendChild(ui.panel);
    document.body.appendChild(root);
    ui.root = root;
  }

  function resourceList(resources) {
    var list = el("ul", { class: "biu-resources" });
    (resources || []).forEach(function (r) {
      var item = el("li");
      item.appendChild(el("strong", {}, r.name));
      item.appendChild(document.createTextNode(": " + r.contact));
      var url = safeUrl(r.url);
      if (url) {
        item.appendChild(document.createTextNode(" "));
        var link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url.replace(/^https:\/\//, ""));
        item.appendChild(link);
      }
      var dial = ways(r.contact);
      if (dial.length) {
        var links = el("span", { class: "biu-dial" });
        dial.forEach(function (way) {
          if (way.call) links.appendChild(el("a", { href: "tel:" + way.digits }, L.call + " " + way.raw));
          if (way.text) links.appendChild(el("a", { href: "sms:" + way.digits }, L.text + " " + way.raw));
        });
        item.appendChild(document.createTextNode(" "));
        item.appendChild(links);
      }
      list.appendChild(item);
    });
    return list;
  }

  // -- the page around the widget ------------------------------------------------------

  // Where the panel covers the page, the page behind it is inert: Tab cannot reach links
  // nobody can see. The quick exit stays reachable.
  var inerted = [];

  function updateCover() {
    if (!ui.panel) return;
    var covering = !ui.panel.hidden && matches(COVERING);
    if (covering && !inerted.length) {
      Array.prototype.forEach.call(document.body.children, function (child) {
        if (child === ui.root || child === ui.exit || child === ui.exitNews || child.hasAttribute("inert") ||
            /^(SCRIPT|STYLE|LINK|TEMPLATE)$/.test(child.tagName)) return;
        child.setAttribute("inert", "");
        inerted.push(child);
      });
    } else if (!covering && inerted.length) {
      inerted.forEach(function (child) { child.removeAttribute("inert"); });
      inerted = [];
    }
    // The header (and the banner on a short screen) keep clear of the quick exit above them.
    var box = ui.exit.getBoundingClientRect();
    ui.root.style.setProperty("--biu-exit-space", Math.ceil(window.innerWidth - box.left + 8) + "px");
    updateScrollPadding();
    updateStickyPadding();
  }

  function sticky(node) {
    return !node.hidden && window.getComputedStyle(node).position === "sticky";
  }

  // On a short screen, what the keyboard moves to is scrolled clear of what stays on screen
  // above (the help lines) and below (the message box, or the consent's button).
  function updateStickyPadding() {
    if (!ui.panel || ui.panel.hidden) return;
    if (scroller() !== ui.panel) { ui.panel.style.scrollPadding = ""; return; }
    // The help lines stay on screen when they leave room for the rest (folded, they always do).
    var folded = ui.bannerBody && ui.bannerBody.hidden;
    ui.banner.classList.toggle("biu-stuck", !!folded || ui.banner.offsetHeight <= 0.55 * window.innerHeight);
    var top = sticky(ui.banner) ? ui.banner.offsetHeight : 0;
    var bottom = !ui.consent.hidden ? ui.go.offsetHeight : sticky(ui.dock) ? ui.dock.offsetHeight : 0;
    ui.panel.style.scrollPadding = (top + 8) + "px 0 " + (bottom + 8) + "px";
  }

  // While the launcher is shown, a control the keyboard moves to is scrolled clear of it.
  var hostPadding = null;

  function updateScrollPadding() {
    var html = document.documentElement;
    if (hostPadding === null) {
      var own = window.getComputedStyle(html).scrollPaddingBottom;
      hostPadding = own && own !== "auto" && own !== "0px" ? false : html.style.scrollPaddingBottom || "";
    }
    if (hostPadding === false) return;  // the page has its own: keep it
    if (!ui.launcher.hidden) {
      var top = ui.launcher.getBoundingClientRect().top;
      html.style.scrollPaddingBottom = Math.ceil(window.innerHeight - top + 8) + "px";
    } else {
      html.style.scrollPaddingBottom = hostPadding;
    }
  }

  // -- opening, closing, leaving ------------------------------------------------------

  function open() {
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.hidden = true;
    ui.consent.scrollTop = 0;
    ui.panel.scrollTop = 0;
    updateCover();
    if (state.sender) {
      ui.input.focus({ preventScroll: true });
      scroller().scrollTop = scroller().scrollHeight;
    } else {
      // The consent's button, unless the screen is so short that it is below the text: then
      // the top of the dialog, so that it is read from its start.
      var box = ui.accept.getBoundingClientRect();
      (box.bottom <= window.innerHeight ? ui.accept : ui.title).focus({ preventScroll: true });
    }
  }

  function close() {
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
    updateCover();
    ui.launcher.focus();
  }

  function quickExit() {
    if (ui.log) ui.log.textContent = "";
    if (ui.input) ui.input.value = "";
    forget();
    window.location.replace(state.config.quick_exit_url);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && ui.panel && !ui.panel.hidden) close();
  });

  // Shift x3: only Shift pressed and released with no other key (Shift+Tab, a capital letter
  // and Ctrl+Shift do not count), three times within EXIT_WINDOW_MS, and never while the
  // focus is in a text field (typing in the message box).
  var shift = { down: false, alone: false, count: 0, timer: null };

  function typingIn(node) {
    if (!node || !node.tagName) return false;
    if (node.isContentEditable || node.tagName === "TEXTAREA" || node.tagName === "SELECT") return true;
    return node.tagName === "INPUT" &&
      !/^(button|checkbox|radio|submit|reset|image|file|range|color)$/i.test(node.type || "");
  }

  function resetShifts(told) {
    if (shift.timer) clearTimeout(shift.timer);
    if (told && shift.count) ui.exitNews.textContent = L.exit_shift_expired;
    shift.count = 0;
    shift.timer = null;
  }

  window.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      if (!event.repeat) {
        shift.down = true;
        shift.alone = !(event.ctrlKey || event.altKey || event.metaKey);
      }
      return;
    }
    shift.alone = false;
    resetShifts(false);
  }, true);

  window.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") return;
    var alone = shift.down && shift.alone;
    shift.down = false;
    shift.alone = false;
    if (!state.config || !ui.exitNews) return;
    if (!alone) { resetShifts(false); return; }
    if (typingIn(event.target) || typingIn(document.activeElement)) return;
    shift.count += 1;
    if (shift.count >= EXIT_PRESSES) { resetShifts(false); quickExit(); return; }
    if (!shift.timer) shift.timer = setTimeout(function () { resetShifts(true); }, EXIT_WINDOW_MS);
    ui.exitNews.textContent = EXIT_PRESSES - shift.count === 1 ? L.exit_shift_once_more : L.exit_shift_twice_more;
  }, true);

  window.addEventListener("blur", function () { shift.down = false; shift.alone = false; });

  // -- the conversation ---------------------------------------------------------------

  function acceptConsent() {
    state.sender = newSender();
    showConversation();
    send("/consent_accept", null);
  }

  function showConversation() {
    ui.consent.hidden = true;
    ui.panel.removeAttribute("aria-describedby");
    ui.panel.classList.remove("biu-consenting");
    ui.log.hidden = false;
    ui.form.hidden = false;
    ui.footer.hidden = false;
    updateStickyPadding();
    ui.input.focus();
  }

  function showConsent() {
    ui.consent.hidden = false;
    ui.panel.setAttribute("aria-describedby", "biu-consent-text");
    ui.panel.classList.add("biu-consenting");
    ui.form.hidden = true;
    ui.footer.hidden = true;
  }

  function submit() {
    var text = ui.input.value;
    if (document.activeElement !== ui.input) ui.input.focus();
    if (state.busy) { ui.status.textContent = L.wait; return; }
    if (!text.trim()) return;
    ui.input.value = "";
    send(text, text);
  }

  function message(kind, text, linked) {
    var speaker = kind === "user" ? L.you_said : L.bot_said;
    var box = el("p", { class: "biu-msg biu-" + kind });
    box.appendChild(el("span", { class: "biu-visually-hidden" }, speaker + " "));
    var words = el("span", { "data-testid": kind + "-message" });
    if (linked) appendLinked(words, text);
    else words.textContent = text;
    box.appendChild(words);
    return box;
  }

  function addUser(text) {
    var box = message("user", text, false);
    ui.log.appendChild(box);
    reveal(box, box);
  }

  // The element that scrolls: the conversation, or the whole panel on a short screen.
  function scroller() {
    var overflow = window.getComputedStyle(ui.log).overflowY;
    return overflow === "auto" || overflow === "scroll" ? ui.log : ui.panel;
  }

  // What of the scrolling element is really free to show the conversation: on a short
  // screen the banner stays above and the message box below while the rest scrolls.
  function area() {
    var box = scroller();
    var frame = box.getBoundingClientRect();
    var top = frame.top;
    var bottom = frame.bottom;
    if (box === ui.panel) {
      if (!ui.banner.hidden && window.getComputedStyle(ui.banner).position === "sticky") {
        top += ui.banner.offsetHeight;
      }
      if (window.getComputedStyle(ui.dock).position === "sticky") bottom -= ui.dock.offsetHeight;
    }
    return { box: box, top: top, bottom: bottom };
  }

  function fits(first, last) {
    var free = area();
    return last.getBoundingClientRect().bottom - first.getBoundingClientRect().top + 16 <= free.bottom - free.top;
  }

  // Scroll so that `first`..`last` are on screen, ending at the bottom of the free space;
  // when they do not fit (or `fromStart`), from their top.
  function reveal(first, last, fromStart) {
    if (!first || !last) return;
    var free = area();
    var from = first.getBoundingClientRect().top - 8;
    var to = last.getBoundingClientRect().bottom + 8;
    var delta = !fromStart && to - from <= free.bottom - free.top ? to - free.bottom : from - free.top;
    free.box.scrollTop += delta;
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.send.setAttribute("aria-disabled", busy ? "true" : "false");
    ui.status.textContent = busy ? L.typing : "";
    ui.status.classList.toggle("biu-typing", busy);
  }

  function send(text, shown) {
    if (state.busy) return;
    // The focus goes to the message box before the quick reply it is on is removed.
    var focused = document.activeElement;
    if (focused && focused.closest && focused.closest(".biu-buttons")) ui.input.focus({ preventScroll: true });
    // Quick replies belong to the question they came with: once the client answers, they go.
    Array.prototype.forEach.call(ui.log.querySelectorAll(".biu-buttons"), function (group) {
      group.parentNode.removeChild(group);
    });
    if (shown) {
      addUser(shown);
      if (matches(SHORT)) setBannerOpen(false);  // the help lines fold to one line, still there
    }
    state.pending = { message: text };
    clearError();
    setBusy(true);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    fetch(SERVER + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: text }),
      credentials: "omit",
      referrerPolicy: "no-referrer",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.status === 429) throw new Error("busy");
      if (!response.ok) throw new Error("status " + response.status);
      return response.json();
    }).then(function (messages) {
      clearTimeout(timer);
      setBusy(false);
      renderTurn(Array.isArray(messages) ? messages : []);
      // The server could not do it just now (action server or database down): the bot
      // said so, and the same message can be sent again with one press.
      var again = (messages || []).some(function (m) {
        return customType(m) === "try_again";
      });
      if (again) showError(null);
      else state.pending = null;
    }).catch(function (error) {
      clearTimeout(timer);
      setBusy(false);
      showError(error && error.message === "busy" ? state.config.busy_text : state.config.offline_text);
    });
  }

  function showError(text) {
    clearError();
    var box = el("div", { class: "biu-error" });
    if (text) {
      box.setAttribute("role", "alert");
      box.appendChild(el("p", {}, text));
    }
    var retry = el("button", { type: "button", class: "biu-primary" }, L.retry);
    retry.addEventListener("click", function () {
      var pending = state.pending;
      ui.input.focus({ preventScroll: true });  // before the button goes
      clearError();
      if (pending) send(pending.message, null);
    });
    box.appendChild(retry);
    ui.errorSlot.appendChild(box);
    ui.error = box;
    // Not while the client is writing their next message.
    if (!(document.activeElement === ui.input && ui.input.value)) retry.focus({ preventScroll: true });
    if (scroller() === ui.panel && window.getComputedStyle(ui.dock).position !== "sticky") {
      box.scrollIntoView({ block: "nearest" });
    }
  }

  function clearError() {
    if (ui.error && ui.error.parentNode) ui.error.parentNode.removeChild(ui.error);
    ui.error = null;
  }

  function customType(message) {
    var custom = message && message.custom;
    return custom && typeof custom === "object" ? custom.type : null;
  }

  // The help lines (988...) arrive as text followed by the safety payload that the banner
  // at the top shows. In the log they are kept for screen readers only (the log is
  // announced, the banner is not), so that they are not shown twice.
  function helpLinesFor(messages, i) {
    var message = messages[i];
    return !!message.text && (customType(message) === "safety" ||
      (!message.custom && customType(messages[i + 1]) === "safety"));
  }

  // The draft arrives as readable text and then as the card: the card is enough.
  function draftTextFor(messages, i) {
    var next = messages[i + 1];
    return !!messages[i].text && customType(next) === "draft" && next.custom.text === messages[i].text;
  }

  // One bot turn: shown in the log, announced once (its words, its choices as a list).
  function renderTurn(messages) {
    var shown = [];
    var said = [];
    var question = null;
    var card = null;
    messages.forEach(function (m, i) {
      if (!m || typeof m !== "object") return;
      if (m.text && !draftTextFor(messages, i)) {
        var hidden = helpLinesFor(messages, i);
        var box = message("bot", m.text, !hidden);
        if (hidden) {
          box.classList.add("biu-visually-hidden");
          box.lastChild.classList.add("biu-visually-hidden");
        }
        ui.log.appendChild(box);
        if (!hidden) shown.push(box);
        said.push(m.text);
        if (m.buttons && m.buttons.length) question = box;
      }
      if (m.buttons && m.buttons.length) {
        shown.push(renderButtons(m.buttons));
        said.push(L.choices + " " + m.buttons.map(function (b) { return b.title; }).join("; ") + ".");
      }
      var type = customType(m);
      if (type === "safety") showBanner(m.custom);
      else if (type === "draft") {
        card = renderDraft(m.custom);
        shown.push(card);
        said.push(L.draft_ready);
      } else if (type === "data_deleted") {
        dataDeleted();
        shown = [];
        said = [state.config.deleted_text];
      }
    });
    if (said.length) announce(said.join(" "));
    updateStickyPadding();
    if (!shown.length) return;
    var first = shown[0];
    var last = shown[shown.length - 1];
    if (card) reveal(card, last, true);  // the draft from its top
    else if (question && !fits(first, last)) reveal(question, last);  // at least the question and its choices
    else reveal(first, last);
  }

  function announce(text) {
    ui.news.textContent = "";
    ui.news.appendChild(el("p", {}, L.bot_said + " " + text));
  }

  function renderButtons(buttons) {
    var group = el("ul", { class: "biu-buttons", role: "list", "aria-label": L.quick_replies });
    buttons.forEach(function (b) {
      var item = el("li");
      var button = el("button", { type: "button", class: "biu-choice", "data-testid": "bot-button" }, b.title);
      button.addEventListener("click", function () {
        if (state.busy) return;
        send(String(b.payload), b.title);
      });
      item.appendChild(button);
      group.appendChild(item);
    });
    ui.log.appendChild(group);
    return group;
  }

  function showBanner(safety) {
    ui.banner.textContent = "";
    var heading = safety.level === "ethics" ? state.config.ethics_heading : state.config.crisis_heading;
    var body = el("div", { id: "biu-banner-body" });
    ui.bannerToggle = el("button", { type: "button", class: "biu-banner-toggle", "aria-expanded": "true",
      "aria-controls": "biu-banner-body" }, heading);
    ui.bannerToggle.addEventListener("click", function () {
      setBannerOpen(ui.bannerToggle.getAttribute("aria-expanded") !== "true");
    });
    var title = el("h3");
    title.appendChild(ui.bannerToggle);
    ui.banner.appendChild(title);
    learnNumbers(safety.resources);
    body.appendChild(resourceList(safety.resources));
    ui.banner.appendChild(body);
    ui.bannerBody = body;
    ui.banner.hidden = false;
    ui.banner.setAttribute("data-level", safety.level || "");
  }

  function setBannerOpen(open) {
    if (!ui.bannerToggle || ui.banner.hidden) return;
    ui.bannerToggle.setAttribute("aria-expanded", open ? "true" : "false");
    ui.bannerBody.hidden = !open;
    updateStickyPadding();
  }

  function renderDraft(draft) {
    var heading = uid("biu-draft");
    var card = el("article", { class: "biu-draft", "data-testid": "draft-card", "aria-labelledby": heading });
    card.appendChild(el("h3", { id: heading }, L.draft_heading));
    card.appendChild(el("p", { class: "biu-draft-text" }, draft.text));
    if (draft.one_sentence) {
      var line = el("p", { class: "biu-draft-line" });
      line.appendChild(el("strong", {}, L.one_sentence + " "));
      line.appendChild(document.createTextNode("\u201c" + draft.one_sentence + "\u201d"));
      card.appendChild(line);
    }
    var actions = el("div", { class: "biu-draft-actions" });
    var copy = el("button", { type: "button", "data-testid": "draft-copy" }, L.copy);
    copy.addEventListener("click", function () { copyText(draft.text, copy); });
    var download = el("button", { type: "button", "data-testid": "draft-download" }, L.download);
    download.addEventListener("click", function () { downloadText(draft.text); });
    var print = el("button", { type: "button", "data-testid": "draft-print" }, L.print);
    print.addEventListener("click", function () { printDraft(card); });
    actions.appendChild(copy);
    actions.appendChild(download);
    actions.appendChild(print);
    card.appendChild(actions);
    ui.log.appendChild(card);
    return card;
  }

  function copyText(text, button) {
    function done() { button.textContent = L.copied; ui.status.textContent = L.copied_status; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { legacyCopy(text); done(); });
    } else {
      legacyCopy(text);
      done();
    }
  }

  function legacyCopy(text) {
    var area = el("textarea", { class: "biu-visually-hidden", "aria-hidden": "true" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text is still on screen */ }
    document.body.removeChild(area);
  }

  function downloadText(text) {
    var blob = new Blob([text + "\n"], { type: "text/plain;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = el("a", { href: url, download: L.download_name });
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function printDraft(card) {
    card.classList.add("biu-printing");
    document.documentElement.classList.add("biu-print-draft");
    window.print();
    document.documentElement.classList.remove("biu-print-draft");
    card.classList.remove("biu-printing");
  }

  function dataDeleted() {
    forget();
    ui.log.textContent = "";
    ui.log.appendChild(message("bot", state.config.deleted_text, false));
    showConsent();
    ui.accept.focus();
  }

  // -- start -------------------------------------------------------------------------

  function start(config) {
    state.config = config;
    L = config.labels;
    learnNumbers(config.crisis_resources);
    build(config);
    showConsent();
    var sender = savedSender();
    if (sender) {
      state.sender = sender;
      showConversation();
      ui.log.appendChild(message("bot", config.resumed_text, true));
    }
    [COVERING, SHORT].forEach(function (query) {
      var list = window.matchMedia ? window.matchMedia(query) : null;
      if (list && list.addEventListener) list.addEventListener("change", updateCover);
      else if (list && list.addListener) list.addListener(updateCover);
    });
    window.addEventListener("resize", updateCover);
    updateCover();
    window.BringItUp = { open: open, close: close };
  }

  var link = el("link", { rel: "stylesheet", href: BASE + "widget.css" });
  document.head.appendChild(link);
  fetch(BASE + "widget-config.json", { credentials: "omit" })
    .then(function (response) { return response.json(); })
    .then(function (config) {
      if (document.body) start(config);
      else document.addEventListener("DOMContentLoaded", function () { start(config); });
    });
})();
