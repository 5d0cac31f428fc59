/* The nurse's pages offline (served as /rounds/sw.js, scope /rounds/).

   What is kept on the phone, and for how long:
   - the stylesheets, this app's scripts, the manifest and the icon (no patient data);
   - the nurse's pages, in one cache named after her user id: the day list she opened last
     and each visit page linked from it (the page asks for them while online), plus any
     nurse page she opened since. Every page is refreshed from the server whenever there is
     signal (network first) and a copy older than MAX_AGE_MS is never shown.
   - Deleted: at logout (the page tells this worker), when another user's page opens on the
     phone, and when the next day list replaces the set of visits.
   Documentation typed offline is not kept here but by the page (IndexedDB, rounds.js). */
"use strict";

const STATIC = "rounds-static-v1";
const PAGES = "rounds-pages-";
const ASSETS = ["/static/style.css", "/static/rounds.css", "/static/rounds.js", "/static/manifest.webmanifest",
                "/static/icon.svg"];
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function pagesCache() {
  const names = (await caches.keys()).filter((name) => name.startsWith(PAGES));
  return names.length ? caches.open(names[0]) : null;  // one at most: another user's is deleted first
}

async function keepFor(user, urls, replace) {
  const mine = PAGES + user;
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES) && name !== mine) await caches.delete(name);
  }
  const cache = await caches.open(mine);
  const wanted = new Set(urls.map((url) => new URL(url, self.location.origin).href));
  if (replace) {
    for (const request of await cache.keys()) if (!wanted.has(request.url)) await cache.delete(request);
  }
  await Promise.all([...wanted].map(async (url) => {
    try {
      const response = await fetch(url, {credentials: "same-origin"});
      if (response.ok && !response.redirected) await cache.put(url, response);
    } catch (error) { /* no signal: keep the copy we have */ }
  }));
  return (await cache.keys()).length;
}

async function forgetAll() {
  for (const name of await caches.keys()) if (name.startsWith(PAGES)) await caches.delete(name);
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const reply = (body) => event.source && event.source.postMessage(body);
  if (message.type === "keep") {
    event.waitUntil(keepFor(String(message.user), message.urls || [], Boolean(message.replace))
      .then((count) => reply({type: "kept", count})));
  } else if (message.type === "forget") {
    event.waitUntil(forgetAll().then(() => reply({type: "forgotten"})));
  }
});

function fresh(response) {
  const date = Date.parse(response.headers.get("Date") || "");
  return Number.isNaN(date) || Date.now() - date < MAX_AGE_MS;
}

async function networkFirst(request) {
  const cache = await pagesCache();
  try {
    const response = await fetch(request);
    if (cache && response.ok && !response.redirected) await cache.put(request.url, response.clone());
    return response;
  } catch (error) {
    const copy = cache && await cache.match(request.url);
    if (copy && fresh(copy)) return copy;
    return new Response(
      "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>" +
      "<link rel=stylesheet href=/static/style.css><title>Offline</title><main><h1>No signal</h1>" +
      "<p>This page is not on this phone. Open your day while you have signal and its visits are kept for offline use.</p>" +
      "<p><a href=/rounds/>Your day</a></p></main>",
      {status: 503, headers: {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}});
  }
}

async function staticFirstFresh(request) {
  const cache = await caches.open(STATIC);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    return (await cache.match(request, {ignoreSearch: true})) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) event.respondWith(staticFirstFresh(request));
  else if (request.mode === "navigate" && url.pathname.startsWith("/rounds/")) event.respondWith(networkFirst(request));
});
