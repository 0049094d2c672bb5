import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en';
import es from './es';
import zh from './zh';

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

export function initI18n(lang: Language) {
  return i18next.use(initReactI18next).init({
    lng: lang,
    fallbackLng: 'en',
    resources: { en: { translation: en }, zh: { translation: zh }, es: { translation: es } },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
}

export default i18next;
