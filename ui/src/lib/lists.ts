// What the long lists (Accounts, Contacts, Leads) share: a selection that is
// either some rows or "everything the filter matches", the core's selection
// it stands for, saved views, and the CSV file an export hands over.

import type { AccountListQuery, ListView } from '../backend';
import type { RecordQuery } from '../backend/generated/RecordQuery';
import type { Selection } from '../backend/generated/Selection';

/** Rows picked one by one, or every row matching the list's filter. */
export type Picked = { all: false; ids: ReadonlySet<string> } | { all: true };

export const NOTHING_PICKED: Picked = { all: false, ids: new Set() };

/** Pick or unpick one row. Unpicking one row out of "all matching" keeps the
 * rows in view that were picked: the caller passes them. */
export function toggle(picked: Picked, id: string, shown: readonly string[] = []): Picked {
  const ids = new Set(picked.all ? shown : picked.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { all: false, ids };
}

export function isPicked(picked: Picked, id: string): boolean {
  return picked.all || picked.ids.has(id);
}

/** How many rows are picked, out of `total` matching. */
export function pickedCount(picked: Picked, total: number): number {
  return picked.all ? total : picked.ids.size;
}

/** The core's selection: the ids, or the query of "all matching". */
export function selectionOf(picked: Picked, matching: RecordQuery): Selection {
  return picked.all ? { matching } : { ids: [...picked.ids] };
}

/** The account list's filter as the generic record query of the same rows. */
export function accountRecordQuery(q: AccountListQuery): RecordQuery {
  const filter: Record<string, string> = {};
  if (q.industry) filter.industry = q.industry;
  if (q.region) filter.region = q.region;
  if (q.lifecycle) filter.lifecycle = q.lifecycle;
  if (q.owner_id) filter.owner_id = q.owner_id;
  return recordQuery(filter, q.query);
}

/** Every live record with these field values and matching `text`. */
export function recordQuery(filter: Record<string, string> = {}, text?: string | null): RecordQuery {
  const words = text?.trim();
  return { filter, conditions: [], descending: false, offset: 0, deleted: false, ...(words ? { text: words } : {}) };
}

/** Views with `view` saved: one of the same list and name is replaced. */
export function withView(views: readonly ListView[], view: ListView): ListView[] {
  const name = view.name.trim();
  const rest = views.filter((v) => !(v.list === view.list && v.name.trim().toLowerCase() === name.toLowerCase()));
  return [...rest, { ...view, name }];
}

/** Views without the one of `list` named `name`. */
export function withoutView(views: readonly ListView[], list: string, name: string): ListView[] {
  return views.filter((v) => !(v.list === list && v.name === name));
}

/** The columns to show: those chosen, in the order offered, among `offered`;
 * all offered when none is chosen (or none of the chosen exists any more). */
export function shownColumns(offered: readonly string[], chosen: readonly string[] | null): string[] {
  const kept = offered.filter((c) => chosen?.includes(c));
  return kept.length ? kept : [...offered];
}

/** Hand a file (text, or bytes as a Blob) to the user as a download. */
export function download(fileName: string, content: string | Blob, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
