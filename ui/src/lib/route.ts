// Hash routes: #/today, #/accounts, #/accounts/ID, #/pipeline, #/quotes,
// #/quotes/ID (the quote editor), #/orders, #/orders/ID, #/cases,
// #/cases/ID (a case's page), #/service (the manager's service overview), #/kb, #/kb/ID (an article), #/kb/new?case=ID
// (an article written from a resolved case), #/records/KIND,
// #/records/KIND/ID (one record's page), ... The hash
// keeps deep links working under Tauri's custom protocol and the bridge alike.

export type Route =
  | { screen: 'today' }
  | { screen: 'accounts' }
  | { screen: 'account'; id: string }
  | { screen: 'contacts' }
  | { screen: 'leads' }
  | { screen: 'tasks' }
  | { screen: 'pipeline' }
  | { screen: 'quotes' }
  | { screen: 'quote'; id: string }
  | { screen: 'orders' }
  | { screen: 'order'; id: string }
  | { screen: 'cases' }
  | { screen: 'case'; id: string }
  | { screen: 'service' }
  /** `fromCase`: writing an article from that resolved case. */
  | { screen: 'kb'; fromCase?: string }
  | { screen: 'article'; id: string }
  | { screen: 'sync' }
  | { screen: 'settings' }
  | { screen: 'records'; kind: string }
  | { screen: 'record'; kind: string; id: string };

const SIMPLE = ['today', 'accounts', 'contacts', 'leads', 'tasks', 'pipeline', 'quotes', 'orders', 'cases', 'service', 'kb', 'sync', 'settings'] as const;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'accounts' && parts[1]) return { screen: 'account', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'quotes' && parts[1]) return { screen: 'quote', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'orders' && parts[1]) return { screen: 'order', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'cases' && parts[1]) return { screen: 'case', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'kb' && parts[1]?.startsWith('new?')) {
    const fromCase = new URLSearchParams(parts[1].slice('new?'.length)).get('case');
    return fromCase ? { screen: 'kb', fromCase } : { screen: 'kb' };
  }
  if (parts[0] === 'kb' && parts[1]) return { screen: 'article', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'records' && parts[1] && parts[2])
    return { screen: 'record', kind: decodeURIComponent(parts[1]), id: decodeURIComponent(parts[2]) };
  if (parts[0] === 'records' && parts[1]) return { screen: 'records', kind: decodeURIComponent(parts[1]) };
  const simple = SIMPLE.find((s) => s === parts[0]);
  return simple ? ({ screen: simple } as Route) : { screen: 'accounts' };
}

export function routeHash(route: Route): string {
  if (route.screen === 'account') return `#/accounts/${encodeURIComponent(route.id)}`;
  if (route.screen === 'quote') return `#/quotes/${encodeURIComponent(route.id)}`;
  if (route.screen === 'order') return `#/orders/${encodeURIComponent(route.id)}`;
  if (route.screen === 'case') return `#/cases/${encodeURIComponent(route.id)}`;
  if (route.screen === 'kb' && route.fromCase) return `#/kb/new?case=${encodeURIComponent(route.fromCase)}`;
  if (route.screen === 'article') return `#/kb/${encodeURIComponent(route.id)}`;
  if (route.screen === 'record') return `#/records/${encodeURIComponent(route.kind)}/${encodeURIComponent(route.id)}`;
  if (route.screen === 'records') return `#/records/${encodeURIComponent(route.kind)}`;
  return `#/${route.screen}`;
}
