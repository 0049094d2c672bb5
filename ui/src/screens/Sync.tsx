import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { toBackendError, type ConflictRow, type PendingChange, type Progress, type RejectedRow, type SyncStatus } from '../backend';
import ServerSignIn from '../components/ServerSignIn';
import { SYNC_CHANGED } from '../components/SyncBadge';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { groupConflicts, shownText } from '../lib/shown';

function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

const SYNC_TASKS = new Set(['sync_push', 'sync_pull']);

/** Online state, what waits, "Sync now" with progress, and what a person has
 * to decide after a sync: conflicts side by side and refused changes. */
export default function Sync() {
  const { t } = useTranslation();
  const { backend, fail, locale, notify } = useApp();
  const online = useOnline();
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [changes, setChanges] = useState<PendingChange[]>([]);
  const [conflicts, setConflicts] = useState<ConflictRow[]>([]);
  const [rejected, setRejected] = useState<RejectedRow[]>([]);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string; code?: string } | null>(null);

  const load = useCallback(async () => {
    try {
      const [s, w, c, r] = await Promise.all([
        backend.call('sync_status'),
        backend.call('sync_changes'),
        backend.call('list_conflicts'),
        backend.call('list_rejected'),
      ]);
      setSync(s);
      setChanges(w);
      setConflicts(c);
      setRejected(r);
      setRunning(s.running);
      window.dispatchEvent(new Event(SYNC_CHANGED));
    } catch (e) {
      fail(e);
    }
  }, [backend, fail]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => backend.onProgress((p) => SYNC_TASKS.has(p.task) && setProgress(p)), [backend]);

  const syncNow = async () => {
    setRunning(true);
    setOutcome(null);
    setProgress(null);
    try {
      const report = await backend.call('sync_now');
      // Conflicts are counted as decisions, as the list below shows them.
      const attention = report.status.conflicts + report.status.rejected;
      const text =
        attention > 0
          ? t('sync.done_attention', { count: attention })
          : t('sync.done', { pushed: report.summary.pushed, pulled: report.summary.pulled });
      // A copied-back data folder is told once, with the sync that found it.
      const told = report.summary.restored_copy ? `${t('sync.restored_copy')} ${text}` : text;
      setOutcome({ ok: true, text: told });
      notify(told);
    } catch (e) {
      setOutcome({ ok: false, text: errorMessage(t, e), code: toBackendError(e).error.code });
    } finally {
      setRunning(false);
      setProgress(null);
      await load();
    }
  };

  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      notify(done);
    } catch (e) {
      fail(e);
    } finally {
      await load();
    }
  };

  const progressText = !progress
    ? t('sync.starting')
    : progress.task === 'sync_push'
      ? t('sync.pushing', { done: progress.done, total: progress.total })
      : t('sync.pulling', { done: progress.done });
  // Before the first sync there is no last result to show; after a failed
  // one, the screen keeps saying why until a sync completes.
  const lastError = outcome ? null : sync?.last_error;
  const groups = groupConflicts(conflicts);
  // The network may be up while the team server is not (a hotel portal, a
  // server down): the badge says which.
  const unreachable = (outcome?.code ?? lastError?.code) === 'server_unreachable';
  const badge = !online ? ['former', t('sync.offline')] : unreachable ? ['late', t('sync.unreachable')] : ['customer', t('sync.online')];

  return (
    <section aria-labelledby="sync-title">
      <header className="screen-head">
        <h1 id="sync-title">{t('sync.title')}</h1>
        <span className={`badge ${badge[0]}`} role="status">
          {badge[1]}
        </span>
      </header>

      <section className="card" aria-label={t('settings.server')}>
        {sync && !sync.signed_in && <p>{t('sync.sign_in_first')}</p>}
        {sync && <ServerSignIn sync={sync} onChange={() => void load()} />}
      </section>

      <section className="card sync-now" aria-labelledby="sync-state">
        <h2 id="sync-state" className="sr-only">
          {t('sync.now')}
        </h2>
        <p data-testid="pending">
          {sync && (sync.pending > 0 ? t('sync.pending', { count: sync.pending }) : t('sync.none_pending'))}
        </p>
        <p className="muted" data-testid="last-sync">
          {sync?.last_sync_at ? t('sync.last_sync', { when: formatDateTime(sync.last_sync_at, locale) }) : t('sync.never')}
        </p>
        {lastError && (
          <p className="late" role="alert">
            {t('sync.last_failed')} {errorMessage(t, lastError)}
          </p>
        )}
        {outcome && (
          <p className={outcome.ok ? 'ok' : 'late'} role={outcome.ok ? 'status' : 'alert'} data-testid="sync-outcome">
            {outcome.text}
          </p>
        )}
        {running ? (
          <div className="row" aria-live="polite">
            <progress
              className="grow"
              aria-label={progressText}
              max={progress?.task === 'sync_push' ? progress.total : undefined}
              value={progress?.task === 'sync_push' ? progress.done : undefined}
            />
            <span className="muted">{progressText}</span>
            <button type="button" onClick={() => void backend.call('sync_cancel').catch(fail)}>
              {t('sync.cancel')}
            </button>
          </div>
        ) : (
          <button type="button" className="primary" onClick={syncNow} disabled={!sync?.signed_in}>
            {t('sync.now')}
          </button>
        )}
      </section>

      {conflicts.length > 0 && (
        <Decisions id="conflicts" title={t('sync.conflicts')} count={groups.length} intro={t('sync.conflicts_intro')}>
          <ul className="plain conflicts">
            {groups.map((group) => (
              <Conflict
                key={group[0].id}
                group={group}
                onKeep={(keep) =>
                  act(async () => {
                    for (const c of group) await backend.call('resolve_conflict', { id: c.id, keep });
                  }, t('sync.resolved'))
                }
              />
            ))}
          </ul>
        </Decisions>
      )}

      {rejected.length > 0 && (
        <Decisions id="rejected" title={t('sync.rejected')} count={rejected.length} intro={t('sync.rejected_intro')}>
          <table className="grid">
            <tbody>
              {rejected.map((r) => (
                <tr key={r.op_id}>
                  <td>
                    <strong>{r.record_name ?? t('sync.record_gone')}</strong>
                    <div className="muted small">
                      {t(`record.${r.entity}`)} · {t(`sync.op.${r.kind}`)}
                      {r.fields.length > 0 && ` · ${r.fields.map((f) => t(`field.${f}`, { defaultValue: f })).join(', ')}`}
                    </div>
                  </td>
                  <td>{t(`sync.reason.${r.reason}`, { ...r.params, defaultValue: t('sync.reason.other') })}</td>
                  <td className="muted">{formatDateTime(r.rejected_at, locale)}</td>
                  <td className="actions">
                    <button type="button" onClick={() => act(() => backend.call('retry_rejected', { op_id: r.op_id }), t('sync.retried'))}>
                      {t('sync.retry')}
                    </button>
                    <button
                      type="button"
                      onClick={() => act(() => backend.call('discard_rejected', { op_id: r.op_id }), t('sync.discarded'))}
                    >
                      {t('sync.discard')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Decisions>
      )}

      {changes.length > 0 && (
        <section className="card" aria-labelledby="changes-title">
          <h2 id="changes-title">{t('sync.changes')}</h2>
          <table className="grid">
            <tbody>
              {changes.map((c) => (
                <tr key={c.seq}>
                  <td className="muted">#{c.seq}</td>
                  <td>
                    {t(`record.${c.entity}`)} · {t(`sync.op.${c.kind}`)}
                  </td>
                  <td className="muted">{c.fields.map((f) => t(`field.${f}`, { defaultValue: f })).join(', ')}</td>
                  <td className="muted">{formatDateTime(c.at, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}

/** A list of things waiting for the user's decision. */
function Decisions({ id, title, count, intro, children }: { id: string; title: string; count: number; intro: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        {title} <span className="count">{count}</span>
      </h2>
      <p className="muted">{intro}</p>
      {children}
    </section>
  );
}

/** One decision: the record and the fields in conflict, both sides' values
 * side by side with who made each, and a button to keep either side. */
function Conflict({ group, onKeep }: { group: ConflictRow[]; onKeep: (keep: 'mine' | 'theirs') => void }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const first = group[0];
  const fieldName = (f: string) => (f === '*' ? t('sync.whole_record') : t(`field.${f}`, { defaultValue: f }));
  const record = first.record_name ?? t(`record.${first.entity}`, { defaultValue: first.entity });
  const title = t('sync.conflict_field', { record, field: group.map((c) => fieldName(c.field)).join(', ') });
  const side = (which: 'mine' | 'theirs') => {
    const values = group.map((c) => shownText(t, c[which], locale, c.field));
    const by = which === 'mine' ? first.mine_by : first.theirs_by;
    return (
      <div className="side" data-side={which}>
        <div className="muted small">
          {t(`sync.${which}`)}
          {by && ` · ${t('sync.by', { name: by })}`}
        </div>
        <dl className="values">
          {group.map((c, i) => (
            <div key={c.id}>
              {group.length > 1 && <dt className="muted small">{fieldName(c.field)}</dt>}
              <dd className="value">{values[i]}</dd>
            </div>
          ))}
        </dl>
        <button type="button" onClick={() => onKeep(which)}>
          {t(`sync.keep_${which}`, { value: values.join(' · ') })}
        </button>
      </div>
    );
  };
  const before = group.filter((c) => c.base.type !== 'empty' && c.field !== '*');
  return (
    <li aria-label={title} data-conflict={first.id}>
      <div className="row">
        <strong className="grow">{title}</strong>
        <span className="muted small">{formatDateTime(first.created_at, locale)}</span>
      </div>
      {before.length > 0 && (
        <p className="muted small">
          {t('sync.before', { value: before.map((c) => shownText(t, c.base, locale, c.field)).join(' · ') })}
        </p>
      )}
      <div className="side-by-side">
        {side('mine')}
        {side('theirs')}
      </div>
    </li>
  );
}
