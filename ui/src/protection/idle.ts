// The idle lock: after the minutes the user chose without a key, a click, a
// touch or a move of the mouse, the window is covered until they unlock it.

import { useCallback, useEffect, useState } from 'react';

/** What counts as use of the window. */
export const ACTIVITY: readonly string[] = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart', 'scroll'];

/** The lengths the user can choose in Settings, in minutes (null: never). */
export const IDLE_CHOICES: readonly (number | null)[] = [null, 5, 10, 15, 30, 60];

/** The name of the test-only hook: `window.crmIdleMinuteMs = 200` makes a
 * "minute" of the idle lock 200 ms long (the end-to-end tests set it before
 * the page loads). It can only shorten the wait. */
export const MINUTE_HOOK = 'crmIdleMinuteMs';

/** How long a minute of the idle lock is: 60 s, or shorter under test. */
export function minuteMs(scope: object = globalThis): number {
  const given = (scope as Record<string, unknown>)[MINUTE_HOOK];
  return typeof given === 'number' && given > 0 && given < 60_000 ? given : 60_000;
}

/**
 * Call `onIdle` once `ms` pass with no activity on `target`. Activity only
 * notes the time (a mouse move is frequent); the timer, when it fires
 * early, waits for the rest. Returns the function that stops watching.
 */
export function watchIdle(target: EventTarget, ms: number, onIdle: () => void, now: () => number = Date.now): () => void {
  let last = now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const seen = () => {
    last = now();
  };
  const wait = (delay: number) => {
    timer = setTimeout(() => {
      const left = last + ms - now();
      if (left > 0) wait(left);
      else onIdle();
    }, delay);
  };
  ACTIVITY.forEach((type) => target.addEventListener(type, seen, { capture: true, passive: true }));
  wait(ms);
  return () => {
    clearTimeout(timer);
    ACTIVITY.forEach((type) => target.removeEventListener(type, seen, { capture: true }));
  };
}

/** Whether the window is covered for want of use, and the way to uncover it.
 * `minutes` null (or the app not open) never covers it. */
export function useIdleLock(minutes: number | null): { locked: boolean; unlock: () => void } {
  const [locked, setLocked] = useState(false);
  useEffect(() => {
    if (!minutes || locked) return;
    return watchIdle(window, minutes * minuteMs(window), () => setLocked(true));
  }, [minutes, locked]);
  const unlock = useCallback(() => setLocked(false), []);
  return { locked, unlock };
}
