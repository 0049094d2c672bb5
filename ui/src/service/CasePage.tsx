// A case (#/cases/ID): who and what, its two clocks (first answer and
// resolution) with their due times and what is left in working time, the
// moves its flow allows, a reply box (Ctrl+Enter), its story (replies,
// moves, escalations, newest first), the articles that may solve it, its
// solution, and the customer's satisfaction once resolved; a resolved case
// starts an article from its story.

import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseMove, CaseView, RecordRow, ReplyKind } from '../backend';
import Field from '../components/Field';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { formatDateTime } from '../lib/format';
import { choiceLabelKey, recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { useFormError } from '../lib/useFormError';
import { CaseStatus, ClockCell, ClockWhen, Escalation, Priority } from './Badges';
import { CSAT_SCORES, REPLY_KINDS, caseMoves, caseStory, clockState, isOpenStatus, moment, text, type StoryEntry } from './lib';

export default function CasePage({ id }: { id: string }) {
  const { t } = useTranslation();
  const { backend, fail } = useApp();
  const [view, setView] = useState<CaseView | null>(null);
  const [gone, setGone] = useState(false);
  const [people, setPeople] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    let live = true;
    backend.call('case_view', { id }).then(
      (v) => live && setView(v),
      (e: unknown) => {
        if (!live) return;
        setGone(true);
        fail(e);
      },
    );
    // Who wrote each reply and move: the story's rows name people by id.
    backend.call('list_users').then(
      (users) => live && setPeople(new Map(users.map((u) => [u.id, u.name]))),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [backend, fail, id]);

  if (gone) {
    return (
      <article>
        <a href={routeHash({ screen: 'cases' })} className="muted">
          ← {t('cases.back')}
        </a>
        <p className="muted">{t('record_page.gone')}</p>
      </article>
    );
  }
  if (!view) return <p>{t('common.loading')}</p>;
  return <Case view={view} onChange={setView} people={people} />;
}

function Case({ view, onChange, people }: { view: CaseView; onChange: (v: CaseView) => void; people: Map<string, string> }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const c = view.case;
  const number = text(c, 'number') ?? '';
  const status = text(c, 'status') ?? 'new';
  const open = isOpenStatus(status);
  const account = text(c, 'account_id');
  const contact = text(c, 'contact_id');
  const opened = moment(c, 'opened_at');
  const resolved = status === 'resolved' || status === 'closed';
  const at = (ms: number | null) => (ms === null ? null : formatDateTime(new Date(ms).toISOString(), locale));

  return (
    <article className="document case-page" aria-labelledby="case-title" data-status={status}>
      <header className="screen-head">
        <div className="grow">
          <a href={routeHash({ screen: 'cases' })} className="muted">
            ← {t('cases.back')}
          </a>
          <h1 id="case-title" tabIndex={-1}>
            <span className="case-number" data-testid="case-number">
              {number}
            </span>{' '}
            {text(c, 'subject')} <CaseStatus status={status} /> <Priority priority={text(c, 'priority') ?? 'normal'} />{' '}
            <Escalation level={Number(view.level)} />
          </h1>
          <p className="muted small">
            {account ? <a href={recordHash('account', account)}>{c.titles.account_id ?? t('common.missing_record')}</a> : t('common.none')}
            {contact && (
              <>
                {' · '}
                <a href={recordHash('contact', contact)}>{c.titles.contact_id ?? t('common.missing_record')}</a>
              </>
            )}
            {text(c, 'channel') && <> · {t(choiceLabelKey('case', 'channel', text(c, 'channel') ?? ''))}</>}
            {opened !== null && <> · {t('cases.opened_at', { when: at(opened) })}</>}
          </p>
        </div>
        {resolved && (
          // What solved it, kept for the next customer: the knowledge base's
          // editor opens with the case's story (case_story).
          <a className="button" href={routeHash({ screen: 'kb', fromCase: c.id })}>
            {t('cases.write_article')}
          </a>
        )}
      </header>

      <div className="document-grid">
        <div className="document-main">
          <Clocks view={view} />
          <Moves view={view} onChange={onChange} />
          {open ? (
            <Reply view={view} onChange={onChange} />
          ) : (
            <p className="card muted" data-testid="reply-closed">
              {t('cases.reply_closed', { status: t(choiceLabelKey('case', 'status', status)) })}
            </p>
          )}
          <Story view={view} people={people} />
        </div>
        <div className="document-side">
          <Details view={view} people={people} />
          {view.solution && <Solution article={view.solution} />}
          {status !== 'closed' && !(view.solution && view.suggested.every((s) => s.id === view.solution?.id)) && <Suggested view={view} onChange={onChange} />}
          {resolved && <Satisfaction view={view} onChange={onChange} people={people} />}
        </div>
      </div>
    </article>
  );
}

/** The first answer and the resolution: state, due time, badges. */
function Clocks({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const clock = view.clock;
  return (
    <section className="card clocks" aria-labelledby="clocks-title">
      <h2 id="clocks-title">{t('cases.service_level')}</h2>
      {!clock ? (
        <p className="muted small" data-testid="no-clock">
          {t('cases.no_clock')}
        </p>
      ) : (
        <dl className="clock-list">
          {(['first_response', 'resolution'] as const).map((target) => {
            const due = clock[target];
            const s = clockState(due);
            return (
              <div key={target} data-testid={`clock-${target}`} data-state={s.state}>
                <dt>{t(`cases.${target}`)}</dt>
                <dd>
                  <span className="clock-state">
                    <ClockCell due={due} />
                    {(s.state === 'breached' || s.state === 'met_late') && <span className="badge late">{t('cases.breached')}</span>}
                    {s.state === 'paused' && <span className="badge">{t('cases.paused')}</span>}
                  </span>
                  <span className="small clock-when">
                    <ClockWhen due={due} />
                  </span>
                </dd>
              </div>
            );
          })}
        </dl>
      )}
    </section>
  );
}

/** The moves the flow allows from the case's status, with an optional note. */
function Moves({ view, onChange }: { view: CaseView; onChange: (v: CaseView) => void }) {
  const { t } = useTranslation();
  const { backend, notify } = useApp();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormError({ note: t('cases.note') });
  const bar = useRef<HTMLDivElement>(null);
  const refocus = useRef(false);
  const status = text(view.case, 'status') ?? 'new';
  const moves = caseMoves(status);

  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    bar.current?.querySelector<HTMLElement>('button')?.focus();
  }, [status]);

  const move = async (to: CaseMove) => {
    if (busy) return;
    setBusy(true);
    const v = await form.run(() => backend.call('case_move', { id: view.case.id, status: to, note: note.trim() || null }));
    setBusy(false);
    if (!v) {
      // Refused: the case may have moved elsewhere meanwhile. The page
      // catches up (the refusal stays said) so its buttons are the flow's.
      backend.call('case_view', { id: view.case.id }).then(onChange, () => {});
      return;
    }
    setNote('');
    refocus.current = true;
    onChange(v);
    notify(t('cases.moved', { number: text(v.case, 'number') ?? '', status: t(choiceLabelKey('case', 'status', text(v.case, 'status') ?? '')) }));
  };

  return (
    <section className="card moves" aria-labelledby="moves-title">
      <h2 id="moves-title">{t('cases.status_title')}</h2>
      <div className="row wrap">
        <Field className="grow" label={t('cases.note')} name="note" errors={form}>
          <input value={note} onChange={(e) => setNote(e.target.value)} />
        </Field>
        <div className="row wrap move-buttons" role="group" aria-label={t('cases.moves')} ref={bar}>
          {moves.map((to, i) => (
            <button key={to} type="button" className={i === 0 ? 'primary' : undefined} disabled={busy} onClick={() => void move(to)}>
              {t(`cases.move.${to}`)}
            </button>
          ))}
        </div>
      </div>
      <Problem message={form.actionError} />
    </section>
  );
}

