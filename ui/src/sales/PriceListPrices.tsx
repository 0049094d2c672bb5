// A price list's prices, on its page: product, quantity break and unit
// price in the list's currency; managers add and remove prices here.

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordRow } from '../backend';
import Field from '../components/Field';
import FormActions from '../components/FormActions';
import { useUndo } from '../components/Undo';
import { useApp } from '../context';
import { formatMoney } from '../lib/format';
import { recordHash } from '../lib/record';
import { useFormError } from '../lib/useFormError';
import ProductPicker from './ProductPicker';
import { formatQuantity, productCode } from './lib';

export default function PriceListPrices({ list, mayEdit }: { list: RecordRow; mayEdit: boolean }) {
  const { t } = useTranslation();
  const { backend, fail, locale, notify } = useApp();
  const { offerUndo } = useUndo();
  const [prices, setPrices] = useState<RecordRow[] | null>(null);
  const [adding, setAdding] = useState(false);
  const currency = String(list.fields.currency ?? '');

  const load = useCallback(
    () => backend.call('list_records', { kind: 'price', filter: { price_list_id: list.id }, limit: 500 }).then((p) => setPrices(p.rows), fail),
    [backend, list.id, fail],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const remove = async (price: RecordRow) => {
    try {
      await backend.call('delete_record', { kind: 'price', id: price.id });
      offerUndo({
        message: t('records.deleted'),
        undo: async () => {
          await backend.call('restore_record', { kind: 'price', id: price.id });
          notify(t('records.restored'));
          await load();
        },
      });
      await load();
    } catch (e) {
      fail(e);
    }
  };

  return (
    <section className="card" aria-labelledby="prices-title">
      <h2 id="prices-title">
        {t('sales.prices')} <span className="count">{prices?.length ?? ''}</span>
        {mayEdit && !adding && (
          <button type="button" className="link" onClick={() => setAdding(true)}>
            + {t('sales.add_price')}
          </button>
        )}
      </h2>
      {adding && (
        <AddPrice
          listId={list.id}
          onCancel={() => setAdding(false)}
          onAdded={() => {
            notify(t('sales.price_added'));
            void load();
          }}
        />
      )}
      {prices === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : prices.length === 0 ? (
        <p className="muted">{t('sales.no_list_prices')}</p>
      ) : (
        <table className="grid compact" aria-labelledby="prices-title">
          <thead>
            <tr>
              <th scope="col">{t('field.product_id')}</th>
              <th scope="col" className="num">
                {t('field.min_quantity')}
              </th>
              <th scope="col" className="num">
                {t('field.unit_price')}
              </th>
              {mayEdit && <th scope="col" aria-label={t('records.actions')} />}
            </tr>
          </thead>
          <tbody>
            {prices.map((p) => {
              const product = String(p.fields.product_id ?? '');
              const name = p.titles.product_id ?? t('common.missing_record');
              return (
                <tr key={p.id}>
                  <td>
                    <a href={recordHash('product', product)}>{name}</a>
                  </td>
                  <td className="num">{formatQuantity((p.fields.min_quantity as string | null) ?? '1', locale)}</td>
                  <td className="num nowrap">{formatMoney(Number(p.fields.unit_price ?? 0), currency, locale)}</td>
                  {mayEdit && (
                    <td className="actions">
                      <button type="button" className="small" aria-label={t('sales.remove_price', { product: name })} onClick={() => void remove(p)}>
                        {t('sales.remove')}
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A price to add: a product found as you type, from which quantity, at what price. */
function AddPrice({ listId, onCancel, onAdded }: { listId: string; onCancel: () => void; onAdded: () => void }) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const [product, setProduct] = useState('');
  const [picked, setPicked] = useState<RecordRow | null>(null);
  const [minQuantity, setMinQuantity] = useState('');
  const [price, setPrice] = useState('');
  const first = useRef<HTMLInputElement>(null);
  const form = useFormError(
    { product_id: t('field.product_id'), min_quantity: t('field.min_quantity'), unit_price: t('field.unit_price') },
    { product: 'product_id' },
  );
  useEffect(() => first.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await form.run(async () => {
      // A code typed in full stands for its product.
      const code = productCode(product);
      const found = picked ?? (await backend.call('list_records', { kind: 'product', filter: { code }, limit: 1 })).rows[0];
      return backend.call('create_record', {
        kind: 'price',
        fields: { price_list_id: listId, product_id: found?.id ?? code, unit_price: price, ...(minQuantity.trim() ? { min_quantity: minQuantity } : {}) },
      });
    });
    if (!made) return;
    setProduct('');
    setPicked(null);
    setMinQuantity('');
    setPrice('');
    onAdded();
    first.current?.focus();
  };

  return (
    <form className="form add-price" onSubmit={submit} aria-label={t('sales.add_price')} noValidate onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="line-fields">
        <Field className="wide" label={t('field.product_id')} name="product_id" errors={form}>
          <ProductPicker
            ref={first}
            name="product"
            value={product}
            placeholder={t('sales.product_hint')}
            onChange={(v) => {
              setProduct(v);
              setPicked(null);
            }}
            onPick={setPicked}
          />
        </Field>
        <Field label={t('field.min_quantity')} name="min_quantity" errors={form}>
          <input name="quantity" inputMode="decimal" placeholder="1" value={minQuantity} onChange={(e) => setMinQuantity(e.target.value)} />
        </Field>
        <Field label={t('field.unit_price')} name="unit_price" errors={form}>
          <input inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />
        </Field>
      </div>
      <FormActions submit={t('common.add')} onCancel={onCancel} error={form.actionError} />
    </form>
  );
}
