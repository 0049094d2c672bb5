// What a quote's page and an order's page share: the lines with each line's
// net, the totals as the core computed them, a status badge.

import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordRow } from '../backend';
import { useApp } from '../context';
import { formatMoney } from '../lib/format';
import { recordHash } from '../lib/record';
import { discountText, formatPercent, formatQuantity } from './lib';

/** The money of a document, as QuoteView and OrderView both carry it. */
export interface Money {
  currency: string;
  subtotal: number;
  discount: number;
  net: number;
  tax: number;
  gross: number;
  taxes: [string, number, number][];
  line_totals: [number, number, number][];
}

/** A quote's or an order's status, translated. */
export function StatusBadge({ kind, status }: { kind: 'quote' | 'order'; status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge status-${status}`} data-testid={`${kind}-status`}>
      {t(`${kind}_status.${status}`)}
    </span>
  );
}

/** The lines of a document; `action` draws a cell of each line's own (Remove). */
export function LinesTable({ lines, money, action }: { lines: RecordRow[]; money: Money; action?: (line: RecordRow) => ReactNode }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const { currency } = money;
  return (
    <div className="table-scroll">
      <table className="grid lines" aria-label={t('sales.lines')}>
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">{t('sales.col_item')}</th>
            <th scope="col" className="num">
              {t('sales.col_qty')}
            </th>
            <th scope="col" className="num">
              {t('sales.col_unit_price')}
            </th>
            <th scope="col" className="num">
              {t('sales.col_discount')}
            </th>
            <th scope="col" className="num">
              {t('sales.col_tax')}
            </th>
            <th scope="col" className="num">
              {t('sales.col_net')}
            </th>
            {action && <th scope="col" aria-label={t('records.actions')} />}
          </tr>
        </thead>
        <tbody>
          {lines.map((line, i) => {
            const f = line.fields;
            const product = typeof f.product_id === 'string' && f.product_id ? f.product_id : null;
            return (
              <tr key={line.id} data-line={i + 1}>
                <td className="num muted">{i + 1}</td>
                <td>
                  {product ? <a href={recordHash('product', product)}>{String(f.description ?? '')}</a> : String(f.description ?? '')}
                </td>
                <td className="num nowrap">
                  {formatQuantity(f.quantity as string, locale)}
                  {typeof f.unit === 'string' && f.unit && <span className="muted"> {f.unit}</span>}
                </td>
                <td className="num nowrap">{formatMoney(Number(f.unit_price ?? 0), currency, locale)}</td>
                <td className="num nowrap">{discountText(f, currency, locale)}</td>
                <td className="num nowrap">{formatPercent(f.tax_rate as string | null, locale)}</td>
                <td className="num nowrap">{formatMoney(money.line_totals[i]?.[2] ?? 0, currency, locale)}</td>
                {action && <td className="actions">{action(line)}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Subtotal, discount, net, tax per rate and the total, from the core. */
export function Totals({ money, children }: { money: Money; children?: ReactNode }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const m = (minor: number) => formatMoney(minor, money.currency, locale);
  return (
    <dl className="totals" aria-label={t('sales.totals')} data-testid="totals">
      <div>
        <dt>{t('sales.subtotal')}</dt>
        <dd data-testid="total-subtotal">{m(money.subtotal)}</dd>
      </div>
      {money.discount !== 0 && (
        <div>
          <dt>{t('sales.discount')}</dt>
          <dd data-testid="total-discount">−{m(money.discount)}</dd>
        </div>
      )}
      <div>
        <dt>{t('sales.net')}</dt>
        <dd data-testid="total-net">{m(money.net)}</dd>
      </div>
      {money.taxes.map(([rate, base, tax]) => (
        <div key={rate}>
          <dt>{t('sales.tax_at', { rate: formatPercent(rate, locale), base: m(base) })}</dt>
          <dd data-testid={`total-tax-${rate}`}>{m(tax)}</dd>
        </div>
      ))}
      <div className="gross">
        <dt>{t('sales.gross')}</dt>
        <dd data-testid="total-gross">{m(money.gross)}</dd>
      </div>
      {children}
    </dl>
  );
}
