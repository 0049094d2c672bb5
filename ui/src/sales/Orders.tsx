// Orders (#/orders): number, account, status, ordered and due days, total
// and what is still owed (overdue marked), newest first; a row opens it.

import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { formatDate, formatMoney } from '../lib/format';
import { recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { DocumentList } from './DocumentList';
import { StatusBadge } from './Document';
import { orderFilter, text } from './lib';

const FILTERS = ['', 'open', 'overdue', 'fulfilled', 'cancelled'];

export default function Orders() {
  const { t } = useTranslation();
  const { locale } = useApp();
  return (
    <DocumentList
      kind="order"
      title="sales.orders_title"
      filters={FILTERS}
      filterLabel={(s) => (s === 'overdue' ? t('sales.overdue') : t(`order_status.${s}`))}
      queryOf={orderFilter}
      empty={(filtered) => (filtered ? t('sales.none_orders') : t('sales.no_orders_yet'))}
      head={
        <>
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
        </>
      }
      row={(v) => {
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
      }}
    />
  );
}
