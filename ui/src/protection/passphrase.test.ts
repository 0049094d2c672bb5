import { describe, expect, it } from 'vitest';
import { chosenPassphraseProblem } from './passphrase';

describe('choosing a passphrase', () => {
  it('takes one typed the same twice', () => {
    expect(chosenPassphraseProblem('red kettle under 7 stars', 'red kettle under 7 stars')).toBeNull();
    expect(chosenPassphraseProblem('红色水壶 七颗星', '红色水壶 七颗星')).toBeNull();
  });

  it('refuses two that differ, even by a space or a letter’s case', () => {
    expect(chosenPassphraseProblem('red kettle', 'red kettle ')).toBe('choose_mismatch');
    expect(chosenPassphraseProblem('red kettle', 'Red kettle')).toBe('choose_mismatch');
    expect(chosenPassphraseProblem('red kettle', '')).toBe('choose_mismatch');
  });

  it('refuses an empty one first', () => {
    expect(chosenPassphraseProblem('', '')).toBe('choose_empty');
    expect(chosenPassphraseProblem('   ', '   ')).toBe('choose_empty');
  });
});
