// The lock screen past the team's lease, drawn as the app draws it. The
// bridge cannot bring a laptop past its lease in an end-to-end run (that
// takes days without a sync), so its text is checked here in the three
// languages; the decision to show it is lease.test.ts's.
import i18next from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Status } from '../backend';
import { AppContext, type AppContextValue } from '../context';
import en from '../i18n/en';
import es from '../i18n/es';
import zh from '../i18n/zh';
import { localeTag } from '../i18n';
import LeaseLock from './LeaseLock';
import LeaseBanner from './LeaseBanner';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({
    lng: 'en',
    resources: { en: { translation: en }, zh: { translation: zh }, es: { translation: es } },
    interpolation: { escapeValue: false },
  });
});

const status: Status = { ready: true, data_dir: '/data', user: null, currency: 'CNY', accounts: 1, problem: null, protection: 'passphrase' };
const backend: Backend = { call: () => Promise.reject(new Error('not called while drawing')), onProgress: () => () => {} };

/** The element drawn in `lang`: its markup and the text a reader sees. */
async function drawn(lang: string, element: React.ReactElement): Promise<{ html: string; text: string }> {
  await i18n.changeLanguage(lang);
  const ctx: AppContextValue = {
    backend,
    status,
    refreshStatus: async () => {},
    settings: { language: lang, theme: null, server_url: null, login: null },
    saveSettings: async () => {},
    locale: localeTag(lang),
    notify: () => {},
    fail: () => {},
  };
  const html = renderToStaticMarkup(
    <I18nextProvider i18n={i18n}>
      <AppContext.Provider value={ctx}>{element}</AppContext.Provider>
    </I18nextProvider>,
  );
  return { html, text: html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ') };
}

async function draw(lang: string, element: React.ReactElement): Promise<string> {
  return (await drawn(lang, element)).text;
}

const since = Date.UTC(2025, 2, 3, 9, 30);
const lockedAt = Date.UTC(2025, 3, 9, 9, 30);
const tried = async () => {};

describe('the lease lock screen', () => {
  it('says since when the laptop has not synced and since when it is locked, and offers both ways back', async () => {
    const { html, text } = await drawn('en', <LeaseLock since={since} lockedAt={lockedAt} onTried={tried} />);
    expect(text).toContain('This laptop is locked');
    expect(text).toMatch(/not synced with your team server since Mar 3, 2025.*locked since Apr 9, 2025/);
    expect(text).toContain('Sync now');
    expect(text).toContain('Your administrator’s code');
    expect(text).toContain('Unlock with the code');
    expect(html).toContain('placeholder="ABCD-EFGH-JKMNP"');
  });

  it('reads naturally in Chinese and Spanish, dates in their own form', async () => {
    const zhText = await draw('zh', <LeaseLock since={since} lockedAt={lockedAt} onTried={tried} />);
    expect(zhText).toContain('这台电脑已被锁定');
    expect(zhText).toMatch(/自 2025年3月3日.*于 2025年4月9日.*锁定/);
    expect(zhText).toContain('立即同步');
    expect(zhText).toContain('管理员提供的代码');
    const esText = await draw('es', <LeaseLock since={since} lockedAt={lockedAt} onTried={tried} />);
    expect(esText).toContain('Este portátil está bloqueado');
    expect(esText).toMatch(/desde el 3 mar 2025.*desde el 9 abr 2025/);
    expect(esText).toContain('Código de su administrador');
  });

  it('still explains itself when the refusal carried no dates', async () => {
    const text = await draw('en', <LeaseLock since={null} lockedAt={null} onTried={tried} />);
    expect(text).toContain('longer than your team allows');
    expect(text).not.toMatch(/{{|}}|protection\./);
  });
});

describe('the lease banner', () => {
  it('gives the time the laptop locks in the user’s locale, with a sync button', async () => {
    const locksAt = Date.UTC(2025, 3, 9, 9, 30);
    expect(await draw('en', <LeaseBanner locksAt={locksAt} onSynced={tried} />)).toMatch(/must sync with the team server by Apr 9, 2025.*it will lock then\. Sync now/);
    expect(await draw('zh', <LeaseBanner locksAt={locksAt} onSynced={tried} />)).toMatch(/须在 2025年4月9日.*之前与团队服务器同步/);
    expect(await draw('es', <LeaseBanner locksAt={locksAt} onSynced={tried} />)).toMatch(/a más tardar el 9 abr 2025/);
  });
});
