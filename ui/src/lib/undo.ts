// The keyboard's way to take back the last destructive action.
import { isTyping } from './keys';

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  target: EventTarget | null;
}

/** Ctrl+Z (⌘Z) outside a text field undoes the offered action; inside one it stays the field's own undo. */
export function isUndoKey(e: KeyLike): boolean {
  return e.key.toLowerCase() === 'z' && (e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && !isTyping(e.target);
}
