import { useTranslation } from 'react-i18next';

/** A form's primary button (submits) and its Cancel. */
export default function FormActions({ submit, onCancel, busy = false }: { submit: string; onCancel: () => void; busy?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="row">
      <button type="submit" className="primary" disabled={busy}>
        {submit}
      </button>
      <button type="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
    </div>
  );
}
