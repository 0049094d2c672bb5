import type { TFunction } from 'i18next';

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
 * or its name in the user's language (any case), else the text itself. */
export function choiceKey(t: TFunction, group: ChoiceGroup, typed: string): string {
  const text = typed.trim();
  const folded = text.toLocaleLowerCase();
  for (const key of CHOICES[group]) {
    if (key === folded || t(`${group}.${key}`).toLocaleLowerCase() === folded) return key;
  }
  return text;
}
