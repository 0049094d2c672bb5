// The shapes the core sends and takes (crates/crm-app, crates/crm-store).

import type { EntityKind } from './generated/EntityKind';
import type { ListView } from './generated/ListView';
import type { Protection } from './generated/Protection';
import type { RecordRow } from './generated/RecordRow';

export type Id = string;

export interface AppError {
  code: string;
  message_key: string;
  params: Record<string, unknown>;
  field?: string;
}

export interface Progress {
  task: string;
  done: number;
  total: number;
}

export interface User {
  id: Id;
  name: string;
  email: string | null;
  role: string;
  team: string | null;
  active: boolean;
}

export interface Status {
  ready: boolean;
  data_dir: string;
  user: User | null;
  currency: string | null;
  accounts: number;
  /** Why the database in the data folder could not be opened (or is not
   * unlocked yet: `passphrase_needed`, `no_keychain`; or was erased: `wiped`). */
  problem?: AppError | null;
  /** How the database is protected: its key in the OS keychain, or behind a
   * passphrase; null before it is unlocked. */
  protection?: Protection | null;
}

// The database's protection and the team's lease, as the core declares them.
export type { Protection } from './generated/Protection';
export type { Lease } from './generated/Lease';
export type { LeaseState } from './generated/LeaseState';

export type AccountSort = 'default' | 'name' | 'industry' | 'region' | 'lifecycle' | 'owner' | 'updated';

