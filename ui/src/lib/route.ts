// Hash routes: #/today, #/accounts, #/accounts/ID, #/pipeline, ... The hash
// keeps deep links working under Tauri's custom protocol and the bridge alike.

export type Route =
  | { screen: 'today' }
  | { screen: 'accounts' }
  | { screen: 'account'; id: string }
  | { screen: 'contacts' }
  | { screen: 'leads' }
  | { screen: 'tasks' }
  | { screen: 'pipeline' }
  | { screen: 'sync' }
  | { screen: 'settings' };

const SIMPLE = ['today', 'accounts', 'contacts', 'leads', 'tasks', 'pipeline', 'sync', 'settings'] as const;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'accounts' && parts[1]) return { screen: 'account', id: decodeURIComponent(parts[1]) };
  const simple = SIMPLE.find((s) => s === parts[0]);
  return simple ? ({ screen: simple } as Route) : { screen: 'accounts' };
}

export function routeHash(route: Route): string {
  return route.screen === 'account' ? `#/accounts/${encodeURIComponent(route.id)}` : `#/${route.screen}`;
}
