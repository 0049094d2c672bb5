import { useTranslation } from 'react-i18next';
import { CHOICES, type ChoiceGroup } from '../lib/choices';

/** The usual values of a free-text field, offered in the user's language
 * while typing (an input's `list`). */
export default function ChoiceList({ id, group }: { id: string; group: ChoiceGroup }) {
  const { t } = useTranslation();
  return (
    <datalist id={id}>
      {CHOICES[group].map((key) => (
        <option key={key} value={t(`${group}.${key}`)} />
      ))}
    </datalist>
  );
}
