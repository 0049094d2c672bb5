import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { chooseBackend } from './backend/choose';
import { initI18n, pickLanguage, type Language } from './i18n';
import App from './App';
import './styles.css';

const backend = chooseBackend();

async function start() {
  // Settings first, so the first paint is already in the user's language.
  const settings = await backend.call('get_settings').catch(() => null);
  const lang = (settings?.language as Language | null) ?? pickLanguage(navigator.languages);
  await initI18n(lang);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App backend={backend} initialSettings={settings} />
    </StrictMode>,
  );
}

void start();
