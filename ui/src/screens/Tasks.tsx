import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Condition, RecordRow } from '../backend';
import { useApp } from '../context';
import { formatRelativeDay, localDay } from '../lib/format';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useFormError } from '../lib/useFormError';
import { recordHash } from '../lib/record';

// Tasks are an ordinary kind on the generic record path: listed, created and
// named by their description (list_records, create_record); completing one
// is the one use case of their own.

type Scope = 'overdue' | 'today' | 'upcoming' | 'all';
const SCOPES: Scope[] = ['overdue', 'today', 'upcoming', 'all'];

/** `YYYY-MM-DD` of `day` moved by `days`. */
function shift(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00`);
  d.setDate(d.getDate() + days);
  return localDay(d);
}

/** Open tasks due in the scope, as conditions on the description's fields. */
function conditions(scope: Scope, today: string): Condition[] {
  const open: Condition = { field: 'done_at', op: 'unset', value: null };
  switch (scope) {
    case 'overdue':
      return [open, { field: 'due_date', op: 'lt', value: today }];
    case 'today':
      return [open, { field: 'due_date', op: 'le', value: today }];
    case 'upcoming':
      return [open, { field: 'due_date', op: 'gt', value: today }, { field: 'due_date', op: 'le', value: shift(today, 7) }];
    case 'all':
      return [open];
  }
}

const text = (row: RecordRow, field: string): string | null => {
  const v = row.fields[field];
  return typeof v === 'string' ? v : null;
};

export default function Tasks() {
  const { t } = useTranslation();
  const { backend, fail, locale, notify, status } = useApp();
  const [scope, setScope] = useState<Scope>('today');
  const [mine, setMine] = useState(true);
  const [tasks, setTasks] = useState<RecordRow[] | null>(null);
  const [title, setTitle] = useState('');
  const [due, setDue] = useState(localDay);

  const load = useCallback(() => {
    const today = localDay();
    const me = status.user?.id;
    backend
      .call('list_records', {
        kind: 'task',
        filter: mine && me ? { assignee_id: me } : {},
        conditions: conditions(scope, today),
        sort: 'due_date',
        limit: 500,
      })
      .then((page) => setTasks(page.rows), fail);
  }, [backend, scope, mine, fail, status.user?.id]);
  useEffect(load, [load]);

  const form = useFormError({ title: t('field.task_title'), due_date: t('field.due_date') });
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = { title };
    if (due) fields.due_date = due;
    const made = await form.run(() => backend.call('create_record', { kind: 'task', fields }));
    if (made === undefined) return;
    setTitle('');
    load();
  };

  const done = async (task: RecordRow) => {
    try {
      await backend.call('complete_task', { id: task.id });
      notify(`${text(task, 'title')}: ${t('tasks.done')}`);
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
        <Field className="grow" label={t('tasks.new')} name="title" errors={form}>
          <input value={title} onChange={(e) => setTitle(e.target.value)} />
        </Field>
        <Field label={t('field.due_date')} name="due_date" errors={form}>
          <input type="date" value={due} onChange={(e) => setDue(e.target.value)} />
        </Field>
        <button type="submit" className="primary">
          {t('common.add')}
        </button>
        <Problem message={form.actionError} />
      </form>
      {tasks === null ? (
        <p>{t('common.loading')}</p>
      ) : tasks.length === 0 ? (
        <p className="muted">{t('tasks.none')}</p>
      ) : (
        <ul className="tasks card" role="tabpanel">
          {tasks.map((task) => (
            <li key={task.id}>
              <input type="checkbox" aria-label={t('tasks.mark_done', { title: text(task, 'title') })} onChange={() => done(task)} />
              <span className="grow">
                <a href={recordHash('task', task.id)}>{text(task, 'title')}</a>
                {text(task, 'account_id') && (
                  <>
                    {' · '}
                    <a href={`#/accounts/${text(task, 'account_id')}`}>{task.titles.account_id}</a>
                  </>
                )}
              </span>
              {!mine && <span className="muted">{task.titles.assignee_id}</span>}
              {text(task, 'due_date') && (
                <span className={(text(task, 'due_date') ?? '') < today ? 'late' : 'muted'}>
                  {formatRelativeDay(text(task, 'due_date') ?? '', new Date(), locale)}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
