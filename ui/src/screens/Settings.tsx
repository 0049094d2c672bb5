import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../backend';
import HandOver from '../components/HandOver';
import CompanyDetails from '../sales/CompanyDetails';
import ServerSignIn from '../components/ServerSignIn';
import { useApp } from '../context';
import { LANGUAGES } from '../i18n';
import { routeHash } from '../lib/route';
import { IDLE_CHOICES } from '../protection/idle';

export default function Settings() {
  const { t, i18n } = useTranslation();
  const { backend, settings, saveSettings, status, fail } = useApp();
  const [sync, setSync] = useState<SyncStatus | null>(null);
  // Before a database exists there is no sync state to ask for: Welcome
  // offers the sign-in then.
  useEffect(() => {
    if (status.ready) backend.call('sync_status').then(setSync, fail);
  }, [backend, fail, status.ready]);
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <div className="card form">
        <label>
          {t('settings.language')}
          <select value={settings.language ?? ''} onChange={(e) => saveSettings({ ...settings, language: e.target.value || null })}>
            <option value="">{t('settings.language_system', { language: t(`language.${i18n.language}`) })}</option>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`language.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('settings.theme')}
          <select value={settings.theme ?? 'system'} onChange={(e) => saveSettings({ ...settings, theme: e.target.value })}>
            {['system', 'light', 'dark'].map((th) => (
              <option key={th} value={th}>
                {t(`settings.theme_${th}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('settings.idle_lock')}
          <select
            value={settings.idle_lock_minutes ?? ''}
            onChange={(e) => saveSettings({ ...settings, idle_lock_minutes: e.target.value ? Number(e.target.value) : null })}
            aria-describedby="idle-lock-hint"
          >
            {IDLE_CHOICES.map((minutes) => (
              <option key={minutes ?? 'never'} value={minutes ?? ''}>
                {minutes === null ? t('settings.idle_never') : t('settings.idle_minutes', { count: minutes })}
              </option>
            ))}
          </select>
          <span id="idle-lock-hint" className="small">
            {t(status.protection === 'passphrase' ? 'settings.idle_hint_passphrase' : 'settings.idle_hint')}
          </span>
        </label>
      </div>
      {status.ready ? (
        <section className="card" aria-labelledby="server-title">
          <h2 id="server-title">{t('settings.server')}</h2>
          {sync && <ServerSignIn sync={sync} onChange={setSync} />}
        </section>
      ) : (
        <p className="card">
          <a href={routeHash({ screen: 'today' })}>{t('welcome.no_database')}</a>
        </p>
      )}
      {status.ready && <CompanyDetails />}
      {status.ready && <HandOver />}
      {status.ready && (
        <nav className="card reference-data" aria-label={t('settings.reference_data')}>
          <a href={routeHash({ screen: 'records', kind: 'product' })}>{t('settings.products')}</a>
          <a href={routeHash({ screen: 'records', kind: 'price_list' })}>{t('settings.price_lists')}</a>
          <a href={routeHash({ screen: 'records', kind: 'exchange_rate' })}>{t('settings.exchange_rates')}</a>
          <a href={routeHash({ screen: 'records', kind: 'sla_policy' })}>{t('settings.service_levels')}</a>
          <a href={routeHash({ screen: 'records', kind: 'calendar' })}>{t('settings.business_calendar')}</a>
        </nav>
      )}
      <dl className="card details">
        {status.user && (
          <div>
            <dt>{t('settings.me')}</dt>
            <dd>{status.user.name}</dd>
          </div>
        )}
        <div>
          <dt>{t('settings.data_dir')}</dt>
          <dd>
            <code>{status.data_dir}</code>
          </dd>
        </div>
      </dl>
    </section>
  );
}
