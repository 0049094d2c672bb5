// The team's own company as its quotes show it (Settings): name, address,
// tax ID, bank, terms and a logo (PNG or JPEG, at most 48 KB). Managers and
// admins change it; everyone else reads it.

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { KindView, RecordRow } from '../backend';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { useFormError } from '../lib/useFormError';
import { MAX_LOGO_BYTES, bytesBase64, imageType, logoUrl, text } from './lib';

const FIELDS = ['name', 'address', 'phone', 'email', 'website', 'tax_id', 'bank', 'terms'] as const;
const LONG = new Set(['address', 'bank', 'terms']);

export default function CompanyDetails() {
  const { t } = useTranslation();
  const { backend, fail, notify } = useApp();
  const [company, setCompany] = useState<RecordRow | null>(null);
  const [view, setView] = useState<KindView | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [logo, setLogo] = useState<{ base64: string; url: string } | null>(null);
  const [logoProblem, setLogoProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const form = useFormError({ ...Object.fromEntries(FIELDS.map((f) => [f, t(`field.${f}`)])), logo: t('field.logo') });

  useEffect(() => {
    Promise.all([backend.call('company'), backend.call('describe', { kind: 'company' })]).then(([c, v]) => {
      setCompany(c);
      setView(v);
      setDraft(Object.fromEntries(FIELDS.map((f) => [f, text(c, f) ?? ''])));
    }, fail);
  }, [backend, fail]);

  if (!view) return null;
  const mayEdit = view.may_edit;
  const shownLogo = logo?.url ?? logoUrl(text(company, 'logo'));

  const chooseLogo = async (file: File | undefined) => {
    setLogoProblem(undefined);
    form.edited('logo');
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const type = imageType(bytes);
    if (!type) {
      setLogoProblem(t('settings.logo_type'));
    } else if (bytes.length > MAX_LOGO_BYTES) {
      setLogoProblem(t('settings.logo_too_large', { size: Math.ceil(bytes.length / 1024) }));
    } else {
      const base64 = bytesBase64(bytes);
      setLogo({ base64, url: `data:${type};base64,${base64}` });
      return;
    }
    if (fileInput.current) fileInput.current.value = '';
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || logoProblem) return;
    setBusy(true);
    const saved = await form.run(() => backend.call('set_company', { fields: draft, logo_base64: logo?.base64 ?? null }));
    setBusy(false);
    if (!saved) return;
    setCompany(saved);
    setLogo(null);
    if (fileInput.current) fileInput.current.value = '';
    notify(t('settings.company_saved'));
  };

  return (
    <section className="card" aria-labelledby="company-title">
      <h2 id="company-title">{t('settings.company_title')}</h2>
      <p className="muted small">{t('settings.company_intro')}</p>
      {!mayEdit && <p className="muted small">{t('records.read_only', { roles: view.editors.map((r) => t(`role.${r}`, { defaultValue: r })).join(', ') })}</p>}
      {mayEdit ? (
        <form className="form company-form" onSubmit={save} aria-labelledby="company-title" noValidate>
          <div className="record-fields">
            {FIELDS.map((f) => (
              <Field key={f} className={LONG.has(f) ? 'wide' : undefined} label={`${t(`field.${f}`)}${f === 'name' ? ' *' : ''}`} name={f} errors={form}>
                {LONG.has(f) ? (
                  <textarea rows={f === 'terms' ? 3 : 2} value={draft[f] ?? ''} onChange={(e) => setDraft((d) => ({ ...d, [f]: e.target.value }))} />
                ) : (
                  <input value={draft[f] ?? ''} onChange={(e) => setDraft((d) => ({ ...d, [f]: e.target.value }))} />
                )}
              </Field>
            ))}
          </div>
          <div className="row wrap logo-row">
            {shownLogo && <img className="logo" src={shownLogo} alt={t('field.logo')} />}
            <Field label={`${t('field.logo')} (${t('settings.logo_hint')})`} name="logo" errors={form}>
              <input ref={fileInput} type="file" accept="image/png,image/jpeg" onChange={(e) => void chooseLogo(e.target.files?.[0])} />
            </Field>
            <Problem message={logoProblem} />
          </div>
          <div className="row wrap">
            <button type="submit" className="primary" disabled={busy}>
              {t('common.save')}
            </button>
            <Problem message={form.actionError} />
          </div>
        </form>
      ) : (
        <dl className="details">
          {shownLogo && (
            <div>
              <dt>{t('field.logo')}</dt>
              <dd>
                <img className="logo" src={shownLogo} alt={t('field.logo')} />
              </dd>
            </div>
          )}
          {FIELDS.map((f) => (
            <div key={f}>
              <dt>{t(`field.${f}`)}</dt>
              <dd className="pre">{text(company, f) ?? t('common.none')}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
