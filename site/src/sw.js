// The site's service worker. site/build.py writes it to sw.js with two lines in front:
//   const VERSION = "<hash of every file of the build>";
//   const PRECACHE = [<every file of the build, relative to this script>];
//
// 1. One download per visit, then offline: the whole build is cached at install, in a cache named
//    after its version, and served from there. A new build is a new script (its VERSION differs), so
//    the browser installs it beside the old one; it takes over once no page of the old build is open
//    (or when a page asks it to, after asking the learner), and only then deletes the old cache: a page
//    never mixes files of two builds.
// 2. Isolation on any static host: every response gets COOP/COEP/CORP headers (the technique of
//    coi-serviceworker), so pages are cross-origin isolated, and Python can be interrupted, even where
//    the host cannot send headers (GitHub Pages, GitLab Pages, Read the Docs) from the second page on.

const CACHE_PREFIX = "exercise-kit-";
const CACHE = CACHE_PREFIX + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // no-cache: revalidated with the server, so an older copy in the HTTP cache cannot slip in.
    await cache.addAll(PRECACHE.map((path) => new Request(new URL(path, self.registration.scope), { cache: "no-cache" })));
    // The first install has no older build to wait for.
    if (!self.registration.active) await self.skipWaiting();
  })());
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
