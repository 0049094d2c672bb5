// The pipeline board's local logic: moving a card between columns at once
// (before the core confirms) and keeping each column's count and
// per-currency totals right; the totals in the user's currency are the
// core's (it holds the exchange rates), taken from its next answer.
import type { Board, BoardColumn, DealCard, StageTotal } from '../backend';

function withDeal(totals: StageTotal[], stage: string, deal: DealCard, probability: number, sign: 1 | -1): StageTotal[] {
  const weighted = Math.trunc((deal.amount * probability) / 100);
  const found = totals.find((t) => t.currency === deal.currency);
  const next = found
    ? totals.map((t) =>
        t === found
          ? { ...t, count: t.count + sign, amount: t.amount + sign * deal.amount, weighted: t.weighted + sign * weighted }
          : t,
      )
    : [...totals, { stage, currency: deal.currency, count: 1, amount: deal.amount, weighted }];
  return next.filter((t) => t.count > 0);
}

/** The board after moving `dealId` to `stage`; the deal takes the stage's
 * default probability, as the core does. Unknown deal or same stage: unchanged. */
export function moveCard(board: Board, dealId: string, stage: string): Board {
  const from = board.columns.find((c) => c.deals.some((d) => d.id === dealId));
  const to = board.columns.find((c) => c.key === stage);
  if (!from || !to || from === to) return board;
  const deal = from.deals.find((d) => d.id === dealId)!;
  const moved: DealCard = { ...deal, stage, probability: to.probability };
  const columns = board.columns.map((c): BoardColumn => {
    if (c === from) {
      return {
        ...c,
        count: c.count - 1,
        deals: c.deals.filter((d) => d.id !== dealId),
        totals: withDeal(c.totals, c.key, deal, deal.probability ?? c.probability, -1),
      };
    }
    if (c === to) {
      return {
        ...c,
        count: c.count + 1,
        deals: [moved, ...c.deals],
        totals: withDeal(c.totals, c.key, moved, to.probability, 1),
      };
    }
    return c;
  });
  return { ...board, columns };
}

/** The board with the counts and totals of `fresh` (the core's answer for the
 * same filter) and the cards already shown, so pages loaded stay. */
export function withTotals(board: Board, fresh: Board): Board {
  const columns = board.columns.map((c): BoardColumn => {
    const f = fresh.columns.find((x) => x.key === c.key);
    return f ? { ...c, count: f.count, totals: f.totals, total: f.total } : c;
  });
  return { ...board, currency: fresh.currency, day: fresh.day, open: fresh.open, columns };
}

/** The board with the next page of `stage`'s cards after those shown; a card
 * already on the board (moved here meanwhile) is not shown twice. */
export function appendCards(board: Board, stage: string, cards: DealCard[]): Board {
  const shown = new Set(board.columns.flatMap((c) => c.deals.map((d) => d.id)));
  const columns = board.columns.map((c): BoardColumn =>
    c.key === stage ? { ...c, deals: [...c.deals, ...cards.filter((d) => !shown.has(d.id))] } : c,
  );
  return { ...board, columns };
}
