// An order (#/orders/ID): its lines and totals, what was paid and what is
// still owed, overdue when past its due date, and Record payment.

import { useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { formatDate, formatMoney } from '../lib/format';
import { minorToText, recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { LinesTable, StatusBadge, Totals } from './Document';
import PaymentDialog from './PaymentDialog';
import { formatTypedMoney, text } from './lib';
import { useDocument } from './useDocumentPage';

export default function OrderPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const { backend, fail, locale, notify } = useApp();
  const { view, setView, gone } = useDocument('order', id);
  const [paying, setPaying] = useState(false);
  const payButton = useRef<HTMLButtonElement>(null);

  if (gone) {
    return (
      <article>
        <a href={routeHash({ screen: 'orders' })} className="muted">
          ← {t('sales.back_orders')}
        </a>
        <p className="muted">{t('record_page.gone')}</p>
      </article>
    );
  }
  if (!view) return <p>{t('common.loading')}</p>;

  const order = view.order;
  const number = text(order, 'number') ?? '';
  const money = (minor: number) => formatMoney(minor, view.currency, locale);
  const account = text(order, 'account_id') ?? '';
  const quote = text(order, 'quote_id');
  const due = text(order, 'due_date');
  const ordered = text(order, 'ordered_on');
  const open = text(order, 'status') === 'open';
  const fact = (label: string, value: ReactNode, testId?: string) => (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value || t('common.none')}</dd>
    </div>
  );

  return (
    <article className="document" aria-labelledby="order-title">
      <header className="screen-head">
        <div className="grow">
          <a href={routeHash({ screen: 'orders' })} className="muted">
            ← {t('sales.back_orders')}
          </a>
          <h1 id="order-title" tabIndex={-1}>
            {t('sales.order_title', { number })} <StatusBadge kind="order" status={String(order.fields.status ?? 'open')} />
            {view.overdue && <span className="badge late">{t('sales.overdue')}</span>}
          </h1>
          <p className="muted small">
            <a href={recordHash('account', account)}>{order.titles.account_id ?? t('common.missing_record')}</a>
          </p>
        </div>
        {open && view.outstanding > 0 && (
          <button ref={payButton} type="button" className="primary" onClick={() => setPaying(true)}>
            {t('sales.record_payment')}
          </button>
        )}
      </header>

      <div className="document-grid">
        <div className="document-main">
          <section className="card" aria-labelledby="lines-title">
            <h2 id="lines-title">
              {t('sales.lines')} <span className="count">{view.lines.length}</span>
            </h2>
            <LinesTable lines={view.lines} money={view} />
            <Totals money={view}>
              <div>
                <dt>{t('sales.paid')}</dt>
                <dd data-testid="order-paid">{money(view.paid)}</dd>
              </div>
              <div className={`gross${view.overdue ? ' late' : ''}`}>
                <dt>{t('sales.outstanding')}</dt>
                <dd data-testid="order-outstanding">{money(view.outstanding)}</dd>
              </div>
            </Totals>
          </section>
        </div>
        <div className="document-side">
          <section className="card" aria-labelledby="order-details-title">
            <h2 id="order-details-title">{t('sales.details')}</h2>
            <dl className="details">
              {fact(t('field.number'), number)}
              {fact(t('field.account_id'), <a href={recordHash('account', account)}>{order.titles.account_id ?? t('common.missing_record')}</a>)}
              {fact(t('field.quote_id'), quote && <a href={routeHash({ screen: 'quote', id: quote })}>{order.titles.quote_id ?? t('sales.from_quote')}</a>)}
              {fact(t('field.ordered_on'), ordered && formatDate(ordered, locale))}
              {fact(t('field.payment_terms_days'), order.fields.payment_terms_days != null && t('sales.days', { count: Number(order.fields.payment_terms_days) }))}
              {fact(t('field.due_date'), due && <span className={view.overdue ? 'late' : undefined}>{formatDate(due, locale)}</span>, 'order-due')}
            </dl>
          </section>
        </div>
      </div>

      {paying && (
        <PaymentDialog
          accountId={account}
          currencies={[view.currency]}
          orderId={order.id}
          owed={minorToText(view.outstanding, view.currency)}
          onClose={() => setPaying(false)}
          onRecorded={async (_balances, amount, currency) => {
            setPaying(false);
            notify(t('sales.payment_recorded', { amount: formatTypedMoney(amount, currency, locale) }));
            try {
              setView(await backend.call('order_view', { id }));
            } catch (e) {
              fail(e);
            }
            // Back to Record payment, or to the order when nothing is owed any more.
            (payButton.current ?? document.getElementById('order-title'))?.focus();
          }}
        />
      )}
    </article>
  );
}
