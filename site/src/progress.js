// What this browser has done, kept in localStorage: solved problems and revealed hints.

export const isSolved = (id) => Boolean(localStorage.getItem(`solved:${id}`));

export function markSolved(id) {
  localStorage.setItem(`solved:${id}`, "1");
}

export function progressText(ids) {
  return `${ids.filter(isSolved).length} of ${ids.length} solved`;
}

export function hintsShown(id) {
  return Number(localStorage.getItem(`hints:${id}`)) || 0;
}

export function rememberHints(id, count) {
  localStorage.setItem(`hints:${id}`, String(count));
}

/** On the index: mark the problems this browser has solved, and count them per track. */
export function showSolvedProblems() {
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
}
