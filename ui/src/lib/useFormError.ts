import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from './errors';
import { toBackendError } from '../backend';
import { errorField } from './record';

/** An error where it belongs: beside the field the core named, or beside the
 * action that failed when it names none. */
export interface FormError {
  /** The field the core refused (`email`, `amount`...), or null for the action. */
  field: string | null;
  /** The sentence in the user's language. */
  message: string;
}

/** A form's fields and the labels it shows them under. */
export type FormFields = Readonly<Record<string, string>>;

/** Which of a form's fields stands for a field the core names or a refusal
 * that names none (`discount_percent` → `discount`, `overpaid` → `amount`). */
export type FieldAliases = Readonly<Record<string, string>>;

/** Where a core error is shown in a form with `fields`: beside its field
 * (named by the form's label) when the form has it, otherwise beside the
 * form's buttons. */
export function placeError(t: Parameters<typeof errorMessage>[0], e: unknown, fields: FormFields = {}, aliases: FieldAliases = {}): FormError {
  // Which field the refusal names: one reading of it for every form (lib/record.ts).
  const named = errorField(e);
  const code = toBackendError(e).error.code;
  const own = named !== null ? (aliases[named] ?? named) : (aliases[code] ?? null);
  const field = own !== null && own in fields ? own : null;
  return { field, message: errorMessage(t, e, (f) => fields[aliases[f] ?? f]) };
}

/**
 * A form's errors: `run` clears them, runs the action and keeps its error
 * beside the field or the action; `edited` clears it as soon as the user
 * changes the field (or any field, for an action's error). Nothing is left
 * in a banner that outlives the form or a later success.
 */
export function useFormError(fields: FormFields = {}, aliases: FieldAliases = {}) {
  const { t } = useTranslation();
  const [error, setError] = useState<FormError | null>(null);
  const labels = JSON.stringify(fields);
  const aliased = JSON.stringify(aliases);

  const run = useCallback(
    async <T>(action: () => Promise<T>): Promise<T | undefined> => {
      setError(null);
      try {
        return await action();
      } catch (e) {
        setError(placeError(t, e, JSON.parse(labels) as FormFields, JSON.parse(aliased) as FieldAliases));
        return undefined;
      }
    },
    [t, labels, aliased],
  );

  const edited = useCallback((field: string) => setError((e) => (e && (e.field === field || e.field === null) ? null : e)), []);
  const clear = useCallback(() => setError(null), []);

  return {
    error,
    run,
    edited,
    clear,
    /** The message for one field, if the error is its. */
    fieldError: (field: string) => (error?.field === field ? error.message : undefined),
    /** The message for the action, when it names no field of this form. */
    actionError: error && error.field === null ? error.message : undefined,
  };
}

export type FormErrors = ReturnType<typeof useFormError>;
