// The account page's Cases section, from one account_cases call: the open
// cases first (breached first, their pressing clock in words), then the
// resolved and closed ones, newest first. New case opens the case dialog
// with this customer already chosen.

import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseLine } from '../backend';
import { useApp } from '../context';
import { routeHash } from '../lib/route';
import { CaseStatus, ClockCell, Escalation, Priority } from './Badges';
import NewCase from './NewCase';
import { ESCALATED } from './escalation';
import { isBreached, isOpenStatus, openClock, text } from './lib';

/** As many as the page shows: the Cases screen has the rest. */
const SHOWN = 20;

export default function AccountCases({ account }: { account: { id: string; name: string } }) {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [lines, setLines] = useState<CaseLine[] | null>(null);
  const [opening, setOpening] = useState(false);

  const load = useCallback(() => {
    let live = true;
    backend.call('account_cases', { account_id: account.id, limit: SHOWN }).then((l) => live && setLines(l), fail);
    return () => {
      live = false;
    };
  }, [backend, fail, account.id]);
  useEffect(load, [load]);
  // An escalation pass may have raised a priority or marked a case.
  useEffect(() => {
    const again = () => void load();
    window.addEventListener(ESCALATED, again);
    return () => window.removeEventListener(ESCALATED, again);
  }, [load]);

  return (
    <section className="card account-cases" aria-labelledby="account-cases-title">
      <div className="row card-head">
        <h2 id="account-cases-title">
          {t('cases.title')} {lines && <span className="count">{lines.length}</span>}
        </h2>
        <span className="row heading-actions">
          <button type="button" className="small" onClick={() => setOpening(true)}>
            + {t('cases.new')}
          </button>
        </span>
      </div>
      {lines === null ? (
        <p className="muted small">{t('common.loading')}</p>
      ) : lines.length === 0 ? (
        <p className="muted small">{t('cases.account_none')}</p>
      ) : (
        <ul className="plain account-case-list" aria-labelledby="account-cases-title">
          {lines.map((line) => (
            <AccountCase key={line.case.id} line={line} />
          ))}
        </ul>
      )}
      {opening && (
        <NewCase
          account={account}
          onClose={() => setOpening(false)}
        />
      )}
    </section>
  );
}

function AccountCase({ line }: { line: CaseLine }) {
  const { t } = useTranslation();
  const c = line.case;
  const status = text(c, 'status') ?? 'new';
  const open = isOpenStatus(status);
  const clock = openClock(line);
  return (
    <li data-case={c.id} data-breached={(open && isBreached(line)) || undefined}>
      <div className="account-case-head">
        <span className="case-number nowrap">{text(c, 'number')}</span>
        <a href={routeHash({ screen: 'case', id: c.id })} className="account-case-subject">
          {text(c, 'subject')}
        </a>
      </div>
      <div className="account-case-facts small">
        <CaseStatus status={status} />
        <Priority priority={text(c, 'priority') ?? 'normal'} />
        {open && <Escalation level={Number(line.level)} />}
        {open && (
          <span className="account-case-clock" data-testid="account-case-clock">
            {clock ? (
              <>
                <span className="muted">{t('cases.label', { label: t(`cases.${clock.target}`) })}</span> <ClockCell due={clock.due} />
              </>
            ) : (
              <span className="muted">{t('cases.no_policy')}</span>
            )}
          </span>
        )}
      </div>
    </li>
  );
}
