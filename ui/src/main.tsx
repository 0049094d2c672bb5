import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { chooseBackend } from './backend/choose';
import { watchRefusals } from './backend/refusals';
import { initI18n, pickLanguage, type Language } from './i18n';
import App, { preloadFirstScreen } from './App';
import { parseRoute } from './lib/route';
import { prefetchAccounts } from './screens/Accounts';
import './styles.css';

// One backend for the whole page (the start-up prefetch included), so that a
// refusal met anywhere reaches the window.
const backend = watchRefusals(chooseBackend());

async function start() {
  // Everything the first screen needs is asked for at once: the settings (so
  // the first paint is already in the user's language), the status and, when
  // starting on the account list, its first page.
  const route = parseRoute(window.location.hash);
  if (route.screen === 'accounts') prefetchAccounts(backend);
  const status = backend.call('status').catch(() => null);
  const settings = await backend.call('get_settings').catch(() => null);
  const lang = (settings?.language as Language | null) ?? pickLanguage(navigator.languages);
  const [initialStatus] = await Promise.all([status, initI18n(lang)]);
  await preloadFirstScreen(route, initialStatus);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App backend={backend} initialSettings={settings} initialStatus={initialStatus} />
    </StrictMode>,
  );
}

void start();
