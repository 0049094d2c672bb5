import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError, type RecordRow } from '../backend';
import { initI18n } from '../i18n';
import { errorMessage } from '../lib/errors';
import { choiceLabelKey, listHash, recordHash } from '../lib/record';
import { parseRoute, routeHash } from '../lib/route';
import { placeError } from '../lib/useFormError';
import {
  EMPTY_LINE,
  LINE_ALIASES,
  base64Bytes,
  bytesBase64,
  discountText,
  formatPercent,
  formatTypedMoney,
  imageType,
  latestRevision,
  lineArgs,
  logoUrl,
  orderFilter,
  pickedProduct,
  productCode,
  productText,
  quoteActions,
  quoteFilter,
  quoteLabel,
} from './lib';

beforeAll(async () => {
  await initI18n('en');
  await i18next.loadLanguages(['zh', 'es']);
});

const t = (...args: Parameters<typeof i18next.t>) => i18next.t(...args);

function row(fields: RecordRow['fields'], id = 'r1'): RecordRow {
  return { entity: 'product', id, fields, created_at: '', updated_at: '', deleted: false, titles: {} };
}

describe('a quote offers what its status allows', () => {
  it('edits and sends a draft, and nothing else', () => {
    expect(quoteActions('draft', false)).toEqual(['preview', 'save_pdf', 'send']);
  });
  it('accepts, rejects or revises a sent quote; never edits it', () => {
    expect(quoteActions('sent', false)).toEqual(['preview', 'save_pdf', 'accept', 'reject', 'revise']);
  });
  it('only offers again a quote past its validity or turned down', () => {
    expect(quoteActions('expired', false)).not.toContain('accept');
    expect(quoteActions('expired', false)).toContain('revise');
    expect(quoteActions('rejected', false)).toContain('revise');
  });
  it('turns an accepted quote into an order once, then leads to it', () => {
    expect(quoteActions('accepted', false)).toContain('create_order');
    expect(quoteActions('accepted', true)).toContain('open_order');
    expect(quoteActions('accepted', true)).not.toContain('create_order');
  });
  it('keeps an earlier revision read only', () => {
    expect(quoteActions('revised', false)).toEqual(['preview', 'save_pdf']);
  });
  it('finds the latest revision of a number', () => {
    expect(latestRevision([['a', 1, 'revised'], ['c', 3, 'draft'], ['b', 2, 'revised']])?.[0]).toBe('c');
    expect(latestRevision([])).toBeNull();
  });
});

describe('a typed line', () => {
  it('goes to the core as typed, empty fields left to its defaults', () => {
    expect(lineArgs('q1', { ...EMPTY_LINE, product: ' SRV-1 ', quantity: '2', discount: '5%' })).toEqual({
      quote_id: 'q1',
      product: 'SRV-1',
      quantity: '2',
      discount: '5%',
      tax_rate: null,
    });
  });
  it('is free text with its own price, unit and tax (a % sign left out)', () => {
    expect(lineArgs('q1', { ...EMPTY_LINE, mode: 'text', description: 'Installation', price: '500', unit: 'h', tax: '6%' })).toEqual({
      quote_id: 'q1',
      product: null,
      text: 'Installation',
      price: '500',
      unit: 'h',
      quantity: '1',
      discount: null,
      tax_rate: '6',
    });
  });
  it('stands for the product whose code was typed, else the highlighted, else the only one', () => {
    const a = row({ code: 'SRV-1', name: '服务器' }, 'a');
    const b = row({ code: 'SRV-10', name: 'Server rack' }, 'b');
    expect(pickedProduct([b, a], 'srv-1', 0)?.id).toBe('a');
    expect(pickedProduct([a, b], 'srv', 1)?.id).toBe('b');
    expect(pickedProduct([b], 'rack', -1)?.id).toBe('b');
    expect(pickedProduct([a, b], 'srv', -1)).toBeNull();
  });
  it('shows a picked product with its name and sends its code', () => {
    const shown = productText(row({ code: 'SRV-1', name: '服务器' }));
    expect(shown).toBe('SRV-1 · 服务器');
    expect(productCode(shown)).toBe('SRV-1');
    expect(productCode('SRV-1')).toBe('SRV-1');
  });
  it('has its refusals said at the field they are about', () => {
    const refused = (error: ConstructorParameters<typeof BackendError>[0]) =>
      placeError(t as never, new BackendError(error), { product: 'Product', discount: 'Discount', price: 'Unit price' }, LINE_ALIASES);
    expect(refused({ code: 'invalid', message_key: 'problem.percent', params: {}, field: 'discount_percent' })).toEqual({
      field: 'discount',
      message: 'Discount is not a percentage from 0 to 100 (like 13 or 6.5, at most 2 decimals)',
    });
    expect(refused({ code: 'no_list_price', message_key: 'error.no_list_price', params: { product: 'SRV-9', list: '2026' } }).field).toBe('product');
    expect(refused({ code: 'quote_locked', message_key: 'error.quote_locked', params: { number: 'Q-1', status: 'sent' } }).field).toBeNull();
  });
});

