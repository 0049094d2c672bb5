import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { minuteMs, watchIdle } from './idle';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the idle lock', () => {
  it('locks once the minutes pass with no use of the window', () => {
    const window = new EventTarget();
    const idle = vi.fn();
    watchIdle(window, 5 * 60_000, idle);
    vi.advanceTimersByTime(5 * 60_000 - 1);
    expect(idle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(idle).toHaveBeenCalledTimes(1);
  });

  it('counts from the last key, click, touch or mouse move', () => {
    const window = new EventTarget();
    const idle = vi.fn();
    watchIdle(window, 60_000, idle);
    for (const type of ['keydown', 'pointerdown', 'pointermove', 'touchstart', 'wheel']) {
      vi.advanceTimersByTime(50_000);
      window.dispatchEvent(new Event(type));
    }
    expect(idle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(59_999);
    expect(idle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(idle).toHaveBeenCalledTimes(1);
  });

  it('stops watching when asked: no lock after the setting is turned off', () => {
    const window = new EventTarget();
    const idle = vi.fn();
    const stop = watchIdle(window, 60_000, idle);
    stop();
    vi.advanceTimersByTime(10 * 60_000);
    expect(idle).not.toHaveBeenCalled();
  });

  it('takes a shorter minute only from the test hook, never a longer one', () => {
    expect(minuteMs({})).toBe(60_000);
    expect(minuteMs({ crmIdleMinuteMs: 200 })).toBe(200);
    expect(minuteMs({ crmIdleMinuteMs: 10 * 60_000 })).toBe(60_000);
    expect(minuteMs({ crmIdleMinuteMs: 0 })).toBe(60_000);
    expect(minuteMs({ crmIdleMinuteMs: '5' })).toBe(60_000);
  });
});
