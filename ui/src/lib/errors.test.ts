import { beforeAll, describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { BackendError } from '../backend';
import { initI18n } from '../i18n';
import { errorMessage } from './errors';

beforeAll(async () => {
  await initI18n('en');
});

const t = (...args: Parameters<typeof i18next.t>) => i18next.t(...args);

describe('error messages', () => {
  it('names the refused field and the problem in the user’s language', async () => {
    const e = new BackendError({ code: 'invalid', message_key: 'problem.amount', params: { currency: 'CNY', decimals: 2 }, field: 'amount' });
    await i18next.changeLanguage('en');
    expect(errorMessage(t as never, e)).toBe('Amount is not an amount in CNY (like 12000.50, at most 2 decimals)');
    await i18next.changeLanguage('zh');
    expect(errorMessage(t as never, e)).toBe('金额不是有效的 CNY 金额（例如 12000.50，最多 2 位小数）');
    await i18next.changeLanguage('es');
    expect(errorMessage(t as never, e)).toContain('Importe no es un importe en CNY');
  });

  it('translates the entity and status parameters too', async () => {
    await i18next.changeLanguage('en');
    const gone = new BackendError({ code: 'not_found', message_key: 'error.not_found', params: { entity: 'opportunity' } });
    expect(errorMessage(t as never, gone)).toBe('This deal no longer exists; it may have been deleted.');
    const closed = new BackendError({ code: 'lead_closed', message_key: 'error.lead_closed', params: { status: 'converted' } });
    expect(errorMessage(t as never, closed)).toBe('This lead is already Converted.');
  });

  it('never shows a raw code, stack or unknown key', async () => {
    await i18next.changeLanguage('en');
    const unknown = new BackendError({ code: 'weird', message_key: 'error.weird', params: {} });
    expect(errorMessage(t as never, unknown)).toBe(i18next.t('error.internal'));
    expect(errorMessage(t as never, new TypeError('Failed to fetch'))).toBe(i18next.t('error.unreachable'));
  });

  it('tells how many changes are safe when the server cannot be reached', async () => {
    const offline = (count: number) =>
      new BackendError({ code: 'server_unreachable', message_key: 'error.server_unreachable', params: { count } });
    await i18next.changeLanguage('en');
    expect(errorMessage(t as never, offline(1))).toContain('Your 1 change is safe and queued');
    expect(errorMessage(t as never, offline(1234))).toContain('Your 1,234 changes are safe and queued');
    await i18next.changeLanguage('zh');
    expect(errorMessage(t as never, offline(3))).toContain('3 项修改已安全保存');
    await i18next.changeLanguage('es');
    expect(errorMessage(t as never, offline(2))).toContain('Sus 2 cambios están a salvo');
  });

  it('says when a laptop past its lease stopped syncing and locked, in the user’s locale', async () => {
    const since = Date.UTC(2025, 2, 3, 9, 30);
    const locked = Date.UTC(2025, 3, 9, 9, 30);
    const e = new BackendError({ code: 'lease_expired', message_key: 'error.lease_expired', params: { since, locked_at: locked } });
    await i18next.changeLanguage('en');
    const en = errorMessage(t as never, e);
    expect(en).toMatch(/since Mar 3, 2025.*locked since Apr 9, 2025/);
    await i18next.changeLanguage('zh');
    expect(errorMessage(t as never, e)).toMatch(/2025年3月3日.*2025年4月9日/);
    await i18next.changeLanguage('es');
    expect(errorMessage(t as never, e)).toMatch(/desde el 3 mar 2025.*desde el 9 abr 2025/);
  });

  it('has a sentence for every refusal of the database’s protection, in every language', async () => {
    const codes = ['locked', 'wrong_key', 'backup_locked', 'passphrase_needed', 'lease_expired', 'bad_extension_code', 'wrong_passphrase'];
    codes.push('empty_passphrase', 'no_passphrase', 'no_keychain', 'keychain_locked', 'key_missing', 'key_corrupt', 'keychain');
    codes.push('vault_corrupt', 'vault_too_new', 'wiped');
    for (const lng of ['en', 'zh', 'es']) {
      await i18next.changeLanguage(lng);
      for (const code of codes) {
        const text = errorMessage(t as never, new BackendError({ code, message_key: `error.${code}`, params: { since: 1, locked_at: 2, files: 3 } }));
        expect(text, `${lng} ${code}`).not.toBe(i18next.t('error.internal'));
        expect(text, `${lng} ${code}`).not.toMatch(/{{|}}|error\./);
      }
    }
  });
});
