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

  it('pick the user’s language and the locale for formatting', () => {
    expect(pickLanguage(['zh-CN', 'en'])).toBe('zh');
    expect(pickLanguage(['es-MX'])).toBe('es');
    expect(pickLanguage(['fr-FR'])).toBe('en');
    expect(localeTag('zh')).toBe('zh-CN');
  });
});
