import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountView, FieldHistory, Interaction, RecordRow, Timeline } from '../backend';
import { useApp } from '../context';
import { formatDate, formatDateTime, formatMoney, formatTime, historyValue, mailtoHref, telHref } from '../lib/format';
import { QUICK_LOG_KEYS, isTyping, quickLogKind } from '../lib/keys';
import MoveSelect from '../components/MoveSelect';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import { useFormError } from '../lib/useFormError';
import { choiceKey, choiceLabel } from '../lib/choices';
import ChoiceList from '../components/ChoiceList';
import NewDeal from '../components/NewDeal';
import AccountSales from '../sales/AccountSales';
import AccountCases from '../service/AccountCases';
import { useUndo } from '../components/Undo';
import { recordHash } from '../lib/record';
import { ACTIVITIES, HISTORY_FILTERS, activityOf, emptyPlan, followUp, planFields, startsAt, textOf, type PlanDraft } from '../lib/plan';

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
  // The Plan form's prefilled draft while it is open; the "plan the next
  // step?" prompt after something was logged (its subject and contact).
  const [plan, setPlan] = useState<PlanDraft | null>(null);
  const [nextStep, setNextStep] = useState<{ subject: string; contact: string | null } | null>(null);
  const [historyKind, setHistoryKind] = useState('');
  // What a reload of the page shows of the history (read by `load` without
  // making it a new function, which would reload the page on every filter).
  const historyKindRef = useRef('');
  const { offerUndo } = useUndo();
  // The pipeline's stages, for each open deal's "Move to" menu (lost is
  // left to the deal's page and the board, which ask why).
  // Asked once, and only of an account with open deals: most pages need none.
  const [stages, setStages] = useState<string[]>([]);
  const hasDeals = (view?.open_opportunities.length ?? 0) > 0;
  useEffect(() => {
    if (!hasDeals || stages.length > 0) return;
    backend.call('pipeline', { cards_per_stage: 1 }).then((b) => setStages(b.columns.map((c) => c.key).filter((k) => k !== 'lost')), fail);
  }, [backend, fail, hasDeals, stages.length]);
  const moves = useMemo(() => stages.map((key) => ({ key, label: `${t('pipeline.move_to')} ${t(`stage.${key}`)}` })), [stages, t]);
  const moveDeal = async (deal: { id: string; name: string }, stage: string) => {
    try {
      await backend.call('move_deal', { id: deal.id, stage });
      notify(t('pipeline.moved', { name: deal.name, stage: t(`stage.${stage}`) }));
      await load();
    } catch (e) {
      fail(e);
    }
  };

  const loadHistory = useCallback(
    async (kind: string) => {
      try {
        const page = await backend.call('timeline', { account_id: id, kind: kind || null, limit: 50 });
        setEntries(page.entries);
        setNext(page.next);
      } catch (e) {
        fail(e);
      }
    },
    [backend, id, fail],
  );

  const load = useCallback(async () => {
    try {
      const v = await backend.call('account_view', { id });
      setView(v);
      setCount(v.interaction_count);
      if (historyKindRef.current) {
        await loadHistory(historyKindRef.current);
      } else {
        setEntries(v.timeline.entries);
        setNext(v.timeline.next);
      }
    } catch (e) {
      fail(e);
    }
  }, [backend, id, fail, loadHistory]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (logKind) return;
      // S: the first open deal's "Move to" menu, without tabbing through the page.
      if (e.key.toLowerCase() === 's' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) {
        const menu = document.querySelector<HTMLElement>('[data-deal-move] select');
        if (menu) {
          e.preventDefault();
          menu.focus();
        }
        return;
      }
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
      const page = await backend.call('timeline', { account_id: id, after: next, limit: 100, kind: historyKind || null });
      setEntries((e) => [...e, ...page.entries]);
      setNext(page.next);
    } catch (e) {
      fail(e);
    }
  }, [backend, id, next, fail, historyKind]);

  const done = async (task: RecordRow) => {
    try {
      const result = await backend.call('complete_task', { id: task.id });
      const kind = activityOf(task);
      if (result.interaction) {
        notify(t('plan.done_logged', { kind: t(`plan.kind.${kind}`) }));
        setNextStep({ subject: textOf(task, 'title') ?? '', contact: textOf(task, 'contact_id') });
      } else {
        notify(t('plan.todo_done'));
      }
      await load();
    } catch (e) {
      fail(e);
    }
  };

  const filterHistory = (kind: string) => {
    historyKindRef.current = kind;
    setHistoryKind(kind);
    void loadHistory(kind);
  };

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
            if (!historyKind || historyKind === entry.kind) setEntries((e) => [entry, ...e]);
            setCount((c) => c + 1);
            setLogKind(null);
            setNextStep({ subject: entry.subject, contact: entry.contact_id });
            notify(t('account.logged', { kind: t(`kind.${entry.kind}`) }));
            void backend.call('account_view', { id }).then(setView, fail);
          }}
        />
      )}
      {nextStep && !logKind && !plan && (
        <NextStepPrompt
          onFollowUp={() => {
            setPlan(followUp(t('plan.follow_up', { subject: nextStep.subject }), nextStep.contact));
            setNextStep(null);
          }}
          onOther={() => {
            setPlan({ ...emptyPlan(), contact_id: nextStep.contact ?? '' });
            setNextStep(null);
          }}
          onDismiss={() => setNextStep(null)}
        />
      )}
      {plan && (
        <PlanForm
          accountId={id}
          initial={plan}
          contacts={view.contacts.map((c) => ({ id: c.id, name: c.name }))}
          onCancel={() => setPlan(null)}
          onPlanned={(kind) => {
            setPlan(null);
            notify(t('plan.planned', { kind: t(`plan.kind.${kind}`) }));
            void load();
          }}
        />
      )}
      <KeyNumbersStrip view={view} />

      <div className="account-grid">
        <div className="account-side">
          <Upcoming tasks={view.open_tasks} onDone={(task) => void done(task)} onPlan={() => setPlan(emptyPlan())} />
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
                  <ContactLinks phones={c.phones} emails={c.emails} />
                </li>
              ))}
            </ul>
            <AddContact accountId={id} onAdded={load} />
          </section>
          <section className="card" aria-labelledby="deals-title">
            <h2 id="deals-title">
              {t('account.deals')} <span className="count">{view.open_opportunities.length}</span>
              {view.open_opportunities.length > 0 && <kbd title={t('account.move_key')}>S</kbd>}
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
                  {moves.length > 0 && (
                    <label className="small move" data-deal-move={o.id}>
                      <MoveSelect deal={o} moves={moves} onMove={moveDeal} label={`${t('pipeline.move_to')}: ${o.name}`} />
                    </label>
                  )}
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
          <FieldHistoryCard id={id} />
        </div>
        <div className="account-main">
        <AccountSales accountId={id} />
        <AccountCases account={{ id, name: view.account.name }} />
        <section className="card timeline-card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">
            {t('account.timeline')} <span className="count">{t('account.entries', { count })}</span>
          </h2>
          <div className="row wrap history-filter" role="group" aria-label={t('plan.filter')}>
            {HISTORY_FILTERS.map((k) => (
              <button key={k || 'all'} type="button" className="chip" aria-pressed={historyKind === k} onClick={() => filterHistory(k)}>
                {t(`plan.filter_kind.${k || 'all'}`)}
              </button>
            ))}
          </div>
          {entries.length === 0 ? (
            <p className="muted">{historyKind ? t('plan.no_entries_of_kind') : t('account.no_history')}</p>
          ) : (
            <TimelineList entries={entries} hasMore={!!next} onMore={loadMore} />
          )}
        </section>
        </div>
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
  // Leaving the form (saved or cancelled) gives the keyboard back to Edit,
  // not to the top of the page.
  const editButton = useRef<HTMLButtonElement>(null);
  const left = useRef(false);
  useEffect(() => {
    if (!editing && left.current) editButton.current?.focus();
    left.current = editing;
  }, [editing]);

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
            ref={editButton}
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
                <dd>
                  {f === 'lifecycle' ? (
                    t(`lifecycle.${v}`)
                  ) : f === 'phone' ? (
                    <a href={telHref(v)} aria-label={t('plan.call_number', { number: v })}>
                      {v}
                    </a>
                  ) : f === 'email' ? (
                    <a href={mailtoHref(v)} aria-label={t('plan.write_to', { address: v })}>
                      {v}
                    </a>
                  ) : (
                    v
                  )}
                </dd>
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

