import { describe, expect, it } from 'vitest';
import { nextRow } from './listKeys';

describe('arrow keys in a list', () => {
  it('move one row at a time and stop at the ends', () => {
    expect(nextRow('ArrowDown', 0, 3)).toBe(1);
    expect(nextRow('ArrowDown', 2, 3)).toBe(2);
    expect(nextRow('ArrowUp', 0, 3)).toBe(0);
    expect(nextRow('ArrowUp', 2, 3)).toBe(1);
  });

  it('start at the first row when none has focus, and jump with Home and End', () => {
    expect(nextRow('ArrowDown', -1, 3)).toBe(0);
    expect(nextRow('End', 0, 3)).toBe(2);
    expect(nextRow('Home', 2, 3)).toBe(0);
  });

  it('leave other keys and empty lists alone', () => {
    expect(nextRow('Enter', 0, 3)).toBeNull();
    expect(nextRow('ArrowDown', -1, 0)).toBeNull();
  });
});
