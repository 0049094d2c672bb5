// Locale-aware formatting of money, numbers and dates. Money arrives as
// integer minor units with an ISO 4217 code and is never computed in floats
// beyond the final division for display.
import { differenceInCalendarDays, format, parseISO } from 'date-fns';

// Intl formatters take tens of microseconds each to make, and a board draws
// hundreds of amounts and dates: each is made once per locale and kind.
const moneyFormats = new Map<string, Intl.NumberFormat>();
const decimals = new Map<string, number>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function moneyFormat(locale: string, currency: string, compact = false): Intl.NumberFormat {
  const key = `${locale}|${currency}|${compact}`;
  let f = moneyFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
    });
    moneyFormats.set(key, f);
  }
  return f;
}

/** Decimals of the currency's minor unit (2 for CNY, 0 for JPY). */
export function currencyDecimals(currency: string): number {
  let n = decimals.get(currency);
  if (n === undefined) {
    n = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    decimals.set(currency, n);
  }
  return n;
}

/** An amount in minor units, formatted for `locale`. */
export function formatMoney(minor: number, currency: string, locale: string, compact = false): string {
  const value = minor / 10 ** currencyDecimals(currency);
  return moneyFormat(locale, currency, compact).format(value);
}

/** A whole number with the locale's grouping. */
export function formatNumber(n: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** A calendar date (`YYYY-MM-DD`) or a timestamp, as a date. */
export function formatDate(value: string, locale: string): string {
  const d = value.length === 10 ? parseISO(value) : new Date(value);
  let f = dateFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    dateFormats.set(locale, f);
  }
  return f.format(d);
}

/** A timestamp as date and time in the user's time zone. */
export function formatDateTime(value: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

/** A timestamp's time of day in the user's time zone ("10:00", "上午10:00"). */
export function formatTime(value: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(value));
}

/** A `tel:` link for a phone number as stored (`+86 21 5555 0101`): digits
 * and the leading plus only, so every dialler reads it. */
export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`;
}

/** A `mailto:` link for an email address. */
export function mailtoHref(email: string): string {
  return `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}`;
}

/** "today", "yesterday", "in 3 days"… for a calendar date relative to `today`. */
export function formatRelativeDay(date: string, today: Date, locale: string): string {
  const days = differenceInCalendarDays(parseISO(date), today);
  if (Math.abs(days) > 6) return formatDate(date, locale);
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day');
}

/** The local calendar date as `YYYY-MM-DD`, what the core's task queries take. */
export function localDay(now: Date = new Date()): string {
  return format(now, 'yyyy-MM-dd');
}

/** A value from field history (canonical JSON) as short text. */
export function historyValue(value: unknown, locale: string): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return Object.keys(value as object).join(', ');
  if (typeof value === 'number' && value > 1e12) return formatDateTime(new Date(value).toISOString(), locale);
  return String(value);
}
