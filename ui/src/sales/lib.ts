// Sales documents' logic apart from React: what a quote offers in each
// status, a typed line as the core's quote_line takes it, lists' queries by
// status, a made file's bytes, a logo's type. Money is never added up here:
// totals come from the core (QuoteView, OrderView, Balance).

import type { Args, Condition, MadeFile, RecordRow } from '../backend';
import { formatMoney } from '../lib/format';

/** What a quote's page offers, by its status as the customer sees it. */
export type QuoteAction = 'preview' | 'save_pdf' | 'send' | 'accept' | 'reject' | 'revise' | 'create_order' | 'open_order';

/** The actions of a quote in `status`; `ordered`: an order was made from it. */
export function quoteActions(status: string, ordered: boolean): QuoteAction[] {
  switch (status) {
    case 'draft':
      return ['preview', 'save_pdf', 'send'];
    case 'sent':
      return ['preview', 'save_pdf', 'accept', 'reject', 'revise'];
    // Past its validity it can no longer be accepted: offer it again.
    case 'expired':
    case 'rejected':
      return ['preview', 'save_pdf', 'revise'];
    case 'accepted':
      return ['preview', 'save_pdf', ordered ? 'open_order' : 'create_order'];
    default:
      // An earlier revision is read only; its PDF is the one that was sent.
      return ['preview', 'save_pdf'];
  }
}

/** Only a draft's lines and details change (the core refuses the rest anyway). */
export const isDraft = (status: string) => status === 'draft';

/** The newest revision of a number: (id, revision, status). */
export function latestRevision(revisions: [string, number, string][]): [string, number, string] | null {
  return revisions.reduce<[string, number, string] | null>((best, r) => (best === null || r[1] > best[1] ? r : best), null);
}

/** A line as typed in the quote editor. */
export interface LineDraft {
  /** A product line or a free-text one. */
  mode: 'product' | 'text';
  /** The product's code (or what was typed to find it). */
  product: string;
  description: string;
  price: string;
  unit: string;
  quantity: string;
  discount: string;
  tax: string;
}

export const EMPTY_LINE: LineDraft = { mode: 'product', product: '', description: '', price: '', unit: '', quantity: '1', discount: '', tax: '' };

const given = (text: string) => (text.trim() === '' ? null : text.trim());

/** The quote_line call for a typed line: empty fields left to the core's
 * defaults (the product's tax rate, no discount). */
export function lineArgs(quoteId: string, line: LineDraft): Args<'quote_line'> {
  const common = { quote_id: quoteId, quantity: line.quantity.trim(), discount: given(line.discount), tax_rate: given(line.tax.replace(/%\s*$/, '')) };
  if (line.mode === 'product') return { ...common, product: line.product.trim() };
  return { ...common, product: null, text: line.description.trim(), price: line.price.trim(), unit: given(line.unit) };
}

/** Where the core's refusal of a line is shown in the line form. */
export const LINE_ALIASES = {
  discount_percent: 'discount',
  discount_amount: 'discount',
  tax_rate: 'tax',
  unit_price: 'price',
  text: 'description',
  no_list_price: 'product',
  product_retired: 'product',
} as const;

/** The product a typed text stands for among those found: the one whose
 * code is the text (any case), else the one highlighted, else the only one. */
export function pickedProduct(found: RecordRow[], typed: string, highlighted: number): RecordRow | null {
  const text = typed.trim().toLocaleLowerCase();
  const byCode = found.find((p) => String(p.fields.code ?? '').toLocaleLowerCase() === text);
  if (byCode) return byCode;
  if (highlighted >= 0 && highlighted < found.length) return found[highlighted];
  return found.length === 1 ? found[0] : null;
}

/** A product as its field shows it once picked: `SRV-1 · 服务器`. */
export function productText(p: RecordRow): string {
  return [p.fields.code, p.fields.name].filter(Boolean).join(' · ');
}

/** The code to send for what the product field holds: a picked product's
 * shown text stands for its code. */
