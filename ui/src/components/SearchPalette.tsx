import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SearchGroup, SearchHit } from '../backend';
import { useApp } from '../context';
import { formatDate } from '../lib/format';
import { recordHash } from '../lib/record';
import Dialog from './Dialog';

/** The kinds whose hits open their account's 360° page. */
const ON_ACCOUNT_PAGE = new Set<string>(['account', 'contact', 'interaction', 'lead', 'opportunity', 'task', 'user']);

/** Where a hit opens: the account's 360° page (or the leads list), or, for
 * a kind with a page of its own (a case, an article), that page. */
export function hitHref(hit: SearchHit): string {
  if (hit.entity === 'account') return `#/accounts/${hit.id}`;
  if (!ON_ACCOUNT_PAGE.has(hit.entity)) return recordHash(hit.entity, hit.id);
  if (hit.account_id) return `#/accounts/${hit.account_id}`;
  return hit.entity === 'lead' ? '#/leads' : '#/accounts';
}

/** Search everywhere (Ctrl+K): results on every keystroke, grouped by kind. */
export default function SearchPalette({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { backend, fail, locale } = useApp();
  const [query, setQuery] = useState('');
  const [groups, setGroups] = useState<SearchGroup[]>([]);
  const [active, setActive] = useState(0);
  const [done, setDone] = useState('');
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    if (!query.trim()) {
      setGroups([]);
      setDone('');
      return;
    }
    backend.call('search', { query, per_group: 6 }).then((g) => {
      // Answers can arrive out of order; only the latest query's counts.
      if (mine !== seq.current) return;
      setGroups(g);
      setActive(0);
      setDone(query);
    }, fail);
  }, [backend, query, fail]);

  const hits = groups.flatMap((g) => g.hits);
  const open = (hit: SearchHit | undefined) => {
    if (!hit) return;
    window.location.hash = hitHref(hit);
    onClose();
  };

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') onClose();
    else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, hits.length - 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
    else if (e.key === 'Enter') open(hits[active]);
    else return;
    e.preventDefault();
  };

  let index = -1;
  return (
    <Dialog label={t('search.title')} onClose={onClose} className="search-dialog">
      <div className="palette">
        <input
          type="search"
          autoFocus
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls="search-results"
          aria-activedescendant={hits[active] ? `hit-${hits[active].id}` : undefined}
          aria-label={t('search.title')}
          placeholder={t('search.placeholder')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKey}
        />
        <div id="search-results" role="listbox" aria-label={t('search.title')} data-query={done}>
          {groups.map((g) => (
            <div key={g.entity} role="group" aria-label={t(`entity.${g.entity}`)}>
              <div className="group-title">{t(`entity.${g.entity}`)}</div>
              {g.hits.map((hit) => {
                index += 1;
                const mine = index;
                return (
                  <div
                    key={hit.id}
                    id={`hit-${hit.id}`}
                    role="option"
                    aria-selected={mine === active}
                    className="hit"
                    onMouseEnter={() => setActive(mine)}
                    onClick={() => open(hit)}
                  >
                    <span>{hit.title}</span>
                    <span className="muted small">
                      {hit.detail}
                      {hit.occurred_at && ` · ${formatDate(hit.occurred_at, locale)}`}
                    </span>
                  </div>
                );
              })}
            </div>
          ))}
          {done && groups.length === 0 && <p className="muted">{t('search.nothing', { query: done })}</p>}
        </div>
        <p className="muted small">{t('search.hint')}</p>
      </div>
    </Dialog>
  );
}
