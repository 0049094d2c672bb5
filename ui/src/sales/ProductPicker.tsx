// A product field that finds by code or name as you type (the search index,
// Chinese substrings included): ↑↓ choose, Tab or Enter takes the one
// highlighted, Escape closes the list. An ARIA combobox.

import { forwardRef, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordRow } from '../backend';
import { useApp } from '../context';
import { pickedProduct, productText } from './lib';

interface Props {
  value: string;
  onChange: (text: string) => void;
  /** A product was taken (its shown text is then the field's). */
  onPick: (product: RecordRow) => void;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
  placeholder?: string;
  name?: string;
}

/** How many products the list offers at once. */
const SHOWN = 8;

const ProductPicker = forwardRef<HTMLInputElement, Props>(function ProductPicker(
  { value, onChange, onPick, placeholder, name, ...aria },
  ref,
) {
  const { t } = useTranslation();
  const { backend } = useApp();
  const listId = useId();
  const [found, setFound] = useState<RecordRow[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  // The text last taken: no search for it again.
  const taken = useRef<string | null>(null);
  const asked = useRef(0);

  useEffect(() => {
    const typed = value.trim();
    if (!typed || typed === taken.current) {
      setFound([]);
      setOpen(false);
      return;
    }
    const n = ++asked.current;
    const timer = setTimeout(() => {
      backend.call('list_records', { kind: 'product', text: typed, filter: { active: true }, limit: SHOWN }).then(
        (page) => {
          // Only the answer to the latest text counts.
          if (n !== asked.current) return;
          setFound(page.rows);
          setActive(page.rows.length > 0 ? 0 : -1);
          setOpen(true);
        },
        () => {
          if (n === asked.current) setFound([]);
        },
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [backend, value]);

  const take = (product: RecordRow) => {
    const shown = productText(product);
    taken.current = shown;
    setOpen(false);
    setFound([]);
    onChange(shown);
    onPick(product);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && found.length > 0) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i + 1) % found.length);
    } else if (e.key === 'ArrowUp' && found.length > 0) {
      e.preventDefault();
      setActive((i) => (i <= 0 ? found.length - 1 : i - 1));
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    } else if ((e.key === 'Tab' && !e.shiftKey) || e.key === 'Enter') {
      const product = open ? pickedProduct(found, value, active) : null;
      if (product) {
        take(product);
        // Tab goes on to the quantity by itself; Enter takes the product
        // and moves there too, as Tab would.
        if (e.key === 'Enter') {
          e.preventDefault();
          const form = e.currentTarget.form;
          const next = form?.querySelector<HTMLInputElement>('[name="quantity"]');
          next?.focus();
          next?.select();
        }
      }
      // Otherwise Enter submits the form (adds the line) and Tab moves on.
    }
  };

  const expanded = open && value.trim() !== '';
  return (
    <div className="combo">
      <input
        ref={ref}
        name={name}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        autoComplete="off"
        placeholder={placeholder}
        value={value}
        onChange={(e) => {
          taken.current = null;
          onChange(e.target.value);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
        {...aria}
      />
      <ul id={listId} role="listbox" className="combo-list" hidden={!expanded} aria-label={t('sales.matches')}>
        {found.length === 0 ? (
          <li className="muted" role="presentation">
            {t('sales.no_match')}
          </li>
        ) : (
          found.map((p, i) => (
            <li
              key={p.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              // Before the input's blur closes the list.
              onMouseDown={(e) => {
                e.preventDefault();
                take(p);
              }}
            >
              <strong>{String(p.fields.code ?? '')}</strong> <span>{String(p.fields.name ?? '')}</span>
            </li>
          ))
        )}
      </ul>
    </div>
  );
});

export default ProductPicker;
