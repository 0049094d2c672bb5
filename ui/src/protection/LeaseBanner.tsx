import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import Problem from '../components/Problem';
import { SYNC_CHANGED } from '../components/SyncBadge';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { when } from './LeaseLock';

/** On every screen once the lease's warning starts: the time the laptop
 * locks unless it syncs, and the sync that prevents it. `onSynced` asks for
 * the lease again (the banner goes once a sync renewed it). */
export default function LeaseBanner({ locksAt, onSynced }: { locksAt: number; onSynced: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const { backend, locale, notify } = useApp();
  const [syncing, setSyncing] = useState(false);
  const [error, setError] = useState('');

  const syncNow = async () => {
    setSyncing(true);
    setError('');
    try {
      await backend.call('sync_now');
      notify(t('protection.synced'));
    } catch (e) {
      setError(errorMessage(t, e));
    }
    window.dispatchEvent(new Event(SYNC_CHANGED));
    await onSynced();
    setSyncing(false);
  };

  return (
    <div className="lease-banner" role="status" data-testid="lease-banner">
      <span>{t('protection.banner', { when: when(locksAt, locale) })}</span>
      <button type="button" onClick={syncNow} disabled={syncing}>
        {syncing ? t('protection.syncing') : t('sync.now')}
      </button>
      <Problem message={error} />
    </div>
  );
}
