// Registers the site's service worker (sw.js: the offline copy, and isolation headers where the host
// sends none), and offers a new build once it is installed. Where service workers are unavailable
// (file://, some private modes, an insecure origin) the site works as before: from the network and the
// HTTP cache, isolated only where the host sends COOP/COEP itself.
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

export function registerServiceWorker() {
  const url = document.querySelector('meta[name="service-worker"]')?.content;
  if (!url || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(url).then((registration) => {
    if (!registration) return; // blocked (automation tools can)
    const offer = () => registration.waiting && navigator.serviceWorker.controller && offerUpdate(registration);
    offer();
    registration.addEventListener("updatefound", () => {
      registration.installing?.addEventListener("statechange", offer);
    });
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
