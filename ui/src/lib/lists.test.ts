import { describe, expect, it } from 'vitest';
import { accountRecordQuery, recordQuery, isPicked, NOTHING_PICKED, pickedCount, selectionOf, shownColumns, toggle, withView, withoutView } from './lists';

describe('picking rows', () => {
  it('picks and unpicks one row at a time', () => {
    let p = toggle(NOTHING_PICKED, 'a');
    p = toggle(p, 'b');
    expect(pickedCount(p, 100)).toBe(2);
    p = toggle(p, 'a');
    expect(isPicked(p, 'a')).toBe(false);
    expect(isPicked(p, 'b')).toBe(true);
    expect(selectionOf(p, recordQuery())).toEqual({ ids: ['b'] });
  });

  it('all matching counts the whole filter and sends the query, not ids', () => {
    const all = { all: true } as const;
    expect(pickedCount(all, 1234)).toBe(1234);
    expect(isPicked(all, 'anything')).toBe(true);
    const q = accountRecordQuery({ query: ' acme ', region: 'Beijing', industry: null, sort: 'name' });
    expect(selectionOf(all, q)).toEqual({ matching: { ...recordQuery({ region: 'Beijing' }), text: 'acme' } });
    expect(recordQuery({}, '  ')).not.toHaveProperty('text');
  });

  it('unpicking a row out of all matching keeps the others in view', () => {
    const p = toggle({ all: true }, 'b', ['a', 'b', 'c']);
    expect(selectionOf(p, recordQuery())).toEqual({ ids: ['a', 'c'] });
  });
});

describe('views and columns', () => {
  const view = (name: string, list = 'accounts') => ({ list, name, query: {}, columns: [] });

  it('saving under a name in use replaces that view of the same list only', () => {
    const views = withView([view('Mine'), view('Mine', 'contacts')], { ...view(' mine '), columns: ['region'] });
    expect(views).toHaveLength(2);
    expect(views.find((v) => v.list === 'accounts')).toEqual({ list: 'accounts', name: 'mine', query: {}, columns: ['region'] });
    expect(withoutView(views, 'accounts', 'mine')).toEqual([view('Mine', 'contacts')]);
  });

  it('shows the chosen columns in the offered order, all when none is left', () => {
    const offered = ['industry', 'region', 'owner_id'];
    expect(shownColumns(offered, ['owner_id', 'industry'])).toEqual(['industry', 'owner_id']);
    expect(shownColumns(offered, ['gone'])).toEqual(offered);
    expect(shownColumns(offered, null)).toEqual(offered);
  });
});
