import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { formatNumber } from '../lib/format';

const CURRENCIES = ['CNY', 'USD', 'EUR', 'GBP', 'MXN', 'JPY', 'HKD', 'TWD'];
const DEMO_SIZES = [2_000, 10_000, 100_000];

/** First start: create the database, or fill it with demo data. */
export default function Welcome() {
  const { t } = useTranslation();
  const { backend, refreshStatus, fail, locale, status } = useApp();
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
    try {
      await backend.call('create_database', { name, email: email || null, currency });
      await refreshStatus();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const demo = async () => {
    setBusy(true);
    setProgress({ done: 0, total: size });
    try {
      await backend.call('load_demo', { accounts: size });
      window.location.hash = '#/accounts';
      await refreshStatus();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
      setProgress(null);
    }
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
        <form onSubmit={create} className="card form">
          <label>
            {t('field.name')}
            <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
          </label>
          <label>
            {t('field.email')}
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            {t('field.currency')}
            <select value={currency} onChange={(e) => setCurrency(e.target.value)}>
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {t('welcome.create')}
          </button>
        </form>
        <div className="card form">
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
        </div>
      </div>
    </section>
  );
}
