import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContactRow } from '../backend';
import { usePagedList } from '../components/usePagedList';
import ImportFile from '../components/ImportFile';
import { useApp } from '../context';
import { recordHash } from '../lib/record';

const GRID = '1.4fr 1.2fr 1.6fr 1.2fr 1.4fr';

export default function Contacts() {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [query, setQuery] = useState('');
  const [importing, setImporting] = useState(false);
  // Bumped after an import, so the list is fetched anew.
  const [imports, setImports] = useState(0);
  const q = query.trim() || null;
  const fetchPage = useCallback(
    (offset: number, limit: number) => backend.call('list_contacts', { query: q, offset, limit }),
    [backend, q],
  );
  const list = usePagedList<ContactRow>(`${imports}|${q ?? ''}`, fetchPage, fail);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: list.total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 40,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  const { ensure } = list;
  useEffect(() => ensure(first, last), [ensure, first, last]);

  return (
    <section className="screen-fill" aria-labelledby="contacts-title">
      <header className="screen-head">
        <h1 id="contacts-title">{t('contacts.title')}</h1>
        <span className="muted" aria-live="polite">
          {list.total !== null && t('contacts.count', { count: list.total })}
        </span>
        <button type="button" onClick={() => setImporting(true)}>
          {t('import.open')}
        </button>
      </header>
      {importing && <ImportFile into="contacts" onDone={() => (setImporting(false), setImports((n) => n + 1))} />}
      <div className="filters" role="search">
        <label className="grow">
          {t('contacts.search')}
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
      </div>
      <div className="table" role="table" aria-label={t('contacts.title')} aria-rowcount={(list.total ?? 0) + 1}>
        <div className="thead" role="rowgroup">
          <div className="tr" role="row" style={{ gridTemplateColumns: GRID }}>
            {['name', 'title', 'email', 'phone', 'account'].map((f) => (
              <div key={f} role="columnheader">
                {t(`field.${f}`)}
              </div>
            ))}
          </div>
        </div>
        <div className="tbody" role="rowgroup" ref={scrollRef}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const c = list.row(item.index);
              return (
                <div
                  key={item.key}
                  className="tr"
                  role="row"
                  aria-rowindex={item.index + 2}
                  style={{ gridTemplateColumns: GRID, transform: `translateY(${item.start}px)`, height: item.size }}
                >
                  {c ? (
                    <>
                      <div role="cell" className="name">
                        <a href={recordHash('contact', c.id)}>{c.name}</a>
                      </div>
                      <div role="cell">{c.title}</div>
                      <div role="cell">{c.email}</div>
                      <div role="cell">{c.phone}</div>
                      <div role="cell">
                        <a href={`#/accounts/${c.account_id}`}>{c.account_name ?? t('common.missing_record')}</a>
                      </div>
                    </>
                  ) : (
                    <div role="cell">…</div>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {list.total === 0 && <p className="muted">{t('contacts.none')}</p>}
    </section>
  );
}