export function productCode(typed: string): string {
  return typed.split(' · ')[0].trim();
}

/** A percentage kept as exact text (`13`, `6.5`) in the user's locale. */
export function formatPercent(text: string | number | null | undefined, locale: string): string {
  if (text === null || text === undefined || text === '') return '';
  const n = Number(text);
  if (Number.isNaN(n)) return String(text);
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(n / 100);
}

/** A quantity kept as exact text (`2`, `1.5`) in the user's locale. */
export function formatQuantity(text: string | number | null | undefined, locale: string): string {
  if (text === null || text === undefined || text === '') return '';
  const n = Number(text);
  return Number.isNaN(n) ? String(text) : new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(n);
}

/** A line's discount as given: a percentage, or an amount off the line. */
export function discountText(
  fields: { discount_percent?: unknown; discount_amount?: unknown },
  currency: string,
  locale: string,
): string {
  if (typeof fields.discount_percent === 'string' && fields.discount_percent !== '') return formatPercent(fields.discount_percent, locale);
  if (typeof fields.discount_amount === 'number' && fields.discount_amount !== 0) return formatMoney(fields.discount_amount, currency, locale);
  return '';
}

/** The list's query for a quote status filter. A sent quote past its last
 * day shows as expired without anyone writing it, so `sent` and `expired`
 * are told apart by `valid_until` against today. */
export function quoteFilter(status: string, today: string): { filter: Record<string, string>; conditions: Condition[] } {
  if (status === 'sent') return { filter: { status: 'sent' }, conditions: [{ field: 'valid_until', op: 'ge', value: today }] };
  if (status === 'expired') return { filter: { status: 'sent' }, conditions: [{ field: 'valid_until', op: 'lt', value: today }] };
  return { filter: status ? { status } : {}, conditions: [] };
}

/** The list's query for an order filter; `overdue`: open and past due. */
export function orderFilter(status: string, today: string): { filter: Record<string, string>; conditions: Condition[] } {
  if (status === 'overdue') return { filter: { status: 'open' }, conditions: [{ field: 'due_date', op: 'lt', value: today }] };
  return { filter: status ? { status } : {}, conditions: [] };
}

/** A base64 text's bytes. */
export function base64Bytes(base64: string): Uint8Array {
  const raw = atob(base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** Bytes as base64 (a logo read from a file). */
export function bytesBase64(bytes: Uint8Array): string {
  let raw = '';
  for (let i = 0; i < bytes.length; i += 0x8000) raw += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(raw);
}

/** A made PDF as a Blob to show and save. */
export function pdfBlob(file: MadeFile): Blob {
  return new Blob([base64Bytes(file.base64) as BlobPart], { type: 'application/pdf' });
}

/** The image type of a logo's bytes, by their signature (PNG or JPEG), or null. */
export function imageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | null {
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** The most bytes of a logo (the core's limit too). */
export const MAX_LOGO_BYTES = 48 * 1024;

/** The stored logo (base64) as an image address, or null. */
export function logoUrl(base64: string | null | undefined): string | null {
  if (!base64) return null;
  const type = imageType(base64Bytes(base64.slice(0, 16)));
  return type ? `data:${type};base64,${base64}` : null;
}

/** A record's text field, or null. */
export function text(row: RecordRow | null | undefined, field: string): string | null {
  const v = row?.fields[field];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A quote's number as people read it: with its revision from the second on. */
export function quoteLabel(quote: RecordRow, t: (key: string, options?: Record<string, unknown>) => string): string {
  const number = text(quote, 'number') ?? '';
  const revision = Number(quote.fields.revision ?? 1);
  return revision > 1 ? t('sales.number_rev', { number, revision }) : number;
}

/** An amount as typed (`1130.00`) in the user's locale, for a confirmation;
 * anything unreadable as it was typed. */
export function formatTypedMoney(typed: string, currency: string, locale: string): string {
  const n = Number(typed.trim());
  if (typed.trim() === '' || Number.isNaN(n)) return `${typed} ${currency}`.trim();
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(n);
}
