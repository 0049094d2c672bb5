import { parseISO } from 'date-fns';
import type { TFunction } from 'i18next';
import type { AppError } from '../backend';
import { BackendError, toBackendError } from '../backend';

/** Where a refusal's `status` (and `needed`) are translated, by its code: a
 * quote's statuses are not a lead's. */
const STATUSES: Record<string, string> = {
  quote_locked: 'quote_status',
  quote_status: 'quote_status',
  order_closed: 'order_status',
  case_closed: 'record_page.choice.status',
  case_not_resolved: 'record_page.choice.status',
  case_move: 'record_page.choice.status',
};

/** The sentence for a core error in the user's language. Never the raw code. */
export function errorMessage(t: TFunction, e: unknown, fieldLabel?: (field: string) => string | undefined): string {
  const error: AppError = e instanceof BackendError ? e.error : toBackendError(e).error;
  const params: Record<string, unknown> = { ...error.params };
  const statuses = STATUSES[error.code] ?? 'lead_status';
  if (typeof params.entity === 'string') params.entity = t(`record.${params.entity}`);
  if (typeof params.status === 'string') params.status = t(`${statuses}.${params.status}`);
  if (typeof params.needed === 'string') params.needed = t(`${statuses}.${params.needed}`);
  // A case's refused move: the status it is in, and the move by its button's name.
  if (error.code === 'case_move') {
    if (typeof params.from === 'string') params.from = t(`${statuses}.${params.from}`);
    if (typeof params.to === 'string') params.to = t(`cases.move.${params.to}`, { defaultValue: params.to });
  }
  // Days and money in the user's locale (the translations format them).
  if (error.code === 'lease_expired') {
    for (const key of ['since', 'locked_at']) if (typeof params[key] === 'number') params[key] = new Date(params[key] as number);
  }
  if (typeof params.valid_until === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(params.valid_until)) params.valid_until = parseISO(params.valid_until);
  if (typeof params.outstanding === 'string' && typeof params.currency === 'string' && /^\d+(\.\d+)?$/.test(params.outstanding)) {
    params.outstanding = Number(params.outstanding);
    params.formatParams = { outstanding: { currency: params.currency } };
  }
  const known = t(error.message_key, { ...params, defaultValue: '' });
  const text = known || t('error.internal');
  if (error.field) {
    // The form's own label when it has one (a task's "title" is not a
    // contact's job title), else the field's usual name.
    const field = fieldLabel?.(error.field) ?? t(`field.${error.field}`, { defaultValue: error.field });
    return t('error.invalid', { field, problem: text });
  }
  return text;
}
