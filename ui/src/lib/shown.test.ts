import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../i18n/en';
import zh from '../i18n/zh';
import type { ConflictRow } from '../backend';
import { groupConflicts, shownText } from './shown';

const i18n = i18next.createInstance();
beforeAll(() => i18n.init({ lng: 'en', resources: { en: { translation: en }, zh: { translation: zh } } }));

describe('conflict values', () => {
  it('show money in the record’s currency with the locale’s format', () => {
    expect(shownText(i18n.t, { type: 'money', minor: 1_500_000, currency: 'EUR' }, 'en-US')).toBe('€15,000.00');
  });

  it('name stages and statuses in the chosen language, by key', () => {
    const stage = { type: 'choice', group: 'stage', key: 'negotiation' } as const;
    expect(shownText(i18n.t, stage, 'en-US')).toBe('Negotiation');
    expect(shownText(i18n.getFixedT('zh'), stage, 'zh-CN')).toBe(zh.stage.negotiation);
    // A stage the UI does not know (a custom pipeline) still shows something.
    expect(shownText(i18n.t, { type: 'choice', group: 'stage', key: 'pilot' }, 'en-US')).toBe('pilot');
  });

  it('say what a deletion against an edit was about', () => {
    expect(shownText(i18n.t, { type: 'deleted' }, 'en-US')).toBe(en.sync.value.deleted);
    const edits = shownText(i18n.t, { type: 'edits', fields: ['phone', 'notes'] }, 'en-US');
    expect(edits).toContain(en.field.phone);
    expect(edits).toContain(en.field.notes);
  });

  it('never show an empty cell for a missing value', () => {
    expect(shownText(i18n.t, { type: 'empty' }, 'en-US')).toBe(en.sync.value.empty);
    expect(shownText(i18n.t, { type: 'text', value: '' }, 'en-US')).toBe(en.sync.value.empty);
  });
});

describe('conflict grouping', () => {
  const row = (id: string, record: string | null, field: string, at: string): ConflictRow => ({
    id,
    entity: 'opportunity',
    record_id: record,
    record_name: 'Deal',
    // As the core keys them: one record, one edit, the same two people.
    decision: record ? `${record}|${at}|Li|Boss` : id,
    field,
    base: { type: 'empty' },
    mine: { type: 'empty' },
    theirs: { type: 'empty' },
    mine_by: 'Li',
    theirs_by: 'Boss',
    created_at: at,
  });

  it('makes one decision of the fields one edit changed together, stage first', () => {
    const groups = groupConflicts([
      row('1', 'd1', 'probability', '2026-11-23T04:06:00Z'),
      row('2', 'd1', 'stage', '2026-11-23T04:06:00Z'),
      row('3', 'd2', 'amount', '2026-11-23T04:06:00Z'),
      row('4', 'd1', 'amount', '2026-11-23T05:00:00Z'),
    ]);
    expect(groups.map((g) => g.map((c) => c.id))).toEqual([['2', '1'], ['3'], ['4']]);
  });

  it('shows a probability as a percentage in the locale’s format', () => {
    expect(shownText(i18n.t, { type: 'number', value: 75 }, 'en-US', 'probability')).toBe('75%');
    expect(shownText(i18n.t, { type: 'number', value: 75 }, 'es-ES', 'probability')).toMatch(/^75\s%$/);
  });
});
