import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import type { Settings, Status } from './backend';
import type { WatchedBackend } from './backend/refusals';
import { AppContext, type AppContextValue } from './context';
import { localeTag, pickLanguage } from './i18n';
import { errorMessage } from './lib/errors';
import { opensSearch } from './lib/keys';
import { listHash } from './lib/record';
import { parseRoute, routeHash, type Route } from './lib/route';
import SearchPalette from './components/SearchPalette';
import { UndoProvider, UndoToast } from './components/Undo';
import SyncBadge from './components/SyncBadge';
import Accounts from './screens/Accounts';
import { useEscalation } from './service/escalation';
import Cover from './protection/Cover';
import Gate, { GATES } from './protection/Gate';
import IdleLock from './protection/IdleLock';
import LeaseBanner from './protection/LeaseBanner';
import LeaseLock from './protection/LeaseLock';
import { useIdleLock } from './protection/idle';
import { useLease } from './protection/useLease';

/** A screen in a chunk of its own, fetched when first needed. Once fetched it
 * renders at once, with no Suspense round, as if it were in the first chunk. */
function lazyScreen<P extends object>(load: () => Promise<{ default: ComponentType<P> }>) {
  let fetched: ComponentType<P> | null = null;
  const preload = () =>
    load().then((module) => {
      fetched = module.default;
      return module;
    });
  const Lazy = lazy(preload);
  function LazyScreen(props: P) {
    // Chosen once per mount: switching component types would remount it.
    const [Shown] = useState<ComponentType<P>>(() => fetched ?? Lazy);
    return <Shown {...props} />;
  }
  return Object.assign(LazyScreen, { preload });
}

// The account list (the start screen) and the shell are in the first chunk;
// every other screen is fetched when first shown or soon after start-up, so
// start-up parses less.
const Today = lazyScreen(() => import('./screens/Today'));
const AccountPage = lazyScreen(() => import('./screens/AccountPage'));
const Contacts = lazyScreen(() => import('./screens/Contacts'));
const Leads = lazyScreen(() => import('./screens/Leads'));
const Tasks = lazyScreen(() => import('./screens/Tasks'));
const Pipeline = lazyScreen(() => import('./screens/Pipeline'));
const Sync = lazyScreen(() => import('./screens/Sync'));
const SettingsScreen = lazyScreen(() => import('./screens/Settings'));
const Welcome = lazyScreen(() => import('./screens/Welcome'));
const Records = lazyScreen(() => import('./screens/Records'));
const RecordPage = lazyScreen(() => import('./screens/RecordPage'));
const Quotes = lazyScreen(() => import('./sales/Quotes'));
const QuoteEditor = lazyScreen(() => import('./sales/QuoteEditor'));
const Orders = lazyScreen(() => import('./sales/Orders'));
const OrderPage = lazyScreen(() => import('./sales/OrderPage'));
const Cases = lazyScreen(() => import('./service/Cases'));
const CasePage = lazyScreen(() => import('./service/CasePage'));
const KnowledgeBase = lazyScreen(() => import('./service/KnowledgeBase'));
const ServiceOverview = lazyScreen(() => import('./service/ServiceOverview'));
const LATER: Record<Exclude<Route['screen'], 'accounts'>, { preload: () => Promise<unknown> }> = {
  today: Today,
  account: AccountPage,
  contacts: Contacts,
  leads: Leads,
  tasks: Tasks,
  pipeline: Pipeline,
  quotes: Quotes,
  quote: QuoteEditor,
  orders: Orders,
  order: OrderPage,
  cases: Cases,
  case: CasePage,
  service: ServiceOverview,
  kb: KnowledgeBase,
  article: KnowledgeBase,
  sync: Sync,
  settings: SettingsScreen,
  records: Records,
  record: RecordPage,
};

/** Fetch the screen the app starts on, so that its first render needs no second round. */
export function preloadFirstScreen(route: Route, status: Status | null): Promise<unknown> {
  const screen = !status?.ready && route.screen !== 'settings' ? Welcome : route.screen === 'accounts' ? null : LATER[route.screen];
  return screen ? screen.preload().catch(() => {}) : Promise.resolve();
}

const NAV: Route['screen'][] = ['today', 'accounts', 'contacts', 'leads', 'tasks', 'pipeline', 'quotes', 'orders', 'cases', 'service', 'kb', 'sync', 'settings'];
const EMPTY_SETTINGS: Settings = { language: null, theme: null, server_url: null, login: null };

