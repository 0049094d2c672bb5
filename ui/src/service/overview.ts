// The service overview's words apart from React: a month's name, a CSAT
// average, the key numbers in a steady order. The figures themselves are the
// core's (`crm_store` service_view); nothing is computed here.

import { PRIORITIES } from './lib';

/** The open statuses, in the order a case goes through them. */
export const OPEN_STATUSES = ['new', 'in_progress', 'waiting'] as const;

/** A month key (`2027-03`) as the month's name in `locale` ("March 2027",
 * "2027年3月", "marzo de 2027"); a key that is not a month stays as it is. */
export function monthLabel(key: string, locale: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return key;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return key;
  // Read in UTC: the first of the month at local midnight may fall in the month before.
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(Date.UTC(Number(m[1]), month - 1, 1));
}

/** An average (CSAT 1-5) to one decimal in `locale` ("4.5", "4,5"). */
export function formatAverage(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n);
}

/** Counts per key as [key, count] pairs: the known keys first in their
 * order (0 when none), then any other key the core sent, by name, so a
 * status or priority added later is still shown. */
export function countsInOrder(counts: Record<string, number>, known: readonly string[]): [string, number][] {
  const rest = Object.keys(counts)
    .filter((k) => !known.includes(k))
    .sort();
  return [...known, ...rest].map((k) => [k, counts[k] ?? 0]);
}

/** Open cases per priority, from low to urgent. */
export const byPriority = (counts: Record<string, number>) => countsInOrder(counts, PRIORITIES);
/** Open cases per status, in the flow's order. */
export const byStatus = (counts: Record<string, number>) => countsInOrder(counts, OPEN_STATUSES);
