// Cases (#/cases): a queue (open, breached, at risk, escalated, all), only
// mine, a priority; breached cases first, then by working time left, as the
// core orders them. Each row says both clocks in words; a breached row says
// so in words too. Arrows go from case to case, Enter opens one.

import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseLine, CaseQueue } from '../backend';
import { useApp } from '../context';
import { onListKeys } from '../lib/listKeys';
import { choiceLabelKey, recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { CaseStatus, ClockCell, Escalation, Priority } from './Badges';
import NewCase from './NewCase';
import { ESCALATED } from './escalation';
import { PRIORITIES, QUEUES, isBreached, text } from './lib';

export default function Cases() {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [queue, setQueue] = useState<CaseQueue>('open');
  const [mine, setMine] = useState(false);
  const [priority, setPriority] = useState('');
  const [lines, setLines] = useState<CaseLine[] | null>(null);
  const [opening, setOpening] = useState(false);
  const tabs = useRef<HTMLDivElement>(null);

  const load = useCallback(() => {
    let live = true;
    backend.call('cases', { queue, mine, priority: priority || null, limit: 200 }).then((l) => live && setLines(l), fail);
    return () => {
      live = false;
    };
  }, [backend, fail, queue, mine, priority]);
  useEffect(load, [load]);
  // An escalation pass that changed cases (priorities raised, marks added) redraws the queue.
  useEffect(() => {
    const again = () => void load();
    window.addEventListener(ESCALATED, again);
    return () => window.removeEventListener(ESCALATED, again);
  }, [load]);

  const choose = (q: CaseQueue) => {
    setQueue(q);
    setLines(null);
  };
  const onTabKey = (e: KeyboardEvent) => {
    const i = QUEUES.indexOf(queue);
    const next = e.key === 'ArrowRight' ? (i + 1) % QUEUES.length : e.key === 'ArrowLeft' ? (i + QUEUES.length - 1) % QUEUES.length : -1;
    if (next < 0) return;
    e.preventDefault();
    choose(QUEUES[next]);
    tabs.current?.querySelectorAll<HTMLElement>('[role=tab]')[next]?.focus();
  };

  return (
    <section aria-labelledby="cases-title" className="cases">
      <header className="screen-head">
        <h1 id="cases-title">{t('cases.title')}</h1>
        {lines && <span className="count" data-testid="case-count">{t('cases.count', { count: lines.length })}</span>}
        <button type="button" className="primary push-end" onClick={() => setOpening(true)}>
          {t('cases.new')}
        </button>
      </header>
      <div className="case-filters">
        <div className="tabs" role="tablist" aria-label={t('cases.queues')} ref={tabs} onKeyDown={onTabKey}>
          {QUEUES.map((q) => (
            <button
              key={q}
              type="button"
              role="tab"
              id={`queue-${q}`}
              aria-controls="cases-panel"
              aria-selected={queue === q}
              tabIndex={queue === q ? 0 : -1}
              onClick={() => choose(q)}
            >
              {t(`cases.queue.${q}`)}
            </button>
          ))}
        </div>
        <label className="check">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> {t('cases.mine')}
        </label>
        <label className="inline-filter">
          {t('field.priority')}
          <select value={priority} onChange={(e) => setPriority(e.target.value)}>
            <option value="">{t('common.any')}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(choiceLabelKey('case', 'priority', p))}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div id="cases-panel" role="tabpanel" aria-labelledby={`queue-${queue}`}>
        {lines === null ? (
          <p>{t('common.loading')}</p>
        ) : lines.length === 0 ? (
          <p className="muted">{t(`cases.none.${queue}`)}</p>
        ) : (
          <div className="table-scroll">
            <table className="grid documents cases-table" aria-labelledby="cases-title">
              <thead>
                <tr>
                  <th scope="col">{t('field.number')}</th>
                  <th scope="col">{t('field.subject')}</th>
                  <th scope="col">{t('field.account_id')}</th>
                  <th scope="col">{t('field.priority')}</th>
                  <th scope="col">{t('field.status')}</th>
                  <th scope="col">{t('cases.first_response')}</th>
                  <th scope="col">{t('cases.resolution')}</th>
                </tr>
              </thead>
              <tbody onKeyDown={onListKeys}>
                {lines.map((line) => (
                  <CaseRow key={line.case.id} line={line} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {opening && (
        <NewCase
          onClose={() => setOpening(false)}
        />
      )}
    </section>
  );
}

function CaseRow({ line }: { line: CaseLine }) {
  const { t } = useTranslation();
  const c = line.case;
  const account = text(c, 'account_id');
  const breached = isBreached(line);
  const level = Number(line.level);
  return (
    <tr data-breached={breached || undefined} data-case={c.id}>
      <td className="nowrap">
        <a href={routeHash({ screen: 'case', id: c.id })} data-row>
          {text(c, 'number') ?? t('common.none')}
        </a>
        {breached && (
          <div>
            <span className="badge late" data-testid="case-breached">
              {t('cases.breached')}
            </span>
          </div>
        )}
      </td>
      <td className="subject">{text(c, 'subject')}</td>
      <td>{account ? <a href={recordHash('account', account)}>{c.titles.account_id ?? t('common.missing_record')}</a> : t('common.none')}</td>
      <td className="nowrap">
        <Priority priority={text(c, 'priority') ?? 'normal'} />
        {level > 0 && (
          <div>
            <Escalation level={level} />
          </div>
        )}
      </td>
      <td className="nowrap">
        <CaseStatus status={text(c, 'status') ?? 'new'} />
      </td>
      <td data-testid="clock-first-response">{line.clock ? <ClockCell due={line.clock.first_response} /> : <span className="muted">{t('cases.no_policy')}</span>}</td>
      <td data-testid="clock-resolution">{line.clock ? <ClockCell due={line.clock.resolution} /> : <span className="muted">{t('common.none')}</span>}</td>
    </tr>
  );
}
