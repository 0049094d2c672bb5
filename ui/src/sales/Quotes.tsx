// Quotes (#/quotes): number, account, status, valid until and total,
// newest first, by status; a row opens the quote.

import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { formatDate, formatMoney } from '../lib/format';
import { recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { DocumentList } from './DocumentList';
import { StatusBadge } from './Document';
import { quoteFilter, quoteLabel, text } from './lib';

const STATUSES = ['', 'draft', 'sent', 'accepted', 'rejected', 'expired', 'revised'];

export default function Quotes() {
  const { t } = useTranslation();
  const { locale } = useApp();
  return (
    <DocumentList
      kind="quote"
      title="sales.quotes_title"
      filters={STATUSES}
      filterLabel={(s) => t(`quote_status.${s}`)}
      queryOf={quoteFilter}
      empty={(filtered) => (filtered ? t('sales.none_quotes') : t('sales.no_quotes_yet'))}
      head={
        <>
          <th scope="col">{t('field.number')}</th>
          <th scope="col">{t('field.account_id')}</th>
          <th scope="col">{t('field.status')}</th>
          <th scope="col">{t('field.valid_until')}</th>
          <th scope="col" className="num">
            {t('sales.total')}
          </th>
        </>
      }
      row={(v) => {
        const q = v.quote;
        const account = text(q, 'account_id');
        const until = text(q, 'valid_until');
        return (
          <tr key={q.id}>
            <td className="nowrap">
              <a href={routeHash({ screen: 'quote', id: q.id })}>{quoteLabel(q, t)}</a>
            </td>
            <td>{account ? <a href={recordHash('account', account)}>{q.titles.account_id ?? t('common.missing_record')}</a> : t('common.none')}</td>
            <td>
              <StatusBadge kind="quote" status={v.status} />
            </td>
            <td className="nowrap">{until ? formatDate(until, locale) : t('common.none')}</td>
            <td className="num nowrap">{formatMoney(v.gross, v.currency, locale)}</td>
          </tr>
        );
      }}
    />
  );
}
