import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Status } from '../backend';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { useFormError } from '../lib/useFormError';
import { chosenPassphraseProblem } from './passphrase';

/** The reasons nothing is open that have a screen of their own, before the
 * app's: the rest are told on Welcome's problem screen. */
export const GATES: readonly string[] = ['passphrase_needed', 'no_keychain', 'wiped'];

/** Why nothing is open, when it is one of the [GATES]: unlock the database,
 * choose its passphrase, or learn that it was erased. `onStatus` takes the
 * status `unlock` answers with. */
export default function Gate({ status, onStatus }: { status: Status; onStatus: (s: Status) => void }) {
  const code = status.problem?.code;
  return (
    <div className="gate">
      {code === 'passphrase_needed' && <Unlock onStatus={onStatus} />}
      {code === 'no_keychain' && <ChoosePassphrase onStatus={onStatus} />}
      {code === 'wiped' && <Wiped files={Number(status.problem?.params.files ?? 0)} />}
    </div>
  );
}

function Panel({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  const { status } = useApp();
  return (
    <section className="card gate-panel" aria-labelledby="gate-title">
      <div className="brand">{t('app.title')}</div>
      <h1 id="gate-title">{title}</h1>
      {children}
      <p className="muted small">
        {t('welcome.problem_where')} <code>{status.data_dir}</code>
      </p>
    </section>
  );
}

/** The database has a passphrase: ask for it. */
function Unlock({ onStatus }: { onStatus: (s: Status) => void }) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const form = useFormError({ passphrase: t('protection.passphrase') });
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  const unlock = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const opened = await form.run(() => backend.call('unlock', { passphrase }));
    setBusy(false);
    if (opened) return onStatus(opened);
    // Refused: straight back to the field for another try.
    setPassphrase('');
    field.current?.focus();
  };

  return (
    <Panel title={t('protection.unlock_title')}>
      <p>{t('protection.unlock_intro')}</p>
      <form className="form" onSubmit={unlock}>
        <Field label={t('protection.passphrase')} name="passphrase" errors={form}>
          <input ref={field} type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus autoComplete="current-password" required />
        </Field>
        <div className="row">
          <button type="submit" className="primary" disabled={busy || passphrase === ''}>
            {t('protection.unlock')}
          </button>
        </div>
        <Problem message={form.actionError} />
      </form>
    </Panel>
  );
}

/** No keychain on this computer and no protection chosen yet: the user
 * chooses the passphrase the data will be encrypted with. */
function ChoosePassphrase({ onStatus }: { onStatus: (s: Status) => void }) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const form = useFormError({ passphrase: t('protection.choose_new') });
  const [passphrase, setPassphrase] = useState('');
  const [repeated, setRepeated] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const choose = async (e: FormEvent) => {
    e.preventDefault();
    const refused = chosenPassphraseProblem(passphrase, repeated);
    setProblem(refused);
    if (refused) return;
    setBusy(true);
    const opened = await form.run(() => backend.call('unlock', { passphrase }));
    setBusy(false);
    if (opened) onStatus(opened);
  };

  return (
    <Panel title={t('protection.choose_title')}>
      <p>{t('protection.choose_intro')}</p>
      <ul className="gate-points">
        <li>{t('protection.choose_encrypted')}</li>
        <li>{t('protection.choose_no_way_back')}</li>
        <li>{t('protection.choose_keep')}</li>
      </ul>
      <form className="form" onSubmit={choose} onInput={() => setProblem(null)}>
        <Field label={t('protection.choose_new')} name="passphrase" errors={form}>
          <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus autoComplete="new-password" />
        </Field>
        <label>
          {t('protection.choose_repeat')}
          <input
            type="password"
            value={repeated}
            onChange={(e) => setRepeated(e.target.value)}
            autoComplete="new-password"
            aria-invalid={problem === 'choose_mismatch' || undefined}
          />
        </label>
        <p className="muted small">{t('protection.choose_hint')}</p>
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            {t('protection.choose')}
          </button>
        </div>
        <Problem message={problem ? t(`protection.${problem}`) : form.actionError} />
      </form>
    </Panel>
  );
}

/** An administrator marked this laptop lost: its copy of the team's data is
 * gone, and this window can do nothing more. */
function Wiped({ files }: { files: number }) {
  const { t } = useTranslation();
  return (
    <Panel title={t('protection.wiped_title')}>
      <p role="alert">{t('protection.wiped_intro')}</p>
      {files > 0 && <p className="muted">{t('protection.wiped_files', { count: files })}</p>}
      <p>{t('protection.wiped_next')}</p>
    </Panel>
  );
}
