import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountView, FieldHistory, Interaction, Timeline } from '../backend';
import { useApp } from '../context';
import { formatDate, formatDateTime, formatMoney, historyValue, localDay } from '../lib/format';
import { QUICK_LOG_KEYS, quickLogKind } from '../lib/keys';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import { useFormError } from '../lib/useFormError';
import { choiceKey, choiceLabel } from '../lib/choices';
import ChoiceList from '../components/ChoiceList';
import NewDeal from '../components/NewDeal';
import { useUndo } from '../components/Undo';
import { recordHash } from '../lib/record';

const EDITABLE = ['name', 'industry', 'region', 'address', 'phone', 'email', 'website', 'lifecycle', 'tags', 'notes'];

/** The 360° page of one customer. */
export default function AccountPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const { backend, fail, notify, locale } = useApp();
  const [view, setView] = useState<AccountView | null>(null);
  const [entries, setEntries] = useState<Interaction[]>([]);
  const [next, setNext] = useState<Timeline['next']>(null);
  const [count, setCount] = useState(0);
  const [logKind, setLogKind] = useState<string | null>(null);
  const [addingDeal, setAddingDeal] = useState(false);
  const { offerUndo } = useUndo();

  const load = useCallback(async () => {
    try {
      const v = await backend.call('account_view', { id });
      setView(v);
      setEntries(v.timeline.entries);
      setNext(v.timeline.next);
      setCount(v.interaction_count);
    } catch (e) {
      fail(e);
    }
  }, [backend, id, fail]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (logKind) return;
      const kind = quickLogKind(e);
      if (kind) {
        e.preventDefault();
        setLogKind(kind);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [logKind]);

  const loadMore = useCallback(async () => {
    if (!next) return;
    try {
      const page = await backend.call('timeline', { account_id: id, after: next, limit: 100 });
      setEntries((e) => [...e, ...page.entries]);
      setNext(page.next);
    } catch (e) {
      fail(e);
    }
  }, [backend, id, next, fail]);

  const remove = async () => {
    if (!view) return;
    const name = view.account.name;
    try {
      await backend.call('delete_record', { kind: 'account', id });
      const kind = t('record_page.kind.account');
      offerUndo({
        message: t('record_page.deleted', { kind, name }),
        undo: async () => {
          await backend.call('restore_record', { kind: 'account', id });
          notify(t('record_page.restored', { kind }));
        },
      });
      window.location.hash = '#/accounts';
    } catch (e) {
      fail(e);
    }
  };

  if (!view) return <p>{t('common.loading')}</p>;
  const a = view.account;

  return (
    <article className="account" aria-labelledby="account-title">
      <header className="screen-head">
        <div className="grow">
          <a href="#/accounts" className="muted">
            ← {t('account.back')}
          </a>
          <h1 id="account-title">{a.name}</h1>
          <p className="muted">
            <span className={`badge ${a.lifecycle}`}>{t(`lifecycle.${a.lifecycle}`)}</span>{' '}
            {[choiceLabel(t, 'industry', a.industry), a.region, a.owner_name].filter(Boolean).join(' · ')}
          </p>
        </div>
        <button type="button" className="danger" onClick={() => void remove()}>
          {t('record_page.delete')}
        </button>
      </header>

      <div className="quicklog" role="toolbar" aria-label={t('account.log_hint')}>
        {Object.entries(QUICK_LOG_KEYS).map(([key, kind]) => (
          <button key={kind} type="button" onClick={() => setLogKind(kind)} aria-keyshortcuts={key.toUpperCase()}>
            <kbd>{key.toUpperCase()}</kbd> {t(`kind.${kind}`)}
          </button>
        ))}
        <span className="muted hint">{t('account.log_hint')}</span>
      </div>
      {logKind && (
        <LogForm
          accountId={id}
          kind={logKind}
          contacts={view.contacts.map((c) => ({ id: c.id, name: c.name }))}
          onCancel={() => setLogKind(null)}
          onLogged={(entry) => {
            setEntries((e) => [entry, ...e]);
            setCount((c) => c + 1);
            setLogKind(null);
            notify(t('account.logged', { kind: t(`kind.${entry.kind}`) }));
          }}
        />
      )}

      <div className="account-grid">
        <div className="account-side">
          <Details view={view} onSaved={load} />
          <section className="card" aria-labelledby="contacts-title">
            <h2 id="contacts-title">
              {t('account.contacts')} <span className="count">{view.contacts.length}</span>
            </h2>
            {view.contacts.length === 0 && <p className="muted">{t('account.no_contacts')}</p>}
            <ul className="plain">
              {view.contacts.map((c) => (
                <li key={c.id}>
                  <a href={recordHash('contact', c.id)}>
                    <strong>{c.name}</strong>
                  </a>{' '}
                  {c.title && <span className="muted">· {c.title}</span>}
                  <div className="muted small">{[...c.phones, ...c.emails].join(' · ')}</div>
                </li>
              ))}
            </ul>
            <AddContact accountId={id} onAdded={load} />
          </section>
          <section className="card" aria-labelledby="deals-title">
            <h2 id="deals-title">
              {t('account.deals')} <span className="count">{view.open_opportunities.length}</span>
            </h2>
            {view.open_opportunities.length === 0 && <p className="muted">{t('account.no_deals')}</p>}
            <ul className="plain">
              {view.open_opportunities.map((o) => (
                <li key={o.id}>
                  <a href={recordHash('opportunity', o.id)}>
                    <strong>{o.name}</strong>
                  </a>
                  <div className="muted small">
                    {t(`stage.${o.stage}`)} · {formatMoney(o.amount.minor, o.amount.currency, locale)}
                    {o.close_date && ` · ${formatDate(o.close_date, locale)}`}
                  </div>
                </li>
              ))}
            </ul>
            {addingDeal ? (
              <NewDeal
                accountId={id}
                onCancel={() => setAddingDeal(false)}
                onCreated={(_deal, name) => {
                  setAddingDeal(false);
                  notify(t('record_page.deal_created', { name }));
                  void load();
                }}
              />
            ) : (
              <button type="button" className="link" onClick={() => setAddingDeal(true)}>
                + {t('record_page.new_deal')}
              </button>
            )}
          </section>
          <section className="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title">
              {t('account.tasks')} <span className="count">{view.open_tasks.length}</span>
            </h2>
            {view.open_tasks.length === 0 && <p className="muted">{t('account.no_tasks')}</p>}
            <ul className="plain">
              {view.open_tasks.map((task) => (
                <li key={task.id} className="row">
                  <input
                    type="checkbox"
                    aria-label={t('tasks.mark_done', { title: task.title })}
                    onChange={() => backend.call('complete_task', { id: task.id }).then(load, fail)}
                  />
                  <a className="grow" href={recordHash('task', task.id)}>
                    {task.title}
                  </a>
                  {task.due_date && <span className="muted">{formatDate(task.due_date, locale)}</span>}
                </li>
              ))}
            </ul>
            <AddTask accountId={id} onAdded={load} />
          </section>
          <FieldHistoryCard id={id} />
        </div>
        <section className="card timeline-card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">
            {t('account.timeline')} <span className="count">{t('account.entries', { count })}</span>
          </h2>
          {entries.length === 0 ? (
            <p className="muted">{t('account.no_history')}</p>
          ) : (
            <TimelineList entries={entries} hasMore={!!next} onMore={loadMore} />
          )}
        </section>
      </div>
    </article>
  );
}

