import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import en from './en';
import es from './es';
import zh from './zh';
import { localeTag, pickLanguage } from './index';

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function placeholders(o: object): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (x: object, prefix: string) =>
    Object.entries(x).forEach(([k, v]) =>
      typeof v === 'object' ? walk(v, `${prefix}${k}.`) : out.set(`${prefix}${k}`, [...String(v).matchAll(/{{\s*(\w+)/g)].map((m) => m[1]).sort().join(',')),
    );
  walk(o, '');
  return out;
}

describe('translations', () => {
  it('have every key in all three languages', () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort());
    expect(keys(es).sort()).toEqual(keys(en).sort());
  });

  it('use the same placeholders as English', () => {
    const english = placeholders(en);
    for (const other of [zh, es]) {
      for (const [key, names] of placeholders(other)) expect([key, names]).toEqual([key, english.get(key)]);
    }
  });

  it('never say "your 0 changes are safe": nothing waiting is said as such', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ lng: 'en', resources: { en: { translation: en }, zh: { translation: zh }, es: { translation: es } } });
    for (const lng of ['en', 'zh', 'es']) {
      await i18n.changeLanguage(lng);
      for (const key of ['server_unreachable', 'sync_cancelled', 'answer_too_large', 'sync_timed_out']) {
        const none = i18n.t(`error.${key}`, { count: 0, limit_mb: 64, seconds: 60 });
        expect(none, `${lng} ${key}`).not.toMatch(/\b0\b/);
        expect(i18n.t(`error.${key}`, { count: 10, limit_mb: 64, seconds: 60 }), `${lng} ${key}`).toMatch(/10/);
      }
    }
  });

  it('pick the user’s language and the locale for formatting', () => {
    expect(pickLanguage(['zh-CN', 'en'])).toBe('zh');
    expect(pickLanguage(['es-MX'])).toBe('es');
    expect(pickLanguage(['fr-FR'])).toBe('en');
    expect(localeTag('zh')).toBe('zh-CN');
  });
});
