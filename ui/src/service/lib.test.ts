import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError, type CaseLine, type Due, type RecordRow } from '../backend';
import { initI18n } from '../i18n';
import { errorMessage } from '../lib/errors';
import { choiceLabelKey, listHash, recordHash } from '../lib/record';
import { parseRoute, routeHash } from '../lib/route';
import { hitHref } from '../components/SearchPalette';
import { attention, caseMoves, caseStory, clockState, clockText, isAtRisk, isBreached, openClock, pressing, workingTime } from './lib';

beforeAll(async () => {
  await initI18n('en');
  await i18next.loadLanguages(['zh', 'es']);
});

const t = ((...args: Parameters<typeof i18next.t>) => i18next.t(...args)) as typeof i18next.t;

function row(entity: RecordRow['entity'], id: string, fields: RecordRow['fields']): RecordRow {
  return { entity, id, fields, created_at: '', updated_at: '', deleted: false, titles: {} };
}

/** A clock as the core sends it. */
type Sent = Partial<Due>;
const due = (d: Sent): Due => ({ due: null, met: null, left: null, breached: false, at_risk: false, ...d }) as Due;

function line(id: string, first: Sent, resolution: Sent = {}): CaseLine {
  return { case: row('case', id, {}), clock: { first_response: due(first), resolution: due(resolution) }, level: 0 };
}

describe('a case’s clock in words', () => {
  it('says working time as hours and minutes, in each language', async () => {
    await i18next.changeLanguage('en');
    expect(workingTime(t, 130)).toBe('2h 10m');
    expect(workingTime(t, 45)).toBe('45m');
    expect(workingTime(t, 180)).toBe('3h');
    expect(workingTime(t, 0)).toBe('under 1m');
    // Two working days are hours of working time, not calendar days.
    expect(workingTime(t, 2 * 9 * 60)).toBe('18h');
    await i18next.changeLanguage('zh');
    expect(workingTime(t, 130)).toBe('2 小时 10 分钟');
    expect(clockText(t, due({ due: 5, left: 0, breached: true }))).toBe('已超时 不到 1 分钟');
    await i18next.changeLanguage('es');
    expect(workingTime(t, 130)).toBe('2 h 10 min');
    await i18next.changeLanguage('en');
  });

  it('tells met, met late, time left, breached and paused apart', async () => {
    await i18next.changeLanguage('en');
    expect(clockText(t, due({ due: 2, met: 1 }))).toBe('Met');
    expect(clockText(t, due({ due: 1, met: 2, breached: true }))).toBe('Met late');
    expect(clockText(t, due({ due: 5, left: 130 }))).toBe('2h 10m left');
    expect(clockText(t, due({ due: 5, left: -45, breached: true }))).toBe('Breached by 45m');
    // No due time but time left: the clock waits with the customer.
    expect(clockText(t, due({ due: null, left: 120 }))).toBe('Paused · 2h left');
    expect(clockState(due({ due: 5, left: 30, at_risk: true }))).toEqual({ state: 'left', minutes: 30, due: 5, atRisk: true });
    await i18next.changeLanguage('zh');
    expect(clockText(t, due({ due: 5, left: -45, breached: true }))).toBe('已超时 45 分钟');
    await i18next.changeLanguage('en');
  });

  it('marks a case breached or at risk from either clock, and picks the clock that presses', () => {
    const breached = line('b', { met: 10, due: 5, breached: true });
    const risky = line('r', { met: 1, due: 5 }, { due: 50, left: 20, at_risk: true });
    expect(isBreached(breached)).toBe(true);
    expect(isAtRisk(breached)).toBe(false);
    expect(isAtRisk(risky)).toBe(true);
    expect(isBreached({ clock: null })).toBe(false);
    // The first answer was met (late): the resolution is what needs doing.
    expect(pressing(breached.clock!)).toBe(breached.clock!.resolution);
    const unanswered = line('u', { due: 5, left: -3, breached: true });
    expect(pressing(unanswered.clock!)).toBe(unanswered.clock!.first_response);
  });

  it('says an open case’s pressing clock on the account page, and none for a done case', () => {
    const withStatus = (l: CaseLine, status: string): CaseLine => ({ ...l, case: row('case', l.case.id, { status }) });
    const unanswered = withStatus(line('u', { due: 5, left: -3, breached: true }, { due: 50, left: 40 }), 'new');
    expect(openClock(unanswered)).toEqual({ target: 'first_response', due: unanswered.clock!.first_response });
    const answered = withStatus(line('a', { met: 1, due: 5 }, { due: 50, left: 40 }), 'waiting');
    expect(openClock(answered)).toEqual({ target: 'resolution', due: answered.clock!.resolution });
    // A resolved case's clocks are history, not a task; no policy, no clock.
    expect(openClock(withStatus(answered, 'resolved'))).toBeNull();
    expect(openClock(withStatus(answered, 'closed'))).toBeNull();
    expect(openClock({ ...unanswered, clock: null })).toBeNull();
  });

  it('lists each case once, breached first, at most the limit', () => {
    const a = line('a', {});
    const b = line('b', {});
    const c = line('c', {});
    expect(attention([a, b], [b, c], 10).map((l) => l.case.id)).toEqual(['a', 'b', 'c']);
    expect(attention([a, b], [c], 2).map((l) => l.case.id)).toEqual(['a', 'b']);
  });
});

