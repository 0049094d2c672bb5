import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../backend';
import { useApp } from '../context';

/** The event the Sync screen sends after it changed what waits. */
export const SYNC_CHANGED = 'crm:sync-changed';

/** Beside "Sync" in the sidebar: how many changes wait, and whether
 * conflicts or refused changes need a decision, so nothing waits unseen.
 * Refreshed when the screen changes (`when`), after start-up has painted. */
export default function SyncBadge({ when }: { when: string }) {
  const { t } = useTranslation();
  const { backend, status } = useApp();
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const started = useRef(false);
  const [changed, setChanged] = useState(0);

  // The Sync screen says when it changed something (a sync, a decision).
  useEffect(() => {
    const onChange = () => setChanged((n) => n + 1);
    window.addEventListener(SYNC_CHANGED, onChange);
    return () => window.removeEventListener(SYNC_CHANGED, onChange);
  }, []);

  useEffect(() => {
    if (!status.ready) return;
    let live = true;
    // The first time, after the start screen has painted.
    const delay = started.current ? 0 : 1500;
    started.current = true;
    const timer = setTimeout(
      () =>
        backend.call('sync_status').then(
          (s) => live && setSync(s),
          () => {},
        ),
      delay,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [backend, status.ready, when, changed]);

  if (!sync) return null;
  const decide = sync.conflicts + sync.rejected;
  if (decide > 0) {
    return (
      <span className="nav-badge attention" title={t('sync.needs_decision', { count: decide })}>
        {decide}
        <span className="sr-only">{t('sync.needs_decision', { count: decide })}</span>
      </span>
    );
  }
  if (sync.pending > 0) {
    return (
      <span className="nav-badge" title={t('sync.pending', { count: sync.pending })}>
        {sync.pending > 999 ? '999+' : sync.pending}
        <span className="sr-only">{t('sync.pending', { count: sync.pending })}</span>
      </span>
    );
  }
  return null;
}
