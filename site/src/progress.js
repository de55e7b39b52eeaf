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
