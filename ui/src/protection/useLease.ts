import { useCallback, useEffect, useState } from 'react';
import type { Lease } from '../backend';
import type { WatchedBackend } from '../backend/refusals';
import { expiredBy, leaseView, nextCheckIn, type Expired, type LeaseView } from './lease';

function same(a: Expired | null, b: Expired): boolean {
  return a !== null && a.since === b.since && a.lockedAt === b.lockedAt;
}

/**
 * The lease as the window shows it: asked for when the database opens, every
 * 15 minutes and when the warning or the lock is due; a `lease_expired`
 * refusal of any command locks at once. `check` asks again (after a sync or
 * an administrator's code); it returns whether the laptop is free again.
 */
export function useLease(backend: WatchedBackend, open: boolean): { view: LeaseView; check: () => Promise<boolean> } {
  const [lease, setLease] = useState<Lease | null>(null);
  const [expired, setExpired] = useState<Expired | null>(null);
  // When the lease was last asked for: what the view is computed against.
  const [now, setNow] = useState(() => Date.now());

  const ask = useCallback(async (): Promise<Lease | null> => {
    try {
      const found = await backend.call('lease');
      setLease(found);
      setExpired(null);
      setNow(Date.now());
      return found;
    } catch {
      // No database yet, or it is being erased: nothing to show.
      return null;
    }
  }, [backend]);

  useEffect(() => {
    if (!open) {
      setLease(null);
      setExpired(null);
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      const found = await ask();
      if (live) timer = setTimeout(run, nextCheckIn(found, Date.now()));
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [open, ask]);

  useEffect(
    () =>
      backend.onRefusal((error) => {
        const found = expiredBy(error);
        if (found) setExpired((before) => (same(before, found) ? before : found));
      }),
    [backend],
  );

  const check = useCallback(async () => {
    const found = await ask();
    return found !== null && leaseView(found, null, Date.now()).kind !== 'locked';
  }, [ask]);

  return { view: leaseView(lease, expired, now), check };
}
