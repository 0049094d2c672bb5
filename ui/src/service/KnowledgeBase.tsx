// The knowledge base (#/kb, #/kb/ID): articles found by their words as the
// user types (published ones and the user's own drafts; Chinese substrings
// too), the latest ones before anything is typed; an article read with its
// Markdown drawn as text, how many cases it solved; and writing or editing
// one (draft or published) on the generic record path. #/kb/new?case=ID
// starts one from a resolved case: its subject and its story (case_story).

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BackendError, toBackendError, type RecordRow } from '../backend';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { errorMessage } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { onListKeys } from '../lib/listKeys';
import { choiceLabelKey, recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { useFormError } from '../lib/useFormError';
import Markdown from './Markdown';
import { text } from './lib';

interface Found {
  id: string;
  title: string;
  /** Shown beside the title (a draft says so). */
  status?: string | null;
}

/** An article begun from a resolved case. */
interface FromCase {
  caseId: string;
  number: string;
  subject: string;
  story: string;
}

const LANGUAGES = ['en', 'zh', 'es'] as const;
const STATUSES = ['draft', 'published'] as const;

export default function KnowledgeBase({ id, fromCase }: { id?: string; fromCase?: string }) {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [query, setQuery] = useState('');
  const [wanted, setWanted] = useState('');
  const [found, setFound] = useState<Found[] | null>(null);
  const [writing, setWriting] = useState<RecordRow | FromCase | 'new' | null>(null);
  // The case's story once read, or why it cannot be.
  const [started, setStarted] = useState<FromCase | null>(null);
  const [refused, setRefused] = useState<BackendError | null>(null);
  // Bumped after a save: the list shows the article as saved.
  const [saved, setSaved] = useState(0);

  useEffect(() => {
    const timer = setTimeout(() => setWanted(query.trim()), 150);
    return () => clearTimeout(timer);
  }, [query]);

  useEffect(() => {
    let live = true;
    const done = (rows: Found[]) => live && setFound(rows);
    if (wanted) backend.call('kb_search', { query: wanted, limit: 50 }).then(done, fail);
    else
      backend
        .call('list_records', { kind: 'article', sort: 'updated_at', descending: true, limit: 50 })
        .then((page) => done(page.rows.map((r) => ({ id: r.id, title: text(r, 'title') ?? '', status: text(r, 'status') }))), fail);
    return () => {
      live = false;
    };
  }, [backend, fail, wanted, saved]);

  // Opening another article leaves the editor.
  useEffect(() => setWriting(null), [id]);

  // Writing from a case: the editor opens with its subject and story. A
  // case reopened meanwhile is said here, in this screen's words.
  useEffect(() => {
    setStarted(null);
    setRefused(null);
    if (!fromCase) return;
    let live = true;
    Promise.all([backend.call('case_story', { id: fromCase }), backend.call('get_record', { kind: 'case', id: fromCase })]).then(
      ([story, c]) => {
        if (!live) return;
        const start = { caseId: fromCase, number: text(c, 'number') ?? '', subject: text(c, 'subject') ?? '', story };
        setStarted(start);
        setWriting(start);
      },
      (e: unknown) => {
        if (!live) return;
        const error = toBackendError(e);
        if (error.error.code === 'case_not_resolved') setRefused(new BackendError({ ...error.error, message_key: 'kb.case_open' }));
        else fail(e);
      },
    );
    return () => {
      live = false;
    };
  }, [backend, fail, fromCase]);

  const afterSave = (row: RecordRow) => {
    setWriting(null);
    setSaved((n) => n + 1);
    if (row.id !== id) window.location.hash = routeHash({ screen: 'article', id: row.id });
  };

  return (
    <section aria-labelledby="kb-title" className="kb">
      <header className="screen-head">
        <h1 id="kb-title">{t('kb.title')}</h1>
        <button type="button" className="primary push-end" onClick={() => setWriting('new')} disabled={writing === 'new'}>
          {t('kb.write')}
        </button>
      </header>
      <div className="kb-grid">
        <div className="kb-list">
          <label className="records-search">
            {t('kb.search')}
            <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('kb.search_hint')} />
          </label>
          <h2 id="kb-results-title" className="small muted">
            {wanted ? t('kb.results') : t('kb.latest')}
          </h2>
          {found === null ? (
            <p>{t('common.loading')}</p>
          ) : found.length === 0 ? (
            <p className="muted">{wanted ? t('kb.none', { query: wanted }) : t('kb.empty')}</p>
          ) : (
            <ul className="plain kb-results card" aria-labelledby="kb-results-title" onKeyDown={onListKeys}>
              {found.map((a) => (
                <li key={a.id}>
                  <a href={routeHash({ screen: 'article', id: a.id })} data-row aria-current={a.id === id ? 'page' : undefined}>
                    {a.title}
                  </a>
                  {a.status === 'draft' && <span className="badge status-draft">{t(choiceLabelKey('article', 'status', 'draft'))}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="kb-reader">
          {writing === 'new' ? (
            <ArticleForm key="new" article={null} onCancel={() => setWriting(null)} onSaved={afterSave} />
          ) : writing !== null && 'caseId' in writing ? (
            <ArticleForm
              key={`case-${writing.caseId}`}
              article={null}
              from={writing}
              // Not written after all: back to the case it came from.
              onCancel={() => (window.location.hash = routeHash({ screen: 'case', id: writing.caseId }))}
              onSaved={afterSave}
            />
          ) : writing !== null ? (
            <ArticleForm key={writing.id} article={writing} onCancel={() => setWriting(null)} onSaved={afterSave} />
          ) : refused && fromCase ? (
            <p className="card" data-testid="case-refused">
              <Problem message={errorMessage(t, refused)} /> <a href={routeHash({ screen: 'case', id: fromCase })}>{t('kb.back_to_case', { number: String(refused.error.params.number ?? '') })}</a>
            </p>
          ) : fromCase && !started ? (
            <p>{t('common.loading')}</p>
          ) : id ? (
            <Article key={`${id}-${saved}`} id={id} onEdit={setWriting} />
          ) : (
            <p className="muted card">{t('kb.pick')}</p>
          )}
        </div>
      </div>
    </section>
  );
}

/** One article, read: its facts, how often it solved a case, its body. */
function Article({ id, onEdit }: { id: string; onEdit: (row: RecordRow) => void }) {
  const { t } = useTranslation();
  const { backend, fail, locale } = useApp();
  const [row, setRow] = useState<RecordRow | null>(null);
  const [uses, setUses] = useState<number | null>(null);
  const [mayEdit, setMayEdit] = useState(false);
  const [author, setAuthor] = useState<string | null>(null);
  const [gone, setGone] = useState(false);

  useEffect(() => {
    let live = true;
    Promise.all([backend.call('get_record', { kind: 'article', id }), backend.call('article_uses', { id }), backend.call('describe', { kind: 'article' })]).then(
      ([r, n, d]) => {
        if (!live) return;
        setRow(r);
        setUses(n);
        setMayEdit(d.may_edit);
      },
      (e: unknown) => {
        if (!live) return;
        setGone(true);
        fail(e);
      },
    );
    return () => {
      live = false;
    };
  }, [backend, fail, id]);

  // The author's name: a single record comes without it.
  const authorId = row ? text(row, 'author_id') : null;
  useEffect(() => {
    if (!authorId) return;
    let live = true;
    backend.call('list_users').then((users) => live && setAuthor(users.find((u) => u.id === authorId)?.name ?? null), () => {});
    return () => {
      live = false;
    };
  }, [backend, authorId]);

  if (gone) return <p className="muted card">{t('record_page.gone')}</p>;
  if (!row) return <p>{t('common.loading')}</p>;
  const status = text(row, 'status') ?? 'draft';
  const language = text(row, 'language');
  const tags = Array.isArray(row.fields.tags) ? row.fields.tags : [];
  const product = text(row, 'product_id');
  const fromCase = text(row, 'case_id');
  return (
    <article className="card article" aria-labelledby="article-title">
      <h2 id="article-title" className="article-title" tabIndex={-1}>
        <span className="grow">{text(row, 'title')}</span>
        <span className={`badge status-${status}`} data-testid="article-status">
          {t(choiceLabelKey('article', 'status', status))}
        </span>
        {mayEdit && (
          <button type="button" className="link" onClick={() => onEdit(row)}>
            {t('common.edit')}
          </button>
        )}
      </h2>
      <p className="muted small article-facts">
        <span data-testid="article-uses">{t('kb.uses', { count: uses ?? 0 })}</span>
        {language && <> · {t(choiceLabelKey('article', 'language', language))}</>}
        {text(row, 'category') && <> · {text(row, 'category')}</>}
        {author && <> · {t('account.by', { name: author })}</>}
        {' · '}
        {t('record_page.changed', { when: formatDateTime(row.updated_at, locale) })}
      </p>
      {(tags.length > 0 || product || fromCase) && (
        <p className="small article-links">
          {tags.map((tag) => (
            <span key={tag} className="badge tag">
              {tag}
            </span>
          ))}
          {product && <a href={recordHash('product', product)}>{t('field.product_id')}</a>}
          {fromCase && <a href={recordHash('case', fromCase)}>{t('kb.from_case')}</a>}
        </p>
      )}
      <Markdown source={text(row, 'body') ?? ''} />
    </article>
  );
}

const EMPTY = { title: '', body: '', language: '', category: '', tags: '', status: 'draft' };
type Draft = typeof EMPTY;

function draftOf(row: RecordRow | null, language: string, from?: FromCase): Draft {
  if (from) return { ...EMPTY, language, title: from.subject, body: from.story };
  if (!row) return { ...EMPTY, language };
  const tags = row.fields.tags;
  return {
    title: text(row, 'title') ?? '',
    body: text(row, 'body') ?? '',
    language: text(row, 'language') ?? '',
    category: text(row, 'category') ?? '',
    tags: Array.isArray(tags) ? tags.join(', ') : '',
    status: text(row, 'status') ?? 'draft',
  };
}

/** Write a new article (from a case: linked to it) or change one; saved as
 * a draft or published. */
function ArticleForm({
  article,
  from,
  onCancel,
  onSaved,
}: {
  article: RecordRow | null;
  from?: FromCase;
  onCancel: () => void;
  onSaved: (row: RecordRow) => void;
}) {
  const { t, i18n } = useTranslation();
  const { backend, notify } = useApp();
  const before = useRef(draftOf(article, (LANGUAGES as readonly string[]).includes(i18n.language) ? i18n.language : '', from));
  const [draft, setDraft] = useState<Draft>(before.current);
  const [busy, setBusy] = useState(false);
  const form = useFormError({
    title: t('kb.title_label'),
    body: t('kb.body'),
    language: t('field.language'),
    category: t('field.category'),
    tags: t('field.tags'),
    status: t('field.status'),
  });
  const set = useCallback((name: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.target.value })), []);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    const row = await form.run(() => {
      if (!article) {
        const given = Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== ''));
        return backend.call('create_record', { kind: 'article', fields: from ? { ...given, case_id: from.caseId } : given });
      }
      const changed = Object.fromEntries(Object.entries(draft).filter(([k, v]) => v !== before.current[k as keyof Draft]));
      return backend.call('update_record', { kind: 'article', id: article.id, fields: changed });
    });
    setBusy(false);
    if (!row) return;
    notify(t('kb.saved', { title: text(row, 'title') ?? '' }));
    onSaved(row);
  };

  const title = article
    ? t('kb.edit_title', { title: text(article, 'title') ?? '' })
    : from
      ? t('kb.from_case_title', { number: from.number })
      : t('kb.new_title');
  return (
    <form className="card form article-form" onSubmit={save} aria-label={title} noValidate>
      <h2>{title}</h2>
      {from && (
        <p className="muted small">
          {t('kb.from_case_hint')}{' '}
          <a href={routeHash({ screen: 'case', id: from.caseId })} className="nowrap">
            {t('kb.back_to_case', { number: from.number })}
          </a>
        </p>
      )}
      <Field label={`${t('kb.title_label')} *`} name="title" errors={form}>
        <input value={draft.title} onChange={set('title')} autoFocus />
      </Field>
      <Field label={`${t('kb.body')} *`} name="body" errors={form}>
        <textarea rows={12} value={draft.body} onChange={set('body')} />
      </Field>
      <p className="muted small">{t('kb.body_hint')}</p>
      <div className="row wrap">
        <Field className="grow" label={t('field.language')} name="language" errors={form}>
          <select value={draft.language} onChange={set('language')}>
            <option value="">{t('common.none')}</option>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(choiceLabelKey('article', 'language', l))}
              </option>
            ))}
          </select>
        </Field>
        <Field className="grow" label={t('field.category')} name="category" errors={form}>
          <input value={draft.category} onChange={set('category')} />
        </Field>
        <Field className="grow" label={t('field.status')} name="status" errors={form}>
          <select value={draft.status} onChange={set('status')}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(choiceLabelKey('article', 'status', s))}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field label={t('field.tags')} name="tags" errors={form}>
        <input value={draft.tags} onChange={set('tags')} />
      </Field>
      <FormActions submit={t('kb.save')} onCancel={onCancel} busy={busy} error={form.actionError} />
    </form>
  );
}
