import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountListQuery, AccountRow, AccountSort, Backend, Facets, ListView, Page } from '../backend';
import { PAGE_SIZE, usePagedList } from '../components/usePagedList';
import { useApp } from '../context';
import { formatDate } from '../lib/format';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useFormError } from '../lib/useFormError';
import { choiceKey, choiceLabel } from '../lib/choices';
import ChoiceList from '../components/ChoiceList';
import BulkBar from '../components/BulkBar';
import EditableCell from '../components/EditableCell';
import { accountRecordQuery, isPicked, NOTHING_PICKED, pickedCount, shownColumns, toggle, withView, withoutView, type Picked } from '../lib/lists';
import { onListKeys } from '../lib/listKeys';

const LIFECYCLES = ['prospect', 'customer', 'former'];
/** The columns a person may show besides the name: the description's list
 * columns this screen can draw, then the phone and the last change. */
const COLUMN_DEFS: Record<string, { sort?: AccountSort; label: string; width: string }> = {
  industry: { sort: 'industry', label: 'field.industry', width: '1fr' },
  region: { sort: 'region', label: 'field.region', width: '1fr' },
  lifecycle: { sort: 'lifecycle', label: 'field.lifecycle', width: '0.9fr' },
  owner_id: { sort: 'owner', label: 'field.owner', width: '1fr' },
  phone: { label: 'field.phone', width: '1fr' },
  updated_at: { sort: 'updated', label: 'field.updated', width: '0.9fr' },
};
const EXTRA_COLUMNS = ['phone', 'updated_at'];
/** Shown until the person chooses: all but the phone. */
const START_COLUMNS = ['industry', 'region', 'lifecycle', 'owner_id', 'updated_at'];
const LIST = 'accounts';

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
  const { backend, fail, locale, settings, saveSettings } = useApp();
  const [query, setQuery] = useState('');
  const [filters, setFilters] = useState<AccountListQuery>(START_FILTERS);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [adding, setAdding] = useState(false);
  const [picked, setPicked] = useState<Picked>(NOTHING_PICKED);
  // Bumped after a bulk change, so the list is fetched anew.
  const [changes, setChanges] = useState(0);
  const [offered, setOffered] = useState<string[]>([...START_COLUMNS.slice(0, 4), ...EXTRA_COLUMNS]);
  const [chosen, setChosen] = useState<string[]>(START_COLUMNS);
  const [viewName, setViewName] = useState('');
  const views = useMemo(() => (settings.views ?? []).filter((v) => v.list === LIST), [settings.views]);

  // The columns on offer come from the kind's description.
  useEffect(() => {
    backend.call('describe', { kind: 'account' }).then(
      (d) => setOffered([...d.list.filter((f) => f !== 'name' && f in COLUMN_DEFS), ...EXTRA_COLUMNS]),
      () => {},
    );
  }, [backend]);
  const columns = shownColumns(offered, chosen);

  const q: AccountListQuery = useMemo(() => ({ ...filters, query: query.trim() || null }), [filters, query]);
  // An empty book says how to start; an empty filter result says so.
  const filtered = Boolean(q.query || q.industry || q.region || q.lifecycle || q.owner_id);
  const key = JSON.stringify(q);
  useEffect(() => setPicked(NOTHING_PICKED), [key]);
  const fetchPage = useCallback(
    (offset: number, limit: number) => {
      const ask = () => backend.call('list_accounts', { ...q, offset, limit });
      return takeEarly(backend, q, offset, limit)?.catch(ask) ?? ask();
    },
    [backend, q],
  );
  const list = usePagedList<AccountRow>(`${changes}|${key}`, fetchPage, fail);

  // The facets go over every account: ask once the first page is in, so the
  // list does not wait behind them for the database.
  const listed = list.total !== null;
  useEffect(() => {
    if (listed) backend.call('account_facets').then(setFacets, fail);
  }, [backend, fail, listed, changes]);

  const set = (patch: Partial<AccountListQuery>) => setFilters((f) => ({ ...f, ...patch }));
  const sortBy = (sort: AccountSort) =>
    setFilters((f) => ({ ...f, sort, descending: f.sort === sort ? !f.descending : false }));

  const openView = (name: string) => {
    setViewName(name);
    const view = views.find((v) => v.name === name);
    const saved = (view?.query ?? {}) as AccountListQuery;
    setQuery(saved.query ?? '');
    setFilters({ ...START_FILTERS, ...saved, query: undefined });
    setChosen(view?.columns.length ? view.columns : START_COLUMNS);
  };
  const saveView = async (name: string) => {
    const view: ListView = { list: LIST, name, query: { ...q }, columns };
    await saveSettings({ ...settings, views: withView(settings.views ?? [], view) });
    setViewName(name.trim());
  };
  const deleteView = async () => {
    await saveSettings({ ...settings, views: withoutView(settings.views ?? [], LIST, viewName) });
    setViewName('');
  };

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
      <div className="list-tools">
        <ViewMenu views={views.map((v) => v.name)} current={viewName} onOpen={openView} onSave={saveView} onDelete={deleteView} />
        <ColumnMenu offered={offered} shown={columns} onChange={setChosen} />
      </div>
      <BulkBar
        kind="account"
        picked={picked}
        total={list.total ?? 0}
        matching={accountRecordQuery(q)}
        onPickAll={() => setPicked({ all: true })}
        onClear={() => setPicked(NOTHING_PICKED)}
        onChanged={() => setChanges((n) => n + 1)}
      />
      <VirtualTable
        total={list.total ?? 0}
        row={list.row}
        ensure={list.ensure}
        sort={filters.sort ?? 'default'}
        descending={!!filters.descending}
        onSort={sortBy}
        locale={locale}
        columns={columns}
        picked={picked}
        onPick={setPicked}
      />
      {list.total === 0 && <p className="muted">{t(filtered ? 'accounts.none' : 'accounts.empty')}</p>}
    </section>
  );
}

