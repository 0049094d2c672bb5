// The UI reaches the core only through a Backend: Tauri's IPC in the desktop
// app, or HTTP to the loopback bridge (crm-bridge) in a browser. Both carry
// the same command names and arguments (crm_app::COMMANDS).

import type * as T from './types';
import type { KindView } from './generated/KindView';
import type { RecordPage } from './generated/RecordPage';
import type { RecordQuery } from './generated/RecordQuery';
import type { RecordRow } from './generated/RecordRow';
import type { Selection } from './generated/Selection';
import type { BulkAction } from './generated/BulkAction';
import type { Bulked } from './generated/Bulked';
import type { ExportedFile } from './generated/ExportedFile';
import type { QuoteView } from './generated/QuoteView';
import type { OrderView } from './generated/OrderView';
import type { Balance } from './generated/Balance';
import type { AccountSales } from './generated/AccountSales';
import type { MadeFile } from './generated/MadeFile';
import type { CaseLine } from './generated/CaseLine';
import type { CaseView } from './generated/CaseView';
import type { EscalationPass } from './generated/EscalationPass';
import type { Suggestion } from './generated/Suggestion';
import type { ServiceView } from './generated/ServiceView';

export type * from './types';
// Types generated from the Rust types (ts-rs, written by `cargo test`).
export type { Condition } from './generated/Condition';
export type { Description } from './generated/Description';
export type { KindView } from './generated/KindView';
export type { FieldDescription } from './generated/FieldDescription';
export type { RecordPage } from './generated/RecordPage';
export type { RecordRow } from './generated/RecordRow';
export type { Selection } from './generated/Selection';
export type { BulkAction } from './generated/BulkAction';
export type { Bulked } from './generated/Bulked';
export type { ExportedFile } from './generated/ExportedFile';
export type { ListView } from './generated/ListView';
export type { QuoteView } from './generated/QuoteView';
export type { OrderView } from './generated/OrderView';
export type { Balance } from './generated/Balance';
export type { AccountSales } from './generated/AccountSales';
export type { LastPrice } from './generated/LastPrice';
export type { DocumentTotals } from './generated/DocumentTotals';
export type { MadeFile } from './generated/MadeFile';
export type { CaseClock } from './generated/CaseClock';
export type { ServiceView } from './generated/ServiceView';
export type { ServiceRow } from './generated/ServiceRow';
export type { CaseLine } from './generated/CaseLine';
export type { CaseView } from './generated/CaseView';
export type { Due } from './generated/Due';
export type { Escalated } from './generated/Escalated';
export type { EscalationPass } from './generated/EscalationPass';
export type { EntityKind } from './generated/EntityKind';
export type { Suggestion } from './generated/Suggestion';

