import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountListQuery, AccountRow, AccountSort, Backend, Facets, Page } from '../backend';
import { PAGE_SIZE, usePagedList } from '../components/usePagedList';
import { useApp } from '../context';
import { formatDate } from '../lib/format';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useFormError } from '../lib/useFormError';
import { choiceKey, choiceLabel } from '../lib/choices';
import ChoiceList from '../components/ChoiceList';

const LIFECYCLES = ['prospect', 'customer', 'former'];
const COLUMNS: { sort: AccountSort; label: string; width: string }[] = [
  { sort: 'name', label: 'field.name', width: '2.2fr' },
  { sort: 'industry', label: 'field.industry', width: '1fr' },
  { sort: 'region', label: 'field.region', width: '1fr' },
  { sort: 'lifecycle', label: 'field.lifecycle', width: '0.9fr' },
  { sort: 'owner', label: 'field.owner', width: '1fr' },
  { sort: 'updated', label: 'field.updated', width: '0.9fr' },
];
const GRID = COLUMNS.map((c) => c.width).join(' ');

const START_FILTERS: AccountListQuery = { sort: 'default', descending: false };
const START_QUERY: AccountListQuery = { ...START_FILTERS, query: null };
let early: { backend: Backend; asked: number; page: Promise<Page<AccountRow>> } | null = null;

/** Ask for the first page of the unfiltered list (the start screen) while the
 * UI is still starting, so the query runs while React renders. The list takes
 * it on its first mount; a page older than a few seconds is not used. */
export function prefetchAccounts(backend: Backend) {
  const page = backend.call('list_accounts', { ...START_QUERY, offset: 0, limit: PAGE_SIZE });
  page.catch(() => {}); // handled by the list, or dropped
  early = { backend, asked: Date.now(), page };
}

function takeEarly(backend: Backend, q: AccountListQuery, offset: number, limit: number) {
  const e = early;
  early = null;
  const same = JSON.stringify(q) === JSON.stringify(START_QUERY) && offset === 0 && limit === PAGE_SIZE;
  return e && e.backend === backend && same && Date.now() - e.asked < 5000 ? e.page : null;
}

