import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../backend';
import { useApp } from '../context';
import { formatDateTime } from '../lib/format';

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

/** Online state and the local changes waiting for the team server. Syncing
 * itself arrives with the sync client; until then "Sync now" says why not. */
export default function Sync() {
  const { t } = useTranslation();
  const { backend, fail, locale } = useApp();
  const online = useOnline();
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    backend.call('sync_status').then(setSync, fail);
  }, [backend, fail]);
  useEffect(load, [load]);

  const syncNow = async () => {
    setBusy(true);
    try {
      setSync(await backend.call('sync_now'));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="sync-title">
      <header className="screen-head">
        <h1 id="sync-title">{t('sync.title')}</h1>
        <span className={`badge ${online ? 'customer' : 'former'}`} role="status">
          {online ? t('sync.online') : t('sync.offline')}
        </span>
      </header>
      <div className="card">
        <p data-testid="pending">{sync && (sync.pending > 0 ? t('sync.pending', { count: sync.pending }) : t('sync.none_pending'))}</p>
        <p className="muted">{sync?.server ?? t('sync.server_none')}</p>
        <button type="button" className="primary" onClick={syncNow} disabled={busy}>
          {t('sync.now')}
        </button>
      </div>
      {sync && sync.changes.length > 0 && (
        <section className="card" aria-labelledby="changes-title">
          <h2 id="changes-title">{t('sync.changes')}</h2>
          <table className="grid">
            <tbody>
              {sync.changes.map((c) => (
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
