import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordRow, Today as TodayData } from '../backend';
import { useApp } from '../context';
import { formatDateTime, formatRelativeDay, formatTime, localDay } from '../lib/format';
import { activityOf, startsAt, textOf } from '../lib/plan';
import MyCases from '../service/MyCases';

export default function Today() {
  const { t } = useTranslation();
  const { backend, status, fail, notify } = useApp();
  const [data, setData] = useState<TodayData | null>(null);

  useEffect(() => {
    backend.call('today', { today: localDay() }).then(setData, fail);
  }, [backend, fail]);

  const done = async (task: RecordRow) => {
    try {
      const result = await backend.call('complete_task', { id: task.id });
      if (result.interaction) notify(t('plan.done_logged', { kind: t(`plan.kind.${activityOf(task)}`) }));
      setData(await backend.call('today', { today: localDay() }));
    } catch (e) {
      fail(e);
    }
  };

  return (
    <section aria-labelledby="today-title">
      <h1 id="today-title">{t('today.greeting', { name: status.user?.name ?? '' })}</h1>
      {!data ? (
        <p>{t('common.loading')}</p>
      ) : (
        <div className="columns">
          <div>
            <MyCases />
            <TaskList title={t('today.overdue')} tasks={data.overdue} onDone={done} tone="late" />
            <TaskList title={t('today.due_today')} tasks={data.due_today} onDone={done} />
            <TaskList title={t('today.upcoming')} tasks={data.upcoming} onDone={done} />
          </div>
          <Recent rows={data.recent} />
        </div>
      )}
    </section>
  );
}

const text = (row: RecordRow, field: string): string | null => {
  const v = row.fields[field];
  return typeof v === 'string' ? v : null;
};

export function TaskList(props: { title: string; tasks: RecordRow[]; onDone: (t: RecordRow) => void; tone?: 'late' }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const today = new Date();
  return (
    <section className="card" aria-label={props.title}>
      <h2>
        {props.title} <span className="count">{props.tasks.length}</span>
      </h2>
      {props.tasks.length === 0 ? (
        <p className="muted">{t('today.nothing_due')}</p>
      ) : (
        <ul className="tasks">
          {props.tasks.map((task) => {
            const title = text(task, 'title') ?? '';
            const account = text(task, 'account_id');
            const due = text(task, 'due_date');
            const kind = activityOf(task);
            const start = startsAt(task);
            const place = textOf(task, 'place');
            return (
              <li key={task.id}>
                <input type="checkbox" aria-label={t('tasks.mark_done', { title })} onChange={() => props.onDone(task)} />
                {kind !== 'todo' && <span className={`kind kind-${kind}`}>{t(`plan.kind.${kind}`)}</span>}
                {start && <time dateTime={start}>{formatTime(start, locale)}</time>}
                <span className="grow">
                  {title}
                  {place && <span className="muted"> · {t('plan.at', { place })}</span>}
                  {account && (
                    <>
                      {' · '}
                      <a href={`#/accounts/${account}`}>{task.titles.account_id ?? t('common.missing_record')}</a>
                    </>
                  )}
                </span>
                {due && <span className={props.tone === 'late' ? 'late' : 'muted'}>{formatRelativeDay(due, today, locale)}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function Recent({ rows }: { rows: TodayData['recent'] }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  return (
    <section className="card" aria-labelledby="recent-title">
      <h2 id="recent-title">{t('today.recent')}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t('today.nothing_recent')}</p>
      ) : (
        <ul className="feed">
          {rows.map((r) => (
            <li key={r.id}>
              <span className={`kind kind-${r.kind}`}>{t(`kind.${r.kind}`)}</span>
              <div className="grow">
                <div>{r.subject}</div>
                <div className="muted">
                  {r.account_id && <a href={`#/accounts/${r.account_id}`}>{r.account_name ?? t('common.missing_record')}</a>}
                  {' · '}
                  {r.author_name && t('account.by', { name: r.author_name })}
                  {' · '}
                  {formatDateTime(r.occurred_at, locale)}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
