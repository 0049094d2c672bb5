// A list cell edited in place: double-click it (or Enter when it has focus),
// Enter saves through `update_record`, Escape gives up. A value the core
// refuses stays in the box with the reason beside it.

import { useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { placeError } from '../lib/useFormError';

interface Props {
  kind: string;
  id: string;
  field: string;
  /** The field's label, for the box and for an error naming it. */
  label: string;
  /** The value as text. */
  value: string;
  /** What the cell shows when not editing (a link...); the text otherwise. */
  children?: ReactNode;
  className?: string;
  /** The saved value, as the core keeps it. */
  onSaved: (value: string) => void;
}

export default function EditableCell({ kind, id, field, label, value, children, className, onSaved }: Props) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const save = async () => {
    if (draft === null || busy) return;
    if (draft === value) return setDraft(null);
    setBusy(true);
    try {
      const row = await backend.call('update_record', { kind, id, fields: { [field]: draft } });
      const saved = row.fields[field];
      onSaved(typeof saved === 'string' ? saved : draft);
      setDraft(null);
      setError('');
    } catch (e) {
      setError(placeError(t, e, { [field]: label }).message);
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => {
    setDraft(null);
    setError('');
  };
  const onCellKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && draft === null && e.target === e.currentTarget) {
      e.preventDefault();
      setDraft(value);
    }
  };
  const onInputKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      cancel();
    }
  };

  return (
    <div
      role="cell"
      className={`editable ${className ?? ''}${draft !== null ? ' editing' : ''}`}
      title={draft === null ? value : undefined}
      tabIndex={draft === null ? 0 : -1}
      data-field={field}
      onDoubleClick={() => draft === null && setDraft(value)}
      onKeyDown={onCellKey}
    >
      {draft === null ? (
        (children ?? value)
      ) : (
        <>
          <input
            value={draft}
            autoFocus
            aria-label={t('lists.edit_cell', { field: label })}
            aria-invalid={error ? true : undefined}
            readOnly={busy}
            onChange={(e) => (setDraft(e.target.value), setError(''))}
            onKeyDown={onInputKey}
            onBlur={() => !error && cancel()}
          />
          {error && (
            <span className="problem cell-problem" role="alert" title={error}>
              {error}
            </span>
          )}
        </>
      )}
    </div>
  );
}
