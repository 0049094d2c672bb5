// A record page's logic, apart from React: which fields a kind's description
// shows, how a canonical value reads as typed text and back, what changed,
// and which field a refusal of the core belongs to.

import type { AppError, FieldDescription, KindView, RecordRow } from '../backend';
import { BackendError, toBackendError } from '../backend';
import { currencyDecimals, formatDate, formatDateTime, formatMoney, formatNumber } from './format';

export type Value = RecordRow['fields'][string];

/** How a field is drawn on a record page. */
export type Control = 'line' | 'text' | 'select' | 'date' | 'date_time' | 'number' | 'ref' | 'bool';

export interface FormField {
  field: FieldDescription;
  control: Control;
  /** The person may change it: the role may edit the kind, and the app does not set it itself. */
  writable: boolean;
  /** The value as the form edits it. */
  text: string;
}

/** Field types no form can type (a reference to any kind, raw JSON). */
const UNTYPED = new Set(['any_ref', 'json']);
/** The kinds a reference can be picked from on the page (a short list: the
 * team's people). Others are shown as links and changed where they belong. */
const PICKED_REFS = new Set(['user']);

/** Whether a person can give the field a value on a record page. */
function typeable(field: FieldDescription): boolean {
  if (UNTYPED.has(field.type)) return false;
  return field.type !== 'ref' || PICKED_REFS.has(field.refers_to ?? '');
}

function control(field: FieldDescription): Control {
  switch (field.type) {
    case 'choice':
    case 'stage':
      return 'select';
    case 'text':
      return 'text';
    case 'date':
      return 'date';
    case 'date_time':
      return 'date_time';
    case 'int':
    case 'decimal':
    case 'amount':
      return 'number';
    case 'ref':
    case 'any_ref':
      return 'ref';
    case 'bool':
      return 'bool';
    default:
      return 'line';
  }
}

/** Two digits. */
const two = (n: number) => String(n).padStart(2, '0');

/** Milliseconds since the epoch as `YYYY-MM-DDTHH:MM` in local time (a datetime-local input's value). */
export function localDateTimeInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Minor units as plain decimal text in `currency` (12345 CNY → "123.45"), exact, without grouping. */
export function minorToText(minor: number, currency: string): string {
  const places = currencyDecimals(currency);
  if (places === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(places + 1, '0');
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/** A canonical value as the text a form edits (what the core's parser reads back). */
export function fieldText(field: FieldDescription, value: Value | undefined, currency: string | null): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  switch (field.type) {
    case 'bool':
      return value ? 'yes' : 'no';
    case 'amount':
      return currency && typeof value === 'number' ? minorToText(value, currency) : String(value);
    case 'date_time':
      return typeof value === 'number' ? localDateTimeInput(value) : String(value);
    default:
      return String(value);
  }
}

/** The record's fields as a page shows them: every field but the app's own
 * bookkeeping, writable where the user's role may edit the kind. */
export function formFields(view: KindView, row: RecordRow): FormField[] {
  const currency = typeof row.fields.currency === 'string' ? row.fields.currency : null;
  return view.fields.map((field) => ({
    field,
    control: control(field),
    writable: view.may_edit && !field.system && typeable(field) && !isReservedValue(field, row.fields[field.name]),
    text: fieldText(field, row.fields[field.name], currency),
  }));
}

/** A value only a use case gives (a converted lead's status) cannot be changed by hand. */
function isReservedValue(field: FieldDescription, value: Value | undefined): boolean {
  return typeof value === 'string' && field.reserved.includes(value);
}

/** The choices a person may pick for a field (the reserved ones are the app's). */
export function pickable(field: FieldDescription, choices: string[] | null = field.choices): string[] {
  return (choices ?? []).filter((c) => !field.reserved.includes(c));
}

/** The text a form sends for a field: a local date and time goes as an exact moment. */
export function typedValue(form: FormField, text: string): string {
  if (form.field.type === 'date_time' && text) {
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? text : d.toISOString();
  }
  return text;
}

/** The writable fields whose text differs from the record's, as the core's typed fields. */
export function changedFields(forms: FormField[], draft: Record<string, string>): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const form of forms) {
    const text = draft[form.field.name];
    if (!form.writable || text === undefined || text === form.text) continue;
    changed[form.field.name] = typedValue(form, text);
  }
  return changed;
}

