import type { TFunction } from 'i18next';
import type { AppError } from '../backend';
import { BackendError, toBackendError } from '../backend';

/** The sentence for a core error in the user's language. Never the raw code. */
export function errorMessage(t: TFunction, e: unknown, fieldLabel?: (field: string) => string | undefined): string {
  const error: AppError = e instanceof BackendError ? e.error : toBackendError(e).error;
  const params: Record<string, unknown> = { ...error.params };
  if (typeof params.entity === 'string') params.entity = t(`record.${params.entity}`);
  if (typeof params.status === 'string') params.status = t(`lead_status.${params.status}`);
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
