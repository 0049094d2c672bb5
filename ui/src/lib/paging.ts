// Which pages of a long list to fetch for the rows on screen. The virtual
// list renders only visible rows; the core is asked for whole pages.

/** Page numbers covering rows `first..=last`, missing from `have`. */
export function pagesToFetch(first: number, last: number, pageSize: number, have: ReadonlySet<number>): number[] {
  if (last < first || first < 0) return [];
  const out: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p++) {
    if (!have.has(p)) out.push(p);
  }
  return out;
}
