import { describe, expect, it } from 'vitest';
import type { RecordRow } from '../backend';
import { mailtoHref, telHref } from './format';
import { activityOf, emptyPlan, followUp, isPlannedActivity, planFields, startsAt } from './plan';

const task = (fields: RecordRow['fields']): RecordRow => ({
  entity: 'task',
  id: '0190a1b2-0000-7000-8000-000000000001',
  fields,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  deleted: false,
  titles: {},
});

describe('planning', () => {
  const monday = new Date(2026, 11, 7, 15, 42); // local time

  it('offers a visit tomorrow at ten by default', () => {
    expect(emptyPlan(monday)).toMatchObject({ activity: 'visit', date: '2026-12-08', time: '10:00' });
  });

  it('offers a follow-up call in three days, at the hour, with the same person', () => {
    expect(followUp('Follow up: quote', 'c1', monday)).toEqual({
      activity: 'call',
      title: 'Follow up: quote',
      date: '2026-12-10',
      time: '15:00',
      place: '',
      contact_id: 'c1',
    });
  });

  it('sends the day as the due date and the local time as a moment with its offset', () => {
    const fields = planFields(
      { activity: 'visit', title: 'Factory tour', date: '2026-12-08', time: '10:00', place: ' Calle Mayor 1 ', contact_id: '' },
      'acc',
    );
    expect(fields).toEqual({
      title: 'Factory tour',
      account_id: 'acc',
      activity: 'visit',
      due_date: '2026-12-08',
      starts_at: new Date(2026, 11, 8, 10, 0).toISOString(),
      place: ' Calle Mayor 1 ',
    });
  });

  it('leaves out what was not given, and a to-do carries no activity', () => {
    const fields = planFields({ activity: 'todo', title: 'Quote', date: '2026-12-08', time: '', place: '  ', contact_id: '' }, 'acc');
    expect(fields).toEqual({ title: 'Quote', account_id: 'acc', due_date: '2026-12-08' });
  });

  it('reads a task without an activity as a to-do', () => {
    expect(activityOf(task({ title: 'x' }))).toBe('todo');
    expect(activityOf(task({ title: 'x', activity: null }))).toBe('todo');
    expect(activityOf(task({ title: 'x', activity: 'meeting' }))).toBe('meeting');
    expect(isPlannedActivity(task({ activity: 'todo' }))).toBe(false);
    expect(isPlannedActivity(task({ activity: 'call' }))).toBe(true);
    expect(startsAt(task({ starts_at: Date.UTC(2026, 11, 8, 9) }))).toBe('2026-12-08T09:00:00.000Z');
    expect(startsAt(task({}))).toBeNull();
  });
});

describe('contact links', () => {
  it('dial the digits of a stored number and mail the address', () => {
    expect(telHref('+86 21 5555-0101')).toBe('tel:+862155550101');
    expect(mailtoHref('ana.mendez@example.com')).toBe('mailto:ana.mendez@example.com');
    expect(mailtoHref('a b@x.com')).toBe('mailto:a%20b@x.com');
  });
});
