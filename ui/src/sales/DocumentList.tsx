// The frame of a document list (quotes, orders): a title, a status filter,
// a page of documents with their totals, newest first, and the pager. Each
// list says its columns and how a row reads.

import { type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Condition } from '../backend';
import { localDay } from '../lib/format';
import { Pager } from './Pager';
import { useDocumentPage, type Views } from './useDocumentPage';

export interface DocumentListProps<K extends keyof Views> {
  kind: K;
  /** The i18n key of the screen's title. */
  title: string;
  /** The filter's values ('' = all) and how each reads. */
  filters: string[];
  filterLabel: (value: string) => string;
  /** The records' filter for a status on a day. */
  queryOf: (status: string, today: string) => { filter: Record<string, string>; conditions: Condition[] };
  /** What an empty page says, filtered or not. */
  empty: (filtered: boolean) => string;
  /** The header row's cells. */
  head: ReactNode;
  row: (view: Views[K]) => ReactNode;
}

export function DocumentList<K extends keyof Views>({ kind, title, filters, filterLabel, queryOf, empty, head, row }: DocumentListProps<K>) {
  const { t } = useTranslation();
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const query = useMemo(() => queryOf(status, localDay()), [queryOf, status]);
  const page = useDocumentPage(kind, query, offset);
  const titleId = `${kind}s-title`;

  return (
    <section aria-labelledby={titleId}>
      <header className="screen-head">
        <h1 id={titleId}>{t(title)}</h1>
        <label className="inline-filter">
          {t('sales.status_filter')}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setOffset(0);
            }}
          >
            {filters.map((s) => (
              <option key={s} value={s}>
                {s === '' ? t('sales.all') : filterLabel(s)}
              </option>
            ))}
          </select>
        </label>
      </header>
      {page === null ? (
        <p>{t('common.loading')}</p>
      ) : page.views.length === 0 ? (
        <p className="muted">{empty(status !== '')}</p>
      ) : (
        <div className="table-scroll">
          <table className="grid documents" aria-labelledby={titleId}>
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>{page.views.map(row)}</tbody>
          </table>
        </div>
      )}
      {page && <Pager offset={offset} shown={page.views.length} total={page.total} onOffset={setOffset} />}
    </section>
  );
}
