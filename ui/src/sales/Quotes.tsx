// Quotes (#/quotes): number, account, status, valid until and total,
// newest first, by status; a row opens the quote.

import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { formatDate, formatMoney, localDay } from '../lib/format';
import { recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { StatusBadge } from './Document';
import { Pager } from './Pager';
import { quoteFilter, quoteLabel, text } from './lib';
import { useDocumentPage } from './useDocumentPage';

const STATUSES = ['', 'draft', 'sent', 'accepted', 'rejected', 'expired', 'revised'];

export default function Quotes() {
  const { t } = useTranslation();
  const { locale } = useApp();
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const query = useMemo(() => quoteFilter(status, localDay()), [status]);
  const page = useDocumentPage('quote', query, offset);

  return (
    <section aria-labelledby="quotes-title">
      <header className="screen-head">
        <h1 id="quotes-title">{t('sales.quotes_title')}</h1>
        <label className="inline-filter">
          {t('sales.status_filter')}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setOffset(0);
            }}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s ? t(`quote_status.${s}`) : t('sales.all')}
              </option>
            ))}
          </select>
        </label>
      </header>
      {page === null ? (
        <p>{t('common.loading')}</p>
      ) : page.views.length === 0 ? (
        <p className="muted">{status ? t('sales.none_quotes') : t('sales.no_quotes_yet')}</p>
      ) : (
        <div className="table-scroll">
          <table className="grid documents" aria-labelledby="quotes-title">
            <thead>
              <tr>
                <th scope="col">{t('field.number')}</th>
                <th scope="col">{t('field.account_id')}</th>
                <th scope="col">{t('field.status')}</th>
                <th scope="col">{t('field.valid_until')}</th>
                <th scope="col" className="num">
                  {t('sales.total')}
                </th>
              </tr>
            </thead>
            <tbody>
              {page.views.map((v) => {
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
              })}
            </tbody>
          </table>
        </div>
      )}
      {page && <Pager offset={offset} shown={page.views.length} total={page.total} onOffset={setOffset} />}
    </section>
  );
}
