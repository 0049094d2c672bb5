import { beforeAll, describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { BackendError, type FieldDescription, type KindView, type RecordRow } from '../backend';
import { initI18n } from '../i18n';
import { changedFields, choiceLabelKey, errorField, fieldText, formFields, listHash, localDateTimeInput, minorToText, missingTitles, pickable, recordHash, shownValue } from './record';
import { parseRoute, routeHash } from './route';
import { isUndoKey } from './undo';

beforeAll(async () => {
  await initI18n('en');
});

function field(name: string, type: string, more: Partial<FieldDescription> = {}): FieldDescription {
  return {
    name,
    type,
    choices: null,
    min: null,
    max: null,
    places: null,
    refers_to: null,
    required: false,
    default: null,
    searchable: false,
    conflicts: false,
    system: false,
    reserved: [],
    ...more,
  };
}

// A deal as `describe` tells it (the fields the page draws from).
const deal: KindView = {
  may_edit: true,
  kind: 'opportunity',
  since: 1,
  title: 'name',
  list: ['name'],
  team_wide: false,
  editors: [],
  editable: true,
  fields: [
    field('account_id', 'ref', { refers_to: 'account', required: true }),
    field('name', 'line', { required: true }),
    field('stage', 'stage', { required: true }),
    field('amount', 'amount', { required: true }),
    field('currency', 'currency', { required: true }),
    field('close_date', 'date'),
    field('owner_id', 'ref', { refers_to: 'user' }),
    field('tags', 'tags'),
    field('notes', 'text'),
    field('status', 'choice', { choices: ['new', 'working', 'converted'], reserved: ['converted'] }),
    field('converted_account_id', 'ref', { refers_to: 'account', system: true }),
    field('done_at', 'date_time'),
  ],
};

const row: RecordRow = {
  entity: 'opportunity',
  id: 'd1',
  fields: {
    account_id: 'a1',
    name: '云杉 年度订阅',
    stage: 'proposal',
    amount: 12000050,
    currency: 'CNY',
    close_date: '2026-12-31',
    owner_id: 'u1',
    tags: ['renewal', 'vip'],
    notes: null,
    status: 'converted',
    converted_account_id: null,
    done_at: null,
  },
  created_at: '2026-12-01T08:00:00Z',
  updated_at: '2026-12-02T08:00:00Z',
  deleted: false,
  titles: { account_id: '上海云杉科技有限公司', owner_id: 'Li Wei' },
};

const byName = (name: string) => formFields(deal, row).find((f) => f.field.name === name)!;

describe('a record page’s fields, from the kind’s description', () => {
  it('reads every value as the text its parser takes back', () => {
    expect(byName('name').text).toBe('云杉 年度订阅');
    // Money is kept in minor units and edited in major ones, exactly.
    expect(byName('amount').text).toBe('120000.50');
    expect(byName('tags').text).toBe('renewal, vip');
    expect(byName('notes').text).toBe('');
    expect(byName('close_date').control).toBe('date');
    expect(byName('stage').control).toBe('select');
  });

  it('lets the user change only what the role and the description allow', () => {
    expect(byName('name').writable).toBe(true);
    expect(byName('owner_id').writable).toBe(true); // picked from the team's people
    expect(byName('converted_account_id').writable).toBe(false); // the app's own
    expect(byName('account_id').writable).toBe(false); // shown as a link, changed where it belongs
    expect(byName('status').writable).toBe(false); // a reserved value only a use case gives
    expect(formFields({ ...deal, may_edit: false }, row).some((f) => f.writable)).toBe(false);
  });

  it('offers the choices a person may pick, never the reserved ones', () => {
    expect(pickable(byName('status').field)).toEqual(['new', 'working']);
    expect(pickable(byName('stage').field, ['qualification', 'won'])).toEqual(['qualification', 'won']);
    expect(pickable(byName('stage').field, null)).toEqual([]);
  });

  it('sends only changed writable fields, a local time as an exact moment', () => {
    const forms = formFields(deal, row);
    const draft = Object.fromEntries(forms.map((f) => [f.field.name, f.text]));
    expect(changedFields(forms, draft)).toEqual({});
    const local = '2026-12-03T09:30';
    const changed = changedFields(forms, { ...draft, name: '云杉 两年订阅', notes: 'call back', status: 'new', done_at: local, account_id: 'a2' });
    expect(changed).toEqual({ name: '云杉 两年订阅', notes: 'call back', done_at: new Date(local).toISOString() });
    // Clearing an optional field sends empty text (the core clears it).
    expect(changedFields(forms, { ...draft, close_date: '' })).toEqual({ close_date: '' });
  });

  it('shows values in the user’s locale, choices translated, references by name', () => {
    const t = i18next.t.bind(i18next) as never;
    expect(shownValue('opportunity', byName('amount').field, row, 'en-US', t)).toBe('CN¥120,000.50');
    expect(shownValue('opportunity', byName('stage').field, row, 'en-US', t)).toBe('Proposal');
    expect(shownValue('opportunity', byName('close_date').field, row, 'en-US', t)).toBe('Dec 31, 2026');
    expect(shownValue('opportunity', byName('account_id').field, row, 'en-US', t)).toBe('上海云杉科技有限公司');
    expect(shownValue('opportunity', byName('notes').field, row, 'en-US', t)).toBe('—');
    expect(shownValue('lead', byName('status').field, row, 'en-US', t)).toBe('Converted');
    const contact = { ...row, fields: { preferred_channel: 'mail' } };
    expect(shownValue('contact', field('preferred_channel', 'choice', { choices: ['mail'] }), contact, 'en-US', t)).toBe('Post');
  });
});

describe('names of referenced records', () => {
  it('asks only for references set and not yet named', () => {
    const bare = { ...row, titles: { owner_id: 'Li Wei' } };
    expect(missingTitles(deal, bare)).toEqual([{ field: 'account_id', kind: 'account', id: 'a1' }]);
    expect(missingTitles(deal, row)).toEqual([]);
  });
});

describe('values as typed text', () => {
  it('turns minor units into exact decimal text per currency', () => {
    expect(minorToText(12000050, 'CNY')).toBe('120000.50');
    expect(minorToText(5, 'USD')).toBe('0.05');
    expect(minorToText(-300, 'EUR')).toBe('-3.00');
    expect(minorToText(1500, 'JPY')).toBe('1500');
  });

  it('turns a moment into a datetime-local value in local time and back', () => {
    const ms = new Date(2026, 11, 3, 9, 5).getTime();
    expect(localDateTimeInput(ms)).toBe('2026-12-03T09:05');
    expect(fieldText(field('done_at', 'date_time'), ms, null)).toBe('2026-12-03T09:05');
    expect(fieldText(field('ok', 'bool'), true, null)).toBe('yes');
  });
});

describe('a refusal is said next to its field', () => {
  it('names the field of a refused value, else none', () => {
    expect(errorField(new BackendError({ code: 'invalid', message_key: 'problem.email', params: {}, field: 'email' }))).toBe('email');
    expect(errorField(new BackendError({ code: 'invalid', message_key: 'problem.email', params: { field: 'phones' } }))).toBe('phones');
    expect(errorField(new BackendError({ code: 'forbidden', message_key: 'error.forbidden', params: { entity: 'task' } }))).toBeNull();
    expect(errorField({ code: 'invalid', message_key: 'problem.date', params: {}, field: 'close_date' })).toBe('close_date');
    expect(errorField(new TypeError('Failed to fetch'))).toBeNull();
  });
});

describe('where records are shown', () => {
  it('links every kind to its page and back to its list', () => {
    expect(recordHash('account', 'a1')).toBe('#/accounts/a1');
    expect(recordHash('opportunity', 'd1')).toBe('#/records/opportunity/d1');
    expect(parseRoute(recordHash('contact', 'c 1'))).toEqual({ screen: 'record', kind: 'contact', id: 'c 1' });
    expect(routeHash({ screen: 'record', kind: 'task', id: 't1' })).toBe('#/records/task/t1');
    expect(parseRoute('#/records/exchange_rate')).toEqual({ screen: 'records', kind: 'exchange_rate' });
    expect(listHash('opportunity')).toBe('#/pipeline');
    expect(listHash('contact')).toBe('#/contacts');
    expect(listHash('exchange_rate')).toBe('#/records/exchange_rate');
  });

  it('translates choices with the sections the app has', () => {
    expect(choiceLabelKey('opportunity', 'stage', 'won')).toBe('stage.won');
    expect(choiceLabelKey('lead', 'status', 'new')).toBe('lead_status.new');
    expect(choiceLabelKey('interaction', 'kind', 'call')).toBe('kind.call');
    expect(choiceLabelKey('account', 'kind', 'company')).toBe('record_page.choice.kind.company');
  });
});

describe('the undo key', () => {
  const key = (k: string, more: Partial<Parameters<typeof isUndoKey>[0]> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    target: null,
    ...more,
  });
  it('is Ctrl+Z or ⌘Z outside a text field, never redo or typing', () => {
    expect(isUndoKey(key('z', { ctrlKey: true }))).toBe(true);
    expect(isUndoKey(key('Z', { metaKey: true }))).toBe(true);
    expect(isUndoKey(key('z'))).toBe(false);
    expect(isUndoKey(key('z', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isUndoKey(key('z', { ctrlKey: true, target: { tagName: 'INPUT' } as unknown as EventTarget }))).toBe(false);
  });
});