/** Every command of the core, with its argument and result types. */
export interface Commands {
  status: [void, T.Status];
  /** Open the database with the user's passphrase (or set the one chosen
   * where no keychain can keep the key); also checks it at the idle lock. */
  unlock: [{ passphrase: string }, T.Status];
  /** How long this laptop may still go without syncing. */
  lease: [void, T.Lease];
  /** An administrator's code that lets the laptop stay away longer. */
  lease_extend: [{ code: string }, T.Lease];
  create_database: [{ name: string; email?: string | null; currency: string }, T.Status];
  load_demo: [{ accounts: number; seed?: number }, T.DemoSummary];
  account_facets: [void, T.Facets];
  list_accounts: [T.AccountListQuery, T.Page<T.AccountRow>];
  account_view: [{ id: T.Id }, T.AccountView];
  timeline: [{ account_id: T.Id; after?: T.TimelineCursor | null; limit?: number; kind?: string | null }, T.Timeline];
  history: [{ id: T.Id }, T.FieldHistory[]];
  create_account: [{ fields: Record<string, string> }, T.Id];
  update_account: [{ id: T.Id; fields: Record<string, string> }, boolean];
  log_interaction: [
    {
      account_id: T.Id;
      kind: string;
      subject: string;
      body?: string | null;
      outcome?: string | null;
      contact_id?: T.Id | null;
      opportunity_id?: T.Id | null;
      occurred_at?: string | null;
    },
    T.Interaction,
  ];
  list_contacts: [{ query?: string | null; offset?: number; limit?: number }, T.Page<T.ContactRow>];
  create_contact: [{ account_id: T.Id; fields: Record<string, string> }, T.Id];
  list_leads: [{ status?: string | null; offset?: number; limit?: number }, T.Lead[]];
  create_lead: [{ fields: Record<string, string> }, T.Id];
  qualify_lead: [{ id: T.Id }, T.Lead];
  convert_lead: [
    { id: T.Id; account_id?: T.Id | null; deal_name?: string | null; amount?: string | null; currency?: string | null },
    T.Converted,
  ];
  disqualify_lead: [{ id: T.Id; reason: string }, T.Lead];
  complete_task: [{ id: T.Id; outcome?: string | null }, T.Completed];
  pipeline: [{ cards_per_stage?: number; today?: string } & T.DealFilter, T.Board];
  stage_cards: [{ stage: string; offset?: number; limit?: number } & T.DealFilter, T.DealCard[]];
  create_deal: [
    { account_id: T.Id; name: string; amount: string; currency?: string | null; stage?: string | null; close_date?: string | null },
    T.Id,
  ];
  move_deal: [{ id: T.Id; stage: string; lost_reason?: string | null }, T.DealCard];
  search: [{ query: string; per_group?: number }, T.SearchGroup[]];
  today: [{ today: string }, T.Today];
  sync_status: [void, T.SyncStatus];
  sync_changes: [void, T.PendingChange[]];
  sync_now: [void, T.SyncReport];
  sync_cancel: [void, null];
  sync_login: [
    {
      server: string;
      email: string;
      password: string;
      insecure: boolean;
      ca_pem?: string | null;
      /** The user agreed that demo data here is set aside (kept in a file of its own). */
      set_demo_aside?: boolean;
      /** A first sign-in with no database yet: the currency of the user's new deals. */
      currency?: string | null;
    },
    T.SyncStatus,
  ];
  sync_logout: [void, T.SyncStatus];
  list_conflicts: [void, T.ConflictRow[]];
  resolve_conflict: [{ id: T.Id; keep: 'mine' | 'theirs' }, null];
  list_rejected: [void, T.RejectedRow[]];
  retry_rejected: [{ op_id: T.Id }, T.SyncStatus];
  discard_rejected: [{ op_id: T.Id }, T.SyncStatus];
  import_preview: [ImportArgs, T.ImportReport];
  import_file: [ImportArgs, T.ImportReport];
  import_cancel: [void, null];
  list_users: [void, T.User[]];
  reassign: [{ from: T.Id; to: T.Id }, T.Reassigned];
  get_settings: [void, T.Settings];
  save_settings: [T.Settings, T.Settings];
  mark_ready: [{ screen: string; shown: number; total: number }, null];
  describe: [{ kind: string }, KindView];
  list_records: [{ kind: string } & Partial<RecordQuery>, RecordPage];
  get_record: [{ kind: string; id: T.Id }, RecordRow];
  create_record: [{ kind: string; fields: Record<string, string> }, RecordRow];
  update_record: [{ kind: string; id: T.Id; fields: Record<string, string> }, RecordRow];
  delete_record: [{ kind: string; id: T.Id }, null];
  restore_record: [{ kind: string; id: T.Id }, RecordRow];
  /** One change to many records, in one transaction in the core. */
  bulk_records: [{ kind: string } & Selection & BulkAction, Bulked];
  /** The selection as CSV (the columns of `crm export`). */
  export_records: [{ kind: string } & Selection, ExportedFile];
  /** Sales documents (crm_store::sales): one use case each, as the CLI's. */
  quote_new: [
    {
      account_id: T.Id;
      contact_id?: T.Id | null;
      opportunity_id?: T.Id | null;
      price_list_id?: T.Id | null;
      valid_until?: string | null;
      terms?: string | null;
    },
    QuoteView,
  ];
  quote_line: [
    {
      quote_id: T.Id;
      product?: string | null;
      text?: string | null;
      price?: string | null;
      unit?: string | null;
      quantity: string;
      discount?: string | null;
      tax_rate?: string | null;
    },
    QuoteView,
  ];
  quote_view: [{ id: T.Id }, QuoteView];
  /** A page of a list's quotes with their totals, in the order asked (at most 500). */
  quote_views: [{ ids: T.Id[] }, QuoteView[]];
  quote_send: [{ id: T.Id; subject: string }, QuoteView];
  quote_revise: [{ id: T.Id }, QuoteView];
  quote_accept: [{ id: T.Id }, QuoteView];
  quote_reject: [{ id: T.Id; reason?: string | null }, QuoteView];
  quote_pdf: [{ id: T.Id; lang: string }, MadeFile];
  order_from_quote: [{ id: T.Id }, OrderView];
  order_view: [{ id: T.Id }, OrderView];
  /** A page of a list's orders with totals, paid and outstanding (at most 500). */
  order_views: [{ ids: T.Id[] }, OrderView[]];
  payment_add: [
    {
      account_id: T.Id;
      amount: string;
      currency: string;
      orders?: T.Id[];
      received_on?: string | null;
      method?: string | null;
      reference?: string | null;
      prepayment?: boolean;
    },
    Balance[],
  ];
  account_sales: [{ id: T.Id }, AccountSales];
  company: [void, RecordRow | null];
  set_company: [{ fields: Record<string, string>; logo_base64?: string | null }, RecordRow];
  /** Service (crm_store::service): cases, their flow, replies, solutions,
   * satisfaction, the knowledge base, service levels and escalation. */
  case_new: [
    {
      account_id: T.Id;
      subject: string;
      contact_id?: T.Id | null;
      priority?: string | null;
      channel?: string | null;
      description?: string | null;
      order_id?: T.Id | null;
      product_id?: T.Id | null;
      category?: string | null;
      owner_id?: T.Id | null;
    },
    CaseView,
  ];
  /** A queue of cases, breached first, then by working time left. */
  cases: [{ queue?: CaseQueue | null; mine?: boolean; priority?: string | null; limit?: number }, CaseLine[]];
  case_view: [{ id: T.Id }, CaseView];
  /** An account's cases: open ones first (breached first, then by time
   * left), then resolved and closed ones, newest first. */
  account_cases: [{ account_id: T.Id; limit?: number }, CaseLine[]];
  /** A resolved or closed case's story in Markdown, the start of an article
   * (refused with `case_not_resolved` while it is open). */
  case_story: [{ id: T.Id }, string];
  case_move: [{ id: T.Id; status: CaseMove; note?: string | null }, CaseView];
  /** A reply, call or visit on a case (`inbound`: the customer's message). */
  case_reply: [{ id: T.Id; kind: ReplyKind; subject: string; body?: string | null; inbound?: boolean }, CaseView];
  case_solve: [{ id: T.Id; article_id: T.Id; note?: string | null }, CaseView];
  survey_add: [
    { kind: 'csat' | 'nps'; case_id?: T.Id | null; account_id?: T.Id | null; score: string; comment?: string | null },
    RecordRow,
  ];
  /** Published articles and this user's drafts matching the words. */
  kb_search: [{ query: string; limit?: number }, Suggestion[]];
  /** How many cases an article solved. */
  article_uses: [{ id: T.Id }, number];
  sla_policy_set: [{ fields: Record<string, string> }, RecordRow];
  calendar_set: [{ fields: Record<string, string> }, RecordRow];
  /** Escalate the open cases at risk or past due, by this laptop's clock. */
  escalate: [void, EscalationPass];
  /** The manager's service view: open cases by status and priority, and
   * per engineer, category and month the load, breaches, resolution time
   * and satisfaction. */
  service_view: [void, ServiceView];
}

