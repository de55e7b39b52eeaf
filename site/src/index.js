// The index page: mark the problems this browser has solved, count them per track; start the offline
// copy of the site.
import { registerServiceWorker } from "./offline.js";
import { isSolved, progressText } from "./progress.js";

for (const card of document.querySelectorAll("[data-problem]")) {
  if (isSolved(card.dataset.problem)) {
    card.dataset.solved = "true";
    card.querySelector(".solved-mark").hidden = false;
  }
}
for (const track of document.querySelectorAll(".track")) {
  const ids = [...track.querySelectorAll("[data-problem]")].map((card) => card.dataset.problem);
  track.querySelector('[data-testid="track-progress"]').textContent = progressText(ids);
}
registerServiceWorker();
