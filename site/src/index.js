// The index page: mark the problems this browser has solved; start the offline copy of the site.
import { registerServiceWorker } from "./offline.js";

for (const card of document.querySelectorAll("[data-problem]")) {
  if (localStorage.getItem(`solved:${card.dataset.problem}`)) {
    card.dataset.solved = "true";
    card.querySelector(".solved-mark").hidden = false;
  }
}
registerServiceWorker();
