// The account page's Sales section, from one account_sales call: the
// balance per currency (ordered, paid, outstanding, overdue, credit), its
// quotes, orders and payments, and "last prices" — what this customer was
// last quoted or sold each product at. New quote and Record payment.

import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountSales as Sales } from '../backend';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { formatDate, formatMoney } from '../lib/format';
import { recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { useFormError } from '../lib/useFormError';
import { StatusBadge } from './Document';
import PaymentDialog from './PaymentDialog';
import { discountText, formatTypedMoney, quoteLabel, text } from './lib';

const TABS = ['quotes', 'orders', 'payments', 'last_prices'] as const;
type Tab = (typeof TABS)[number];

export default function AccountSales({ accountId }: { accountId: string }) {
  const { t } = useTranslation();
  const { backend, fail, locale, notify, status } = useApp();
  const [sales, setSales] = useState<Sales | null>(null);
  const [tab, setTab] = useState<Tab>('quotes');
  const [paying, setPaying] = useState(false);
  const action = useFormError();
  const payButton = useRef<HTMLButtonElement>(null);

  const load = useCallback(
    () =>
      backend.call('account_sales', { id: accountId }).then(setSales, fail),
    [backend, accountId, fail],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const newQuote = async () => {
    const quote = await action.run(() => backend.call('quote_new', { account_id: accountId }));
    if (quote) window.location.hash = routeHash({ screen: 'quote', id: quote.quote.id });
  };

  const tabs = useRef<HTMLDivElement>(null);
  const onTabKey = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    setTab(TABS[next]);
    tabs.current?.querySelectorAll<HTMLElement>('[role=tab]')[next]?.focus();
  };

  if (!sales) {
    return (
      <section className="card sales" aria-labelledby="sales-title">
        <h2 id="sales-title">{t('sales.sales')}</h2>
        <p className="muted">{t('common.loading')}</p>
      </section>
    );
  }

  const money = (minor: number, currency: string) => formatMoney(minor, currency, locale);
  // Record a payment in the currencies the account owes in, else the user's.
  const currencies = [...new Set([...sales.balance.filter((b) => b.outstanding > 0).map((b) => b.currency), ...sales.balance.map((b) => b.currency)])];
  if (currencies.length === 0) currencies.push(status.currency ?? 'CNY');
  const count: Record<Tab, number> = {
    quotes: sales.quotes.length,
    orders: sales.orders.length,
    payments: sales.payments.length,
    last_prices: sales.last_prices.length,
  };

  return (
    <section className="card sales" aria-labelledby="sales-title">
      <div className="row card-head">
        <h2 id="sales-title">{t('sales.sales')}</h2>
        <span className="row heading-actions">
          <button type="button" className="small" onClick={() => void newQuote()}>
            + {t('sales.new_quote')}
          </button>
          <button ref={payButton} type="button" className="small" onClick={() => setPaying(true)}>
            {t('sales.record_payment')}
          </button>
        </span>
      </div>
      <Problem message={action.actionError} />
      {sales.balance.length === 0 ? (
        <p className="muted small">{t('sales.no_balance')}</p>
      ) : (
        <div className="table-scroll">
          <table className="grid compact balance" aria-label={t('sales.balance')} data-testid="balance">
            <thead>
              <tr>
                <th scope="col">{t('field.currency')}</th>
                <th scope="col" className="num">
                  {t('sales.ordered')}
                </th>
                <th scope="col" className="num">
                  {t('sales.paid')}
                </th>
                <th scope="col" className="num">
                  {t('sales.outstanding')}
                </th>
                <th scope="col" className="num">
                  {t('sales.overdue')}
                </th>
                <th scope="col" className="num">
                  {t('sales.credit')}
                </th>
              </tr>
            </thead>
            <tbody>
              {sales.balance.map((b) => (
                <tr key={b.currency} data-currency={b.currency}>
                  <th scope="row">{b.currency}</th>
                  <td className="num nowrap" data-testid="balance-ordered">
                    {money(b.ordered, b.currency)}
                  </td>
                  <td className="num nowrap" data-testid="balance-paid">
                    {money(b.paid, b.currency)}
                  </td>
                  <td className="num nowrap" data-testid="balance-outstanding">
                    {money(b.outstanding, b.currency)}
                  </td>
                  <td className={`num nowrap${b.overdue > 0 ? ' late strong' : ''}`} data-testid="balance-overdue">
                    {money(b.overdue, b.currency)}
                  </td>
                  <td className="num nowrap" data-testid="balance-credit">
                    {money(b.credit, b.currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="tabs" role="tablist" aria-label={t('sales.sales')} ref={tabs} onKeyDown={onTabKey}>
        {TABS.map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            id={`sales-tab-${k}`}
            aria-controls="sales-panel"
            aria-selected={tab === k}
            tabIndex={tab === k ? 0 : -1}
            onClick={() => setTab(k)}
          >
            {t(`sales.${k}`)} <span className="count">{count[k]}</span>
          </button>
        ))}
      </div>
      <div id="sales-panel" role="tabpanel" aria-labelledby={`sales-tab-${tab}`} className="sales-panel">
        {tab === 'quotes' &&
          (sales.quotes.length === 0 ? (
            <p className="muted small">{t('sales.no_quotes')}</p>
          ) : (
            <ul className="plain documents-list">
              {sales.quotes.map((v) => (
                <li key={v.quote.id} className="row">
                  <a href={routeHash({ screen: 'quote', id: v.quote.id })}>{quoteLabel(v.quote, t)}</a>
                  <StatusBadge kind="quote" status={v.status} />
                  <span className="muted small grow">
                    {text(v.quote, 'valid_until') && t('sales.valid_until_day', { day: formatDate(text(v.quote, 'valid_until') ?? '', locale) })}
                  </span>
                  <span className="num nowrap">{money(v.gross, v.currency)}</span>
                </li>
              ))}
            </ul>
          ))}
        {tab === 'orders' &&
          (sales.orders.length === 0 ? (
            <p className="muted small">{t('sales.no_orders')}</p>
          ) : (
            <ul className="plain documents-list">
              {sales.orders.map((v) => (
                <li key={v.order.id} className="row">
                  <a href={routeHash({ screen: 'order', id: v.order.id })}>{text(v.order, 'number')}</a>
                  <StatusBadge kind="order" status={String(v.order.fields.status ?? 'open')} />
                  {v.overdue && <span className="badge late">{t('sales.overdue')}</span>}
                  <span className="muted small grow">{text(v.order, 'due_date') && t('sales.due_day', { day: formatDate(text(v.order, 'due_date') ?? '', locale) })}</span>
                  <span className="num nowrap">
                    {money(v.gross, v.currency)}
                    {v.outstanding > 0 && <span className={`small${v.overdue ? ' late' : ' muted'}`}> · {t('sales.owes', { amount: money(v.outstanding, v.currency) })}</span>}
                  </span>
                </li>
              ))}
            </ul>
          ))}
        {tab === 'payments' &&
          (sales.payments.length === 0 ? (
            <p className="muted small">{t('sales.no_payments')}</p>
          ) : (
            <ul className="plain documents-list">
              {sales.payments.map((p) => {
                const currency = text(p, 'currency') ?? '';
                const method = text(p, 'method');
                return (
                  <li key={p.id} className="row">
                    <a href={recordHash('payment', p.id)} className="nowrap">
                      {formatDate(text(p, 'received_on') ?? p.created_at, locale)}
                    </a>
                    <span className="muted small grow">
                      {[method && t(`payment_method.${method}`), text(p, 'reference'), p.fields.prepayment ? t('sales.prepaid') : null].filter(Boolean).join(' · ')}
                    </span>
                    <span className="num nowrap">{money(Number(p.fields.amount ?? 0), currency)}</span>
                  </li>
                );
              })}
            </ul>
          ))}
        {tab === 'last_prices' &&
          (sales.last_prices.length === 0 ? (
            <p className="muted small">{t('sales.no_prices')}</p>
          ) : (
            <div className="table-scroll">
              <table className="grid compact" aria-label={t('sales.last_prices')}>
                <thead>
                  <tr>
                    <th scope="col">{t('sales.product')}</th>
                    <th scope="col" className="num">
                      {t('sales.last_price')}
                    </th>
                    <th scope="col" className="num">
                      {t('sales.discount')}
                    </th>
                    <th scope="col">{t('sales.date')}</th>
                    <th scope="col">{t('sales.document')}</th>
                  </tr>
                </thead>
                <tbody>
                  {sales.last_prices.map((p) => (
                    <tr key={`${p.product_id}-${p.currency}`}>
                      <td>
                        <a href={recordHash('product', p.product_id)}>{p.code}</a> <span className="muted">{p.name}</span>
                      </td>
                      <td className="num nowrap">{money(p.unit_price, p.currency)}</td>
                      <td className="num nowrap">{discountText(p, p.currency, locale) || t('common.none')}</td>
                      <td className="nowrap">{formatDate(p.day, locale)}</td>
                      <td className="nowrap">{t(`sales.source_${p.source === 'order' ? 'order' : 'quote'}`, { number: p.number })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </div>

      {paying && (
        <PaymentDialog
          accountId={accountId}
          currencies={currencies}
          onClose={() => setPaying(false)}
          onRecorded={(balances, amount, currency) => {
            setPaying(false);
            notify(t('sales.payment_recorded', { amount: formatTypedMoney(amount, currency, locale) }));
            setSales((s) => s && { ...s, balance: balances });
            setTab('payments');
            void load();
            payButton.current?.focus();
          }}
        />
      )}
    </section>
  );
}
