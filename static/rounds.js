/* The nurse's pages: the step timer's countdown, and drafts of the documentation forms.
   Loaded as a file (the CSP allows no inline script); the pages work without it. */
(function () {
  "use strict";

  function countdownText(ms) {
    if (ms <= 0) return "(due now)";
    var total = Math.floor(ms / 1000), minutes = Math.floor(total / 60), seconds = total % 60;
    return minutes >= 10 ? "(in " + minutes + " min)"
      : "(in " + minutes + ":" + (seconds < 10 ? "0" : "") + seconds + ")";
  }

  function startCountdowns() {
    var clocks = document.querySelectorAll(".countdown[data-until]");
    if (!clocks.length) return;
    // The server's "now" against this device's clock: a phone a few minutes off still counts right.
    var skew = 0, first = clocks[0];
    if (first.dataset.now) skew = Date.parse(first.dataset.now) - Date.now();
    function tick() {
      clocks.forEach(function (el) {
        el.textContent = countdownText(Date.parse(el.dataset.until) - (Date.now() + skew));
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  /* Drafts: what she types is kept on this device (localStorage, per user and visit) until the
     server confirms the save, so a reload, a closed tab or an idle logout loses nothing.
     Another user's drafts are deleted as soon as a nurse page opens, and all drafts at logout. */
  var PREFIX = "rounds-draft:";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }  // private mode, disabled storage
  }

  function draftKeys(store) {
    var keys = [];
    for (var i = 0; i < store.length; i++) if (store.key(i).indexOf(PREFIX) === 0) keys.push(store.key(i));
    return keys;
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "hidden" && el.type !== "submit" && el.type !== "password";
    });
  }

  function startDrafts() {
    var store = storage(), marker = document.querySelector("[data-rounds-user]");
    if (!store || !marker) return;
    var mine = PREFIX + marker.dataset.roundsUser + ":";
    draftKeys(store).forEach(function (key) { if (key.indexOf(mine) !== 0) store.removeItem(key); });
    var saved = new URLSearchParams(location.search).get("saved");
    document.querySelectorAll("form[data-step]").forEach(function (form) {
      var key = mine + form.getAttribute("action");
      var draft = null;
      try { draft = JSON.parse(store.getItem(key) || "null"); } catch (e) { store.removeItem(key); }
      if (draft && draft.submitted && saved === form.dataset.step) { store.removeItem(key); draft = null; }
      if (draft && !form.dataset.bound) restore(form, draft);
      form.addEventListener("input", function () { keep(store, key, form, false); });
      form.addEventListener("change", function () { keep(store, key, form, false); });
      form.addEventListener("submit", function () { if (store.getItem(key)) keep(store, key, form, true); });
    });
    document.querySelectorAll("form.logout").forEach(function (form) {
      form.addEventListener("submit", function () { draftKeys(store).forEach(function (k) { store.removeItem(k); }); });
    });
  }

  function keep(store, key, form, submitted) {
    var values = {};
    fieldsOf(form).forEach(function (el) { values[el.name] = el.value; });
    store.setItem(key, JSON.stringify({values: values, typedAt: new Date().toISOString(), submitted: submitted}));
  }

  function restore(form, draft) {
    fieldsOf(form).forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(draft.values, el.name)) el.value = draft.values[el.name];
    });
    var note = document.createElement("p");
    note.className = "draft-note";
    note.setAttribute("role", "status");
    var at = new Date(draft.typedAt);
    note.textContent = "Not saved yet: restored what you typed at " +
      at.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", timeZoneName: "short"}) + ". Check it and save.";
    form.insertBefore(note, form.querySelector("h3").nextSibling);
  }

  function startPrintButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;  // without script the browser's own Print works; the button needs it
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    startCountdowns();
    startDrafts();
    startPrintButtons();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
