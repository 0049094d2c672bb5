/** Why a newly chosen passphrase cannot be taken yet (a translation key
 * under `protection.`), or null when it can: it is typed twice, so a typo
 * never locks the user out of their own data. Blank space at either end
 * counts: the core keeps the passphrase exactly as typed. */
export function chosenPassphraseProblem(passphrase: string, repeated: string): 'choose_empty' | 'choose_mismatch' | null {
  if (passphrase.trim() === '') return 'choose_empty';
  if (passphrase !== repeated) return 'choose_mismatch';
  return null;
}
