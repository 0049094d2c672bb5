import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../backend';
import { pagesToFetch } from '../lib/paging';

export const PAGE_SIZE = 100;

/** Rows of a long list fetched a page at a time as they come into view.
 * `key` names the query: when it changes, everything is fetched anew. */
export function usePagedList<T>(key: string, fetchPage: (offset: number, limit: number) => Promise<Page<T>>, onError: (e: unknown) => void) {
  const [total, setTotal] = useState<number | null>(null);
  const [, setVersion] = useState(0);
  const pages = useRef(new Map<number, T[]>());
  const asked = useRef(new Set<number>());
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  const errorRef = useRef(onError);
  useEffect(() => {
    fetchRef.current = fetchPage;
    errorRef.current = onError;
  });

  const load = useCallback(
    (page: number) => {
      const gen = generation.current;
      asked.current.add(page);
      fetchRef.current(page * PAGE_SIZE, PAGE_SIZE).then(
        (result) => {
          if (gen !== generation.current) return; // an older query's answer
          pages.current.set(page, result.rows);
          setTotal(result.total);
          setVersion((v) => v + 1);
        },
        (e) => {
          asked.current.delete(page);
          errorRef.current(e);
        },
      );
    },
    [],
  );

  useEffect(() => {
    generation.current += 1;
    pages.current = new Map();
    asked.current = new Set();
    load(0);
  }, [key, load]);

  const ensure = useCallback(
    (first: number, last: number) => {
      for (const p of pagesToFetch(first, last, PAGE_SIZE, asked.current)) load(p);
    },
    [load],
  );

  const row = (index: number): T | undefined => pages.current.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];

  return { total, row, ensure };
}
