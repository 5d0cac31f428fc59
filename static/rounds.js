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
    if (!window.indexedDB) {  // otherwise forgetOnLogout clears them, after asking about unsent entries
      document.querySelectorAll("form.logout").forEach(function (form) {
        form.addEventListener("submit", function () { forgetDrafts(store); });
      });
    }
  }

  function forgetDrafts(store) {
    draftKeys(store).forEach(function (k) { store.removeItem(k); });
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

  /* Offline: pages kept by the service worker (rounds-sw.js), documentation kept here in
     IndexedDB with the moment it was entered and a random Idempotency-Key, sent when the
     connection returns. A refused entry stays as a conflict until the nurse acts on it. */
  var DB_NAME = "rounds-offline", STORE = "entries";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, {keyPath: "key"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function allEntries(user) {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (entries) {
      return entries.filter(function (e) { return e.user === user; })
        .sort(function (a, b) { return a.enteredAt < b.enteredAt ? -1 : 1; });
    });
  }

  function putEntry(entry) { return withStore("readwrite", function (store) { store.put(entry); }); }
  function deleteEntry(key) { return withStore("readwrite", function (store) { store.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function banner() {
    var el = document.getElementById("offline-banner");
    if (!el) {
      el = document.createElement("div");
      el.id = "offline-banner";
      el.className = "offline-banner";
      el.setAttribute("role", "status");
      var main = document.querySelector("main");
      main.insertBefore(el, main.firstChild);
    }
    return el;
  }

  function say(html) {
    var el = banner();
    el.hidden = !html;
    el.innerHTML = html || "";
  }

  function entriesText(n) { return n + (n === 1 ? " entry" : " entries"); }

  function showState(user, extra) {
    return allEntries(user).then(function (entries) {
      var waiting = entries.filter(function (e) { return e.status === "waiting"; }).length;
      var conflicts = entries.filter(function (e) { return e.status === "conflict"; }).length;
      var parts = [];
      if (!navigator.onLine) parts.push("<strong>Offline.</strong> Pages are this phone's copy; what you save is kept here.");
      if (waiting) parts.push(entriesText(waiting) + " waiting to be sent.");
      if (conflicts) parts.push("<strong>" + entriesText(conflicts) +
                                " not accepted: see below.</strong>");
      if (extra) parts.push(extra);
      say(parts.join(" "));
      showPending(entries);
      showNextSteps(entries);
      return entries;
    });
  }

  function describe(entry) {
    return entry.summary || "";
  }

  /* What the nurse entered, in the form's own words: each field she filled or changed, with
     its label ("Pulse (/min): 91"), and the time fields always. */
  function summarize(form) {
    return fieldsOf(form).filter(function (el) {
      if (el.value === "") return false;
      if (el.type === "datetime-local") return true;
      if (el.tagName === "SELECT") return !el.options[el.selectedIndex].defaultSelected;
      return el.value !== el.defaultValue;
    }).map(function (el) {
      var label = form.querySelector('label[for="' + el.id + '"]');
      var value = el.tagName === "SELECT" ? el.options[el.selectedIndex].text : el.value.replace("T", " ");
      return (label ? label.textContent.trim() : el.name) + ": " + value;
    }).join("; ");
  }

  function showPending(entries) {
    // The day list shows every entry on the phone (a cancelled visit's page is gone); a visit page its own.
    var day = Boolean(document.querySelector("nav.week"));
    var here = entries.filter(function (e) { return day || e.page === location.pathname; });
    var box = document.getElementById("pending-entries");
    if (!here.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("section");
      box.id = "pending-entries";
      box.className = "pending card";
      box.setAttribute("aria-labelledby", "pending-title");
      var anchor = document.querySelector(".documentation") || document.querySelector("main");
      anchor.insertBefore(box, anchor.firstChild);
    }
    box.innerHTML = "<h2 id=pending-title>On this phone, not in the record yet</h2><ul></ul>";
    var list = box.querySelector("ul");
    here.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = entry.status;
      var at = new Date(entry.enteredAt).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", timeZoneName: "short"});
      item.textContent = entry.title + " (entered " + at + "): " + describe(entry) + ". " +
        (entry.status === "conflict" ? "Not accepted: " + entry.message : "Waiting to be sent.");
      if (entry.status === "conflict") {
        var again = document.createElement("button");
        again.type = "button";
        again.textContent = "Put back in the form";
        again.addEventListener("click", function () { putBack(entry); });
        var drop = document.createElement("button");
        drop.type = "button";
        drop.textContent = "Delete this entry";
        drop.addEventListener("click", function () {
          if (confirm("Delete this entry from the phone? It is not in the record.")) {
            deleteEntry(entry.key).then(function () { showState(entry.user); });
          }
        });
        item.appendChild(again);
        item.appendChild(drop);
      }
      list.appendChild(item);
    });
  }

  /* Offline, the page cannot learn from the server that a step is done: a step saved on the
     phone shows the forms that follow it (a rate change after the start) and hides itself. */
  var ONCE = ["start", "end", "observation", "sign"];

  function showNextSteps(entries) {
    var kept = {};
    entries.forEach(function (e) { if (e.page === location.pathname && e.status === "waiting") kept[e.step] = true; });
    document.querySelectorAll(".doc-step[data-after]").forEach(function (section) {
      if (kept[section.dataset.after]) section.hidden = false;
    });
    ONCE.forEach(function (step) {
      var form = document.getElementById(step);
      if (kept[step] && form && form.tagName === "FORM") form.closest(".doc-step").hidden = true;
    });
  }

  function putBack(entry) {
    var form = document.querySelector('form[action="' + entry.url + '"]');
    if (!form) { alert("This form is not on the page now (the step may be done); the entry stays here."); return; }
    form.closest(".doc-step").hidden = false;
    entry.fields.forEach(function (pair) {
      var el = form.elements.namedItem(pair[0]);
      if (el && el.type !== "hidden") el.value = pair[1];
    });
    deleteEntry(entry.key).then(function () {
      keep(storage(), PREFIX + entry.user + ":" + entry.url, form, false);
      showState(entry.user);
      form.scrollIntoView();
    });
  }

  function queueSubmit(user, form, event) {
    event.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (value, name) { fields.push([name, String(value)]); });
    var entry = {key: newKey(), user: user, url: form.getAttribute("action"), page: location.pathname,
                 step: form.dataset.step, title: form.querySelector("h3").textContent, fields: fields,
                 summary: summarize(form),
                 enteredAt: new Date().toISOString(), status: "waiting", message: ""};
    putEntry(entry).then(function () {
      var store = storage();
      if (store) store.removeItem(PREFIX + user + ":" + entry.url);
      form.reset();
      showState(user, "Saved on this phone: " + entry.title + ".");
    }).catch(function () {
      say("<strong>This phone could not keep the entry</strong> (storage blocked). Write it on the paper sheet.");
    });
  }

  var sending = false;

  function sendWaiting(user) {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    var sent = 0;
    return allEntries(user).then(function (entries) {
      var waiting = entries.filter(function (e) { return e.status === "waiting"; });
      if (!waiting.length) return null;
      return fetch("/rounds/token", {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok || response.redirected) throw {login: true};
          return response.json();
        })
        .then(function (body) {
          return waiting.reduce(function (chain, entry) {
            return chain.then(function () { return sendOne(entry, body.csrf_token).then(function (ok) { if (ok) sent++; }); });
          }, Promise.resolve());
        });
    }).then(function () {
      sending = false;
      return showState(user, sent ? "All entries sent (" + sent + "). <a href='" + location.pathname +
                                    "'>Show the updated record</a>." : "");
    }).catch(function (problem) {
      sending = false;
      var extra = problem && problem.login
        ? "<strong>Log in again to send them:</strong> <a href='/login?next=" + encodeURIComponent(location.pathname) + "'>log in</a>."
        : "Sending failed; it is tried again when the connection returns.";
      return showState(user, extra);
    });
  }

  function sendOne(entry, token) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) {
      body.append(pair[0], /csrf_token$/.test(pair[0]) ? token : pair[1]);
    });
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: {"X-Offline-Entry": "1", "Idempotency-Key": entry.key, "X-Entered-At": entry.enteredAt,
                "Accept": "application/json"}
    }).then(function (response) {
      if (response.status === 200) return deleteEntry(entry.key).then(function () { return true; });
      if (response.status === 401 || response.type === "opaqueredirect") throw {login: true};
      if (response.status === 409 || response.status >= 500) return false;  // tried again later
      return response.json().catch(function () { return {}; }).then(function (answer) {
        entry.status = "conflict";
        entry.message = answer.message || (response.status === 404
          ? "This visit is no longer on your list (cancelled or given to another nurse)."
          : "The server refused it (" + response.status + ").");
        return putEntry(entry).then(function () { return false; });
      });
    });
  }

  function startOffline() {
    var marker = document.querySelector("[data-rounds-user]");
    if (!marker) return;
    var user = marker.dataset.roundsUser;
    if ("serviceWorker" in navigator && navigator.onLine) {
      navigator.serviceWorker.register("/rounds/sw.js", {scope: "/rounds/"}).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        var urls = [location.pathname + location.search], day = Boolean(document.querySelector("nav.week"));
        if (day) {
          document.querySelectorAll('a[href^="/rounds/visits/"]').forEach(function (a) { urls.push(a.getAttribute("href")); });
        }
        registration.active.postMessage({type: "keep", user: user, urls: urls, replace: day});
      }).catch(function () { /* no worker (private mode, old browser): the pages still work online */ });
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "kept") document.documentElement.dataset.keptPages = event.data.count;
      });
    }
    if (!window.indexedDB) return;
    document.querySelectorAll("form[data-step]").forEach(function (form) {
      form.addEventListener("submit", function (event) { if (!navigator.onLine) queueSubmit(user, form, event); });
    });
    document.querySelectorAll("form.logout").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        forgetOnLogout(user, form, event);
      });
    });
    window.addEventListener("online", function () { showState(user).then(function () { sendWaiting(user); }); });
    window.addEventListener("offline", function () { showState(user); });
    showState(user).then(function () { return sendWaiting(user); });
  }

  function forgetOnLogout(user, form, event) {
    if (form.dataset.forgotten) return;
    event.preventDefault();
    allEntries(user).catch(function () { return []; }).then(function (entries) {
      if (entries.length && !confirm(entriesText(entries.length) +
          " on this phone are not in the record yet. Logging out deletes them from the phone. Log out anyway?")) {
        return;
      }
      var done = [withStore("readwrite", function (store) { store.clear(); }).catch(function () {})];
      if (storage()) forgetDrafts(storage());
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({type: "forget"});
      }
      if ("caches" in window) {
        done.push(caches.keys().then(function (names) {
          return Promise.all(names.filter(function (n) { return n.indexOf("rounds-pages-") === 0; })
            .map(function (n) { return caches.delete(n); }));
        }));
      }
      Promise.all(done).then(function () {
        form.dataset.forgotten = "1";
        form.submit();
      });
    });
  }

  function start() {
    startCountdowns();
    startDrafts();
    startPrintButtons();
    startOffline();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
