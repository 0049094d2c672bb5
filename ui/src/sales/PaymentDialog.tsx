// Record a payment received: amount, currency, day, method, reference, and
// whether what exceeds the orders is kept as credit. From an order's page it
// settles that order in its currency; from the account's page the core
// allocates it to the oldest open orders in the currency.

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Balance } from '../backend';
import Dialog from '../components/Dialog';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import { useApp } from '../context';
import { localDay } from '../lib/format';
import { useFormError } from '../lib/useFormError';

/** How a payment is received (the description's choices, shown translated). */
export const PAYMENT_METHODS = ['bank_transfer', 'cash', 'card', 'cheque', 'online', 'other'] as const;

interface Props {
  accountId: string;
  /** The currencies to offer, the first chosen (an order's: only its own). */
  currencies: string[];
  /** The order it settles; none: the account's open orders, oldest due first. */
  orderId?: string | null;
  /** What is owed, to start the amount with (plain decimal text). */
  owed?: string;
  onClose: () => void;
  onRecorded: (balances: Balance[], amount: string, currency: string) => void;
}

export default function PaymentDialog({ accountId, currencies, orderId = null, owed = '', onClose, onRecorded }: Props) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const [amount, setAmount] = useState(owed);
  const [currency, setCurrency] = useState(currencies[0] ?? '');
  const [day, setDay] = useState(localDay());
  const [method, setMethod] = useState<string>('bank_transfer');
  const [reference, setReference] = useState('');
  const [prepayment, setPrepayment] = useState(false);
  const [busy, setBusy] = useState(false);
  // More than is owed is said beside the amount, as a mismatched currency is beside the currency.
  const form = useFormError(
    {
      amount: t('sales.amount'),
      currency: t('field.currency'),
      received_on: t('sales.received_on'),
      method: t('sales.method'),
      reference: t('sales.reference'),
    },
    { overpaid: 'amount', currency_mismatch: 'currency' },
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    const balances = await form.run(() =>
      backend.call('payment_add', {
        account_id: accountId,
        amount: amount.trim(),
        currency,
        orders: orderId ? [orderId] : [],
        received_on: day || null,
        method,
        reference: reference.trim() || null,
        prepayment,
      }),
    );
    setBusy(false);
    if (balances) onRecorded(balances, amount.trim(), currency);
  };

  const title = t('sales.payment_title');
  return (
    <Dialog label={title} onClose={onClose}>
      <form className="card form" onSubmit={submit} aria-label={title} noValidate>
        <h2>{title}</h2>
        <div className="row wrap">
          <Field className="grow" label={t('sales.amount')} name="amount" errors={form}>
            <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} autoFocus />
          </Field>
          <Field label={t('field.currency')} name="currency" errors={form}>
            <select value={currency} onChange={(e) => setCurrency(e.target.value)} disabled={currencies.length < 2}>
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div className="row wrap">
          <Field label={t('sales.received_on')} name="received_on" errors={form}>
            <input type="date" value={day} onChange={(e) => setDay(e.target.value)} />
          </Field>
          <Field className="grow" label={t('sales.method')} name="method" errors={form}>
            <select value={method} onChange={(e) => setMethod(e.target.value)}>
              {PAYMENT_METHODS.map((m) => (
                <option key={m} value={m}>
                  {t(`payment_method.${m}`)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field label={t('sales.reference')} name="reference" errors={form}>
          <input value={reference} onChange={(e) => setReference(e.target.value)} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={prepayment} onChange={(e) => {
              setPrepayment(e.target.checked);
              // A prepayment answers "more than is owed".
              form.edited('amount');
            }}
          />
          {t('sales.prepayment')}
        </label>
        <FormActions submit={t('sales.record')} onCancel={onClose} busy={busy} error={form.actionError} />
      </form>
    </Dialog>
  );
}