describe('documents in the user’s locale', () => {
  it('say a quote’s revision from the second on', async () => {
    await i18next.changeLanguage('en');
    expect(quoteLabel(row({ number: 'Q7-00012', revision: 1 }), t as never)).toBe('Q7-00012');
    expect(quoteLabel(row({ number: 'Q7-00012', revision: 2 }), t as never)).toBe('Q7-00012 rev 2');
    await i18next.changeLanguage('zh');
    expect(quoteLabel(row({ number: 'Q7-00012', revision: 2 }), t as never)).toBe('Q7-00012 第 2 版');
    await i18next.changeLanguage('en');
  });
  it('show percentages and discounts as given', () => {
    expect(formatPercent('13', 'en-US')).toBe('13%');
    expect(formatPercent('6.5', 'es-ES')).toBe('6,5\u00a0%');
    expect(discountText({ discount_percent: '5' }, 'CNY', 'en-US')).toBe('5%');
    expect(discountText({ discount_amount: 10000 }, 'CNY', 'en-US')).toBe('CN¥100.00');
    expect(discountText({ discount_percent: null, discount_amount: null }, 'CNY', 'en-US')).toBe('');
  });
  it('confirm a typed amount in the locale, or as typed when unreadable', () => {
    expect(formatTypedMoney('1130.00', 'CNY', 'zh-CN')).toBe('¥1,130.00');
    expect(formatTypedMoney('1.130,00', 'EUR', 'es-ES')).toBe('1.130,00 EUR');
  });
});

describe('lists by status', () => {
  it('tell a sent quote from an expired one by its last valid day', () => {
    expect(quoteFilter('sent', '2026-03-01')).toEqual({ filter: { status: 'sent' }, conditions: [{ field: 'valid_until', op: 'ge', value: '2026-03-01' }] });
    expect(quoteFilter('expired', '2026-03-01')).toEqual({ filter: { status: 'sent' }, conditions: [{ field: 'valid_until', op: 'lt', value: '2026-03-01' }] });
    expect(quoteFilter('', '2026-03-01')).toEqual({ filter: {}, conditions: [] });
    expect(quoteFilter('draft', '2026-03-01').filter).toEqual({ status: 'draft' });
  });
  it('find overdue orders: open and past due', () => {
    expect(orderFilter('overdue', '2026-03-01')).toEqual({ filter: { status: 'open' }, conditions: [{ field: 'due_date', op: 'lt', value: '2026-03-01' }] });
    expect(orderFilter('fulfilled', '2026-03-01').filter).toEqual({ status: 'fulfilled' });
  });
  it('have their own pages and routes', () => {
    expect(recordHash('quote', 'q 1')).toBe('#/quotes/q%201');
    expect(recordHash('order', 'o1')).toBe('#/orders/o1');
    expect(listHash('quote')).toBe('#/quotes');
    expect(parseRoute('#/quotes/q%201')).toEqual({ screen: 'quote', id: 'q 1' });
    expect(parseRoute('#/orders')).toEqual({ screen: 'orders' });
    expect(routeHash({ screen: 'order', id: 'o1' })).toBe('#/orders/o1');
    expect(choiceLabelKey('quote', 'status', 'sent')).toBe('quote_status.sent');
    expect(choiceLabelKey('payment', 'method', 'cheque')).toBe('payment_method.cheque');
  });
});

describe('files', () => {
  it('carry bytes through base64 both ways', () => {
    const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0xff, 0x00]);
    expect(base64Bytes(bytesBase64(bytes))).toEqual(bytes);
    expect(new TextDecoder().decode(base64Bytes(btoa('%PDF-1.7')))).toBe('%PDF-1.7');
  });
  it('know a logo’s type by its first bytes, not its name', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
    expect(imageType(png)).toBe('image/png');
    expect(imageType(jpeg)).toBe('image/jpeg');
    expect(imageType(new TextEncoder().encode('GIF89a'))).toBeNull();
    expect(logoUrl(bytesBase64(png))).toMatch(/^data:image\/png;base64,/);
    expect(logoUrl(null)).toBeNull();
  });
});

describe('sales refusals', () => {
  const say = (code: string, params: Record<string, unknown>) => errorMessage(t as never, new BackendError({ code, message_key: `error.${code}`, params }));
  it('name a quote’s status in the user’s language, never as a code', async () => {
    await i18next.changeLanguage('en');
    expect(say('quote_locked', { number: 'Q-00001', status: 'sent' })).toBe(
      'Quote Q-00001 is Sent: a sent quote never changes. Revise it to make a new revision.',
    );
    expect(say('quote_status', { number: 'Q-00001', status: 'draft', needed: 'sent' })).toBe('Quote Q-00001 is Draft; this needs it to be Sent.');
    await i18next.changeLanguage('zh');
    expect(say('order_closed', { number: 'O-00001', status: 'cancelled' })).toBe('订单 O-00001 状态为“已取消”。');
    await i18next.changeLanguage('en');
  });
  it('give days and money in the user’s locale', async () => {
    await i18next.changeLanguage('es');
    expect(say('quote_expired', { number: 'Q-00001', valid_until: '2026-01-05' })).toContain('caducó el 5 ene 2026');
    expect(say('overpaid', { outstanding: '1130.00', currency: 'EUR' })).toMatch(/pendientes 1130,00\s€;/);
    await i18next.changeLanguage('en');
    expect(say('overpaid', { outstanding: '1130.00', currency: 'CNY' })).toBe('Only CN¥1,130.00 is outstanding; tick “Prepayment” to keep the rest as credit.');
  });
});
