import { describe, expect, it } from 'vitest';
import { currencyDecimals, formatMoney, formatRelativeDay, historyValue, localDay } from './format';

describe('money', () => {
  it('turns minor units into the currency’s decimals, never more', () => {
    expect(currencyDecimals('CNY')).toBe(2);
    expect(currencyDecimals('JPY')).toBe(0);
    expect(formatMoney(1_200_050, 'CNY', 'zh-CN')).toBe('¥12,000.50');
    expect(formatMoney(1500, 'JPY', 'en-US')).toBe('¥1,500');
  });

  it('follows the locale’s grouping and symbol placement', () => {
    // Spanish groups thousands with a dot and puts the symbol after.
    expect(formatMoney(1_234_567, 'EUR', 'es-ES')).toMatch(/^12\.345,67\s€$/);
    expect(formatMoney(1_234_567, 'USD', 'en-US')).toBe('$12,345.67');
  });

  it('can be compact for column totals', () => {
    expect(formatMoney(3_430_000_000, 'CNY', 'en-US', true)).toBe('CN¥34.3M');
  });
});

describe('dates', () => {
  it('says today, yesterday or a weekday-free relative day near today', () => {
    const today = new Date(2026, 0, 10, 15, 0);
    expect(formatRelativeDay('2026-01-10', today, 'en-US')).toBe('today');
    expect(formatRelativeDay('2026-01-09', today, 'en-US')).toBe('yesterday');
    expect(formatRelativeDay('2026-01-13', today, 'en-US')).toBe('in 3 days');
    expect(formatRelativeDay('2026-01-11', today, 'zh-CN')).toBe('明天');
    expect(formatRelativeDay('2026-03-01', today, 'en-US')).toBe('Mar 1, 2026');
  });

  it('gives the local calendar day the core’s task queries take', () => {
    expect(localDay(new Date(2026, 10, 5, 23, 59))).toBe('2026-11-05');
  });

  it('shows history values as short text', () => {
    expect(historyValue(null, 'en-US')).toBe('—');
    expect(historyValue(['vip', '重点客户'], 'en-US')).toBe('vip, 重点客户');
    expect(historyValue('proposal', 'en-US')).toBe('proposal');
  });
});
