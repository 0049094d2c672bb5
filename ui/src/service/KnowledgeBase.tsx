// The knowledge base (#/kb, #/kb/ID): articles found by their words as the
// user types (published ones and the user's own drafts; Chinese substrings
// too), the latest ones before anything is typed; an article read with its
// Markdown drawn as text, how many cases it solved; and writing or editing
// one (draft or published) on the generic record path.

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordRow } from '../backend';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import { useApp } from '../context';
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

const LANGUAGES = ['en', 'zh', 'es'] as const;
const STATUSES = ['draft', 'published'] as const;

export default function KnowledgeBase({ id }: { id?: string }) {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [query, setQuery] = useState('');
  const [wanted, setWanted] = useState('');
  const [found, setFound] = useState<Found[] | null>(null);
  const [writing, setWriting] = useState<RecordRow | 'new' | null>(null);
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
          {writing !== null ? (
            <ArticleForm key={writing === 'new' ? 'new' : writing.id} article={writing === 'new' ? null : writing} onCancel={() => setWriting(null)} onSaved={afterSave} />
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

function draftOf(row: RecordRow | null, language: string): Draft {
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

/** Write a new article or change one; saved as a draft or published. */
function ArticleForm({ article, onCancel, onSaved }: { article: RecordRow | null; onCancel: () => void; onSaved: (row: RecordRow) => void }) {
  const { t, i18n } = useTranslation();
  const { backend, notify } = useApp();
  const before = useRef(draftOf(article, (LANGUAGES as readonly string[]).includes(i18n.language) ? i18n.language : ''));
  const [draft, setDraft] = useState<Draft>(before.current);
  const [busy, setBusy] = useState(false);
  const form = useFormError({
    title: t('field.title'),
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
        return backend.call('create_record', { kind: 'article', fields: given });
      }
      const changed = Object.fromEntries(Object.entries(draft).filter(([k, v]) => v !== before.current[k as keyof Draft]));
      return backend.call('update_record', { kind: 'article', id: article.id, fields: changed });
    });
    setBusy(false);
    if (!row) return;
    notify(t('kb.saved', { title: text(row, 'title') ?? '' }));
    onSaved(row);
  };

  const title = article ? t('kb.edit_title', { title: text(article, 'title') ?? '' }) : t('kb.new_title');
  return (
    <form className="card form article-form" onSubmit={save} aria-label={title} noValidate>
      <h2>{title}</h2>
      <Field label={`${t('field.title')} *`} name="title" errors={form}>
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
