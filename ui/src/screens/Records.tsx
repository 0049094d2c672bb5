// Any kind of record, drawn from its description (the core's `describe`):
// a list with its columns, a form with its fields, edit, delete with undo.
// A kind that needs no screen of its own (exchange rates, and the kinds to
// come) gets this one without a line of its own here.

import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FieldDescription, KindView, RecordPage, RecordRow } from '../backend';
import { useUndo } from '../components/Undo';
import { useApp } from '../context';
import { choiceLabelKey, recordHash, shownValue } from '../lib/record';

const PAGE = 100;

type Value = RecordRow['fields'][string];

/** A canonical value as typed text (what the form edits). */
function asText(field: FieldDescription, value: Value | undefined): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (field.type === 'bool') return value ? 'yes' : 'no';
  return String(value);
}

export default function Records({ kind }: { kind: string }) {
  const { t } = useTranslation();
  const { backend, fail, locale, notify } = useApp();
  const [description, setDescription] = useState<KindView | null>(null);
  const [page, setPage] = useState<RecordPage | null>(null);
  const [editing, setEditing] = useState<RecordRow | 'new' | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<string | null>(null);
  const { offerUndo } = useUndo();

  const label = useCallback((name: string) => t(`field.${name}`, { defaultValue: name }), [t]);
  const choice = useCallback(
    (field: string, value: string) => t(choiceLabelKey(kind, field, value), { defaultValue: value }),
    [t, kind],
  );

  // Words to find, as the search box finds them (Chinese substrings too);
  // a kind with a catalogue of thousands is useless as one long list.
  const [text, setText] = useState('');
  const [wanted, setWanted] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setWanted(text.trim()), 150);
    return () => clearTimeout(timer);
  }, [text]);
  useEffect(() => {
    setText('');
    setWanted('');
  }, [kind]);

  const load = useCallback(
    (limit = PAGE) => {
      backend.call('list_records', { kind, limit, text: wanted || undefined }).then(setPage, fail);
    },
    [backend, kind, wanted, fail],
  );
  useEffect(() => {
    backend.call('describe', { kind }).then(setDescription, fail);
  }, [backend, kind, fail]);
  useEffect(() => {
    load();
  }, [load]);

  const fields = useMemo(() => description?.fields.filter((f) => !f.system) ?? [], [description]);
  // The core says whether this user may (the rule its writes obey).
  const mayEdit = !!description?.may_edit;

  // As the record page shows it: choices translated, references by name,
  // money, dates and numbers in the user's locale.
  const show = (field: FieldDescription | undefined, row: RecordRow): string => {
    if (!field) return t('common.none');
    return shownValue(kind, field, row, locale, t);
  };

  const open = (row: RecordRow | 'new') => {
    setErrors(null);
    setEditing(row);
    const values: Record<string, string> = {};
    for (const f of fields) {
      values[f.name] = row === 'new' ? asText(f, f.default) : asText(f, row.fields[f.name]);
    }
    setDraft(values);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    try {
      if (editing === 'new') {
        const given = Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== ''));
        await backend.call('create_record', { kind, fields: given });
      } else {
        const changed = Object.fromEntries(
          fields
            .filter((f) => draft[f.name] !== asText(f, editing.fields[f.name]))
            .map((f) => [f.name, draft[f.name] ?? '']),
        );
        await backend.call('update_record', { kind, id: editing.id, fields: changed });
      }
      setEditing(null);
      notify(t('common.saved'));
      load();
    } catch (err) {
      setErrors(t('records.not_saved'));
      fail(err);
    }
  };

  const remove = async (row: RecordRow) => {
    try {
      await backend.call('delete_record', { kind, id: row.id });
      offerUndo({
        message: t('records.deleted'),
        undo: async () => {
          await backend.call('restore_record', { kind, id: row.id });
          notify(t('records.restored'));
        },
      });
      load();
    } catch (err) {
      fail(err);
    }
  };

  if (!description) return <p>{t('common.loading')}</p>;
  const byName = new Map(description.fields.map((f) => [f.name, f]));
  const searchable = description.fields.some((f) => f.searchable);
  const title = t(`entity.${kind}`, { defaultValue: kind });
  return (
    <section aria-labelledby="records-title">
      <header className="screen-head">
        <h1 id="records-title">{title}</h1>
        {mayEdit && editing === null && (
          <button type="button" className="primary" onClick={() => open('new')}>
            {t('records.new')}
          </button>
        )}
      </header>
      {!mayEdit && description.editors.length > 0 && (
        <p className="muted">{t('records.read_only', { roles: description.editors.map((r) => t(`role.${r}`, { defaultValue: r })).join(', ') })}</p>
      )}
      {editing !== null && (
        <form className="card form" onSubmit={save} aria-label={editing === 'new' ? t('records.new') : t('common.edit')}>
          {fields.map((f) => (
            <label key={f.name}>
              {label(f.name)}
              {f.required ? ' *' : ''}
              {f.type === 'bool' ? (
                <select value={draft[f.name] ?? ''} onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}>
                  {!f.required && <option value="">{t('common.none')}</option>}
                  <option value="yes">{t('records.yes')}</option>
                  <option value="no">{t('records.no')}</option>
                </select>
              ) : f.type === 'choice' ? (
                <select value={draft[f.name] ?? ''} onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}>
                  {!f.required && <option value="">{t('common.none')}</option>}
                  {(f.choices ?? [])
                    .filter((c) => !f.reserved.includes(c))
                    .map((c) => (
                      <option key={c} value={c}>
                        {choice(f.name, c)}
                      </option>
                    ))}
                </select>
              ) : f.type === 'text' ? (
                <textarea value={draft[f.name] ?? ''} onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })} />
              ) : (
                <input
                  type={f.type === 'date' ? 'date' : 'text'}
                  inputMode={f.type === 'decimal' || f.type === 'int' || f.type === 'amount' ? 'decimal' : undefined}
                  required={f.required}
                  value={draft[f.name] ?? ''}
                  onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}
                />
              )}
            </label>
          ))}
          {errors && (
            <p role="alert" className="error">
              {errors}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="primary">
              {t('common.save')}
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {searchable && (
        <label className="records-search">
          {t('records.search')}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
      )}
      {page === null ? (
        <p>{t('common.loading')}</p>
      ) : page.rows.length === 0 ? (
        <p className="muted">{wanted ? t('records.none_found', { text: wanted }) : t('records.none')}</p>
      ) : (
        <table className="card records">
          <thead>
            <tr>
              {description.list.map((c) => (
                <th key={c} scope="col">
                  {label(c)}
                </th>
              ))}
              {mayEdit && <th scope="col" aria-label={t('records.actions')} />}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((row) => (
              <tr key={row.id}>
                {description.list.map((c, i) => (
                  <td key={c}>{i === 0 ? <a href={recordHash(kind, row.id)}>{show(byName.get(c), row)}</a> : show(byName.get(c), row)}</td>
                ))}
                {mayEdit && (
                  <td className="actions">
                    <button type="button" onClick={() => open(row)}>
                      {t('common.edit')}
                    </button>
                    <button type="button" onClick={() => remove(row)}>
                      {t('records.delete')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && page.total > page.rows.length && (
        <button type="button" onClick={() => load(page.rows.length + PAGE)}>
          {t('common.load_more')}
        </button>
      )}
    </section>
  );
}
