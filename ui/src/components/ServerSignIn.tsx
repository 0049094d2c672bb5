import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../backend';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';

interface Props {
  /** Where the laptop stands with the team server (null while loading). */
  sync: SyncStatus | null;
  /** Called with the new state after signing in or out. */
  onChange: (s: SyncStatus) => void;
  /** On a first start (no database yet): the currency of the user's new deals. */
  currency?: string;
}

/** The team server's address and the sign-in, or who is signed in where with
 * a way out. The password is sent once and never kept. */
export default function ServerSignIn({ sync, onChange, currency }: Props) {
  const { t } = useTranslation();
  const { backend, settings, refreshStatus, notify } = useApp();
  const [server, setServer] = useState(sync?.server ?? settings.server_url ?? '');
  const [email, setEmail] = useState(sync?.email ?? settings.login ?? '');
  const [password, setPassword] = useState('');
  const [insecure, setInsecure] = useState(settings.insecure_server ?? false);
  // The company's certificate authority, when the administrator hands one out.
  const [caPem, setCaPem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const run = async (work: () => Promise<SyncStatus>, done: (s: SyncStatus) => string) => {
    setBusy(true);
    setError('');
    try {
      const next = await work();
      onChange(next);
      await refreshStatus();
      notify(done(next));
    } catch (e) {
      setError(errorMessage(t, e));
    } finally {
      setBusy(false);
    }
  };

  const signIn = (e: FormEvent) => {
    e.preventDefault();
    void run(
      async () => {
        const next = await backend.call('sync_login', {
          server,
          email,
          password,
          insecure,
          ca_pem: caPem,
          // The notice above the button says what happens to the demo data.
          set_demo_aside: sync?.demo ?? false,
          currency: currency ?? null,
        });
        setPassword('');
        return next;
      },
      () => t('sync.signed_in'),
    );
  };

  if (sync?.signed_in) {
    return (
      <div className="row wrap signed-in">
        <p className="grow" data-testid="signed-in">
          {t('sync.signed_in_as', { server: sync.server, email: sync.email })}
        </p>
        <button
          type="button"
          disabled={busy}
          onClick={() => void run(() => backend.call('sync_logout'), (s) => t('sync.signed_out_of', { server: s.server }))}
        >
          {t('sync.sign_out')}
        </button>
        {error && (
          <p role="alert" className="late">
            {error}
          </p>
        )}
      </div>
    );
  }

  return (
    <form className="form" aria-label={t('settings.server')} onSubmit={signIn}>
      <p className="muted">{t('settings.server_hint')}</p>
      <label>
        {t('field.server_url')}
        <input
          type="url"
          value={server}
          onChange={(e) => setServer(e.target.value)}
          placeholder="https://crm.example.com"
          required
          autoComplete="url"
        />
      </label>
      <label>
        {t('field.email')}
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" />
      </label>
      <label>
        {t('sync.password')}
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          autoComplete="current-password"
        />
      </label>
      <label>
        {t('sync.certificate')}
        <input
          type="file"
          accept=".pem,.crt,.cer"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void file.text().then(setCaPem);
            else setCaPem(null);
          }}
        />
      </label>
      <label className="check">
        <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} />
        {t('sync.insecure')}
      </label>
      {error && (
        <p role="alert" className="late">
          {error}
        </p>
      )}
      {sync?.demo && (
        <p className="notice" data-testid="demo-notice">
          {t('sync.demo_notice')}
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {sync?.demo ? t('sync.demo_sign_in') : t('sync.sign_in')}
        </button>
      </div>
    </form>
  );
}
