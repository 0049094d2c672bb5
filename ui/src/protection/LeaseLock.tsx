import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { SYNC_CHANGED } from '../components/SyncBadge';
import { useApp } from '../context';
import { formatDateTime } from '../lib/format';
import { useFormError } from '../lib/useFormError';

/** A time in UTC ms as date and time in the user's locale. */
export function when(ms: number, locale: string): string {
  return formatDateTime(new Date(ms).toISOString(), locale);
}

/**
 * The lock screen past the team's lease: what happened in the user's terms
 * and the two ways back, a sync or an administrator's code. `onTried` asks
 * for the lease again (the lock lifts when it is no longer locked).
 */
export default function LeaseLock({ since, lockedAt, onTried }: { since: number | null; lockedAt: number | null; onTried: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const { backend, locale } = useApp();
  const syncForm = useFormError();
  const codeForm = useFormError({ code: t('protection.code') });
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<'sync' | 'code' | null>(null);

  const syncNow = async () => {
    setBusy('sync');
    codeForm.clear();
    await syncForm.run(() => backend.call('sync_now'));
    window.dispatchEvent(new Event(SYNC_CHANGED));
    // Even a failed sync may have freed the laptop (signed out by the server).
    await onTried();
    setBusy(null);
  };

  const enterCode = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('code');
    syncForm.clear();
    const extended = await codeForm.run(() => backend.call('lease_extend', { code: code.trim() }));
    if (extended) await onTried();
    setBusy(null);
  };

  return (
    <section className="lease-lock" aria-labelledby="lease-lock-title" data-testid="lease-lock">
      <h1 id="lease-lock-title">{t('protection.lock_title')}</h1>
      <p>
        {since !== null && lockedAt !== null
          ? t('protection.lock_since', { since: when(since, locale), locked: when(lockedAt, locale) })
          : t('protection.lock_unknown')}
      </p>
      <p>{t('protection.lock_safe')}</p>
      <div className="row">
        <button type="button" className="primary" onClick={syncNow} disabled={busy !== null}>
          {busy === 'sync' ? t('protection.syncing') : t('sync.now')}
        </button>
      </div>
      <Problem message={syncForm.actionError} />
      <form className="form" onSubmit={enterCode} aria-labelledby="lease-code-title">
        <h2 id="lease-code-title">{t('protection.code_title')}</h2>
        <p className="muted">{t('protection.code_intro')}</p>
        <Field label={t('protection.code')} name="code" errors={codeForm}>
          <input
            value={code}
            onChange={(e) => setCode(e.target.value.toUpperCase())}
            placeholder="ABCD-EFGH-JKMNP"
            autoComplete="off"
            spellCheck={false}
            className="code-input"
          />
        </Field>
        <div className="row">
          <button type="submit" disabled={busy !== null || code.trim() === ''}>
            {t('protection.code_enter')}
          </button>
        </div>
        <Problem message={codeForm.actionError} />
      </form>
    </section>
  );
}
