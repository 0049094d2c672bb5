// Escalation runs by itself while the app is open: once the database is
// ready, then every few minutes, as the CLI's `crm escalate` would from a
// timer. Each escalation is written once per case, clock and level (its id
// says which), so running it often, or on two laptops, writes nothing twice.

import { useEffect } from 'react';
import type { Backend } from '../backend';

/** How often a pass runs while the app is open. */
export const ESCALATION_EVERY_MS = 5 * 60 * 1000;

/** The window event a pass that escalated something sends, for lists of cases to redraw. */
export const ESCALATED = 'crm:escalated';

export function useEscalation(backend: Backend, ready: boolean) {
  useEffect(() => {
    if (!ready) return;
    let live = true;
    const pass = () =>
      backend.call('escalate').then(
        (done) => {
          if (live && done.escalated.length > 0) window.dispatchEvent(new Event(ESCALATED));
        },
        // No policy or calendar yet, a busy database, a role that may not:
        // nothing for the user to do; the next pass tries again.
        (e: unknown) => console.warn('escalation pass failed', e),
      );
    void pass();
    const timer = setInterval(() => void pass(), ESCALATION_EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [backend, ready]);
}
