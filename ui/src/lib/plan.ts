// Planned activities: a task whose `activity` says it is a call, visit,
// meeting or email. Done, it becomes a history entry of that kind (the core's
// `complete_task`); a task without an activity is a plain to-do.
import { addDays, format } from 'date-fns';
import type { RecordRow } from '../backend';

/** The kinds a task can be, as the core's description names them. */
export const ACTIVITIES = ['call', 'visit', 'meeting', 'email', 'todo'] as const;

/** The kinds the account's history can be narrowed to ('' is every kind). */
export const HISTORY_FILTERS = ['', 'call', 'visit', 'meeting', 'email', 'note'] as const;

/** What the Plan form holds, as typed. */
export interface PlanDraft {
  activity: string;
  title: string;
  /** `YYYY-MM-DD`, local. */
  date: string;
  /** `HH:MM`, local; empty for no set time. */
  time: string;
  place: string;
  contact_id: string;
}

/** An empty plan: a visit tomorrow at 10:00. */
export function emptyPlan(now: Date = new Date()): PlanDraft {
  return { activity: 'visit', title: '', date: format(addDays(now, 1), 'yyyy-MM-dd'), time: '10:00', place: '', contact_id: '' };
}

/** The next step offered after logging an entry: a follow-up call in three
 * days at the same hour, with the same person. */
export function followUp(title: string, contactId: string | null, now: Date = new Date()): PlanDraft {
  return {
    activity: 'call',
    title,
    date: format(addDays(now, 3), 'yyyy-MM-dd'),
    time: format(now, 'HH:00'),
    place: '',
    contact_id: contactId ?? '',
  };
}

/** The typed fields of a new task for the plan, on `accountId`: its day is
 * the due date (what Today lists by), its time the start (sent with the
 * browser's offset, so the core never guesses the time zone). Empty values
 * are left out. */
export function planFields(draft: PlanDraft, accountId: string): Record<string, string> {
  const fields: Record<string, string> = { title: draft.title, account_id: accountId };
  if (draft.activity && draft.activity !== 'todo') fields.activity = draft.activity;
  if (draft.date) fields.due_date = draft.date;
  if (draft.date && draft.time) fields.starts_at = new Date(`${draft.date}T${draft.time}`).toISOString();
  if (draft.place.trim()) fields.place = draft.place;
  if (draft.contact_id) fields.contact_id = draft.contact_id;
  return fields;
}

/** A task's kind: its activity, or a to-do. */
export function activityOf(task: RecordRow): string {
  const a = task.fields.activity;
  return typeof a === 'string' && a ? a : 'todo';
}

/** A text field of a record, or null. */
export function textOf(row: RecordRow, field: string): string | null {
  const v = row.fields[field];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** When a planned activity starts (UTC ms in the record), as an ISO time. */
export function startsAt(task: RecordRow): string | null {
  const v = task.fields.starts_at;
  return typeof v === 'number' ? new Date(v).toISOString() : null;
}

/** Whether completing the task writes a history entry. */
export function isPlannedActivity(task: RecordRow): boolean {
  return activityOf(task) !== 'todo';
}
