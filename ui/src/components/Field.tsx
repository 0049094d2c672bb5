import { cloneElement, useId, type ReactElement } from 'react';
import type { FormErrors } from '../lib/useFormError';
import Problem from './Problem';

/** A labelled input whose error, if the core refused its value, shows right
 * under it, marks it invalid and goes away as soon as the user edits it. */
export default function Field({
  label,
  name,
  errors,
  className,
  children,
}: {
  label: string;
  name: string;
  errors: Pick<FormErrors, 'fieldError' | 'edited'>;
  className?: string;
  children: ReactElement<{ 'aria-invalid'?: boolean; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  const message = errors.fieldError(name);
  return (
    <label className={className} onInput={() => errors.edited(name)} onChange={() => errors.edited(name)}>
      {label}
      {cloneElement(children, message ? { 'aria-invalid': true, 'aria-describedby': id } : {})}
      <Problem id={id} message={message} />
    </label>
  );
}
