// A new deal (create_deal), inline where it is asked for: on an account's
// page (its account fixed) or from the Pipeline's header (an account picked
// by name first).

import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountRow, BoardColumn } from '../backend';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { errorField } from '../lib/record';
import FormActions from './FormActions';

interface Props {
  /** The account the deal is for; without it, the form asks. */
  accountId?: string;
  onCancel: () => void;
  onCreated: (id: string, name: string) => void;
}

const DEAL_FIELDS = ['account_id', 'name', 'amount', 'currency', 'stage', 'close_date'] as const;

export default function NewDeal({ accountId, onCancel, onCreated }: Props) {
  const { t, i18n } = useTranslation();
  const { backend, fail, status } = useApp();
  const [fields, setFields] = useState({ name: '', amount: '', currency: status.currency ?? 'USD', stage: '', close_date: '' });
  const [account, setAccount] = useState(accountId ?? '');
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<AccountRow[]>([]);
  const [stages, setStages] = useState<BoardColumn[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    backend.call('pipeline', { cards_per_stage: 1 }).then((b) => setStages(b.columns.filter((c) => !c.closed)), fail);
  }, [backend, fail]);

  // Accounts by name as the user types (the first few; the list is the team's book).
  useEffect(() => {
    if (accountId) return;
    let live = true;
    const timer = setTimeout(() => {
      backend.call('list_accounts', { query: query.trim() || null, sort: 'name', limit: 20 }).then((page) => {
        if (!live) return;
        setMatches(page.rows);
        setAccount((a) => (page.rows.some((r) => r.id === a) ? a : (page.rows[0]?.id ?? '')));
      }, fail);
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [backend, accountId, query, fail]);

  const set = (name: keyof typeof fields | 'account_id', value: string) => {
    if (name === 'account_id') setAccount(value);
    else setFields((f) => ({ ...f, [name]: value }));
    setErrors((e) => {
      const rest = { ...e };
      delete rest[name];
      return rest;
    });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!account) {
      setErrors({ account_id: t('record_page.pick_account') });
      return;
    }
    setSaving(true);
    try {
      const id = await backend.call('create_deal', {
        account_id: account,
        name: fields.name,
        amount: fields.amount,
        currency: fields.currency || null,
        stage: fields.stage || null,
        close_date: fields.close_date || null,
      });
      onCreated(id, fields.name.trim());
    } catch (err) {
      const field = errorField(err);
      if (field && (DEAL_FIELDS as readonly string[]).includes(field)) setErrors({ [field]: errorMessage(i18n.t, err) });
      else fail(err);
    } finally {
      setSaving(false);
    }
  };

  const problem = (name: string) =>
    errors[name] && (
      <span className="field-error" id={`new-deal-${name}-error`} role="alert">
        {errors[name]}
      </span>
    );
  const described = (name: string) => (errors[name] ? { 'aria-invalid': true, 'aria-describedby': `new-deal-${name}-error` } : {});

  return (
    <form className="form new-deal" onSubmit={submit} aria-label={t('record_page.new_deal')} onKeyDown={(e) => e.key === 'Escape' && onCancel()} noValidate>
      {!accountId && (
        <div className="row wrap">
          <label className="grow">
            {t('record_page.find_account')}
            <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
          </label>
          <label className="grow">
            {t('field.account_id')}
            <select value={account} onChange={(e) => set('account_id', e.target.value)} {...described('account_id')}>
              {matches.length === 0 && <option value="">{t('accounts.none')}</option>}
              {matches.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          {problem('account_id')}
        </div>
      )}
      <label>
        {t('field.name')} *
        <input value={fields.name} onChange={(e) => set('name', e.target.value)} autoFocus={!!accountId} {...described('name')} />
      </label>
      {problem('name')}
      <div className="row wrap">
        <label className="grow">
          {t('field.amount')} *
          <input value={fields.amount} inputMode="decimal" onChange={(e) => set('amount', e.target.value)} {...described('amount')} />
        </label>
        <label>
          {t('field.currency')}
          <input value={fields.currency} size={4} onChange={(e) => set('currency', e.target.value.toUpperCase())} {...described('currency')} />
        </label>
      </div>
      {problem('amount')}
      {problem('currency')}
      <div className="row wrap">
        <label className="grow">
          {t('field.stage')}
          <select value={fields.stage} onChange={(e) => set('stage', e.target.value)} {...described('stage')}>
            <option value="">{t('record_page.first_stage')}</option>
            {stages.map((s) => (
              <option key={s.key} value={s.key}>
                {t(`stage.${s.key}`, { defaultValue: s.key })}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          {t('field.close_date')}
          <input type="date" value={fields.close_date} onChange={(e) => set('close_date', e.target.value)} {...described('close_date')} />
        </label>
      </div>
      {problem('stage')}
      {problem('close_date')}
      <FormActions submit={t('record_page.create_deal')} onCancel={onCancel} busy={saving} />
    </form>
  );
}

/** "New deal" in a screen's header: opens the form in a panel below it (no dialog). */
export function NewDealButton({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const { notify } = useApp();
  const [open, setOpen] = useState(false);
  return (
    <div className="new-deal-anchor">
      <button type="button" className="primary" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {t('record_page.new_deal')}
      </button>
      {open && (
        <div className="card new-deal-panel">
          <NewDeal
            onCancel={() => setOpen(false)}
            onCreated={(_id, name) => {
              setOpen(false);
              notify(t('record_page.deal_created', { name }));
              onCreated();
            }}
          />
        </div>
      )}
    </div>
  );
}