export interface AccountListQuery {
  query?: string | null;
  industry?: string | null;
  region?: string | null;
  lifecycle?: string | null;
  owner_id?: Id | null;
  sort?: AccountSort;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

export interface AccountRow {
  id: Id;
  name: string;
  industry: string | null;
  region: string | null;
  lifecycle: string;
  phone: string | null;
  owner_name: string | null;
  updated_at: string;
}

export interface Page<T> {
  total: number;
  rows: T[];
}

export interface Facets {
  industries: string[];
  regions: string[];
  owners: User[];
}

export interface Stamp {
  created_at: string;
  created_by: Id | null;
  updated_at: string;
  deleted_at: string | null;
}

export interface Account extends Stamp {
  id: Id;
  name: string;
  kind: string;
  industry: string | null;
  region: string | null;
  address: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  size: string | null;
  lifecycle: string;
  tags: string[];
  owner_id: Id | null;
  owner_name: string | null;
  notes: string | null;
}

export interface Contact extends Stamp {
  id: Id;
  account_id: Id;
  name: string;
  title: string | null;
  emails: string[];
  phones: string[];
  preferred_channel: string | null;
  notes: string | null;
}

export interface Interaction extends Stamp {
  id: Id;
  kind: string;
  direction: string | null;
  occurred_at: string;
  subject: string;
  body: string | null;
  outcome: string | null;
  account_id: Id | null;
  contact_id: Id | null;
  contact_name: string | null;
  opportunity_id: Id | null;
  lead_id: Id | null;
  author_id: Id | null;
  author_name: string | null;
}

export interface Money {
  minor: number;
  currency: string;
}

export interface Opportunity extends Stamp {
  id: Id;
  account_id: Id;
  account_name: string | null;
  name: string;
  stage: string;
  amount: Money;
  probability: number | null;
  close_date: string | null;
  owner_id: Id | null;
  lost_reason: string | null;
  notes: string | null;
}

export interface Task extends Stamp {
  id: Id;
  title: string;
  due_date: string | null;
  assignee_id: Id | null;
  account_id: Id | null;
  done_at: string | null;
  notes: string | null;
}

export interface TimelineCursor {
  occurred_at: number;
  id: Id;
}

export interface Timeline {
  entries: Interaction[];
  next: TimelineCursor | null;
}

export interface AccountView {
  account: Account;
  contacts: Contact[];
  open_opportunities: Opportunity[];
  /** Open tasks and planned activities, soonest first. */
  open_tasks: RecordRow[];
  timeline: Timeline;
  key_numbers: KeyNumbers;
  interaction_count: number;
}

/** Where an account stands and what comes next. */
export interface KeyNumbers {
  /** Open deals summed per currency, largest first. */
  open_pipeline: Money[];
  /** Won deals summed per currency. */
  won: Money[];
  /** When the last history entry happened. */
  last_contact: string | null;
  /** The soonest open task or planned activity. */
  next_step: RecordRow | null;
}

/** What completing a task did. */
export interface Completed {
  /** The history entry a planned call, visit, meeting or email became. */
  interaction: Id | null;
}

export interface FieldHistory {
  field: string;
  old: unknown;
  new: unknown;
  changed_by: Id | null;
  changed_by_name: string | null;
  changed_at: string;
  op: string;
}

export interface ContactRow {
  id: Id;
  name: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  account_id: Id;
  /** Null when the account is not on this laptop. */
  account_name: string | null;
}

export interface Lead extends Stamp {
  id: Id;
  name: string;
  company: string | null;
  title: string | null;
  email: string | null;
  phone: string | null;
  source: string | null;
  status: string;
  score: number | null;
  disqualify_reason: string | null;
  converted_account_id: Id | null;
}

export interface Converted {
  account_id: Id;
  contact_id: Id;
  opportunity_id: Id;
  interactions_moved: number;
  tasks_moved: number;
}

export interface ActivityRow {
  id: Id;
  kind: string;
  subject: string;
  occurred_at: string;
  account_id: Id | null;
  account_name: string | null;
  author_name: string | null;
}

/** Tasks are records of the generic path: `fields.title`, `fields.due_date`,
 * and the account's name in `titles.account_id`. */
export interface Today {
  overdue: RecordRow[];
  due_today: RecordRow[];
  upcoming: RecordRow[];
  recent: ActivityRow[];
}

export interface StageTotal {
  stage: string;
  currency: string;
  count: number;
  amount: number;
  weighted: number;
}

export interface DealCard {
  id: Id;
  name: string;
  stage: string;
  account_id: Id;
  /** Null when the account is not on this laptop. */
  account_name: string | null;
  amount: number;
  currency: string;
  probability: number | null;
  close_date: string | null;
  owner_name: string | null;
}

/** Totals of deals in several currencies, converted by the core into one
 * (each currency's sum once, at the rate valid on the board's day, rounded
 * half away from zero). */
export interface InCurrency {
  currency: string;
  /** Deals counted in `amount` and `weighted`. */
  count: number;
  amount: number;
  weighted: number;
  /** Deals left out for want of a rate, per currency (`stage` empty on the board's total). */
  without_rate: StageTotal[];
}

export interface BoardColumn {
  key: string;
  position: number;
  probability: number;
  closed: boolean;
  won: boolean;
  count: number;
  /** Per currency (shown on hover). */
  totals: StageTotal[];
  /** In the user's currency. */
  total: InCurrency;
  deals: DealCard[];
}

export interface Board {
  /** The user's currency, which totals are in. */
  currency: string;
  /** The day whose exchange rates converted the totals. */
  day: string;
  /** Every open deal that passes the filter. */
  open: InCurrency;
  columns: BoardColumn[];
}

/** Which deals the board shows; counts and totals follow. */
export interface DealFilter {
  owner_id?: Id | null;
  /** Words of the deal's or its account's name. */
  text?: string | null;
}

export type Entity = 'user' | 'account' | 'contact' | 'interaction' | 'lead' | 'opportunity' | 'task';

export interface SearchHit {
  /** Any kind with searchable fields (cases and articles too). */
  entity: EntityKind;
  id: Id;
  title: string;
  detail: string | null;
  account_id: Id | null;
  occurred_at: string | null;
}

export interface SearchGroup {
  entity: EntityKind;
  hits: SearchHit[];
}

export interface PendingChange {
  seq: number;
  entity: Entity;
  record_id: Id;
  kind: string;
  fields: string[];
  at: string;
}

export interface SyncStatus {
  pending: number;
  /** The team server this laptop signed in to. */
  server: string | null;
  email: string | null;
  signed_in: boolean;
  last_sync_at: string | null;
  /** Why the last sync did not complete. */
  last_error: AppError | null;
  conflicts: number;
  rejected: number;
  running: boolean;
  /** Demo data is here: signing in sets it aside and starts the user's own database. */
  demo: boolean;
}

export interface SyncSummary {
  pushed: number;
  replayed: number;
  pulled: number;
  removed: number;
  merged: number;
  conflicts: number;
  rejected: number;
  pending: number;
  possible_duplicates: number;
  /** The data folder had been copied back; it now syncs as a new device (told once). */
  restored_copy: boolean;
}

export interface SyncReport {
  summary: SyncSummary;
  status: SyncStatus;
}

/** A conflict's value, typed for display (crm_app::Shown). */
export type Shown =
  | { type: 'empty' }
  | { type: 'text'; value: string }
  | { type: 'number'; value: number }
  | { type: 'money'; minor: number; currency: string }
  | { type: 'choice'; group: string; key: string }
  | { type: 'bool'; value: boolean }
  | { type: 'person'; name: string }
  | { type: 'record'; name: string | null }
  | { type: 'deleted' }
  | { type: 'edits'; fields: string[] };

export interface ConflictRow {
  id: Id;
  entity: string;
  record_id: Id | null;
  record_name: string | null;
  /** Conflicts with the same key are one decision (one edit's fields). */
  decision: string;
  /** The field, or `*` for a deletion against an edit. */
  field: string;
  base: Shown;
  mine: Shown;
  theirs: Shown;
  mine_by: string | null;
  theirs_by: string | null;
  created_at: string;
}

export interface RejectedRow {
  op_id: Id;
  entity: string;
  record_id: Id;
  record_name: string | null;
  kind: string;
  fields: string[];
  /** Stable code: out_of_scope, invalid_op, unknown_record, forbidden… */
  reason: string;
  /** What the reason's translation needs (field_too_large: field, limit, limit_kib). */
  params: Record<string, string | number>;
  rejected_at: string;
}

export interface Settings {
  language: string | null;
  theme: string | null;
  /** The team server last signed in to. */
  server_url: string | null;
  login: string | null;
  insecure_server?: boolean;
  /** Named views of the lists, this laptop's own. */
  views?: ListView[];
  /** Cover the window after this many minutes without use; null: never. */
  idle_lock_minutes?: number | null;
}

export interface DemoSummary {
  users: number;
  accounts: number;
  contacts: number;
  interactions: number;
  opportunities: number;
  leads: number;
  tasks: number;
  products: number;
  price_lists: number;
  prices: number;
  quotes: number;
  quote_lines: number;
  orders: number;
  order_lines: number;
  payments: number;
  payment_allocations: number;
}

/** How many records changed owner in a hand-over. */
export interface Reassigned {
  accounts: number;
  leads: number;
  opportunities: number;
  tasks: number;
}

export interface ImportColumn {
  number: number;
  header: string;
  /** The field it fills, or null when left out. */
  target: string | null;
  guessed: boolean;
}

export interface ImportProblem {
  line: number;
  field: string;
  value: string;
  /** A problem code (problem.* in the translations). */
  code: string;
  /** What its message needs ({{min}}, {{max}}, {{encoding}}...). */
  params: Record<string, string | number>;
}

/** What an import would do (preview) or did. */
export interface ImportReport {
  preview: {
    format: string;
    encoding: string;
    /** The encoding was guessed from the bytes: the user should check the sample and may choose another. */
    encoding_guessed: boolean;
    /** CSV: the file's first line named the columns (else they were guessed from the values). */
    header: boolean;
    columns: ImportColumn[];
    rows: number;
    good_rows: number;
    bad_rows: number;
    problems: ImportProblem[];
  };
  new_records: number;
  duplicates: number;
  already_imported: number;
  accounts_created: number;
  written: boolean;
}
