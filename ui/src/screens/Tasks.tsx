import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TaskRow, TaskScope } from '../backend';
import { useApp } from '../context';
import { formatRelativeDay, localDay } from '../lib/format';

const SCOPES: TaskScope[] = ['overdue', 'today', 'upcoming', 'all'];

export default function Tasks() {
  const { t } = useTranslation();
  const { backend, fail, locale, notify } = useApp();
  const [scope, setScope] = useState<TaskScope>('today');
  const [mine, setMine] = useState(true);
  const [tasks, setTasks] = useState<TaskRow[] | null>(null);
  const [title, setTitle] = useState('');
  const [due, setDue] = useState(localDay);

  const load = useCallback(() => {
    backend.call('list_tasks', { scope, mine, today: localDay() }).then(setTasks, fail);
  }, [backend, scope, mine, fail]);
  useEffect(load, [load]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await backend.call('create_task', { title, due_date: due || null });
      setTitle('');
      load();
    } catch (err) {
      fail(err);
    }
  };

  const done = async (task: TaskRow) => {
    try {
      await backend.call('complete_task', { id: task.id });
      notify(`${task.title}: ${t('tasks.done')}`);
      load();
    } catch (err) {
      fail(err);
    }
  };

  const today = localDay();
  return (
    <section aria-labelledby="tasks-title">
      <header className="screen-head">
        <h1 id="tasks-title">{t('tasks.title')}</h1>
        <div role="tablist" aria-label={t('tasks.title')} className="tabs">
          {SCOPES.map((s) => (
            <button key={s} type="button" role="tab" aria-selected={scope === s} onClick={() => setScope(s)}>
              {t(`tasks.scope_${s}`)}
            </button>
          ))}
        </div>
        <label>
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> {t('tasks.mine')}
        </label>
      </header>
      <form className="card form inline" onSubmit={add} aria-label={t('tasks.new')}>
        <label className="grow">
          {t('tasks.new')}
          <input value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          {t('field.due_date')}
          <input type="date" value={due} onChange={(e) => setDue(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          {t('common.add')}
        </button>
      </form>
      {tasks === null ? (
        <p>{t('common.loading')}</p>
      ) : tasks.length === 0 ? (
        <p className="muted">{t('tasks.none')}</p>
      ) : (
        <ul className="tasks card" role="tabpanel">
          {tasks.map((task) => (
            <li key={task.id}>
              <input type="checkbox" aria-label={t('tasks.mark_done', { title: task.title })} onChange={() => done(task)} />
              <span className="grow">
                {task.title}
                {task.account_id && (
                  <>
                    {' · '}
                    <a href={`#/accounts/${task.account_id}`}>{task.account_name}</a>
                  </>
                )}
              </span>
              {!mine && <span className="muted">{task.assignee_name}</span>}
              {task.due_date && (
                <span className={task.due_date < today ? 'late' : 'muted'}>{formatRelativeDay(task.due_date, new Date(), locale)}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
