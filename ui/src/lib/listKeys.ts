import type { KeyboardEvent } from 'react';

/** The rows of a list that take the keyboard: one tab stop for the list,
 * arrows to move between rows (as in a mail program), Home and End. */
export const ROW = '[data-row]';

/** Which row the arrow key leads to, from the focused one (`current`, -1
 * when none) among `count` rows; null when the key is not the list's. */
export function nextRow(key: string, current: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return current < 0 ? 0 : Math.min(current + 1, count - 1);
    case 'ArrowUp':
      return current < 0 ? 0 : Math.max(current - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** onKeyDown for a list's container: moves focus among its `[data-row]`
 * elements (each rendered with tabIndex 0 or -1). */
export function onListKeys(e: KeyboardEvent<HTMLElement>) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  // Typing in a field inside a row keeps its arrows.
  const target = e.target as HTMLElement;
  if (target.closest('input, textarea, select, [contenteditable=true]')) return;
  const rows = [...e.currentTarget.querySelectorAll<HTMLElement>(ROW)];
  const current = rows.findIndex((r) => r === target || r.contains(target));
  const next = nextRow(e.key, current, rows.length);
  if (next === null) return;
  e.preventDefault();
  rows[next].focus();
  rows[next].scrollIntoView({ block: 'nearest' });
}
