// Registers the site's service worker (sw.js: the offline copy, and isolation headers where the host
// sends none), asks it for the offline copy, and offers a new build once it is installed. Where
// service workers are unavailable (file://, some private modes, an insecure origin) the site works as
// before: from the network and the HTTP cache, isolated only where the host sends COOP/COEP itself.
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const serviceWorkerURL = () => document.querySelector('meta[name="service-worker"]')?.content;
// Set in this tab's session storage just before the page reloads itself to become isolated.
const RELOADED_FOR_ISOLATION = "exercise-kit-reloaded-for-isolation";

/**
 * Where the host sends no COOP/COEP, only the service worker's headers isolate a page, and the first
 * page of a visit loads before the service worker exists. As coi-serviceworker does, that page
 * registers it at once and reloads itself when it takes control: once per tab, so that a browser that
 * will not isolate the page (or a hard reload, which bypasses the service worker) gets no second
 * reload; it stays as it is, and a run over its time limit restarts Python instead.
 */
export function isolateByReloading() {
  const url = serviceWorkerURL();
  if (!url || self.crossOriginIsolated || !("serviceWorker" in navigator) || navigator.serviceWorker.controller) return;
  try {
    if (sessionStorage.getItem(RELOADED_FOR_ISOLATION)) return;
  } catch {
    return; // without storage nothing could stop a loop
  }
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    sessionStorage.setItem(RELOADED_FOR_ISOLATION, String(Date.now()));
    location.reload();
  }, { once: true });
  navigator.serviceWorker.register(url).catch((error) => console.warn("No isolation from a service worker:", error.message));
}

export function registerServiceWorker() {
  const url = serviceWorkerURL();
  if (!url || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", ({ data }) => {
    if (data?.type === "offline-ready") document.documentElement.dataset.offline = "ready";
    if (data?.type === "offline-failed") console.warn("No offline copy of this site:", data.message);
  });
  navigator.serviceWorker.register(url).then((registration) => {
    if (!registration) return; // blocked (automation tools can)
    const offer = () => registration.waiting && navigator.serviceWorker.controller && offerUpdate(registration);
    offer();
    registration.addEventListener("updatefound", () => {
      registration.installing?.addEventListener("statechange", offer);
    });
    navigator.serviceWorker.ready.then((ready) => ready.active?.postMessage("precache"));
  }, (error) => console.warn("No offline copy of this site:", error.message));
}

function offerUpdate(registration) {
  const note = $("update");
  if (!note || !note.hidden) return;
  note.hidden = false;
  note.querySelector("button").addEventListener("click", () => {
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload());
    registration.waiting.postMessage("take-over");
  });
}
