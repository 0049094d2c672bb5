// Undo instead of "Are you sure?": after a destructive action the screen
// offers to take it back for a few seconds. One offer for the whole app, in
// a toast announced politely, reachable by Tab and by Ctrl+Z (outside a text
// field). Any screen offers one with `useUndo().offerUndo({ message, undo })`.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isUndoKey } from '../lib/undo';

/** How long the offer stands (paused while the pointer or focus is on it). */
export const UNDO_MS = 8000;

export interface UndoOffer {
  /** What was done, in the user's language ("Contact “Li Wei” deleted."). */
  message: string;
  /** Take it back; resolves once done. */
  undo: () => Promise<void>;
}

interface UndoState {
  offerUndo: (offer: UndoOffer) => void;
  offer: UndoOffer | null;
  busy: boolean;
  undo: () => Promise<void>;
  dismiss: () => void;
  setPaused: (paused: boolean) => void;
}

const UndoContext = createContext<UndoState | null>(null);

/** Offer an undo after a destructive action (replaces an earlier offer). */
export function useUndo(): { offerUndo: (offer: UndoOffer) => void } {
  const ctx = useContext(UndoContext);
  if (!ctx) throw new Error('useUndo outside UndoProvider');
  return ctx;
}

/** Holds the current offer. `onUndone` runs after a successful undo (the app
 * redraws the screen, so lists show the record again); `onError` gets a failed one. */
export function UndoProvider({ children, onUndone, onError }: { children: ReactNode; onUndone: () => void; onError: (e: unknown) => void }) {
  const [offer, setOffer] = useState<UndoOffer | null>(null);
  const [paused, setPaused] = useState(false);
  const [busy, setBusy] = useState(false);
  // Bumped per offer, so a new offer restarts the clock.
  const [serial, setSerial] = useState(0);
  const offerRef = useRef<UndoOffer | null>(null);
  useEffect(() => {
    offerRef.current = offer;
  }, [offer]);

  const offerUndo = useCallback((next: UndoOffer) => {
    offerRef.current = next;
    setOffer(next);
    setSerial((n) => n + 1);
  }, []);

  useEffect(() => {
    if (!offer || paused || busy) return;
    const timer = setTimeout(() => setOffer(null), UNDO_MS);
    return () => clearTimeout(timer);
  }, [offer, paused, busy, serial]);

  const undo = useCallback(async () => {
    const current = offerRef.current;
    if (!current) return;
    setBusy(true);
    try {
      await current.undo();
      onUndone();
    } catch (e) {
      onError(e);
    } finally {
      offerRef.current = null;
      setOffer(null);
      setBusy(false);
      setPaused(false);
    }
  }, [onUndone, onError]);

  useEffect(() => {
    if (!offer) return;
    const onKey = (e: KeyboardEvent) => {
      if (isUndoKey(e)) {
        e.preventDefault();
        void undo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [offer, undo]);

  const value = useMemo(
    () => ({ offerUndo, offer, busy, undo, dismiss: () => (setOffer(null), setPaused(false)), setPaused }),
    [offerUndo, offer, busy, undo],
  );
  return <UndoContext.Provider value={value}>{children}</UndoContext.Provider>;
}

/** The toast of the current offer: what was done, Undo, and a close button. */
export function UndoToast() {
  const { t } = useTranslation();
  const ctx = useContext(UndoContext);
  if (!ctx) return null;
  const { offer, busy, undo, dismiss, setPaused } = ctx;
  return (
    <div
      className="toast undo-toast"
      role="status"
      aria-live="polite"
      data-testid="undo-toast"
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      {offer && (
        <>
          <span>{offer.message}</span>
          <button type="button" onClick={() => void undo()} disabled={busy} aria-keyshortcuts="Control+Z">
            {t('record_page.undo')}
          </button>
          <button type="button" className="dismiss" onClick={dismiss} aria-label={t('common.close')}>
            ×
          </button>
        </>
      )}
    </div>
  );
}
