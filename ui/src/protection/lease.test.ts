import { describe, expect, it } from 'vitest';
import type { Lease } from '../backend';
import { expiredBy, LEASE_CHECK_MS, leaseView, nextCheckIn } from './lease';

const DAY = 86_400_000;
const since = Date.UTC(2025, 0, 1);
/** Thirty days offline allowed, then seven of warning. */
function lease(state: Lease['state']): Lease {
  return { state, since, warns_at: since + 30 * DAY, locks_at: since + 37 * DAY, offline_days: 30, grace_days: 7 };
}

describe('the lease as the window shows it', () => {
  it('shows nothing when the team sets no limit or the laptop is within it', () => {
    expect(leaseView(null, null, since)).toEqual({ kind: 'none' });
    expect(leaseView({ ...lease('free'), warns_at: null, locks_at: null }, null, since)).toEqual({ kind: 'none' });
    expect(leaseView(lease('ok'), null, since + DAY)).toEqual({ kind: 'none' });
  });

  it('warns with the time it locks once the warning started, even between two checks', () => {
    expect(leaseView(lease('warning'), null, since + 31 * DAY)).toEqual({ kind: 'warning', locksAt: since + 37 * DAY });
    // Asked for as "ok" just before the warning; the clock has passed it since.
    expect(leaseView(lease('ok'), null, since + 30 * DAY)).toEqual({ kind: 'warning', locksAt: since + 37 * DAY });
  });

  it('locks when the core says so, or once the clock passes the lock time', () => {
    const locked = { kind: 'locked', since, lockedAt: since + 37 * DAY };
    expect(leaseView(lease('locked'), null, since + 40 * DAY)).toEqual(locked);
    expect(leaseView(lease('warning'), null, since + 37 * DAY)).toEqual(locked);
  });

  it('locks at once when any command was refused past the lease, whatever was asked before', () => {
    const refused = { code: 'lease_expired', message_key: 'error.lease_expired', params: { since, locked_at: since + 37 * DAY } };
    const expired = expiredBy(refused);
    expect(expired).toEqual({ since, lockedAt: since + 37 * DAY });
    expect(leaseView(lease('ok'), expired, since)).toEqual({ kind: 'locked', since, lockedAt: since + 37 * DAY });
    // Other refusals are the screen's business.
    expect(expiredBy({ code: 'busy', message_key: 'error.busy', params: {} })).toBeNull();
    // Times missing from the refusal: the lock screen says it without dates.
    expect(expiredBy({ code: 'lease_expired', message_key: 'error.lease_expired', params: {} })).toEqual({ since: null, lockedAt: null });
  });

  it('asks again every 15 minutes, and just after the warning or the lock starts when sooner', () => {
    expect(nextCheckIn(null, since)).toBe(LEASE_CHECK_MS);
    expect(nextCheckIn(lease('ok'), since)).toBe(LEASE_CHECK_MS);
    const warns = since + 30 * DAY;
    expect(nextCheckIn(lease('ok'), warns - 60_000)).toBe(61_000);
    expect(nextCheckIn(lease('warning'), since + 37 * DAY - 5_000)).toBe(6_000);
    expect(nextCheckIn(lease('locked'), since + 40 * DAY)).toBe(LEASE_CHECK_MS);
  });
});