/** Phone numbers to dial and addresses to write to. */
function ContactLinks({ phones, emails }: { phones: string[]; emails: string[] }) {
  const { t } = useTranslation();
  if (phones.length + emails.length === 0) return null;
  const links = [
    ...phones.map((p) => (
      <a key={`p${p}`} href={telHref(p)} aria-label={t('plan.call_number', { number: p })}>
        {p}
      </a>
    )),
    ...emails.map((e) => (
      <a key={`e${e}`} href={mailtoHref(e)} aria-label={t('plan.write_to', { address: e })}>
        {e}
      </a>
    )),
  ];
  return (
    <div className="muted small">
      {links.map((link, i) => (
        <span key={link.key}>
          {i > 0 && ' · '}
          {link}
        </span>
      ))}
    </div>
  );
}

/** Where the account stands and what comes next, at a glance. */
function KeyNumbersStrip({ view }: { view: AccountView }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const k = view.key_numbers;
  const money = (sums: typeof k.won) =>
    sums.length === 0 ? t('plan.nothing_yet') : sums.map((m) => formatMoney(m.minor, m.currency, locale)).join(' + ');
  const next = k.next_step;
  const nextWhen = next && (startsAt(next) ? formatDateTime(startsAt(next) as string, locale) : textOf(next, 'due_date') ? formatDate(textOf(next, 'due_date') as string, locale) : null);
  return (
    <section className="card key-numbers" aria-label={t('plan.key_numbers')}>
      <dl>
        <div>
          <dt>{t('plan.open_pipeline')}</dt>
          <dd data-testid="key-open-pipeline">{money(k.open_pipeline)}</dd>
        </div>
        <div>
          <dt>{t('plan.won')}</dt>
          <dd data-testid="key-won">{money(k.won)}</dd>
        </div>
        <div>
          <dt>{t('plan.last_contact')}</dt>
          <dd data-testid="key-last-contact">{k.last_contact ? formatDate(k.last_contact, locale) : t('plan.never')}</dd>
        </div>
        <div>
          <dt>{t('plan.next_step')}</dt>
          <dd data-testid="key-next-step">
            {next ? (
              <>
                <a href={recordHash('task', next.id)}>{textOf(next, 'title')}</a>
                {nextWhen && <span className="muted small"> · {nextWhen}</span>}
              </>
            ) : (
              t('plan.nothing_planned')
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}

/** Open tasks and planned activities, soonest first, each with Done. */
function Upcoming({ tasks, onDone, onPlan }: { tasks: RecordRow[]; onDone: (task: RecordRow) => void; onPlan: () => void }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  return (
    <section className="card" aria-labelledby="upcoming-title">
      <h2 id="upcoming-title">
        {t('plan.upcoming')} <span className="count">{tasks.length}</span>
      </h2>
      {tasks.length === 0 && <p className="muted">{t('plan.nothing_upcoming')}</p>}
      <ul className="plain upcoming" aria-label={t('plan.upcoming')}>
        {tasks.map((task) => {
          const title = textOf(task, 'title') ?? '';
          const kind = activityOf(task);
          const start = startsAt(task);
          const due = textOf(task, 'due_date');
          const place = textOf(task, 'place');
          const contact = textOf(task, 'contact_id');
          return (
            <li key={task.id}>
              <div className="row">
                <span className={`kind kind-${kind}`}>{t(`plan.kind.${kind}`)}</span>
                <a className="grow" href={recordHash('task', task.id)}>
                  {title}
                </a>
                <button type="button" className="small" aria-label={t('plan.mark_done', { title })} onClick={() => onDone(task)}>
                  {t('plan.done')}
                </button>
              </div>
              <div className="muted small">
                {[
                  due && formatDate(due, locale),
                  start && formatTime(start, locale),
                  place && t('plan.at', { place }),
                  contact && task.titles.contact_id,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </div>
            </li>
          );
        })}
      </ul>
      <button type="button" className="link" onClick={onPlan}>
        + {t('plan.open')}
      </button>
    </section>
  );
}

/** After something was logged: plan the next step in one click, or not
 * (Escape). */
function NextStepPrompt({ onFollowUp, onOther, onDismiss }: { onFollowUp: () => void; onOther: () => void; onDismiss: () => void }) {
  const { t } = useTranslation();
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onDismiss();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onDismiss]);
  useEffect(() => first.current?.focus(), []);
  return (
    <div className="card next-step row wrap" role="group" aria-label={t('plan.prompt')}>
      <strong>{t('plan.prompt')}</strong>
      <button ref={first} type="button" className="primary" onClick={onFollowUp}>
        {t('plan.prompt_follow_up')}
      </button>
      <button type="button" onClick={onOther}>
        {t('plan.prompt_other')}
      </button>
      <button type="button" className="link" onClick={onDismiss}>
        {t('plan.prompt_dismiss')}
      </button>
    </div>
  );
}

interface PlanFormProps {
  accountId: string;
  initial: PlanDraft;
  contacts: { id: string; name: string }[];
  onCancel: () => void;
  onPlanned: (kind: string) => void;
}

/** Plan a call, visit, meeting, email or to-do on the account. */
function PlanForm({ accountId, initial, contacts, onCancel, onPlanned }: PlanFormProps) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const form = useFormError({
    title: t('plan.what'),
    due_date: t('plan.date'),
    starts_at: t('plan.time'),
    place: t('plan.place'),
    activity: t('plan.activity'),
  });
  const [draft, setDraft] = useState(initial);
  const [saving, setSaving] = useState(false);
  const set = (field: keyof PlanDraft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    const made = await form.run(() => backend.call('create_record', { kind: 'task', fields: planFields(draft, accountId) }));
    setSaving(false);
    if (made) onPlanned(draft.activity);
  };

  return (
    <form className="card form logform" onSubmit={submit} aria-label={t('plan.form_title')} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <h2>{t('plan.form_title')}</h2>
      <div className="row wrap">
        <Field label={t('plan.activity')} name="activity" errors={form}>
          <select value={draft.activity} onChange={set('activity')}>
            {ACTIVITIES.map((k) => (
              <option key={k} value={k}>
                {t(`plan.kind.${k}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field className="grow" label={t('plan.what')} name="title" errors={form}>
          <input value={draft.title} onChange={set('title')} autoFocus />
        </Field>
      </div>
      <div className="row wrap">
        <Field label={t('plan.date')} name="due_date" errors={form}>
          <input type="date" value={draft.date} onChange={set('date')} />
        </Field>
        <Field label={t('plan.time')} name="starts_at" errors={form}>
          <input type="time" value={draft.time} onChange={set('time')} />
        </Field>
        <Field className="grow" label={t('plan.place')} name="place" errors={form}>
          <input value={draft.place} onChange={set('place')} />
        </Field>
        {contacts.length > 0 && (
          <label>
            {t('plan.contact')}
            <select value={draft.contact_id} onChange={set('contact_id')}>
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
      <FormActions submit={t('plan.save')} onCancel={onCancel} busy={saving} error={form.actionError} />
    </form>
  );
}
