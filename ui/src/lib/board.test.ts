import { describe, expect, it } from 'vitest';
import type { Board, DealCard } from '../backend';
import { appendCards, moveCard, withTotals } from './board';

const deal = (id: string, stage: string, amount: number, currency = 'CNY', probability: number | null = null): DealCard => ({
  id,
  name: id,
  stage,
  account_id: 'a',
  account_name: 'ACME',
  amount,
  currency,
  probability,
  close_date: null,
  owner_name: null,
});

const inCny = (amount: number) => ({ currency: 'CNY', count: 1, amount, weighted: 0, without_rate: [] });

function board(): Board {
  return {
    currency: 'CNY',
    day: '2026-12-05',
    open: inCny(3000),
    columns: [
      {
        key: 'qualification', position: 1, probability: 10, closed: false, won: false, count: 2,
        totals: [{ stage: 'qualification', currency: 'CNY', count: 2, amount: 3000, weighted: 300 }],
        total: inCny(3000),
        deals: [deal('d1', 'qualification', 1000), deal('d2', 'qualification', 2000)],
      },
      {
        key: 'proposal', position: 3, probability: 50, closed: false, won: false, count: 1,
        totals: [{ stage: 'proposal', currency: 'EUR', count: 1, amount: 500, weighted: 250 }],
        total: inCny(0),
        deals: [deal('d3', 'proposal', 500, 'EUR')],
      },
    ],
  };
}

describe('moving a card on the board', () => {
  it('moves the card and keeps counts and per-currency totals right', () => {
    const after = moveCard(board(), 'd1', 'proposal');
    const [qual, prop] = after.columns;
    expect(qual.deals.map((d) => d.id)).toEqual(['d2']);
    expect(qual.count).toBe(1);
    expect(qual.totals).toEqual([{ stage: 'qualification', currency: 'CNY', count: 1, amount: 2000, weighted: 200 }]);
    expect(prop.deals[0]).toMatchObject({ id: 'd1', stage: 'proposal', probability: 50 });
    expect(prop.count).toBe(2);
    // A new currency in the column gets its own line; currencies never add up.
    expect(prop.totals).toContainEqual({ stage: 'proposal', currency: 'CNY', count: 1, amount: 1000, weighted: 500 });
    expect(prop.totals).toContainEqual({ stage: 'proposal', currency: 'EUR', count: 1, amount: 500, weighted: 250 });
  });

  it('drops a currency line when its last deal leaves', () => {
    const after = moveCard(board(), 'd3', 'qualification');
    expect(after.columns[1].totals).toEqual([]);
    expect(after.columns[0].totals).toContainEqual({ stage: 'qualification', currency: 'EUR', count: 1, amount: 500, weighted: 50 });
  });

  it('leaves the board alone for the same stage or an unknown deal', () => {
    const b = board();
    expect(moveCard(b, 'd1', 'qualification')).toBe(b);
    expect(moveCard(b, 'nope', 'proposal')).toBe(b);
  });
});

describe('totals and pages from the core', () => {
  it('takes counts and converted totals from the core, keeping the cards shown', () => {
    const moved = moveCard(board(), 'd1', 'proposal');
    const fresh = board();
    fresh.open = inCny(9999);
    fresh.columns[1] = { ...fresh.columns[1], count: 2, total: inCny(1234), deals: [] };
    const after = withTotals(moved, fresh);
    expect(after.open.amount).toBe(9999);
    expect(after.columns[1].total.amount).toBe(1234);
    expect(after.columns[1].deals.map((d) => d.id)).toEqual(['d1', 'd3']);
  });

  it('appends the next page of a column without repeating a card', () => {
    const b = moveCard(board(), 'd1', 'proposal');
    const after = appendCards(b, 'proposal', [deal('d1', 'proposal', 1000), deal('d4', 'proposal', 70)]);
    expect(after.columns[1].deals.map((d) => d.id)).toEqual(['d1', 'd3', 'd4']);
    expect(after.columns[0]).toBe(b.columns[0]);
  });
});
