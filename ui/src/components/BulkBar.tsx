// What a list offers for its picked rows: give them to someone, tag them,
// delete them (with Undo) or export them. Each action is one command of the
// core (`bulk_records`, `export_records`), however many rows are picked.

import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkAction, KindView, User } from '../backend';
import type { RecordQuery } from '../backend/generated/RecordQuery';
import { useApp } from '../context';
import { download, pickedCount, selectionOf, type Picked } from '../lib/lists';
import { useFormError } from '../lib/useFormError';
import Problem from './Problem';
import { useUndo } from './Undo';

interface Props {
  /** The kind's name (`account`, `contact`, `lead`). */
  kind: string;
  picked: Picked;
  /** Rows matching the list's filter. */
  total: number;
  /** The list's filter, for "all matching". */
  matching: RecordQuery;
  onPickAll: () => void;
  onClear: () => void;
  /** The rows changed: fetch the list anew. */
  onChanged: () => void;
}

export default function BulkBar({ kind, picked, total, matching, onPickAll, onClear, onChanged }: Props) {
  const { t } = useTranslation();
  const { backend, notify } = useApp();
  const { offerUndo } = useUndo();
  const [view, setView] = useState<KindView | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [owner, setOwner] = useState('');
  const [tag, setTag] = useState('');
  const form = useFormError({ tags: t('lists.tag'), owner_id: t('lists.assign_to') });
  const count = pickedCount(picked, total);
  const owned = view?.fields.some((f) => f.name === 'owner_id') ?? false;
  const tagged = view?.fields.some((f) => f.name === 'tags') ?? false;

  useEffect(() => {
    backend.call('describe', { kind }).then(setView, () => {});
    backend.call('list_users').then((u) => setUsers(u.filter((x) => x.active)), () => {});
  }, [backend, kind]);

  if (count === 0) return null;
  const selection = selectionOf(picked, matching);

  const run = async (action: BulkAction, done: (changed: number) => string) => {
    const result = await form.run(() => backend.call('bulk_records', { kind, ...selection, ...action }));
    if (!result) return undefined;
    notify(done(result.changed));
    onClear();
    onChanged();
    return result;
  };

  const assign = (e: FormEvent) => {
    e.preventDefault();
    if (!owner) return;
    const name = users.find((u) => u.id === owner)?.name ?? '';
    void run({ action: 'assign', value: owner }, (n) => t('lists.assigned', { count: n, name }));
  };
  const addTag = (e: FormEvent) => {
    e.preventDefault();
    if (!tag.trim()) return;
    void run({ action: 'tag', value: tag.trim() }, (n) => t('lists.tagged', { count: n, tag: tag.trim() })).then((r) => r && setTag(''));
  };
  const remove = async () => {
    const result = await run({ action: 'delete' }, (n) => t('lists.deleted', { count: n }));
    if (!result) return;
    offerUndo({
      message: t('lists.deleted', { count: result.changed }),
      undo: async () => {
        await backend.call('bulk_records', { kind, ids: result.ids, action: 'restore' });
        onChanged();
      },
    });
  };
  const exportCsv = async () => {
    const file = await form.run(() => backend.call('export_records', { kind, ...selection }));
    if (!file) return;
    download(file.file_name, file.text);
    notify(t('lists.exported', { count: file.count }));
  };

  return (
    <div className="bulk-bar" role="region" aria-label={t('lists.bulk_label')} data-testid="bulk-bar">
      <span className="bulk-count" aria-live="polite" data-testid="picked-count">
        {t('lists.picked', { count })}
      </span>
      {!picked.all && count < total && (
        <button type="button" className="link" onClick={onPickAll}>
          {t('lists.pick_all', { count: total })}
        </button>
      )}
      <button type="button" className="link" onClick={onClear}>
        {t('lists.clear')}
      </button>
      {owned && (
        <form className="bulk-action" onSubmit={assign}>
          <label>
            <span className="sr-only">{t('lists.assign_to')}</span>
            <select value={owner} onChange={(e) => (setOwner(e.target.value), form.edited('owner_id'))} aria-label={t('lists.assign_to')}>
              <option value="">{t('lists.assign_to')}</option>
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!owner}>
            {t('lists.assign')}
          </button>
        </form>
      )}
      {tagged && (
        <form className="bulk-action" onSubmit={addTag}>
          <input value={tag} size={10} onChange={(e) => (setTag(e.target.value), form.edited('tags'))} aria-label={t('lists.tag')} placeholder={t('lists.tag')} />
          <button type="submit" disabled={!tag.trim()}>
            {t('lists.add_tag')}
          </button>
          <Problem message={form.fieldError('tags')} />
        </form>
      )}
      <button type="button" onClick={() => void exportCsv()}>
        {t('lists.export')}
      </button>
      {view?.may_edit !== false && (
        <button type="button" className="danger" onClick={() => void remove()}>
          {t('lists.delete')}
        </button>
      )}
      <Problem message={form.actionError ?? form.fieldError('owner_id')} />
    </div>
  );
}
