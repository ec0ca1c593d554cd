/*
 * Bring It Up chat widget: one script tag, no framework, no CDN, nothing kept in
 * localStorage or cookies.
 *
 *   <script src="https://bot.clinic.example/widget.js" data-server="https://bot.clinic.example"></script>
 *
 * Talks to Rasa's REST channel (POST {server}/webhooks/rest/webhook). Reads the clinic's
 * settings (name, crisis lines, privacy text, quick-exit address, colours) from
 * widget-config.json next to this script. Every text from the bot or the client is shown
 * with textContent: never parsed as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.BringItUp) return;
  var BASE = script.src.replace(/[^/]*$/, "");
  var SERVER = (script.getAttribute("data-server") || "").replace(/\/$/, "");
  var STORE_KEY = "bring-it-up-sender";
  var state = { sender: null, busy: false, pending: null, config: null };
  var L = {};  // the widget's own words, from content/widget.yml via widget-config.json

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

    ui.launcher = el("button", { type: "button", class: "biu-launcher", "data-testid": "chat-launcher",
      "aria-expanded": "false", "aria-controls": "biu-panel" }, config.launcher_label);
    ui.launcher.addEventListener("click", open);

    ui.panel = el("section", { class: "biu-panel", id: "biu-panel", role: "dialog",
      "aria-modal": "false", "aria-labelledby": "biu-title", hidden: "" });
    var header = el("header", { class: "biu-header" });
    var title = el("h2", { id: "biu-title" });
    if (config.logo) title.appendChild(el("img", { class: "biu-logo", src: BASE + "logo", alt: "" }));
    title.appendChild(document.createTextNode(config.title));
    header.appendChild(title);
    ui.close = el("button", { type: "button", class: "biu-close", "aria-label": L.close }, "\u00d7");
    ui.close.addEventListener("click", close);
    header.appendChild(ui.close);
    ui.panel.appendChild(header);

    ui.banner = el("div", { class: "biu-banner", "data-testid": "safety-banner", role: "region",
      "aria-label": L.help_region, hidden: "" });
    ui.panel.appendChild(ui.banner);

    ui.consent = el("div", { class: "biu-consent" });
    config.consent.forEach(function (paragraph) { ui.consent.appendChild(el("p", {}, paragraph)); });
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
    ui.consent.appendChild(ui.accept);
    ui.panel.appendChild(ui.consent);

    ui.log = el("div", { class: "biu-log", role: "log", "aria-live": "polite", "aria-label": L.conversation,
      tabindex: "0", hidden: "" });
    ui.panel.appendChild(ui.log);

    ui.status = el("div", { class: "biu-status", role: "status" });
    ui.panel.appendChild(ui.status);

    ui.form = el("form", { class: "biu-form", hidden: "" });
    var label = el("label", { for: "biu-input", class: "biu-visually-hidden" }, L.input_label);
    ui.input = el("textarea", { id: "biu-input", rows: "2", maxlength: "5000", "data-testid": "chat-input",
      placeholder: L.placeholder, autocomplete: "off" });
    ui.send = el("button", { type: "submit", class: "biu-primary", "data-testid": "chat-send" }, L.send);
    ui.form.appendChild(label);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.send);
    ui.form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); submit(); }
    });
    ui.panel.appendChild(ui.form);

    ui.footer = el("div", { class: "biu-footer", hidden: "" });
    ui.remove = el("button", { type: "button", class: "biu-link" }, L.delete);
    ui.remove.addEventListener("click", function () { send("/delete_data", L.delete); });
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
      list.appendChild(item);
    });
    return list;
  }

  // -- opening, closing, leaving ------------------------------------------------------

  function open() {
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.hidden = true;
    ui.consent.scrollTop = 0;
    (state.sender ? ui.input : ui.accept).focus({ preventScroll: true });
  }

  function close() {
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
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

  var shifts = [];
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !state.config) return;
    var now = Date.now();
    shifts = shifts.filter(function (t) { return now - t < 1500; });
    shifts.push(now);
    if (shifts.length >= 3) quickExit();
  });

  // -- the conversation ---------------------------------------------------------------

  function acceptConsent() {
    state.sender = newSender();
    showConversation();
    send("/consent_accept", null);
  }

  function showConversation() {
    ui.consent.hidden = true;
    ui.log.hidden = false;
    ui.form.hidden = false;
    ui.footer.hidden = false;
    ui.input.focus();
  }

  function submit() {
    var text = ui.input.value;
    if (!text.trim() || state.busy) return;
    ui.input.value = "";
    send(text, text);
  }

  function addUser(text) {
    ui.log.appendChild(el("p", { class: "biu-msg biu-user", "data-testid": "user-message" }, text));
    scroll();
  }

  function scroll() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.send.disabled = busy;
    ui.status.textContent = busy ? L.typing : "";
    ui.status.classList.toggle("biu-typing", busy);
  }

  function send(message, shown) {
    if (state.busy) return;
    // Quick replies belong to the question they came with: once the client answers, they go.
    Array.prototype.forEach.call(ui.log.querySelectorAll(".biu-buttons"), function (group) {
      group.parentNode.removeChild(group);
    });
    if (shown) addUser(shown);
    state.pending = { message: message };
    clearError();
    setBusy(true);
    fetch(SERVER + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message }),
      credentials: "omit",
      referrerPolicy: "no-referrer"
    }).then(function (response) {
      if (response.status === 429) throw new Error("busy");
      if (!response.ok) throw new Error("status " + response.status);
      return response.json();
    }).then(function (messages) {
      setBusy(false);
      (messages || []).forEach(function (message, i) { render(message, helpLinesFor(messages, i)); });
      // The server could not do it just now (action server or database down): the bot
      // said so, and the same message can be sent again with one press.
      var again = (messages || []).some(function (m) {
        return customType(m) === "try_again";
      });
      if (again) showError(null);
      else state.pending = null;
      scroll();
    }).catch(function (error) {
      setBusy(false);
      showError(error && error.message === "busy" ? state.config.busy_text : state.config.offline_text);
    });
  }

  function showError(text) {
    clearError();
    var box = el("div", { class: "biu-error", role: "alert" });
    if (text) box.appendChild(el("p", {}, text));
    var retry = el("button", { type: "button", class: "biu-primary" }, L.retry);
    retry.addEventListener("click", function () {
      var pending = state.pending;
      clearError();
      if (pending) send(pending.message, null);
    });
    box.appendChild(retry);
    ui.log.appendChild(box);
    ui.error = box;
    scroll();
    retry.focus();
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

  function render(message, helpLines) {
    var custom = message.custom;
    if (message.text) {
      ui.log.appendChild(el("p", { class: "biu-msg biu-bot" + (helpLines ? " biu-visually-hidden" : ""),
        "data-testid": "bot-message" }, message.text));
    }
    if (message.buttons && message.buttons.length) renderButtons(message.buttons);
    var type = customType(message);
    if (type === "safety") showBanner(custom);
    else if (type === "draft") renderDraft(custom);
    else if (type === "data_deleted") dataDeleted();
  }

  function renderButtons(buttons) {
    var group = el("div", { class: "biu-buttons", role: "group", "aria-label": L.quick_replies });
    buttons.forEach(function (b) {
      var button = el("button", { type: "button", class: "biu-choice", "data-testid": "bot-button" }, b.title);
      button.addEventListener("click", function () {
        if (state.busy) return;
        send(String(b.payload), b.title);
        ui.input.focus();
      });
      group.appendChild(button);
    });
    ui.log.appendChild(group);
  }

  function showBanner(safety) {
    ui.banner.textContent = "";
    var heading = safety.level === "ethics" ? state.config.ethics_heading : state.config.crisis_heading;
    ui.banner.appendChild(el("h3", {}, heading));
    ui.banner.appendChild(resourceList(safety.resources));
    ui.banner.hidden = false;
    ui.banner.setAttribute("data-level", safety.level || "");
  }

  function renderDraft(draft) {
    var card = el("article", { class: "biu-draft", "data-testid": "draft-card", "aria-label": L.draft_heading });
    card.appendChild(el("h3", {}, L.draft_heading));
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
    ui.log.appendChild(el("p", { class: "biu-msg biu-bot", "data-testid": "bot-message" }, state.config.deleted_text));
    ui.form.hidden = true;
    ui.footer.hidden = true;
    ui.consent.hidden = false;
    ui.accept.focus();
  }

  // -- start -------------------------------------------------------------------------

  function start(config) {
    state.config = config;
    L = config.labels;
    build(config);
    var sender = savedSender();
    if (sender) {
      state.sender = sender;
      showConversation();
      ui.log.appendChild(el("p", { class: "biu-msg biu-bot", "data-testid": "bot-message" }, config.resumed_text));
    }
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
