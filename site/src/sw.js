// The site's service worker. site/build.py writes it to sw.js with two lines in front:
//   const VERSION = "<hash of every file of the build>";
//   const PRECACHE = [<every file of the build, relative to this script>];
//
// 1. One download per visit, then offline: the whole build is cached, in a cache named after its
//    version, and served from there. A new build is a new script (its VERSION differs), so the browser
//    installs it beside the old one, caching the whole new build first; it takes over once no page of
//    the old build is open (or when a page asks it to, after asking the learner), and only then deletes
//    the old cache: a page never mixes files of two builds.
// 2. Isolation on any static host: every document and worker gets COOP/COEP/CORP headers (the
//    technique of coi-serviceworker), so pages are cross-origin isolated, and Python can be
//    interrupted, even where the host cannot send headers (GitHub Pages, GitLab Pages, Read the Docs).
//    The first install therefore takes control at once, with an empty cache, and the page reloads
//    itself isolated (offline.js); the page asks for the offline copy ("precache") once Python is up.

const CACHE_PREFIX = "exercise-kit-";
const CACHE = CACHE_PREFIX + VERSION;

// Whatever of the build is not cached yet. no-cache: revalidated with the server, so that an older
// copy in the HTTP cache cannot slip in.
async function precache() {
  const cache = await caches.open(CACHE);
  const cached = new Set((await cache.keys()).map((request) => request.url));
  const missing = PRECACHE.map((path) => new URL(path, self.registration.scope).href).filter((url) => !cached.has(url));
  await cache.addAll(missing.map((url) => new Request(url, { cache: "no-cache" })));
}

self.addEventListener("install", (event) => {
  // The first install has no older build to wait for, nor to keep whole.
  event.waitUntil(self.registration.active ? precache() : self.skipWaiting());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "take-over") self.skipWaiting();
  if (event.data === "precache") {
    event.waitUntil(precache().then(
      () => event.source?.postMessage({ type: "offline-ready", version: VERSION }),
      (error) => event.source?.postMessage({ type: "offline-failed", message: String(error?.message ?? error) }),
    ));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});

// Only documents and workers need the headers (same-origin subresources need no CORP). Everything
// else is answered with the cached response itself: rebuilt, the 8.6 MB wasm would lose the browser's
// compiled-code cache and stream through this worker's thread.
const ISOLATED_DESTINATIONS = new Set(["document", "iframe", "worker", "sharedworker"]);

async function respond(request) {
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  url.search = "";
  if (url.pathname.endsWith("/")) url.pathname += "index.html";
  const response = (await cache.match(url.href)) ?? (await fetch(request));
  return ISOLATED_DESTINATIONS.has(request.destination) ? isolated(response) : response;
}

function isolated(response) {
  if (response.type === "opaque" || response.type === "opaqueredirect") return response;
  const headers = new Headers(response.headers);
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Embedder-Policy", "require-corp");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
