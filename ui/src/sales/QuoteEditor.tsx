// The quote editor (#/quotes/ID): its header, lines added by keyboard only,
// totals from the core after every line, the PDF previewed in the page and
// saved, and the actions of its status (send, accept, reject, revise, order).
// A sent quote never changes: its editing controls are not offered.

import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MadeFile, QuoteView, RecordRow } from '../backend';
import Dialog from '../components/Dialog';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import Problem from '../components/Problem';
import { useApp } from '../context';
import { formatDate, formatDateTime, formatMoney } from '../lib/format';
import { download } from '../lib/lists';
import { recordHash } from '../lib/record';
import { routeHash } from '../lib/route';
import { useFormError } from '../lib/useFormError';
import { LinesTable, StatusBadge, Totals } from './Document';
import ProductPicker from './ProductPicker';
import { useDocument } from './useDocumentPage';
import { EMPTY_LINE, LINE_ALIASES, formatPercent, isDraft, latestRevision, lineArgs, pdfBlob, productCode, quoteActions, quoteLabel, text, type LineDraft } from './lib';

/** A made PDF and the address the page shows it at. */
interface Pdf {
  file: MadeFile;
  url: string;
}

export default function QuoteEditor({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { backend, locale, notify } = useApp();
  const { view, setView, gone } = useDocument('quote', id);
  const [pdf, setPdf] = useState<Pdf | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [busy, setBusy] = useState(false);
  const actions = useFormError();
  const actionBar = useRef<HTMLDivElement>(null);
  const previewButton = useRef<HTMLButtonElement>(null);
  // After an action the keyboard goes to the first action the new status offers.
  const refocus = useRef(false);

  // A PDF made before a change is not the quote any more.
  const forgetPdf = useCallback(() => {
    setPdf((old) => {
      if (old) URL.revokeObjectURL(old.url);
      return null;
    });
    setPreviewing(false);
  }, []);
  useEffect(() => forgetPdf, [forgetPdf]);

  const shown = useCallback(
    (v: QuoteView) => {
      setView(v);
      forgetPdf();
    },
    [forgetPdf, setView],
  );

  useEffect(() => {
    if (!refocus.current || !view) return;
    refocus.current = false;
    // The next step of the flow (Accept after Send, Create order after
    // Accept) takes the keyboard; otherwise the first action.
    const bar = actionBar.current;
    (bar?.querySelector<HTMLElement>('.primary:not(:disabled)') ?? bar?.querySelector<HTMLElement>('button, a'))?.focus();
  }, [view]);

  if (gone) {
    return (
      <article>
        <a href={routeHash({ screen: 'quotes' })} className="muted">
          ← {t('sales.back_quotes')}
        </a>
        <p className="muted">{t('record_page.gone')}</p>
      </article>
    );
  }
  if (!view) return <p>{t('common.loading')}</p>;

  const quote = view.quote;
  const label = quoteLabel(quote, t);
  const draft = isDraft(view.status);
  const offered = quoteActions(view.status, view.order_id !== null);
  const latest = latestRevision(view.revisions);

  const makePdf = async (): Promise<Pdf> => {
    if (pdf) return pdf;
    const file = await backend.call('quote_pdf', { id, lang: i18n.language });
    const made = { file, url: URL.createObjectURL(pdfBlob(file)) };
    setPdf(made);
    return made;
  };

  const act = async (action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    await actions.run(action);
    setBusy(false);
  };

  const preview = () =>
    act(async () => {
      await makePdf();
      setPreviewing(true);
    });
  const savePdf = () =>
    act(async () => {
      const made = await makePdf();
      download(made.file.file_name, pdfBlob(made.file), 'application/pdf');
      notify(t('sales.pdf_saved', { file: made.file.file_name }));
    });
  // Sending saves nothing by itself: it marks the quote sent and notes in
  // the account's history the file the customer got (made now if it was not).
  const send = () =>
    act(async () => {
      const made = await makePdf();
      const v = await backend.call('quote_send', { id, subject: t('sales.sent_subject', { number: label, file: made.file.file_name }) });
      refocus.current = true;
      setView(v);
      notify(t('sales.sent', { number: label }));
    });
  const accept = () =>
    act(async () => {
      const v = await backend.call('quote_accept', { id });
      refocus.current = true;
      shown(v);
      notify(t('sales.accepted', { number: label }));
    });
  const revise = () =>
    act(async () => {
      const v = await backend.call('quote_revise', { id });
      notify(t('sales.revised', { revision: v.quote.fields.revision }));
      window.location.hash = routeHash({ screen: 'quote', id: v.quote.id });
    });
  const createOrder = () =>
    act(async () => {
      const order = await backend.call('order_from_quote', { id });
      notify(t('sales.order_created', { number: order.order.fields.number }));
      window.location.hash = routeHash({ screen: 'order', id: order.order.id });
    });

  const button = (action: (typeof offered)[number]) => {
    switch (action) {
      case 'preview':
        return (
          <button key={action} ref={previewButton} type="button" onClick={() => void preview()} disabled={busy}>
            {t('sales.preview')}
          </button>
        );
      case 'save_pdf':
        return (
          <button key={action} type="button" onClick={() => void savePdf()} disabled={busy}>
            {t('sales.save_pdf')}
          </button>
        );
      case 'send':
        return (
          <button key={action} type="button" className="primary" onClick={() => void send()} disabled={busy || view.lines.length === 0}>
            {t('sales.send')}
          </button>
        );
      case 'accept':
        return (
          <button key={action} type="button" className="primary" onClick={() => void accept()} disabled={busy}>
            {t('sales.accept')}
          </button>
        );
      case 'reject':
        return (
          <button key={action} type="button" onClick={() => setRejecting(true)} disabled={busy}>
            {t('sales.reject')}
          </button>
        );
      case 'revise':
        return (
          <button key={action} type="button" onClick={() => void revise()} disabled={busy}>
            {t('sales.revise')}
          </button>
        );
      case 'create_order':
        return (
          <button key={action} type="button" className="primary" onClick={() => void createOrder()} disabled={busy}>
            {t('sales.create_order')}
          </button>
        );
      case 'open_order':
        return (
          <a key={action} className="button" href={routeHash({ screen: 'order', id: view.order_id ?? '' })}>
            {t('sales.open_order')}
          </a>
        );
    }
  };

  const sentAt = typeof quote.fields.sent_at === 'number' ? formatDateTime(new Date(quote.fields.sent_at).toISOString(), locale) : null;
  return (
    <article className="document" aria-labelledby="quote-title" data-status={view.status}>
      <header className="screen-head">
        <div className="grow">
          <a href={routeHash({ screen: 'quotes' })} className="muted">
            ← {t('sales.back_quotes')}
          </a>
          <h1 id="quote-title">
            {t('sales.quote_title', { number: label })} <StatusBadge kind="quote" status={view.status} />
          </h1>
          <p className="muted small">
            <a href={recordHash('account', text(quote, 'account_id') ?? '')}>{quote.titles.account_id ?? t('common.missing_record')}</a>
            {' · '}
            {formatMoney(view.gross, view.currency, locale)}
          </p>
        </div>
      </header>

      {view.status === 'revised' && latest && (
        <p className="card notice" role="status">
          {t('sales.read_only_revised')} <a href={routeHash({ screen: 'quote', id: latest[0] })}>{t('sales.latest')}</a>
        </p>
      )}
      {!draft && view.status !== 'revised' && (
        <p className="muted small">{sentAt ? t('sales.read_only_sent', { when: sentAt }) : t('sales.read_only')}</p>
      )}

      <div className="document-grid">
        <div className="document-main">
          <section className="card" aria-labelledby="lines-title">
            <h2 id="lines-title">
              {t('sales.lines')} <span className="count">{view.lines.length}</span>
            </h2>
            {view.lines.length === 0 ? (
              <p className="muted">{draft ? t('sales.no_lines') : t('sales.no_lines_sent')}</p>
            ) : (
              <LinesTable
                lines={view.lines}
                money={view}
                action={draft ? (line) => <RemoveLine line={line} onRemoved={shown} /> : undefined}
              />
            )}
            {draft && <AddLine quoteId={id} currency={view.currency} onAdded={shown} />}
            <Totals money={view} />
          </section>
          <div className="card row wrap document-actions" ref={actionBar} role="group" aria-label={t('sales.actions')}>
            {offered.map(button)}
            <Problem message={actions.actionError} />
          </div>
          {previewing && pdf && (
            <section className="card pdf-preview" aria-label={t('sales.preview_title', { file: pdf.file.file_name })}>
              <h2>
                {t('sales.preview_title', { file: pdf.file.file_name })}
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    setPreviewing(false);
                    previewButton.current?.focus();
                  }}
                >
                  {t('sales.close_preview')}
                </button>
              </h2>
              <iframe src={pdf.url} title={pdf.file.file_name} />
            </section>
          )}
        </div>
        <div className="document-side">
          <Header view={view} onSaved={shown} />
          {view.revisions.length > 1 && (
            <nav className="card" aria-labelledby="revisions-title">
              <h2 id="revisions-title">{t('sales.revisions')}</h2>
              <ol className="plain revisions">
                {view.revisions.map(([rid, revision, status]) => (
                  <li key={rid}>
                    {rid === id ? (
                      <strong aria-current="page">{t('sales.revision', { revision })}</strong>
                    ) : (
                      <a href={routeHash({ screen: 'quote', id: rid })}>{t('sales.revision', { revision })}</a>
                    )}{' '}
                    <span className="muted small">{t(`quote_status.${status}`)}</span>
                  </li>
                ))}
              </ol>
            </nav>
          )}
        </div>
      </div>

      {rejecting && (
        <RejectDialog
          quoteId={id}
          label={label}
          onClose={() => setRejecting(false)}
          onRejected={(v) => {
            setRejecting(false);
            refocus.current = true;
            shown(v);
            notify(t('sales.rejected', { number: label }));
          }}
        />
      )}
    </article>
  );
}