function TimelineList({ entries, hasMore, onMore }: { entries: Interaction[]; hasMore: boolean; onMore: () => void }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 92,
    overscan: 6,
  });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (hasMore && last >= entries.length - 10) onMore();
  }, [hasMore, last, entries.length, onMore]);

  return (
    <div className="timeline" ref={scrollRef}>
      <ol style={{ height: virtualizer.getTotalSize(), position: 'relative' }} aria-label={t('account.timeline')}>
        {items.map((item) => {
          const e = entries[item.index];
          return (
            <li
              key={e.id}
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="entry"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <span className={`kind kind-${e.kind}`}>{t(`kind.${e.kind}`)}</span>
              <div className="grow">
                <div className="subject">{e.subject}</div>
                {e.body && <div className="body">{e.body}</div>}
                <div className="muted small">
                  {formatDateTime(e.occurred_at, locale)}
                  {e.author_name && ` · ${t('account.by', { name: e.author_name })}`}
                  {e.contact_name && ` · ${t('account.with', { name: e.contact_name })}`}
                  {e.outcome && ` · ${e.outcome}`}
                </div>
              </div>
            </li>
          );
        })}
      </ol>
      {hasMore && (
        <button type="button" onClick={onMore}>
          {t('common.load_more')}
        </button>
      )}
    </div>
  );
}

