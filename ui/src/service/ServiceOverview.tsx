// Service overview (#/service): the manager's view of the desk. Open cases
// by status and priority, how many are breached or at risk, then per
// engineer, category and month the load, the breaches, the median working
// time to resolve and the customers' satisfaction, to pick who takes a hard
// case. Every figure is the core's (service_view); this only says them.

import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServiceRow, ServiceView } from '../backend';
import { useApp } from '../context';
import { formatNumber } from '../lib/format';
import { choiceLabelKey } from '../lib/record';
import { workingTime } from './lib';
import { byPriority, byStatus, formatAverage, monthLabel } from './overview';

export default function ServiceOverview() {
  const { t } = useTranslation();
  const { backend, fail, locale } = useApp();
  const [view, setView] = useState<ServiceView | null>(null);

  useEffect(() => {
    let live = true;
    backend.call('service_view').then((v) => live && setView(v), fail);
    return () => {
      live = false;
    };
  }, [backend, fail]);

  const n = (x: number) => formatNumber(x, locale);

  return (
    <section aria-labelledby="service-title" className="service-overview">
      <header className="screen-head">
        <h1 id="service-title">{t('service.title')}</h1>
      </header>
      {view === null ? (
        <p>{t('common.loading')}</p>
      ) : (
        <>
          <div className="service-figures">
            <Figures title={t('service.by_status')} id="service-status" testId="service-by-status">
              {byStatus(view.by_status).map(([key, c]) => (
                <Figure key={key} label={t(choiceLabelKey('case', 'status', key), { defaultValue: key })} value={n(c)} />
              ))}
            </Figures>
            <Figures title={t('service.by_priority')} id="service-priority" testId="service-by-priority">
              {byPriority(view.by_priority).map(([key, c]) => (
                <Figure key={key} label={t(choiceLabelKey('case', 'priority', key), { defaultValue: key })} value={n(c)} />
              ))}
            </Figures>
            <Figures title={t('service.clocks')} id="service-clocks" testId="service-clocks">
              <Figure label={t('cases.breached')} value={n(view.breached)} late={view.breached > 0} testId="service-breached" />
              <Figure label={t('cases.at_risk')} value={n(view.at_risk)} testId="service-at-risk" />
            </Figures>
          </div>
          <RowTable
            id="service-engineers"
            title={t('service.engineers')}
            first={t('service.engineer')}
            rows={view.engineers}
            label={(r) => r.name ?? (r.key === '' ? t('service.unassigned') : t('common.missing_record'))}
            empty={t('service.none')}
          />
          <RowTable
            id="service-categories"
            title={t('service.categories')}
            first={t('field.category')}
            rows={view.categories}
            label={(r) => (r.key === '' ? t('service.no_category') : r.key)}
            empty={t('service.none')}
          />
          <RowTable
            id="service-months"
            title={t('service.months')}
            first={t('service.month')}
            rows={view.months}
            label={(r) => monthLabel(r.key, locale)}
            empty={t('service.none')}
          />
        </>
      )}
    </section>
  );
}

/** A group of key numbers under a title. */
function Figures({ title, id, testId, children }: { title: string; id: string; testId: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id} data-testid={testId}>
      <h2 id={id}>{title}</h2>
      <dl className="figures">{children}</dl>
    </section>
  );
}

function Figure({ label, value, late, testId }: { label: string; value: string; late?: boolean; testId?: string }) {
  return (
    <div className={late ? 'late' : undefined} data-testid={testId}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** One of the three tables: a person, a category or a month per row. */
function RowTable({
  id,
  title,
  first,
  rows,
  label,
  empty,
}: {
  id: string;
  title: string;
  first: string;
  rows: ServiceRow[];
  label: (row: ServiceRow) => string;
  empty: string;
}) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const n = (x: number) => formatNumber(x, locale);
  const none = t('common.none');
  return (
    <div className="service-table">
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        // Focusable so that the keyboard reaches and scrolls a table wider than the window.
        <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={id}>
          <table className="grid service-rows" aria-labelledby={id} data-testid={id}>
            <thead>
              <tr>
                <th scope="col">{first}</th>
                <th scope="col" className="num">
                  {t('service.open')}
                </th>
                <th scope="col" className="num">
                  {t('cases.breached')}
                </th>
                <th scope="col" className="num">
                  {t('cases.at_risk')}
                </th>
                <th scope="col" className="num">
                  {t('service.resolved')}
                </th>
                <th scope="col" className="num">
                  {t('service.median_resolution')}
                </th>
                <th scope="col" className="num">
                  {t('service.csat')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-key={r.key}>
                  <th scope="row">{label(r)}</th>
                  <td className="num">{n(r.open)}</td>
                  <td className={r.breached > 0 ? 'num late' : 'num'}>{n(r.breached)}</td>
                  <td className="num">{n(r.at_risk)}</td>
                  <td className="num">{n(r.resolved)}</td>
                  <td className="num nowrap">{r.median_resolution_minutes === null ? none : workingTime(t, r.median_resolution_minutes)}</td>
                  <td className="num nowrap" data-testid="service-csat">
                    {r.csat === null ? none : t('service.csat_value', { average: formatAverage(r.csat, locale), count: r.csat_answers })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