/** Saved views of the list: open one, save the list as it is under a name,
 * delete the open one. */
function ViewMenu({ views, current, onOpen, onSave, onDelete }: { views: string[]; current: string; onOpen: (name: string) => void; onSave: (name: string) => Promise<void>; onDelete: () => Promise<void> }) {
  const { t } = useTranslation();
  const [naming, setNaming] = useState<string | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!naming?.trim()) return;
    await onSave(naming);
    setNaming(null);
  };
  return (
    <div className="view-menu">
      <label>
        <span className="sr-only">{t('lists.view')}</span>
        <select value={current} onChange={(e) => onOpen(e.target.value)} aria-label={t('lists.view')}>
          <option value="">{t('lists.all_view')}</option>
          {views.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      {naming === null ? (
        <button type="button" onClick={() => setNaming(current)}>
          {t('lists.save_view')}
        </button>
      ) : (
        <form className="view-name" onSubmit={save}>
          <input value={naming} autoFocus size={12} aria-label={t('lists.view_name')} placeholder={t('lists.view_name')} onChange={(e) => setNaming(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setNaming(null)} />
          <button type="submit" className="primary" disabled={!naming.trim()}>
            {t('common.save')}
          </button>
          <button type="button" onClick={() => setNaming(null)}>
            {t('common.cancel')}
          </button>
        </form>
      )}
      {current && naming === null && (
        <button type="button" onClick={() => void onDelete()}>
          {t('lists.delete_view')}
        </button>
      )}
    </div>
  );
}

/** Which columns the list shows. */
function ColumnMenu({ offered, shown, onChange }: { offered: string[]; shown: string[]; onChange: (columns: string[]) => void }) {
  const { t } = useTranslation();
  const flip = (c: string) => onChange(shown.includes(c) ? shown.filter((x) => x !== c) : offered.filter((x) => x === c || shown.includes(x)));
  return (
    <details className="column-menu">
      <summary>{t('lists.columns')}</summary>
      <fieldset>
        <legend className="sr-only">{t('lists.columns')}</legend>
        {offered.map((c) => (
          <label key={c}>
            <input type="checkbox" checked={shown.includes(c)} disabled={shown.length === 1 && shown.includes(c)} onChange={() => flip(c)} /> {t(COLUMN_DEFS[c].label)}
          </label>
        ))}
      </fieldset>
    </details>
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
  columns: string[];
  picked: Picked;
  onPick: (p: Picked) => void;
}

function VirtualTable({ total, row, ensure, sort, descending, onSort, locale, columns, picked, onPick }: TableProps) {
  const { t } = useTranslation();
  const scrollRef = useRef<HTMLDivElement>(null);
  // Cells edited in place, until the list is fetched anew.
  const [edits, setEdits] = useState<Record<string, Partial<AccountRow>>>({});
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
  const grid = ['2rem', '2.2fr', ...columns.map((c) => COLUMN_DEFS[c].width)].join(' ');
  const shownIds = items.map((i) => row(i.index)?.id).filter((id): id is string => !!id);
  const count = pickedCount(picked, total);

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
  const edited = (id: string, patch: Partial<AccountRow>) => setEdits((e) => ({ ...e, [id]: { ...e[id], ...patch } }));
  const cell = (a: AccountRow, c: string) => {
    switch (c) {
      case 'industry': {
        const text = choiceLabel(t, 'industry', a.industry);
        return (
          <div key={c} role="cell" title={text}>
            {text}
          </div>
        );
      }
      case 'region':
      case 'phone':
        return <EditableCell key={c} kind="account" id={a.id} field={c} label={t(`field.${c}`)} value={a[c] ?? ''} onSaved={(v) => edited(a.id, { [c]: v || null })} />;
      case 'lifecycle':
        return (
          <div key={c} role="cell" title={t(`lifecycle.${a.lifecycle}`)}>
            <span className={`badge ${a.lifecycle}`}>{t(`lifecycle.${a.lifecycle}`)}</span>
          </div>
        );
      case 'owner_id':
        return (
          <div key={c} role="cell" title={a.owner_name ?? undefined}>
            {a.owner_name}
          </div>
        );
      default:
        return (
          <div key={c} role="cell" className="muted">
            {formatDate(a.updated_at, locale)}
          </div>
        );
    }
  };
  return (
    <div className="table" role="table" aria-label={t('accounts.list_label')} aria-rowcount={total + 1} data-ready={ready ? 'true' : 'false'}>
      <div className="thead" role="rowgroup">
        <div className="tr" role="row" style={{ gridTemplateColumns: grid }}>
          <div role="columnheader" className="pick">
            <input
              type="checkbox"
              aria-label={t('lists.pick_all', { count: total })}
              checked={total > 0 && count === total}
              ref={(el) => {
                if (el) el.indeterminate = count > 0 && count < total;
              }}
              onChange={() => onPick(count === total ? NOTHING_PICKED : { all: true })}
            />
          </div>
          {['name', ...columns].map((c) => {
            const def = c === 'name' ? { sort: 'name' as AccountSort, label: 'field.name' } : COLUMN_DEFS[c];
            return (
              <div key={c} role="columnheader" aria-sort={def.sort && sort === def.sort ? (descending ? 'descending' : 'ascending') : 'none'}>
                {def.sort ? (
                  <button type="button" onClick={() => def.sort && onSort(def.sort)} title={t(def.label)}>
                    {t(def.label)} {sort === def.sort ? (descending ? '▾' : '▴') : ''}
                  </button>
                ) : (
                  <span title={t(def.label)}>{t(def.label)}</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      {/* Up and down arrows go from customer to customer, Enter opens one. */}
      <div className="tbody" role="rowgroup" ref={scrollRef} onKeyDown={onListKeys}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const fetched = row(item.index);
            const a = fetched && { ...fetched, ...edits[fetched.id] };
            return (
              <div
                key={item.key}
                className="tr"
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={a ? isPicked(picked, a.id) : undefined}
                style={{ gridTemplateColumns: grid, transform: `translateY(${item.start}px)`, height: item.size }}
              >
                {a ? (
                  <>
                    <div role="cell" className="pick">
                      <input type="checkbox" aria-label={t('lists.pick', { name: a.name })} checked={isPicked(picked, a.id)} onChange={() => onPick(toggle(picked, a.id, shownIds))} />
                    </div>
                    <EditableCell kind="account" id={a.id} field="name" label={t('field.name')} value={a.name} className="name" onSaved={(v) => edited(a.id, { name: v })}>
                      <a href={`#/accounts/${a.id}`} data-row>
                        {a.name}
                      </a>
                    </EditableCell>
                    {columns.map((c) => cell(a, c))}
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
