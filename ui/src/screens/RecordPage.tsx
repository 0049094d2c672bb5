// One record of any kind, drawn from its kind's description: every field,
// editable where the user's role may, saved with update_record; refused
// values said next to their field; delete with undo. A deal's stage moves
// with its use case (move_deal), so its probability follows the stage.

import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { KindView, RecordRow, User } from '../backend';
import { useUndo } from '../components/Undo';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { routeHash } from '../lib/route';
import PriceListPrices from '../sales/PriceListPrices';
import { formatDateTime } from '../lib/format';
import {
  changedFields,
  choiceLabelKey,
  errorField,
  formFields,
  listHash,
  missingTitles,
  pickable,
  recordHash,
  shownValue,
  type FormField,
} from '../lib/record';

interface Props {
  kind: string;
  id: string;
  /** Where Back (and a deleted record) leads: the screen the user came from. */
  backTo: string;
}

export default function RecordPage({ kind, id, backTo }: Props) {
  const { t, i18n } = useTranslation();
  const { backend, fail, locale, notify } = useApp();
  const { offerUndo } = useUndo();
  const [view, setView] = useState<KindView | null>(null);
  const [row, setRow] = useState<RecordRow | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [users, setUsers] = useState<User[]>([]);
  const [stages, setStages] = useState<string[] | null>(null);
  const [gone, setGone] = useState(false);
  const [titles, setTitles] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    // An account (contacts, deals, history around it), a quote and an order
    // have their own pages.
    const own = recordHash(kind, id);
    if (own !== routeHash({ screen: 'record', kind, id })) window.location.replace(own);
  }, [kind, id]);

  useEffect(() => {
    let live = true;
    Promise.all([backend.call('describe', { kind }), backend.call('get_record', { kind, id })]).then(
      ([v, r]) => {
        if (!live) return;
        setView(v);
        setRow(r);
      },
      (e) => {
        if (!live) return;
        setGone(true);
        fail(e);
      },
    );
    return () => {
      live = false;
    };
  }, [backend, kind, id, fail]);

  // A single record comes without the names of what it refers to: ask each referenced record for its title.
  useEffect(() => {
    if (!view || !row) return;
    let live = true;
    const missing = missingTitles(view, row);
    Promise.all(
      missing.map(({ field, kind: refKind, id: refId }) =>
        Promise.all([backend.call('describe', { kind: refKind }), backend.call('get_record', { kind: refKind, id: refId })]).then(
          ([d, r]) => [field, d.title ? String(r.fields[d.title] ?? '') : ''] as const,
          () => null,
        ),
      ),
    ).then((found) => {
      if (live) setTitles(Object.fromEntries(found.filter((f): f is readonly [string, string] => f !== null && f[1] !== '')));
    });
    return () => {
      live = false;
    };
  }, [backend, view, row]);
  const named = useMemo(() => row && { ...row, titles: { ...titles, ...row.titles } }, [row, titles]);

  const forms = useMemo(() => (view && row ? formFields(view, row) : []), [view, row]);
  useEffect(() => setDraft(Object.fromEntries(forms.map((f) => [f.field.name, f.text]))), [forms]);

  // What the pickers offer: the team's people, the pipeline's stages.
  const picksUsers = forms.some((f) => f.writable && f.field.refers_to === 'user');
  const picksStage = forms.some((f) => f.writable && f.field.type === 'stage');
  useEffect(() => {
    if (picksUsers) backend.call('list_users').then(setUsers, fail);
  }, [backend, picksUsers, fail]);
  useEffect(() => {
    if (picksStage) backend.call('pipeline', { cards_per_stage: 1 }).then((b) => setStages(b.columns.map((c) => c.key)), fail);
  }, [backend, picksStage, fail]);

  const changed = useMemo(() => changedFields(forms, draft), [forms, draft]);
  const dirty = Object.keys(changed).length > 0;

  const label = (name: string) => t(`field.${name}`, { defaultValue: name });
  const kindName = t(`record_page.kind.${kind}`, { defaultValue: kind });

  const edit = (name: string, text: string) => {
    setDraft((d) => ({ ...d, [name]: text }));
    setErrors((e) => {
      if (!(name in e)) return e;
      const rest = { ...e };
      delete rest[name];
      return rest;
    });
  };

  const refused = useCallback(
    (e: unknown) => {
      const field = errorField(e);
      if (field && forms.some((f) => f.field.name === field && f.writable)) {
        setErrors((x) => ({ ...x, [field]: errorMessage(i18n.t, e) }));
        // The refused field is where the user goes next.
        requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`)?.focus());
      } else {
        fail(e);
      }
    },
    [forms, fail, i18n],
  );

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!row || !dirty || saving) return;
    setSaving(true);
    try {
      const rest = { ...changed };
      const stageField = forms.find((f) => f.field.type === 'stage' && f.field.name in rest);
      if (stageField) {
        // Moving a deal is a use case: the stage's probability comes along.
        const stage = rest[stageField.field.name];
        delete rest[stageField.field.name];
        const reason = stage === 'lost' ? (draft.lost_reason ?? null) : null;
        if (stage === 'lost') delete rest.lost_reason;
        await backend.call('move_deal', { id: row.id, stage, lost_reason: reason || null });
      }
      const saved =
        Object.keys(rest).length > 0
          ? await backend.call('update_record', { kind, id: row.id, fields: rest })
          : await backend.call('get_record', { kind, id: row.id });
      setRow(saved);
      setErrors({});
      notify(t('common.saved'));
    } catch (err) {
      refused(err);
      // A stage moved before a refusal is saved: show the record as it is now.
      backend.call('get_record', { kind, id: row.id }).then(
        (now) => {
          if (now.updated_at !== row.updated_at) setRow(now);
        },
        () => {},
      );
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!row || !view) return;
    const name = view.title ? String(row.fields[view.title] ?? '') : '';
    try {
      await backend.call('delete_record', { kind, id: row.id });
      offerUndo({
        message: name ? t('record_page.deleted', { kind: kindName, name }) : t('record_page.deleted_unnamed', { kind: kindName }),
        undo: async () => {
          await backend.call('restore_record', { kind, id: row.id });
          notify(t('record_page.restored', { kind: kindName }));
        },
      });
      window.location.hash = backTo === recordHash(kind, id) ? listHash(kind) : backTo;
    } catch (err) {
      fail(err);
    }
  };

  if (gone) {
    return (
      <article>
        <a href={backTo} className="muted">
          ← {t('record_page.back')}
        </a>
        <p className="muted">{t('record_page.gone')}</p>
      </article>
    );
  }
  if (!view || !row || !named) return <p>{t('common.loading')}</p>;

  const title = view.title ? String(row.fields[view.title] ?? '') || kindName : kindName;
  return (
    <article className="record-page" aria-labelledby="record-title" data-kind={kind}>
      <header className="screen-head">
        <div className="grow">
          <a href={backTo} className="muted">
            ← {t('record_page.back')}
          </a>
          <h1 id="record-title">{title}</h1>
          <p className="muted small">
            {kindName} · {t('record_page.created', { when: formatDateTime(row.created_at, locale) })} ·{' '}
            {t('record_page.changed', { when: formatDateTime(row.updated_at, locale) })}
          </p>
        </div>
        {view.may_edit && !row.deleted && (
          <button type="button" className="danger" onClick={() => void remove()}>
            {t('record_page.delete')}
          </button>
        )}
      </header>
      {row.deleted && (
        <p className="card row" role="status">
          <span className="grow">{t('record_page.is_deleted')}</span>
          {view.may_edit && (
            <button
              type="button"
              onClick={() =>
                backend.call('restore_record', { kind, id: row.id }).then((r) => {
                  setRow(r);
                  notify(t('record_page.restored', { kind: kindName }));
                }, fail)
              }
            >
              {t('record_page.restore')}
            </button>
          )}
        </p>
      )}
      {!view.may_edit && (
        <p className="muted">
          {t('records.read_only', { roles: view.editors.map((r) => t(`role.${r}`, { defaultValue: r })).join(', ') })}
        </p>
      )}
      <form ref={formRef} className="card form record-form" onSubmit={save} aria-label={t('record_page.form', { kind: kindName })} noValidate>
        <div className="record-fields">
          {forms.map((f) => (
            <Field
              key={f.field.name}
              kind={kind}
              form={f}
              row={named}
              label={label(f.field.name)}
              text={draft[f.field.name] ?? ''}
              error={errors[f.field.name]}
              users={users}
              stages={stages}
              onChange={(text) => edit(f.field.name, text)}
              shown={shownValue(kind, f.field, named, locale, t)}
            />
          ))}
        </div>
        {view.may_edit && (
          <div className="row">
            <button type="submit" className="primary" disabled={!dirty || saving}>
              {t('common.save')}
            </button>
            <button
              type="button"
              disabled={!dirty || saving}
              onClick={() => {
                setDraft(Object.fromEntries(forms.map((f) => [f.field.name, f.text])));
                setErrors({});
              }}
            >
              {t('record_page.discard')}
            </button>
          </div>
        )}
      </form>
      {kind === 'price_list' && !row.deleted && <PriceListPrices list={row} mayEdit={view.may_edit} />}
    </article>
  );
}

interface FieldProps {
  kind: string;
  form: FormField;
  row: RecordRow;
  label: string;
  text: string;
  error: string | undefined;
  users: User[];
  stages: string[] | null;
  shown: string;
  onChange: (text: string) => void;
}

/** One field: its control when the user may change it, else its value (a reference as a link). */
function Field({ kind, form, row, label, text, error, users, stages, shown, onChange }: FieldProps) {
  const { t } = useTranslation();
  const { field } = form;
  const inputId = `field-${field.name}`;
  const errorId = `${inputId}-error`;
  const wide = field.type === 'text';

  if (!form.writable) {
    const value = row.fields[field.name];
    const linked = field.type === 'ref' && field.refers_to && field.refers_to !== 'user' && typeof value === 'string' && value;
    return (
      <div className={`record-field readonly${wide ? ' wide' : ''}`} data-field={field.name}>
        <span className="record-label" id={inputId}>
          {label}
        </span>
        <span className="record-value" aria-labelledby={inputId}>
          {linked ? <a href={recordHash(field.refers_to ?? '', value)}>{shown}</a> : shown}
        </span>
      </div>
    );
  }

  const common = {
    id: inputId,
    name: field.name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? errorId : undefined,
    'aria-required': field.required || undefined,
  } as const;
  let control;
  if (form.control === 'select' || form.control === 'bool' || form.control === 'ref') {
    const options: { value: string; label: string }[] =
      form.control === 'bool'
        ? [
            { value: 'yes', label: t('records.yes') },
            { value: 'no', label: t('records.no') },
          ]
        : form.control === 'ref'
          ? users.filter((u) => u.active || u.id === text).map((u) => ({ value: u.id, label: u.name }))
          : pickable(field, field.type === 'stage' ? stages : field.choices).map((c) => ({
              value: c,
              label: t(choiceLabelKey(kind, field.name, c), { defaultValue: c }),
            }));
    // The current value stays pickable while the list is on its way (or no longer offers it).
    if (text && !options.some((o) => o.value === text)) options.unshift({ value: text, label: shown });
    control = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        {(!field.required || !text) && <option value="">{t('common.none')}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (form.control === 'text') {
    control = <textarea {...common} rows={3} value={text} onChange={(e) => onChange(e.target.value)} />;
  } else {
    control = (
      <input
        {...common}
        type={form.control === 'date' ? 'date' : form.control === 'date_time' ? 'datetime-local' : 'text'}
        inputMode={form.control === 'number' ? 'decimal' : field.type === 'email' ? 'email' : undefined}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`record-field${wide ? ' wide' : ''}${error ? ' invalid' : ''}`} data-field={field.name}>
      <label htmlFor={inputId} className="record-label">
        {label}
        {field.required ? ' *' : ''}
      </label>
      {control}
      {error && (
        <span className="field-error" id={errorId} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
