// In-place navigation between the pages of the site, so that Python outlives the problem page: a link
// to another page of the site (the next problem, the index, a problem on the index), and Back and
// Forward between such pages, fetch the other page and swap it in instead of unloading this one.
// Whatever cannot be swapped (a page of another build, a failed fetch, a run in progress, a click
// with a modifier key) loads as a link always does. Pages of one build share everything but their
// problem (scripts, styles, templates, Python): each carries its build's id, and a page of another
// build (a new deploy) never runs under this one's scripts.
//
// History entries made in place outlive a reload: a page loaded anew under them (say the index, after a
// reload) still gets Back and Forward to their URLs as "popstate", with no load. Every page of the site
// therefore handles popstate, in place or with loadOnHistoryChange, so that each URL shows its own page.

export const withoutHash = (href) => href.split("#")[0];

const buildOf = (doc) => doc.querySelector('meta[name="build"]')?.content || null;

/** Whether the page `next` can take the place of the page `here` in place: both are of one build. */
export const sameBuild = (next, here) => buildOf(next) !== null && buildOf(next) === buildOf(here);

/**
 * @param root    the site's root URL: only its pages (".../", "....html") are swapped
 * @param canSwap () => whether the current page may be swapped out now
 * @param swap    (document, url) => true once the other page (of this build) is in, false when it cannot be swapped
 * @param restore (url) => true when Back or Forward found that page as it was left, in memory
 */
export function navigateInPlace({ root, canSwap, swap, restore }) {
  let latest = 0; // a navigation overtaken by a newer one is dropped
  let shown = withoutHash(location.href); // Back to a #fragment of the page shown needs no swap

  async function go(url, { push }) {
    const turn = ++latest;
    const loadAnew = () => (push ? location.assign(url) : location.reload());
    if (!canSwap()) return loadAnew();
    if (!push && restore(url)) {
      shown = withoutHash(url);
      return;
    }
    let html;
    try {
      const response = await fetch(url);
      if (!response.ok || !response.headers.get("content-type")?.includes("text/html")) return loadAnew();
      html = await response.text();
    } catch {
      return loadAnew(); // the browser's own navigation says what went wrong
    }
    if (turn !== latest) return;
    const next = new DOMParser().parseFromString(html, "text/html");
    if (!sameBuild(next, document) || !canSwap() || !swap(next, url)) return loadAnew();
    shown = withoutHash(url);
    if (push) {
      history.pushState(null, "", url);
      const target = document.getElementById(decodeURIComponent(new URL(url).hash.slice(1)));
      if (target) target.scrollIntoView();
      else window.scrollTo(0, 0);
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    if (link.target || link.hasAttribute("download")) return;
    const url = new URL(link.href);
    const page = url.pathname.endsWith("/") || url.pathname.endsWith(".html");
    if (!url.href.startsWith(root) || !page || withoutHash(url.href) === shown) return;
    event.preventDefault();
    go(url.href, { push: true });
  });
  addEventListener("popstate", () => withoutHash(location.href) !== shown && go(location.href, { push: false }));
}

/** For a page that does not swap: Back or Forward to another page's URL loads that page. */
export function loadOnHistoryChange() {
  const shown = withoutHash(location.href);
  addEventListener("popstate", () => withoutHash(location.href) !== shown && location.reload());
}
