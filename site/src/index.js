// The index page: the problems this browser has solved; the offline copy of the site; Back and Forward
// to the pages of the visit made in place before it was loaded.
import { loadOnHistoryChange } from "./navigation.js";
import { registerServiceWorker } from "./offline.js";
import { showSolvedProblems } from "./progress.js";

showSolvedProblems();
registerServiceWorker();
loadOnHistoryChange();