/** The header's facts; a draft's contact, deal, validity and terms are edited here. */
function Header({ view, onSaved }: { view: QuoteView; onSaved: (v: QuoteView) => void }) {
  const { t } = useTranslation();
  const { backend, fail, locale, notify } = useApp();
  const quote = view.quote;
  const draft = isDraft(view.status);
  const [editing, setEditing] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [contacts, setContacts] = useState<RecordRow[]>([]);
  const [deals, setDeals] = useState<RecordRow[]>([]);
  const form = useFormError({
    contact_id: t('field.contact_id'),
    opportunity_id: t('field.opportunity_id'),
    valid_until: t('field.valid_until'),
    terms: t('field.terms'),
  });
  const editButton = useRef<HTMLButtonElement>(null);
  const left = useRef(false);
  useEffect(() => {
    if (!editing && left.current) editButton.current?.focus();
    left.current = editing;
  }, [editing]);

  const account = text(quote, 'account_id') ?? '';
  const current = () => ({
    contact_id: text(quote, 'contact_id') ?? '',
    opportunity_id: text(quote, 'opportunity_id') ?? '',
    valid_until: text(quote, 'valid_until') ?? '',
    terms: text(quote, 'terms') ?? '',
  });

  const edit = () => {
    setFields(current());
    setEditing(true);
    // The account's people and deals to choose from, asked only now.
    Promise.all([
      backend.call('list_records', { kind: 'contact', filter: { account_id: account }, limit: 200 }),
      backend.call('list_records', { kind: 'opportunity', filter: { account_id: account }, limit: 200 }),
    ]).then(([c, d]) => {
      setContacts(c.rows);
      setDeals(d.rows);
    }, fail);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const before = current();
    const changed = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== before[k as keyof typeof before]));
    const v = await form.run(async () => {
      if (Object.keys(changed).length > 0) await backend.call('update_record', { kind: 'quote', id: quote.id, fields: changed });
      return backend.call('quote_view', { id: quote.id });
    });
    if (!v) return;
    setEditing(false);
    notify(t('common.saved'));
    onSaved(v);
  };

  const fact = (label: string, value: ReactNode, testId?: string) => (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value || t('common.none')}</dd>
    </div>
  );
  const link = (kind: string, field: string) => {
    const target = text(quote, field);
    return target ? <a href={recordHash(kind, target)}>{quote.titles[field] ?? t('common.missing_record')}</a> : null;
  };

  if (editing) {
    const choose = (field: string, rows: RecordRow[], title: string) => (
      <Field label={t(`field.${field}`)} name={field} errors={form}>
        <select value={fields[field] ?? ''} onChange={(e) => setFields((f) => ({ ...f, [field]: e.target.value }))}>
          <option value="">{t('common.none')}</option>
          {/* The current one stays while the list is on its way. */}
          {fields[field] && !rows.some((r) => r.id === fields[field]) && <option value={fields[field]}>{quote.titles[field] ?? fields[field]}</option>}
          {rows.map((r) => (
            <option key={r.id} value={r.id}>
              {String(r.fields[title] ?? '')}
            </option>
          ))}
        </select>
      </Field>
    );
    return (
      <form className="card form" onSubmit={save} aria-labelledby="header-title">
        <h2 id="header-title">{t('sales.details')}</h2>
        {choose('contact_id', contacts, 'name')}
        {choose('opportunity_id', deals, 'name')}
        <Field label={t('field.valid_until')} name="valid_until" errors={form}>
          <input type="date" value={fields.valid_until ?? ''} onChange={(e) => setFields((f) => ({ ...f, valid_until: e.target.value }))} />
        </Field>
        <Field label={t('field.terms')} name="terms" errors={form}>
          <textarea rows={3} value={fields.terms ?? ''} onChange={(e) => setFields((f) => ({ ...f, terms: e.target.value }))} />
        </Field>
        <FormActions
          submit={t('common.save')}
          onCancel={() => {
            form.clear();
            setEditing(false);
          }}
          error={form.actionError}
        />
      </form>
    );
  }

  const validUntil = text(quote, 'valid_until');
  const issued = text(quote, 'issued_on');
  return (
    <section className="card" aria-labelledby="header-title">
      <h2 id="header-title">
        {t('sales.details')}
        {draft && (
          <button ref={editButton} type="button" className="link" onClick={edit}>
            {t('common.edit')}
          </button>
        )}
      </h2>
      <dl className="details">
        {fact(t('field.number'), quoteLabel(quote, t), 'quote-number')}
        {fact(t('field.account_id'), link('account', 'account_id'))}
        {fact(t('field.contact_id'), link('contact', 'contact_id'))}
        {fact(t('field.opportunity_id'), link('opportunity', 'opportunity_id'))}
        {fact(
          t('field.price_list_id'),
          <>
            {link('price_list', 'price_list_id')} <span className="muted">{view.currency}</span>
          </>,
        )}
        {fact(t('field.issued_on'), issued && formatDate(issued, locale))}
        {fact(t('field.valid_until'), validUntil && formatDate(validUntil, locale), 'quote-valid-until')}
        {text(quote, 'reject_reason') && fact(t('field.reject_reason'), text(quote, 'reject_reason'))}
        {fact(t('field.terms'), text(quote, 'terms') && <span className="pre">{text(quote, 'terms')}</span>)}
      </dl>
    </section>
  );
}

