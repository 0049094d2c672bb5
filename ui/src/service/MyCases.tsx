// Today's "My cases needing attention": the user's cases past a due time,
// then those within a warning window, each with what its clocks say.

import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseLine } from '../backend';
import { useApp } from '../context';
import { routeHash } from '../lib/route';
import { ClockCell, Priority } from './Badges';
import { attention, isBreached, pressing, text } from './lib';

/** At most this many cases on Today; the Cases screen has the rest. */
const SHOWN = 10;

export default function MyCases() {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [lines, setLines] = useState<CaseLine[] | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([
      backend.call('cases', { queue: 'breached', mine: true, limit: SHOWN }),
      backend.call('cases', { queue: 'at_risk', mine: true, limit: SHOWN }),
    ]).then(([breached, atRisk]) => live && setLines(attention(breached, atRisk, SHOWN)), fail);
    return () => {
      live = false;
    };
  }, [backend, fail]);

  return (
    <section className="card" aria-labelledby="my-cases-title">
      <h2 id="my-cases-title">
        {t('today.my_cases')} {lines && <span className="count">{lines.length}</span>}
        <a className="push-end small nowrap" href={routeHash({ screen: 'cases' })}>
          {t('today.all_cases')}
        </a>
      </h2>
      {lines === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : lines.length === 0 ? (
        <p className="muted">{t('today.no_cases')}</p>
      ) : (
        <ul className="tasks my-cases">
          {lines.map((line) => {
            const c = line.case;
            const clock = line.clock;
            const due = clock && pressing(clock);
            return (
              <li key={c.id} data-breached={isBreached(line) || undefined}>
                <Priority priority={text(c, 'priority') ?? 'normal'} />
                <div className="grow">
                  <a href={routeHash({ screen: 'case', id: c.id })}>
                    {text(c, 'number')} · {text(c, 'subject')}
                  </a>
                  <div className="small case-meta">
                    {c.titles.account_id && <span className="muted">{c.titles.account_id}</span>}
                    {due && <ClockCell due={due} />}
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
