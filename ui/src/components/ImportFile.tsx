import { useEffect, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BackendError, type ImportReport } from '../backend';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { formatNumber } from '../lib/format';

/** The file's bytes as base64, as the core's import commands take them. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

interface Props {
  into: 'leads' | 'contacts' | 'accounts';
  onDone: () => void;
}

/** Encodings the user can choose when the detected one reads the names wrong. */
const ENCODINGS = ['utf-8', 'gb18030', 'shift_jis', 'windows-1252', 'utf-16le', 'utf-16be', 'big5', 'euc-kr'];

/** Import a CSV or vCard file (a fair's business cards, a spreadsheet, an
 * address book's export): see what would happen first — columns, likely
 * duplicates, rows with problems — then import. The core detects the
 * encoding and the header line and says when it guessed; the user can
 * choose another encoding and say the file has no header line. */
export default function ImportFile({ into, onDone }: Props) {
  const { t } = useTranslation();
  const { backend, notify, locale } = useApp();
  const [file, setFile] = useState<{ name: string; content: string } | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [keepDuplicates, setKeepDuplicates] = useState(false);
  const [encoding, setEncoding] = useState('');
  const [noHeader, setNoHeader] = useState(false);
  const [headerInDoubt, setHeaderInDoubt] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // Rows checked of all, once the work has taken more than a second.
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  useEffect(() => {
    if (!busy) {
      setProgress(null);
      return;
    }
    let latest: { done: number; total: number } | null = null;
    let shown = false;
    const stop = backend.onProgress((p) => {
      if (p.task !== 'import') return;
      latest = { done: p.done, total: p.total };
      if (shown) setProgress(latest);
    });
    const timer = setTimeout(() => {
      shown = true;
      setProgress(latest ?? { done: 0, total: 0 });
    }, 1000);
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [backend, busy]);

  const args = (f: { name: string; content: string }, read = { encoding, noHeader }) => ({
    into,
    file_name: f.name,
    content: f.content,
    skip_invalid: skipInvalid,
    keep_duplicates: keepDuplicates,
    encoding: read.encoding || null,
    no_header: read.noHeader,
  });

  const preview = async (f: { name: string; content: string }, read = { encoding, noHeader }) => {
    setBusy(true);
    setError('');
    setReport(null);
    try {
      setReport(await backend.call('import_preview', args(f, read)));
    } catch (err) {
      if (err instanceof BackendError && err.error.code === 'import_no_header') setHeaderInDoubt(true);
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };

  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = e.target.files?.[0];
    if (!chosen) return;
    const f = { name: chosen.name, content: await base64Of(chosen) };
    setFile(f);
    setEncoding('');
    setNoHeader(false);
    setHeaderInDoubt(false);
    await preview(f, { encoding: '', noHeader: false });
  };

  const chooseEncoding = (value: string) => {
    setEncoding(value);
    if (file) void preview(file, { encoding: value, noHeader });
  };

  const chooseNoHeader = (value: boolean) => {
    setNoHeader(value);
    if (file) void preview(file, { encoding, noHeader: value });
  };

  const run = async () => {
    if (!file) return;
    setBusy(true);
    setError('');
    try {
      const done = await backend.call('import_file', args(file));
      notify(t('import.done', { count: done.new_records }));
      onDone();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };

  const n = (v: number) => formatNumber(v, locale);
  const p = report?.preview;
  const willImport = report ? (keepDuplicates ? report.new_records + report.duplicates : report.new_records) : 0;
  return (
    <section className="card form" aria-label={t('import.title')}>
      <h2>{t('import.title')}</h2>
      <p className="muted">{t('import.intro')}</p>
      {progress && (
        <div role="status" className="row wrap" data-testid="import-progress">
          <progress max={progress.total || undefined} value={progress.total ? progress.done : undefined} />
          <span>{progress.total ? t('import.progress', { done: formatNumber(progress.done, locale), total: formatNumber(progress.total, locale) }) : t('common.loading')}</span>
          <button type="button" onClick={() => void backend.call('import_cancel')}>
            {t('common.cancel')}
          </button>
        </div>
      )}
      <label>
        {t('import.file')}
        <input type="file" accept=".csv,.txt,.vcf,.vcard,text/csv,text/vcard" onChange={choose} disabled={busy} />
      </label>
      {error && (
        <p role="alert" className="late">
          {error}
        </p>
      )}
      {file && (
        <label>
          {t('import.encoding')}
          <select value={encoding} onChange={(e) => chooseEncoding(e.target.value)} disabled={busy}>
            <option value="">{t('import.encoding_auto')}</option>
            {ENCODINGS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      {file && (headerInDoubt || report?.preview.format === 'csv') && (
        <label className="check">
          <input type="checkbox" checked={noHeader} onChange={(e) => chooseNoHeader(e.target.checked)} disabled={busy} />
          {t('import.no_header')}
        </label>
      )}
      {report && p && (
        <div data-testid="import-preview">
          <p>
            {t('import.summary', {
              rows: n(p.rows),
              fresh: n(report.new_records),
              duplicates: n(report.duplicates),
              again: n(report.already_imported),
              bad: n(p.bad_rows),
            })}
          </p>
          {report.accounts_created > 0 && <p>{t('import.accounts_created', { count: report.accounts_created })}</p>}
          <p className="muted small">
            {t('import.read_as', { format: p.format, encoding: p.encoding })}
          </p>
          {p.encoding_guessed && <p className="small">{t('import.encoding_guessed', { encoding: p.encoding })}</p>}
          {p.format === 'csv' && !p.header && <p className="small">{t('import.headerless')}</p>}
          {p.columns.length > 0 && (
            <table className="grid">
              <caption className="sr-only">{t('import.columns')}</caption>
              <tbody>
                {p.columns.map((c) => (
                  <tr key={c.number}>
                    <td>{c.header}</td>
                    <td>{c.target ? t(`field.${c.target}`, { defaultValue: c.target }) : <span className="muted">{t('import.left_out')}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {p.problems.length > 0 && (
            <ul className="plain small" aria-label={t('import.problems')}>
              {p.problems.map((pr, i) => (
                <li key={i}>
                  {t('import.problem_line', {
                    line: pr.line,
                    field: pr.field === '*' ? '' : t(`field.${pr.field}`, { defaultValue: pr.field }),
                    problem: t(`problem.${pr.code}`, { ...pr.params, defaultValue: t('import.bad_value') }),
                  })}
                  {pr.value && <span className="muted"> “{pr.value}”</span>}
                </li>
              ))}
            </ul>
          )}
          {p.bad_rows > 0 && (
            <label className="check">
              <input type="checkbox" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} />
              {t('import.skip_invalid', { count: p.bad_rows })}
            </label>
          )}
          {report.duplicates > 0 && (
            <label className="check">
              <input type="checkbox" checked={keepDuplicates} onChange={(e) => setKeepDuplicates(e.target.checked)} />
              {t('import.keep_duplicates', { count: report.duplicates })}
            </label>
          )}
        </div>
      )}
      <div className="row">
        {report && (
          <button type="button" className="primary" onClick={run} disabled={busy || willImport === 0 || (p!.bad_rows > 0 && !skipInvalid)}>
            {t('import.run', { count: willImport })}
          </button>
        )}
        <button type="button" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </section>
  );
}
