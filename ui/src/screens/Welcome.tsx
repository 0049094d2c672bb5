import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { formatNumber } from '../lib/format';
import Field from '../components/Field';
import Problem from '../components/Problem';
import ServerSignIn from '../components/ServerSignIn';
import { useFormError } from '../lib/useFormError';

const CURRENCIES = ['CNY', 'USD', 'EUR', 'GBP', 'MXN', 'JPY', 'HKD', 'TWD'];
const DEMO_SIZES = [2_000, 10_000, 100_000];

/** First start: create the database, or fill it with demo data. */
export default function Welcome() {
  const { t } = useTranslation();
  const { backend, refreshStatus, locale, status } = useApp();
  const form = useFormError({ name: t('welcome.your_name'), email: t('field.email'), currency: t('field.currency') });
  const demoForm = useFormError();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [currency, setCurrency] = useState(locale === 'zh-CN' ? 'CNY' : locale === 'es-ES' ? 'EUR' : 'USD');
  const [size, setSize] = useState(DEMO_SIZES[0]);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => backend.onProgress((p) => setProgress({ done: p.done, total: p.total })), [backend]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const made = await form.run(() => backend.call('create_database', { name, email: email || null, currency }));
    setBusy(false);
    if (made) await refreshStatus();
  };

  const demo = async () => {
    setBusy(true);
    setProgress({ done: 0, total: size });
    const made = await demoForm.run(() => backend.call('load_demo', { accounts: size }));
    setBusy(false);
    setProgress(null);
    if (!made) return;
    window.location.hash = '#/accounts';
    await refreshStatus();
  };

  if (status.problem) {
    // A database is there but cannot be opened: say why, offer nothing that
    // could write over it.
    return (
      <section className="welcome" aria-labelledby="welcome-title">
        <h1 id="welcome-title">{t('welcome.problem_title')}</h1>
        <p role="alert">{errorMessage(t, status.problem)}</p>
        <p className="muted">
          {t('welcome.problem_where')} <code>{status.data_dir}</code>
        </p>
      </section>
    );
  }

  return (
    <section className="welcome" aria-labelledby="welcome-title">
      <h1 id="welcome-title">{t('welcome.title')}</h1>
      <p>{t('welcome.intro')}</p>
      <div className="welcome-choices">
        <form onSubmit={create} className="card form" aria-labelledby="create-title">
          <h2 id="create-title">{t('welcome.create_title')}</h2>
          <Field label={t('welcome.your_name')} name="name" errors={form}>
            <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus autoComplete="name" />
          </Field>
          <Field label={t('field.email')} name="email" errors={form}>
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
          </Field>
          <Field label={t('field.currency')} name="currency" errors={form}>
            <select value={currency} onChange={(e) => setCurrency(e.target.value)}>
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </Field>
          <button type="submit" className="primary" disabled={busy}>
            {t('welcome.create')}
          </button>
          <Problem message={form.actionError} />
        </form>
        <div className="card form" role="group" aria-labelledby="demo-title">
          <h2 id="demo-title">{t('welcome.demo_title')}</h2>
          <label>
            {t('welcome.demo_size')}
            <select value={size} onChange={(e) => setSize(Number(e.target.value))}>
              {DEMO_SIZES.map((n) => (
                <option key={n} value={n}>
                  {t('welcome.accounts_count', { count: n })}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={demo} disabled={busy} data-testid="load-demo">
            {t('welcome.demo')}
          </button>
          {progress && (
            <div role="status">
              <progress max={progress.total} value={progress.done} />
              <p>
                {t('welcome.progress', {
                  done: formatNumber(progress.done, locale),
                  total: formatNumber(progress.total, locale),
                })}
              </p>
            </div>
          )}
          <Problem message={demoForm.actionError} />
        </div>
        <div className="card" role="group" aria-labelledby="join-title">
          <h2 id="join-title">{t('welcome.join_title')}</h2>
          <p className="muted">{t('welcome.join_intro')}</p>
          <ServerSignIn
            sync={null}
            currency={currency}
            onChange={() => {
              // Signed in: the first sync brings the team's records.
              window.location.hash = '#/sync';
            }}
          />
        </div>
      </div>
    </section>
  );
}
