import { describe, expect, it } from 'vitest';
import { byPriority, byStatus, countsInOrder, formatAverage, monthLabel } from './overview';

describe('monthLabel', () => {
  it('names the month in the user’s language', () => {
    expect(monthLabel('2027-03', 'en-US')).toBe('March 2027');
    expect(monthLabel('2027-03', 'zh-CN')).toBe('2027年3月');
    expect(monthLabel('2027-03', 'es-ES')).toBe('marzo de 2027');
  });

  it('keeps the first and last month of the year in that month, whatever the time zone', () => {
    expect(monthLabel('2027-01', 'en-US')).toBe('January 2027');
    expect(monthLabel('2026-12', 'en-US')).toBe('December 2026');
  });

  it('leaves a key that is not a month as it is', () => {
    expect(monthLabel('', 'en-US')).toBe('');
    expect(monthLabel('2027-13', 'en-US')).toBe('2027-13');
    expect(monthLabel('March', 'en-US')).toBe('March');
  });
});

describe('formatAverage', () => {
  it('says one decimal with the locale’s separator', () => {
    expect(formatAverage(4.5, 'en-US')).toBe('4.5');
    expect(formatAverage(4.5, 'es-ES')).toBe('4,5');
    expect(formatAverage(5, 'zh-CN')).toBe('5.0');
    expect(formatAverage(4.26, 'en-US')).toBe('4.3');
  });
});

describe('countsInOrder', () => {
  it('lists the known keys in order, with 0 for none, then the others by name', () => {
    expect(countsInOrder({ b: 2, z: 1, y: 3 }, ['a', 'b'])).toEqual([
      ['a', 0],
      ['b', 2],
      ['y', 3],
      ['z', 1],
    ]);
  });

  it('orders priorities from low to urgent and statuses along the flow', () => {
    expect(byPriority({ urgent: 1, low: 2 }).map(([k]) => k)).toEqual(['low', 'normal', 'high', 'urgent']);
    expect(byStatus({ waiting: 1, new: 4 })).toEqual([
      ['new', 4],
      ['in_progress', 0],
      ['waiting', 1],
    ]);
  });
});
