// The index page: the problems this browser has solved; the offline copy of the site.
import { registerServiceWorker } from "./offline.js";
import { showSolvedProblems } from "./progress.js";

showSolvedProblems();
registerServiceWorker();
