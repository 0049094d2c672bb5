import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { useFormError } from '../lib/useFormError';

/**
 * What covers the window after the minutes without use the user chose.
 * Behind a passphrase, the passphrase again (the core checks it: `unlock`);
 * with the key in the keychain the computer's own login protects it, and a
 * click is enough.
 */
export default function IdleLock({ minutes, onUnlocked }: { minutes: number; onUnlocked: () => void }) {
  const { t } = useTranslation();
  const { backend, status } = useApp();
  const form = useFormError({ passphrase: t('protection.passphrase') });
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const asks = status.protection === 'passphrase';

  const unlock = async (e: FormEvent) => {
    e.preventDefault();
    if (!asks) return onUnlocked();
    setBusy(true);
    const opened = await form.run(() => backend.call('unlock', { passphrase }));
    setBusy(false);
    setPassphrase('');
    if (opened) onUnlocked();
    // Refused: straight back to the field for another try.
    else field.current?.focus();
  };

  return (
    <form className="form idle-lock" onSubmit={unlock} aria-labelledby="idle-lock-title" data-testid="idle-lock">
      <h1 id="idle-lock-title">{t('protection.idle_title')}</h1>
      <p>{t('protection.idle_intro', { count: minutes })}</p>
      {status.user && <p className="muted">{t('protection.idle_user', { name: status.user.name })}</p>}
      {asks && (
        <Field label={t('protection.passphrase')} name="passphrase" errors={form}>
          <input ref={field} type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus autoComplete="current-password" />
        </Field>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || (asks && passphrase === '')} autoFocus={!asks}>
          {t('protection.unlock')}
        </button>
      </div>
      <Problem message={form.actionError} />
    </form>
  );
}