function nowLocalInput(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

interface LogFormProps {
  accountId: string;
  kind: string;
  contacts: { id: string; name: string }[];
  onCancel: () => void;
  onLogged: (e: Interaction) => void;
}

function LogForm({ accountId, kind: initialKind, contacts, onCancel, onLogged }: LogFormProps) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const form = useFormError({ subject: t('field.subject'), body: t('field.body'), outcome: t('field.outcome'), occurred_at: t('field.occurred_at') });
  const [kind, setKind] = useState(initialKind);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [outcome, setOutcome] = useState('');
  const [contact, setContact] = useState('');
  const [when, setWhen] = useState(nowLocalInput);
  const [saving, setSaving] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    const entry = await form.run(() =>
      backend.call('log_interaction', {
        account_id: accountId,
        kind,
        subject,
        body: body || null,
        outcome: outcome || null,
        contact_id: contact || null,
        occurred_at: new Date(when).toISOString(),
      }),
    );
    setSaving(false);
    if (entry) onLogged(entry);
  };

  return (
    <form
      className="card form logform"
      onSubmit={submit}
      aria-label={t('account.log_title', { kind: t(`kind.${kind}`) })}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <h2>{t('account.log_title', { kind: t(`kind.${kind}`) })}</h2>
      <div className="row wrap">
        <label>
          {t('field.kind')}
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            {Object.values(QUICK_LOG_KEYS).map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <Field className="grow" label={t('field.subject')} name="subject" errors={form}>
          <input name="subject" value={subject} onChange={(e) => setSubject(e.target.value)} autoFocus />
        </Field>
        <Field label={t('field.occurred_at')} name="occurred_at" errors={form}>
          <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
        </Field>
        {contacts.length > 0 && (
          <label>
            {t('field.contact')}
            <select value={contact} onChange={(e) => setContact(e.target.value)}>
              <option value="">{t('common.none')}</option>
              {contacts.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <Field label={t('field.body')} name="body" errors={form}>
        <textarea value={body} rows={2} onChange={(e) => setBody(e.target.value)} />
      </Field>
      <Field label={t('field.outcome')} name="outcome" errors={form}>
        <input value={outcome} onChange={(e) => setOutcome(e.target.value)} />
      </Field>
      <FormActions submit={t('account.log')} onCancel={onCancel} busy={saving} error={form.actionError} />
    </form>
  );
}

function Details({ view, onSaved }: { view: AccountView; onSaved: () => void }) {
  const { t } = useTranslation();
  const { backend, notify } = useApp();
  const form = useFormError(Object.fromEntries(EDITABLE.map((f) => [f, t(`field.${f}`)])));
  const a = view.account;
  const current = useCallback(
    (): Record<string, string> => ({
      name: a.name,
      industry: choiceLabel(t, 'industry', a.industry),
      region: a.region ?? '',
      address: a.address ?? '',
      phone: a.phone ?? '',
      email: a.email ?? '',
      website: a.website ?? '',
      lifecycle: a.lifecycle,
      tags: a.tags.join(', '),
      notes: a.notes ?? '',
    }),
    [a, t],
  );
  const [editing, setEditing] = useState(false);
  const [fields, setFields] = useState(current);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const before = current();
    const changed = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== before[k]));
    if (changed.industry) changed.industry = await choiceKey('industry', changed.industry);
    const saved = await form.run(() => backend.call('update_account', { id: a.id, fields: changed }));
    if (saved === undefined) return;
    setEditing(false);
    notify(t('common.saved'));
    onSaved();
  };

  if (!editing) {
    return (
      <section className="card" aria-labelledby="details-title">
        <h2 id="details-title">
          {t('account.details')}
          <button
            type="button"
            className="link"
            onClick={() => {
              setFields(current());
              setEditing(true);
            }}
          >
            {t('common.edit')}
          </button>
        </h2>
        <dl className="details">
          {EDITABLE.filter((f) => f !== 'name').map((f) => {
            const v = current()[f];
            return v ? (
              <div key={f}>
                <dt>{t(`field.${f}`)}</dt>
                <dd>{f === 'lifecycle' ? t(`lifecycle.${v}`) : v}</dd>
              </div>
            ) : null;
          })}
        </dl>
      </section>
    );
  }
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="details-title">
      <h2 id="details-title">{t('account.details')}</h2>
      {EDITABLE.map((f) => (
        <Field key={f} label={t(`field.${f}`)} name={f} errors={form}>
          {f === 'lifecycle' ? (
            <select value={fields[f]} onChange={(e) => setFields((x) => ({ ...x, [f]: e.target.value }))}>
              {['prospect', 'customer', 'former'].map((v) => (
                <option key={v} value={v}>
                  {t(`lifecycle.${v}`)}
                </option>
              ))}
            </select>
          ) : f === 'notes' ? (
            <textarea value={fields[f]} onChange={(e) => setFields((x) => ({ ...x, [f]: e.target.value }))} />
          ) : (
            <input
              value={fields[f]}
              list={f === 'industry' ? 'industries' : undefined}
              onChange={(e) => setFields((x) => ({ ...x, [f]: e.target.value }))}
            />
          )}
        </Field>
      ))}
      <ChoiceList id="industries" group="industry" />
      <FormActions
        submit={t('common.save')}
        onCancel={() => {
          form.clear();
          setEditing(false);
        }}
        error={form.actionError}
      />
    </form>
  );
}

