import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContactRow } from '../backend';
import { usePagedList } from '../components/usePagedList';
import ImportFile from '../components/ImportFile';
import { useApp } from '../context';
import { recordHash } from '../lib/record';
import BulkBar from '../components/BulkBar';
import EditableCell from '../components/EditableCell';
import { isPicked, NOTHING_PICKED, pickedCount, recordQuery, toggle, type Picked } from '../lib/lists';
import { onListKeys } from '../lib/listKeys';

const GRID = '2rem 1.4fr 1.2fr 1.6fr 1.2fr 1.4fr';

export default function Contacts() {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [query, setQuery] = useState('');
  const [importing, setImporting] = useState(false);
  // Bumped after an import, so the list is fetched anew.
  const [imports, setImports] = useState(0);
  const [picked, setPicked] = useState<Picked>(NOTHING_PICKED);
  // Cells edited in place, until the list is fetched anew.
  const [edits, setEdits] = useState<Record<string, Partial<ContactRow>>>({});
  const q = query.trim() || null;
  useEffect(() => setPicked(NOTHING_PICKED), [q]);
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
  const total = list.total ?? 0;
  const count = pickedCount(picked, total);
  const shownIds = items.map((i) => list.row(i.index)?.id).filter((id): id is string => !!id);
  const edited = (id: string, patch: Partial<ContactRow>) => setEdits((e) => ({ ...e, [id]: { ...e[id], ...patch } }));
  const text = (value: string | null | undefined) => (
    <div role="cell" title={value ?? undefined}>
      {value}
    </div>
  );

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
      <BulkBar
        kind="contact"
        picked={picked}
        total={total}
        matching={recordQuery({}, q)}
        onPickAll={() => setPicked({ all: true })}
        onClear={() => setPicked(NOTHING_PICKED)}
        onChanged={() => setImports((n) => n + 1)}
      />
      <div className="table" role="table" aria-label={t('contacts.title')} aria-rowcount={(list.total ?? 0) + 1}>
        <div className="thead" role="rowgroup">
          <div className="tr" role="row" style={{ gridTemplateColumns: GRID }}>
            <div role="columnheader" className="pick">
              <input
                type="checkbox"
                aria-label={t('lists.pick_all', { count: total })}
                checked={total > 0 && count === total}
                ref={(el) => {
                  if (el) el.indeterminate = count > 0 && count < total;
                }}
                onChange={() => setPicked(count === total ? NOTHING_PICKED : { all: true })}
              />
            </div>
            {['name', 'title', 'email', 'phone', 'account'].map((f) => (
              <div key={f} role="columnheader" title={t(`field.${f}`)}>
                {t(`field.${f}`)}
              </div>
            ))}
          </div>
        </div>
        <div className="tbody" role="rowgroup" ref={scrollRef} onKeyDown={onListKeys}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const fetched = list.row(item.index);
              const c = fetched && { ...fetched, ...edits[fetched.id] };
              return (
                <div
                  key={item.key}
                  className="tr"
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={c ? isPicked(picked, c.id) : undefined}
                  style={{ gridTemplateColumns: GRID, transform: `translateY(${item.start}px)`, height: item.size }}
                >
                  {c ? (
                    <>
                      <div role="cell" className="pick">
                        <input type="checkbox" aria-label={t('lists.pick', { name: c.name })} checked={isPicked(picked, c.id)} onChange={() => setPicked(toggle(picked, c.id, shownIds))} />
                      </div>
                      <EditableCell kind="contact" id={c.id} field="name" label={t('field.name')} value={c.name} className="name" onSaved={(v) => edited(c.id, { name: v })}>
                        <a href={recordHash('contact', c.id)} data-row>
                          {c.name}
                        </a>
                      </EditableCell>
                      <EditableCell kind="contact" id={c.id} field="title" label={t('field.title')} value={c.title ?? ''} onSaved={(v) => edited(c.id, { title: v || null })} />
                      {text(c.email)}
                      {text(c.phone)}
                      <div role="cell" title={c.account_name ?? undefined}>
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
