import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Lead } from '../backend';
import ImportFile from '../components/ImportFile';
import { useApp } from '../context';
import Dialog from '../components/Dialog';
import FormActions from '../components/FormActions';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useFormError } from '../lib/useFormError';
import { choiceKey, choiceLabel } from '../lib/choices';
import ChoiceList from '../components/ChoiceList';
import { recordHash } from '../lib/record';
import BulkBar from '../components/BulkBar';
import { isPicked, NOTHING_PICKED, recordQuery, toggle, type Picked } from '../lib/lists';
import { onListKeys } from '../lib/listKeys';

const STATUSES = ['new', 'working', 'qualified', 'disqualified', 'converted'];
const NEW_FIELDS = ['name', 'company', 'email', 'phone', 'source'];
/** Leads a page: the page stays within a few screens, whatever the book. */
export const LEADS_PAGE = 25;

type Dialog = { lead: Lead; action: 'convert' | 'disqualify' } | null;

export default function Leads() {
  const { t } = useTranslation();
  const { backend, fail, notify } = useApp();
  const [status, setStatus] = useState('');
  const [leads, setLeads] = useState<Lead[] | null>(null);
  const [page, setPage] = useState(0);
  // The page whose leads are shown (the asked one once it arrives).
  const [shownPage, setShownPage] = useState(0);
  const [more, setMore] = useState(false);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [picked, setPicked] = useState<Picked>(NOTHING_PICKED);
  const [total, setTotal] = useState(0);
  // Bumped after a change, so the page is fetched anew.
  const [changes, setChanges] = useState(0);

  // One page (and one lead more, to know whether a next page exists), and
  // how many match in all (for "select all matching").
  useEffect(() => {
    let live = true;
    const filter: Record<string, string> = status ? { status } : {};
    Promise.all([
      backend.call('list_leads', { status: status || null, offset: page * LEADS_PAGE, limit: LEADS_PAGE + 1 }),
      backend.call('list_records', { kind: 'lead', filter, limit: 1 }),
    ]).then(([rows, all]) => {
      if (!live) return;
      setLeads(rows.slice(0, LEADS_PAGE));
      setShownPage(page);
      setMore(rows.length > LEADS_PAGE);
      setTotal(all.total);
    }, fail);
    return () => {
      live = false;
    };
  }, [backend, status, page, changes, fail]);
  useEffect(() => {
    setPage(0);
    setPicked(NOTHING_PICKED);
  }, [status]);
  const load = useCallback(() => setChanges((n) => n + 1), []);
  const shownIds = leads?.map((l) => l.id) ?? [];

  const qualify = async (lead: Lead) => {
    try {
      await backend.call('qualify_lead', { id: lead.id });
      notify(`${lead.name}: ${t('lead_status.qualified')}`);
      load();
    } catch (e) {
      fail(e);
    }
  };

  return (
    <section aria-labelledby="leads-title">
      <header className="screen-head">
        <h1 id="leads-title">{t('leads.title')}</h1>
        <label>
          {t('leads.status_filter')}{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('common.any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`lead_status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          {t('leads.new')}
        </button>
        <button type="button" onClick={() => setImporting(true)}>
          {t('import.open')}
        </button>
      </header>
      {importing && <ImportFile into="leads" onDone={() => (setImporting(false), load())} />}
      {adding && <NewLead onDone={() => (setAdding(false), load())} />}
      {dialog && <LeadDialog {...dialog} onClose={() => setDialog(null)} onDone={() => (setDialog(null), load())} />}
      <BulkBar
        kind="lead"
        picked={picked}
        total={total}
        matching={recordQuery(status ? { status } : {})}
        onPickAll={() => setPicked({ all: true })}
        onClear={() => setPicked(NOTHING_PICKED)}
        onChanged={load}
      />
      {leads === null ? (
        <p>{t('common.loading')}</p>
      ) : leads.length === 0 ? (
        <p className="muted">{t('leads.none')}</p>
      ) : (
        <table className="grid leads">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  className="pick"
                  aria-label={t('lists.pick_all', { count: total })}
                  checked={picked.all}
                  onChange={() => setPicked(picked.all ? NOTHING_PICKED : { all: true })}
                />{' '}
                {t('field.name')}
              </th>
              <th>{t('field.company')}</th>
              <th>{t('field.source')}</th>
              <th>{t('field.status')}</th>
              <th>{t('field.score')}</th>
              <th>
                <span className="sr-only">{t('common.open')}</span>
              </th>
            </tr>
          </thead>
          <tbody onKeyDown={onListKeys}>
            {leads.map((lead) => {
              const open = !['converted', 'disqualified'].includes(lead.status);
              return (
                <tr key={lead.id} aria-selected={isPicked(picked, lead.id)}>
                  <td>
                    <input type="checkbox" className="pick" aria-label={t('lists.pick', { name: lead.name })} checked={isPicked(picked, lead.id)} onChange={() => setPicked(toggle(picked, lead.id, shownIds))} />{' '}
                    <a href={recordHash('lead', lead.id)} data-row>
                      {lead.name}
                    </a>
                    <div className="muted small">
                      {lead.email && <span className="nowrap">{lead.email}</span>}
                      {lead.email && lead.phone && ' · '}
                      {lead.phone && <span className="nowrap">{lead.phone}</span>}
                    </div>
                  </td>
                  <td>{lead.company}</td>
                  <td>{choiceLabel(t, 'lead_source', lead.source)}</td>
                  <td>
                    <span className={`badge ${lead.status}`}>{t(`lead_status.${lead.status}`)}</span>
                    {lead.disqualify_reason && <div className="muted small">{lead.disqualify_reason}</div>}
                  </td>
                  <td>{lead.score ?? ''}</td>
                  <td className="actions wrap">
                    {open && lead.status !== 'qualified' && (
                      <button type="button" onClick={() => qualify(lead)}>
                        {t('leads.qualify')}
                      </button>
                    )}
                    {open && (
                      <button type="button" className="primary" onClick={() => setDialog({ lead, action: 'convert' })}>
                        {t('leads.convert')}
                      </button>
                    )}
                    {open && (
                      <button type="button" onClick={() => setDialog({ lead, action: 'disqualify' })}>
                        {t('leads.disqualify')}
                      </button>
                    )}
                    {lead.converted_account_id && <a href={`#/accounts/${lead.converted_account_id}`}>{t('common.open')}</a>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {leads && (page > 0 || more) && (
        <nav className="pager" aria-label={t('lists.pages')}>
          <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
            {t('lists.previous')}
          </button>
          <span className="muted" data-testid="lead-page">
            {t('lists.page_of', { first: shownPage * LEADS_PAGE + 1, last: shownPage * LEADS_PAGE + leads.length, total })}
          </span>
          <button type="button" disabled={!more} onClick={() => setPage((p) => p + 1)}>
            {t('lists.next')}
          </button>
        </nav>
      )}
    </section>
  );
}

function LeadDialog({ lead, action, onClose, onDone }: { lead: Lead; action: 'convert' | 'disqualify'; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { backend, notify, status } = useApp();
  const form = useFormError({ deal_name: t('field.deal_name'), name: t('field.deal_name'), amount: t('field.amount'), currency: t('field.currency'), reason: t('field.reason') });
  const [dealName, setDealName] = useState(lead.company ? `${lead.company}: ${lead.name}` : lead.name);
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(status.currency ?? 'USD');
  const [reason, setReason] = useState('');
  const title = t(action === 'convert' ? 'leads.convert_title' : 'leads.disqualify_title', { name: lead.name });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (action === 'convert') {
      const done = await form.run(() => backend.call('convert_lead', { id: lead.id, deal_name: dealName, amount: amount || null, currency }));
      if (!done) return;
      notify(t('leads.converted'));
      onDone();
      window.location.hash = `#/accounts/${done.account_id}`;
    } else {
      const done = await form.run(() => backend.call('disqualify_lead', { id: lead.id, reason }));
      if (!done) return;
      notify(`${lead.name}: ${t('lead_status.disqualified')}`);
      onDone();
    }
  };

  return (
    <Dialog label={title} onClose={onClose}>
      <form className="card form" onSubmit={submit}>
        <h2>{title}</h2>
        {action === 'convert' ? (
          <>
            <p className="muted">{t('leads.convert_hint')}</p>
            <Field label={t('field.deal_name')} name="deal_name" errors={form}>
              <input value={dealName} onChange={(e) => setDealName(e.target.value)} autoFocus />
            </Field>
            <Problem message={form.fieldError('name')} />
            <div className="row">
              <Field className="grow" label={t('field.amount')} name="amount" errors={form}>
                <input value={amount} inputMode="decimal" onChange={(e) => setAmount(e.target.value)} />
              </Field>
              <Field label={t('field.currency')} name="currency" errors={form}>
                <input value={currency} size={4} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
              </Field>
            </div>
          </>
        ) : (
          <Field label={t('field.reason')} name="reason" errors={form}>
            <input value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
          </Field>
        )}
        <FormActions submit={action === 'convert' ? t('leads.convert') : t('leads.disqualify')} onCancel={onClose} error={form.actionError} />
      </form>
    </Dialog>
  );
}

function NewLead({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const [fields, setFields] = useState<Record<string, string>>(Object.fromEntries(NEW_FIELDS.map((f) => [f, ''])));
  const form = useFormError(Object.fromEntries(NEW_FIELDS.map((f) => [f, t(`field.${f}`)])));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const filled = Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim() !== ''));
    if (filled.source) filled.source = await choiceKey('lead_source', filled.source);
    const id = await form.run(() => backend.call('create_lead', { fields: filled }));
    if (id !== undefined) onDone();
  };
  return (
    <form className="card form inline" onSubmit={submit} aria-label={t('leads.new')}>
      {NEW_FIELDS.map((f, i) => (
        <Field key={f} label={t(`field.${f}`)} name={f} errors={form}>
          <input
            value={fields[f]}
            autoFocus={i === 0}
            list={f === 'source' ? 'lead-sources' : undefined}
            onChange={(e) => setFields((x) => ({ ...x, [f]: e.target.value }))}
          />
        </Field>
      ))}
      <ChoiceList id="lead-sources" group="lead_source" />
      <button type="submit" className="primary">
        {t('common.save')}
      </button>
      <button type="button" onClick={onDone}>
        {t('common.cancel')}
      </button>
      <Problem message={form.actionError} />
    </form>
  );
}
