// A case's status, priority, escalation and clocks as the lists and its page
// show them: words first (a colour only repeats what the words say).

import { useTranslation } from 'react-i18next';
import type { Due } from '../backend';
import { useApp } from '../context';
import { formatDateTime } from '../lib/format';
import { choiceLabelKey } from '../lib/record';
import { clockState, clockText } from './lib';

export function CaseStatus({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge case-${status}`} data-testid="case-status">
      {t(choiceLabelKey('case', 'status', status))}
    </span>
  );
}

export function Priority({ priority }: { priority: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge priority-${priority}`} data-testid="case-priority">
      {t(choiceLabelKey('case', 'priority', priority))}
    </span>
  );
}

/** The highest escalation a case reached (1: at risk, 2: past due). */
export function Escalation({ level }: { level: number }) {
  const { t } = useTranslation();
  if (level <= 0) return null;
  return (
    <span className="badge escalated" data-testid="case-escalated" title={t(level >= 2 ? 'cases.escalated_past_due' : 'cases.escalated_at_risk')}>
      <span aria-hidden="true">▲ </span>
      {t('cases.escalated')}
    </span>
  );
}

/** A clock in a list's cell: its state in words, at risk said too. */
export function ClockCell({ due }: { due: Due }) {
  const { t } = useTranslation();
  const s = clockState(due);
  const tone = s.state === 'breached' || s.state === 'met_late' ? 'late' : s.state === 'met' ? 'ok' : s.state === 'paused' ? 'muted' : '';
  return (
    <span className="clock-cell">
      <span className={tone}>{clockText(t, due)}</span>
      {(s.state === 'left' || s.state === 'paused') && s.atRisk && <span className="badge at-risk">{t('cases.at_risk')}</span>}
    </span>
  );
}

/** When a clock falls due or was met, in the user's locale. */
export function ClockWhen({ due }: { due: Due }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const s = clockState(due);
  const at = (ms: number) => formatDateTime(new Date(ms).toISOString(), locale);
  switch (s.state) {
    case 'met':
    case 'met_late':
      return (
        <>
          {t('cases.met_at', { when: at(s.at) })}
          {due.due !== null && <span className="muted"> · {t('cases.due_at', { when: at(due.due) })}</span>}
        </>
      );
    case 'left':
    case 'breached':
      return <>{s.due !== null ? t('cases.due_at', { when: at(s.due) }) : null}</>;
    case 'paused':
      return <span className="muted">{t('cases.due_unknown')}</span>;
    case 'none':
      return null;
  }
}
