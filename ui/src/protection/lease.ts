// The team's lease on this laptop: how long it may go without syncing. The
// core counts it and refuses the team's data past it (`lease_expired`); the
// window follows: a warning banner before, the lock screen after.

import type { AppError, Lease } from '../backend';

/** How often the lease is asked for while the app is open. */
export const LEASE_CHECK_MS = 15 * 60_000;

/** When the laptop locked, as a refused command said (UTC ms). */
export interface Expired {
  since: number | null;
  lockedAt: number | null;
}

/** What the window shows of the lease. */
export type LeaseView =
  | { kind: 'none' }
  /** A banner on every screen: sync by `locksAt`. */
  | { kind: 'warning'; locksAt: number }
  /** The lock screen. */
  | { kind: 'locked'; since: number | null; lockedAt: number | null };

function ms(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** The lock a `lease_expired` refusal tells of; null for any other error. */
export function expiredBy(error: AppError): Expired | null {
  if (error.code !== 'lease_expired') return null;
  return { since: ms(error.params.since), lockedAt: ms(error.params.locked_at) };
}

/**
 * What to show, from the last lease asked for, a refusal met since (which
 * wins: the core said no) and the time now (a warning turns into the lock
 * at `locks_at` even between two checks).
 */
export function leaseView(lease: Lease | null, expired: Expired | null, now: number): LeaseView {
  if (expired) return { kind: 'locked', ...expired };
  if (!lease || lease.state === 'free') return { kind: 'none' };
  const locksAt = ms(lease.locks_at);
  const warnsAt = ms(lease.warns_at);
  if (lease.state === 'locked' || (locksAt !== null && now >= locksAt)) return { kind: 'locked', since: ms(lease.since), lockedAt: locksAt };
  if (locksAt !== null && (lease.state === 'warning' || (warnsAt !== null && now >= warnsAt))) return { kind: 'warning', locksAt };
  return { kind: 'none' };
}

/** How long until the lease should be asked for again: the regular check,
 * or sooner when the warning or the lock starts before it. */
export function nextCheckIn(lease: Lease | null, now: number): number {
  const soon = [lease?.warns_at, lease?.locks_at].map(ms).filter((t): t is number => t !== null && t > now);
  // A second late, so the core sees the moment passed too.
  return Math.min(LEASE_CHECK_MS, ...soon.map((t) => t - now + 1000));
}