/** The queues of the Cases screen. */
export type CaseQueue = 'open' | 'breached' | 'at_risk' | 'escalated' | 'all';
/** A move along a case's flow (`reopened` takes a resolved or closed case back to work). */
export type CaseMove = 'in_progress' | 'waiting' | 'resolved' | 'closed' | 'reopened';
/** The kinds of contact a case's reply can be. */
export type ReplyKind = 'call' | 'email' | 'visit' | 'meeting' | 'message' | 'note';

/** A file to import: its name and bytes (base64). */
interface ImportArgs {
  into: 'leads' | 'contacts' | 'accounts';
  file_name: string;
  content: string;
  skip_invalid: boolean;
  keep_duplicates: boolean;
  /** The encoding the user chose (`shift_jis`, `utf-16le`...); null to detect it. */
  encoding: string | null;
  /** CSV: the file has no header line. */
  no_header: boolean;
}

export type Command = keyof Commands;
export type Args<C extends Command> = Commands[C][0];
export type Result<C extends Command> = Commands[C][1];

export interface Backend {
  /** Run a command of the core. Rejects with a BackendError. */
  call<C extends Command>(command: C, ...args: Args<C> extends void ? [] : [Args<C>]): Promise<Result<C>>;
  /** Hear progress of long commands; returns the unsubscribe function. */
  onProgress(listener: (p: T.Progress) => void): () => void;
}

/** A failed command, carrying the core's error for translation. */
export class BackendError extends Error {
  readonly error: T.AppError;
  constructor(error: T.AppError) {
    super(error.code);
    this.error = error;
  }
}

function isAppError(e: unknown): e is T.AppError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message_key' in e;
}

/** Whatever a backend threw, as a BackendError the UI can translate. */
export function toBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (isAppError(e)) return new BackendError({ ...e, params: e.params ?? {} });
  return new BackendError({ code: 'unreachable', message_key: 'error.unreachable', params: {} });
}
