// One-keystroke logging on the account page.

/** The interaction kind a plain key press logs, if any. */
export const QUICK_LOG_KEYS: Record<string, string> = { c: 'call', v: 'visit', m: 'meeting', e: 'email', n: 'note' };

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}

/** Whether the key press happened while typing into a field. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  if (!el || !el.tagName) return false;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || el.isContentEditable === true;
}

/** The kind to log for this key press, or null: only plain letters, never
 * while typing or with a modifier. */
export function quickLogKind(e: KeyLike): string | null {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return null;
  return QUICK_LOG_KEYS[e.key.toLowerCase()] ?? null;
}

/** Whether the key press opens search everywhere (Ctrl+K, ⌘K, or / outside a field). */
export function opensSearch(e: KeyLike): boolean {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') return true;
  return e.key === '/' && !isTyping(e.target) && !e.ctrlKey && !e.metaKey && !e.altKey;
}
