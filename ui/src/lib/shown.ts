// A conflict's values arrive typed (crm_app::Shown): money with its
// currency, a stage or status by key, a person by name. This turns one into
// text in the user's language for the side-by-side view.
import type { TFunction } from 'i18next';
import type { ConflictRow, Shown } from '../backend';
import { formatMoney, formatNumber } from './format';

export function shownText(t: TFunction, value: Shown, locale: string, field?: string): string {
  if (value.type === 'number' && field === 'probability') {
    return new Intl.NumberFormat(locale, { style: 'percent' }).format(value.value / 100);
  }
  switch (value.type) {
    case 'empty':
      return t('sync.value.empty');
    case 'text':
      return value.value === '' ? t('sync.value.empty') : value.value;
    case 'number':
      return formatNumber(value.value, locale);
    case 'money':
      return formatMoney(value.minor, value.currency, locale);
    case 'choice':
      return t(`${value.group}.${value.key}`, { defaultValue: value.key });
    case 'bool':
      return value.value ? t('sync.value.yes') : t('sync.value.no');
    case 'person':
      return value.name;
    case 'record':
      return value.name ?? t('sync.value.unknown_record');
    case 'deleted':
      return t('sync.value.deleted');
    case 'edits':
      return t('sync.value.edits', {
        fields: value.fields.map((f) => t(`field.${f}`, { defaultValue: f })).join(', '),
      });
  }
}

/** Conflicts of one record that arose from one edit (a deal moved: stage and
 * probability together) form one decision: the core gives them the same
 * `decision` key, and counts decisions by it (`SyncStatus.conflicts`).
 * Order is kept. */
export function groupConflicts(rows: ConflictRow[]): ConflictRow[][] {
  const groups = new Map<string, ConflictRow[]>();
  for (const row of rows) {
    const key = row.decision;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field)));
}

/** The field a person decides by first: the stage before its probability. */
function fieldOrder(field: string): number {
  const first = ['*', 'stage', 'status', 'lifecycle', 'amount', 'owner_id'];
  const i = first.indexOf(field);
  return i < 0 ? first.length : i;
}
