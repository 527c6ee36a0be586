// ruamjai's service worker for the field app (ร่วมใจ ภาคสนาม). Served at /sw.js so that its scope
// is the whole site. It keeps only the app's shell and static assets in the Cache API; answers of
// the API (personal data) are never cached here: the field app keeps what it needs in IndexedDB.
"use strict";

// The server replaces the placeholder with a fingerprint of the assets, so every build that
// changes them installs a fresh cache (and the old one is deleted on activation).
const CACHE = "ruamjai-field-__SHELL_VERSION__";
const SHELL = "/field";
const ASSETS = [
  "/assets/field.js",
  "/assets/app.css",
  "/assets/app.js",
  "/assets/htmx.min.js",
  "/assets/field-icon.svg",
  // The Thai web font app.css refers to (for phones without a Thai font).
  "/assets/noto-sans-thai-400.woff2",
  "/assets/noto-sans-thai-700.woff2",
];

// A page worth keeping as the shell: a real 200 answer, not a redirect to the sign-in page.
function keepable(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    // The shell is fetched with the session cookie; it is kept only when signed in.
    const shell = await fetch(SHELL, { credentials: "same-origin", cache: "no-store" });
    if (keepable(shell)) await cache.put(SHELL, shell);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("ruamjai-field-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Opening /field: the network first (a fresh shell, a fresh CSRF token), the kept shell when
// there is no signal.
async function shellFirstFromNetwork(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (keepable(response)) await cache.put(SHELL, response.clone());
    return response;
  } catch (offline) {
    const kept = await cache.match(SHELL);
    if (kept) return kept;
    throw offline;
  }
}

// Static assets: the kept copy first (they only change with a new build, and then the cache's
// name changes too).
async function assetFromCache(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreSearch: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(shellFirstFromNetwork(request));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(assetFromCache(request));
  }
  // Everything else (the API, other pages, photos) goes to the network only, untouched.
});