/** The current route, and the hash the user came from (where a record page's Back leads). */
function useRoute(): { route: Route; from: string | null } {
  const [state, setState] = useState<{ route: Route; from: string | null }>(() => ({ route: parseRoute(window.location.hash), from: null }));
  useEffect(() => {
    const onHash = (e: HashChangeEvent) => {
      const from = e.oldURL ? new URL(e.oldURL).hash : null;
      setState({ route: parseRoute(window.location.hash), from: from || null });
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return state;
}

/** The sidebar entry of a kind's generic screens: its list screen, or
 * Settings for reference data (service levels, the business calendar). */
const KIND_NAV: Record<string, Route['screen']> = {
  payment: 'orders',
  case: 'cases',
  case_event: 'cases',
  survey: 'cases',
  article: 'kb',
};

/** The list screen a kind belongs to in the sidebar. */
function navOf(route: Route): Route['screen'] {
  if (route.screen === 'account') return 'accounts';
  if (route.screen === 'quote') return 'quotes';
  if (route.screen === 'order') return 'orders';
  if (route.screen === 'case') return 'cases';
  if (route.screen === 'article') return 'kb';
  if (route.screen === 'records') return KIND_NAV[route.kind] ?? 'settings';
  if (route.screen !== 'record') return route.screen;
  const nav: Record<string, Route['screen']> = {
    ...KIND_NAV,
    contact: 'contacts',
    lead: 'leads',
    task: 'tasks',
    opportunity: 'pipeline',
    account: 'accounts',
    quote: 'quotes',
    quote_line: 'quotes',
    order: 'orders',
    order_line: 'orders',
    payment: 'orders',
    payment_allocation: 'orders',
  };
  return nav[route.kind] ?? 'settings';
}

interface Props {
  /** Tells the window of the refusals that change all of it (the lease, a remote wipe). */
  backend: WatchedBackend;
  initialSettings: Settings | null;
  /** Fetched by the caller alongside the settings, so start-up waits for one round trip, not two. */
  initialStatus?: Status | null;
}

export default function App({ backend, initialSettings, initialStatus = null }: Props) {
  const { t, i18n } = useTranslation();
  const { route, from } = useRoute();
  const [status, setStatus] = useState<Status | null>(initialStatus);
  const [settings, setSettings] = useState<Settings>(initialSettings ?? EMPTY_SETTINGS);
  const [notice, setNotice] = useState<string>('');
  const [error, setError] = useState<string>('');
  const [searching, setSearching] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  // Bumped after an undo: the screen is drawn anew, so its lists show what came back.
  const [redraws, setRedraws] = useState(0);
  const redraw = useCallback(() => setRedraws((n) => n + 1), []);
  const failed = useCallback((e: unknown) => setError(errorMessage(i18n.t, e)), [i18n]);

  const refreshStatus = useCallback(async () => {
    try {
      setStatus(await backend.call('status'));
    } catch (e) {
      setError(errorMessage(i18n.t, e));
    }
  }, [backend, i18n]);

  useEffect(() => {
    if (!initialStatus) void refreshStatus();
  }, [initialStatus, refreshStatus]);

  // Cases at risk or past due are escalated while the app is open.
  useEscalation(backend, !!status?.ready);

  // The team's lease: a banner before it runs out, the lock screen after.
  const lease = useLease(backend, !!status?.ready);
  const leaseLocked = lease.view.kind === 'locked';
  const wasLeaseLocked = useRef(false);
  useEffect(() => {
    // Back from the lock: the screen behind asks anew for what it was refused.
    if (wasLeaseLocked.current && !leaseLocked) {
      setError('');
      redraw();
    }
    wasLeaseLocked.current = leaseLocked;
  }, [leaseLocked, redraw]);
  // A remote wipe erased the data (a sync met it): the status says so.
  useEffect(
    () =>
      backend.onRefusal((e) => {
        if (e.code === 'wiped') void refreshStatus();
      }),
    [backend, refreshStatus],
  );

  // The window covered after the minutes without use the user chose.
  const idleMinutes = status?.ready ? (settings.idle_lock_minutes ?? null) : null;
  const idle = useIdleLock(idleMinutes);
  const covered = (idle.locked && idleMinutes !== null) || leaseLocked;
  // For the keyboard shortcuts: nothing opens behind the cover.
  const coveredRef = useRef(covered);
  coveredRef.current = covered;

  // The other screens, once the first one is up: going to them then shows them at once.
  useEffect(() => {
    const timer = setTimeout(() => Object.values(LATER).forEach((screen) => void screen.preload().catch(() => {})), 1000);
    return () => clearTimeout(timer);
  }, []);

  const lang = settings.language ?? pickLanguage(navigator.languages);
  useEffect(() => {
    if (i18n.language !== lang) void i18n.changeLanguage(lang);
    document.documentElement.lang = localeTag(lang);
  }, [i18n, lang]);

  useEffect(() => {
    document.documentElement.dataset.theme = settings.theme ?? 'system';
  }, [settings.theme]);

  useEffect(() => {
    document.title = t('app.title');
  }, [t, lang]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (opensSearch(e) && !coveredRef.current) {
        e.preventDefault();
        setSearching(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const shownScreen = 'id' in route ? routeHash(route) : route.screen;
  // Move focus to the new screen's content, for keyboard and screen reader
  // users; an error of the screen left behind goes with it.
  useEffect(() => {
    mainRef.current?.focus({ preventScroll: true });
    setError('');
  }, [shownScreen]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(''), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  const ctx = useMemo<AppContextValue | null>(
    () =>
      status && {
        backend,
        status,
        refreshStatus,
        settings,
        locale: localeTag(lang),
        saveSettings: async (s: Settings) => {
          try {
            setSettings(await backend.call('save_settings', s));
          } catch (e) {
            setError(errorMessage(i18n.t, e));
          }
        },
        notify: (m: string) => {
          setError('');
          setNotice(m);
        },
        fail: (e: unknown) => setError(errorMessage(i18n.t, e)),
      },
    [backend, status, refreshStatus, settings, lang, i18n],
  );

  if (!ctx) {
    return (
      <div className="splash" role="status">
        {error || t('common.loading')}
      </div>
    );
  }

  if (status?.problem && GATES.includes(status.problem.code)) {
    // Nothing is open (locked, or erased): a screen of its own, no sidebar.
    return (
      <AppContext.Provider value={ctx}>
        <Gate status={status} onStatus={setStatus} />
      </AppContext.Provider>
    );
  }

  const activeNav = !status?.ready && route.screen !== 'settings' ? null : navOf(route);

  return (
    <AppContext.Provider value={ctx}>
      <UndoProvider onUndone={redraw} onError={failed}>
        {/* Covered, the app stays as it was (a form half filled in keeps
            its input) but is neither seen nor reached. */}
        <div className={covered ? 'app covered' : 'app'} inert={covered} aria-hidden={covered || undefined}>
          <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), mainRef.current?.focus())}>
            {t('app.skip')}
          </a>
          <nav className="sidebar" aria-label={t('nav.main')}>
            <div className="brand">{t('app.title')}</div>
            <button type="button" className="search-button" onClick={() => setSearching(true)} disabled={!status?.ready}>
              <span>{t('nav.search')}</span>
              <kbd>Ctrl K</kbd>
            </button>
            <ul>
              {/* Before a database exists every screen is Welcome: only Settings (language, theme) leads elsewhere. */}
              {NAV.filter((screen) => status?.ready || screen === 'settings').map((screen) => (
                <li key={screen}>
                  <a href={routeHash({ screen } as Route)} aria-current={activeNav === screen ? 'page' : undefined}>
                    {t(`nav.${screen}`)}
                    {screen === 'sync' && <SyncBadge when={window.location.hash} />}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <main id="main" ref={mainRef} tabIndex={-1}>
            {lease.view.kind === 'warning' && <LeaseBanner locksAt={lease.view.locksAt} onSynced={lease.check} />}
            {error && (
              <div className="error" role="alert">
                <span>{error}</span>
                <button type="button" onClick={() => setError('')} aria-label={t('common.close')}>
                  ×
                </button>
              </div>
            )}
            <Suspense fallback={null}>
              {!status?.ready && route.screen !== 'settings' ? <Welcome /> : <Screen key={redraws} route={route} from={from} />}
            </Suspense>
          </main>
          <div className="toasts">
            <UndoToast />
            <div className="toast" role="status" aria-live="polite">
              {notice}
            </div>
          </div>
          {searching && <SearchPalette onClose={() => setSearching(false)} />}
        </div>
        {/* Someone must be at the laptop before even the lease is shown. */}
        {idle.locked && idleMinutes !== null ? (
          <Cover label={t('protection.idle_title')}>
            <IdleLock minutes={idleMinutes} onUnlocked={idle.unlock} />
          </Cover>
        ) : (
          lease.view.kind === 'locked' && (
            <Cover label={t('protection.lock_title')}>
              <LeaseLock since={lease.view.since} lockedAt={lease.view.lockedAt} onTried={lease.check} />
            </Cover>
          )
        )}
      </UndoProvider>
    </AppContext.Provider>
  );
}

function Screen({ route, from }: { route: Route; from: string | null }) {
  switch (route.screen) {
    case 'today':
      return <Today />;
    case 'accounts':
      return <Accounts />;
    case 'account':
      return <AccountPage key={route.id} id={route.id} />;
    case 'contacts':
      return <Contacts />;
    case 'leads':
      return <Leads />;
    case 'tasks':
      return <Tasks />;
    case 'pipeline':
      return <Pipeline />;
    case 'quotes':
      return <Quotes />;
    case 'quote':
      return <QuoteEditor key={route.id} id={route.id} />;
    case 'orders':
      return <Orders />;
    case 'order':
      return <OrderPage key={route.id} id={route.id} />;
    case 'cases':
      return <Cases />;
    case 'case':
      return <CasePage key={route.id} id={route.id} />;
    case 'service':
      return <ServiceOverview />;
    // One screen: the search stays while articles are read.
    case 'kb':
      return <KnowledgeBase fromCase={route.fromCase} />;
    case 'article':
      return <KnowledgeBase id={route.id} />;
    case 'sync':
      return <Sync />;
    case 'settings':
      return <SettingsScreen />;
    case 'records':
      return <Records key={route.kind} kind={route.kind} />;
    case 'record': {
      const here = routeHash(route);
      return <RecordPage key={here} kind={route.kind} id={route.id} backTo={from && from !== here ? from : listHash(route.kind)} />;
    }
  }
}