/** A reply, call or the customer's message; Ctrl+Enter adds it and the
 * keyboard stays in the message for the next one. */
function Reply({ view, onChange }: { view: CaseView; onChange: (v: CaseView) => void }) {
  const { t } = useTranslation();
  const { backend, notify } = useApp();
  const subjectOf = useCallback(() => t('cases.reply_subject_default', { subject: text(view.case, 'subject') ?? '' }), [t, view.case]);
  const [kind, setKind] = useState<ReplyKind>('email');
  const [subject, setSubject] = useState(subjectOf);
  const [body, setBody] = useState('');
  const [inbound, setInbound] = useState(false);
  const [busy, setBusy] = useState(false);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const form = useFormError({ kind: t('cases.reply_kind'), subject: t('field.subject'), body: t('cases.reply_body') });

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    setBusy(true);
    const v = await form.run(() => backend.call('case_reply', { id: view.case.id, kind, subject, body: body.trim() || null, inbound }));
    setBusy(false);
    if (!v) return;
    setBody('');
    setSubject(subjectOf());
    setInbound(false);
    onChange(v);
    notify(inbound ? t('cases.customer_logged') : t('cases.replied'));
    bodyRef.current?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form className="card form reply" onSubmit={submit} onKeyDown={onKey} aria-labelledby="reply-title" noValidate>
      <h2 id="reply-title">{t('cases.reply_title')}</h2>
      <div className="row wrap">
        <Field label={t('cases.reply_kind')} name="kind" errors={form}>
          <select value={kind} onChange={(e) => setKind(e.target.value as ReplyKind)}>
            {REPLY_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`cases.reply_kinds.${k}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field className="grow" label={t('field.subject')} name="subject" errors={form}>
          <input value={subject} onChange={(e) => setSubject(e.target.value)} />
        </Field>
      </div>
      <Field label={t('cases.reply_body')} name="body" errors={form}>
        <textarea ref={bodyRef} rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
      </Field>
      <div className="row wrap reply-actions">
        <label className="check">
          <input type="checkbox" checked={inbound} onChange={(e) => setInbound(e.target.checked)} /> {t('cases.inbound')}
        </label>
        <span className="muted small grow">{t('cases.reply_hint')}</span>
        <button type="submit" className="primary" disabled={busy}>
          {inbound ? t('cases.log_customer') : t('cases.reply')}
        </button>
        <Problem message={form.actionError} />
      </div>
    </form>
  );
}

/** The case's story, newest first: replies and calls, moves, escalations, its opening. */
function Story({ view, people }: { view: CaseView; people: Map<string, string> }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const entries = caseStory(view.case, view.events, view.timeline);
  const when = (ms: number) => formatDateTime(new Date(ms).toISOString(), locale);
  const by = (row: RecordRow) => {
    const author = text(row, 'author_id');
    const name = author ? people.get(author) : undefined;
    return name ? ` · ${t('account.by', { name })}` : '';
  };
  const status = (s: string | null) => (s ? t(choiceLabelKey('case', 'status', s)) : t('common.none'));
  const priority = (p: string | null) => (p ? t(choiceLabelKey('case', 'priority', p)) : t('common.none'));

  const line = (e: StoryEntry): ReactNode => {
    switch (e.type) {
      case 'opened':
        return (
          <>
            <span className="kind kind-note">{t('cases.story.opened_kind')}</span>
            <div className="grow">
              <div>{t('cases.story.opened')}</div>
              <div className="muted small">{when(e.at)}</div>
            </div>
          </>
        );
      case 'event': {
        const row = e.row;
        const note = text(row, 'note');
        if (text(row, 'kind') === 'escalation') {
          const level = Number(row.fields.level ?? 1);
          const target = t(`cases.${text(row, 'target') === 'resolution' ? 'resolution' : 'first_response'}`);
          const raised = text(row, 'to_priority');
          return (
            <>
              <span className="kind kind-escalation">{t('cases.escalated')}</span>
              <div className="grow">
                <div>
                  {t(level >= 2 ? 'cases.story.past_due' : 'cases.story.at_risk', { target })}
                  {raised && ` · ${t('cases.story.raised', { from: priority(text(row, 'from_priority')), to: priority(raised) })}`}
                </div>
                <div className="muted small">{when(e.at)}</div>
              </div>
            </>
          );
        }
        return (
          <>
            <span className="kind kind-status">{t('cases.story.status_kind')}</span>
            <div className="grow">
              <div>{t('cases.story.moved', { from: status(text(row, 'from_status')), to: status(text(row, 'to_status')) })}</div>
              {note && <div className="body">{note}</div>}
              <div className="muted small">
                {when(e.at)}
                {by(row)}
              </div>
            </div>
          </>
        );
      }
      case 'contact': {
        const row = e.row;
        const kind = text(row, 'kind') ?? 'note';
        const inbound = text(row, 'direction') === 'inbound';
        const body = text(row, 'body');
        return (
          <>
            <span className={`kind kind-${kind}`}>{t(`kind.${kind}`, { defaultValue: kind })}</span>
            <div className="grow">
              <div className="subject">
                {text(row, 'subject')}
                {inbound && <span className="badge inbound">{t('cases.from_customer')}</span>}
              </div>
              {body && <div className="body">{body}</div>}
              <div className="muted small">
                {when(e.at)}
                {by(row)}
              </div>
            </div>
          </>
        );
      }
    }
  };

  return (
    <section className="card" aria-labelledby="story-title">
      <h2 id="story-title">
        {t('cases.story.title')} <span className="count">{entries.length}</span>
      </h2>
      <ol className="plain story" aria-labelledby="story-title">
        {entries.map((e) => (
          <li key={e.key} data-entry={e.type}>
            {line(e)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Details({ view, people }: { view: CaseView; people: Map<string, string> }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const c = view.case;
  const at = (field: string) => {
    const ms = moment(c, field);
    return ms === null ? null : formatDateTime(new Date(ms).toISOString(), locale);
  };
  const link = (kind: string, field: string) => {
    const target = text(c, field);
    return target ? <a href={recordHash(kind, target)}>{c.titles[field] ?? t('common.missing_record')}</a> : null;
  };
  const owner = text(c, 'owner_id');
  const fact = (label: string, value: ReactNode, testId?: string) => (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value || t('common.none')}</dd>
    </div>
  );
  const channel = text(c, 'channel');
  const description = text(c, 'description');
  return (
    <section className="card" aria-labelledby="case-details-title">
      <h2 id="case-details-title">{t('sales.details')}</h2>
      <dl className="details">
        {fact(t('field.number'), text(c, 'number'))}
        {fact(t('field.account_id'), link('account', 'account_id'))}
        {fact(t('field.contact_id'), link('contact', 'contact_id'))}
        {text(c, 'product_id') && fact(t('field.product_id'), link('product', 'product_id'))}
        {text(c, 'order_id') && fact(t('field.order_id'), link('order', 'order_id'))}
        {fact(t('field.channel'), channel && t(choiceLabelKey('case', 'channel', channel)))}
        {text(c, 'category') && fact(t('field.category'), text(c, 'category'))}
        {fact(t('field.owner_id'), owner && (c.titles.owner_id ?? people.get(owner) ?? t('common.missing_record')))}
        {text(c, 'team') && fact(t('field.team'), text(c, 'team'))}
        {fact(t('field.opened_at'), at('opened_at'))}
        {at('resolved_at') && fact(t('field.resolved_at'), at('resolved_at'))}
      </dl>
      {description && (
        <>
          <h3 className="small muted">{t('field.description')}</h3>
          <p className="pre case-description">{description}</p>
        </>
      )}
    </section>
  );
}

function Solution({ article }: { article: RecordRow }) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="solution-title">
      <h2 id="solution-title">{t('cases.solution')}</h2>
      <p className="solution" data-testid="case-solution">
        <a href={routeHash({ screen: 'article', id: article.id })}>{text(article, 'title')}</a>
      </p>
    </section>
  );
}

/** Published articles found from the case's words; one solves it. */
function Suggested({ view, onChange }: { view: CaseView; onChange: (v: CaseView) => void }) {
  const { t } = useTranslation();
  const { backend, notify } = useApp();
  const [busy, setBusy] = useState(false);
  const form = useFormError();
  const solutionId = text(view.case, 'solution_article_id');
  const offered = view.suggested.filter((s) => s.id !== solutionId);

  const solve = async (articleId: string, title: string) => {
    if (busy) return;
    setBusy(true);
    const v = await form.run(() => backend.call('case_solve', { id: view.case.id, article_id: articleId }));
    setBusy(false);
    if (!v) return;
    onChange(v);
    notify(t('cases.solved', { number: text(v.case, 'number') ?? '', title }));
    document.getElementById('case-title')?.focus();
  };

  return (
    <section className="card" aria-labelledby="suggested-title">
      <h2 id="suggested-title">{t('cases.suggested')}</h2>
      {offered.length === 0 ? (
        <p className="muted small">{t('cases.no_suggestions')}</p>
      ) : (
        <ul className="plain suggestions">
          {offered.map((s) => (
            <li key={s.id}>
              <a href={routeHash({ screen: 'article', id: s.id })}>{s.title}</a>
              <button type="button" className="small" disabled={busy} onClick={() => void solve(s.id, s.title)}>
                {t('cases.solve')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <Problem message={form.actionError} />
      <p className="small">
        <a href={routeHash({ screen: 'kb' })}>{t('cases.open_kb')}</a>
      </p>
    </section>
  );
}

/** CSAT, once resolved: a score of 1 to 5 and the customer's words; the answers so far. */
function Satisfaction({ view, onChange, people }: { view: CaseView; onChange: (v: CaseView) => void; people: Map<string, string> }) {
  const { t } = useTranslation();
  const { backend, locale, notify } = useApp();
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const form = useFormError({ score: t('cases.csat_score'), comment: t('cases.comment') });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    const done = await form.run(async () => {
      await backend.call('survey_add', { kind: 'csat', case_id: view.case.id, score: score === null ? '' : String(score), comment: comment.trim() || null });
      return backend.call('case_view', { id: view.case.id });
    });
    setBusy(false);
    if (!done) return;
    notify(t('cases.csat_recorded', { score }));
    setScore(null);
    setComment('');
    onChange(done);
    heading.current?.focus();
  };

  return (
    <section className="card" aria-labelledby="csat-title">
      <h2 id="csat-title" ref={heading} tabIndex={-1}>
        {t('cases.csat_title')}
      </h2>
      {view.surveys.length > 0 && (
        <ul className="plain surveys" aria-label={t('cases.answers')}>
          {view.surveys.map((s) => {
            const answered = moment(s, 'answered_at');
            const recorder = text(s, 'recorded_by');
            const kind = text(s, 'kind') ?? 'csat';
            return (
              <li key={s.id} data-testid="survey">
                <strong>{t(`cases.survey_score.${kind === 'nps' ? 'nps' : 'csat'}`, { score: Number(s.fields.score ?? 0) })}</strong>
                {text(s, 'comment') && <span> · {text(s, 'comment')}</span>}
                <div className="muted small">
                  {answered !== null && formatDateTime(new Date(answered).toISOString(), locale)}
                  {recorder && people.get(recorder) && ` · ${t('account.by', { name: people.get(recorder) })}`}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <form className="form csat" onSubmit={submit} aria-label={t('cases.csat_title')} noValidate>
        <fieldset className="score" aria-describedby="csat-question">
          <legend id="csat-question" className="small muted">
            {t('cases.csat_question')}
          </legend>
          <div className="row" role="group" aria-label={t('cases.csat_score')}>
            {CSAT_SCORES.map((n) => (
              <button
                key={n}
                type="button"
                className="score-button"
                aria-pressed={score === n}
                aria-label={t('cases.score_of', { score: n })}
                onClick={() => {
                  setScore(n);
                  form.edited('score');
                }}
              >
                {n}
              </button>
            ))}
          </div>
          <Problem message={form.fieldError('score')} />
        </fieldset>
        <Field label={t('cases.comment')} name="comment" errors={form}>
          <textarea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <div className="row wrap">
          <button type="submit" className="primary" disabled={busy || score === null}>
            {t('cases.record_csat')}
          </button>
          <Problem message={form.actionError} />
        </div>
      </form>
    </section>
  );
}