function AddContact({ accountId, onAdded }: { accountId: string; onAdded: () => void }) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const [open, setOpen] = useState(false);
  const [fields, setFields] = useState({ name: '', title: '', phones: '', emails: '' });
  const form = useFormError(Object.fromEntries(Object.keys(fields).map((f) => [f, t(`field.${f}`)])));
  if (!open) {
    return (
      <button type="button" className="link" onClick={() => setOpen(true)}>
        + {t('account.add_contact')}
      </button>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const filled = Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim() !== ''));
    const id = await form.run(() => backend.call('create_contact', { account_id: accountId, fields: filled }));
    if (id === undefined) return;
    setOpen(false);
    setFields({ name: '', title: '', phones: '', emails: '' });
    onAdded();
  };
  return (
    <form className="form" onSubmit={submit} aria-label={t('account.add_contact')}>
      {(Object.keys(fields) as (keyof typeof fields)[]).map((f, i) => (
        <Field key={f} label={t(`field.${f}`)} name={f} errors={form}>
          <input value={fields[f]} autoFocus={i === 0} onChange={(e) => setFields((x) => ({ ...x, [f]: e.target.value }))} />
        </Field>
      ))}
      <FormActions submit={t('common.add')} onCancel={() => setOpen(false)} error={form.actionError} />
    </form>
  );
}

function AddTask({ accountId, onAdded }: { accountId: string; onAdded: () => void }) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const form = useFormError({ title: t('field.task_title'), due_date: t('field.due_date') });
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [due, setDue] = useState(localDay);
  if (!open) {
    return (
      <button type="button" className="link" onClick={() => setOpen(true)}>
        + {t('account.add_task')}
      </button>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = { title, account_id: accountId };
    if (due) fields.due_date = due;
    const made = await form.run(() => backend.call('create_record', { kind: 'task', fields }));
    if (made === undefined) return;
    setOpen(false);
    setTitle('');
    onAdded();
  };
  return (
    <form className="form" onSubmit={submit} aria-label={t('account.add_task')}>
      <Field label={t('field.task_title')} name="title" errors={form}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
      </Field>
      <Field label={t('field.due_date')} name="due_date" errors={form}>
        <input type="date" value={due} onChange={(e) => setDue(e.target.value)} />
      </Field>
      <FormActions submit={t('common.add')} onCancel={() => setOpen(false)} error={form.actionError} />
    </form>
  );
}

function FieldHistoryCard({ id }: { id: string }) {
  const { t } = useTranslation();
  const { backend, fail, locale } = useApp();
  const [rows, setRows] = useState<FieldHistory[] | null>(null);
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">{t('account.history')}</h2>
      {rows === null ? (
        <button type="button" className="link" onClick={() => backend.call('history', { id }).then(setRows, fail)}>
          {t('account.show_history')}
        </button>
      ) : (
        <ul className="plain history">
          {[...rows].reverse().map((h, i) => (
            <li key={i}>
              <div>
                {h.field === '*' ? (
                  t('account.created')
                ) : (
                  <>
                    <strong>{t(`field.${h.field}`, { defaultValue: h.field })}</strong>: {historyValue(h.old, locale)} →{' '}
                    {historyValue(h.new, locale)}
                  </>
                )}
              </div>
              <div className="muted small">
                {t('account.changed_by', { who: h.changed_by_name ?? '?', when: formatDateTime(h.changed_at, locale) })}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
