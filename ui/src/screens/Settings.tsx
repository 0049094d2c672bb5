import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { LANGUAGES } from '../i18n';

export default function Settings() {
  const { t } = useTranslation();
  const { settings, saveSettings, status } = useApp();
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <div className="card form">
        <label>
          {t('settings.language')}
          <select value={settings.language ?? ''} onChange={(e) => saveSettings({ ...settings, language: e.target.value || null })}>
            <option value="">—</option>
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
      </div>
      <fieldset className="card form" disabled>
        <legend>{t('settings.server')}</legend>
        <p className="muted">{t('settings.server_later')}</p>
        <label>
          {t('field.server_url')}
          <input value={settings.server_url ?? ''} readOnly />
        </label>
        <label>
          {t('field.login')}
          <input value={settings.login ?? ''} readOnly />
        </label>
      </fieldset>
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