/** The field a refusal of the core names (a refused value), or null when it is about the whole record. */
export function errorField(e: unknown): string | null {
  const error: AppError = e instanceof BackendError ? e.error : toBackendError(e).error;
  if (error.field) return error.field;
  const named = error.params?.field;
  return typeof named === 'string' ? named : null;
}

/** Where a record is shown: an account, a quote, an order, a case and an
 * article have their own pages, every other kind the generic one. */
export function recordHash(kind: string, id: string): string {
  if (kind === 'account') return `#/accounts/${encodeURIComponent(id)}`;
  if (kind === 'quote') return `#/quotes/${encodeURIComponent(id)}`;
  if (kind === 'order') return `#/orders/${encodeURIComponent(id)}`;
  if (kind === 'case') return `#/cases/${encodeURIComponent(id)}`;
  if (kind === 'article') return `#/kb/${encodeURIComponent(id)}`;
  return `#/records/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`;
}

/** The screen that lists a kind's records. */
export function listHash(kind: string): string {
  switch (kind) {
    case 'account':
      return '#/accounts';
    case 'contact':
      return '#/contacts';
    case 'lead':
      return '#/leads';
    case 'task':
      return '#/tasks';
    case 'opportunity':
      return '#/pipeline';
    case 'quote':
      return '#/quotes';
    case 'order':
      return '#/orders';
    case 'case':
      return '#/cases';
    case 'article':
      return '#/kb';
    default:
      return `#/records/${encodeURIComponent(kind)}`;
  }
}

/** Fields whose values are another field's (a case event's statuses are a
 * case's, an escalation's priorities the case's), translated once. */
const SAME_CHOICES: Readonly<Record<string, string>> = {
  from_status: 'status',
  to_status: 'status',
  from_priority: 'priority',
  to_priority: 'priority',
  raise_to: 'priority',
};

/** The translation key of a choice: the sections the app already has for
 * statuses, stages and kinds of history, else the record page's own. */
export function choiceLabelKey(kind: string, field: string, value: string): string {
  if (field === 'stage') return `stage.${value}`;
  if (field === 'lifecycle') return `lifecycle.${value}`;
  if (kind === 'lead' && field === 'status') return `lead_status.${value}`;
  if (kind === 'interaction' && field === 'kind') return `kind.${value}`;
  if (kind === 'quote' && field === 'status') return `quote_status.${value}`;
  if (kind === 'order' && field === 'status') return `order_status.${value}`;
  if (kind === 'payment' && field === 'method') return `payment_method.${value}`;
  return `record_page.choice.${SAME_CHOICES[field] ?? field}.${value}`;
}

/** Translates a key, with a fallback (i18next's `t`, narrowed to what is used here). */
export type Translate = (key: string, options?: { defaultValue?: string }) => string;

/** A value as a page shows it: money, dates and numbers in the user's locale,
 * choices translated. References are the page's to draw (as links). */
export function shownValue(kind: string, field: FieldDescription, row: RecordRow, locale: string, t: Translate): string {
  const value = row.fields[field.name];
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return t('common.none');
  if (Array.isArray(value)) return value.join(', ');
  switch (field.type) {
    case 'amount': {
      const currency = row.fields.currency;
      return typeof currency === 'string' && typeof value === 'number' ? formatMoney(value, currency, locale) : String(value);
    }
    case 'date':
      return formatDate(String(value), locale);
    case 'date_time':
      return typeof value === 'number' ? formatDateTime(new Date(value).toISOString(), locale) : String(value);
    case 'int':
      return typeof value === 'number' ? formatNumber(value, locale) : String(value);
    case 'decimal':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: field.places ?? 8 }).format(Number(value));
    case 'choice':
    case 'stage':
      return t(choiceLabelKey(kind, field.name, String(value)), { defaultValue: String(value) });
    case 'bool':
      return value ? t('records.yes') : t('records.no');
    case 'ref':
    case 'any_ref':
      return row.titles[field.name] ?? t('common.missing_record');
    default:
      return String(value);
  }
}

/** The references of a record whose names it did not bring (a single record
 * comes without them; a list row has them): field, kind and id to ask for. */
export function missingTitles(view: KindView, row: RecordRow): { field: string; kind: string; id: string }[] {
  return view.fields.flatMap((f) => {
    const id = row.fields[f.name];
    if (f.type !== 'ref' || !f.refers_to || typeof id !== 'string' || !id || row.titles[f.name]) return [];
    return [{ field: f.name, kind: f.refers_to, id }];
  });
}
