// Service's logic apart from React: what a case's clock says in words, the
// moves its flow offers, its story as one list. Due times and time left are
// never computed here: the core's clock (crm_domain::service) says them in
// the team's working time; this only reads them.

import type { TFunction } from 'i18next';
import type { CaseClock, CaseLine, CaseMove, CaseQueue, Due, RecordRow, ReplyKind } from '../backend';

export const QUEUES: readonly CaseQueue[] = ['open', 'breached', 'at_risk', 'escalated', 'all'];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const CHANNELS = ['phone', 'email', 'web', 'visit', 'message', 'other'] as const;
export const REPLY_KINDS: readonly ReplyKind[] = ['email', 'call', 'message', 'visit', 'meeting', 'note'];
/** A CSAT answer's scores. */
export const CSAT_SCORES = [1, 2, 3, 4, 5] as const;

/** A field's text value, or null. */
export function text(row: RecordRow, field: string): string | null {
  const v = row.fields[field];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A field's moment (milliseconds since the epoch), or null. */
export function moment(row: RecordRow, field: string): number | null {
  const v = row.fields[field];
  return typeof v === 'number' ? v : null;
}

/** New, in progress or waiting on the customer. */
export function isOpenStatus(status: string): boolean {
  return status === 'new' || status === 'in_progress' || status === 'waiting';
}

/** The moves a case in `status` may make, as the core's flow allows them
 * (`crm_domain::service::move_to`): work, wait, resolve or close an open
 * case; close or reopen a resolved one; reopen a closed one. */
export function caseMoves(status: string): CaseMove[] {
  switch (status) {
    case 'new':
      return ['in_progress', 'waiting', 'resolved', 'closed'];
    case 'in_progress':
      return ['waiting', 'resolved', 'closed'];
    case 'waiting':
      return ['in_progress', 'resolved', 'closed'];
    case 'resolved':
      return ['reopened', 'closed'];
    case 'closed':
      return ['reopened'];
    default:
      return [];
  }
}

/** What one clock says, for words and badges. */
export type ClockState =
  /** Met in time. */
  | { state: 'met'; at: number }
  /** Met after its due time. */
  | { state: 'met_late'; at: number }
  /** Running: working minutes left (at risk within the policy's warning). */
  | { state: 'left'; minutes: number; due: number | null; atRisk: boolean }
  /** Past due and not met: working minutes since. */
  | { state: 'breached'; minutes: number; due: number | null }
  /** Stopped while the case waits on the customer: working minutes left. */
  | { state: 'paused'; minutes: number; atRisk: boolean }
  /** Nothing known (met without a due time). */
  | { state: 'none' };

/** Reads one of a case's clocks. `due: null` with time left is a clock
 * stopped while the customer is awaited. */
export function clockState(d: Due): ClockState {
  if (d.met !== null) return d.breached ? { state: 'met_late', at: d.met } : { state: 'met', at: d.met };
  if (d.left === null) return { state: 'none' };
  const left = Number(d.left);
  if (d.due === null) return { state: 'paused', minutes: Math.max(0, left), atRisk: d.at_risk };
  if (d.breached || left < 0) return { state: 'breached', minutes: Math.max(0, -left), due: d.due };
  return { state: 'left', minutes: left, due: d.due, atRisk: d.at_risk };
}

/** Working minutes as hours and minutes ("2h 10m", "45m", "3h", "under 1m"), in the
 * user's language. Days are left out on purpose: a working day is the
 * calendar's, which this screen does not know. */
export function workingTime(t: TFunction, minutes: number): string {
  const whole = Math.max(0, Math.round(minutes));
  // The core counts whole minutes: 0 is a part of one, not none.
  if (whole === 0) return t('cases.duration.under_minute');
  const h = Math.floor(whole / 60);
  const m = whole % 60;
  if (h === 0) return t('cases.duration.m', { m });
  if (m === 0) return t('cases.duration.h', { h });
  return t('cases.duration.hm', { h, m });
}

/** A clock in words: "Met", "Met late", "2h 10m left", "Breached by 45m",
 * "Paused · 2h left". */
export function clockText(t: TFunction, d: Due): string {
  const s = clockState(d);
  switch (s.state) {
    case 'met':
      return t('cases.clock.met');
    case 'met_late':
      return t('cases.clock.met_late');
    case 'left':
      return t('cases.clock.left', { time: workingTime(t, s.minutes) });
    case 'breached':
      return t('cases.clock.breached', { time: workingTime(t, s.minutes) });
    case 'paused':
      return t('cases.clock.paused', { time: workingTime(t, s.minutes) });
    case 'none':
      return t('common.none');
  }
}

/** The clock that needs someone first: an unmet first answer past due or
 * at risk, else the resolution. */
export function pressing(clock: CaseClock): Due {
  const first = clock.first_response;
  return first.met === null && (first.breached || first.at_risk) ? first : clock.resolution;
}

/** The clock an open case's line says in words, and which one it is: the
 * pressing one (see `pressing`); none for a resolved or closed case, or
 * one no service level covers. */
export function openClock(line: Pick<CaseLine, 'case' | 'clock'>): { target: 'first_response' | 'resolution'; due: Due } | null {
  if (!line.clock || !isOpenStatus(text(line.case, 'status') ?? 'new')) return null;
  const due = pressing(line.clock);
  return { target: due === line.clock.first_response ? 'first_response' : 'resolution', due };
}

/** Past a due time (met late or not met). */
export const isBreached = (line: Pick<CaseLine, 'clock'>) => !!line.clock && (line.clock.first_response.breached || line.clock.resolution.breached);
/** Within a warning window and not breached. */
export const isAtRisk = (line: Pick<CaseLine, 'clock'>) =>
  !!line.clock && !isBreached(line) && (line.clock.first_response.at_risk || line.clock.resolution.at_risk);

/** One entry of a case's story: a status move or escalation, a reply or
 * call, or its opening. */
export type StoryEntry =
  | { type: 'opened'; key: string; at: number }
  | { type: 'event'; key: string; at: number; row: RecordRow }
  | { type: 'contact'; key: string; at: number; row: RecordRow };

/** A case's events and history entries as one list, newest first; what a
 * reply caused (the move it made at the same moment) above the reply; the
 * opening last. */
export function caseStory(caseRow: RecordRow, events: RecordRow[], contacts: RecordRow[]): StoryEntry[] {
  const entries: StoryEntry[] = [
    ...events.map((row): StoryEntry => ({ type: 'event', key: row.id, at: moment(row, 'at') ?? 0, row })),
    ...contacts.map((row): StoryEntry => ({ type: 'contact', key: row.id, at: moment(row, 'occurred_at') ?? 0, row })),
  ];
  const rank = (e: StoryEntry) => (e.type === 'event' ? 0 : 1);
  entries.sort((a, b) => b.at - a.at || rank(a) - rank(b) || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const opened = moment(caseRow, 'opened_at');
  if (opened !== null) entries.push({ type: 'opened', key: 'opened', at: opened });
  return entries;
}

/** The lines of two queues as one list, each case once, breached first
 * (the core's order within each), at most `limit`. */
export function attention(breached: CaseLine[], atRisk: CaseLine[], limit: number): CaseLine[] {
  const seen = new Set<string>();
  const out: CaseLine[] = [];
  for (const line of [...breached, ...atRisk]) {
    if (seen.has(line.case.id)) continue;
    seen.add(line.case.id);
    out.push(line);
    if (out.length === limit) break;
  }
  return out;
}
