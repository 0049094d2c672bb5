// A page of a document list: the records by the generic list (filter,
// newest first, paged), then their totals from the core in one call.

import { useEffect, useState } from 'react';
import type { Condition, OrderView, QuoteView, RecordPage } from '../backend';
import { useApp } from '../context';

export const PAGE = 50;

export type Views = { quote: QuoteView; order: OrderView };

export interface DocumentPage<V> {
  /** The page's documents with their totals, newest first. */
  views: V[];
  /** How many match in all. */
  total: number;
}

export function useDocumentPage<K extends keyof Views>(
  kind: K,
  query: { filter: Record<string, string>; conditions: Condition[] },
  offset: number,
): DocumentPage<Views[K]> | null {
  const { backend, fail } = useApp();
  const [page, setPage] = useState<DocumentPage<Views[K]> | null>(null);
  const key = JSON.stringify(query);
  useEffect(() => {
    let live = true;
    const { filter, conditions } = JSON.parse(key) as typeof query;
    setPage(null);
    backend
      .call('list_records', { kind, filter, conditions, sort: 'created_at', descending: true, offset, limit: PAGE })
      .then(async (rows: RecordPage) => {
        const ids = rows.rows.map((r) => r.id);
        const views = (ids.length === 0 ? [] : await backend.call(kind === 'quote' ? 'quote_views' : 'order_views', { ids })) as Views[K][];
        if (live) setPage({ views, total: rows.total });
      })
      .catch((e: unknown) => live && fail(e));
    return () => {
      live = false;
    };
  }, [backend, fail, kind, key, offset]);
  return page;
}

/** One document with its totals, read once per id; `gone` when it cannot
 * be read (deleted, not synced here), the reason reported. */
export function useDocument<K extends keyof Views>(kind: K, id: string) {
  const { backend, fail } = useApp();
  const [view, setView] = useState<Views[K] | null>(null);
  const [gone, setGone] = useState(false);
  useEffect(() => {
    let live = true;
    const read = (kind === 'quote' ? backend.call('quote_view', { id }) : backend.call('order_view', { id })) as Promise<Views[K]>;
    read.then(
      (v) => live && setView(v),
      (e: unknown) => {
        if (!live) return;
        setGone(true);
        fail(e);
      },
    );
    return () => {
      live = false;
    };
  }, [backend, fail, kind, id]);
  return { view, setView, gone };
}
