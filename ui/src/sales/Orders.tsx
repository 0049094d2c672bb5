// Orders (#/orders): number, account, status, ordered and due days, total
// and what is still owed (overdue marked), newest first; a row opens it.

import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { formatDate, formatMoney, localDay } from '../lib/format';
import { recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { StatusBadge } from './Document';
import { Pager } from './Pager';
import { orderFilter, text } from './lib';
import { useDocumentPage } from './useDocumentPage';

const FILTERS = ['', 'open', 'overdue', 'fulfilled', 'cancelled'];

export default function Orders() {
  const { t } = useTranslation();
  const { locale } = useApp();
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const query = useMemo(() => orderFilter(status, localDay()), [status]);
  const page = useDocumentPage('order', query, offset);

  return (
    <section aria-labelledby="orders-title">
      <header className="screen-head">
        <h1 id="orders-title">{t('sales.orders_title')}</h1>
        <label className="inline-filter">
          {t('sales.status_filter')}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setOffset(0);
            }}
          >
            {FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === '' ? t('sales.all') : s === 'overdue' ? t('sales.overdue') : t(`order_status.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </header>
      {page === null ? (
        <p>{t('common.loading')}</p>
      ) : page.views.length === 0 ? (
        <p className="muted">{status ? t('sales.none_orders') : t('sales.no_orders_yet')}</p>
      ) : (
        <div className="table-scroll">
          <table className="grid documents" aria-labelledby="orders-title">
            <thead>
              <tr>
                <th scope="col">{t('field.number')}</th>
                <th scope="col">{t('field.account_id')}</th>
                <th scope="col">{t('field.status')}</th>
                <th scope="col">{t('field.ordered_on')}</th>
                <th scope="col">{t('field.due_date')}</th>
                <th scope="col" className="num">
                  {t('sales.total')}
                </th>
                <th scope="col" className="num">
                  {t('sales.outstanding')}
                </th>
              </tr>
            </thead>
            <tbody>
              {page.views.map((v) => {
                const o = v.order;
                const account = text(o, 'account_id');
                const ordered = text(o, 'ordered_on');
                const due = text(o, 'due_date');
                return (
                  <tr key={o.id} data-overdue={v.overdue || undefined}>
                    <td className="nowrap">
                      <a href={routeHash({ screen: 'order', id: o.id })}>{text(o, 'number')}</a>
                    </td>
                    <td>{account ? <a href={recordHash('account', account)}>{o.titles.account_id ?? t('common.missing_record')}</a> : t('common.none')}</td>
                    <td className="nowrap">
                      <StatusBadge kind="order" status={String(o.fields.status ?? 'open')} />
                      {v.overdue && <span className="badge late">{t('sales.overdue')}</span>}
                    </td>
                    <td className="nowrap">{ordered ? formatDate(ordered, locale) : t('common.none')}</td>
                    <td className={`nowrap${v.overdue ? ' late' : ''}`}>{due ? formatDate(due, locale) : t('common.none')}</td>
                    <td className="num nowrap">{formatMoney(v.gross, v.currency, locale)}</td>
                    <td className={`num nowrap${v.overdue ? ' late' : ''}`}>{formatMoney(v.outstanding, v.currency, locale)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {page && <Pager offset={offset} shown={page.views.length} total={page.total} onOffset={setOffset} />}
    </section>
  );
}