export default function Accounts() {
  const { t } = useTranslation();
  const { backend, fail, locale } = useApp();
  const [query, setQuery] = useState('');
  const [filters, setFilters] = useState<AccountListQuery>(START_FILTERS);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [adding, setAdding] = useState(false);

  const q: AccountListQuery = useMemo(() => ({ ...filters, query: query.trim() || null }), [filters, query]);
  // An empty book says how to start; an empty filter result says so.
  const filtered = Boolean(q.query || q.industry || q.region || q.lifecycle || q.owner_id);
  const key = JSON.stringify(q);
  const fetchPage = useCallback(
    (offset: number, limit: number) => {
      const ask = () => backend.call('list_accounts', { ...q, offset, limit });
      return takeEarly(backend, q, offset, limit)?.catch(ask) ?? ask();
    },
    [backend, q],
  );
  const list = usePagedList<AccountRow>(key, fetchPage, fail);

  // The facets go over every account: ask once the first page is in, so the
  // list does not wait behind them for the database.
  const listed = list.total !== null;
  useEffect(() => {
    if (listed) backend.call('account_facets').then(setFacets, fail);
  }, [backend, fail, listed]);

  const set = (patch: Partial<AccountListQuery>) => setFilters((f) => ({ ...f, ...patch }));
  const sortBy = (sort: AccountSort) =>
    setFilters((f) => ({ ...f, sort, descending: f.sort === sort ? !f.descending : false }));

  return (
    <section className="screen-fill" aria-labelledby="accounts-title">
      <header className="screen-head">
        <h1 id="accounts-title">{t('accounts.title')}</h1>
        <span className="muted" aria-live="polite" data-testid="account-total">
          {list.total !== null && t('accounts.count', { count: list.total })}
        </span>
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          {t('accounts.new')}
        </button>
      </header>
      {adding && <NewAccount onDone={() => setAdding(false)} />}
      <div className="filters" role="search">
        <label className="grow">
          {t('accounts.filter')}
          <input
            type="search"
            value={query}
            placeholder={t('accounts.filter_placeholder')}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <label>
          {t('field.industry')}
          <select value={filters.industry ?? ''} onChange={(e) => set({ industry: e.target.value || null })}>
            <option value="">{t('common.any')}</option>
            {facets?.industries
              .map((v) => [v, choiceLabel(t, 'industry', v)] as const)
              .sort((a, b) => a[1].localeCompare(b[1], locale))
              .map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
          </select>
        </label>
        <label>
          {t('field.region')}
          <select value={filters.region ?? ''} onChange={(e) => set({ region: e.target.value || null })}>
            <option value="">{t('common.any')}</option>
            {facets?.regions.map((v) => <option key={v}>{v}</option>)}
          </select>
        </label>
        <label>
          {t('field.lifecycle')}
          <select value={filters.lifecycle ?? ''} onChange={(e) => set({ lifecycle: e.target.value || null })}>
            <option value="">{t('common.any')}</option>
            {LIFECYCLES.map((v) => (
              <option key={v} value={v}>
                {t(`lifecycle.${v}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('field.owner')}
          <select value={filters.owner_id ?? ''} onChange={(e) => set({ owner_id: e.target.value || null })}>
            <option value="">{t('common.any')}</option>
            {facets?.owners.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <VirtualTable
        total={list.total ?? 0}
        row={list.row}
        ensure={list.ensure}
        sort={filters.sort ?? 'default'}
        descending={!!filters.descending}
        onSort={sortBy}
        locale={locale}
      />
      {list.total === 0 && <p className="muted">{t(filtered ? 'accounts.none' : 'accounts.empty')}</p>}
    </section>
  );
}

interface TableProps {
  total: number;
  row: (i: number) => AccountRow | undefined;
  ensure: (first: number, last: number) => void;
  sort: AccountSort;
  descending: boolean;
  onSort: (s: AccountSort) => void;
  locale: string;
}

function VirtualTable({ total, row, ensure, sort, descending, onSort, locale }: TableProps) {
  const { t } = useTranslation();
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 40,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => ensure(first, last), [ensure, first, last]);

  const ready = total > 0 && row(0) !== undefined;
  const { backend } = useApp();
  const reported = useRef(false);
  useEffect(() => {
    if (!ready || reported.current) return;
    reported.current = true;
    // After the rows are painted: the moment a person can use the list.
    requestAnimationFrame(() => {
      void backend.call('mark_ready', { screen: 'accounts', shown: items.length, total }).catch(() => {});
    });
  }, [ready, backend, items.length, total]);
  return (
    <div className="table" role="table" aria-label={t('accounts.list_label')} aria-rowcount={total + 1} data-ready={ready ? 'true' : 'false'}>
      <div className="thead" role="rowgroup">
        <div className="tr" role="row" style={{ gridTemplateColumns: GRID }}>
          {COLUMNS.map((c) => (
            <div
              key={c.sort}
              role="columnheader"
              aria-sort={sort === c.sort ? (descending ? 'descending' : 'ascending') : 'none'}
            >
              <button type="button" onClick={() => onSort(c.sort)}>
                {t(c.label)} {sort === c.sort ? (descending ? '▾' : '▴') : ''}
              </button>
            </div>
          ))}
        </div>
      </div>
      <div className="tbody" role="rowgroup" ref={scrollRef}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const a = row(item.index);
            return (
              <div
                key={item.key}
                className="tr"
                role="row"
                aria-rowindex={item.index + 2}
                style={{ gridTemplateColumns: GRID, transform: `translateY(${item.start}px)`, height: item.size }}
              >
                {a ? (
                  <>
                    <div role="cell" className="name">
                      <a href={`#/accounts/${a.id}`}>{a.name}</a>
                    </div>
                    <div role="cell">{choiceLabel(t, 'industry', a.industry)}</div>
                    <div role="cell">{a.region}</div>
                    <div role="cell">
                      <span className={`badge ${a.lifecycle}`}>{t(`lifecycle.${a.lifecycle}`)}</span>
                    </div>
                    <div role="cell">{a.owner_name}</div>
                    <div role="cell" className="muted">
                      {formatDate(a.updated_at, locale)}
                    </div>
                  </>
                ) : (
                  <div role="cell" className="muted">
                    …
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function NewAccount({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const { backend, refreshStatus } = useApp();
  const [fields, setFields] = useState<Record<string, string>>({ name: '', industry: '', region: '', phone: '' });
  const form = useFormError(Object.fromEntries(Object.keys(fields).map((f) => [f, t(`field.${f}`)])));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const filled = Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim() !== ''));
    if (filled.industry) filled.industry = await choiceKey('industry', filled.industry);
    const id = await form.run(() => backend.call('create_account', { fields: filled }));
    if (id === undefined) return;
    await refreshStatus();
    onDone();
    window.location.hash = `#/accounts/${id}`;
  };
  return (
    <form className="card form inline" onSubmit={submit} aria-label={t('accounts.new')}>
      {Object.keys(fields).map((name, i) => (
        <Field key={name} label={t(`field.${name}`)} name={name} errors={form}>
          <input
            value={fields[name]}
            autoFocus={i === 0}
            list={name === 'industry' ? 'industries' : undefined}
            onChange={(e) => setFields((f) => ({ ...f, [name]: e.target.value }))}
          />
        </Field>
      ))}
      <button type="submit" className="primary">
        {t('common.save')}
      </button>
      <button type="button" onClick={onDone}>
        {t('common.cancel')}
      </button>
      <Problem message={form.actionError} />
      <ChoiceList id="industries" group="industry" />
    </form>
  );
}
