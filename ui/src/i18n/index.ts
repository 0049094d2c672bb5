import i18next, { type BackendModule } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en';

export const LANGUAGES = ['en', 'zh', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The BCP 47 tag used to format dates, numbers and money. */
export function localeTag(lang: string): string {
  return lang === 'zh' ? 'zh-CN' : lang === 'es' ? 'es-ES' : 'en-US';
}

/** The supported language closest to a browser/system language tag. */
export function pickLanguage(wanted: readonly string[]): Language {
  for (const tag of wanted) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if ((LANGUAGES as readonly string[]).includes(base)) return base as Language;
  }
  return 'en';
}

// English is the fallback and always in the first chunk; another language's
// bundle is fetched when it is chosen (at start or later), so start-up parses
// one language, not three.
const BUNDLES = new Map<string, () => Promise<{ default: typeof en }>>([
  ['zh', () => import('./zh')],
  ['es', () => import('./es')],
]);

const lazyBundles: BackendModule = {
  type: 'backend',
  init: () => {},
  read: (lang, _namespace, done) => {
    const load = BUNDLES.get(lang);
    if (!load) return done(null, {});
    load().then(
      (bundle) => done(null, bundle.default),
      (e: Error) => done(e, null),
    );
  },
};

export function initI18n(lang: Language) {
  return i18next
    .use(lazyBundles)
    .use(initReactI18next)
    .init({
      lng: lang,
      fallbackLng: 'en',
      resources: { en: { translation: en } },
      partialBundledLanguages: true,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
}

export default i18next;