/** The line form: product (found as you type), quantity, discount, tax;
 * Enter adds the line and the keyboard goes back to the product. */
function AddLine({ quoteId, currency, onAdded }: { quoteId: string; currency: string; onAdded: (v: QuoteView) => void }) {
  const { t } = useTranslation();
  const { backend, locale, notify } = useApp();
  const [line, setLine] = useState<LineDraft>(EMPTY_LINE);
  const [productTax, setProductTax] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  const form = useFormError(
    {
      product: t('sales.product'),
      description: t('sales.description'),
      price: t('sales.price'),
      unit: t('sales.unit'),
      quantity: t('sales.quantity'),
      discount: t('sales.discount'),
      tax: t('sales.tax'),
    },
    LINE_ALIASES,
  );
  const set = (field: keyof LineDraft) => (e: { target: { value: string } }) => setLine((l) => ({ ...l, [field]: e.target.value }));

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    const sent = line.mode === 'product' ? { ...line, product: productCode(line.product) } : line;
    const v = await form.run(() => backend.call('quote_line', lineArgs(quoteId, sent)));
    setBusy(false);
    if (!v) return;
    setLine({ ...EMPTY_LINE, mode: line.mode });
    setProductTax(null);
    onAdded(v);
    notify(t('sales.line_added', { total: formatMoney(v.gross, currency, locale) }));
    first.current?.focus();
  };

  const switchMode = () => {
    setLine((l) => ({ ...EMPTY_LINE, mode: l.mode === 'product' ? 'text' : 'product', quantity: l.quantity }));
    form.clear();
    requestAnimationFrame(() => first.current?.focus());
  };

  return (
    <form className="add-line" onSubmit={add} aria-label={t('sales.add_line')} noValidate>
      <div className="line-fields">
        {line.mode === 'product' ? (
          <Field className="wide" label={t('sales.product')} name="product" errors={form}>
            <ProductPicker
              ref={first}
              name="product"
              value={line.product}
              placeholder={t('sales.product_hint')}
              onChange={(product) => setLine((l) => ({ ...l, product }))}
              onPick={(p) => setProductTax(typeof p.fields.tax_rate === 'string' ? p.fields.tax_rate : null)}
            />
          </Field>
        ) : (
          <>
            <Field className="wide" label={t('sales.description')} name="description" errors={form}>
              <input ref={first} name="description" value={line.description} onChange={set('description')} />
            </Field>
            <Field label={t('sales.price')} name="price" errors={form}>
              <input name="price" inputMode="decimal" value={line.price} onChange={set('price')} />
            </Field>
            <Field label={t('sales.unit')} name="unit" errors={form}>
              <input name="unit" value={line.unit} onChange={set('unit')} />
            </Field>
          </>
        )}
        <Field label={t('sales.quantity')} name="quantity" errors={form}>
          <input name="quantity" inputMode="decimal" value={line.quantity} onChange={set('quantity')} onFocus={(e) => e.target.select()} />
        </Field>
        <Field label={t('sales.discount')} name="discount" errors={form}>
          <input name="discount" placeholder={t('sales.discount_hint')} value={line.discount} onChange={set('discount')} />
        </Field>
        <Field label={t('sales.tax')} name="tax" errors={form}>
          <input
            name="tax"
            inputMode="decimal"
            placeholder={productTax !== null ? formatPercent(productTax, locale) : ''}
            value={line.tax}
            onChange={set('tax')}
          />
        </Field>
        {/* Aligned with the inputs, under a label's height of nothing. */}
        <div className="line-submit">
          <span aria-hidden="true">&nbsp;</span>
          <button type="submit" className="primary" disabled={busy}>
            {t('sales.add')}
          </button>
        </div>
      </div>
      <div className="row wrap">
        <button type="button" className="link start" onClick={switchMode}>
          {line.mode === 'product' ? t('sales.free_text') : t('sales.product_line')}
        </button>
        <span className="muted small">{t('sales.add_hint')}</span>
        <Problem message={form.actionError} />
      </div>
    </form>
  );
}

