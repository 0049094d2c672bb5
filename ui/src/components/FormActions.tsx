import { useTranslation } from 'react-i18next';
import Problem from './Problem';

/** A form's primary button (submits) and its Cancel, with the error of the
 * action itself (one that names no field) right beside them. */
export default function FormActions({
  submit,
  onCancel,
  busy = false,
  error,
}: {
  submit: string;
  onCancel: () => void;
  busy?: boolean;
  error?: string;
}) {
  const { t } = useTranslation();
  return (
    <div className="row wrap">
      <button type="submit" className="primary" disabled={busy}>
        {submit}
      </button>
      <button type="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      <Problem message={error} />
    </div>
  );
}