describe('a case’s flow', () => {
  it('offers only the moves the core allows', () => {
    expect(caseMoves('new')).toEqual(['in_progress', 'waiting', 'resolved', 'closed']);
    expect(caseMoves('in_progress')).toEqual(['waiting', 'resolved', 'closed']);
    expect(caseMoves('waiting')).toEqual(['in_progress', 'resolved', 'closed']);
    // Done cases come back only by reopening.
    expect(caseMoves('resolved')).toEqual(['reopened', 'closed']);
    expect(caseMoves('closed')).toEqual(['reopened']);
    expect(caseMoves('whatever')).toEqual([]);
  });

  it('tells its story newest first, what a reply caused above it, the opening last', () => {
    const c = row('case', 'c1', { opened_at: 1000 });
    const reply = row('interaction', 'i1', { occurred_at: 2000, subject: 'Re' });
    const moved = row('case_event', 'e1', { at: 2000, kind: 'status', from_status: 'new', to_status: 'in_progress' });
    const resolved = row('case_event', 'e2', { at: 3000, kind: 'status', from_status: 'in_progress', to_status: 'resolved' });
    const story = caseStory(c, [moved, resolved], [reply]);
    expect(story.map((e) => e.key)).toEqual(['e2', 'e1', 'i1', 'opened']);
    expect(story.map((e) => e.type)).toEqual(['event', 'event', 'contact', 'opened']);
  });
});

describe('service in the app’s words', () => {
  it('translates the refusals of the flow with their parameters', async () => {
    await i18next.changeLanguage('en');
    const move = new BackendError({ code: 'case_move', message_key: 'error.case_move', params: { number: 'C-00001', from: 'closed', to: 'resolved' } });
    expect(errorMessage(t, move)).toBe('Case C-00001 is Closed: “Resolve” is not possible from there.');
    const closed = new BackendError({ code: 'case_closed', message_key: 'error.case_closed', params: { number: 'C-00001', status: 'resolved' } });
    expect(errorMessage(t, closed)).toBe('Case C-00001 is Resolved: reopen it before replying.');
    await i18next.changeLanguage('zh');
    const early = new BackendError({ code: 'case_not_resolved', message_key: 'error.case_not_resolved', params: { number: 'C-00002', status: 'in_progress' } });
    expect(errorMessage(t, early)).toBe('工单 C-00002 当前为“处理中”：解决后才能记录满意度。');
    // The same refusal of a case's story, said as the knowledge base's.
    expect(errorMessage(t, new BackendError({ ...early.error, message_key: 'kb.case_open' }))).toBe('工单 C-00002 当前为“处理中”：解决后才能据此撰写文章。');
    await i18next.changeLanguage('es');
    expect(errorMessage(t, move)).toBe('El caso C-00001 está «Cerrado»: desde ahí no se puede «Resolver».');
    await i18next.changeLanguage('en');
  });

  it('translates the new kinds’ choices once for the fields that share them', async () => {
    await i18next.changeLanguage('es');
    expect(t(choiceLabelKey('case', 'priority', 'urgent'))).toBe('Urgente');
    expect(t(choiceLabelKey('sla_policy', 'raise_to', 'high'))).toBe('Alta');
    expect(t(choiceLabelKey('case_event', 'to_status', 'waiting'))).toBe('Esperando al cliente');
    expect(t(choiceLabelKey('survey', 'source', 'staff'))).toBe('Registrada por el personal');
    // A lead's statuses stay the lead's.
    expect(choiceLabelKey('lead', 'status', 'new')).toBe('lead_status.new');
    await i18next.changeLanguage('en');
  });

  it('routes cases and articles to their own pages, from lists and from search', () => {
    expect(parseRoute('#/cases')).toEqual({ screen: 'cases' });
    expect(parseRoute(routeHash({ screen: 'case', id: 'c 1' }))).toEqual({ screen: 'case', id: 'c 1' });
    expect(parseRoute('#/kb')).toEqual({ screen: 'kb' });
    expect(parseRoute('#/kb/a1')).toEqual({ screen: 'article', id: 'a1' });
    // An article written from a case: the case rides along, encoded.
    expect(routeHash({ screen: 'kb', fromCase: 'c 1/2' })).toBe('#/kb/new?case=c%201%2F2');
    expect(parseRoute(routeHash({ screen: 'kb', fromCase: 'c 1/2' }))).toEqual({ screen: 'kb', fromCase: 'c 1/2' });
    expect(parseRoute('#/kb/new?other=1')).toEqual({ screen: 'kb' });
    expect(routeHash({ screen: 'kb' })).toBe('#/kb');
    expect(recordHash('case', 'c1')).toBe('#/cases/c1');
    expect(recordHash('article', 'a1')).toBe('#/kb/a1');
    expect(recordHash('sla_policy', 'p1')).toBe('#/records/sla_policy/p1');
    expect(listHash('case')).toBe('#/cases');
    const hit = { entity: 'case', id: 'c1', title: 'Printer', detail: 'C-00001', account_id: 'a1', occurred_at: null } as const;
    expect(hitHref(hit)).toBe('#/cases/c1');
    expect(hitHref({ ...hit, entity: 'article', id: 'k1', account_id: null })).toBe('#/kb/k1');
  });
});
