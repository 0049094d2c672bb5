// Open a case (case_new) in a dialog: the customer found by name as the
// user types (as a new deal's), the person who asked, what it is about, its
// priority and channel, the customer's words. Opened, it shows its page.
// From an account's page the customer is fixed: no search then.

import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountRow, RecordRow } from '../backend';
import Dialog from '../components/Dialog';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { choiceLabelKey } from '../lib/record';
import { useFormError } from '../lib/useFormError';
import { routeHash } from '../lib/route';
import { CHANNELS, PRIORITIES, text } from './lib';

interface Props {
  /** The customer, already chosen (the account page's New case). */
  account?: { id: string; name: string };
  onClose: () => void;
}

const EMPTY = { subject: '', priority: 'normal', channel: '', description: '', contact_id: '' };

/** Opens a case; once opened, says so and goes to its page. */
export default function NewCase({ account: fixed, onClose }: Props) {
  const { t } = useTranslation();
  const { backend, fail, notify } = useApp();
  const [fields, setFields] = useState(EMPTY);
  const [account, setAccount] = useState(fixed?.id ?? '');
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<AccountRow[]>([]);
  const [contacts, setContacts] = useState<RecordRow[]>([]);
  const [busy, setBusy] = useState(false);
  const form = useFormError({
    account_id: t('field.account_id'),
    contact_id: t('field.contact_id'),
    subject: t('field.subject'),
    priority: t('field.priority'),
    channel: t('field.channel'),
    description: t('field.description'),
  });

  // Accounts by name as the user types (the first few of the user's book).
  const searching = !fixed;
  useEffect(() => {
    if (!searching) return;
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
  }, [backend, query, fail, searching]);

  // The chosen customer's people, to say who asked.
  useEffect(() => {
    setContacts([]);
    setFields((f) => ({ ...f, contact_id: '' }));
    if (!account) return;
    let live = true;
    backend.call('list_records', { kind: 'contact', filter: { account_id: account }, limit: 200 }).then((page) => live && setContacts(page.rows), fail);
    return () => {
      live = false;
    };
  }, [backend, account, fail]);

  const set = (name: keyof typeof EMPTY) => (e: { target: { value: string } }) => setFields((f) => ({ ...f, [name]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    const view = await form.run(() => {
      if (!account) return Promise.reject(missingAccount);
      return backend.call('case_new', {
        account_id: account,
        subject: fields.subject,
        priority: fields.priority || null,
        channel: fields.channel || null,
        description: fields.description.trim() || null,
        contact_id: fields.contact_id || null,
      });
    });
    setBusy(false);
    if (view) {
      onClose();
      notify(t('cases.opened', { number: text(view.case, 'number') ?? '' }));
      window.location.hash = routeHash({ screen: 'case', id: view.case.id });
    }
  };

  const title = t('cases.new_title');
  return (
    <Dialog label={title} onClose={onClose} className="new-case-dialog">
      <form className="card form" onSubmit={submit} aria-label={title} noValidate>
        <h2>{title}</h2>
        {fixed ? (
          <p className="fixed-account" data-testid="case-account">
            <span className="muted">{t('cases.label', { label: t('field.account_id') })}</span> <strong>{fixed.name}</strong>
            <Problem message={form.fieldError('account_id')} />
          </p>
        ) : (
          <div className="row wrap">
            <label className="grow">
              {t('record_page.find_account')}
              <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
            </label>
            <Field className="grow" label={t('field.account_id')} name="account_id" errors={form}>
              <select value={account} onChange={(e) => setAccount(e.target.value)}>
                {matches.length === 0 && <option value="">{t('accounts.none')}</option>}
                {matches.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        )}
        <Field label={`${t('field.subject')} *`} name="subject" errors={form}>
          <input value={fields.subject} onChange={set('subject')} autoFocus={!!fixed} />
        </Field>
        <div className="row wrap">
          <Field className="grow" label={t('field.priority')} name="priority" errors={form}>
            <select value={fields.priority} onChange={set('priority')}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {t(choiceLabelKey('case', 'priority', p))}
                </option>
              ))}
            </select>
          </Field>
          <Field className="grow" label={t('field.channel')} name="channel" errors={form}>
            <select value={fields.channel} onChange={set('channel')}>
              <option value="">{t('common.none')}</option>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {t(choiceLabelKey('case', 'channel', c))}
                </option>
              ))}
            </select>
          </Field>
          <Field className="grow" label={t('field.contact_id')} name="contact_id" errors={form}>
            <select value={fields.contact_id} onChange={set('contact_id')}>
              <option value="">{t('common.none')}</option>
              {contacts.map((c) => (
                <option key={c.id} value={c.id}>
                  {String(c.fields.name ?? '')}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field label={t('field.description')} name="description" errors={form}>
          <textarea rows={4} value={fields.description} onChange={set('description')} placeholder={t('cases.description_hint')} />
        </Field>
        <FormActions submit={t('cases.open_case')} onCancel={onClose} busy={busy} error={form.actionError} />
      </form>
    </Dialog>
  );
}

/** No customer chosen: said beside the account, as the core would. */
const missingAccount = {
  code: 'invalid',
  message_key: 'problem.empty',
  params: {},
  field: 'account_id',
};
