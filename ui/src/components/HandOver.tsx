import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '../backend';
import { useApp } from '../context';

/** A manager's one action when a rep leaves: every account, lead, deal and
 * open task of one person goes to another, after a confirmation. */
export default function HandOver() {
  const { t } = useTranslation();
  const { backend, fail, notify } = useApp();
  const [users, setUsers] = useState<User[]>([]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    backend.call('list_users').then(setUsers, fail);
  }, [backend, fail]);

  const name = (id: string) => users.find((u) => u.id === id)?.name ?? '';
  const handOver = async () => {
    setBusy(true);
    try {
      const moved = await backend.call('reassign', { from, to });
      notify(
        t('settings.handover_done', {
          accounts: moved.accounts,
          leads: moved.leads,
          deals: moved.opportunities,
          tasks: moved.tasks,
          to: name(to),
        }),
      );
      setConfirming(false);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  if (users.length < 2) return null;
  return (
    <section className="card form" aria-labelledby="handover-title">
      <h2 id="handover-title">{t('settings.handover_title')}</h2>
      <p className="muted">{t('settings.handover_intro')}</p>
      <div className="form inline">
        <label>
          {t('settings.handover_from')}
          <select value={from} onChange={(e) => (setFrom(e.target.value), setConfirming(false))}>
            <option value="">—</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('settings.handover_to')}
          <select value={to} onChange={(e) => (setTo(e.target.value), setConfirming(false))}>
            <option value="">—</option>
            {users
              .filter((u) => u.active && u.id !== from)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
          </select>
        </label>
        {!confirming && (
          <button type="button" disabled={!from || !to || from === to} onClick={() => setConfirming(true)}>
            {t('settings.handover')}
          </button>
        )}
      </div>
      {confirming && (
        <div className="row wrap" role="group" aria-label={t('settings.handover_title')}>
          <p className="grow">{t('settings.handover_confirm', { from: name(from), to: name(to) })}</p>
          <button type="button" className="primary" disabled={busy} onClick={handOver}>
            {t('settings.handover')}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {t('common.cancel')}
          </button>
        </div>
      )}
    </section>
  );
}
