import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../i18n/en';
import es from '../i18n/es';
import zh from '../i18n/zh';
import { choiceKey, choiceLabel } from './choices';

describe('choices stored as keys', () => {
  beforeAll(async () => {
    await i18next.init({ lng: 'zh', resources: { en: { translation: en }, zh: { translation: zh }, es: { translation: es } } });
  });

  it('shows a key in the user language and anything else as typed', async () => {
    await i18next.changeLanguage('zh');
    expect(choiceLabel(i18next.t, 'industry', 'food')).toBe('食品');
    await i18next.changeLanguage('es');
    expect(choiceLabel(i18next.t, 'industry', 'food')).toBe('Alimentación');
    expect(choiceLabel(i18next.t, 'lead_source', 'cold_call')).toBe('Llamada en frío');
    expect(choiceLabel(i18next.t, 'industry', '半导体')).toBe('半导体');
  });

  it('stores the key for its name typed in the user language, so one filter value holds all', async () => {
    await i18next.changeLanguage('es');
    expect(await choiceKey('industry', ' alimentación ')).toBe('food');
    // Any language's name, whatever the app speaks now.
    expect(await choiceKey('industry', '软件')).toBe('software');
    await i18next.changeLanguage('zh');
    expect(await choiceKey('industry', '食品')).toBe('food');
    expect(await choiceKey('industry', 'FOOD')).toBe('food');
    expect(await choiceKey('lead_source', 'Sitio web')).toBe('web');
    expect(await choiceKey('industry', '半导体')).toBe('半导体');
  });
});
