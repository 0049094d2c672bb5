import { useTranslation } from 'react-i18next';
import { PAGE } from './useDocumentPage';

/** Previous and Next over a list's pages, with where the page is in all. */
export function Pager({ offset, shown, total, onOffset }: { offset: number; shown: number; total: number; onOffset: (offset: number) => void }) {
  const { t } = useTranslation();
  if (offset === 0 && shown >= total) return null;
  return (
    <nav className="pager" aria-label={t('lists.pages')}>
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - PAGE))}>
        {t('lists.previous')}
      </button>
      <span className="muted">{t('lists.page_of', { first: offset + 1, last: offset + shown, total })}</span>
      <button type="button" disabled={offset + shown >= total} onClick={() => onOffset(offset + PAGE)}>
        {t('lists.next')}
      </button>
    </nav>
  );
}
