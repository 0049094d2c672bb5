import i18next, { type TFunction } from 'i18next';
import { LANGUAGES } from '../i18n';

/** Values stored as keys and shown in the user's language. The field stays
 * free text: a value that is not a key is shown as typed. */
export const CHOICES = {
  industry: ['software', 'electronics', 'logistics', 'manufacturing', 'healthcare', 'food', 'construction', 'trade', 'energy', 'textiles'],
  lead_source: ['exhibition', 'web', 'referral', 'cold_call', 'campaign'],
} as const;

export type ChoiceGroup = keyof typeof CHOICES;

/** A stored value as the user reads it: a key translated, anything else as is. */
export function choiceLabel(t: TFunction, group: ChoiceGroup, value: string | null | undefined): string {
  if (!value) return '';
  return (CHOICES[group] as readonly string[]).includes(value) ? t(`${group}.${value}`) : value;
}

/** What to store for what the user typed: the key when the text is a key
 * or its name in any of the app's languages (any case: 软件 typed in the
 * English app is `software` too), else the text itself. */
export async function choiceKey(group: ChoiceGroup, typed: string): Promise<string> {
  const text = typed.trim();
  const folded = text.toLocaleLowerCase();
  await i18next.loadLanguages([...LANGUAGES]);
  const names = LANGUAGES.map((lng) => i18next.getFixedT(lng));
  for (const key of CHOICES[group]) {
    if (key === folded || names.some((t) => t(`${group}.${key}`).toLocaleLowerCase() === folded)) return key;
  }
  return text;
}
