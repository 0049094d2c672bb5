import { describe, expect, it } from 'vitest';
import { hitHref } from '../components/SearchPalette';
import { httpBackend } from '../backend/http';
import { BackendError } from '../backend';
import { opensSearch, quickLogKind } from './keys';
import { pagesToFetch } from './paging';
import { parseRoute, routeHash } from './route';

const key = (k: string, extra: Partial<{ ctrlKey: boolean; target: unknown }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: null,
  ...extra,
}) as Parameters<typeof quickLogKind>[0];

describe('keyboard', () => {
  it('logs with one plain letter, but not while typing or with a modifier', () => {
    expect(quickLogKind(key('c'))).toBe('call');
    expect(quickLogKind(key('V'))).toBe('visit');
    expect(quickLogKind(key('x'))).toBeNull();
    expect(quickLogKind(key('c', { ctrlKey: true }))).toBeNull();
    expect(quickLogKind(key('c', { target: { tagName: 'INPUT' } }))).toBeNull();
  });

  it('opens search with Ctrl+K anywhere and / outside fields', () => {
    expect(opensSearch(key('k', { ctrlKey: true }))).toBe(true);
    expect(opensSearch(key('/'))).toBe(true);
    expect(opensSearch(key('/', { target: { tagName: 'TEXTAREA' } }))).toBe(false);
  });
});

describe('routes', () => {
  it('round-trip and default to the account list', () => {
    expect(parseRoute('#/accounts/01a2-x')).toEqual({ screen: 'account', id: '01a2-x' });
    expect(parseRoute(routeHash({ screen: 'pipeline' }))).toEqual({ screen: 'pipeline' });
    expect(parseRoute('')).toEqual({ screen: 'accounts' });
    expect(parseRoute('#/nonsense')).toEqual({ screen: 'accounts' });
  });

  it('open search hits on their account’s page', () => {
    const hit = { entity: 'contact', id: 'c1', title: 'Ana', detail: null, account_id: 'a1', occurred_at: null } as const;
    expect(hitHref(hit)).toBe('#/accounts/a1');
    expect(hitHref({ ...hit, entity: 'account', id: 'a9' })).toBe('#/accounts/a9');
    expect(hitHref({ ...hit, entity: 'lead', account_id: null })).toBe('#/leads');
  });
});

describe('paging', () => {
  it('asks only for the missing pages covering the visible rows', () => {
    expect(pagesToFetch(0, 30, 100, new Set())).toEqual([0]);
    expect(pagesToFetch(95, 230, 100, new Set([1]))).toEqual([0, 2]);
    expect(pagesToFetch(5, 2, 100, new Set())).toEqual([]);
  });
});

describe('the HTTP backend', () => {
  it('posts the command with the token and turns core errors into BackendErrors', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const fake = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return url.endsWith('sync_now')
        ? new Response(JSON.stringify({ error: { code: 'sync_not_configured', message_key: 'error.sync_not_configured', params: {} } }), { status: 409 })
        : new Response(JSON.stringify({ total: 0, rows: [] }), { status: 200 });
    }) as unknown as typeof fetch;
    const backend = httpBackend('http://127.0.0.1:1/', 'tok', fake);
    await expect(backend.call('list_accounts', { limit: 5 })).resolves.toEqual({ total: 0, rows: [] });
    expect(seen[0].url).toBe('http://127.0.0.1:1/api/list_accounts');
    expect((seen[0].init.headers as Record<string, string>).authorization).toBe('Bearer tok');
    expect(seen[0].init.body).toBe('{"limit":5}');
    const failed = await backend.call('sync_now').catch((e) => e);
    expect(failed).toBeInstanceOf(BackendError);
    expect(failed.error.message_key).toBe('error.sync_not_configured');
  });
});