/** Remove a draft's line; the totals come back from the core. */
function RemoveLine({ line, onRemoved }: { line: RecordRow; onRemoved: (v: QuoteView) => void }) {
  const { t } = useTranslation();
  const { backend, fail, notify } = useApp();
  const quoteId = String(line.fields.quote_id ?? '');
  return (
    <button
      type="button"
      className="small"
      aria-label={t('sales.remove_line', { position: line.fields.position, item: line.fields.description })}
      onClick={async () => {
        try {
          await backend.call('delete_record', { kind: 'quote_line', id: line.id });
          onRemoved(await backend.call('quote_view', { id: quoteId }));
          notify(t('sales.line_removed'));
          document.querySelector<HTMLInputElement>('form.add-line input')?.focus();
        } catch (e) {
          fail(e);
        }
      }}
    >
      {t('sales.remove')}
    </button>
  );
}

/** Why the customer turned it down (optional), in a dialog. */
function RejectDialog({ quoteId, label, onClose, onRejected }: { quoteId: string; label: string; onClose: () => void; onRejected: (v: QuoteView) => void }) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const [reason, setReason] = useState('');
  const form = useFormError({ reject_reason: t('sales.reject_reason') }, { reason: 'reject_reason' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v = await form.run(() => backend.call('quote_reject', { id: quoteId, reason: reason.trim() || null }));
    if (v) onRejected(v);
  };
  const title = t('sales.reject_title', { number: label });
  return (
    <Dialog label={title} onClose={onClose}>
      <form className="card form" onSubmit={submit} aria-label={title}>
        <h2>{title}</h2>
        <Field label={t('sales.reject_reason')} name="reject_reason" errors={form}>
          <input value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
        </Field>
        <FormActions submit={t('sales.reject')} onCancel={onClose} error={form.actionError} />
      </form>
    </Dialog>
  );
}
